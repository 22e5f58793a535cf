/**
 * The review of the long tail's rules (lib/redaction/README.md): values the rules cut short, help
 * text and ids they mangled, and near variants they missed. Every secret is generated here.
 */
import { expect } from 'chai';
import type { SqlValue } from '../../../lib/records.js';
import { classifyName } from '../../../lib/redaction/names.js';
import { ALNUM, body, seeded, table } from './fakes.js';
import { expectEach, expectRedactedTo, expectUntouched, policyWith } from './helpers.js';

const rand = seeded(20261128);
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
/** A generated password of the kind people paste: letters, digits, fourteen long. */
const password = (): string => body(rand, ALNUM, 14);
/** A passphrase of four generated words: what a value with spaces holds. */
const passphrase = (): string => Array.from({ length: 4 }, () => body(rand, LOWER, 5 + Math.floor(rand() * 4))).join(' ');

describe('long tail review: Dockerfile ENV NAME value', () => {
  it('the legacy form takes the rest of the line, and the lines a backslash continues it to', () => {
    expectEach([
      'FROM postgres:16\nENV DB_PASSWORD %s\nEXPOSE 5432',
      'ENV POSTGRES_PASSWORD %s',
      'ENV DB_PASSWORD "%s"',
    ], passphrase, 'secret_assignment');
    expectEach(['ENV DB_PASSWORD %s\nRUN make'], () => `${passphrase()} \\\n    ${passphrase()}`, 'secret_assignment');
    expectEach(['ENV API_TOKEN %s', 'ENV API_TOKEN %s  \nRUN make'], password, 'secret_assignment');
  });

  it('Apache SetEnv and csh setenv take one value, quoted when it has spaces', () => {
    expectEach(['SetEnv DB_PASS "%s"', 'setenv DB_PASSWORD "%s"'], passphrase, 'secret_assignment');
    expectEach(['    SetEnv DB_PASS %s\n', 'setenv API_TOKEN %s'], password, 'secret_assignment');
  });

  it('references, files, a value that is one reference and the = form stay as they were', () => {
    expectUntouched([
      'ENV DB_PASSWORD $DB_PASSWORD',
      'ENV POSTGRES_PASSWORD ${POSTGRES_PASSWORD}',
      'ENV DB_PASSWORD_FILE /run/secrets/db_password',
      'ENV DB_PASSWORD \\\n    $DB_PASSWORD',
      'ENV PATH /usr/local/bin:$PATH',
      'Set the ENV DB_PASSWORD in your Dockerfile, or pass it with SetEnv.',
    ]);
  });
});

describe('long tail review: usage text around password flags', () => {
  it('a real value still goes, single dash or double, before another flag or a file', () => {
    expectEach([
      'keytool -list -keystore app.jks -storepass %s',
      'keytool -list -storepass %s  -keystore app.jks',
      'pscp -pw %s  file.txt bob@host:/tmp',
      'plink -ssh bob@host -pw "%s"',
      'mytool --password %s --verbose',
    ], password, 'secret_assignment');
  });

  it('a weak real password is still taken: a secret word in lower case, and a value followed by two spaces outside a help table', () => {
    expectRedactedTo([
      ['keytool -storepass secret -list', 'keytool -storepass [REDACTED] -list'],
      ['docker login -u bob --password secret registry.example.com', 'docker login -u bob --password [REDACTED] registry.example.com'],
      ['redis-cli --pass secret', 'redis-cli --pass [REDACTED]'],
      ['psql --password Password mydb', 'psql --password [REDACTED] mydb'],
      ['mysql -u root --password  swordfish mydb', 'mysql -u root --password  [REDACTED] mydb'],
      ['I used --password swordfish  as you told me', 'I used --password [REDACTED]  as you told me'],
      ['keytool -list -storepass changeit  and it failed', 'keytool -list -storepass [REDACTED]  and it failed'],
    ]);
  });

  it('help tables, placeholders and a word ending in a colon stay', () => {
    expectUntouched([
      '  -storepass arg   keystore password',
      ' -storepass <arg>            keystore password',
      '  -password               Prompt for a password',
      '-storepass storepass: The password used to protect the keystore',
      '  -pw passw   login with specified password',
      '  -pw PASSWORD\tlogin with password',
      '  -keypass [pass]   key password',
      'tool --password password',
      'keytool -storepass storepass',
      '  --password arg   the password',
      '  --password PASSWORD  Password for the server',
      '  --password               Prompt for a password',
    ]);
  });
});

