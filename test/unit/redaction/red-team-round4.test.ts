/**
 * The fourth red team's findings (lib/redaction/README.md): secrets that passed both the rules and
 * the leak scan. Every secret is generated here.
 */
import { expect } from 'chai';
import { AnchorScreen } from '../../../lib/redaction/anchor-screen.js';
import { ALNUM, body, hex, seeded } from './fakes.js';
import { expectEach, expectUntouched, redactText } from './helpers.js';

const rand = seeded(20261204);
/** A generated password of the kind people paste: letters, digits, fourteen long. */
const password = (): string => body(rand, ALNUM, 14);
/** A generated key, long enough to look like one to the label rules. */
const key = (): string => body(rand, ALNUM, 32);

describe('red team 4: full-width punctuation after a secret\'s name', () => {
  it('： reads as :, ＝ as =, U+3000 as a space', () => {
    expectEach(['password：%s', 'DB_PASSWORD＝%s', 'password:\u3000%s', 'password：\u3000%s', 'export DB_PASSWORD＝"%s"'], password, 'secret_assignment');
    expectEach(['OPENAI_API_KEY：%s', 'api_key ＝ %s'], key, 'secret_assignment');
    expectEach(['API Key：%s', '- **Password：** `%s`'], key, 'labeled_secret');
  });

  it('what the ASCII forms keep stays kept in full-width', () => {
    expectUntouched([
      'password：string;',
      'password：${DB_PASSWORD}',
      '密码长度：12',
      'password　reset　link　sent',
      'token＝＝null',
    ]);
  });
});

describe('red team 4: a password\'s name in another language', () => {
  it('takes the next token after : ： or =', () => {
    expectEach([
      'Passwort: %s', 'Kennwort = "%s"', 'contraseña: %s', 'CONTRASEÑA=%s', 'Clave: %s', 'mot de passe : %s',
      'senha: %s', 'Пароль: %s', 'пароль：%s', 'パスワード：%s', '비밀번호: %s', '密码：%s', '数据库密码：%s',
      '密钥=%s', 'API密钥：%s', '请输入密码：%s。', 'Benutzer: bob\nPasswort: %s\n', '- Senha: \'%s\'',
    ], password, 'localized_label');
  });

  it('labels, references, types and words that hold the name stay', () => {
    expectUntouched([
      '"Passwort": "Passwort"',
      'label: "Passwort:",',
      'clave: string;',
      '$clave = $_POST[\'clave\'];',
      'Passwort: ${PW}',
      'Passwort: <Ihr Passwort>',
      'Passwort: ********',
      '忘记密码：点击这里',
      'Passwort vergessen?',
      'Clave::new()',
      'clave = self.clave',
      'autoclave: enabled',
      'const slave = 1',
      'enhanced: true',
      'user_clave: abc',
      'senha == outra',
      'contraseña:',
    ]);
  });

  it('the screen stops at non-ASCII anchors by their low bytes and finds them exactly', () => {
    const screen = AnchorScreen.create([{ text: '密码', folded: false }, { text: 'ароль', folded: false }, { text: 'pass', folded: true }])!;
    expect(screen).to.not.equal(null);
    const text = 'x 密码：a Пароль 0@> \u00c6\u0001 PASS';
    screen.find(text);
    const hits = Array.from({ length: screen.count }, (_, h) => [screen.position(h), screen.anchor(h)]);
    expect(hits).to.deep.equal([[2, 0], [8, 1], [21, 2]]);
    // Text whose bytes are the anchors' low bytes is no hit.
    expect(redactText('x 0@>\u043e\u043b: Xk29fLqa8PzT \u00c6\u0001: Xk29fLqa8PzT').summary.total).to.equal(0);
  });
});

