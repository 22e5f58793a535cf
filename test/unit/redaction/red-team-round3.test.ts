/**
 * Shapes a third red-team review (2026-11-27) found coming through a default redacted export with
 * exit 0: secrets behind terminal colour codes, TSV tables whose secret column is not the first,
 * mysql client tables; and ordinary code that failed the export. Every secret is generated here.
 */
import { expect } from 'chai';
import { FAKE, ALNUM, body, seeded } from './fakes.js';
import { detectorsOf, expectUntouched, redactText } from './helpers.js';

const rand = seeded(20261128);
const ESC = '\x1b';

/** The output holds no 6-character piece of `secret`, and the leak scan is quiet on it raw and as JSON. */
function expectGone(text: string, secret: string): string {
  const { out } = redactText(text);
  for (const part of secret.split(/[^A-Za-z0-9]+/).filter((p) => p.length >= 6)) expect(out, `${JSON.stringify(text)}\n→ ${JSON.stringify(out)}`).not.to.include(part);
  expect(out, JSON.stringify(text)).to.include('[REDACTED]');
  expect(detectorsOf(out), JSON.stringify(out)).to.deep.equal([]);
  expect(detectorsOf(JSON.stringify({ c: out })), JSON.stringify(out)).to.deep.equal([]);
  return out;
}

const SHAPES = ['github_token', 'github_pat', 'openai_api_key', 'anthropic_api_key', 'aws_access_key_id', 'slack_token', 'stripe_key', 'gitlab_token', 'huggingface_token', 'npm_token', 'google_api_key', 'jwt'];

describe('red team 3: terminal colour codes around secrets', () => {
  it('a token right after a colour code is redacted whole, escapes kept around it', () => {
    for (const name of SHAPES) {
      const token = FAKE[name]!(rand);
      const out = expectGone(`value ${ESC}[32m${token}${ESC}[0m`, token);
      expect(out, name).to.equal(`value ${ESC}[32m[REDACTED]${ESC}[0m`);
    }
  });

  it('grep --color highlighting: a name and its value in colour, and a token split by a highlight', () => {
    const pw = body(rand, ALNUM, 20);
    expect(expectGone(`${ESC}[36mpassword${ESC}[0m: ${ESC}[32m${pw}${ESC}[0m`, pw)).to.not.include(pw.slice(0, 6));
    const key = `sk-proj-${body(rand, ALNUM, 120)}`;
    expectGone(`.env:3:OPENAI_API_KEY=sk-${ESC}[m${ESC}[Kproj-${key.slice(8)}`, key);
    const value = body(rand, ALNUM, 40);
    const out = expectGone(`${ESC}[35m${ESC}[K.env${ESC}[m${ESC}[K${ESC}[36m${ESC}[K:${ESC}[m${ESC}[K${ESC}[32m${ESC}[K3${ESC}[m${ESC}[K:OPENAI_API_KEY${ESC}[01;31m${ESC}[K=${ESC}[m${ESC}[K${value}`, value);
    expect(out).to.include(`${ESC}[01;31m`);
  });

  it('the leak scan finds a token after a colour code, raw (CSV) and JSON-escaped', () => {
    for (const name of ['github_token', 'npm_token', 'aws_access_key_id', 'slack_token']) {
      const token = FAKE[name]!(rand);
      const raw = `value ${ESC}[32m${token}${ESC}[0m`;
      expect(detectorsOf(raw), `${name} raw`).to.not.deep.equal([]);
      expect(detectorsOf(JSON.stringify({ c: raw })), `${name} json`).to.not.deep.equal([]);
    }
  });
});

