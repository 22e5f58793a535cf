/**
 * Shapes the end-to-end leak hunt found past both the rules and the leak scan: `.env` short
 * names, `.netrc`, docker's `auth`, curl/mysql/sshpass command lines, YAML block scalars,
 * PHP/Ruby hashes, tokens as URL users, mailto: links and home folders with spaces. Every value
 * is generated here; each shape has its near misses beside it.
 */
import { expect } from 'chai';
import { createLeakDetector } from '../../../lib/redaction/index.js';
import { classifyName, compileGlob, isAuthOnlyName } from '../../../lib/redaction/names.js';
import { ALNUM, body, chars, fakePassword, hex, seeded, table } from './fakes.js';
import { counts, detectorsOf, expectEach, expectUntouched, policyWith, redactText } from './helpers.js';

const rand = seeded(4242);
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const pw = (): string => fakePassword(rand);
const b64auth = (): string => Buffer.from(`${chars(rand, LOWER, 5)}:${pw()}`).toString('base64');
const detector = createLeakDetector();

describe('names: short password words and auth', () => {
  it('pass and pwd mean a password as the last word of a longer name, not alone or first', () => {
    for (const name of ['DB_PASS', 'smtp_pass', 'redisPass', 'MYSQL_PWD', 'userPwd', 'PASSWD', 'db-passwd']) expect(classifyName(name), name).to.equal('password');
    for (const name of ['PWD', 'OLDPWD', 'pass', 'pass_rate', 'pass_count', 'bypass', 'compass', 'DB_PASS_FILE', 'pwd_path']) expect(classifyName(name), name).to.equal(null);
  });

  it('auth as the last word is a token name that takes only random-looking values', () => {
    for (const name of ['auth', '_auth', 'basic_auth', 'proxyAuth']) {
      expect(classifyName(name), name).to.equal('token');
      expect(isAuthOnlyName(name), name).to.equal(true);
    }
    expect(isAuthOnlyName('auth_token')).to.equal(false);
    for (const name of ['auth_type', 'oauth', 'auths', 'author']) expect(classifyName(name), name).to.equal(null);
  });
});

describe('column globs match name words', () => {
  const matches = (glob: string, names: readonly string[]): string[] => names.filter(compileGlob(glob));
  const NAMES = ['api_key', 'apiKey', 'API-KEY', 'signing_key', 'x.api.key', 'apikey', 'key', 'monkey', 'turkey', 'hockey', 'keyring', 'key_id'];

  it('*_key: any name whose last word is key, not one that merely ends in the letters', () => {
    expect(matches('*_key', NAMES)).to.deep.equal(['api_key', 'apiKey', 'API-KEY', 'signing_key', 'x.api.key']);
    expect(matches('*Key', NAMES)).to.deep.equal(['api_key', 'apiKey', 'API-KEY', 'signing_key', 'x.api.key']);
    expect(matches('key_*', NAMES)).to.deep.equal(['key_id']);
    expect(matches('api_*_key', ['api_key', 'api_signing_key', 'api_a_b_key'])).to.deep.equal(['api_signing_key', 'api_a_b_key']);
  });

  it('a * or ? inside a word works on characters, as written', () => {
    expect(matches('api*', NAMES)).to.deep.equal(['api_key', 'apiKey', 'API-KEY', 'apikey']);
    expect(matches('*key', NAMES)).to.deep.equal(['api_key', 'apiKey', 'API-KEY', 'signing_key', 'x.api.key', 'apikey', 'key', 'monkey', 'turkey', 'hockey']);
    expect(matches('k?y', NAMES)).to.deep.equal(['key']);
    expect(matches('API_KEY', NAMES)).to.deep.equal(['api_key', 'apiKey', 'API-KEY']);
  });

  it('a config *_key rule leaves monkey and turkey columns to the content rules', () => {
    const plan = policyWith({ patterns: [{ name: 'any_key', column: '*_key' }] }).plan(table('zoo', ['id', 'monkey', 'turkey', 'signing_key']));
    expect(plan.columns.map((c) => c.rule ?? c.action)).to.deep.equal(['scan', 'scan', 'scan', 'any_key']);
  });
});