describe('red team 4: a literal piped to a command that reads a password from its input', () => {
  it('sudo -S, passwd --stdin and chpasswd (the part after the colon) give up the literal', () => {
    expectEach([
      'echo "%s" | sudo -S apt-get update',
      "echo '%s' | sudo -S",
      "sudo -S apt install -y nginx <<< '%s'",
      'echo %s | sudo -kS ls /root',
      'echo "%s" | passwd --stdin deploy',
      "echo 'deploy:%s' | chpasswd",
      "echo 'deploy:%s' | sudo chpasswd",
      '- run: echo "%s" | sudo -S systemctl restart app',
    ], password, 'secret_assignment');
    // printf's format holds a %s of its own: the literal is its argument.
    for (const form of ["printf '%s\\n' 'SECRET' | sudo -S -k true", "printf '%s' SECRET | sudo -S true"]) {
      const secret = password();
      expect(redactText(form.replace('SECRET', secret)).out).to.equal(form.replace('SECRET', '[REDACTED]'));
    }
  });

  it('variables, files, other commands and sudo without -S stay', () => {
    expectUntouched([
      'echo $PW | sudo -S ls',
      'echo "$PASSWORD" | sudo -S ls',
      'echo hello | sudo tee /etc/motd',
      'echo "$PASSWORD" | passwd --stdin deploy',
      'echo "deploy:$PW" | chpasswd',
      'cat pw.txt | sudo -S ls',
      'sudo -u bob ls -S',
      'echo hi | sudo -u bob sort -S 1G',
      'echo hunter2 | passwd deploy',
      'pseudo -S value',
    ]);
  });
});

describe('red team 4: KEY   VALUE tables and directives separated by spaces', () => {
  it('a secret-named key starting its line, spaces, and the line\'s last word', () => {
    expectEach([
      'Key                Value\n---                -----\nsecret_key         %s\n',
      'password    %s',
      'account gmail\nhost smtp.gmail.com\n  password %s\n',
      'password "%s"',
      'bridge_password %s',
      '    proxy_set_header X-Api-Key %s;',
      'RequestHeader set X-Api-Key "%s"',
    ], password, 'spaced_setting');
  });

  it('prose, help tables, types, references, hashes and headers with a scheme stay', () => {
    expectUntouched([
      'password reset link sent',
      'password must be 8 characters',
      'token expired at 12:00',
      'token expired',
      'password_hash $2b$12$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU',
      '  --password   The password to use',
      '  password     The password to use',
      'token_duration 768h',
      'token_policies ["root"]',
      'Password string',
      'password VARCHAR(255)',
      'Token    *oauth2.Token',
      'key          value',
      'token_renewable    false',
      'password    <password>',
      '    password combination.',
      '    authorization server::',
      'password ${SMTP_PASSWORD}',
      'echo password abc123def',
    ]);
    expect(redactText('proxy_set_header Authorization "Basic dXNlcjpwYXNzd29yZDEyMw==";').out).to.equal('proxy_set_header Authorization "Basic [REDACTED]";');
  });
});

describe('red team 4: C macros and character arrays', () => {
  it('#define NAME "…" or 0x…, and char NAME[] = "…";', () => {
    expectEach([
      '#define API_KEY "%s"',
      '#define WIFI_PASSWORD "%s"',
      '#define BLYNK_AUTH_TOKEN "%s"   // from the Blynk console',
      '  #  define MQTT_PASSWORD "%s"',
      'char pass[] = "%s";',
      'static const char wifi_pass[32] = "%s";',
    ], password, 'spaced_setting');
    expectEach(['#define AES_KEY %s'], () => `0x${hex(rand, 32)}`, 'spaced_setting');
  });

  it('sizes, header names, URLs, prompts, references and buffers stay', () => {
    expectUntouched([
      '#define PASSWORD_MAX_LEN 64',
      '#define API_KEY_HEADER "X-Api-Key"',
      '#define TOKEN_URL "https://example.com/oauth/token"',
      '#define PASSWORD_FIELD "password"',
      '#define PASSWORD_PROMPT "Enter password: "',
      '#define API_KEY getenv("API_KEY")',
      '#define AUTH_TOKEN AUTH_TOKEN_DEFAULT',
      '#define AES_KEY_SIZE 32',
      'char pass[64];',
      'char pass[] = "%s";',
      'char passes[] = "abcdefgh";',
      '#define FTS5_TOKEN_COLOCATED    0x0001      /* Same position as prev. token */',
      '    static const char secret_data[] = "Big secret";',
    ]);
  });
});