describe('long tail review: a bare --key', () => {
  it('object keys, hashes, key ids and cache keys after --key stay', () => {
    expectUntouched([
      'aws s3api get-object --bucket b --key 3f2504e0-4f89-11d3-9a0c-0305e82c3301 out.bin',
      'aws s3api head-object --bucket b --key 5d41402abc4b2a76b9719d911017c592',
      'gpg --key 5A3B9F2C1D4E6F78 --verify x.sig',
      'cache get --key <sha1>',
      'mytool --key Xk9vQ2mLp7RtYb3NzW4s --verbose',
      'sort --key 2,2 file.txt',
    ]);
  });

  it('secret-named flags still take their value', () => {
    expectEach(['mytool --api-key %s --verbose', 'aws-cli --secret-key "%s"', 'run --private-key %s'], () => body(rand, ALNUM, 32), 'secret_assignment');
  });
});

describe('long tail review: credential calls and concatenated SQL', () => {
  it('login(user, "…") still takes a password; the other credential calls take one with spaces too', () => {
    expectEach(['server.login(user, "%s")', "smtp.login(SMTP_USER, '%s')", 'self.client.login(username="bob", password="%s")'], password, 'secret_assignment');
    expectEach(['req.SetBasicAuth("bob", "%s")', 'var cred = new NetworkCredential("bob", "%s");'], passphrase, 'secret_assignment');
  });

  it("login(user, '…') takes what real passwords look like: a Gmail app password, a lower-case passphrase, base64 with '/' and '+', a slug, one ending in '!'", () => {
    const gmail = (): string => Array.from({ length: 4 }, () => body(rand, LOWER, 4)).join(' ');
    const base64 = (): string => `${body(rand, ALNUM, 12)}/${body(rand, ALNUM, 10)}+${body(rand, ALNUM, 14)}`;
    const slug = (): string => Array.from({ length: 3 }, () => body(rand, LOWER, 5)).join('-');
    const bang = (): string => `${body(rand, ALNUM, 8)}/#${body(rand, ALNUM, 3)}!`;
    for (const make of [gmail, passphrase, base64, slug, bang]) expectEach(["mail.login(EMAIL, '%s')", 'imap.login("bob", "%s")'], make, 'secret_assignment');
  });

  it('messages, titles, paths, URLs, templates and routes given to a login method stay', () => {
    expectUntouched([
      'messages.login("Sign in", "Welcome back, friend!")',
      'strings.login("title", "Log in to continue")',
      'self.client.login("bob", "accounts/login.html")',
      'router.login("/login", "home-page")',
      'app.login("bob", "https://example.com/login")',
      'views.login(request, "login.html")',
    ]);
  });

  it('a literal that is the inside of a string concatenation is no password', () => {
    expectUntouched([
      `db.Exec("ALTER USER app PASSWORD '" + pw + "'")`,
      `cur.execute("ALTER ROLE app WITH PASSWORD '" + pw + "'")`,
      `$sql = "CREATE USER app PASSWORD '" . $pw . "'";`,
      `sql = "SET PASSWORD FOR bob = '" + newPassword + "'"`,
      `q = "UPDATE users SET password='" + pw + "' WHERE id=1"`,
      `cmd = "ALTER USER app PASSWORD '" & pw & "'"`,
    ]);
    expectEach([`db.Exec("ALTER USER app PASSWORD '%s'")`, "q = \"UPDATE users SET password='%s' WHERE id=1\""], password, 'secret_assignment');
  });
});

