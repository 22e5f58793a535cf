/**
 * Secret-free text that failed a default export (ACODE-EXP-003) or lost words to a placeholder,
 * found by a false-positive hunt over what agents export: code, type declarations, lockfiles,
 * docs and CSV rows (2026-11-27). Each case is checked both ways: the text stays, and the real
 * secret in the same place is still caught.
 */
import { expect } from 'chai';
import { ALNUM, FAKE, body, fakePassword, fakePem, seeded } from './fakes.js';
import { detectorsOf, expectRedactedTo, expectUntouched, redactText } from './helpers.js';

const rand = seeded(2711);

describe('false positives: code that builds or matches PEM headers', () => {
  it('a template or a regex for a header is neither redacted nor a leak-scan hit', () => {
    expectUntouched([
      'const header = `-----BEGIN ${label} PRIVATE KEY-----`;',
      'const PEM = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;',
      "if (!pem.includes('-----BEGIN ' + kind + ' PRIVATE KEY-----')) throw new Error('not a key');",
    ]);
  });

  it('a quoted header followed by a certificate: the header goes, the certificate stays', () => {
    const cert = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUZm9vYmFy\n-----END CERTIFICATE-----';
    const text = `const h = "-----BEGIN RSA PRIVATE KEY-----";\nconst cert = \`${cert}\`;`;
    expect(redactText(text).out).to.equal(`const h = "[REDACTED]";\nconst cert = \`${cert}\`;`);
  });

  it('a quoted header, then a real key: both go, the text between them stays', () => {
    const key = fakePem(rand, 'EC');
    expect(redactText(`x "-----BEGIN EC PRIVATE KEY-----" y\n${key}\ntail`).out).to.equal('x "[REDACTED]" y\n[REDACTED]\ntail');
    expect(detectorsOf(JSON.stringify({ k: key }))).to.deep.equal(['private_key_block']);
  });
});

describe('false positives: identifiers after a secret-like name', () => {
  it('typed members and assignments whose value is a name spelled in words', () => {
    expectUntouched([
      '  readonly credentials: RequestCredentials;',
      '  private readonly auth: AuthenticationService,',
      'const token = validateJwtSignature;',
    ]);
  });

  it('the leak scan lets an identifier through that the rules take anyway', () => {
    for (const text of ['export const secret = getXMLHttpRequest;', 'apiKey: ApiKeyProvider\n']) expect(detectorsOf(text), text).to.deep.equal([]);
  });

  it('a value of random letters after the same names is still a hit', () => {
    for (const name of ['credentials: ', 'auth: ', 'DB_PASSWORD=', 'token = ']) {
      const letters = body(rand, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 24);
      expect(detectorsOf(`${name}${letters}\n`), `${name}${letters}`).to.deep.equal(['secret_assignment']);
    }
  });
});

describe('false positives: CSV fields side by side', () => {
  it('a host:port, a comma, and a field holding @ is no URL password', () => {
    expect(detectorsOf('id,url,remote\n1,redis://cache:6379,git@github.com:acme/app.git\n')).to.deep.equal([]);
    expect(detectorsOf('2,see https://db.local:5432,@babel/core and @types/node,2026-01-01\n')).to.deep.equal([]);
  });

  it('a password in the same place is still a hit', () => {
    expect(detectorsOf(`1,redis://app:${fakePassword(rand)}@cache:6379,git@github.com:acme/app.git\n`)).to.deep.equal(['url_password']);
  });
});

describe('false positives: vendor prefixes inside identifiers', () => {
  it('SG. and sk- inside a dotted or dashed name are not SendGrid or OpenAI keys', () => {
    expectUntouched([
      'import { Acme.SG.PaymentGatewayClientFactoryImplementationForMerchants } from "x";',
      'npm run build-sk-learn-pipeline-with-options-v2-and-more',
      'const handler = payments_sk-stripe_webhook_handler_v2_for_accounts;',
    ]);
  });

  it('the real shapes are still found, glued to a name as a paste leaves them', () => {
    for (const rule of ['sendgrid_api_key', 'openai_api_key']) {
      const token = FAKE[rule]!(rand);
      expect(detectorsOf(`{"content":"api_key_${token}"}`), rule).to.deep.equal(['vendor_token']);
    }
    expect(detectorsOf(`x sk-${body(rand, ALNUM, 48)} y`)).to.deep.equal(['vendor_token']);
  });
});

describe('false positives: declarations, templates and plans', () => {
  it('a type where a value would stand is kept: TypeScript, Python, pydantic', () => {
    expectUntouched([
      '  password: string;',
      '  token: string | null;',
      '  refreshToken?: string | undefined,',
      '    api_key: str = Field(..., description="the key")',
      'token: Optional[str] = None',
      'def login(password: str, token: Optional[str] = None):',
    ]);
  });

  it('a value after the same names is still taken', () => {
    const pw = fakePassword(rand);
    expect(redactText(`password: ${pw}\ntoken: string1234x`).out).to.equal('password: [REDACTED]\ntoken: [REDACTED]');
    expect(redactText(`  api_key: str = "${pw}"`).out).to.equal('  api_key: str = "[REDACTED]"');
  });

  it("Terraform's (sensitive value) and URL templates are kept", () => {
    expectUntouched([
      '  + password = (sensitive value)',
      '      ~ master_password = (sensitive value)',
      'DSN = "postgresql://{user}:{password}@{host}:5432/{db}"',
      'dsn = "mysql://%s:%s@%s/%s" % (user, pw, host, db)',
      "url = 'redis://%(user)s:%(password)s@%(host)s/0' % cfg",
    ]);
    expect(redactText(`redis://app:{${body(rand, ALNUM, 12)}@cache/0`).out).to.equal('redis://app:[REDACTED]@cache/0');
  });
});

