import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import pg from 'pg';
import { lines, runCli, spawnCli, type CliResult } from '../support/cli.js';
import { requirePostgres, type PgServer } from '../support/postgres.js';
import { removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const BACKUP = 'acode_backup_20240120_143045.dump';

describe('e2e: a PostgreSQL test restore killed half-way', function () {
  let server: PgServer;
  let database: string;
  let ws: SeededWorkspace;
  const env = (): Record<string, string> => ({ ACODE_DATABASE_URL: server.url(database) });
  const cli = (args: readonly string[], extra: Record<string, string> = {}): Promise<CliResult> => runCli(args, { workspace: ws.dir, env: { ...env(), ...extra } });
  const scratchNames = async (): Promise<string[]> =>
    (await server.query("SELECT datname FROM pg_database WHERE datname LIKE 'acode\\_test\\_restore\\_%' ORDER BY datname")).map((r) => String(r['datname']));
  const sessionsOn = async (name: string): Promise<number> => Number((await server.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = '${name}'`))[0]!['n']);

  before(async function () {
    server = await requirePostgres(this);
    database = await server.createDatabase('acode_scratch_left');
    await server.loadChinook(database);
    ws = await createWorkspace({ database: 'none', config: 'database:\n  type: postgres\n' });
    const backup = await cli(['db', 'backup'], { ACODE_NOW: '2024-01-20T14:30:45Z' });
    expect(backup.code, backup.stderr).to.equal(0);
  });

  after(async () => {
    if (server) {
      for (const name of await scratchNames()) await server.dropDatabase(name);
      await server.dropDatabase(database);
    }
    await removeTempDir(ws?.dir);
  });

  it('leaves its scratch database (a full copy of the data) only until a later test restore drops it; one in use or just made is left alone', async () => {
    expect(await scratchNames()).to.deep.equal([]);
    const run = spawnCli(['db', 'backup', 'verify', BACKUP, '--test-restore'], { workspace: ws.dir, env: env(), killAfterMs: 60_000 });
    let left: string[] = [];
    while (left.length === 0) {
      left = await scratchNames();
      if (left.length === 0) await sleep(10);
    }
    run.child.kill('SIGKILL');
    expect((await run.done).signal).to.equal('SIGKILL');
    const [killed] = left as [string];
    // The server ends the dead process's sessions (pg_restore gets a SIGTERM through setpriv).
    while ((await sessionsOn(killed)) > 0) await sleep(50);
    expect(await scratchNames()).to.deep.equal([killed]);
    // As it stands an hour later: renamed to the hour-old creation second a later run reads in the name.
    const hex = killed.slice(-12);
    const aged = `acode_test_restore_${Math.floor(Date.now() / 1000) - 3600}_${hex}`;
    await server.query(`ALTER DATABASE ${killed} RENAME TO ${aged}`);
    // Another run's, in use (a session on it), and one just made: not abandoned.
    const inUse = `acode_test_restore_${Math.floor(Date.now() / 1000) - 3600}_0123456789ab`;
    const young = `acode_test_restore_${Math.floor(Date.now() / 1000)}_ba9876543210`;
    await server.query(`CREATE DATABASE ${inUse}`);
    await server.query(`CREATE DATABASE ${young}`);
    const holder = new pg.Client({ connectionString: server.url(inUse) });
    await holder.connect();
    try {
      const again = await cli(['db', 'backup', 'verify', BACKUP, '--test-restore']);
      expect(again.code, again.stderr).to.equal(0);
      expect(lines(again.stdout).at(-1)).to.equal('Backup is valid.');
      expect(await scratchNames()).to.deep.equal([inUse, young].sort());
    } finally {
      await holder.end();
    }
  });
});
