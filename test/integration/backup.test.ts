import { createHash } from 'node:crypto';
import { copyFile, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { createBackup, type BackupResult } from '../../lib/backup.js';
import { parseBackupManifest } from '../../lib/manifest.js';
import type { ProgressEvent } from '../../lib/progress.js';
import { restoreBackup } from '../../lib/restore.js';
import { repoRoot } from '../support/paths.js';
import { contentDigest, headerVersions, makeWalDatabase, openDb, openToRead, tableCounts, type Db } from '../support/sqlite.js';
import { leftovers, listDir, makeTempDir, removeTempDir } from '../support/temp.js';
import { createWorkspace, workspaceAt, type SeededWorkspace } from '../support/workspace.js';
import { failure } from '../support/failure.js';

const sha256 = async (file: string): Promise<string> => createHash('sha256').update(await readFile(file)).digest('hex');
const mode = async (file: string): Promise<number> => (await stat(file)).mode & 0o777;
const NOW = new Date('2024-01-20T14:30:45.123Z');
const toolVersion = async (): Promise<string> => (JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

describe('integration: backup', function () {
  let ws: SeededWorkspace | undefined;
  let scratch: string | undefined;
  afterEach(async () => {
    await removeTempDir(ws?.dir);
    await removeTempDir(scratch);
    ws = undefined;
    scratch = undefined;
  });

  describe('of the Chinook fixture', () => {
    let result: BackupResult;
    let sourceSha: string;
    const events: ProgressEvent[] = [];

    beforeEach(async () => {
      ws = await createWorkspace({ database: 'chinook' });
      sourceSha = await sha256(ws.db);
      events.length = 0;
      result = await createBackup({ config: await ws.config(), now: () => NOW, onProgress: (e) => events.push(e) });
    });

    it('writes the backup under its final name with a manifest beside it, and nothing else', async () => {
      expect(result.name).to.equal('acode_backup_20240120_143045.db');
      expect(result.path).to.equal(path.join(ws!.backups, result.name));
      expect(result.manifestPath).to.equal(`${result.path}.manifest.json`);
      expect(await listDir(ws!.backups)).to.deep.equal([result.name, `${result.name}.manifest.json`]);
    });

    it('records every manifest field from the file and the source', async () => {
      const m = parseBackupManifest(await readFile(result.manifestPath, 'utf8'), result.manifestPath);
      expect(m).to.deep.equal(result.manifest);
      const source = openToRead(ws!.db);
      const facts = {
        version: source.prepare('SELECT sqlite_version()').pluck().get() as string,
        pageCount: Number(source.pragma('page_count', { simple: true })),
        pageSize: Number(source.pragma('page_size', { simple: true })),
      };
      source.close();
      const counts = tableCounts(ws!.db);
      const size = (await stat(result.path)).size;
      expect(m).to.deep.equal({
        format: 'acode-backup-manifest',
        formatVersion: 1,
        toolVersion: await toolVersion(),
        createdAt: '2024-01-20T14:30:45.123Z',
        kind: 'manual',
        tag: null,
        database: { type: 'sqlite', source: ws!.db, fromBackups: '../acode.db', engineVersion: facts.version, schemaVersion: null, pageSize: facts.pageSize, pageCount: facts.pageCount },
        file: { name: result.name, size, sha256: await sha256(result.path) },
        compression: 'none',
        uncompressed: null,
        check: 'quick_check',
        tables: Object.keys(counts).sort().map((name) => ({ name, rows: counts[name] })),
      });
      expect(m.tables).to.have.lengthOf(11);
      expect(m.tables.find((t) => t.name === 'Track')).to.deep.equal({ name: 'Track', rows: 3503 });
      expect(size).to.equal(facts.pageCount * facts.pageSize);
    });

    it('creates the backup and its manifest readable by the owner only (0600), in a 0700 folder', async () => {
      expect(await mode(result.path)).to.equal(0o600);
      expect(await mode(result.manifestPath)).to.equal(0o600);
      expect(await mode(ws!.backups)).to.equal(0o700);
    });

    it('holds the same content as the source and leaves the source byte for byte as it was', async () => {
      expect(contentDigest(result.path)).to.equal(contentDigest(ws!.db));
      expect(await sha256(ws!.db)).to.equal(sourceSha);
      expect(await headerVersions(result.path)).to.deep.equal([1, 1]);
    });

    it('restores over changed data: the round trip gives back every row', async () => {
      const live = openDb(ws!.db);
      live.exec("DELETE FROM InvoiceLine WHERE InvoiceId < 100; UPDATE Artist SET Name = 'Nobody' WHERE ArtistId = 1; INSERT INTO Genre (GenreId, Name) VALUES (99, 'Test')");
      live.close();
      expect(contentDigest(ws!.db)).to.not.equal(contentDigest(result.path));
      const restored = await restoreBackup({ config: await ws!.config(), file: result.name, now: () => new Date('2024-01-20T15:00:00Z') });
      expect(contentDigest(ws!.db)).to.equal(contentDigest(result.path));
      expect(tableCounts(ws!.db)).to.deep.equal(Object.fromEntries(result.manifest.tables.map((t) => [t.name, t.rows])));
      const indexes = (file: string): unknown[] => {
        const db = openToRead(file);
        const rows = db.prepare("SELECT name, tbl_name, sql FROM sqlite_schema WHERE type = 'index' ORDER BY name").all();
        db.close();
        return rows;
      };
      expect(indexes(ws!.db)).to.deep.equal(indexes(result.path));
      expect(restored.safetyBackup?.name).to.equal('acode_backup_20240120_150000_pre_restore.db');
    });

    it('reports its stages in order, each started and ended', () => {
      const outline = events.filter((e) => e.phase !== 'update').map((e) => `${e.phase} ${e.stage}`);
      expect(outline).to.deep.equal([
        'start open', 'end open',
        'start copy', 'end copy',
        'start check', 'end check',
        'start checksum', 'end checksum',
        'start manifest', 'end manifest',
        'start rotate', 'end rotate',
      ]);
      expect(events.find((e) => e.stage === 'copy' && e.phase === 'end')?.detail).to.equal('246 pages');
      expect(events.find((e) => e.stage === 'check' && e.phase === 'end')?.detail).to.equal('quick_check');
      const copied = events.filter((e) => e.stage === 'copy' && e.phase === 'update');
      expect(copied.at(-1)).to.include({ pages: 246, totalPages: 246 });
    });

    it('a second backup in the same second gets _2, and neither replaces the other', async () => {
      const second = await createBackup({ config: await ws!.config(), now: () => NOW });
      expect(second.name).to.equal('acode_backup_20240120_143045_2.db');
      expect(second.manifest.file.name).to.equal(second.name);
      expect(await sha256(result.path)).to.equal(result.manifest.file.sha256);
      expect(await listDir(ws!.backups)).to.deep.equal([
        'acode_backup_20240120_143045.db',
        'acode_backup_20240120_143045.db.manifest.json',
        'acode_backup_20240120_143045_2.db',
        'acode_backup_20240120_143045_2.db.manifest.json',
      ]);
    });
  });

  describe('options', () => {
    beforeEach(async () => {
      ws = await createWorkspace({ database: 'chinook' });
    });

    it('--full runs integrity_check, --no-verify records that nothing was checked', async () => {
      const config = await ws!.config();
      const full = await createBackup({ config, full: true, now: () => NOW });
      expect(full.manifest.check).to.equal('integrity_check');
      const unchecked = await createBackup({ config, verify: false, now: () => NOW });
      expect(unchecked.manifest.check).to.equal(null);
      expect(unchecked.manifest.tables.length).to.equal(11);
    });

    it('--output-dir writes there (creating it) instead of backup.path', async () => {
      scratch = await makeTempDir('outdir');
      const out = path.join(scratch, 'usb', 'acode');
      const result = await createBackup({ config: await ws!.config(), outputDir: out, tag: 'before-upgrade', now: () => NOW });
      expect(result.path).to.equal(path.join(out, 'acode_backup_20240120_143045.db'));
      expect(result.manifest.tag).to.equal('before-upgrade');
      expect(await listDir(ws!.backups)).to.deep.equal([]);
    });

    it('refuses a tag with spaces or slashes (ACODE-USE-001) before writing anything', async () => {
      const err = await failure(createBackup({ config: await ws!.config(), tag: 'a/b c' }));
      expect(err).to.include({ code: 'ACODE-USE-001', message: 'Invalid usage: tag must be 1–64 letters, digits or . _ : @ + -, got "a/b c"', exitCode: 64 });
      expect(await listDir(ws!.backups)).to.deep.equal([]);
    });
  });

  describe('of a WAL database with writes not yet checkpointed', () => {
    let live: Db | undefined;
    afterEach(() => {
      live?.close();
      live = undefined;
    });

    it('holds the rows that are only in the -wal file, and needs no -wal of its own', async () => {
      ws = await createWorkspace({ database: 'none' });
      live = makeWalDatabase(ws.db, { checkpointed: 100, uncheckpointed: 400 });
      // The main file alone has only the checkpointed rows: the other 400 live in the -wal.
      scratch = await makeTempDir('wal-alone');
      await copyFile(ws.db, path.join(scratch, 'alone.db'));
      expect(tableCounts(path.join(scratch, 'alone.db'))).to.deep.equal({ notes: 100 });
      expect((await stat(`${ws.db}-wal`)).size).to.be.above(400 * 200);

      const result = await createBackup({ config: await ws.config(), now: () => NOW });
      expect(result.manifest.tables).to.deep.equal([{ name: 'notes', rows: 500 }]);
      expect(tableCounts(result.path)).to.deep.equal({ notes: 500 });
      expect(await headerVersions(result.path)).to.deep.equal([1, 1]);
      expect(await listDir(ws.backups)).to.deep.equal([result.name, `${result.name}.manifest.json`]);
      const copy = openToRead(result.path);
      expect(copy.pragma('journal_mode', { simple: true })).to.equal('delete');
      expect(copy.pragma('integrity_check', { simple: true })).to.equal('ok');
      copy.close();
      // The backup was read through its own connection: the live one still sees its rows.
      expect(live.prepare('SELECT count(*) FROM notes').pluck().get()).to.equal(500);
    });

    it('gzip: the manifest has the uncompressed sha256, and the inner database is self-contained', async () => {
      ws = await createWorkspace({ database: 'none' });
      live = makeWalDatabase(ws.db, { checkpointed: 50, uncheckpointed: 250 });
      const result = await createBackup({ config: await ws.config(), compress: true, now: () => NOW });
      expect(result.name).to.equal('acode_backup_20240120_143045.db.gz');
      const gz = await readFile(result.path);
      const raw = gunzipSync(gz);
      expect(result.manifest.compression).to.equal('gzip');
      expect(result.manifest.file).to.deep.equal({ name: result.name, size: gz.length, sha256: createHash('sha256').update(gz).digest('hex') });
      expect(result.manifest.uncompressed).to.deep.equal({ size: raw.length, sha256: createHash('sha256').update(raw).digest('hex') });
      expect([raw[18], raw[19]]).to.deep.equal([1, 1]);
      scratch = await makeTempDir('gunzip');
      await writeFile(path.join(scratch, 'inner.db'), raw);
      expect(tableCounts(path.join(scratch, 'inner.db'))).to.deep.equal({ notes: 300 });
      expect(await mode(result.path)).to.equal(0o600);
      expect(await listDir(ws.backups)).to.deep.equal([result.name, `${result.name}.manifest.json`]);
    });
  });

  describe('rotation after a backup', () => {
    it('keeps backup.max_backups, oldest deleted first; pre-restore backups are left alone', async () => {
      ws = await createWorkspace({ database: 'chinook', config: 'backup:\n  max_backups: 2\n' });
      const config = await ws.config();
      const made: string[] = [];
      await createBackup({ config, kind: 'pre_restore', now: () => new Date('2024-01-01T00:00:00Z') });
      for (const day of ['02', '03', '04', '05']) {
        const r = await createBackup({ config, now: () => new Date(`2024-01-${day}T00:00:00Z`) });
        made.push(r.name);
        if (day === '04') expect(r.rotation?.removed.map((b) => b.name)).to.deep.equal(['acode_backup_20240102_000000.db']);
      }
      expect(await listDir(ws.backups)).to.deep.equal([
        'acode_backup_20240101_000000_pre_restore.db',
        'acode_backup_20240101_000000_pre_restore.db.manifest.json',
        'acode_backup_20240104_000000.db',
        'acode_backup_20240104_000000.db.manifest.json',
        'acode_backup_20240105_000000.db',
        'acode_backup_20240105_000000.db.manifest.json',
      ]);
    });

    it('keeps rotating when the workspace is moved, or reached through a symlink; another database\'s backups in the folder are left alone', async () => {
      ws = await createWorkspace({ database: 'chinook', config: 'backup:\n  max_backups: 2\n' });
      const backupAt = async (dir: string, day: string): Promise<void> => {
        await createBackup({ config: await workspaceAt(dir).config(), now: () => new Date(`2024-01-${day}T00:00:00Z`) });
      };
      // Another database backed up into the same folder: never this one's to rotate.
      const other = path.join(ws.dir, '.agent', 'other.db');
      await copyFile(ws.db, other);
      const otherConfig = { ...(await ws.config()), database: { ...(await ws.config()).database, path: other } };
      await createBackup({ config: otherConfig, now: () => new Date('2024-01-01T00:00:00Z') });
      for (const day of ['02', '03', '04']) await backupAt(ws.dir, day);
      const moved = `${ws.dir}-moved`;
      await rename(ws.dir, moved);
      ws = { ...ws, ...workspaceAt(moved) };
      for (const day of ['05', '06']) await backupAt(moved, day);
      const link = `${moved}-link`;
      await symlink(moved, link);
      try {
        await backupAt(link, '07');
      } finally {
        await rm(link);
      }
      expect((await listDir(ws.backups)).filter((n) => n.endsWith('.db'))).to.deep.equal([
        'acode_backup_20240101_000000.db',
        'acode_backup_20240106_000000.db',
        'acode_backup_20240107_000000.db',
      ]);
    });

    it('a failed backup deletes nothing', async () => {
      ws = await createWorkspace({ database: 'chinook', config: 'backup:\n  max_backups: 1\n' });
      const config = await ws.config();
      await createBackup({ config, now: () => new Date('2024-01-02T00:00:00Z') });
      const before = await listDir(ws.backups);
      await writeFile(ws.db, 'this is not a database any more');
      const err = await failure(createBackup({ config, now: () => new Date('2024-01-03T00:00:00Z') }));
      expect(err.code).to.equal('ACODE-DB-003');
      expect(await listDir(ws.backups)).to.deep.equal(before);
    });
  });

  describe('bad input', () => {
    it('a missing database is ACODE-DB-001 (exit 1) and creates no backup folder', async () => {
      ws = await createWorkspace({ database: 'none' });
      const err = await failure(createBackup({ config: await ws.config() }));
      expect(err).to.include({ code: 'ACODE-DB-001', message: `Database not found: no database at ${ws.db}`, exitCode: 1 });
      expect(await listDir(path.dirname(ws.db))).to.deep.equal([]);
    });

    it('a database path that is a folder is ACODE-DB-002', async () => {
      ws = await createWorkspace({ database: 'none', config: 'database:\n  path: .agent\n' });
      const err = await failure(createBackup({ config: await ws.config() }));
      expect(err).to.include({ code: 'ACODE-DB-002', message: `Database path is not a file: database path ${path.join(ws.dir, '.agent')} is a folder`, exitCode: 1 });
    });

    it('a database that is not SQLite is ACODE-DB-003', async () => {
      ws = await createWorkspace({ database: 'none' });
      await writeFile(ws.db, 'hello, I am a text file and not a database at all\n'.repeat(200));
      const err = await failure(createBackup({ config: await ws.config() }));
      expect(err.code).to.equal('ACODE-DB-003');
      expect(err.message).to.equal(`Not a SQLite database: ${ws.db} is not a SQLite database (file is not a database)`);
    });

    it('a damaged database whose copy fails its check is ACODE-DB-004 and nothing is kept', async () => {
      ws = await createWorkspace({ database: 'none' });
      const db = new Database(ws.db);
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX t_v ON t(v);');
      db.prepare("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) INSERT INTO t (v) SELECT printf('value %d', i) FROM n").run();
      const indexRoot = Number(db.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 't_v'").pluck().get());
      db.close();
      // Scribble over the index's root page: tables still read, the check does not pass.
      const bytes = await readFile(ws.db);
      bytes.fill(0x5a, (indexRoot - 1) * 4096 + 8, indexRoot * 4096);
      await writeFile(ws.db, bytes);
      const err = await failure(createBackup({ config: await ws.config(), full: true }));
      expect(err.code).to.equal('ACODE-DB-004');
      expect(err.message).to.match(/^Database integrity check failed: the copy of the database fails integrity_check: /);
      expect(await listDir(ws.backups)).to.deep.equal([]);
    });

    it('a backup folder under a regular file is ACODE-BAK-008 (exit 1)', async () => {
      ws = await createWorkspace({ database: 'chinook', config: 'backup:\n  path: .agent/acode.db/backups\n' });
      const err = await failure(createBackup({ config: await ws.config() }));
      expect(err).to.include({ code: 'ACODE-BAK-008', exitCode: 1 });
      expect(err.message).to.equal(`Backup folder not writable: cannot create backup folder ${path.join(ws.db, 'backups')}: ENOTDIR: not a directory, mkdir '${path.join(ws.db, 'backups')}'`);
    });

    it('an aborted backup is ACODE-BAK-001 "interrupted" and leaves no file', async () => {
      ws = await createWorkspace({ database: 'chinook' });
      const controller = new AbortController();
      const err = await failure(
        createBackup({
          config: await ws.config(),
          signal: controller.signal,
          onProgress: (e) => {
            if (e.stage === 'copy' && e.phase === 'update') controller.abort(Object.assign(new Error('stop'), { name: 'AbortError' }));
          },
        }),
      );
      expect(err).to.include({ code: 'ACODE-BAK-001', message: `Backup failed: backing up ${ws.db}: interrupted`, exitCode: 1 });
      expect(await listDir(ws.backups)).to.deep.equal([]);
      expect(await leftovers(ws.backups)).to.deep.equal([]);
    });
  });
});
