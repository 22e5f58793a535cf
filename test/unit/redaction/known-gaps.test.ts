/**
 * Items closed from lib/redaction/README.md's "Known gaps": secrets that passed both the rules
 * and the leak scan in an agent's chat history. Every secret is generated here.
 */
import { ALNUM, body, seeded } from './fakes.js';
import { expectEach, expectUntouched } from './helpers.js';

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
