/**
 * The leak scan's own reading of forms the redaction rules take but the scan did not see (README,
 * Known gaps): each form with a generated value is a hit, as it is raw and as an export writes it
 * (a JSON string); each near miss is quiet. Values are made at test time; none was ever a key.
 */
import { expect } from 'chai';
import { createLeakDetector } from '../../../lib/redaction/index.js';
import { ALNUM, body, seeded } from './fakes.js';

const rand = seeded(20261127);
const detector = createLeakDetector();
const generated = (): string => body(rand, ALNUM, 24);

/** `%s` is the secret: the scan finds it (raw and JSON-escaped), once, and the hit spans it. */
function expectFound(forms: readonly string[], detector_ = 'secret_assignment'): void {
  for (const form of forms) {
    const secret = generated();
    for (const text of [form.replace('%s', secret), JSON.stringify({ content: form.replace('%s', secret) })]) {
      const hits = detector.scan(text);
      expect(hits.map((h) => h.detector), text).to.deep.equal([detector_]);
      expect(text.slice(hits[0]!.start, hits[0]!.end), text).to.include(secret);
    }
  }
}

/** `%s` is a generated value where no secret's name stands: quiet, raw and JSON-escaped. */
function expectQuiet(forms: readonly string[]): void {
  for (const form of forms) {
    const text = form.replace('%s', generated());
    expect(detector.scan(text), text).to.deep.equal([]);
    expect(detector.scan(JSON.stringify({ content: text })), text).to.deep.equal([]);
  }
}

