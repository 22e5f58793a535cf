/**
 * A plain-word password in a sentence (`The new password: letmein`), as chat logs write it, was
 * kept: the check that keeps type annotations (`password: string`) read a letters-only value
 * after a mid-sentence `password:` as a type's name. Prose labels now take one plain word that
 * ends its sentence; code keeps its types, identifiers and keywords.
 */
import { expect } from 'chai';
import { ALNUM, body, chars, seeded } from './fakes.js';
import { counts, detectorsOf, expectUntouched, redactText } from './helpers.js';

const rand = seeded(5050);
const word = (): string => chars(rand, 'abcdefghijklmnopqrstuvwxyz', 7);

describe('prose labels: a plain word after a secret\'s name in a sentence', () => {
  it('is redacted after "password:", "is:" and mid-sentence, as it is at a line\'s start', () => {
    const forms = [
      'The new password: %s', 'Done. password: %s', 'Created user bob. password: %s', 'The new password is: %s',
      'password: %s', 'Created user bob, password: %s', 'The admin password: %s',
      'Done. password: %s.', 'The new password: %s. Log in and change it.', 'Created the account, passphrase: %s, then logged in.',
      'I set the secret: %s', 'Login with pwd: %s', 'Your token is: %s', '# The new password: %s',
      'The password is "%s".', 'The password is `%s`', 'Use the password: `%s`',
    ];
    for (const form of forms) {
      const secret = word();
      const text = form.replace('%s', secret);
      const { out, summary } = redactText(text);
      expect(out, text).to.equal(text.replace(secret, '[REDACTED]'));
      expect(counts(summary), text).to.deep.equal({ secret_assignment: 1 });
      expect(detectorsOf(JSON.stringify({ c: out })), out).to.deep.equal([]);
    }
  });

  it('after a bare "is", a word holding letters and digits is taken, and inside a chat message\'s JSON', () => {
    expect(redactText('The password is hunter2.').out).to.equal('The password is [REDACTED].');
    expect(redactText('{"role":"assistant","content":"Created user bob. password: letmein"}').out)
      .to.equal('{"role":"assistant","content":"Created user bob. password: [REDACTED]"}');
    expect(redactText('["Done. password: letmein", "next"]').out).to.equal('["Done. password: [REDACTED]", "next"]');
  });

  it('code keeps its types and identifiers', () => {
    expectUntouched([
      'password: string;', '  password: str', 'password?: string', 'fn login(password: String) -> bool',
      'def login(self, password: str) -> None:', '    password: Optional[str] = None', 'secret: SecretStr',
      'The field secret: SecretStr', '  readonly password: string;', 'val password: String', 'var password: String?',
      '    private val token: String = ""', '    @Published var password: String = ""', 'pub password: String,',
      'data class User(val name: String, val password: String)', 'interface Login { password: string }',
      '@dataclass\nclass Login:\n    user: str\n    password: str\n', 'struct Login {\n    pub token: String,\n}',
      'type Config struct {\n\tPassword string `json:"password"`\n}', 'lambda password: password',
      'password: password', 'foo({ password: password })', '  password: this.password,', '  password: req.body.password,', '{ password: req.body.password }',
      'Set password: req.body.password', '  token: tokenFromEnv,', '{ token: tokenFromEnv }', 'Call it with token: tokenFromEnv', 'Use password: password',
      'User.new password: params', 'create_user password: params', '    case token: return x', '   unsigned token: 4;',
      ':param pwd: plaintext.', '  :param password: the password', '@param password: plaintext',
    ]);
  });

  it('prose about a secret keeps its words', () => {
    expectUntouched([
      'The password: it expires tomorrow.', 'The password is required.', 'The password is incorrect', 'The token: expired.',
      'Max token: 4096', 'Your API key: is shown once.', 'source argument for a token is `args[token.index]`.',
      'If the callback URI tied to the current token is "oob", a response with', 'appropriate format for a Set-Cookie: header.  This is the',
      'The password: | is a pipe in prose', 'The new password: unchanged', 'The client_secret: secret',
    ]);
  });

  it('a label of two or three words inside a sentence ("Here\'s the API key: …") takes a generated value, as the leak scan reads it', () => {
    // Before, only a label starting its line was read: these failed the export (the scan flags `API key: …`) or, quoted, passed it.
    const forms = [
      "Here's the API key: %s", 'here\'s my api key: %s', 'Here\u2019s the API key: %s', 'Thanks! Here is the API key: %s. Let me know',
      'ok so the secret access key: `%s`, and the region is eu-west-1', 'I rotated the access token: %s (the old one is revoked)',
      'Sure, the client secret: "%s"', 'and the API key: %s for staging',
    ];
    for (const form of forms) {
      const secret = body(rand, ALNUM, 32);
      const text = form.replace('%s', secret);
      expect(detectorsOf(text).length, text).to.be.above(0);
      const { out } = redactText(text);
      expect(out, text).to.equal(text.replace(secret, '[REDACTED]'));
      expect(detectorsOf(JSON.stringify({ c: out })), out).to.deep.equal([]);
    }
    // Prose about a key, a variable's name, a short word, code before the label: kept.
    expectUntouched(['The API key: see the vault', 'Set the API key: OPENAI_API_KEY', "Here's the API key: hunter2", 'The access token: expired', 'Can you check why the api key: it fails']);
  });
});
