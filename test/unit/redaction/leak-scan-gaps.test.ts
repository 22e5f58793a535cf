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
      '[credentials]\nkey = "%s"\n', '[passwords]\nalice = %s\n', 'title = "x"\n[secrets]\nregion = "eu"\nstripe = \'%s\'\n',
    ]);
  });

  it('near misses below a key: nested mappings, lists of words, tokens: counts, describing keys, other sections', () => {
    expectQuiet([
      'password:\n  type: string\n  minLength: 12\nother: %s\n', 'password:\n# comment\nuser: %s\n', 'tokens:\n  max: %s\n', 'auth:\n  method: %s\n',
      'secrets:\n  name: %s\n  region: %s\n', 'credentials:\n  client_id: %s\n', 'password:\nnext_item: %s\n', '[database]\npassword_file = "/etc/x"\nversion = "%s"\n',
      '[credentials]\nprofile = "default"\n[server]\nhash = "%s"\n', 'x = foo["password"]\ny = %s\n', 'secrets:\n  stripe: hunter2\n  other: correct-horse\n',
    ]);
  });
});

