/**
 * The fourth red team's second report (lib/redaction/README.md): secrets that passed the rules
 * in shapes agents' workspaces hold. Every secret is generated here.
 */
import { expect } from 'chai';
import type { SqlValue } from '../../../lib/records.js';
import { ALNUM, body, column, seeded, table } from './fakes.js';
import { expectEach, expectUntouched, policyWith, redactText } from './helpers.js';

const rand = seeded(20261127);
/** A generated password of the kind people paste: letters, digits, fourteen long. */
const password = (): string => body(rand, ALNUM, 14);
/** A generated key. */
const key = (): string => body(rand, ALNUM, 32);

describe('red team 4b: a flag and its value on separate lines of an argument list', () => {
  it('pretty-printed JSON and Python lists: the element after a secret-named flag', () => {
    expectEach([
      '{\n  "mcpServers": {\n    "ctx": {\n      "command": "npx",\n      "args": [\n        "-y",\n        "@upstash/context7-mcp",\n        "--api-key",\n        "%s"\n      ]\n    }\n  }\n}',
      '"args": [\n  "--password",\n  "%s"\n]',
      '"args": [\r\n\t\t"--client-secret",\r\n\t\t"%s"\r\n]',
      'subprocess.run([\n    "mytool",\n    "--token",\n    "%s",\n])',
      '{"text": "\\"args\\": [\\n  \\"--api-key\\",\\n  \\"%s\\"\\n]"}',
    ], key, 'secret_assignment');
  });

  it('YAML block lists: a `- --secret-flag` item takes the next item', () => {
    expectEach([
      'args:\n  - --api-key\n  - %s\n  - --port=8080\n',
      '        args:\n          - "--password"\n          - "%s"\n',
      '    command:\n      - redis-server\n      - --requirepass\n      - %s\n',
      "args:\n- '--db-password'\n- '%s'\n",
    ], password, 'secret_assignment');
  });

  it('lists without a secret, a flag then another flag, and placeholders stay', () => {
    expectUntouched([
      '"args": [\n  "-y",\n  "@upstash/context7-mcp"\n]',
      '"args": [\n  "--api-key",\n  "--verbose"\n]',
      '"args": [\n  "--api-key",\n  "${CONTEXT7_API_KEY}"\n]',
      'args:\n  - --port\n  - "8080"\n  - --log-level\n  - debug\n',
      'args:\n  - --password\n  - --verbose\n',
      'args:\n  - --token\n  - $(TOKEN)\n',
      'args:\n  - --api-key\n\nnext: 1\n',
      'args:\n  - --password-file\n  - /run/secrets/db\n',
    ]);
  });
});

describe('red team 4b: a string prefix or an opening bracket before the literal', () => {
  it('Python\'s b r u f rb prefixes, C#\'s @, C++\'s R"(…)", bash\'s $\'…\', triple quotes: the literal', () => {
    expectEach([
      "app.secret_key = b'%s'", 'password = r"%s"', "password = u'%s'", 'password = f"%s"', 'password = rb"%s"',
      'cfg = {"password": B"%s"}', 'connect(password=br"%s")', 'var password = @"%s";', 'const char* password = R"(%s)";',
      "export DB_PASSWORD=$'%s'", 'val password = """%s"""', 'let api_key = b"%s";',
    ], password, 'secret_assignment');
  });

  it('brackets holding only literals: arrays, tuples, sets, vec!, pretty-printed', () => {
    expectEach([
      'const apiKeys = ["%s"];', "API_KEYS = ('%s',)", 'API_KEY = ("%s")', "SECRET_KEYS = {'%s'}", 'let api_keys = vec!["%s"];',
      'api_keys = ["%s"]', '"apiKeys": ["%s"]', 'password = (\n    "%s"\n)', 'api_keys = [\n  "%s",\n]',
    ], key, 'secret_assignment');
  });

  it('every literal of a list goes, and nothing of it is left behind', () => {
    const a = key();
    const b = key();
    const text = `API_KEYS = ["${a}", '${b}']`;
    const { out } = redactText(text);
    expect(out).to.not.include(a);
    expect(out).to.not.include(b);
  });

  it('bytes, regexes, f-strings, paths, empty literals and code in brackets stay', () => {
    expectUntouched([
      "data = b'\\x00\\x01'",
      'pattern = r"\\w+@\\w+"',
      'token = f"{prefix}-{name}"',
      'password = f"{password!r}"',
      'path = @"C:\\Users\\Public"',
      'password = b""',
      'colors = ["red", "green"]',
      'const tokens = {"access": accessToken, "refresh": refreshToken}',
      "password_rules = ['min8', 'upper']",
    ]);
  });
});

