/**
 * Shapes a second red-team review (2026-11-27) found coming through a default redacted export
 * with exit 0: the rest of a quoted `NAME=value` after its first `&` or `;`, key/value rows named
 * `*_KEY`, labels of several words, OpenRouter and Langfuse keys, tables, setter calls, and JSON
 * Schemas under a `password` key mangled. Every secret is generated here.
 */
import { expect } from 'chai';
import type { SqlValue } from '../../../lib/records.js';
import { ALNUM, body, chars, hex, seeded, table, uuid } from './fakes.js';
import { detectorsOf, expectEach, expectRedactedTo, expectUntouched, policyWith, redactText } from './helpers.js';

const rand = seeded(20261127);
/** A generated password holding the characters that end an unquoted value: `& ; , | } ) < > ] \``. */
const symbolic = (): string => `${body(rand, ALNUM, 5)}&${body(rand, ALNUM, 4)};${body(rand, ALNUM, 4)}|${body(rand, ALNUM, 3)},${body(rand, ALNUM, 3)})${body(rand, ALNUM, 3)}]${body(rand, ALNUM, 3)}}${body(rand, ALNUM, 3)}<x>${body(rand, ALNUM, 3)}`;

/** Each form, `%s` the secret: the output holds no 6-character piece of it and the leak scan is quiet on it as JSON. */
function expectGone(forms: readonly string[], make: () => string): void {
  for (const form of forms) {
    const secret = make();
    const text = form.replace('%s', secret);
    const { out } = redactText(text);
    for (const part of secret.split(/[^A-Za-z0-9]+/).filter((p) => p.length >= 3)) expect(out, `${text}\n→ ${out}`).not.to.include(part);
    expect(out, text).to.include('[REDACTED]');
    expect(detectorsOf(JSON.stringify({ c: out })), out).to.deep.equal([]);
  }
}

describe('red team 2: a quoted NAME=value runs to its closing quote', () => {
  it("docker inspect's Env, docker run -e \"…\", YAML lists, kubectl --from-literal, INI lines: no part of the password survives", () => {
    expectGone([
      '[{"Config":{"Env":["POSTGRES_PASSWORD=%s","PATH=/usr/bin"]}}]',
      'docker run -e "MYSQL_ROOT_PASSWORD=%s" -d mysql:8',
      "docker run -e 'MYSQL_ROOT_PASSWORD=%s' -d mysql:8",
      'services:\n  db:\n    environment:\n      - "DB_PASSWORD=%s"\n      - "DB_USER=app"\n',
      'kubectl create secret generic db --from-literal=password=%s',
      'docker build --build-arg=API_TOKEN=%s .',
      '[database]\npassword = %s\nhost = db\n',
      'log: {"cmd":"docker run -e \\"POSTGRES_PASSWORD=%s\\" postgres"} end',
    ], symbolic);
  });

  it('the value stops at its closing quote, and a quoted query string at its next parameter', () => {
    const pw = body(rand, ALNUM, 16);
    expect(redactText(`run("DB_PASSWORD=${pw}", "--rm")`).out).to.equal('run("DB_PASSWORD=[REDACTED]", "--rm")');
    expect(redactText(`fetch("token=${pw}&page=2")`).out).to.equal('fetch("token=[REDACTED]&page=2")');
    expect(redactText('[server]\npassword = ${DB_PASSWORD}\n').out).to.equal('[server]\npassword = ${DB_PASSWORD}\n');
    expect(redactText('if (ok) {\n  password = a && b;\n}').out).to.equal('if (ok) {\n  password = a && b;\n}');
  });
});

/** Redacts `rows` of a table with `columns`; returns the rows. */
function redactTable(columns: readonly string[], rows: SqlValue[][]): SqlValue[][] {
  const policy = policyWith();
  const plan = policy.plan(table('t', columns));
  policy.createRedactor().redactRows('t', plan, rows);
  return rows;
}

