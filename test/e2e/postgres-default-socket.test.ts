import { statSync } from 'node:fs';
import { expect } from 'chai';
import { connectPg, parsePgUrl } from '../../lib/postgres/connection.js';
import { lines, runCli } from '../support/cli.js';
import { startOwnPostgres, type OwnPostgres } from '../support/postgres.js';
import { removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const SOCKETS = '/var/run/postgresql';

function isDir(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

// A server whose socket is in libpq's default folder (Debian's), reachable over TCP only with a password.
describe('e2e: a database.url with no host reaches the default Unix socket from pg_dump and node-postgres alike', function () {
  let pg: OwnPostgres | null = null;
  let ws: SeededWorkspace;
  let url: string;

  before(async function () {
    if (!isDir(SOCKETS) || process.env['PGHOST']) this.skip();
    pg = await startOwnPostgres({ socketDir: SOCKETS });
    if (!pg) this.skip();
    await pg.query("CREATE TABLE t (id int PRIMARY KEY, name text); INSERT INTO t VALUES (1, 'one'), (2, 'two')");
    // No host and no password: libpq goes to its socket (trusted there); TCP would need the password.
    url = `postgresql:///postgres?port=${new URL(pg.url()).port}&user=postgres`;
    ws = await createWorkspace({ database: 'none', config: 'database:\n  type: postgres\n' });
  });
  after(async () => {
    await pg?.stop();
    await removeTempDir(ws?.dir);
  });

  it('node-postgres connects through the socket', async () => {
    const client = await connectPg(parsePgUrl(url));
    try {
      const { rows } = await client.query<{ socket: boolean }>('SELECT inet_server_addr() IS NULL AS socket');
      expect(rows).to.deep.equal([{ socket: true }]);
    } finally {
      await client.end();
    }
  });

  it('backup (pg_dump) and export (node-postgres) both work with it', async () => {
    const env = { ACODE_DATABASE_URL: url, ACODE_NOW: '2024-01-20T14:30:45Z' };
    const backup = await runCli(['db', 'backup'], { workspace: ws.dir, env });
    expect(backup.code, backup.stderr).to.equal(0);
    const exported = await runCli(['db', 'export', '--format', 'csv', '--tables', 't', '--no-redact', '--output', '-'], { workspace: ws.dir, env });
    expect(exported.code, exported.stderr).to.equal(0);
    expect(lines(exported.stdout)).to.deep.equal(['id,name\r', '1,one\r', '2,two\r']);
  });
});