describe('secret_assignment: shapes from .env, .netrc, docker, PHP, Ruby and YAML', () => {
  it('.env short names: DB_PASS, SMTP_PASS, MYSQL_PWD, PASSWD', () => {
    expectEach(['DB_HOST=db\nDB_USER=app\nDB_PASS=%s\n', 'export SMTP_PASS="%s"', 'MYSQL_PWD=%s mysql app', 'PASSWD=%s', 'redis_pass: %s'], pw, 'secret_assignment');
    const home = `/home/${chars(rand, LOWER, 6)}`;
    expect(redactText(`PWD=${home}/src\nOLDPWD=/tmp`).out).to.equal('PWD=~/src\nOLDPWD=/tmp');
    expectUntouched(['pass_rate: 0.95\nbypass=true', 'cd $PWD && pwd']);
  });

  it('.netrc: password after login, account or machine, on one line or many', () => {
    const host = `${chars(rand, LOWER, 6)}.example.com`;
    expectEach([
      `machine ${host}\n  login bob\n  password %s\n`,
      `machine ${host} login bob password %s`,
      'default login anonymous password %s',
      `machine ${host}\tlogin bob\tpassword "%s"`,
    ], pw, 'secret_assignment');
    expectUntouched(['Enter your login name and password below.', 'the machine password is rotated weekly', 'password policy: see the wiki']);
  });

  it('docker config.json "auth": base64 taken whole; an auth object is walked; a method name is kept', () => {
    const auth = b64auth();
    const docker = JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth } } });
    const { out, summary } = redactText(docker);
    expect(JSON.parse(out)).to.deep.equal({ auths: { 'https://index.docker.io/v1/': { auth: '[REDACTED]' } } });
    expect(counts(summary)).to.deep.equal({ token: 1 });
    const token = pw();
    const nested = JSON.stringify({ auth: { token, type: 'bearer' }, mode: 'auth' });
    expect(JSON.parse(redactText(nested).out)).to.deep.equal({ auth: { token: '[REDACTED]', type: 'bearer' }, mode: 'auth' });
    expectEach(['//registry.example.com/:_auth=%s', 'auth: %s', '--auth %s'], b64auth, 'secret_assignment');
    expectUntouched(['auth: basic\nproxy_auth: none', '{"auth": "oauth2", "auth_type": "basic"}', '{"auth": null, "basic_auth": false}']);
  });

  it("PHP and Ruby hashes: 'api_key' => '…', :api_key => \"…\", and Perl's bare name before a quoted value", () => {
    const key = (): string => body(rand, ALNUM, 32);
    expectEach([
      "$config = ['api_key' => '%s', 'region' => 'eu'];",
      '"password" => "%s",',
      '{ :api_key => "%s", :region => "eu" }',
      "my %cfg = (secret => '%s');",
    ], key, 'secret_assignment');
    expectUntouched(['const check = (password) => password.length > 8;', 'const f = token => token.trim();', "'password' => env('DB_PASSWORD'),", "'api_key' => $apiKey,"]);
  });

  it('YAML block scalars: the indented lines under password: >- or | go, the keys after stay', () => {
    expectEach(['db:\n  password: >-\n    %s\n  host: db\n', 'password: |\n  %s\nuser: app', '- name: x\n  secret: |+\n      %s\n\n  other: 1'], pw, 'secret_assignment');
    const [a, b] = [pw(), pw()];
    const text = `tls:\n  private_key: |\n    ${a}\n\n    ${b}\n  cert: c.pem\n`;
    const { out, summary } = redactText(text);
    expect(out).to.equal('tls:\n  private_key: |\n    [REDACTED]\n  cert: c.pem\n');
    expect(summary.total).to.equal(1);
    expectUntouched(['description: >-\n  a folded\n  paragraph\n', 'password: |\nnext: 1\n', 'The password: | is a pipe in prose']);
  });
});