describe('red team 3: tables whose secret column is not the first', () => {
  it('TSV: the value under a secret-named header after another column is taken', () => {
    const pw = body(rand, ALNUM, 20);
    expect(redactText(`user\tpassword\nbob\t${pw}`).out).to.equal('user\tpassword\nbob\t[REDACTED]');
    const key = body(rand, ALNUM, 32);
    expect(redactText(`user\tapi_key\tcreated\nbob\t${key}\t2024-01-01`).out).to.equal('user\tapi_key\tcreated\nbob\t[REDACTED]\t2024-01-01');
    const token = body(rand, ALNUM, 24);
    expect(redactText(`id\tname\tauth_token\n1\talice\t${token}\n`).out).to.equal('id\tname\tauth_token\n1\talice\t[REDACTED]\n');
    expect(redactText(`name\tpassword\nbob\t${pw}`).out).to.equal('name\tpassword\nbob\t[REDACTED]');
  });

  it('mysql client tables: the rows under a +----+ border', () => {
    const pw = body(rand, ALNUM, 20);
    const border = '+----+------+----------------------+';
    const text = `${border}\n| id | user | password             |\n${border}\n|  1 | bob  | ${pw} |\n${border}\n1 row in set (0.00 sec)\n`;
    expect(redactText(text).out).to.equal(text.replace(pw, '[REDACTED]'));
    expect(detectorsOf(JSON.stringify({ c: redactText(text).out }))).to.deep.equal([]);
  });

  it('code with tabs and +---+ art stays', () => {
    for (const text of ['if x:\n\tpassword\tlen\n', 'user\tpassword\nbob\thunter', '+-----+\n| key | value |\n+-----+\n| a | b |\n']) {
      expect(redactText(text).out, text).to.equal(text);
    }
  });
});

describe('red team 3: code whose names hold digits is no secret', () => {
  it('calls and references after a secret name, and a pip RECORD digest: unchanged and quiet for the leak scan', () => {
    expectUntouched([
      'credentials = flow.step2_exchange(code)',
      'private_key = rsa.PrivateKey.load_pkcs1(data)',
      'password = SHA224PasswordProperty()',
      'auth = S3HmacAuthV4Handler(host)',
      'token = oauth2_client.AccessToken(x)',
      'api_key = settings.OPENAI_API_KEY_V2',
      'session_token = self._get_imdsv2_session_token(request)',
      'token = s3_client.generate_presigned_url("get_object")',
      '    "token": self.AWS_IMDSV2_SESSION_TOKEN,\n',
      'pip/_internal/utils/version.py,sha256=qaN-fw_htIgKUVXoAuAEVgKxQu3tZ9qE2eiKkWIS7LA,1234',
    ]);
    // The rules take an unspaced dotted value as a .env line's (a known over-redaction); the scan must not fail it.
    expect(detectorsOf('run(clientSecret=args.salesforce_oauth2_client_secret)')).to.deep.equal([]);
  });

  it('a generated value before a call or a member is still a secret to the leak scan', () => {
    for (let n = 0; n < 50; n++) {
      const value = body(rand, ALNUM, 24);
      expect(detectorsOf(`token = ${value}.decode()`), value).to.deep.equal(['secret_assignment']);
      expect(detectorsOf(`password = ${value}(x)`), value).to.deep.equal(['secret_assignment']);
    }
    const fw = `fw_${body(rand, ALNUM, 24)}`;
    expect(detectorsOf(`FIREWORKS_API_KEY=${fw}`)).to.include('vendor_token');
  });
});

describe('red team 3: chat prose at a line\'s start', () => {
  it('`Password is X.`, `The API key is X.`, `OpenAI key: X` take the value', () => {
    for (const form of ['Password is %s.', 'password is %s', 'My password is %s.', '- password is %s', 'The API key is %s.', 'OpenAI key: %s', 'My OpenAI key: %s', 'API key: %s.', 'Done.\nPassword is %s.\nThanks']) {
      const secret = body(rand, ALNUM, 20);
      const text = form.replace('%s', secret);
      expect(redactText(text).out, text).to.equal(text.replace(secret, '[REDACTED]'));
    }
  });

  it('prose and code about a secret stay', () => {
    expectUntouched(['password is required', 'Password is required.', 'if password is None:', 'The API key is stored in the vault.', 'OpenAI key: see below', 'Monkey: Banana', 'The sort key is createdAt.', 'token is expired']);
  });
});