describe('red team 2: key/value rows and columns named like keys', () => {
  it('a settings row keyed AZURE_OPENAI_KEY, HMAC_KEY, sessionKey… loses a generated value, keeps a plain one', () => {
    for (const key of ['AZURE_OPENAI_KEY', 'ANTHROPIC_KEY', 'HMAC_KEY', 'SESSION_KEY', 'COHERE_KEY', 'FERNET_KEY', 'anthropicKey', 'sessionKey', 'encKey']) {
      const secret = hex(rand, 32);
      expect(redactTable(['key', 'value', 'updated_at'], [[key, secret, '2026'], [key, 'created_at', '2026']]), key).to.deep.equal([[key, '[REDACTED]', '2026'], [key, 'created_at', '2026']]);
    }
    expect(redactTable(['key', 'value'], [['sort_key', hex(rand, 32)]])[0]![1]).to.not.equal('[REDACTED]');
  });

  it('PGPASS and SECRETKEY name secrets; bypass and compass do not', () => {
    for (const key of ['PGPASS', 'SECRETKEY', 'MASTERKEY', 'DBPASS']) {
      expect(redactTable(['key', 'value'], [[key, body(rand, ALNUM, 20)]]), key).to.deep.equal([[key, '[REDACTED]']]);
    }
    expect(redactTable(['key', 'value'], [['bypass', 'on'], ['compass', 'north']])).to.deep.equal([['bypass', 'on'], ['compass', 'north']]);
  });

  it('key/value tables by other column names: (k, v), WordPress options and meta, (env_name, env_value)…', () => {
    const pairs: [string, string][] = [['k', 'v'], ['env_name', 'env_value'], ['setting_name', 'setting_value'], ['property', 'val'], ['attribute', 'value'], ['field', 'value'], ['option_name', 'option_value'], ['meta_key', 'meta_value']];
    for (const [k, v] of pairs) {
      const pw = body(rand, ALNUM, 18);
      expect(redactTable(['id', k, v], [[1n, 'smtp_password', pw], [2n, 'site_title', 'My blog']]), `${k},${v}`).to.deep.equal([[1n, 'smtp_password', '[REDACTED]'], [2n, 'site_title', 'My blog']]);
    }
    // A chat message's tool name is no key: its output stays.
    expect(redactTable(['name', 'content'], [['get_api_key', 'Found 3 keys in the vault']])).to.deep.equal([['get_api_key', 'Found 3 keys in the vault']]);
  });

  it('a column named like a key (hmac_key, sessionKey) loses generated values and keeps others', () => {
    const secret = hex(rand, 32);
    expect(redactTable(['hmac_key', 'sessionKey', 'sort_key'], [[secret, 'home', secret]])).to.deep.equal([['[REDACTED]', 'home', secret]]);
  });
});

describe('red team 2: labels of words, and markdown bold', () => {
  const secret = (): string => body(rand, ALNUM, 24);
  it('a bold label\'s value, in backticks or bare, and labels of several words at a line\'s start', () => {
    expectGone([
      '- **Password:** `%s`', '**Secret:** %s', '- **Access token:** `%s`', '**Client secret:** %s', '* **Bot token**: %s', '1. **Token:** `%s`',
      'API key: %s', 'Api Key = %s', 'Master key: %s', 'Client secret value: %s', 'Secret access key: %s', 'Here is the key.\nAPI key: %s\nKeep it safe.',
    ], secret);
    const short = `${body(rand, ALNUM, 7)}`;
    expect(redactText(`- **Password:** \`${short}\``).out).to.equal('- **Password:** `[REDACTED]`');
  });

  it('aws configure\'s prompts and the console\'s two lines: the secret key after its id\'s line', () => {
    const id = `AKIA${chars(rand, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`;
    const key = `${body(rand, ALNUM, 20)}/${body(rand, ALNUM, 19)}`;
    expect(redactText(`$ aws configure\nAWS Access Key ID [None]: ${id}\nAWS Secret Access Key [None]: ${key}\nDefault region name [None]: us-east-1\n`).out)
      .to.equal('$ aws configure\nAWS Access Key ID [None]: [REDACTED]\nAWS Secret Access Key [None]: [REDACTED]\nDefault region name [None]: us-east-1\n');
    expect(redactText(`Access key ID: ${id}\nSecret access key: ${key}`).out).to.equal('Access key ID: [REDACTED]\nSecret access key: [REDACTED]');
  });

  it('the leak scan sees them raw', () => {
    for (const form of ['- **Password:** `%s`', '* **Bot token**: %s', 'API key: %s', 'Client secret value: %s', 'AWS Secret Access Key [None]: %s']) {
      expect(detectorsOf(JSON.stringify({ c: form.replace('%s', secret()) })), form).to.include('secret_assignment');
    }
  });

  it('prose and documentation after such labels stay', () => {
    expectUntouched([
      'The password: it expires tomorrow.', 'Your API key: is shown once.', '**Password:** the password to use', 'API key: YOUR_API_KEY',
      '- **Password reset:** `Kx9vQ2mLp7`', 'Token usage: 12345678', '**Secret:** `<your-secret>`', 'Access key ID: (see below)', 'Primary key: id',
    ]);
  });
});