describe('red team 4b: the fallback literal of a secret-named environment read', () => {
  it('whatever the target: an argument, a call, another name', () => {
    expectEach([
      "jwt.verify(token, process.env.JWT_SECRET || '%s')",
      "crypto.createHmac('sha256', process.env.WEBHOOK_SECRET ?? '%s')",
      "const x = process.env.DB_PASSWORD || '%s';",
      'const url = `postgres://app:${process.env.DB_PASSWORD || \'%s\'}@db/app`;',
      'const k = import.meta.env.VITE_API_KEY ?? "%s";',
      'x = os.environ.get("DB_PASSWORD") or "%s"',
      'connect(host="db", pw=os.getenv("DB_PASSWORD", "%s"))',
      "$pw = getenv('DB_PASSWORD') ?: '%s';",
      'val pw = System.getenv("DB_PASSWORD") ?: "%s"',
      'var pw = Environment.GetEnvironmentVariable("DB_PASSWORD") ?? "%s";',
      'String pw = Optional.ofNullable(System.getenv("DB_PASSWORD")).orElse("%s");',
      'db = ENV.fetch("DB_PASSWORD") { "%s" }',
      'const k = Deno.env.get("API_KEY") ?? "%s";',
    ], password, 'secret_assignment');
  });

  it('fallbacks of other names, empty or templated fallbacks and other arguments stay', () => {
    expectUntouched([
      "const port = process.env.PORT || '3000';",
      "const host = process.env.DB_HOST || 'localhost';",
      "const pw = process.env.DB_PASSWORD || '';",
      'Buffer.from(process.env.API_KEY, "base64")',
      'const pw = os.environ.get("DB_PASSWORD", None)',
      "if (!process.env.API_KEY) { console.log('missing') }",
      'token = os.getenv("GITHUB_TOKEN") or "${GITHUB_TOKEN}"',
      "const level = process.env.LOG_LEVEL ?? 'info';",
    ]);
  });
});

describe('red team 4b: typographic dashes and no-break spaces', () => {
  it('an en or em dash before a flag, a no-break space before its value', () => {
    expectEach([
      'mysqldump \u2013user=root \u2013password %s app > dump.sql', 'mysqldump \u2014password %s app', 'mytool \u2013api-key %s',
      'mytool --password\u00a0%s', 'password:\u202f%s', 'mytool -api-key %s',
    ], password, 'secret_assignment');
  });

  it('dashes and no-break spaces in prose stay', () => {
    expectUntouched([
      'pages 10\u201320 \u2014 see the password policy',
      'Set a strong password\u00a0\u2014 twelve characters at least.',
      'run it with \u2013verbose',
      'the -api-key flag',
    ]);
  });
});

describe('red team 4b: punctuation inside a password', () => {
  const strong = (): string => `Qw%P${password().slice(0, 8)}`;
  it('brackets, <, >, & and , in YAML, .env, INI, properties and label values', () => {
    for (const punct of ['(', '[', '<', '>', '&', ')', '{']) {
      const make = (): string => strong().replace('%P', punct);
      expectEach(['db:\n  password: %s\n  host: x', 'DB_PASSWORD=%s', '[client]\npassword = %s\n', 'spring.datasource.password=%s'], make, 'secret_assignment');
    }
  });

  it('balanced brackets inside a password that starts like a call', () => {
    expectEach(['DB_PASSWORD=%s', 'db:\n  password: %s\n', 'password = %s'], () => `Qw(${password()})x`, 'secret_assignment');
  });

  it('a connection string\'s Password= runs to the next ;', () => {
    for (const punct of [',', '&', ')', ']', '}', '<', '>', '|', '(']) {
      const make = (): string => strong().replace('%P', punct);
      expectEach(['Server=sql;User Id=sa;Password=%s;Database=app', '"Default": "Server=sql;Database=app;User Id=sa;Pwd=%s;"', 'jdbc:sqlserver://db:1433;user=sa;password=%s;encrypt=true'], make, 'secret_assignment');
    }
  });

  it('calls, subscripts and multi-line calls stay code', () => {
    expectUntouched([
      '  password: getPassword(),',
      '  password: z.string().min(8),',
      '  password: await hash(\n    input,\n  ),',
      'password = compute(x)[0]',
      'DB_PASSWORD=$(cat /run/secrets/db)',
      'password: os.environ["DB_PASSWORD"]',
      'Server=sql;User Id=sa;Password=${DB_PASSWORD};Database=app',
    ]);
  });
});

