/**
 * Items closed from lib/redaction/README.md's "Known gaps": secrets that passed both the rules
 * and the leak scan in an agent's chat history. Every secret is generated here.
 */
import { expect } from 'chai';
import { ALNUM, body, seeded } from './fakes.js';
import { expectEach, expectRedactedTo, expectUntouched, redactText } from './helpers.js';

const rand = seeded(20261127);
/** A generated password of the kind people paste: letters, digits, fourteen long. */
const password = (): string => body(rand, ALNUM, 14);

describe('known gaps: command lines written as argument arrays', () => {
  it('mysql -p…, sshpass -p, curl -u, docker login -p and redis-cli -a as JSON or Python list elements', () => {
    expectEach([
      '["mysql","-uroot","-p%s"]',
      '["mysql", "-u", "root", "-p%s", "app"]',
      '{"command": ["mariadb", "--user=root", "-p%s"]}',
      '["/usr/bin/mysql","-h","db","-p%s"]',
      '["sshpass","-p","%s","ssh","deploy@host1"]',
      '["sshpass", "-p", "%s", "rsync", "-a", "src/", "host1:dst/"]',
      '["curl","-u","user:%s","https://api.example.com/v1"]',
      '["curl", "-s", "--user", "bob:%s", "https://api.example.com"]',
      '["curl","-uadmin:%s","https://api.example.com"]',
      '["docker","login","-u","bob","-p","%s","ghcr.io"]',
      '["redis-cli","-a","%s","ping"]',
      "subprocess.run(['mysql', '-uroot', '-p%s', 'app'], check=True)",
      'execFileSync("sshpass", ["-p", "%s", "ssh", "host1"])',
      '{"arguments":"{\\"command\\":[\\"sshpass\\",\\"-p\\",\\"%s\\",\\"ssh\\",\\"host1\\"]}"}',
      '{"arguments":"{\\"argv\\":[\\"mysql\\",\\"-uroot\\",\\"-p%s\\"]}"}',
      '"command": [\n  "sshpass",\n  "-p",\n  "%s",\n  "ssh",\n  "host1"\n]',
      '"command": [\n  "curl",\n  "-u",\n  "bob:%s",\n  "https://api.example.com"\n]',
    ], password, 'secret_assignment');
  });

  it('arrays whose flags hold no literal password stay', () => {
    expectUntouched([
      '["mysql","-uroot","-p"]',
      '["mysql", "-u", "root", "-p", "app"]',
      '["docker","run","-p","8080:80","nginx"]',
      '["mkdir","-p","/tmp/build"]',
      '["ssh","-p","2222","host1"]',
      '["psql","-U","postgres","-p","5432"]',
      '["curl","-u","bob","https://api.example.com"]',
      '["curl","-u","$USER:$PASS","https://api.example.com"]',
      '["sshpass","-p","$SSHPASS","ssh","host1"]',
      '["sshpass","-p","{password}","ssh","host1"]',
      '["sshpass","-e","ssh","host1"]',
      "subprocess.run(['mysql', '-u', user, '-p' + password])",
      "subprocess.run(['mysql', f'-p{password}', 'app'])",
      "parser.add_argument('-u', '--user', help='user:name to log in as')",
      "args = ['-p', '--parents']",
      '["sshpass", "-p"]',
      'const flags = ["-u", "-p", "-a"];',
      '["tar","-czf","out.tgz","-C","dir"]',
      '["npm","publish","--access","public"]',
    ]);
  });
});

describe('known gaps: argument arrays of the commands found by name', () => {
  it('zip/unzip -P, 7z -p, wandb login, ngrok, vault login, sqlplus, ssh-keygen -N, openssl -k and curl -b as array elements', () => {
    expectEach([
      '["zip","-P","%s","out.zip","a.txt"]',
      "['unzip', '-o', '-P', '%s', 'a.zip']",
      '["7z", "a", "-p%s", "x.7z", "dir"]',
      '["wandb","login","%s"]',
      'subprocess.run(["wandb", "login", "--relogin", "%s"], check=True)',
      '["ngrok","config","add-authtoken","%s"]',
      '["vault.exe",\n  "login",\n  "%s"\n]',
      '["sqlplus", "-s", "scott/%s@orcl"]',
      '["ssh-keygen","-t","ed25519","-N","%s","-f","key"]',
      '["openssl","enc","-aes-256-cbc","-k","%s"]',
      '["curl","-b","session=%s","https://x.io"]',
      'execFileSync("zip", ["-r", "-P", "%s", "o.zip", "d"])',
      '{"command": "wandb", "args": ["login", "%s"]}',
      '"command": "zip",\n"args": [\n  "-P",\n  "%s",\n  "o.zip"\n]',
      '["sudo", "zip", "-P", "%s", "o.zip"]',
    ], password, 'secret_assignment');
  });

  it('arrays whose flags hold no literal secret, and the names as plain words, stay', () => {
    expectUntouched([
      '["zip","-r","out.zip","src"]',
      '["unzip","-o","a.zip"]',
      '["wandb","login","--relogin"]',
      '["zip", "-P", "$ZIP_PASSWORD", "o.zip"]',
      '["gzip","-k","notes.txt"]',
      'const tools = ["zip", "unzip", "7z"]',
      '["zip"]',
      '{"cmd": "zip", "args": "-P"}',
      '{"command": "wandb", "env": ["login", "x"]}',
      'zip("a", ["b", "c"])',
      '["vault","login","-method=github"]',
      '["ssh-keygen","-t","ed25519","-N",""]',
    ]);
  });
});

