import { copyFile, readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { lines, runCli, type CliResult } from '../support/cli.js';
import { requirePostgres, type PgServer } from '../support/postgres.js';
import { listDir, removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const at = (iso: string): Record<string, string> => ({ ACODE_NOW: iso });
const BACKUP = 'acode_backup_20240120_143045.dump';

describe('e2e: acode db backup / verify / restore on PostgreSQL', function () {
  let pg: PgServer;
  let database: string;
  let ws: SeededWorkspace;
  let url: string;
  const outputs: CliResult[] = [];
  const cli = async (args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> => {
    const r = await runCli(args, { workspace: ws.dir, env });
    outputs.push(r);
    return r;
  };

  before(async function () {
    pg = await requirePostgres(this);
    database = await pg.createDatabase('acode_e2e');
    await pg.loadChinook(database);
    url = pg.url(database);
    // The URL comes from the environment here, as a deployment would set it.
    ws = await createWorkspace({ database: 'none', config: 'database:\n  type: postgres\n' });
  });

  after(async () => {
    if (pg) await pg.dropDatabase(database);
    await removeTempDir(ws?.dir);
  });

  it('backs up through pg_dump, lists and verifies the archive, and restores it after a change', async () => {
    const env = { ACODE_DATABASE_URL: url };
    const backup = await cli(['db', 'backup'], { ...env, ...at('2024-01-20T14:30:45Z') });
    expect(backup.code, backup.stderr).to.equal(0);
    const shown = url.replace(`:${encodeURIComponent(pg.password)}@`, '@');
    expect(lines(backup.stderr).slice(0, 3)).to.deep.equal(['Creating backup...', `  Source: ${shown}`, `  Target: .agent/backups/${BACKUP}`]);
    expect(backup.stderr).to.include('✓ Copying data (11 tables)');
    expect(backup.stderr).to.include('✓ Integrity checked (archive_toc)');
    expect(backup.stdout).to.include(`Backup complete: ${BACKUP}`);
    expect(backup.stdout).to.include('Tables: 11, records: 15,607');
    expect(await listDir(ws.backups)).to.deep.equal([BACKUP, `${BACKUP}.manifest.json`]);

    const list = await cli(['db', 'backup', 'list'], env);
    expect(list.code).to.equal(0);
    expect(list.stdout).to.include(`1. ${BACKUP}`);
    expect(list.stdout).to.include('Checksum: ✓ valid');

    const verify = await cli(['db', 'backup', 'verify', BACKUP, '--test-restore'], env);
    expect(verify.code, verify.stderr).to.equal(0);
    expect(lines(verify.stdout)).to.deep.equal([
      '  ✓ File exists',
      '  ✓ Checksum matches manifest',
      '  ✓ pg_dump archive valid',
      '  ✓ Tables present: 11',
      '  ✓ Records: 15,607',
      '  ✓ Test restore into an isolated database: 15,607 records',
      '',
      'Backup is valid.',
    ]);

    await pg.query('DELETE FROM playlist_track WHERE playlist_id = 1', database);
    const restore = await cli(['db', 'restore', BACKUP, '--yes'], { ...env, ...at('2024-01-20T15:00:00Z') });
    expect(restore.code, restore.stderr).to.equal(0);
    expect(restore.stderr).to.include(`  Target: ${shown}`);
    expect(restore.stdout).to.include(`Restored: ${BACKUP} (11 tables, 15,607 records)`);
    expect(restore.stdout).to.include('Previous database saved as: acode_backup_20240120_150000_pre_restore.dump');
    expect(await pg.query('SELECT count(*)::int AS n FROM playlist_track', database)).to.deep.equal([{ n: 8715 }]);
  });

  it('restore latest takes the newest backup of this database, not the pre-restore copy the last restore made', async () => {
    const env = { ACODE_DATABASE_URL: url };
    await pg.query('DELETE FROM playlist_track WHERE playlist_id = 1', database);
    const restore = await cli(['db', 'restore', 'latest', '--yes'], { ...env, ...at('2024-01-20T15:10:00Z') });
    expect(restore.code, restore.stderr).to.equal(0);
    expect(lines(restore.stderr)[1]).to.equal(`  Source: latest (${BACKUP})`);
    expect(restore.stdout).to.include(`Restored: ${BACKUP} (11 tables, 15,607 records)`);
    expect(await pg.query('SELECT count(*)::int AS n FROM playlist_track', database)).to.deep.equal([{ n: 8715 }]);
  });

  it('verifies a pg_dump backup where no PostgreSQL is configured, and refuses to restore it over a SQLite database (exit 4)', async () => {
    const other = await createWorkspace({ database: 'demo' });
    try {
      const copy = `${other.dir}/${BACKUP}`;
      await copyFile(`${ws.backups}/${BACKUP}`, copy);
      await copyFile(`${ws.backups}/${BACKUP}.manifest.json`, `${copy}.manifest.json`);
      const verify = await runCli(['db', 'backup', 'verify', copy], { workspace: other.dir });
      expect(verify.code, verify.stderr).to.equal(0);
      expect(lines(verify.stdout).slice(0, 5)).to.deep.equal(['  ✓ File exists', '  ✓ Checksum matches manifest', '  ✓ pg_dump archive valid', '  ✓ Tables present: 11', '  ✓ Records: 15,607']);
      const before = await readFile(other.db);
      const restore = await runCli(['db', 'restore', copy, '--yes'], { workspace: other.dir });
      expect(restore.code).to.equal(4);
      expect(lines(restore.stderr).at(-1)).to.match(new RegExp(`^✗ ACODE-BAK-006 .*${BACKUP} is a postgres backup and this workspace's database is sqlite; nothing was restored`));
      expect((await readFile(other.db)).equals(before)).to.equal(true);
    } finally {
      await removeTempDir(other.dir);
    }
  });

  it('asks for a URL when database.type is postgres and none is set (exit 1, ACODE-CFG-005)', async () => {
    const r = await cli(['db', 'backup']);
    expect(r.code).to.equal(1);
    expect(lines(r.stderr).at(-1)).to.match(/^✗ ACODE-CFG-005 .*database\.type is postgres but no database\.url \(or ACODE_DATABASE_URL\) is set/);
  });

  it('exports a table as CSV to stdout, and a redacted JSON file that export verify passes', async () => {
    const env = { ACODE_DATABASE_URL: url };
    const csv = await cli(['db', 'export', '--format', 'csv', '--tables', 'genre', '--no-redact', '--output', '-'], env);
    expect(csv.code, csv.stderr).to.equal(0);
    expect(lines(csv.stdout)).to.have.length(26);
    expect(lines(csv.stdout).slice(0, 2)).to.deep.equal(['genre_id,name\r', '1,Rock\r']);
    const json = await cli(['db', 'export', '--format', 'json', '--output', 'chinook.json'], env);
    expect(json.code, json.stderr).to.equal(0);
    expect(json.stdout).to.match(/e-mail addresses masked/);
    const verify = await cli(['db', 'export', 'verify', 'chinook.json'], env);
    expect(verify.code, verify.stdout + verify.stderr).to.equal(0);
  });

  it('migrate refuses the Chinook database (tables, no schema_version) and changes nothing; import reads the export first, and touches none either', async () => {
    const migrate = await cli(['db', 'migrate'], { ACODE_DATABASE_URL: url });
    expect(migrate.code).to.equal(1);
    expect(lines(migrate.stderr)).to.have.lengthOf(2);
    expect(lines(migrate.stderr)[0]).to.match(/^Migrating postgresql:\/\/[^:@]+@[^ ]+\.\.\.$/);
    expect(lines(migrate.stderr)[1]).to.match(/^✗ ACODE-MIG-001 Migration failed: postgresql:\/\/[^ ]+ holds tables \("album", "artist", "customer" and 8 more\) but no schema_version: it is not an acode workspace database; nothing was changed — /);
    expect(await pg.query("SELECT to_regclass('public.schema_version') IS NULL AS none", database)).to.deep.equal([{ none: true }]);
    // import writes PostgreSQL now (test/e2e/postgres-import.test.ts): a missing export is what it says.
    const imp = await cli(['db', 'import', 'nothing.json'], { ACODE_DATABASE_URL: url });
    expect(imp.code).to.equal(4);
    expect(lines(imp.stderr)[0]).to.match(/^Importing nothing\.json into postgresql:\/\/[^:@]+@/);
    expect(lines(imp.stderr).at(-1)).to.match(/^✗ ACODE-IMP-007 /);
    expect(await listDir(`${ws.dir}/.agent`)).to.deep.equal(['backups', 'config.yml']);
    expect((await listDir(ws.dir)).filter((n) => n.endsWith('.db'))).to.deep.equal([]);
  });

  // Last: it reads what every test before it printed.
  it('never prints or writes the password, in any command above', async () => {
    const manifests = await Promise.all((await listDir(ws.backups)).filter((n) => n.endsWith('.manifest.json')).map((n) => readFile(`${ws.backups}/${n}`, 'utf8')));
    expect(manifests.length).to.be.greaterThan(0);
    for (const text of [...outputs.flatMap((r) => [r.stdout, r.stderr]), ...manifests]) {
      expect(text).not.to.include(pg.password);
      expect(text).not.to.include(encodeURIComponent(pg.password));
    }
  });
});