describe('secret_assignment: passwords on command lines', () => {
  it('curl -u user:PASSWORD in every spelling; the user stays', () => {
    expectEach(['curl -u bob:%s https://api.example.com/v1/me', "curl -s -u 'bob:%s' https://x", 'curl --user bob:%s https://x', 'curl --user=bob:%s https://x', 'curl -ubob:%s https://x', '"cmd": "curl -u bob:%s https://x"'], pw, 'secret_assignment', 'command_password');
    expectUntouched(['docker run -u 1000:1000 img', 'git push -u origin main; sort -u x; set -u', 'curl -u bob https://x', 'curl -u "$USER:$PASS" https://x', 'curl --user-agent a:b https://x']);
  });

  it('mysql and mariadb -pPASSWORD (glued), sshpass -p PASSWORD', () => {
    expectEach(['mysql -u root -p%s app < dump.sql', "mysqldump -uroot -p'%s' app", 'mariadb-dump -h db -p%s app', "sshpass -p '%s' ssh deploy@host", 'sshpass -p %s scp a b'], pw, 'secret_assignment', 'command_password');
    expectUntouched(['mysql -p app', 'mkdir -p a/b && cp -p x y', 'psql -p 5432 -h db', 'mysql -uroot -p$MYSQL_ROOT_PASSWORD app', 'ssh -p 2222 host']);
  });

  it('docker, podman and helm registry login -p PASSWORD (spaced); the user stays', () => {
    expectEach(['docker login -u jane -p %s registry.example.com', 'podman login --username jane -p %s quay.io', 'cd x && helm registry login -u u -p "%s" ghcr.io', 'nerdctl.exe login -p %s'], pw, 'secret_assignment', 'command_password');
    expectUntouched(['docker run -p 8080:80 nginx', 'docker login -u jane registry.example.com', 'docker compose up -p proj', 'helm install -p x']);
  });

  it('a -p or -u that is not a password flag leaves the flags after its dash to the other forms', () => {
    expectEach(['java -jar app.jar -password=%s', 'mysql --password=%s -h db', 'tool -user_token=%s', 'x --pwd_pass %s'], pw, 'secret_assignment');
  });
});

describe('elements, encoded query strings and remote homes', () => {
  it('XML and HTML elements named like a secret: the text between the tags goes', () => {
    expectEach(['<password>%s</password>', '  <client_secret> %s </client_secret>\n', '<apiKey>%s</apiKey>', '<settings><db_password>%s</db_password></settings>'], pw, 'secret_assignment');
  });

  it('a query string URL-encoded inside another URL: token%3D… up to the next encoded separator', () => {
    const token = (): string => body(rand, ALNUM, 28);
    expectEach(['https://app.example.com/login?next=%2Fcb%3Faccess_token%3D%s%26state%3D1', 'redirect_uri=https%3A%2F%2Fx.example.com%2F%3Fapi_key%3D%s', 'u?x=1%26client_secret%3d%s'], token, 'secret_assignment');
  });

  it('home_path: /home/<user> after a remote host (VS Code remote, ssh, sftp) becomes /~, the host kept', () => {
    const cases: [string, string][] = [
      ['vscode-remote://wsl+Ubuntu/home/janedoe/project/x.ts', 'vscode-remote://wsl+Ubuntu/~/project/x.ts'],
      ['vscode-remote://ssh-remote+build-box/home/jane/src', 'vscode-remote://ssh-remote+build-box/~/src'],
      ['sftp://jane@box.example.com:22/home/jane/notes.txt', 'sftp://jane@box.example.com:22/~/notes.txt'],
    ];
    for (const [text, expected] of cases) {
      const { out, summary } = redactText(text);
      expect(out, text).to.equal(expected);
      expect(counts(summary), text).to.deep.equal({ home_path: 1 });
    }
  });
});

