/**
 * Regressions a third review (2026-11-27) found in the second round's rules: table_cell reading a
 * line and the rows below it once per anchor, and rules and the leak scan taking ordinary text.
 */
import { expect } from 'chai';
import { tableCell } from '../../../lib/redaction/table-rules.js';
import type { Span } from '../../../lib/redaction/rule.js';
import type { SqlValue } from '../../../lib/records.js';
import { ALNUM, body, seeded, table } from './fakes.js';
import { detectorsOf, expectRedactedTo, expectUntouched, policyWith, redactText } from './helpers.js';

const rand = seeded(20261128);
const MiB = 1 << 20;
const fill = (line: string): string => line.repeat(Math.ceil(MiB / line.length)).slice(0, MiB);

describe('review 3: table_cell reads each line once', () => {
  // The last: lines per call at least. A line of a header naming a secret is read with the 64 rows below it;
  // a bare `token` header reads no column (it names words as often: a lexer's, a design system's).
  const crafted: [string, string, number][] = [
    ['CSV, 64 cells of token', `${Array(64).fill('token').join(',')}\n`, 1],
    ['markdown, 64 cells of token', `| ${Array(64).fill('token').join(' | ')} |\n`, 1],
    ['CSV, 64 cells of api_token', `${Array(64).fill('api_token').join(',')}\n`, 60],
    ['markdown, 64 cells of api_token', `| ${Array(64).fill('api_token').join(' | ')} |\n`, 60],
    ['TSV, 64 cells of secret', `${Array(64).fill('secret').join('\t')}\n`, 60],
    ['psql rows', ' password | abc\n', 60],
    ['markdown rows', '| secret | abc |\n', 60],
    ['markdown rows of token', '| token | abc |\n', 1],
    ['CSV rows', 'password,abc\n', 60],
    ['TSV rows', 'password\tabc\n', 60],
  ];

  for (const [what, line, perCall] of crafted) {
    it(`${what} over 1 MiB: the rule is called once per ${perCall} lines read, and takes nothing`, () => {
      const text = fill(line);
      const lines = text.split('\n').length;
      const rule = tableCell();
      const anchor = /token|secret|pass/gi;
      const out: Span[] = [];
      let calls = 0;
      let resume = 0;
      for (let m = anchor.exec(text); m !== null; m = anchor.exec(text)) {
        if (m.index < resume) continue;
        calls++;
        // Each call reads its line and up to 64 rows below; a call per line reads every line 64 times: stop before it takes seconds.
        if (calls > lines / perCall) break;
        resume = rule.find(text, m.index, out);
        expect(resume, `resume at ${m.index}`).to.be.greaterThan(m.index);
      }
      expect(calls, 'calls').to.be.at.most(lines / perCall);
      expect(out).to.deep.equal([]);
    });
  }

  it('after a header read with its rows, values in every secret column and in name/value cells of those rows still go', () => {
    const [a, b, c, d] = [body(rand, ALNUM, 18), body(rand, ALNUM, 18), body(rand, ALNUM, 18), body(rand, ALNUM, 18)];
    expectRedactedTo([
      [`| user | password | api_token |\n|---|---|---|\n| bob | ${a} | ${b} |\n| DB_PASSWORD | ${c} | x |`, '| user | password | api_token |\n|---|---|---|\n| bob | [REDACTED] | [REDACTED] |\n| DB_PASSWORD | [REDACTED] | x |'],
      [`| DB_PASSWORD | ${d} | API_TOKEN | ${a} |`, '| DB_PASSWORD | [REDACTED] | API_TOKEN | [REDACTED] |'],
    ]);
    expect(redactText(`${'| a | b |\n'.repeat(3)}password,api_token\n${c},${d}\n`).out).to.equal(`${'| a | b |\n'.repeat(3)}password,api_token\n[REDACTED],[REDACTED]\n`);
  });

  it('a line of token cells over 1 MiB comes out unchanged', () => {
    expectUntouched([fill(`${Array(64).fill('token').join(',')}\n`)]);
  });
});