describe('false positives: package manifests and lockfiles', () => {
  it('packages named like secrets keep their versions and lockfile entries', () => {
    const integrity = `sha512-${Buffer.from(body(rand, ALNUM, 64)).toString('base64')}`;
    expectUntouched([
      '{"dependencies":{"jsonwebtoken":"^9.0.0","cookie-parser":"~1.4.6","generate-password":"^1.7.1","passport-jwt":"4.0.1","@types/jsonwebtoken":">=9.0.0 <10.0.0"}}',
      `{"packages":{"node_modules/jsonwebtoken":{"version":"9.0.2","resolved":"https://registry.npmjs.org/jsonwebtoken/-/jsonwebtoken-9.0.2.tgz","integrity":"${integrity}","license":"MIT"}}}`,
      'importers:\n  .:\n    dependencies:\n      jsonwebtoken:\n        specifier: ^9.0.0\n        version: 9.0.2\n      cookie-parser: 1.4.6\n',
    ]);
  });

  it('a secret under the same keys, or an object that is no lockfile entry, is still taken', () => {
    const pw = fakePassword(rand);
    expect(redactText(`{"password":"1234","jsonwebtoken":"${pw}","db_password":{"version":1,"value":"${pw}"}}`).out)
      .to.equal('{"password":"[REDACTED]","jsonwebtoken":"[REDACTED]","db_password":{"version":1,"value":"[REDACTED]"}}');
    expect(redactText('DB_PASSWORD=1.2.3x\npassword: 12.34').out).to.equal('DB_PASSWORD=[REDACTED]\npassword: [REDACTED]');
  });
});

describe('false positives: code around secret-like names (found by running the rules over node_modules)', () => {
  it('types, functions, expressions and references are kept', () => {
    expectUntouched([
      '    readonly operatorToken: BinaryOperatorToken;',
      '  readonly cookies: CookieStoreManager;',
      'createCallChain(expression: Expression, questionDotToken: QuestionDotToken | undefined)',
      '  privateKey: KeyLike | SignKeyObjectInput | SignPrivateKeyInput,',
      'type CookieSameSite = "lax" | "none" | "strict";',
      'type RequestCredentials = "include" | "omit" | "same-origin";',
      'TAPProducer.prototype.writePass = function (n, test) {',
      'const hashedPassword = await crypto.md5(this.user, this.password)',
      'const password = (password: string): Buffer => {',
      'const createToken = (name, value, isGlobal) => {',
      'exports.AuthenticationMD5Password = AuthenticationMD5Password;',
      'node.srcToken = token;',
      'const token = error ?? this.stack.pop();',
      '  QuestionToken = 58,',
      '  authorizationError: Error;',
      'const expectedPlainPasswordMessage = {',
      '  secret: process.env.CONSUMER_SECRET',
      '** contain the same values for all columns identified by "colUsed", all but',
      'self._token = token',
      'cookies = []',
      'password = b""',
      'DHPrivateKeyWithSerialization = DHPrivateKey',
    ]);
  });

  it('values in the same places are still taken', () => {
    const pw = fakePassword(rand);
    const cases: [string, string][] = [
      ['{password: CorrectHorseBattery, user: x}', '{password: [REDACTED], user: x}'],
      ['password: CorrectHorseBattery', 'password: [REDACTED]'],
      ['password = Summer2024;', 'password = [REDACTED];'],
      ['DB_PASSWORD=hunter2', 'DB_PASSWORD=[REDACTED]'],
      ['otp_token: 123456', 'otp_token: [REDACTED]'],
      [`CREATE USER 'bob'@'%' IDENTIFIED BY '${pw}';`, "CREATE USER 'bob'@'%' IDENTIFIED BY '[REDACTED]';"],
      [`const token = "${pw}";`, 'const token = "[REDACTED]";'],
    ];
    expectRedactedTo(cases);
  });
});

describe('false positives: Python around secret-like names (found over its standard library)', () => {
  it('tuples, format fields and typed defaults are kept', () => {
    expectUntouched([
      'username, password = un, pw',
      'self.user, self.password = user, password',
      'print(f"password={password!r}")',
      'url = "https://x.io/?token={token}"',
      '    password: bool = False,',
      'retries: int = 3',
      'def connect(host: str, password: str = "", timeout: int = 30):',
    ]);
  });

  it('a value in the same places is still taken', () => {
    const pw = fakePassword(rand);
    expect(redactText(`password = ${pw}, def`).out).to.equal('password = [REDACTED], def');
    // Tuples: the item at the name's place (the first item was taken, and the password kept, before).
    expect(redactText(`username, password = "bob", "${pw}"`).out).to.equal('username, password = "bob", "[REDACTED]"');
    expect(redactText(`    password, user = '${pw}', 'bob'`).out).to.equal("    password, user = '[REDACTED]', 'bob'");
    expect(redactText(`a, b, token = 1, x.y, "${pw}"`).out).to.equal('a, b, token = 1, x.y, "[REDACTED]"');
    expect(redactText('def f(password, user="bob"):').out).to.equal('def f(password, user="bob"):');
    // Earlier items that are calls or expressions: the last target's literal (a second review found these kept).
    expect(redactText(`db_user, db_password = os.getenv("DB_USER"), "${pw}"`).out).to.equal('db_user, db_password = os.getenv("DB_USER"), "[REDACTED]"');
    expect(redactText(`retries, password = -1, "${pw}"`).out).to.equal('retries, password = -1, "[REDACTED]"');
    expect(redactText('user, password = get_user(), get_pw()').out).to.equal('user, password = get_user(), get_pw()');
    expect(redactText(`    password: str = "${pw}",`).out).to.equal('    password: str = "[REDACTED]",');
  });
});