describe('url_password: a token as the URL user', () => {
  it('https://TOKEN:x-oauth-basic@host and https://TOKEN@host: the token goes, x-oauth-basic and the host stay', () => {
    for (const token of [hex(rand, 40), body(rand, ALNUM, 36)]) {
      const cases: [string, string][] = [
        [`git clone https://${token}:x-oauth-basic@github.com/acme/app.git`, 'git clone https://[REDACTED]:x-oauth-basic@github.com/acme/app.git'],
        [`origin https://${token}@github.com/acme/app.git (fetch)`, 'origin https://[REDACTED]@github.com/acme/app.git (fetch)'],
        [`https://${token}:${body(rand, ALNUM, 16)}@git.example.com/x`, 'https://[REDACTED]@git.example.com/x'],
      ];
      for (const [text, expected] of cases) {
        const { out, summary } = redactText(text);
        expect(out, text).to.equal(expected);
        expect(counts(summary), text).to.deep.equal({ url_password: 1 });
        expect(detectorsOf(text), text).to.deep.equal(['url_token']);
        expect(detectorsOf(out), out).to.deep.equal([]);
        expect(detectorsOf(redactText(text, { placeholder: 'typed' }).out)).to.deep.equal([]);
      }
    }
    const password = pw();
    expect(redactText(`https://x-access-token:${password}@github.com/a`).out).to.equal('https://x-access-token:[REDACTED]@github.com/a');
    expectUntouched(['https://user@example.com/ ssh://git@github.com/acme/app.git https://deploy-bot@example.com', `https://build${'x'.repeat(20)}@example.com/`]);
  });
});

describe('structure rules: mailto: links and home folders with spaces', () => {
  it('email: the address inside a mailto: link is masked; URL users after ":" still are not', () => {
    const address = `gina.${chars(rand, LOWER, 8)}@example.com`;
    for (const text of [`Write to [support](mailto:${address}) or call.`, `<a href="MAILTO:${address}?subject=hi">`]) {
      const { out, summary } = redactText(text);
      expect(out, text).to.equal(text.replace(address, '[REDACTED]'));
      expect(counts(summary)).to.deep.equal({ email: 1 });
    }
    expectUntouched(['git@github.com:acme/api.git ssh://git@host/x']);
  });

  it('home_path: /Users/John Smith/… and C:\\Users\\John Smith\\… become ~ whole', () => {
    const name = `John ${chars(rand, LOWER, 7)}`;
    const three = `Jane Q ${chars(rand, LOWER, 5)}`;
    const cases: [string, string][] = [
      [`Opened /Users/${name}/Documents/report.md`, 'Opened ~/Documents/report.md'],
      [`C:\\Users\\${name}\\AppData\\Local`, '~\\AppData\\Local'],
      [`"C:\\\\Users\\\\${name}\\\\repo"`, '"~\\\\repo"'],
      [`cd "/Users/${three}" && ls`, 'cd "~" && ls'],
      [`/Users/${three}/src`, '~/src'],
    ];
    for (const [text, expected] of cases) {
      const { out, summary } = redactText(text);
      expect(out, text).to.equal(expected);
      expect(counts(summary), text).to.deep.equal({ home_path: 1 });
    }
  });

  it('home_path: prose after a path and Linux homes do not join the user name', () => {
    const cases: [string, string][] = [
      ['ls /Users/bob and then src/x', 'ls ~ and then src/x'],
      ['ls /Users/bob /tmp/x', 'ls ~ /tmp/x'],
      ['see /Users/bob in the docs/', 'see ~ in the docs/'],
      ['/home/bob smith/x', '~ smith/x'],
      ['/Users/a b c d/x', '~ b c d/x'],
    ];
    for (const [text, expected] of cases) expect(redactText(text).out, text).to.equal(expected);
  });
});

