import { expect } from 'chai';
import { runCli, type CliResult } from '../support/cli.js';
import { startOwnPostgres, type OwnPostgres } from '../support/postgres.js';
import { listDir, removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const BACKUP = 'acode_backup_20240120_143045.dump';

// A cluster of its own: CONNECT on `postgres` is revoked from everyone, which no other test may see.
describe('e2e: restore and test restore as a role without CONNECT on the postgres database', function () {
  let pg: OwnPostgres | null = null;
  let ws: SeededWorkspace;
  let env: Record<string, string>;
  const cli = (args: readonly string[], now: string): Promise<CliResult> => runCli(args, { workspace: ws.dir, env: { ...env, ACODE_NOW: now } });

  before(async function () {
    pg = await startOwnPostgres({});
    if (!pg) this.skip();
    // The agent owns its database and its tables (restore --clean drops and recreates them), nothing else.
    await pg.query("CREATE ROLE agent LOGIN PASSWORD 'ag3nt' CREATEDB");
    await pg.query('CREATE DATABASE ws OWNER agent');
    await pg.query('REVOKE CONNECT ON DATABASE postgres FROM PUBLIC');
    await pg.loadChinook('ws');
    await pg.query("DO $$ DECLARE t record; BEGIN FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP EXECUTE format('ALTER TABLE %I OWNER TO agent', t.tablename); END LOOP; END $$", 'ws');
    const url = new URL(pg.url('ws'));
    url.username = 'agent';
    url.password = 'ag3nt';
    env = { ACODE_DATABASE_URL: url.href };
    ws = await createWorkspace({ database: 'none', config: 'database:\n  type: postgres\n' });
    const backup = await cli(['db', 'backup'], '2024-01-20T14:30:45Z');
    expect(backup.code, backup.stderr).to.equal(0);
  });

  after(async () => {
    await pg?.stop();
    await removeTempDir(ws?.dir);
  });

  it('restores into the existing database, leaving one safety backup', async () => {
    await pg!.query('DELETE FROM playlist_track', 'ws');
    const restore = await cli(['db', 'restore', BACKUP, '--yes'], '2024-01-20T15:00:00Z');
    expect(restore.code, restore.stderr).to.equal(0);
    expect(restore.stdout).to.include(`Restored: ${BACKUP} (11 tables, 15,607 records)`);
    expect((await pg!.query('SELECT count(*)::int AS n FROM playlist_track', 'ws'))[0]).to.deep.equal({ n: 8715 });
    expect((await listDir(ws.backups)).filter((f) => f.endsWith('.dump'))).to.deep.equal([BACKUP, 'acode_backup_20240120_150000_pre_restore.dump']);
  });

  it('test-restores into a scratch database made from the live one', async () => {
    const verify = await cli(['db', 'backup', 'verify', BACKUP, '--test-restore'], '2024-01-20T16:00:00Z');
    expect(verify.code, verify.stderr).to.equal(0);
    expect(verify.stdout).to.include('Backup is valid.');
    expect(verify.stdout).to.include('✓ Test restore into an isolated database: 15,607 records');
  });
});
