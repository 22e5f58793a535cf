/**
 * The third red team's long tail (lib/redaction/README.md, "Known gaps"), closed shape by shape:
 * each form is redacted by a default rule, and the code and prose that look like it stay. Every
 * secret is generated here.
 */
import { expect } from 'chai';
import type { SqlValue } from '../../../lib/records.js';
import { classifyName } from '../../../lib/redaction/names.js';
import { ALNUM, body, seeded, table } from './fakes.js';
import { detectorsOf, expectEach, expectUntouched, policyWith } from './helpers.js';

const rand = seeded(20261127);
/** A generated password of the kind people paste: letters, digits, fourteen long. */
const password = (): string => body(rand, ALNUM, 14);
const key = (): string => body(rand, ALNUM, 32);

describe('long tail: single-dash flags', () => {
  it('-password, -storepass, -keypass, -pw take the next word', () => {
    expectEach([
      'java -jar tool.jar -password %s',
      'keytool -genkeypair -alias app -keystore app.jks -storepass %s',
      'keytool -importkeystore -srckeystore a.p12 -srcstorepass %s',
      'keytool -genkeypair -keystore app.jks -keypass %s -dname "CN=app"',
      'jarsigner -keystore app.jks -storepass "%s" app.jar alias',
      'plink -ssh bob@host -pw %s',
      'pscp -pw %s file.txt bob@host:/tmp',
    ], password, 'secret_assignment');
  });

  it('references, prompts, prose, arithmetic and --key with a word or a file stay', () => {
    expectUntouched([
      'keytool -list -keystore app.jks -storepass $STORE_PASS',
      'keytool -list -keystore app.jks -storepass:env STORE_PASS',
      'java -jar tool.jar -password "${DB_PASSWORD}"',
      'plink -ssh bob@host -pw %PLINK_PW%',
      'Pass the -password flag to set it, or -pw <password> on Windows.',
      'Use -storepass and -keypass only in scripts.',
      'int w = width -pw;',
      'let d = total -password_len * 2',
      'sort --key value',
      'sort --key 2,2 file.txt',
      'gpg --key-file ~/.gnupg/key.asc',
      'ssh-add --key id_ed25519',
    ]);
  });
});

describe('long tail: SQL statements that set a password', () => {
  it('ALTER/CREATE USER or ROLE … PASSWORD, SET PASSWORD … =, IDENTIFIED WITH <plugin> BY', () => {
    expectEach([
      "ALTER USER bob PASSWORD '%s';",
      "alter role app password '%s'",
      'CREATE USER "app-rw" PASSWORD \'%s\' VALID UNTIL \'2027-01-01\';',
      "CREATE USER IF NOT EXISTS app PASSWORD '%s'",
      "SET PASSWORD FOR 'bob'@'localhost' = '%s';",
      "SET PASSWORD FOR bob = PASSWORD('%s');",
      "SET PASSWORD = PASSWORD('%s');",
      "ALTER USER 'bob'@'%' IDENTIFIED WITH mysql_native_password BY '%s';",
      "CREATE USER 'app'@'10.0.%' IDENTIFIED WITH caching_sha2_password BY '%s' REQUIRE SSL;",
    ], password, 'secret_assignment');
  });

  it('NULL, variables, placeholders, hashes after AS, and prose stay', () => {
    expectUntouched([
      'ALTER USER bob PASSWORD NULL;',
      'SET PASSWORD FOR bob = PASSWORD(@pw);',
      "SET PASSWORD FOR 'bob'@'localhost' = '${NEW_PASSWORD}';",
      "CREATE USER 'app'@'%' IDENTIFIED WITH caching_sha2_password AS '$A$005$abc';",
      "Use ALTER USER to change a user's password; the user password 'policy' is checked by the server.",
      'SET PASSWORD FOR requires the UPDATE privilege.',
    ]);
  });
});