describe('red team 4: Go MySQL DSNs', () => {
  it('the password between the user\'s colon and @tcp( or @unix(', () => {
    expectEach([
      'db, err := sql.Open("mysql", "app:%s@tcp(127.0.0.1:3306)/shop?parseTime=true")',
      'DSN=root:%s@tcp(db:3306)/app',
      'panic: dial app:%s@unix(/var/run/mysqld/mysqld.sock)/app: connection refused',
      '{"dsn": "app:%s@tcp(mysql.internal:3306)/app"}',
    ], password, 'mysql_dsn_password');
    expectEach(['DSN=root:%s@tcp(db:3306)/app'], () => `${password()}:@x`, 'mysql_dsn_password');
  });

  it('templates, concatenations, a user alone, git and ssh addresses stay', () => {
    expectUntouched([
      'fmt.Sprintf("%s:%s@tcp(%s:%d)/%s", u, p, h, port, db)',
      'dsn := user + ":" + pass + "@tcp(" + host + ")/db"',
      'root@tcp(localhost:3306)/app',
      'git@github.com:org/repo.git',
      'ssh deploy@bastion',
      '"${DB_USER}:${DB_PASS}@tcp(${DB_HOST})/app"',
      'user:@tcp(localhost:3306)/app',
    ]);
  });
});

describe('red team 4: positional credentials to database constructors', () => {
  it('the password argument of mysqli, PDO, Sequelize, DriverManager and CURLOPT_USERPWD', () => {
    expectEach([
      '$db = mysqli_connect("localhost", "app", "%s", "shop");',
      "$db = new mysqli('localhost','app','%s','shop');",
      "$pdo = new PDO('mysql:host=localhost;dbname=shop', 'app', '%s');",
      "$pdo = new \\PDO('pgsql:host=db', 'app',\n    '%s');",
      "const sequelize = new Sequelize('shop', 'app', '%s', { dialect: 'mysql' });",
      'Connection c = DriverManager.getConnection("jdbc:mysql://localhost/shop", "app", "%s");',
      'curl_setopt($ch, CURLOPT_USERPWD, "app:%s");',
    ], password, 'secret_assignment');
  });

  it('variables, environment reads and other methods stay', () => {
    expectUntouched([
      '$db = mysqli_connect($host, $user, $pass, $db);',
      "$pdo = new PDO($dsn, $user, getenv('DB_PASS'));",
      'new Sequelize(process.env.DB, process.env.USER, process.env.PASS)',
      "curl_setopt($ch, CURLOPT_USERPWD, $user . ':' . $pass);",
      'curl_setopt($ch, CURLOPT_USERPWD, "$user:$pass");',
      'DriverManager.getConnection(url, user, password)',
      'pool.getConnection("a", "b", "c1d2e3f4g5")',
      "$db = mysqli_connect('localhost', 'app', '', 'shop');",
    ]);
  });
});

describe('red team 4: fluent builders named like the secret', () => {
  it('.password("…"), .apiKey("…"), .accessToken("…") and .clientSecret("…") after a name or a call take their literal', () => {
    expectEach(
      ['User.withUsername("admin").password("%s").roles("ADMIN").build();', 'DataSourceBuilder.create().url(url).username("app").password("%s").build()', 'OpenAI.builder().apiKey("%s").build()', 'Client.builder().accessToken("%s")', 'oauth.clientSecret("%s")'],
      password,
      'secret_assignment',
    );
  });

  it('a label, a variable, a mask, a reference or an environment read stays', () => {
    expectUntouched([
      'builder.password("Password")',
      'form.password("Enter your password")',
      'builder.password(pw)',
      'b.password("********")',
      'b.password("${DB_PASSWORD}")',
      'x.apiKey(System.getenv("OPENAI_API_KEY"))',
      'cfg.accessToken(token)',
      'def password(self): return self._password',
    ]);
  });
});