describe('known gaps: SQL that stores a secret in a row', () => {
  it('INSERT … (…, password, …) VALUES (…): the literal under the secret-named column, in every row', () => {
    expectEach([
      "INSERT INTO users (email, password) VALUES ('bob@example', '%s');",
      'INSERT INTO `users` (`name`, `password`, `role`) VALUES (\'bob\', \'%s\', \'admin\')',
      'insert into public.accounts ("login", "api_key") values (\'svc\', \'%s\');',
      "INSERT OR REPLACE INTO creds (id, token) VALUES (1, '%s')",
      "INSERT INTO users (name, pwd)\nVALUES ('bob', '%s');",
      "INSERT INTO users (name, password) VALUES ('a''b', '%s')",
      "INSERT INTO smtp (host, port, password) VALUES ('mail', 587, '%s')",
    ], password, 'secret_assignment');
    const [a, b] = [password(), password()];
    const text = `INSERT INTO users (name, password) VALUES ('ann', '${a}'), ('bob', '${b}');`;
    expectRedactedTo([[text, "INSERT INTO users (name, password) VALUES ('ann', '[REDACTED]'), ('bob', '[REDACTED]');"]]);
  });

  it('UPDATE <table> SET value = … WHERE key = \'<secret name>\' (key/value settings tables)', () => {
    expectEach([
      "UPDATE settings SET value='%s' WHERE key='smtp_password';",
      "UPDATE settings SET value = '%s', updated_at = now() WHERE name = 'OPENAI_API_KEY'",
      "update wp_options set option_value = '%s' where option_name = 'mailgun_api_key';",
      'UPDATE config SET "value" = \'%s\' WHERE "key" = \'db.password\'',
    ], password, 'secret_assignment');
  });

  it('SQL without a secret stays', () => {
    expectUntouched([
      "INSERT INTO users (email, password) VALUES (?, ?)",
      "INSERT INTO users (email, password) VALUES ($1, $2)",
      "INSERT INTO users (email, password) VALUES (:email, :password)",
      "INSERT INTO users (email, password) VALUES ('a@b', crypt($1, gen_salt('bf')))",
      "INSERT INTO users (email, password_hash) VALUES ('bob', '$2b$12$abcdefghijklmnopqrstuv')",
      "INSERT INTO users (name, role) VALUES ('bob', 'admin')",
      "INSERT INTO users (name, token_count) VALUES ('bob', 42)",
      "INSERT INTO users (name, password) VALUES ('bob', '')",
      "INSERT INTO users (name, password) VALUES ('bob', NULL)",
      "INSERT INTO users (name, password) SELECT name, password FROM staging",
      "login(user, password), logout(user)",
      "def f(self, password, retries):",
      "UPDATE settings SET value = ? WHERE key = 'smtp_password'",
      "UPDATE settings SET value = 'dark' WHERE key = 'theme'",
      "UPDATE settings SET value = '30' WHERE key = 'token_refresh_interval'",
      "SELECT value FROM settings WHERE key = 'smtp_password'",
      "DELETE FROM settings WHERE key = 'smtp_password'",
    ]);
  });
});

describe('known gaps: a YAML value on the line below its key', () => {
  it('a plain or quoted scalar indented under a secret-named key', () => {
    expectEach([
      'password:\n  %s',
      'db:\n  password:\n    %s\n  host: db1',
      'api_key:\n  "%s"\n',
      '- token:\n    %s\n',
      'password:\r\n  %s\r\nuser: bob',
    ], password, 'secret_assignment');
  });

  it('mappings, lists, prose, code and references under the key stay', () => {
    expectUntouched([
      'password:\n  min_length: 12\n  require_digit: true',
      'password:\n  - rule1\n  - rule2',
      'password:\nhost: db1',
      'password:\n  ${DB_PASSWORD}',
      'password:\n  Use at least eight characters.',
      'if password:\n    return None',
      'if not token:\n    raise',
      'class Password:\n    pass',
      'password:\n  string;',
      'password:\n  # set in CI\n',
      'token:\n  null',
      'password:\n  %(password)s',
    ]);
  });
});

