import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { exportDatabase } from '../../lib/export.js';
import { failure } from '../support/failure.js';
import pg from 'pg';
import { lines, runCli, type CliResult } from '../support/cli.js';
import { requirePostgres, type PgServer } from '../support/postgres.js';
import { listDir, removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const BACKUP = 'acode_backup_20240120_143045.dump';

describe('e2e: PostgreSQL backup and restore while another session holds a lock', function () {
  let server: PgServer;
  let database: string;
  let ws: SeededWorkspace;
  let locker: pg.Client;
  const cli = (args: readonly string[], now: string): Promise<CliResult> =>
    runCli(args, { workspace: ws.dir, env: { ACODE_DATABASE_URL: server.url(database), ACODE_NOW: now }, killAfterMs: 60_000 });

  before(async function () {
    server = await requirePostgres(this);
    database = await server.createDatabase('acode_locks');
    await server.query('CREATE TABLE parent (id int PRIMARY KEY); INSERT INTO parent VALUES (1), (2), (3)', database);
    ws = await createWorkspace({ database: 'none', config: 'database:\n  type: postgres\n' });
    const backup = await cli(['db', 'backup'], '2024-01-20T14:30:45Z');
    expect(backup.code, backup.stderr).to.equal(0);
  });
  after(async () => {
    if (server) await server.dropDatabase(database);
    await removeTempDir(ws?.dir);
  });
  beforeEach(async () => {
    locker = new pg.Client({ connectionString: server.url(database) });
    locker.on('error', () => undefined);
    await locker.connect();
    await locker.query('BEGIN; LOCK TABLE parent IN ACCESS EXCLUSIVE MODE');
  });
  afterEach(async () => {
    await locker.end().catch(() => undefined);
  });

  it('restore --wait 3: its safety backup gives up after 3 s with ACODE-BAK-010, exit 3, and changes nothing', async () => {
    const restore = await cli(['db', 'restore', BACKUP, '--yes', '--wait', '3'], '2024-01-20T15:00:00Z');
    expect(restore.signal, restore.stderr).to.equal(null);
    expect(restore.code, restore.stderr).to.equal(3);
    expect(lines(restore.stderr).at(-1)).to.match(/^✗ ACODE-BAK-010 Database is busy: another session held a lock on .* for more than 3 s \(the safety backup waited for it\); nothing was restored — /);
    expect(await listDir(ws.backups)).to.deep.equal([BACKUP, `${BACKUP}.manifest.json`]);
  });

  it('an export gives up after its wait with ACODE-DB-008 naming the table, and keeps nothing (it waited for ever)', async () => {
    const out = path.join(ws.dir, 'locked.json');
    const err = await failure(exportDatabase({ config: { ...(await ws.config()), database: { type: 'postgres', path: '', url: server.url(database) } }, format: 'json', output: out, redact: false, busyTimeoutMs: 500 }));
    expect(err.code).to.equal('ACODE-DB-008');
    expect(err.detail).to.match(/^parent is locked by another session: canceling statement due to lock timeout$/);
    expect(existsSync(out)).to.equal(false);
  });
});
