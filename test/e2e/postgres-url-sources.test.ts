import { writeFile } from 'node:fs/promises';
import { expect } from 'chai';
import { lines, runCli, type CliResult } from '../support/cli.js';
import { requirePostgres, type PgServer } from '../support/postgres.js';
import { listDir, removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const BACKUP = 'acode_backup_20240120_143045.dump';

describe('e2e: database.url and ACODE_DATABASE_URL naming different databases', function () {
  let pg: PgServer;
  let prod: string;
  let staging: string;
  let ws: SeededWorkspace;
  const cli = (args: readonly string[], env: Record<string, string>): Promise<CliResult> => runCli(args, { workspace: ws.dir, env });

  before(async function () {
    pg = await requirePostgres(this);
    prod = await pg.createDatabase('acode_prod');
    staging = await pg.createDatabase('acode_staging');
    await pg.query('CREATE TABLE settings (key text PRIMARY KEY, value text); INSERT INTO settings VALUES (\'a\', \'1\')', prod);
    ws = await createWorkspace({ database: 'none', config: `database:\n  url: ${pg.url(prod)}\n` });
    const backup = await cli(['db', 'backup'], { ACODE_NOW: '2024-01-20T14:30:45Z' });
    expect(backup.code, backup.stderr).to.equal(0);
  });

  after(async () => {
    if (pg) {
      await pg.dropDatabase(prod);
      await pg.dropDatabase(staging);
    }
    await removeTempDir(ws?.dir);
  });

  it('is refused (ACODE-CFG-005, exit 1) by every command, nothing done: restore "into staging" replaced the database the config names', async () => {
    await pg.query("INSERT INTO settings VALUES ('written after the backup', '2')", prod);
    const env = { ACODE_DATABASE_URL: pg.url(staging), ACODE_NOW: '2024-01-20T15:00:00Z' };
    const before = await listDir(ws.backups);
    for (const args of [['db', 'restore', BACKUP, '--yes'], ['db', 'backup'], ['db', 'backup', 'prune'], ['db', 'export', '-o', 'x.json']]) {
      const r = await cli(args, env);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(1);
      expect(lines(r.stderr)).to.deep.equal([
        '✗ ACODE-CFG-005 Invalid config value: .agent/config.yml:2:8: database.url and ACODE_DATABASE_URL are both set, to different URLs: which database is meant is not clear; nothing was done — unset ACODE_DATABASE_URL to use database.url, or remove database.url from the config file to use ACODE_DATABASE_URL',
      ]);
      expect(r.stdout).to.equal('');
    }
    expect(await pg.query('SELECT key FROM settings ORDER BY key', prod)).to.deep.equal([{ key: 'a' }, { key: 'written after the backup' }]);
    expect(await pg.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'", staging)).to.deep.equal([{ n: 0 }]);
    expect(await listDir(ws.backups)).to.deep.equal(before);
    expect(await listDir(ws.dir)).to.deep.equal(['.agent']);

    // The same URL in both is no contradiction; --database names a SQLite file whatever the URLs say.
    const same = await cli(['db', 'backup', 'list', '-q'], { ACODE_DATABASE_URL: pg.url(prod) });
    expect(same.code, same.stderr).to.equal(0);
    await writeFile(ws.configFile, 'database:\n  type: postgres\n');
    const envOnly = await cli(['db', 'restore', BACKUP, '--yes', '-q'], env);
    expect(envOnly.code, envOnly.stderr).to.equal(0);
    expect(await pg.query('SELECT key FROM settings ORDER BY key', staging)).to.deep.equal([{ key: 'a' }]);
  });
});