describe('long tail: Dockerfile, Makefile, Apache and csh assignments', () => {
  it('ENV NAME value, ARG NAME=value, NAME ?= value, SetEnv NAME value, setenv NAME value', () => {
    expectEach([
      'FROM postgres:16\nENV POSTGRES_PASSWORD %s\nEXPOSE 5432',
      'ENV DB_PASSWORD "%s"',
      'ARG GITHUB_TOKEN=%s',
      'DB_PASSWORD ?= %s\nexport DB_PASSWORD',
      'API_TOKEN?=%s',
      'DB_PASSWORD := %s',
      '<VirtualHost *:80>\n    SetEnv DB_PASS %s\n</VirtualHost>',
      'setenv API_TOKEN %s',
    ], password, 'secret_assignment');
  });

  it('references, files, build args without a value and prose stay', () => {
    expectUntouched([
      'ENV DB_PASSWORD_FILE /run/secrets/db_password',
      'ENV POSTGRES_PASSWORD $POSTGRES_PASSWORD',
      'ARG GITHUB_TOKEN',
      'DB_PASSWORD ?= $(shell cat .secrets/db)',
      'SetEnv DB_PASS ${DB_PASS}',
      'PassEnv DB_PASSWORD',
      'setenv API_TOKEN `cat ~/.token`',
      'Set the ENV DB_PASSWORD in your Dockerfile, or pass it with SetEnv.',
    ]);
  });
});

describe('long tail: XML, plist and Android resources', () => {
  it('a plist <key> and its <string>, an Android <string name>, <password>, .NET <add key value>', () => {
    expectEach([
      '<dict>\n\t<key>APIKey</key>\n\t<string>%s</string>\n</dict>',
      '<key>SentryAuthToken</key> <string>%s</string>',
      '<key>client_secret</key><string>%s</string>',
      '<resources>\n    <string name="api_key">%s</string>\n</resources>',
      '<string name="stripe_secret_key" translatable="false">%s</string>',
      '<password>%s</password>',
      '<add key="ApiKey" value="%s"/>',
    ], key, 'secret_assignment');
  });

  it('labels, other keys, build variables and empty strings stay', () => {
    expectUntouched([
      '<string name="app_name">Acme Notes</string>',
      '<string name="password">Password</string>',
      '<string name="prompt_password">Enter your password</string>',
      '<string name="password_hint">At least 12 characters</string>',
      '<key>APIKey</key>\n<string>$(ACME_API_KEY)</string>',
      '<key>APIKey</key><string></string>',
      '<key>PasswordPolicy</key><string>strict</string>',
      '<key>NSFaceIDUsageDescription</key>\n<string>Unlock your saved passwords</string>',
      '<key>Token</key>\n<dict>\n<key>Type</key>\n<string>Bearer</string>',
    ]);
  });
});

describe('long tail: auth setters given a literal', () => {
  it('Go, Rust, C#, PowerShell and Python calls: the password argument goes, the user stays', () => {
    expectEach([
      'req.SetBasicAuth("bob", "%s")',
      'req.SetBasicAuth(user, `%s`)',
      'let res = client.get(url).basic_auth("bob", Some("%s")).send()?;',
      '.basic_auth(&user, Some(String::from("%s")))',
      'var cred = new NetworkCredential("bob", "%s");',
      'client.Credentials = new System.Net.NetworkCredential("bob", "%s", "CORP");',
      "$pw = ConvertTo-SecureString '%s' -AsPlainText -Force",
      '$pw = ConvertTo-SecureString -String "%s" -AsPlainText -Force',
      'server.login(user, "%s")',
      "smtp.login(SMTP_USER, '%s')",
      'keyring.set_password("acme-api", "bob", "%s")',
    ], password, 'secret_assignment');
  });

  it('variables, placeholders, plain words and definitions stay', () => {
    expectUntouched([
      'req.SetBasicAuth(user, pass)',
      'req.SetBasicAuth(cfg.User, cfg.Password)',
      '.basic_auth(&user, Some(&password))',
      '.basic_auth("bob", None::<&str>)',
      'new NetworkCredential(userName, securePassword)',
      '$pw = ConvertTo-SecureString $env:DB_PASSWORD -AsPlainText -Force',
      '$pw = Read-Host -AsSecureString',
      'server.login(user, password)',
      'server.login(os.environ["SMTP_USER"], os.environ["SMTP_PASSWORD"])',
      'server.login("user", "password")',
      'def login(self, user, password):',
      'keyring.set_password("acme-api", user, token)',
      'keyring.get_password("acme-api", "bob")',
      'See SetBasicAuth() and basic_auth() in the docs; call .login(user, pw) after connect.',
      // Names of Object.prototype after a secret's name are no callees (a lookup there once threw).
      'apiKey.toString()', 'token.constructor("abc123")', 'password.hasOwnProperty("length1")',
    ]);
  });
});