describe('red team 2: OpenRouter and Langfuse keys', () => {
  it('sk-or-v1- and 64 hex digits, sk-lf- and a UUID: redacted bare in prose, and found by the leak scan', () => {
    expectEach(['use %s for the router', 'OPENROUTER=%s', '"%s"'], () => `sk-or-v1-${hex(rand, 64)}`, 'openrouter_api_key', 'vendor_token');
    expectEach(['langfuse key %s', 'LF=%s'], () => `sk-lf-${uuid(rand)}`, 'langfuse_secret_key', 'vendor_token');
  });

  it('their public halves and kebab-case classes stay', () => {
    expectUntouched([`pk-lf-${uuid(rand)}`, 'class="sk-or-circle-bounce-2"']);
  });
});

describe('red team 2: tables printed as text', () => {
  const pw = (): string => body(rand, ALNUM, 18);
  it('markdown rows, psql\'s aligned and \\x output, CSV and TSV lines: the cell after a secret\'s name', () => {
    const [a, b, c, d, e, f] = [pw(), pw(), pw(), pw(), pw(), pw()];
    expectRedactedTo([
      [`| Name | Value |\n|---|---|\n| DB_PASSWORD | ${a} |\n| DB_HOST | db.internal |`, '| Name | Value |\n|---|---|\n| DB_PASSWORD | [REDACTED] |\n| DB_HOST | db.internal |'],
      [`| \`API_TOKEN\` | \`${b}\` |`, '| `API_TOKEN` | `[REDACTED]` |'],
      [`      key       |        value\n----------------+--------------------\n smtp_password  | ${c}\n smtp_host      | mail.example.com\n(2 rows)`, '      key       |        value\n----------------+--------------------\n smtp_password  | [REDACTED]\n smtp_host      | mail.example.com\n(2 rows)'],
      [`-[ RECORD 1 ]-----\nid       | 1\npassword | ${d}`, '-[ RECORD 1 ]-----\nid       | 1\npassword | [REDACTED]'],
      [`DB_PASSWORD,${e}\nDB_HOST,db`, 'DB_PASSWORD,[REDACTED]\nDB_HOST,db'],
      [`SECRET_KEY\t${f}`, 'SECRET_KEY\t[REDACTED]'],
    ]);
  });

  it('the column under a header cell naming a secret', () => {
    const [a, b, c] = [pw(), pw(), pw()];
    expectRedactedTo([
      [`| user | password |\n|------|----------|\n| bob  | ${a} |\n| alice | ${b} |`, '| user | password |\n|------|----------|\n| bob  | [REDACTED] |\n| alice | [REDACTED] |'],
      [`username,password,verified\nbob,${c},true\n`, 'username,password,verified\nbob,[REDACTED],true\n'],
    ]);
  });

  it('the leak scan sees a markdown or psql row raw', () => {
    for (const form of ['| DB_PASSWORD | %s |', ' smtp_password | %s', 'x\npassword | %s']) expect(detectorsOf(JSON.stringify({ c: form.replace('%s', pw()) })), form).to.include('secret_assignment');
  });

  it('documentation tables, code with commas and type unions stay', () => {
    expectUntouched([
      '| Option | Type | Description |\n|---|---|---|\n| password | string | The password |\n| token | `str` | API token, required |',
      'def connect(user, password, host):\n    return f(user, password)',
      'password, user = get()',
      '        self.key,\n        _remove_md5_fragment(self.location),\n',
      '    privateKey: KeyLike | SignKeyObjectInput | SignPrivateKeyInput | SignJsonWebKeyInput,',
      "r'A_LoopRegKey|A_LoopRegName|A_LoopRegSubkey|A_LoopRegTimeModified|'",
      '| api_key | sk-... | shown once |',
    ]);
  });
});

