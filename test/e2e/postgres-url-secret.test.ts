import { expect } from 'chai';
import { parsePgUrl } from '../../lib/postgres/connection.js';
import { runCli } from '../support/cli.js';
import { removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

// An unescaped '/' in the password: the authority ends at it, and the password lands in the "database name".
const MALFORMED = 'postgresql://agent:5432/Secr3tPW@127.0.0.1:55432/ws';

describe('e2e: a database.url that cannot be read as meant is never shown', function () {
  let ws: SeededWorkspace;
  before(async () => {
    ws = await createWorkspace({ database: 'none', config: 'database:\n  type: postgres\n' });
  });
  after(() => removeTempDir(ws?.dir));

  it('parsePgUrl refuses it with ACODE-CFG-005 saying where it came from and how to escape, without the URL', () => {
    let thrown: unknown;
    try {
      parsePgUrl(MALFORMED);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).to.include({
      code: 'ACODE-CFG-005',
      message: "Invalid config value: database.url (or ACODE_DATABASE_URL) cannot be read as a URL: its database name holds an unescaped '/' or '@', as when a password holds them (the URL is not shown: it may hold one)",
      hint: "write a '/' as %2F and an '@' as %40 in the password (and the database name): postgresql://user:pa%2Fss@host:5432/database",
    });
  });

  // backup's Source and restore's Target lines come from databaseLabel(), before parsePgUrl runs.
  for (const args of [['db', 'export', '--format', 'json', '--output', '-'], ['db', 'backup', 'list'], ['db', 'backup'], ['db', 'restore', 'acode_backup_20240101_000000.dump', '--yes']]) {
    it(`acode ${args.join(' ')}: the password appears nowhere in its output`, async () => {
      const r = await runCli(args, { workspace: ws.dir, env: { ACODE_DATABASE_URL: MALFORMED } });
      expect(`${r.stdout}${r.stderr}`).not.to.include('Secr3tPW');
      if (args[1] === 'export' || (args[1] === 'backup' && args.length === 2)) {
        expect(r.code, r.stderr).to.equal(1);
        expect(r.stderr).to.include('ACODE-CFG-005');
      }
    });
  }
});