describe('long tail: Brevo, Shippo and Airtable tokens', () => {
  it('each is redacted whole in prose, env and JSON, and the leak scan finds it raw', () => {
    const hexRun = (n: number): string => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rand() * 16)]).join('');
    const brevo = (): string => `xkeysib-${hexRun(63)}7-${body(rand, ALNUM, 16)}`;
    const shippo = (): string => `shippo_${rand() < 0.5 ? 'live' : 'test'}_${hexRun(39)}5`;
    const airtable = (): string => `pat${body(rand, ALNUM, 14)}.${hexRun(63)}9`;
    const forms = ['Use %s for the API.', 'EXPORT_KEY_VALUE=%s', '{"k": "%s"}'];
    expectEach(forms, brevo, 'brevo_api_key', 'vendor_token');
    expectEach(forms, shippo, 'shippo_api_token', 'vendor_token');
    expectEach(forms, airtable, 'airtable_token', 'vendor_token');
  });

  it('near misses stay: a short body, a word, a path, a Terraform-shaped id starting pat', () => {
    expectUntouched([
      'xkeysib-0123abcd-short',
      'shippo_live_mode = True',
      'shippo_test_helpers.py',
      'path.join(dir, "patterns.json")',
      'patchAbcdefghijk.diff',
      'see patXyz12Ab34Cd56.txt',
    ]);
    // A Terraform Cloud token whose 14-character id starts `pat` is still the leak scan's.
    expect(detectorsOf(`pat${body(rand, ALNUM, 11)}.atlasv1.${body(rand, ALNUM, 64)}`)).to.deep.equal(['vendor_token']);
  });
});

describe('long tail: one-time-password seeds, recovery codes, pre-shared keys, numbered names', () => {
  it('columns totp_seed, otp_secret, recovery_codes, psk, API_KEY2 are redacted whole; their metadata stays', () => {
    expect(classifyName('totp_seed')).to.equal('secret');
    expect(classifyName('mfaSeed')).to.equal('secret');
    expect(classifyName('otp_secret')).to.equal('secret');
    expect(classifyName('recovery_codes')).to.equal('secret');
    expect(classifyName('psk')).to.equal('password');
    expect(classifyName('wpa_psk')).to.equal('password');
    expect(classifyName('API_KEY2')).to.equal('api_key');
    expect(classifyName('db_password_2')).to.equal('password');
    expect(classifyName('authToken3')).to.equal('token');
    for (const name of ['seed', 'random_seed', 'seed_phrase_length', 'recovery_codes_count', 'recovery_codes_generated_at', 'psk_identity', 'token1', 'key2', 'sha256', 'base64', 'api_version2', 'input_tokens2']) {
      expect(classifyName(name), name).to.equal(null);
    }
    const policy = policyWith();
    const plan = policy.plan(table('users', ['id', 'totp_seed', 'recovery_codes', 'psk', 'API_KEY2', 'recovery_codes_count']));
    const rows: SqlValue[][] = [[1n, 'JBSWY3DPEHPK3PXP', '["8f3k-2m9q","4n7p-x2c8"]', password(), key(), 2n]];
    policy.createRedactor().redactRows('users', plan, rows);
    expect(rows).to.deep.equal([[1n, '[REDACTED]', '[REDACTED]', '[REDACTED]', '[REDACTED]', 2n]]);
  });

  it('in text: API_KEY2=…, wpa_supplicant psk="…", a totp_seed in JSON and a settings row', () => {
    expectEach(['API_KEY2=%s', 'export OPENAI_API_KEY_2=%s', 'network={\n\tssid="home"\n\tpsk="%s"\n}', 'TOTP_SEED=%s', 'otp_secret: %s'], key, 'secret_assignment');
    expectEach(['{"user": "bob", "totp_seed": "%s"}'], key, 'secret');
    const policy = policyWith();
    const plan = policy.plan(table('settings', ['key', 'value']));
    const rows: SqlValue[][] = [['mfa.totp_seed', 'JBSWY3DPEHPK3PXP'], ['SMTP_PASSWORD2', password()], ['wifi.psk', password()], ['seed', '42']];
    policy.createRedactor().redactRows('settings', plan, rows);
    expect(rows.map((r) => r[1])).to.deep.equal(['[REDACTED]', '[REDACTED]', '[REDACTED]', '42']);
  });

  it('numbered code and random seeds stay', () => {
    expectUntouched(['token1 = tokens[0]', 'key2 = "b"', 'seed = 1234567', 'np.random.seed(42)', 'psk_identity="client1"', 'for key2 in keys2:']);
  });
});