describe('red team 2: code that builds a secret from a literal', () => {
  const key = (): string => body(rand, ALNUM, 24);
  it('Rust\'s String::from and SecretString::new, Go\'s []byte, PHP\'s define( … ), setters and builders: the literal alone', () => {
    expectEach([
      'let api_key = String::from("%s");', 'let password = SecretString::new("%s".into());', 'var password = []byte("%s")',
      'let password = "%s".to_string();', "define( 'DB_PASSWORD', '%s' );", "define('AUTH_KEY', '%s');",
      'ds.setPassword("%s");', 'container.withPassword("%s")', 'client.setApiKey("%s");', 'builder.setToken( "%s" )',
    ], key, 'secret_assignment');
  });

  it('setters given variables or calls, and short words, stay', () => {
    expectUntouched(['user.setPassword(hashed);', 'this.setToken(token)', 'ds.setPassword(System.getenv("DB_PASSWORD"));', 'let key = String::from("hello");', 'spec.setSecretKeyAlgorithm("AES")', 'x.setToken("Bearer")']);
  });
});

describe('red team 2: an object under a secret-named key is walked, not replaced', () => {
  it('JSON Schema, OpenAPI and form definitions keep their shape', () => {
    expectRedactedTo([
      ['{"properties":{"password":{"type":"string","minLength":12}}}', '{"properties":{"password":{"type":"string","minLength":12}}}'],
      ['{"securitySchemes":{"api_key":{"type":"apiKey","name":"X-API-Key","in":"header"}}}', '{"securitySchemes":{"api_key":{"type":"apiKey","name":"X-API-Key","in":"header"}}}'],
      ['{"password":{"label":"Mot de passe","placeholder":"Entrez-le"}}', '{"password":{"label":"Mot de passe","placeholder":"Entrez-le"}}'],
    ]);
  });

  it('every value inside still goes: under value-like keys, nested, in arrays, numbers too', () => {
    const [a, b, c, d] = [body(rand, ALNUM, 20), body(rand, ALNUM, 8), body(rand, ALNUM, 12), body(rand, ALNUM, 10)];
    expectRedactedTo([
      [`{"password": {"value": "${a}"}}`, '{"password": {"value": "[REDACTED]"}}'],
      [`{"password": {"value": {"plain": "${a}", "type": "x"}}}`, '{"password": {"value": {"plain": "[REDACTED]", "type": "x"}}}'],
      [`{"passwords": ["${a}", "${b}"]}`, '{"passwords": ["[REDACTED]", "[REDACTED]"]}'],
      [`{"secret": [["${c}"], {"k": "${d}"}], "n": 1}`, '{"secret": [["[REDACTED]"], {"k": "[REDACTED]"}], "n": 1}'],
      [`{"token": {"access": "${a}", "expires_at": "2026-01-01", "pin": 1234}}`, '{"token": {"access": "[REDACTED]", "expires_at": "2026-01-01", "pin": "[REDACTED]"}}'],
      ['{"credentials": {"user": "bob", "pass": "x"}}', '{"credentials": {"user": "[REDACTED]", "pass": "[REDACTED]"}}'],
    ]);
  });
});

