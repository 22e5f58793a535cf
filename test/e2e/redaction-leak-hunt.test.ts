/**
 * Places agents leave secrets that are easy to miss: each probe is one chat message holding one
 * generated secret in a shape taken from a real tool's file or command line. One default-redacted
 * JSON export; each probe checks that no 12-character fragment of its secret survives anywhere.
 */
import path from 'node:path';
import { expect } from 'chai';
import { ALNUM, body, chars, fakePassword, hex, seeded } from '../unit/redaction/fakes.js';
import type { CliResult } from '../support/cli.js';
import { cliIn, plantWorkspace, type Fixture, type PlantedWorkspace, type RowSpec } from '../support/redaction-fixture.js';
import { expectOk } from '../support/redaction-expect.js';
import { findFragments, readExport, type ExportContents } from '../support/redaction-read.js';
import { removeTempDir } from '../support/temp.js';

const rand = seeded(2718);

interface Probe {
  readonly label: string;
  readonly secret: string;
  readonly text: string;
  /** Why it leaks today and what would fix it: the test is skipped as a BUG. */
  readonly bug?: string;
  /** The exact redacted text, where it is certain. */
  readonly expected?: string;
}

const pw = (): string => fakePassword(rand);

function probes(): Probe[] {
  const list: Probe[] = [];
  const add = (label: string, make: (secret: string) => string, secret: string, extra: Partial<Probe> = {}): void => {
    list.push({ label, secret, text: make(secret), ...extra });
  };
  // Shapes the rules already cover, proven through the whole CLI.
  add('PGPASSWORD=… before a command', (s) => `PGPASSWORD=${s} psql -h db -U app`, pw());
  add('export DB_PASSWORD="…" in a shell profile', (s) => `export DB_PASSWORD="${s}"`, pw());
  add('Cookie: header', (s) => `Cookie: session=${s}; theme=dark`, body(rand, ALNUM, 32));
  add('X-Api-Key: header in curl', (s) => `curl -H 'X-Api-Key: ${s}' https://api.example.com`, body(rand, ALNUM, 32));
  add('npm _authToken (a UUID token) in .npmrc', (s) => `//registry.npmjs.org/:_authToken=${s}`, `${hex(rand, 8)}-${hex(rand, 4)}-4${hex(rand, 3)}-a${hex(rand, 3)}-${hex(rand, 12)}`);
  add('kubeconfig client-key-data', (s) => `users:\n- name: admin\n  user:\n    client-key-data: ${s}\n`, `LS0tLS1CRUdJTi${body(rand, ALNUM, 80)}`);
  add('redis://:password@ (no user)', (s) => `REDIS_URL=redis://:${s}@cache:6379/0`, pw());
  add('mongodb+srv URL with options', (s) => `mongodb+srv://app:${s}@cluster0.example.net/?retryWrites=true`, pw());
  add('--password flag', (s) => `pg_dump --password ${s} app`, pw());
  add('PowerShell $env:API_KEY', (s) => `$env:API_KEY = "${s}"`, body(rand, ALNUM, 32));
  add('a password in JSON nested ten levels deep', (s) => `{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"password":"${s}"}}}}}}}}}}`, pw());
  add('a password in JSON inside a JSON string inside a JSON string', (s) => JSON.stringify({ out: JSON.stringify({ inner: JSON.stringify({ password: s }) }) }), pw());
  add('GitLab PRIVATE-TOKEN header', (s) => `curl --header "PRIVATE-TOKEN: ${s}" https://gitlab.example.com/api/v4/projects`, body(rand, ALNUM, 20));
  add('Basic auth header', (s) => `Authorization: Basic ${s}`, Buffer.from(`bob:${pw()}`).toString('base64'));
  // Shapes the leak hunt found past the rules and the leak scan, now covered by both (paths and e-mail by the rules).
  add('.env DB_PASS=… (PASS, not PASSWORD)', (s) => `DB_HOST=db\nDB_USER=app\nDB_PASS=${s}\n`, pw());
  add('.netrc "password <value>"', (s) => `machine api.github.com\n  login bob\n  password ${s}\n`, pw());
  add('Docker config.json "auth" (base64 of user:password)', (s) => `{"auths":{"https://index.docker.io/v1/":{"auth":"${s}"}}}`, Buffer.from(`bob:${pw()}`).toString('base64'));
  add('curl -u user:password', (s) => `curl -u bob:${s} https://api.example.com/v1/me`, pw());
  add('YAML block scalar password: >-', (s) => `db:\n  password: >-\n    ${s}\n  host: db\n`, pw());
  add('mailto: link', (s) => `Write to [support](mailto:${s}) or call.`, `gina.${chars(rand, 'abcdefghijklmnopqrstuvwxyz', 8)}@example.com`);
  add("PHP/Ruby hash 'api_key' => '…'", (s) => `$config = ['api_key' => '${s}', 'region' => 'eu'];`, body(rand, ALNUM, 32));
  add('mysql -p<password>', (s) => `mysql -u root -p${s} app < dump.sql`, pw());
  add('git remote with a legacy 40-hex token as the user', (s) => `git clone https://${s}:x-oauth-basic@github.com/acme/app.git`, hex(rand, 40));
  add('a home folder with a space in the user name', (s) => `Opened /Users/${s}/Documents/report.md`, `John ${chars(rand, 'abcdefghijklmnopqrstuvwxyz', 7)}`, {
    expected: 'Opened ~/Documents/report.md',
  });
  // Shapes a red-team review found past the rules and the leak scan (2026-11-27), now covered by both.
  add('a GitHub token after a literal \\n in a log line that is not JSON', (s) => `DEBUG tool_result={"exit":0,"stdout":"Logged in\\n${s}\\n"`, `ghp_${body(rand, ALNUM, 36)}`);
  add('an OpenAI key after %20 in a URL', (s) => `https://x.io/search?q=key%20${s}`, `sk-proj-${body(rand, ALNUM, 48)}`);
  add("the AWS console's accessKeys.csv: the secret key beside its id", (s) => `Access key ID,Secret access key\nAKIA${chars(rand, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)},${s}\n`, `${body(rand, ALNUM, 20)}/${body(rand, ALNUM, 19)}`);
  add('a .env password holding & ; , )', (s) => `DB_HOST=db\nDB_PASSWORD=${s}\n`, `${body(rand, ALNUM, 6)}&${body(rand, ALNUM, 5)};${body(rand, ALNUM, 5)},${body(rand, ALNUM, 4)})x9`);
  add('a connection URL whose password holds /', (s) => `mysql://root:${s}@db:3306/app`, `${body(rand, ALNUM, 8)}/${body(rand, ALNUM, 10)}`, { expected: 'mysql://root:[REDACTED]@db:3306/app' });
  add("nodemailer's auth: { pass }", (s) => `{"transport":{"auth":{"user":"me","pass":"${s}"}}}`, `${chars(rand, 'abcdefghijklmnopqrstuvwxyz', 4)} ${chars(rand, 'abcdefghijklmnopqrstuvwxyz', 4)} ${chars(rand, 'abcdefghijklmnopqrstuvwxyz', 4)} ${chars(rand, 'abcdefghijklmnopqrstuvwxyz', 4)}`);
  add('a Git Bash home folder', (s) => `cd /c/Users/${s}/projects`, `j${chars(rand, 'abcdefghijklmnopqrstuvwxyz', 9)}`, { expected: 'cd ~/projects' });
  // Shapes the same review listed as open (2026-11-27), now covered by both.
  add('a literal piped into docker login --password-stdin', (s) => `echo "${s}" | docker login -u bob --password-stdin ghcr.io`, pw());
  add('htpasswd -b FILE USER PASSWORD', (s) => `sudo htpasswd -b -c /etc/nginx/.htpasswd admin ${s}`, pw(), { expected: 'sudo htpasswd -b -c /etc/nginx/.htpasswd admin [REDACTED]' });
  add("Python's tuple assignment: the password is the second item", (s) => `username, password = "admin", "${s}"`, pw(), { expected: 'username, password = "admin", "[REDACTED]"' });
  // A second red-team review (2026-11-27): shapes that passed with exit 0, now covered.
  const symbols = (): string => `${body(rand, ALNUM, 6)}&${body(rand, ALNUM, 5)};${body(rand, ALNUM, 5)}|${body(rand, ALNUM, 4)}`;
  add("docker inspect's Env: a quoted NAME=value holding & ; |", (s) => `[{"Config":{"Env":["POSTGRES_PASSWORD=${s}","PATH=/usr/bin"]}}]`, symbols());
  add('docker run -e "NAME=…"', (s) => `docker run -e "MYSQL_ROOT_PASSWORD=${s}" -d mysql:8`, symbols(), { expected: 'docker run -e "MYSQL_ROOT_PASSWORD=[REDACTED]" -d mysql:8' });
  add('a markdown bold label', (s) => `- **Password:** \`${s}\``, pw(), { expected: '- **Password:** `[REDACTED]`' });
  add("aws configure's prompt", (s) => `AWS Secret Access Key [None]: ${s}`, `${body(rand, ALNUM, 20)}/${body(rand, ALNUM, 19)}`, { expected: 'AWS Secret Access Key [None]: [REDACTED]' });
  add('an OpenRouter key in prose', (s) => `router key ${s} works`, `sk-or-v1-${hex(rand, 64)}`, { expected: 'router key [REDACTED] works' });
  add('a markdown table row', (s) => `| DB_PASSWORD | ${s} |`, pw(), { expected: '| DB_PASSWORD | [REDACTED] |' });
  add('a CSV header, then rows', (s) => `username,password\nbob,${s}\n`, body(rand, ALNUM, 20), { expected: 'username,password\nbob,[REDACTED]\n' });
  add("Rust's String::from", (s) => `let api_key = String::from("${s}");`, body(rand, ALNUM, 24), { expected: 'let api_key = String::from("[REDACTED]");' });
  add('a setter call', (s) => `ds.setPassword("${s}");`, pw(), { expected: 'ds.setPassword("[REDACTED]");' });
  // The second leak-scan pass's review (2026-11-28): forms the rules missed, now taken and read by the scan too.
  add("sqlcmd's password in an agent's argument array", (s) => `{"tool":"shell","argv":["sqlcmd","-S","db","-U","sa","-P","${s}"]}`, pw());
  add('ldapsearch -w in an argument array spread over lines', (s) => `args = [\n  "ldapsearch",\n  "-x",\n  "-w",\n  "${s}"\n]`, pw(), { expected: 'args = [\n  "ldapsearch",\n  "-x",\n  "-w",\n  "[REDACTED]"\n]' });
  add("PowerShell's -Password \"…\"", (s) => `Connect-Thing -User bob -Password "${s}"`, pw(), { expected: 'Connect-Thing -User bob -Password "[REDACTED]"' });
  add("Oracle's unquoted IDENTIFIED BY", (s) => `CREATE USER app IDENTIFIED BY ${s};`, `${body(rand, ALNUM, 14)}_9`, { expected: 'CREATE USER app IDENTIFIED BY [REDACTED];' });
  // Forms the second pass's review listed as open (2026-11-28), now taken and read by the scan too.
  add('a literal piped into wrangler secret put', (s) => `echo "${s}" | wrangler secret put API_TOKEN`, pw(), { expected: 'echo "[REDACTED]" | wrangler secret put API_TOKEN' });
  add('a literal piped into vercel env add', (s) => `printf '%s' ${s} | vercel env add DB_PASSWORD production`, pw(), { expected: "printf '%s' [REDACTED] | vercel env add DB_PASSWORD production" });
  add("aws ssm put-parameter's SecureString --value", (s) => `aws ssm put-parameter --name /prod/app --type SecureString --value ${s}`, pw(), { expected: 'aws ssm put-parameter --name /prod/app --type SecureString --value [REDACTED]' });
  add('a label of words before an arrow', (s) => `API key → ${s}`, body(rand, ALNUM, 24), { expected: 'API key → [REDACTED]' });
  add('a JSON-escaped argument array in a log line', (s) => `tool_call argv=[\\"zip\\", \\"-P\\", \\"${s}\\", \\"out.zip\\"]`, pw(), { expected: 'tool_call argv=[\\"zip\\", \\"-P\\", \\"[REDACTED]\\", \\"out.zip\\"]' });
  return list;
}

