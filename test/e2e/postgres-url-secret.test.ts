import { expect } from 'chai';
import { parsePgUrl } from '../../lib/postgres/connection.js';
import { runCli } from '../support/cli.js';
import { removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

// An unescaped '/' in the password: the authority ends at it, and the password lands in the "database name".
const MALFORMED = 'postgresql://agent:5432/Secr3tPW@127.0.0.1:55432/ws';
// A '#' or '?' after leading digits: host 'agent', port 2024, and the password in a fragment or a query.
const URLS = [
  MALFORMED,
  'postgresql://agent:2024#Secr3tPW!@127.0.0.1:55432/ws',
  'postgresql://agent:55433?Secr3tPW@127.0.0.1:55432/ws',
  // A plain word and '=' after the '?': the query's key is no libpq parameter.
  'postgresql://agent:55433?Secret=Secr3tPW@127.0.0.1:55432/ws',
];

describe('e2e: a database.url that cannot be read as meant is never shown', function () {
  let ws: SeededWorkspace;
  before(async () => {
    ws = await createWorkspace({ database: 'none', config: 'database:\n  type: postgres\n' });
  });
  after(() => removeTempDir(ws?.dir));

  it('parsePgUrl refuses it with ACODE-CFG-005 saying where it came from and how to escape, without the URL', () => {
    for (const url of URLS) {
      let thrown: unknown;
      try {
        parsePgUrl(url);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, url).to.include({
        code: 'ACODE-CFG-005',
        message: "Invalid config value: database.url (or ACODE_DATABASE_URL) cannot be read as a URL: an unescaped '/', '@', '#' or '?' ends its host part early, as when a password holds them (the URL is not shown: it may hold one)",
        hint: "write '/' as %2F, '@' as %40, '#' as %23 and '?' as %3F in the password (and the database name): postgresql://user:pa%2Fss@host:5432/database",
      });
    }
  });

  it("a user name with '@' in the query (?user=admin@srv, Azure's form) and parameters of a newer libpq or of node-postgres are read, not refused", () => {
    expect(parsePgUrl('postgresql://127.0.0.1:55432/ws?user=admin@srv&sslmode=disable').database).to.equal('ws');
    for (const query of ['sslnegotiation=direct', 'min_protocol_version=3.0', 'ssl=true', 'oauth_client_id=acode']) {
      expect(parsePgUrl(`postgresql://agent@127.0.0.1:55432/ws?${query}`).database, query).to.equal('ws');
    }
  });

  // backup's Source and restore's Target lines come from databaseLabel(), before parsePgUrl runs.
  for (const args of [['db', 'export', '--format', 'json', '--output', '-'], ['db', 'backup', 'list'], ['db', 'backup'], ['db', 'restore', 'acode_backup_20240101_000000.dump', '--yes'], ['db', 'backup', '--json']]) {
    for (const url of URLS) {
      it(`acode ${args.join(' ')} with ${url.replace('Secr3tPW', '…')}: the password appears nowhere in its output`, async () => {
        const r = await runCli(args, { workspace: ws.dir, env: { ACODE_DATABASE_URL: url } });
        expect(`${r.stdout}${r.stderr}`).not.to.include('Secr3tPW');
        if (args[1] === 'export' || (args[1] === 'backup' && args[2] !== 'list')) {
          expect(r.code, r.stderr).to.equal(1);
          expect(r.stderr).to.include('ACODE-CFG-005');
        }
      });
    }
  }
});