describe('red team 2: _PW names, pass phrases, redis.conf, npm config set', () => {
  const pw = (): string => body(rand, ALNUM, 20);
  it('DB_PW, ADMIN_PW, PASS_PHRASE, PRIVKEY; redis\'s requirepass and masterauth; npm config set //host/:_authToken', () => {
    expectEach(['DB_PW=%s', 'export ADMIN_PW="%s"', 'PASS_PHRASE=%s', 'PRIVKEY=%s', 'priv_key: %s', 'requirepass %s', 'bind 0.0.0.0\nmasterauth %s\n'], pw, 'secret_assignment');
    expectEach(['npm config set //registry.npmjs.org/:_authToken %s'], () => uuid(rand), 'secret_assignment');
    for (const form of ['PASS_PHRASE=%s', 'PRIVKEY=%s', 'requirepass %s']) expect(detectorsOf(form.replace('%s', pw())), form).to.deep.equal(['secret_assignment']);
  });

  it('prose about them and the shell\'s PWD stay', () => {
    expectUntouched(['the requirepass directive sets a password', 'cd $PWD && ls', 'npm config set //registry.npmjs.org/:_authToken ${NPM_TOKEN}', 'PW_LENGTH=12']);
  });
});

describe('red team 2: CI, registry and hosted-service keys bare in prose', () => {
  const LOWER_DIGIT = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const UPPER_DIGIT = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const shapes: [string, () => string][] = [
    ['cerebras_api_key', () => `csk-${body(rand, LOWER_DIGIT, 48)}`],
    ['together_api_key', () => `tgp_v1_${body(rand, `${ALNUM}-_`, 43)}`],
    ['terraform_cloud_token', () => `${body(rand, ALNUM, 14)}.atlasv1.${body(rand, `${ALNUM}-_`, 67)}`],
    ['circleci_token', () => `CCIPAT_${body(rand, ALNUM, 22)}_${hex(rand, 39)}1`],
    ['buildkite_token', () => `bkua_${hex(rand, 39)}7`],
    ['bitbucket_app_password', () => `ATBB${body(rand, ALNUM, 32)}`],
    ['jfrog_api_key', () => `AKCp${body(rand, ALNUM, 69)}`],
    ['netlify_token', () => `nfp_${body(rand, ALNUM, 36)}`],
    ['newrelic_api_key', () => `NRAK-${chars(rand, UPPER_DIGIT, 26)}7`],
    ['contentful_token', () => `CFPAT-${body(rand, `${ALNUM}-_`, 43)}`],
    ['sonarqube_token', () => `${['squ_', 'sqp_', 'sqa_'][Math.floor(rand() * 3)]}${hex(rand, 39)}2`],
    ['dynatrace_token', () => `dt0c01.${chars(rand, UPPER_DIGIT, 23)}1.${chars(rand, UPPER_DIGIT, 63)}2`],
    ['planetscale_token', () => `${['pscale_tkn_', 'pscale_pw_', 'pscale_oauth_'][Math.floor(rand() * 3)]}${body(rand, `${ALNUM}-_`, 43)}`],
    ['prefect_api_key', () => `pnu_${body(rand, ALNUM, 36)}`],
    ['rubygems_api_key', () => `rubygems_${hex(rand, 47)}3`],
  ];
  for (const [rule, make] of shapes) {
    it(`${rule}: redacted in prose and found by the leak scan`, () => {
      expectEach(['here it is: %s thanks', 'KEY="%s"', '%s'], make, rule, 'vendor_token');
    });
  }

  it('look-alikes stay: words after the prefixes, short bodies, CSS classes', () => {
    expectUntouched(['csk-button-primary', 'the squ_ prefix', 'ATBBoard', 'AKCpInfo', 'rubygems_org_api_key', 'nfp_config', 'NRAK-123', 'a.atlasv1.b']);
  });
});
