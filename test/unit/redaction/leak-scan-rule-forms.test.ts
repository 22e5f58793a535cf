/**
 * Forms the rules took that the leak scan did not read (README, Known gaps, 2026-11-28): each is a
 * hit, raw and as an export writes it (a JSON string), named by its detector; the default rules
 * take each, leaving the scan nothing (a hit the rules would not redact fails the export); near
 * misses stay quiet. Values are made at test time; none was ever a key.
 */
import { expect } from 'chai';
import { leakFormChecks } from './leak-form-checks.js';

const { expectFound, expectQuiet, expectCheap, generated, detectors } = leakFormChecks(20261128_2);

describe('leak scan: forms the rules take, read by the scan since 2026-11-28 (second pass)', () => {
  it('a secret-named flag and its value after a space: two dashes, and one as keytool, PuTTY and Go write them', () => {
    expectFound([
      'mysql --password %s mydb', 'tool --api-key %s', 'gh-tool --token "%s"', 'cli --db-password \'%s\' --verbose', 'x --client-secret  %s', 'az --secret %s', 'x --auth %s',
      'keytool -genkey -alias app -storepass %s -keystore app.jks', 'keytool -importkeystore -deststorepass %s', 'keytool -keypass %s', 'plink -pw %s admin@host', 'tool -password %s', 'tool -passwd %s', 'go run . -api-key %s',
      '-storepass %s', 'tool \\\n  --password %s',
    ], 'secret_assignment');
  });

  it('flags the rules keep stay quiet: one dash on a word of its own, a bare key, counts, files, a flag after a quote in text, a placeholder, a variable', () => {
    expectQuiet(['tool -token %s', 'tool -secret %s', 'tool --key %s', 'tool --tokens %s', 'tool --token-file %s', 'tool --password-file %s', 'tool --oauth %s', 'echo "-storepass %s"', '{"cmd": "-storepass %s"}', 'a -PASSWORD %s', 'x --bypass %s', 'x -storepass:env %s']);
    for (const text of ['mysql --password PASSWORD db', 'keytool -storepass arg   keystore password', 'tool --api-key "$API_KEY"', 'tool --token ${TOKEN}', 'tool --password secret', 'plink -pw hunter2 host', '  --password               Prompt for a password']) {
      expect(detectors(text), text).to.deep.equal([]);
      expect(detectors(JSON.stringify({ content: text })), text).to.deep.equal([]);
    }
  });

  it('argument arrays of the commands found by name, and of mysql, sshpass, curl and registry logins, read as one command line', () => {
    expectFound([
      '["zip","-P","%s","out.zip","a.txt"]', "['unzip', '-o', '-P', '%s', 'a.zip']", '["wandb","login","%s"]', 'subprocess.run(["wandb", "login", "--relogin", "%s"], check=True)',
      '["ngrok","config","add-authtoken","%s"]', '["vault.exe",\n  "login",\n  "%s"\n]', '["sqlplus", "-s", "scott/%s@orcl"]', '["ssh-keygen","-t","ed25519","-N","%s","-f","key"]',
      '["openssl","enc","-aes-256-cbc","-k","%s"]', '["curl","-b","session=%s","https://x.io"]', 'execFileSync("zip", ["-r", "-P", "%s", "o.zip", "d"])', 'execFileSync(\n  "zip",\n  ["-P", "%s"])',
      '{"command": "wandb", "args": ["login", "%s"]}', '"command": "zip",\n"args": [\n  "-P",\n  "%s",\n  "o.zip"\n]', '["sudo", "zip", "-P", "%s", "o.zip"]',
      '["mysql","-uroot","-p%s"]', "['sshpass', '-p', '%s', 'ssh', 'bob@db']", '["curl","-u","bob:%s","https://x"]', '["docker","login","-u","bob","-p","%s","reg.io"]',
      // The login commands' arrays, which the rules take since the second pass's review.
      '["sqlcmd","-S","db","-U","sa","-P","%s"]', '["ldapsearch","-x","-w","%s"]', '["smbclient","//h/s","-U","bob%%s"]', '["xfreerdp","/v:h","/p:%s"]',
    ], 'command_password');
  });

  it('arrays the rules keep stay quiet: a prose word after the name, mysql\'s spaced -p, a variable, other keys, other commands', () => {
    expectQuiet([
      '["zip", "file", "-P", "%s"]', '["mysql", "-p", "%s"]', '["zip", "-P", "$ZIP_PASSWORD", "o.zip", "%s"]',
      '{"command": "wandb", "env": ["login", "%s"]}', '["gzip","-P","%s"]', '["x","-p%s"]', 'const tools = ["zip", "unzip", "7z"], x = "%s"', '["zip","-r","out.zip","%s"]', '["wandb","login","--relogin"], "%s"',
    ]);
  });

  it('MySQL\'s IDENTIFIED BY and SET PASSWORD FOR, and Oracle\'s unquoted IDENTIFIED BY', () => {
    expectFound([
      "CREATE USER 'bob'@'%' IDENTIFIED BY '%s';", "ALTER USER 'bob'@'localhost' IDENTIFIED BY '%s';", "GRANT ALL ON *.* TO 'bob'@'%' IDENTIFIED BY '%s';",
      'create user bob identified by "%s";', "SET PASSWORD FOR 'bob'@'localhost' = '%s';", "SET PASSWORD FOR bob = '%s'", 'CREATE USER app IDENTIFIED BY %s;',
      'CREATE DATABASE LINK l CONNECT TO scott IDENTIFIED BY %s USING x', "ALTER USER 'bob'@'%' IDENTIFIED WITH caching_sha2_password BY '%s';",
    ], 'secret_assignment');
    expectQuiet(["columns identified by '%s'", "rows Identified By '%s'", "SET PASSWORD FOR bob = %s", "the user set password for '%s'"]);
  });

  it('a value between quotes written as character references or curly quotes, as the scan reads the export\'s UTF-8 bytes too', () => {
    const forms = ['password=&quot;%s&quot;', 'api_key=&#34;%s&#34;', 'token: &apos;%s&apos;', 'api_key: \u201c%s\u201d', 'secret = \u2018%s\u2019'];
    expectFound(forms, 'secret_assignment');
    for (const form of forms) {
      const text = form.replaceAll('%s', generated());
      // The worker scans the serialised bytes as Latin-1: a curly quote is three characters there.
      expect(detectors(Buffer.from(JSON.stringify({ content: text }), 'utf8').toString('latin1')), text).to.deep.equal(['secret_assignment']);
    }
    expectQuiet(['password=&quot;hunter2&quot; %s', 'the “password” field %s']);
  });

  it('a secret printed below its command after a shell prompt: gh, gcloud, aws configure get, echo and printenv of a secret\'s name, cat ~/.pgpass', () => {
    expectFound([
      '$ gh auth token\n%s', '$ gh auth token\n%s\n$ ls', 'bob@box:~$ aws configure get aws_secret_access_key\n%s', '$ gcloud auth print-access-token\n%s', '% echo $DB_PASSWORD\n%s',
      '$ printenv OPENAI_API_KEY\n%s', 'notes\n$ echo $GITHUB_TOKEN\r\n%s\r\n', '$ heroku auth:token\n%s', 'bob@box:~$ heroku auth:token\r\n%s\r\n',
    ], 'secret_assignment');
    expectFound(['$ cat ~/.pgpass\ndb.example.com:5439:app:bob:%s', '$ cat ~/.pgpass\nlocalhost:5432:*:amy:hunter2\nreplica:6543:app:bob:%s\n'], 'pgpass_password');
  });

  it('command output the rules keep stays quiet: no prompt, a command piped on, a count\'s name, words after the value, a prompt inside a sentence', () => {
    expectQuiet(['gh auth token\n%s', '$ gh auth token | pbcopy\n%s', 'heroku auth:token\n%s', '$ heroku auth:token | pbcopy\n%s', '$ echo $MAX_TOKENS\n%s', '$ echo $DB_PASSWORD\n%s more words', 'see "$ gh auth token\n%s"', '$ echo $DB_HOST\n%s', 'echo $API_KEY\n%s', '$ cat ~/.pgpass\n\nh:5439:d:u:%s']);
  });

  it('a label ending its line, and its value alone on the next line, unindented', () => {
    expectFound(['Password:\n%s', 'Password: \n%s\nUsername: bob', '**Password:**\n`%s`', 'API key:\n%s\n', 'Your new password:\n%s', 'x = 1\nDB password:\n%s', 'Access key:\n"%s"', '- Secret:\n%s', 'Token:\r\n%s\r\n'], 'secret_assignment');
  });

  it('labels and values the rules keep stay quiet: a YAML key, a label about the secret, words after the value, a blank line between, a name, a variable', () => {
    expectQuiet(['GITHUB_TOKEN:\n%s', 'my_password:\n%s', 'Password reset:\n%s', 'Password policy:\n%s', 'The token:\n%s more', 'Password:\n\n%s', 'password = x\n%s', 'Token: see below\n%s']);
    for (const text of ['Password:\nEnter a new password below.', 'Token:\nOPENAI_API_KEY', 'API key:\nUsername:', 'Token:\nAbc123Def456Ghi789', 'Password:\n{{password}}', 'Password:\n********']) {
      expect(detectors(text), text).to.deep.equal([]);
      expect(detectors(JSON.stringify({ content: text })), text).to.deep.equal([]);
    }
  });

  it('SQL that sets a role\'s password: ALTER/CREATE USER or ROLE … [WITH|LOGIN|ENCRYPTED] PASSWORD \'…\'', () => {
    expectFound([
      "ALTER USER app WITH PASSWORD '%s';", "CREATE ROLE app LOGIN PASSWORD '%s';", "CREATE USER bob PASSWORD '%s'", "create user bob with encrypted password '%s';",
      'CREATE USER "app-rw" WITH PASSWORD \'%s\';', "CREATE USER IF NOT EXISTS bob PASSWORD '%s';",
    ], 'secret_assignment');
    expectQuiet(["ALTER ROLE app PASSWORD NULL; x '%s'", "The password '%s' was wrong", "SELECT password '%s'", "my_password '%s'"]);
  });

  it('a plist\'s <key> and the <string> after it, and Android\'s <string name="…">, named like a secret', () => {
    expectFound([
      '<key>APIKey</key>\n\t<string>%s</string>', '<key>password</key><string>%s</string>', '<key>ApiToken</key>\n<!-- prod -->\n<string>%s</string>', '<key>client_secret</key>\r\n  <string>%s</string>',
      '<string name="api_key">%s</string>', "<string name='google_api_key' translatable='false'>%s</string>", '<string name="secret">%s</string>',
    ], 'secret_assignment');
    expectQuiet([
      '<string name="app_name">%s</string>', '<key>CFBundleName</key><string>%s</string>', '<string name="password_hint">%s</string>', '<key>Passwords</key><array><string>%s</string></array>',
      '<key>MAX_TOKENS</key><string>%s</string>', '<key>password</key><integer>1</integer><string>%s</string>', '<string name="api_key">%s and more</string>',
    ]);
  });

  it('positional database logins, a login call\'s password and PowerShell\'s ConvertTo-SecureString', () => {
    expectFound([
      '$db = mysqli_connect("localhost", "app", "%s", "shop");', "$db = new mysqli($host, $user, '%s');", '$pdo = new PDO("mysql:host=db;dbname=x", "app", "%s");', '$pdo = new \\PDO($dsn, $u, "%s");',
      'server.login("bob@x.io", "%s")', 'smtp.login(user, "%s")', '$pw = ConvertTo-SecureString "%s" -AsPlainText -Force', "$pw = ConvertTo-SecureString -AsPlainText -Force -String '%s'",
    ], 'secret_assignment');
    expectQuiet(['ConvertTo-SecureString "%s"', 'mysqli_connect($h, $u, $p) "%s"', 'x = my_mysqli_connect("h", "u", "%s")', 'new PDO($dsn, "%s")', 'login("bob", "%s")', 'PDO("a", "b", "%s")']);
    for (const text of ['client.login("bob", "accounts/login.html")', 'messages.login("Sign in", "Welcome back, friend!")', 'router.login("home", "home-page-2024-v2")', 'new PDO($dsn, $user, $password)']) {
      expect(detectors(text), text).to.deep.equal([]);
      expect(detectors(JSON.stringify({ content: text })), text).to.deep.equal([]);
    }
  });

  it('cannot be slowed down by crafted output: 1 MiB of each new anchor finishes quietly', () => {
    expectCheap([
      '--token ', '-storepass ', 'a --api-key --password ', '-pw "', '--secret \\"',
      '["zip","-P",', '"-P",', '["-p', '[\\"-p\\",', '"command": "wandb", ', '"command": "zip", "args": [', '["zip", "a", ', '("zip", [', '"[", "-P", ', "['-u', ", '$ gh auth token\n', '$ echo $DB_PASSWORD\n$ ', '$ cat ~/.pgpass\n', 'h:1:d:u:x\n', 'Password:\n', 'a b c d password:\n`', '**Token:**\n"', "ALTER USER a WITH PASSWORD '", 'with password ', '<key>password</key><string>', '<string name="api_key">', '<string', '<key>password</key> <!-- -->', 'new PDO(', 'mysqli_connect("a", ', 'x.login(a, ', 'ConvertTo-SecureString -Force ',
    ]);
    // One well-formed array after each other: each read once.
    expectCheap(['["zip","-r","-P","x","o.zip"],']);
  });
});