describe('red team 4b: UTF-16 BLOBs without a byte order mark or zero bytes, or of odd length', () => {
  const cjk = '部署说明：服务器在上海机房，数据库使用主从复制，每天凌晨两点自动备份。'.repeat(2);
  const blobOut = (inputs: Buffer[]): Buffer[] => {
    const policy = policyWith();
    const plan = policy.plan(table('file_cache', ['id', column('data', 'BLOB')]));
    const rows: SqlValue[][] = inputs.map((b, i) => [BigInt(i), b]);
    policy.createRedactor().redactRows('file_cache', plan, rows);
    return rows.map((r) => r[1] as Buffer);
  };

  it('mostly CJK text in either byte order, and an odd last byte with a BOM or without: the secret goes, the rest stays', () => {
    const secret = key();
    const text = `${cjk}\r\nOPENAI_API_KEY=${secret}\r\n`;
    const want = text.replace(secret, '[REDACTED]');
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.from(le).swap16();
    const odd = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`$env:API_KEY = "${secret}"\r\n`, 'utf16le'), Buffer.from([0x0a])]);
    const oddPlain = Buffer.concat([Buffer.from(`API_KEY=${secret}\r\n`, 'utf16le'), Buffer.from([0x41])]);
    const [a, b, c, d] = blobOut([le, be, odd, oddPlain]);
    expect(a!.toString('utf16le')).to.equal(want);
    expect(Buffer.from(b!).swap16().toString('utf16le')).to.equal(want);
    expect(c!.subarray(0, 2)).to.deep.equal(Buffer.from([0xff, 0xfe]));
    expect(c!.subarray(2, c!.length - 1).toString('utf16le')).to.equal('$env:API_KEY = "[REDACTED]"\r\n');
    expect(c![c!.length - 1]).to.equal(0x0a);
    expect(d!.subarray(0, d!.length - 1).toString('utf16le')).to.equal('API_KEY=[REDACTED]\r\n');
    expect(d![d!.length - 1]).to.equal(0x41);
  });

  it('binary data, latin1 text with a secret and CJK text without one stay as the rules read them before', () => {
    const secret = key();
    const binary = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251));
    const latin1 = Buffer.from(`café crème\npassword=${secret}\n`, 'latin1');
    const plainCjk = Buffer.from(cjk, 'utf16le');
    const [a, b, c] = blobOut([binary, latin1, plainCjk]);
    expect(a).to.equal(binary);
    expect(b!.toString('latin1')).to.equal('café crème\npassword=[REDACTED]\n');
    expect(c).to.equal(plainCjk);
  });
});

describe('red team 4b: values under a secret-named YAML key or TOML section', () => {
  it('Helm values, lists, nested mappings and Streamlit\'s secrets.toml: each generated-looking value', () => {
    for (const form of [
      'image: api:1.2\nsecrets:\n  stripe: %s\n  sendgrid: %t\nreplicas: 2\n',
      'api_keys:\n  - %s\n  - "%t"\n',
      'credentials:\n  default:\n    value: %s\n  backup:\n    value: \'%t\'\n',
      '[passwords]\nalice = "%s"\nbob = "%t"\n\n[server]\nport = 8501\n',
      '[credentials]\naws = %s  # prod\ngcp = %t\n',
    ]) {
      const [s, t] = [key(), key()];
      const text = form.replace('%s', s).replace('%t', t);
      const { out } = redactText(text);
      expect(out, text).to.equal(text.replace(s, '[REDACTED]').replace(t, '[REDACTED]'));
    }
  });

  it('what a section says about its secrets, words and sections of other names stay', () => {
    expectUntouched([
      'secrets:\n  enabled: true\n  provider: vault\n  path: secret/data/app\n',
      'credentials:\n  username: admin\n  region: us-east-1\n  role: arn-reader\n',
      '[passwords]\nmin_length = 12\nrequire_symbols = true\n',
      'secrets:\n  - name: db\n    mountPath: /etc/secrets\n',
      'database:\n  host: db.internal\n  port: 5432\n',
      'api_keys:\n  - ${STRIPE_KEY}\n  - ${SENDGRID_KEY}\n',
    ]);
  });
});

describe('red team 4b: JSON inside a markdown code fence', () => {
  it('a secret-named key\'s object or array in a fenced JSON document gives up its values, the text around keeps its own', () => {
    const [s, t, u] = [password(), password(), key()];
    const text = `My config:\n\`\`\`json\n{\n  "credentials": {\n    "default": "${s}"\n  },\n  "apiKeys": ["${t}"]\n}\n\`\`\`\nand OPENAI_API_KEY=${u} in .env, and a second:\n\`\`\`\n{"secrets": {"db": "${s}x"}}\n\`\`\`\n`;
    const { out } = redactText(text);
    expect(out).to.equal(text.replace(s, '[REDACTED]').replace(t, '[REDACTED]').replace(u, '[REDACTED]').replace(`${s}x`, '[REDACTED]'));
  });

  it('fences of code, of invalid JSON, and JSON without secrets stay', () => {
    expectUntouched([
      'Run:\n```bash\nnpm install\n```\n',
      '```json\n{"name": "app", "version": "1.0.0", "scripts": {"test": "mocha"}}\n```',
      '```json\n{"password": {"type": "string", "minLength": 12}}\n```',
      '```\n{ not json }\n```',
    ]);
  });
});