describe('long tail review: near variants of the credential forms', () => {
  const key = (): string => body(rand, ALNUM, 32);

  it('PowerShell flags before the literal, a call wrapped by gofmt, MySQL double quotes, FDW options', () => {
    expectEach([
      '$pw = ConvertTo-SecureString -AsPlainText -Force -String "%s"',
      "$pw = ConvertTo-SecureString -AsPlainText '%s' -Force",
      'req.SetBasicAuth("bob",\n\t"%s")',
      'req.SetBasicAuth(\n\t"bob",\n\t"%s",\n)',
      'ALTER USER \'bob\'@\'%\' IDENTIFIED WITH mysql_native_password BY "%s";',
      'SET PASSWORD FOR \'bob\'@\'localhost\' = "%s";',
      "CREATE USER MAPPING FOR bob SERVER remote OPTIONS (user 'remote_bob', password '%s');",
      "CREATE USER MAPPING FOR PUBLIC SERVER remote\n  OPTIONS (user 'app',\n           password '%s');",
      "ALTER USER MAPPING FOR bob SERVER remote OPTIONS (SET password '%s');",
    ], password, 'secret_assignment');
  });

  it('an Android resource in single quotes, a comment between a plist key and its string', () => {
    expectEach([
      "<string name='api_key'>%s</string>",
      "<string translatable='false' name='stripe_secret_key'>%s</string>",
      '<key>APIKey</key>\n<!-- production -->\n<string>%s</string>',
      '<key>SentryAuthToken</key><!-- CI --><string>%s</string>',
    ], key, 'secret_assignment');
  });

  it('their code, labels and other options stay', () => {
    expectUntouched([
      '$pw = ConvertTo-SecureString -AsPlainText -Force -String $env:DB_PASSWORD',
      '$pw = Read-Host | ConvertTo-SecureString -AsPlainText -Force',
      'req.SetBasicAuth(user,\n\tpass)',
      'ALTER USER \'bob\'@\'%\' IDENTIFIED WITH caching_sha2_password AS "$A$005$abc";',
      "CREATE SERVER remote FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'db', dbname 'app', port '5432');",
      "CREATE USER MAPPING FOR bob SERVER remote OPTIONS (user 'remote_bob', password_required 'false');",
      "<string name='password'>Password</string>",
      "<string name='prompt_password'>Enter your password</string>",
      '<key>APIKey</key>\n<!-- set in CI -->\n<string>$(ACME_API_KEY)</string>',
      '<key>Token</key>\n<!-- kind -->\n<dict>\n<key>Type</key>\n<string>Bearer</string>',
    ]);
  });
});

describe('long tail review: names about recovery codes', () => {
  it('flags, counts and delivery of codes are metadata, for every secret name alike', () => {
    for (const name of ['has_recovery_codes', 'recovery_code_sent', 'recoveryCodesRemaining', 'recovery_codes_left', 'recovery_codes_count', 'hasRecoveryCodes', 'has_password', 'password_sent', 'is_token_valid', 'api_key_remaining']) {
      expect(classifyName(name), name).to.equal(null);
    }
    expect(classifyName('recovery_codes')).to.equal('secret');
    expect(classifyName('mfa_recovery_codes')).to.equal('secret');
    expect(classifyName('recovery_codes_hash')).to.equal('secret');
    expect(classifyName('password_hash')).to.equal('password');
  });

  it('a users table keeps its code metadata and loses its codes', () => {
    const policy = policyWith();
    const plan = policy.plan(table('users', ['id', 'recovery_codes', 'has_recovery_codes', 'recovery_code_sent', 'recoveryCodesRemaining', 'recovery_codes_left']));
    const codes = JSON.stringify([body(rand, ALNUM, 10), body(rand, ALNUM, 10)]);
    const rows: SqlValue[][] = [[1n, codes, 1n, '2026-11-27T10:00:00Z', 8n, 8n]];
    policy.createRedactor().redactRows('users', plan, rows);
    expect(rows).to.deep.equal([[1n, '[REDACTED]', 1n, '2026-11-27T10:00:00Z', 8n, 8n]]);
  });
});
