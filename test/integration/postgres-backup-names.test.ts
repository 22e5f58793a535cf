import { expect } from 'chai';
import { createBackup } from '../../lib/backup.js';
import { restoreBackup } from '../../lib/restore.js';
import { requirePostgres, type PgServer } from '../support/postgres.js';
import { removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

describe('integration: PostgreSQL backup of tables whose names and owners hold spaces, and inherited tables', function () {
  let server: PgServer;
  let database: string;
  let ws: SeededWorkspace;
  // Roles belong to the whole cluster: one of this run's own.
  const role = `App User ${process.pid}`;

  before(async function () {
    server = await requirePostgres(this);
    database = await server.createDatabase('acode_names');
    await server.query(`CREATE ROLE "${role}"`);
    // `pg_restore --list` prints `public t App User …` for t owned by "App User …", and `public t App postgres` for "t App".
    await server.query(
      `CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2), (3); ALTER TABLE t OWNER TO "${role}";
       CREATE TABLE "t App" (x int); INSERT INTO "t App" VALUES (1);
       CREATE SCHEMA "my s"; CREATE TABLE "my s"."a b" (x int); INSERT INTO "my s"."a b" VALUES (1), (2);
       ALTER TABLE "my s"."a b" OWNER TO "${role}";
       CREATE TABLE inh_parent (id int); CREATE TABLE inh_child () INHERITS (inh_parent);
       INSERT INTO inh_parent VALUES (1); INSERT INTO inh_child VALUES (2), (3)`,
      database,
    );
    ws = await createWorkspace({ database: 'none', config: `database:\n  type: postgres\n  url: ${server.url(database)}\n` });
  });
  after(async () => {
    if (server) {
      await server.dropDatabase(database);
      await server.query(`DROP ROLE IF EXISTS "${role}"`);
    }
    await removeTempDir(ws?.dir);
  });

  it('backs up (the table of contents check finds every table\'s data) and restores', async () => {
    const backup = await createBackup({ config: await ws.config(), now: () => new Date('2024-01-20T14:30:45Z') });
    expect(backup.manifest.check).to.equal('archive_toc');
    // A parent counts its own rows, as pg_dump archives them (its child's too made every --full
    // check and restore of such a backup fail: 'inh_parent has 1 rows, manifest says 3').
    expect(backup.manifest.tables).to.deep.equal([
      { name: 'inh_child', rows: 2 },
      { name: 'inh_parent', rows: 1 },
      { name: 'my s.a b', rows: 2 },
      { name: 't', rows: 3 },
      { name: 't App', rows: 1 },
    ]);
    const full = await createBackup({ config: await ws.config(), full: true, now: () => new Date('2024-01-20T14:31:45Z') });
    expect(full.manifest.check).to.equal('archive_rows');
    await server.query('DELETE FROM t', database);
    const restored = await restoreBackup({ config: await ws.config(), file: backup.name, now: () => new Date('2024-01-20T15:00:00Z') });
    expect(restored.safetyBackup?.manifest.tables.find((t) => t.name === 't')?.rows).to.equal(0);
    expect(restored.warnings).to.deep.equal([]);
    expect(await server.query('SELECT count(*)::int AS n FROM t', database)).to.deep.equal([{ n: 3 }]);
  });
});
