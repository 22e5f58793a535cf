import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { lines, runCli } from '../support/cli.js';
import { requirePostgres, type PgServer } from '../support/postgres.js';
import { removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const BACKUP = 'acode_backup_20240120_143045.dump';

describe('e2e: a PostgreSQL backup verified where database.type is postgres and no URL is set', function () {
  let server: PgServer;
  let database: string;
  let made: SeededWorkspace;
  let offline: SeededWorkspace;

  before(async function () {
    server = await requirePostgres(this);
    database = await server.createDatabase('acode_offline');
    await server.query('CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2)', database);
    made = await createWorkspace({ database: 'none', config: 'database:\n  type: postgres\n' });
    const backup = await runCli(['db', 'backup'], { workspace: made.dir, env: { ACODE_DATABASE_URL: server.url(database), ACODE_NOW: '2024-01-20T14:30:45Z' } });
    expect(backup.code, backup.stderr).to.equal(0);
    offline = await createWorkspace({ database: 'none', config: 'database:\n  type: postgres\n' });
    for (const name of [BACKUP, `${BACKUP}.manifest.json`]) await copyFile(path.join(made.backups, name), path.join(offline.dir, name));
  });
  after(async () => {
    if (server) await server.dropDatabase(database);
    await removeTempDir(made?.dir);
    await removeTempDir(offline?.dir);
  });

  it('checks the archive with pg_restore alone (README: no database configured)', async () => {
    const verify = await runCli(['db', 'backup', 'verify', BACKUP], { workspace: offline.dir });
    expect(verify.code, verify.stderr).to.equal(0);
    expect(verify.stdout + verify.stderr).to.include('Records: 2');
  });

  it('--test-restore needs the server: it says so (ACODE-CFG-005), not that the backup is bad', async () => {
    const verify = await runCli(['db', 'backup', 'verify', BACKUP, '--test-restore'], { workspace: offline.dir });
    expect(verify.code, verify.stderr).to.equal(1);
    expect(lines(verify.stderr).at(-1)).to.match(/^✗ ACODE-CFG-005 .*no database\.url \(or ACODE_DATABASE_URL\) is set/);
  });
});