describe('known gaps: pw and an arrow after a secret\'s name', () => {
  it('pw: X, pw=X and password → X (an arrow takes a generated-looking word)', () => {
    expectEach(['pw: %s', 'pw=%s', 'PW: "%s"', '  pw: %s\n', 'password → %s', 'New password → `%s`', 'api_key → %s'], password, 'secret_assignment');
  });

  it('pw as part of words, paths and labels, and arrows to words, stay', () => {
    expectUntouched([
      'pw: ~/secrets/pw.txt',
      'pw: true',
      'pw=$PW',
      'cpw: 12',
      'npw=3',
      'pw:',
      'password → hashed',
      'token → access_token',
      'password → bcrypt → database',
      'Password → Settings → Security',
    ]);
  });
});

describe('known gaps: XML and HTML character references inside a secret', () => {
  const ghBody = (): string => body(rand, ALNUM, 36);
  /** Every character as a decimal reference, as an XML writer escaping everything gives it. */
  const decimal = (s: string): string => [...s].map((c) => `&#${c.charCodeAt(0)};`).join('');

  it('a vendor token with a reference in it, or wholly made of them, goes whole with its references', () => {
    const b = ghBody();
    const b2 = ghBody();
    const all = `ghp_${ghBody()}`;
    expectRedactedTo([
      [`<note>ghp&#95;${b}</note>`, '<note>[REDACTED]</note>'],
      [`see &#x67;hp_${b2} above`, 'see [REDACTED] above'],
      [`<note>${decimal(all)}</note>`, '<note>[REDACTED]</note>'],
    ]);
  });

  it('a URL password holding &amp;, and HTML-escaped quotes around an assignment\'s value, keep the quotes', () => {
    const pw = password();
    expectRedactedTo([
      [`<url>postgres://bob:p&amp;${pw}@db.example.com/app</url>`, '<url>postgres://bob:[REDACTED]/app</url>'],
      [`password=&quot;${pw}&quot;`, 'password=&quot;[REDACTED]&quot;'],
      [`<pre>DB_PASSWORD=&quot;correct horse battery&quot; npm start</pre>`, '<pre>DB_PASSWORD=&quot;[REDACTED]&quot; npm start</pre>'],
      [`&quot;password&quot;: &quot;hunter2x&quot;`, '&quot;password&quot;: &quot;[REDACTED]&quot;'],
      [`password = &#39;${pw}&#39;`, 'password = &#39;[REDACTED]&#39;'],
      [`password=&#34;${pw}&#34;`, 'password=&#34;[REDACTED]&#34;'],
    ]);
  });

  it('references in ordinary markup, empty and templated values, and prose stay', () => {
    expectUntouched([
      '<p>Tom &amp; Jerry &#8212; &quot;a classic&quot;</p>',
      'if (a &amp;&amp; b) { return &lt;div&gt;ok&lt;/div&gt; }',
      'password = &quot;&quot;',
      'api_key=&quot;{{ secrets.KEY }}&quot;',
      'password = &quot;$DB_PASS&quot;',
      '&lt;input type=&quot;password&quot; name=&quot;pw&quot;&gt;',
      'Use &#95; for underscores and &#x2F; for slashes',
    ]);
  });
});

describe('known gaps: curly quotes around an assignment\'s value', () => {
  it('“…” and ‘…’ are read as quotes: the whole value goes, the quotes stay', () => {
    const pw = password();
    expectRedactedTo([
      [`password = “${pw}”`, 'password = “[REDACTED]”'],
      ['password = “correct horse battery”', 'password = “[REDACTED]”'],
      ['DB_PASSWORD=‘hunter2x’ npm start', 'DB_PASSWORD=‘[REDACTED]’ npm start'],
      ['“password”: “hunter2x”', '“password”: “[REDACTED]”'],
    ]);
  });

  it('curly quotes in prose and around labels stay', () => {
    expectUntouched(['Don’t share the password, it’s private', 'the password field: “Password”', 'Click “Reset password” to get a new one', 'password = “”']);
  });
});

