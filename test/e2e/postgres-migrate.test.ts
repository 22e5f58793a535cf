import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import pg from 'pg';
import { lines, runCli, spawnCli } from '../support/cli.js';
import { requirePostgres, sessionsLeft, untilWaitingOnLock, type PgServer } from '../support/postgres.js';
import { listDir, removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const AT = { ACODE_NOW: '2024-01-20T14:30:45Z' };

describe('e2e: acode db migrate on PostgreSQL', function () {
  let server: PgServer;
  let ws: SeededWorkspace;
  let database: string;
  let env: Record<string, string>;
  let locker: pg.Client | undefined;
  const versions = async (): Promise<number[]> => (await server.query('SELECT version::int AS v FROM schema_version ORDER BY 1', database)).map((r) => r.v as number);

  before(async function () {
    server = await requirePostgres(this);
    database = `acode_e2e_mig_${randomBytes(4).toString('hex')}`;
    env = { ...AT, ACODE_DATABASE_URL: server.url(database) };
    ws = await createWorkspace({ database: 'none', config: 'database:\n  type: postgres\n' });
  });
  after(async () => {
    await locker?.end().catch(() => undefined);
    if (server) await server.dropDatabase(database);
    await removeTempDir(ws?.dir);
  });

  it('creates the database and migrates it; a second run says it is up to date; the password is never shown', async () => {
    const first = await runCli(['db', 'migrate'], { workspace: ws.dir, env });
    expect(first.code, first.stderr).to.equal(0);
    const shown = server.url(database).replace(`:${encodeURIComponent(server.password)}@`, '@');
    expect(lines(first.stderr)).to.deep.equal([`Migrating ${shown}...`, '  ✓ 001_conversations', '  ✓ 002_sessions_approvals', '  ✓ 003_settings_credentials']);
    expect(lines(first.stdout)).to.deep.equal(['Created the database; schema version 0 → 3 (3 migrations applied).']);
    const again = await runCli(['db', 'migrate', '--json'], { workspace: ws.dir, env });
    expect(again.code, again.stderr).to.equal(0);
    expect(JSON.parse(again.stdout)).to.deep.equal({ ok: true, database: shown, created: false, from: 3, to: 3, applied: [], backup: null, newerThanTool: false });
    expect(first.stdout + first.stderr + again.stdout + again.stderr).to.not.include(server.password);
    expect(await versions()).to.deep.equal([1, 2, 3]);
  });

  it('Ctrl-C while a migration waits for another session\'s lock: rolled back at once, no session left waiting, the backup kept', async () => {
    await server.query('DELETE FROM schema_version WHERE version = 3; DROP TABLE credentials; DROP TABLE settings', database);
    locker = new pg.Client({ connectionString: server.url(database) });
    locker.on('error', () => undefined);
    await locker.connect();
    // Creating settings needs no lock on conv_runs; the migration's first statement waits on the advisory lock's holder instead.
    await locker.query('BEGIN; SELECT pg_advisory_xact_lock(7018141382290024807)');
    const run = spawnCli(['db', 'migrate'], { workspace: ws.dir, env });
    await untilWaitingOnLock(server, database);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code, r.stderr).to.equal(1);
    expect(lines(r.stderr).at(-1)).to.match(/^✗ ACODE-MIG-001 Migration failed: migrating postgresql:\/\/[^:@]+@[^ ]+; the database is at version 2: interrupted — /);
    expect(r.stderr).to.not.include(server.password);
    // The session still waiting is cancelled (a closed connection would leave it queued until lock_timeout).
    expect(await sessionsLeft(server, database, 1)).to.deep.equal(['BEGIN; SELECT pg_advisory_xact_lock(7018141382290024807)']);
    await locker.query('COMMIT');
    expect(await versions()).to.deep.equal([1, 2]);
    expect(await listDir(ws.backups)).to.deep.equal(['acode_backup_20240120_143045_pre_migration.dump', 'acode_backup_20240120_143045_pre_migration.dump.manifest.json']);
    const done = await runCli(['db', 'migrate', '--no-backup'], { workspace: ws.dir, env });
    expect(done.code, done.stderr).to.equal(0);
    expect(lines(done.stdout)).to.deep.equal(['Schema version 2 → 3 (1 migration applied).']);
    expect(await versions()).to.deep.equal([1, 2, 3]);
  });

  it('moves a SQLite workspace to PostgreSQL: migrate a new database, import the SQLite export, export again: the same rows', async () => {
    const sqlite = await createWorkspace({ database: 'demo' });
    const target = `acode_e2e_move_${randomBytes(4).toString('hex')}`;
    try {
      const from = path.join(sqlite.dir, 'from.ndjson');
      const back = path.join(sqlite.dir, 'back.ndjson');
      const exp = await runCli(['db', 'export', '--format', 'ndjson', '--no-redact', '--output', from], { workspace: sqlite.dir, env: AT });
      expect(exp.code, exp.stderr).to.equal(0);
      const pgEnv = { ...AT, ACODE_DATABASE_URL: server.url(target) };
      for (const args of [['db', 'migrate'], ['db', 'import', from], ['db', 'export', '--format', 'ndjson', '--no-redact', '--output', back]]) {
        const r = await runCli(args, { workspace: ws.dir, env: pgEnv });
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(0);
      }
      const rows = async (file: string): Promise<string[]> =>
        (await readFile(file, 'utf8'))
          .split('\n')
          .filter((l) => l.startsWith('{"table"') && l.includes('"row":'))
          .map((l) => JSON.parse(l) as { table: string; row: unknown })
          .filter((r) => r.table !== 'schema_version')
          .map((r) => JSON.stringify([r.table, r.row]))
          .sort();
      const before = await rows(from);
      expect(before.length).to.be.above(100);
      expect(await rows(back)).to.deep.equal(before);
      // The rows went into the migrated tables: a new message takes the next key of its own.
      const [next] = await server.query("INSERT INTO conv_messages (run_id, seq, role, content, created_at) SELECT run_id, 100000, 'user', 'x', 'x' FROM conv_messages LIMIT 1 RETURNING id::int AS id", target);
      const ids = before.filter((r) => r.startsWith('["conv_messages"')).map((r) => (JSON.parse(r) as [string, { id: number }])[1].id);
      expect(next!.id).to.equal(Math.max(...ids) + 1);
    } finally {
      await server.dropDatabase(target);
      await removeTempDir(sqlite.dir);
    }
  });
});