describe('leak scan: forms the rules take that the scan now reads too', () => {
  it('names whose last word is key, beyond api/access/secret/private: a generated value', () => {
    expectFound(['HMAC_KEY=%s', 'AZURE_OPENAI_KEY=%s', 'export WANDB_KEY="%s"', 'stripeKey: "%s"', '{"webhookSigningKey": "%s"}', 'signing-key: %s', "ENCRYPTION_KEY => '%s'", 'LICENSE_KEY2=%s']);
  });

  it('key names of databases, caches, UIs and messages, and words, stay quiet', () => {
    expectQuiet([
      'cache_key: %s', 'CACHE_KEY=%s', 'primary_key=%s', 'sort_key: %s', 'foreign_key: %s', 'public_key: %s', 'publicKey: "%s"',
      'idempotencyKey: "%s"', 'objectKey: %s', 's3_key=%s', 'partition-key: %s', 'i18n_key: %s', 'keyboard: %s', 'monkey=%s',
      'key=%s', 'Key: %s', '_key=%s', 'KeyError: %s',
    ]);
    for (const text of ['HMAC_KEY=change-me-please-now', 'signingKey: "SigningKeyProvider"', 'hashKey: hashKeyFor(user)', '"errors.invalid_key": "The key is invalid, try again"', 'MY_KEY=process.env.MY_OTHER_KEY_VALUE', 'const signingKey = deriveSigningKey(secret)']) {
      expect(detector.scan(text), text).to.deep.equal([]);
    }
  });

  it('pw as a name\'s word, numbered names, one-time-password seeds, recovery codes and pre-shared keys', () => {
    expectFound(['DB_PW=%s', 'pw: %s', 'dbPw: "%s"', 'API_KEY2=%s', 'authToken3: %s', 'DB_PASSWORD_2=%s', 'GITHUB_TOKEN_1=%s', 'totp_seed: %s', '"mfaSeed": "%s"', 'recovery_codes=%s', 'wpa_psk="%s"', 'psk=%s']);
  });

  it('near misses: unqualified numbered names, pw inside a word, seeds and codes of other things, psk_identity', () => {
    expectQuiet(['token1=%s', 'password2: %s', 'key2=%s', 'npw=%s', 'cpw: %s', 'random_seed: %s', 'seed=%s', 'error_codes=%s', 'psk_identity=%s', 'mpsk=%s']);
  });

  it('a YAML value on the line below its key, and the values of a secret-named YAML key or TOML section', () => {
    expectFound([
      'password:\n  %s\n', 'db:\n  password:\n    "%s"\n  host: db\n', 'signing_key:\n  %s\n',
      'secrets:\n  stripe: %s\n', 'credentials:\n  default:\n    value: %s\n', 'api_keys:\n  - %s\n', 'secrets:\n  name: stripe\n  value: "%s"\n',
      '[credentials]\nkey = "%s"\n', '[passwords]\nalice = %s\n', 'secrets:\n  db:\n    password: %s\n', 'title = "x"\n[secrets]\nregion = "eu"\nstripe = \'%s\'\n',
    ]);
  });

  it('near misses below a key: nested mappings, lists of words, tokens: counts, describing keys, other sections', () => {
    expectQuiet([
      'password:\n  type: string\n  minLength: 12\nother: %s\n', 'password:\n# comment\nuser: %s\n', 'tokens:\n  max: %s\n', 'auth:\n  method: %s\n',
      'secrets:\n  name: %s\n  region: %s\n', 'credentials:\n  client_id: %s\n', 'password:\nnext_item: %s\n', '[database]\npassword_file = "/etc/x"\nversion = "%s"\n',
      '[credentials]\nprofile = "default"\n[server]\nhash = "%s"\n', 'x = foo["password"]\ny = %s\n', 'secrets:\n  stripe: hunter2\n  other: correct-horse\n',
    ]);
  });

  it('argument lists over lines: a secret-named flag and the element after it', () => {
    expectFound([
      '"args": [\n  "--api-key",\n  "%s"\n]', '{"args": ["-y", "@example/mcp", "--access-token", "%s"]}', "cmd = ['tool', '--db-password', '%s']",
      'args:\n  - --db-password\n  - %s\n', 'command:\n  - server\n  - --requirepass\n  - "%s"\n',
    ]);
  });

  it('argument-list near misses: a next flag, a variable, a non-secret flag, prose', () => {
    expectQuiet(['"args": ["--api-key", "--verbose", "%s"]', '"args": ["--api-key", "${input:api_key}"], "x": "%s"', '"args": ["--key-file", "k"], "y": "%s"', 'args:\n  - --token\n  - --other\n  - %s\n', 'password, token, and %s']);
    expect(detector.scan('args:\n  - --db-password\n  - $(DB_PASSWORD)\n')).to.deep.equal([]);
  });

  it('an object under a secret-named key is read by its own keys, as before', () => {
    // `{` opens no literal: the first key inside (`"token"`) stays for the main expression.
    expectFound(['{"auth": {"token": "%s"}}', '{"secret": {"password": "%s"}}', 'credentials:\n  password: %s\n']);
    // A key inside a secret's section is still a key of its own: its value need not look generated to the section.
    const value = 'x1-y2-z3-w4-v5-u6-t7';
    expect(detector.scan(`secrets:\n  password: ${value}\n`).map((h) => h.detector)).to.deep.equal(detector.scan(`password: ${value}\n`).map((h) => h.detector));
  });

  it('string prefixes and brackets before the literal, environment fallbacks whatever the target', () => {
    expectFound([
      "SECRET_KEY = b'%s'", 'password = r"%s"', 'apiKey = @"%s"', "TOKEN=$'%s'", 'API_KEY = ["%s"]', 'DB_PASSWORD = ("%s")', 'let api_key = vec!["%s"];',
      "jwt.verify(t, process.env.JWT_SECRET || '%s')", "crypto.createHmac('sha256', process.env.WEBHOOK_SECRET ?? '%s')", 'key = os.environ.get("DB_PASSWORD") or "%s"',
      "getenv('DB_PASSWORD', '%s')", 'ENV.fetch("API_TOKEN", "%s")',
    ]);
  });

  it('prefix and fallback near misses: an f-string field, a non-secret read, a fallback of words, a plain or', () => {
    expectQuiet(["x = process.env.PORT || '%s'", "if password or token: print('%s')"]);
    for (const text of ['password = f"{prefix}"', "const secret = process.env.JWT_SECRET || 'change-me'", 'API_KEY = ["a", "b"]', 'token = (user_token)']) expect(detector.scan(text), text).to.deep.equal([]);
  });

  it('full-width separators and names in other languages, in UTF-16 and as an export\'s latin1-read UTF-8', () => {
    const forms = ['password：%s', 'API_KEY＝%s', 'Passwort: %s', '密码：%s', '数据库密码: %s', 'contraseña: %s', 'senha=%s', 'пароль: %s', 'パスワード：%s', '비밀번호: %s'];
    expectFound(forms);
    for (const form of forms) {
      const secret = generated();
      const bytes = Buffer.from(JSON.stringify({ content: form.replace('%s', secret) }), 'utf8').toString('latin1');
      expect(detector.scan(bytes).map((h) => h.detector), form).to.deep.equal(['secret_assignment']);
    }
    expectQuiet(['忘记密码 %s', 'contraseña segura %s', 'Passwort vergessen? %s']);
  });

  it('C macros and Go MySQL DSNs', () => {
    expectFound(['#define API_KEY "%s"', '#  define DB_PASSWORD "%s"', '#define HMAC_KEY %s']);
    expectFound(['db, err := sql.Open("mysql", "app:%s@tcp(127.0.0.1:3306)/shop")', 'DSN=root:%s@unix(/var/run/mysqld/mysqld.sock)/app'], 'dsn_password');
    expectQuiet(['#define CACHE_KEY "%s"', '#define MAX_TOKENS %s', 'git@github.com:org/repo %s', 'fmt.Sprintf("%%s:%%s@tcp(%%s)/%%s", u, p) %s']);
    for (const text of ['dsn := user + ":" + pw + "@tcp(" + host + ")/db"', 'app@tcp(db:3306)/shop', 'app:${DB_PASSWORD}@tcp(db:3306)/shop', 'app:{{ .Password }}@tcp(db)/x']) expect(detector.scan(text), text).to.deep.equal([]);
  });

  it('cannot be slowed down by crafted output: 1 MiB of each new anchor, and of sections nested ever deeper, finishes quietly', () => {
    const units = ['secrets:\n', '  password:\n', '"--api-key",', 'process.env.TOKEN || ', '#define X_TOKEN ', 'a:b@tcp(', '- --password\n', '[credentials]\n', 'a_key: ', 'token,'];
    for (const unit of units) expect(detector.scan(unit.repeat(Math.ceil((1024 * 1024) / unit.length))), unit).to.deep.equal([]);
    const nested = Array.from({ length: 60_000 }, (_, i) => `${' '.repeat(i % 60)}secrets:\n`).join('');
    const started = performance.now();
    expect(detector.scan(nested)).to.deep.equal([]);
    // Each line is read by one section walk: linear (about 0.2 s here); a walk per key read 60 lines each time (3 s for 1.5 MiB).
    expect(performance.now() - started).to.be.below(5000);
  });
});

