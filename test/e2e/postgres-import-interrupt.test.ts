import path from 'node:path';
import { expect } from 'chai';
import pg from 'pg';
import { lines, runCli, spawnCli } from '../support/cli.js';
import { requirePostgres, sessionsLeft, untilWaitingOnLock, type PgServer } from '../support/postgres.js';
import { makeTempDir, removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const AT = { ACODE_NOW: '2024-01-20T14:30:45Z' };

describe('e2e: PostgreSQL import interrupted while it waits for another session', function () {
  let server: PgServer;
  let ws: SeededWorkspace;
  let out: string;
  let database: string;
  let locker: pg.Client;

  before(async function () {
    server = await requirePostgres(this);
    database = await server.createDatabase('acode_e2e_impint');
    await server.query("CREATE TABLE parent (id int PRIMARY KEY, note text); INSERT INTO parent VALUES (1, 'one'), (2, 'two')", database);
    ws = await createWorkspace({ database: 'none', config: 'database:\n  type: postgres\n' });
    out = await makeTempDir('pgimpint');
  });
  after(async () => {
    await locker?.end().catch(() => undefined);
    if (server) await server.dropDatabase(database);
    await removeTempDir(ws?.dir);
    await removeTempDir(out);
  });

  it('Ctrl-C during a lock wait (replace: DELETE behind a SHARE lock) ends at once, leaves no session waiting, changes nothing', async () => {
    const file = path.join(out, 'parent.json');
    const env = { ...AT, ACODE_DATABASE_URL: server.url(database) };
    const exp = await runCli(['db', 'export', '--format', 'json', '--no-redact', '--output', file], { workspace: ws.dir, env });
    expect(exp.code, exp.stderr).to.equal(0);
    locker = new pg.Client({ connectionString: server.url(database) });
    locker.on('error', () => undefined);
    await locker.connect();
    await locker.query('BEGIN; LOCK TABLE parent IN SHARE MODE');
    const run = spawnCli(['db', 'import', file, '--mode', 'replace'], { workspace: ws.dir, env });
    await untilWaitingOnLock(server, database);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code, r.stderr).to.equal(1);
    expect(lines(r.stderr).at(-1)).to.match(/^✗ ACODE-IMP-001 Import failed: import into postgresql:\/\/[^:@]+@[^ ]+: interrupted — /);
    expect(r.stderr).to.not.include(server.password);
    // The session still waiting is cancelled (a closed connection would leave it queued until lock_timeout).
    expect(await sessionsLeft(server, database, 1)).to.deep.equal(['BEGIN; LOCK TABLE parent IN SHARE MODE']);
    await locker.query('COMMIT');
    expect(await server.query('SELECT id, note FROM parent ORDER BY id', database)).to.deep.equal([{ id: 1, note: 'one' }, { id: 2, note: 'two' }]);
  });
});
