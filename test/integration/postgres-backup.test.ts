import { readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { createBackup, type BackupResult } from '../../lib/backup.js';
import { restoreBackup } from '../../lib/restore.js';
import { backupProviderFor, type BackupProvider } from '../../lib/engine.js';
import { verifyBackup } from '../../lib/verify.js';
import { exists } from '../../lib/fs-atomic.js';
import { pgToolPath } from '../../lib/postgres/tools.js';
import { CHINOOK_COUNTS, requirePostgres, type PgServer } from '../support/postgres.js';
import { editManifest, flipByte, sha256Of, truncateTo } from '../support/tamper.js';
import { listDir, makeTempDir, removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';
import { failure } from '../support/failure.js';

const NOW = new Date('2024-01-20T14:30:45Z');

const CHINOOK = CHINOOK_COUNTS;

async function counts(pg: PgServer, database: string): Promise<Record<string, number>> {
  const rows = await pg.query(
    `SELECT relname AS name, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', schemaname, relname), false, true, '')))[1]::text::int AS rows
       FROM pg_stat_user_tables ORDER BY relname`,
    database,
  );
  return Object.fromEntries(rows.map((r) => [String(r['name']), Number(r['rows'])]));
}

describe('integration: PostgreSQL backup, verify and restore (pg_dump / pg_restore)', function () {
  let pg: PgServer;
  let database: string;
  let ws: SeededWorkspace;
  let backup: BackupResult;

  before(async function () {
    pg = await requirePostgres(this);
  });

  beforeEach(async () => {
    database = await pg.createDatabase('acode_it');
    await pg.loadChinook(database);
    ws = await createWorkspace({ database: 'none', config: `database:\n  type: postgres\n  url: ${pg.url(database)}\n` });
    backup = await createBackup({ config: await ws.config(), now: () => NOW });
  });

  afterEach(async () => {
    await pg.dropDatabase(database);
    await removeTempDir(ws.dir);
  });

  it('writes a pg_dump archive with the snapshot row counts, its checksum and a manifest without the password', async () => {
    expect(backup.name).to.equal('acode_backup_20240120_143045.dump');
    expect(await listDir(ws.backups)).to.deep.equal([backup.name, `${backup.name}.manifest.json`]);
    const bytes = await readFile(backup.path);
    expect(bytes.subarray(0, 5).toString('latin1')).to.equal('PGDMP');
    const m = backup.manifest;
    expect(m.file).to.deep.equal({ name: backup.name, size: bytes.length, sha256: await sha256Of(backup.path) });
    expect(m.compression).to.equal('pg_dump');
    expect(m.check).to.equal('archive_toc');
    expect(m.database.type).to.equal('postgres');
    expect(m.database.source).to.equal(pg.url(database).replace(`:${encodeURIComponent(pg.password)}@`, '@'));
    expect(m.database.engineVersion).to.match(/^\d+\.\d+/);
    expect(Object.fromEntries(m.tables.map((t) => [t.name, t.rows]))).to.deep.equal(CHINOOK);
    const manifestText = await readFile(backup.manifestPath, 'utf8');
    expect(manifestText).not.to.include(pg.password);
    expect(manifestText).not.to.include(encodeURIComponent(pg.password));
  });

  it('counts rows in the dump\'s own snapshot: a --full check reads every row back and finds the same counts', async () => {
    const full = await createBackup({ config: await ws.config(), full: true, now: () => new Date('2024-01-20T14:31:00Z') });
    expect(full.manifest.check).to.equal('archive_rows');
    expect(Object.fromEntries(full.manifest.tables.map((t) => [t.name, t.rows]))).to.deep.equal(CHINOOK);
  });

  it('dumps the very snapshot it counted in, though another session commits rows before pg_dump starts', async () => {
    // pg_dump held at its start (a shim in ACODE_PG_BIN waits for a go file, then runs the real
    // one): a row committed meanwhile is newer than the exported snapshot, so the dump must not
    // hold it. Without --snapshot, pg_dump would take its own, later snapshot and dump 276 artists.
    const bin = await makeTempDir('acode-pgbin-');
    const saved = process.env['ACODE_PG_BIN'];
    try {
      for (const tool of ['psql', 'pg_restore'] as const) await symlink(pgToolPath(tool), path.join(bin, tool));
      const started = path.join(bin, 'started');
      const go = path.join(bin, 'go');
      await writeFile(path.join(bin, 'pg_dump'), `#!/bin/sh\ntouch '${started}'\nwhile [ ! -e '${go}' ]; do sleep 0.02; done\nexec '${pgToolPath('pg_dump')}' "$@"\n`, { mode: 0o755 });
      process.env['ACODE_PG_BIN'] = bin;
      const running = createBackup({ config: await ws.config(), full: true, now: () => new Date('2024-01-20T14:33:00Z') });
      running.catch(() => undefined);
      for (let waited = 0; !(await exists(started)); waited += 20) {
        if (waited > 20_000) throw new Error('pg_dump never started');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await pg.query("INSERT INTO artist (artist_id, name) VALUES (9001, 'after the snapshot')", database);
      await writeFile(go, '');
      const late = await running;
      // The counts and every row read back from the archive (--full) agree: 275 artists, not 276.
      expect(late.manifest.check).to.equal('archive_rows');
      expect(late.manifest.tables.find((t) => t.name === 'artist')?.rows).to.equal(275);
      expect((await pg.query('SELECT count(*)::int AS n FROM artist', database))[0]).to.deep.equal({ n: 276 });
    } finally {
      if (saved === undefined) delete process.env['ACODE_PG_BIN'];
      else process.env['ACODE_PG_BIN'] = saved;
      await removeTempDir(bin);
    }
  });

  it('compresses fast by default and harder with --compress (pg_dump\'s own levels, never gzip on top)', async () => {
    const hard = await createBackup({ config: await ws.config(), compress: true, now: () => new Date('2024-01-20T14:32:00Z') });
    expect(hard.name).to.equal('acode_backup_20240120_143200.dump');
    expect(hard.manifest.compression).to.equal('pg_dump');
    expect(hard.manifest.file.size).to.be.lessThan(backup.manifest.file.size);
    const verified = await verifyBackup({ config: await ws.config(), file: hard.name });
    expect(verified.valid).to.equal(true);
    expect(verified.records).to.equal(15607);
  });

  it('verifies: checksum, archive read back, tables and rows, and a test restore into a scratch database that is dropped after', async () => {
    const result = await verifyBackup({ config: await ws.config(), file: backup.name, testRestore: true });
    expect(result.checks.map((c) => [c.name, c.ok, c.label])).to.deep.equal([
      ['exists', true, 'File exists'],
      ['checksum', true, 'Checksum matches manifest'],
      ['structure', true, 'pg_dump archive valid'],
      ['tables', true, 'Tables present: 11'],
      ['records', true, 'Records: 15,607'],
      ['test-restore', true, 'Test restore into an isolated database: 15,607 records'],
    ]);
    const scratch = await pg.query("SELECT datname FROM pg_database WHERE datname LIKE 'acode_test_restore_%'");
    expect(scratch).to.deep.equal([]);
  });

  it('finds a truncated archive invalid even when its manifest was rewritten to match it', async () => {
    const half = Math.floor(backup.manifest.file.size / 2);
    await truncateTo(backup.path, half);
    const sha256 = await sha256Of(backup.path);
    await editManifest(backup.path, (m) => {
      m['file'] = { ...m['file'], size: half, sha256 };
    });
    const result = await verifyBackup({ config: await ws.config(), file: backup.name });
    expect(result.valid).to.equal(false);
    const structure = result.checks.find((c) => c.name === 'structure')!;
    expect(structure.ok).to.equal(false);
    expect(structure.problem).to.match(/pg_restore failed: .*(end of file|could not read)/);
  });

  it('restores over changed data in one transaction, after a safety backup of what was there', async () => {
    await pg.query('DELETE FROM invoice_line WHERE invoice_line_id > 100; UPDATE artist SET name = \'changed\'', database);
    const result = await restoreBackup({ config: await ws.config(), file: backup.name, now: () => new Date('2024-01-20T15:00:00Z') });
    expect(await counts(pg, database)).to.deep.equal(CHINOOK);
    expect((await pg.query("SELECT count(*)::int AS n FROM artist WHERE name = 'changed'", database))[0]).to.deep.equal({ n: 0 });
    expect(result.safetyBackup?.name).to.equal('acode_backup_20240120_150000_pre_restore.dump');
    expect(result.safetyBackup?.manifest.tables.find((t) => t.name === 'invoice_line')?.rows).to.equal(100);
    expect(result.after.tables.reduce((n, t) => n + t.rows, 0)).to.equal(15607);
  });

  it('a row another client inserts right after the commit: the restore succeeded, and the count difference is a warning', async () => {
    await pg.query('DELETE FROM invoice_line WHERE invoice_line_id > 100', database);
    const config = await ws.config();
    const real = await backupProviderFor(config);
    // Another client's insert lands between pg_restore's commit and acode's count.
    const provider: BackupProvider = {
      ...real,
      restore: async (file, options) => {
        const outcome = await real.restore(file, options);
        await pg.query("INSERT INTO genre (genre_id, name) VALUES (1000, 'written after the commit')", database);
        return outcome;
      },
    };
    const result = await restoreBackup({ config, provider, file: backup.name, now: () => new Date('2024-01-20T15:00:00Z') });
    expect(result.warnings).to.deep.equal(["row counts after the commit differ from the backup's (other sessions may have written since): genre has 26 rows, manifest says 25"]);
    expect(result.after.tables.find((t) => t.name === 'genre')?.rows).to.equal(26);
    expect(await counts(pg, database)).to.deep.equal({ ...CHINOOK, genre: 26 });
  });

  it('Ctrl-C while pg_restore replaces the data: whether it had committed is unknown, so the safety backup is kept and nothing says "as it was"', async () => {
    await pg.query('DELETE FROM invoice_line WHERE invoice_line_id > 100', database);
    const stop = new AbortController();
    const err = await failure(restoreBackup({
      config: await ws.config(),
      file: backup.name,
      signal: stop.signal,
      now: () => new Date('2024-01-20T15:00:00Z'),
      // pg_restore has started copying rows: the safety backup is made, the transaction open.
      onProgress: (e) => {
        if (e.stage === 'restore' && e.phase === 'update') stop.abort();
      },
    }));
    expect(err).to.include({ code: 'ACODE-BAK-002', exitCode: 3 });
    expect(err.message).to.include('had it reached its commit, the restore was applied');
    expect(err.message).to.include('(safety backup kept: acode_backup_20240120_150000_pre_restore.dump)');
    expect(err.message).not.to.include('as it was');
    expect(await listDir(path.dirname(backup.path))).to.include('acode_backup_20240120_150000_pre_restore.dump');
  });

  it('creates the database when it does not exist yet', async () => {
    const fresh = `${database}_new`;
    const other = await createWorkspace({ database: 'none', config: `database:\n  type: postgres\n  url: ${pg.url(fresh)}\n` });
    try {
      const result = await restoreBackup({ config: await other.config(), file: backup.path });
      expect(result.safetyBackup).to.equal(null);
      expect(await counts(pg, fresh)).to.deep.equal(CHINOOK);
    } finally {
      await pg.dropDatabase(fresh);
      await removeTempDir(other.dir);
    }
  });

  it('refuses a tampered archive before touching the database (checksum, exit 4)', async () => {
    await flipByte(backup.path, backup.manifest.file.size - 10);
    await pg.query('DELETE FROM invoice_line WHERE invoice_line_id > 2000', database);
    const err = await failure(restoreBackup({ config: await ws.config(), file: backup.name }));
    expect(err.code).to.equal('ACODE-BAK-004');
    expect(err.exitCode).to.equal(4);
    expect((await counts(pg, database))['invoice_line']).to.equal(2000);
  });

  it('gives up on a lock held by another session after --wait, cancels pg_restore and leaves the data as it was', async () => {
    await pg.query('DELETE FROM invoice_line WHERE invoice_line_id > 2200', database);
    const { default: pgLib } = await import('pg');
    const holder = new pgLib.Client({ connectionString: pg.url(database) });
    await holder.connect();
    try {
      await holder.query('BEGIN; LOCK TABLE track IN ACCESS SHARE MODE');
      const err = await failure(restoreBackup({ config: await ws.config(), file: backup.name, busyTimeoutMs: 300 }));
      expect(err.code).to.equal('ACODE-BAK-010');
      expect(err.exitCode).to.equal(3);
      expect(err.message).to.include('nothing was restored');
      await holder.query('ROLLBACK');
    } finally {
      await holder.end();
    }
    expect(await counts(pg, database)).to.deep.equal({ ...CHINOOK, invoice_line: 2200 });
  });

  it('fails a backup of an unreachable database with ACODE-DB-005, naming it without the password, and writes nothing', async () => {
    const bad = await createWorkspace({ database: 'none', config: `database:\n  type: postgres\n  url: ${pg.url(database).replace(/:[^:@/]+@/, ':wrong-password@')}\n` });
    try {
      const err = await failure(createBackup({ config: await bad.config() }));
      expect(err.code).to.equal('ACODE-DB-005');
      expect(err.message).to.match(/password authentication failed/);
      expect(err.message).not.to.include('wrong-password');
      expect(await listDir(bad.backups)).to.deep.equal([]);
    } finally {
      await removeTempDir(bad.dir);
    }
  });
});
