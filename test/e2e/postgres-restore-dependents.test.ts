import { expect } from 'chai';
import { lines, runCli, type CliResult } from '../support/cli.js';
import { requirePostgres, type PgServer } from '../support/postgres.js';
import { listDir, removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const BACKUP = 'acode_backup_20240120_143045.dump';

describe('e2e: a PostgreSQL restore blocked by an object added after the backup', function () {
  let pg: PgServer;
  let database: string;
  let ws: SeededWorkspace;
  const cli = (args: readonly string[], now: string): Promise<CliResult> =>
    runCli(args, { workspace: ws.dir, env: { ACODE_DATABASE_URL: pg.url(database), ACODE_NOW: now } });

  before(async function () {
    pg = await requirePostgres(this);
    database = await pg.createDatabase('acode_dep');
    await pg.loadChinook(database);
    ws = await createWorkspace({ database: 'none', config: 'database:\n  type: postgres\n' });
    const backup = await cli(['db', 'backup'], '2024-01-20T14:30:45Z');
    expect(backup.code, backup.stderr).to.equal(0);
  });

  after(async () => {
    if (pg) await pg.dropDatabase(database);
    await removeTempDir(ws?.dir);
  });

  it('names the dependent object and says what to do (not to verify a good backup), and changes nothing', async () => {
    // A migration after the backup: a new table whose foreign key depends on album's primary key.
    await pg.query('CREATE TABLE newtbl (id int PRIMARY KEY, album_id int REFERENCES album (album_id)); INSERT INTO newtbl VALUES (1, 1)', database);
    await pg.query('DELETE FROM playlist_track WHERE playlist_id = 1', database);
    const restore = await cli(['db', 'restore', BACKUP, '--yes'], '2024-01-20T15:00:00Z');
    expect(restore.code, restore.stderr).to.equal(3);
    expect(lines(restore.stderr).at(-1)).to.equal(
      `✗ ACODE-BAK-002 Restore failed: pg_restore into ${pg.url(database).replace(`:${encodeURIComponent(pg.password)}@`, '@')} cannot replace constraint album_pkey on table public.album: constraint newtbl_album_id_fkey on table public.newtbl depends on it, and the backup does not hold it; the transaction was rolled back (the database is as it was: its safety backup was removed) — ` +
        'the live database was left as it was and the backup is fine; drop or alter constraint newtbl_album_id_fkey on table public.newtbl (or what it belongs to), or restore into a new, empty database (another database.url), then restore again',
    );
    expect((await pg.query('SELECT count(*)::int AS n FROM newtbl', database))[0]).to.deep.equal({ n: 1 });
    // Each failed try left a copy of the unchanged database behind.
    expect((await listDir(ws.backups)).filter((n) => n.includes('pre_restore'))).to.deep.equal([]);
    expect((await pg.query('SELECT count(*)::int AS n FROM playlist_track', database))[0]).to.deep.equal({ n: 8715 - 3290 });
    await pg.query('DROP TABLE newtbl', database);
    const again = await cli(['db', 'restore', BACKUP, '--yes'], '2024-01-20T15:10:00Z');
    expect(again.code, again.stderr).to.equal(0);
    expect(await listDir(ws.backups)).to.include(BACKUP);
  });
});