describe('leak detector: the same shapes, by its own means', () => {
  it('finds each in raw text and in JSON-escaped text, and is quiet on the redacted output', () => {
    const shapes: [string, string][] = [
      [`DB_USER=app\nDB_PASS=${pw()}\n`, 'secret_assignment'],
      [`MYSQL_PWD=${pw()}`, 'secret_assignment'],
      [`machine h.example.com\n  login bob\n  password ${pw()}\n`, 'netrc_password'],
      [JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: b64auth() } } }), 'secret_assignment'],
      [`db:\n  password: >-\n    ${pw()}\n  host: db\n`, 'secret_assignment'],
      [`$config = ['api_key' => '${body(rand, ALNUM, 32)}'];`, 'secret_assignment'],
      [`git clone https://${hex(rand, 40)}:x-oauth-basic@github.com/a/b.git`, 'url_token'],
    ];
    for (const [text, name] of shapes) {
      expect(detectorsOf(text), text).to.deep.equal([name]);
      expect(detectorsOf(JSON.stringify({ content: text })), text).to.deep.equal([name]);
      expect(detectorsOf(JSON.stringify({ content: redactText(text).out })), text).to.deep.equal([]);
    }
  });

  it('stays quiet on near misses of the new shapes', () => {
    const quiet = [
      'Enter your login and password below', 'auth: basic\n"auth": "oauth2"', 'mysql -p app; docker run -u 1000:1000 x; mkdir -p a',
      'https://[REDACTED:github_token]@github.com/a https://[REDACTED:url_password:0123456789ab]:x-oauth-basic@github.com/b',
      `commit ${hex(rand, 40)} https://user@example.com/ password_changed_at: 2026-01-05`,
    ];
    for (const text of quiet) expect(detector.scan(text), text).to.deep.equal([]);
  });
});

// No clock here (speed is the bench's job): a matcher that backtracked catastrophically on these
// inputs would not finish, and mocha's timeout would fail the test.
describe('the new matchers stay bounded', () => {
  const MIB = 1024 * 1024;
  it('1 MiB of each new anchor, repeated, is redacted, growing it by at most 1 MiB', () => {
    const units = [' -u', ' -p', '--user', 'curl -u a:', 'curl -u ', 'mysql -p', 'sshpass -p ', 'password ', 'login x password ', 'password: |\n', '  password: >\n   x\n', "'api_key' => ", ':api_key => ', 'mailto:a@b.co ', '/Users/a b', '/Users/a b/', '://aaaaaaaaaaaaaaaaaaaaaaaa1@', 'DB_PASS=', 'pwd ', '"auth":{'];
    for (const unit of units) {
      const value = unit.repeat(Math.ceil(MIB / unit.length));
      const { out } = redactText(value);
      expect(out.length, unit).to.be.above(0).and.at.most(value.length + MIB);
    }
  });

  it('1 MiB of each new detector anchor, repeated, is scanned to the end: no hit in the filler, the one token after it found where it is', () => {
    const units = ['curl ', 'curl -u a:', 'mysql -p', 'curlcurl', 'password ', 'login password ', '_pass=', 'auth:', "'api_key' => ", 'password: |\\n  ', 'https://aaaaaaaaaaaaaaaaaaaaaaaa1@'];
    for (const unit of units) {
      const filler = unit.repeat(Math.ceil(MIB / unit.length));
      expect(detector.scan(filler), unit).to.deep.equal([]);
      // A GitHub token after the filler, made here: found whole, at its offset, past the 1 MiB.
      const token = `ghp_${chars(rand, ALNUM, 36)}`;
      const text = `${filler}\n${token}\n`;
      const hits = detector.scan(text).filter((h) => h.detector === 'vendor_token');
      expect(hits.map((h) => [h.start, h.end]), unit).to.deep.equal([[filler.length + 1, filler.length + 1 + token.length]]);
    }
  });
});