describe('review 3: the leak scan reads a table cell only where the rules would', () => {
  const ordinary = [
    ' provider | external_id\n----------+----------------------------------\n oauth    | 3f2b8c1a9d4e4f6ab7c81e2d3f4a5b6c\n(1 row)',
    '| Provider | Request |\n|---|---|\n| OAuth | req_8f3k2m9x7q1w4e6r |',
    '| Scheme | Request |\n|---|---|\n| BasicAuth | req_8f3k2m9x7q1w4e6r |',
    ' method | request_id\n--------+----------------------------\n auth   | req_01HV8Q2M7X3K9Z4T6B1N5R8W2C',
    '| step | id |\n|---|---|\n| oauth | 01HV8Q2M7X3K9Z4T6B1N5R8W2C |',
    '| tool | flag |\n|---|---|\n| bypass | Xk9vQ2mLp7RtYb3N |',
    ' metric | value\n--------+-------\n tokens | 8f3k2m9x7q1w4e6r',
    'api key | 01HV8Q2M7X3K9Z4T6B1N5R8W2C',
    '| access key | 01HV8Q2M7X3K9Z4T6B1N5R8W2C |',
  ];
  it('psql and markdown tables with an oauth, auth, bypass or tokens cell: untouched, and no leak-scan hit', () => {
    expectUntouched(ordinary);
    for (const text of ordinary) expect(detectorsOf(JSON.stringify({ c: redactText(text).out })), text).to.deep.equal([]);
  });

  it('a cell naming a secret still fails the scan raw', () => {
    for (const name of ['DB_PASSWORD', 'oauth_token', 'clientSecret', 'db_pass', 'api_key', 'mytoken']) {
      expect(detectorsOf(JSON.stringify({ c: `| ${name} | ${body(rand, ALNUM, 18)} |` })), name).to.include('secret_assignment');
    }
  });
});

describe('review 3: key/value tables keyed by settings, not by paths or cache keys', () => {
  const redactTable = (columns: readonly string[], rows: SqlValue[][]): SqlValue[][] => {
    const policy = policyWith();
    const plan = policy.plan(table('t', columns));
    policy.createRedactor().redactRows('t', plan, rows);
    return rows;
  };
  const source = "import { z } from 'zod';\nexport const schema = z.object({ email: z.string().email() });\n";

  it('file_cache(name, data) under paths naming auth, secrets, keys keeps its files', () => {
    const rows: SqlValue[][] = [['src/auth/password-reset.tsx', source, 1n], ['src/lib/secret-manager.ts', source, 2n], ['docs/api-keys.md', '# API keys\nCreate one in the console.\n', 3n]];
    expect(redactTable(['name', 'data', 'mtime'], structuredClone(rows))).to.deep.equal(rows);
  });

  it('kv_cache(key, json) under cache keys naming secrets keeps its JSON', () => {
    const rows: SqlValue[][] = [['github:secret_scanning_alerts', '{"alerts":[{"number":1,"state":"open"}]}'], ['github:token_scopes', '{"scopes":["repo","read:org"]}'], ['password_rules', '{"min_length":12,"require_digit":true}']];
    expect(redactTable(['key', 'json'], structuredClone(rows))).to.deep.equal(rows);
  });

  it('attrs(entity, attribute, value) keeps attributes about a secret', () => {
    const rows: SqlValue[][] = [[1n, 'password_strength_meter', 'zxcvbn-v4'], [1n, 'token_refresh_interval', '15m'], [2n, 'user:42:password', 'hunter22']];
    expect(redactTable(['entity', 'attribute', 'value'], structuredClone(rows))).to.deep.equal(rows);
  });

  it('settings named like secrets still lose their value, dotted names and SECRET_KEY_BASE too; a JSON document is scanned', () => {
    const secret = body(rand, ALNUM, 20);
    for (const key of ['smtp_password', 'DB_PASS', 'mail.smtp.password', 'SECRET_KEY_BASE', 'stripeApiKey', 'PGPASS']) {
      expect(redactTable(['key', 'value'], [[key, 'hunter2']]), key).to.deep.equal([[key, '[REDACTED]']]);
    }
    expect(redactTable(['key', 'json'], [['github', `{"token":"${secret}","org":"acme"}`]])).to.deep.equal([['github', '{"token":"[REDACTED]","org":"acme"}']]);
  });
});

describe('review 3: privkey names a secret only as a name\'s last word', () => {
  it('gnutls headers and NEWS stay', () => {
    expectUntouched([
      '  GNUTLS_PRIVKEY_IMPORT_COPY = 1 << 1,\n  GNUTLS_PRIVKEY_IMPORT_AUTO_RELEASE = 1,',
      '** libgnutls: gnutls_privkey_export_rsa_raw2: Added',
      "** certtool: --generate-privkey wouldn't overwrite the key file",
      "Use --password won't work here",
    ]);
  });

  it('PRIVKEY, SSL_PRIVKEY and priv_key still take their value', () => {
    const secret = body(rand, ALNUM, 20);
    for (const name of ['PRIVKEY', 'SSL_PRIVKEY', 'priv_key']) expect(redactText(`${name}=${secret}`).out, name).to.equal(`${name}=[REDACTED]`);
  });
});

describe('review 3: signingkey is a public key id', () => {
  it("git's user.signingkey stays, in text and as a settings row", () => {
    expectUntouched(['[user]\n\tsigningkey = 3AA5C34371567BD2', 'git config --global user.signingkey=3AA5C34371567BD2', 'SIGNINGKEY=3AA5C34371567BD2']);
    const policy = policyWith();
    const plan = policy.plan(table('settings', ['key', 'value']));
    const rows: SqlValue[][] = [['git.signingkey', '3AA5C34371567BD2']];
    policy.createRedactor().redactRows('settings', plan, rows);
    expect(rows).to.deep.equal([['git.signingkey', '3AA5C34371567BD2']]);
  });
});