describe('known gaps: references and curly quotes at scale', () => {
  // No clock: each value is decoded in windows that merge, once, so 1 MiB of references is read once.
  it('1 MiB of each new form, repeated, is redacted to the end', () => {
    const MIB = 1024 * 1024;
    const key = `ghp_${body(rand, ALNUM, 36)}`;
    for (const unit of ['&#95;', 'ghp&#95;', '&quot;', 'password=&quot;', 'x&amp;y ', 'password = “', '“password”: “', '&lt;password&gt;']) {
      const { out } = redactText(`${unit.repeat(Math.ceil(MIB / unit.length))}\n\nkey ${key}`);
      expect([out.includes(key), out.endsWith('[REDACTED]')], unit).to.deep.equal([false, true]);
    }
  });
});

describe('known gaps: a secret printed on the line below its command', () => {
  it('after a prompt: aws configure get, echo/printenv of a secret\'s name, gh auth token, gcloud, cat of a secret file', () => {
    expectEach([
      '$ aws configure get aws_secret_access_key\n%s\n$ ls',
      '$ aws configure get default.aws_session_token --profile dev\n%s',
      '$ echo $OPENAI_API_KEY\n%s\n',
      'bob@box:~/app$ echo "${DB_PASSWORD}"\n%s',
      '% printenv GITHUB_TOKEN\n%s',
      'PS C:\\> echo $env:ANTHROPIC_API_KEY\n%s',
      '$ gh auth token\n%s\n',
      '$ gcloud auth print-access-token\n  %s  \n',
      '$ gcloud secrets versions access latest --secret=db-password\n%s',
      '$ cat secrets/db_password.txt\n%s',
      '$ kubectl get secret app -o jsonpath=\'{.data.token}\' | base64 -d\n%s',
    ], password, 'secret_assignment');
  });

  it('cat ~/.pgpass: the password of every line below, up to a blank line or the next prompt', () => {
    const [a, b] = [password(), password()];
    expectRedactedTo([[`$ cat ~/.pgpass\ndb.example.com:5439:app:bob:${a}\n*:*:*:alice:${b}\n\n$ psql`, '$ cat ~/.pgpass\ndb.example.com:5439:app:bob:[REDACTED]\n*:*:*:alice:[REDACTED]\n\n$ psql']]);
  });

  it('no prompt, other variables, errors, empty output, sentences and the next prompt stay', () => {
    expectUntouched([
      '$ echo $API_KEY\n\n$ ls',
      '$ echo $API_KEY\nbash: API_KEY: unbound variable',
      '$ echo $PATH\n/usr/bin:/bin',
      '$ echo $TOKEN_COUNT\n42',
      '$ gh auth token\nno oauth token found for github.com',
      '$ gh auth token\n$ gh auth status',
      '$ aws configure get region\nus-east-1',
      'The output of `gh auth token` is your token.\nSee the docs.',
      '$ cat ~/.pgpass\ncat: .pgpass: No such file or directory',
      '$ echo $DB_PASSWORD\nNone',
      '$ gh auth token | pbcopy\nCopied4You',
      `${'$ gh auth token '.repeat(40)}\nXq7vR2mK9pLw4`,
      `${'x'.repeat(300)} $ gh auth token\nXq7vR2mK9pLw4`,
    ]);
  });
});

describe('known gaps: a label on the line above its value, and an arrow to a plain word', () => {
  it('a label ending its line (one word too) gives up the next line\'s only word', () => {
    expectEach(['Password:\n%s', 'Password: \n%s\nUsername: bob', '**Password:**\n`%s`', 'API key:\n%s\n', '- DB password:\n  %s'], password, 'labeled_secret');
    expectRedactedTo([['Your new password:\nhunter42x', 'Your new password:\n[REDACTED]']]);
  });

  it('password → a plain word ending its line is taken', () => {
    expectRedactedTo([
      ['password → huntertwo', 'password → [REDACTED]'],
      ['Changed the DB password → correcthorse.', 'Changed the DB password → [REDACTED].'],
      ['- admin password → s3cret-pass', '- admin password → [REDACTED]'],
    ]);
  });

  it('sentences, placeholders, variables and other labels below a label, and arrows to words mid-sentence, types and UI paths stay', () => {
    expectUntouched([
      'Password:\nEnter a new password below.',
      'Password:\nhuntertwo',
      'password:\n  nested: value',
      'Token:\nOPENAI_API_KEY',
      'Password:\n********',
      'Password:\n{{password}}',
      'Password reset:\nabc123def4',
      'API key:\nUsername:',
      'password → huntertwo and more',
      'password → string',
      'token → expired.',
      'token → access_token',
      'Password → Settings',
    ]);
  });
});
