/**
 * Forms the second leak-scan pass found past the rules (2026-11-28): the login commands' argument
 * arrays (`["sqlcmd", …, "-P", "…"]`, `["ldapsearch", …, "-w", "…"]`, an agent's tool call or
 * subprocess list), single-dash password flags in capitals (`-PASSWORD …`, PowerShell's
 * `-Password "…"`) and Oracle's unquoted `CREATE USER app IDENTIFIED BY …`. Each passed both the
 * rules and the leak scan, or failed the export.
 */
import { expect } from 'chai';
import { fakePassword, seeded } from './fakes.js';
import { detectorsOf, expectEach, expectUntouched, redactText } from './helpers.js';

const rand = seeded(20261128);
const make = (): string => fakePassword(rand);

describe('login commands as argument arrays, single-dash password flags in capitals, Oracle\'s IDENTIFIED BY', () => {
  it('takes the password of sqlcmd, bcp, the OpenLDAP tools, smbclient and FreeRDP given as an argument array, on one line or several', () => {
    expectEach([
      '["sqlcmd", "-S", "db", "-U", "sa", "-P", "%s"]',
      "subprocess.run(['bcp', 'dbo.t', 'out', 'f.dat', '-P', '%s'])",
      '["ldapsearch", "-x", "-D", "cn=admin", "-w", "%s"]',
      '[\n  "ldapmodify",\n  "-x",\n  "-w",\n  "%s"\n]',
      '[\n  "sqlcmd",\n  "-P",\n  "%s"\n]',
      'execFileSync("ldapsearch", [\n  "-x",\n  "-w", "%s"])',
      'execFileSync("sqlcmd", ["-S", "db", "-P", "%s"])',
      '["sudo", "ldapwhoami", "-w", "%s"]',
      '{"command": "sqlcmd", "args": ["-S", "db", "-P", "%s"]}',
      'args = ["smbclient",\n "//h/s", "-U", "bob%%s"]', // the first %s is the secret's
      '["xfreerdp", "/v:host",\n "/u:bob", "/p:%s"]',
    ], make, 'secret_assignment', 'command_password');
  });

  it('takes a single-dash password flag\'s value in any case (-PASSWORD, PowerShell\'s -Password "…", -STOREPASS)', () => {
    expectEach([
      'keytool -list -keystore k.jks -PASSWORD %s',
      'Connect-Service -User bob -Password "%s"',
      "New-Thing -Password '%s' -Force",
      'keytool -list -STOREPASS %s',
    ], make, 'secret_assignment');
  });

  it('keeps what is no password: other commands\' arrays, usage, variables and subexpressions after -Password', () => {
    expectUntouched([
      '["ls", "-w", "80"]',
      '["sqlcmd", "-?"]',
      '["sqlcmd", "-S", "db", "-P", "$DB_PASSWORD"]',
      'the "sqlcmd", "-P" flags',
      'Set-LocalUser -Name bob -Password $Password',
      'New-LocalUser bob -Password (ConvertTo-SecureString $x -AsPlainText -Force)',
      'The -Password parameter takes a SecureString',
      'use -Password to set it',
    ]);
  });

  it('takes Oracle\'s unquoted password after IDENTIFIED BY, for a user or a database link, and keeps its other forms and prose', () => {
    expectEach([
      'CREATE USER app IDENTIFIED BY %s;',
      'ALTER USER app IDENTIFIED BY %s ACCOUNT UNLOCK;',
      'CREATE USER c##app IDENTIFIED BY %s\nDEFAULT TABLESPACE users;',
      'CREATE DATABASE LINK l CONNECT TO scott IDENTIFIED BY %s USING \'db\';',
    ], () => fakePassword(rand).replace(/[!#%^*]/g, '_'), 'secret_assignment', 'secret_assignment');
    expectUntouched([
      'CREATE USER app IDENTIFIED BY &pw;',
      'CREATE USER app IDENTIFIED BY :pw;',
      'CREATE USER app IDENTIFIED EXTERNALLY;',
      'CREATE USER app IDENTIFIED BY <password>;',
      'CREATE USER app IDENTIFIED BY password;',
      'each user identified by email gets a row',
    ]);
  });

  it('takes a label\'s value after a CLI prompt\'s mark (wrangler\'s and inquirer\'s `?`, clack\'s `◆` and `│`; the leak scan failed some closed)', () => {
    expectEach([
      '? Enter a secret value: %s',
      '? Enter your API key: %s',
      '\u25c6 Enter a secret value: %s',
      '\u2502 Paste your API key: %s',
    ], make, 'labeled_secret');
    expectUntouched(['? Which region: eu-west-1', '? Project name: my-app', '\u2714 Password: ********']);
  });

  it('takes the value the secret stores\' commands set by name: `npm set //registry…/:_authToken …`, `doppler secrets set NAME …`, `netlify env:set NAME …`', () => {
    expectEach([
      'npm set //registry.npmjs.org/:_authToken %s',
      'doppler secrets set API_KEY %s',
      'netlify env:set STRIPE_SECRET_KEY %s',
    ], make, 'secret_assignment');
    expectUntouched(['doppler secrets set API_KEY', 'netlify env:set API_KEY "$STRIPE_KEY"', 'npm set fund false', 'doppler secrets set DEBUG true']);
  });

  it('a -Password given a subexpression keeps the subexpression and takes the literal inside it', () => {
    const secret = make();
    const text = `New-LocalUser bob -Password (ConvertTo-SecureString "${secret}" -AsPlainText -Force)`;
    const { out } = redactText(text);
    expect(out).to.equal(text.replace(secret, '[REDACTED]'));
    expect(detectorsOf(JSON.stringify({ c: out }))).to.deep.equal([]);
  });
});