describe('review 3: table_cell keeps what tables say about secrets', () => {
  const documents = [
    '| Token | Value | Usage |\n|---|---|---|\n| color-primary-500 | #3b82f6 | buttons |\n| spacing-4 | 1rem | gaps |\n| font-size-2xl | 1.5rem | headings |',
    '| Column | Type | Notes |\n|---|---|---|\n| password | varchar(255) | bcrypt hash |\n| api_token | CHAR(64) | unique |\n| secretKey | Uint8Array | The 32-byte secret key |',
    '| Name | Pattern |\n|---|---|\n| NUMBER_TOKEN | [0-9]+(\\.[0-9]+)? |\n| HEX_TOKEN | 0x[0-9a-fA-F]+ |',
    '| Token | Regex |\n|---|---|\n| Float32Lit | [0-9]+f32 |\n| Ident2 | [a-z]+ |',
    'token,count\ncovid19,88\nvaccine2,41\n',
    ' id | token\n----+--------------------------------------\n  1 | 6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f',
    ' token | 6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f',
    '| s3_key | uploads/2024/img_01.png |\n| lock_key | lock:job:42 |',
  ];
  it('design tokens, schema docs, lexer tables, word counts, UUIDs, paths and cache keys: untouched, and no leak-scan hit', () => {
    expectUntouched(documents);
    for (const text of documents) expect(detectorsOf(JSON.stringify({ c: text })), text).to.deep.equal([]);
  });

  it('generated values still go: beside a name, under a password column, an AWS secret with its / parts', () => {
    const [a, b] = [body(rand, ALNUM, 18), body(rand, ALNUM, 18)];
    expectRedactedTo([
      [`| user | password |\n|---|---|\n| bob | ${a} |`, '| user | password |\n|---|---|\n| bob | [REDACTED] |'],
      ['| aws_secret_access_key | wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY |', '| aws_secret_access_key | [REDACTED] |'],
      [`| DB_PASSWORD | ${b} |`, '| DB_PASSWORD | [REDACTED] |'],
    ]);
  });
});

describe('review 3: labeled_secret takes only generated-looking values', () => {
  it('where a secret is kept and what handles it stay, bold or not', () => {
    expectUntouched([
      '- **Credentials**: `~/.aws/credentials`',
      '- **Token store**: `memcached`',
      '- **Secret backend**: `aws-secrets-manager`',
      '- **Password hashing**: `argon2id`',
      '- **API key**: `OPENAI_API_KEY` environment variable',
      '- **Access token**: `process.env.GITHUB_TOKEN`',
      '- **Private key**: `./certs/server.key`',
      "- **password**: `string` - The user's password",
      'Password encoder: BCryptPasswordEncoder',
      'Credentials provider: DefaultAWSCredentialsProviderChain',
      'Token store: RedisTokenStore',
      'Password hashing: Argon2id',
      'Credential scope: 20240101/us-east-1/s3/aws4_request',
    ]);
  });

  it('generated values after such labels still go', () => {
    const [a, b] = [body(rand, ALNUM, 18), body(rand, ALNUM, 20)];
    expectRedactedTo([
      [`- **Password:** \`${a}\``, '- **Password:** `[REDACTED]`'],
      [`Client secret value: ${b}`, 'Client secret value: [REDACTED]'],
      ['Secret access key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'Secret access key: [REDACTED]'],
    ]);
  });
});

describe('review 3: tables with an empty cell, quotes, bold names or semicolons', () => {
  it('a markdown row with an empty cell, quoted CSV, a bold name, semicolon CSV: the generated cell goes', () => {
    const [a, b, c, d] = [body(rand, ALNUM, 18), body(rand, ALNUM, 18), body(rand, ALNUM, 18), body(rand, ALNUM, 18)];
    expectRedactedTo([
      [`| env | user | password | notes |\n|---|---|---|---|\n| prod | admin | ${a} | |`, '| env | user | password | notes |\n|---|---|---|---|\n| prod | admin | [REDACTED] | |'],
      [`"DB_HOST","db.internal"\n"DB_PASSWORD","${b}"`, '"DB_HOST","db.internal"\n"DB_PASSWORD","[REDACTED]"'],
      [`| **Password** | \`${c}\` |`, '| **Password** | `[REDACTED]` |'],
      [`user;password\nalice;${d}\n`, 'user;password\nalice;[REDACTED]\n'],
    ]);
  });

  it('code with semicolons, quotes and empty cells stays', () => {
    expectUntouched([
      'let password;\nlet token;',
      'password;\n',
      '"password", "token", "api_key"',
      '| **Password** | required |',
      'user;password;remember\n',
    ]);
  });
});