describe('e2e: leak hunt — secrets in the shapes agents paste, through a default-redacted export', function () {
  const list = probes();
  let ws: PlantedWorkspace;
  let contents: ExportContents;
  let run: CliResult;

  before(async () => {
    const rows: RowSpec[] = list.map((p, i) => ({ table: 'probes', key: 'id', values: { id: i + 1, label: p.label, body: p.text } }));
    const fixture: Fixture = { rows: [], secrets: Object.fromEntries(list.map((p) => [p.label, p.secret])), nearMisses: [], homes: [] };
    ws = await plantWorkspace({ fixture, rows, extraSql: ['CREATE TABLE probes (id INTEGER PRIMARY KEY, label TEXT NOT NULL, body TEXT NOT NULL)'] });
    // Exit 0 also says the leak scan let every probe through: what the rules miss here, it misses too.
    run = await cliIn(ws.dir, ['db', 'export', '--format', 'json', '--tables', 'probes', '--output', 'probes.json']);
    expectOk(run);
    contents = await readExport(path.join(ws.dir, 'probes.json'));
  });
  after(() => removeTempDir(ws?.dir));

  for (const [i, p] of list.entries()) {
    (p.bug ? it.skip : it)(`${p.bug ? 'BUG: LEAK: ' : ''}${p.label}${p.bug ? ` — ${p.bug}` : ''}`, () => {
      const row = contents.tables['probes']!.find((x) => x['id'] === i + 1)!;
      const texts = [{ where: 'the probe row', text: String(row['body']) }, ...contents.texts.map((text, k) => ({ where: `export text #${k}`, text })), { where: 'stdout', text: run.stdout }, { where: 'stderr', text: run.stderr }];
      expect(findFragments(texts, { [p.label]: p.secret }).map((l) => `${l.fragment} in ${l.where}`)).to.deep.equal([]);
      if (p.expected) expect(row['body']).to.equal(p.expected);
      else expect(String(row['body'])).to.match(/\[REDACTED\]/);
    });
  }
});
