/**
 * What a review of `db import` and `db export verify` found on hostile and damaged input
 * (2026-11-27): each case here was reproduced against the code before its fix.
 */
import { createHash } from 'node:crypto';
import { copyFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { exportDatabase } from '../../lib/export.js';
import { verifyExport } from '../../lib/export-verify.js';
import { importExport } from '../../lib/import.js';
import { buildTar } from '../support/export-files.js';
import { failure } from '../support/failure.js';
import { contentDigest, openDb } from '../support/sqlite.js';
import { leftovers, makeTempDir, removeTempDir } from '../support/temp.js';
import { mountTmpfs, unmount } from '../support/tmpfs.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const NOW = new Date('2024-01-20T14:30:45.000Z');

interface Manifest {
  header: Record<string, unknown>;
  files: { name: string; sha256: string; bytes: number; table?: string }[];
  tables: { name: string; file?: string }[];
}

describe('integration: import and export verify on hostile input (third review)', function () {
  let source: SeededWorkspace;
  let work: string;
  let target: SeededWorkspace;
  let targetDigest: string;

  before(async () => {
    source = await createWorkspace({ database: 'demo' });
  });
  after(() => removeTempDir(source.dir));
  beforeEach(async () => {
    work = await makeTempDir('imp-hostile');
    target = await createWorkspace({ database: 'demo', parent: work });
    targetDigest = contentDigest(target.db);
  });
  afterEach(() => removeTempDir(work));

  const exportTo = async (name: string, options: Record<string, unknown> = {}): Promise<string> => {
    const output = path.join(work, name);
    await exportDatabase({ config: await source.config(), output, redact: false, now: () => NOW, ...options });
    return output;
  };
  const importFrom = async (file: string, options: Record<string, unknown> = {}): Promise<unknown> => importExport({ config: await target.config(), source: file, ...options });
  const readManifest = async (file: string): Promise<Manifest> => JSON.parse(await readFile(file, 'utf8')) as Manifest;
  async function expectUnchanged(): Promise<void> {
    expect(contentDigest(target.db), 'the target database is unchanged').to.equal(targetDigest);
    expect(await leftovers(path.dirname(target.db))).to.deep.equal([]);
  }

  describe('export verify', () => {
    it('scans a one-table CSV file: the demo\'s credentials are a leak (they were reported clean)', async () => {
      const file = await exportTo('cred.csv', { format: 'csv', tables: ['credentials'] });
      const result = await verifyExport({ path: file });
      expect(result.kind).to.equal('csv-file');
      expect(result.valid).to.equal(false);
      const scan = result.checks.find((c) => c.name === 'leak-scan')!;
      expect(scan.ok).to.equal(false);
      expect(scan.problem).to.match(/\(detector \w+\)/);
      expect(scan.problem).to.include('table credentials');
    });

    it('a CSV folder: a manifest name outside the folder is damage and is not read; a file the manifest leaves out is scanned and reported', async () => {
      const folder = await exportTo('out', { format: 'csv', tables: ['schema_version', 'conv_chats'] });
      const outside = path.join(work, 'outside.txt');
      await writeFile(outside, `OPENAI_API_KEY=sk-proj-${'Ab3dE'.repeat(10)}\n`);
      const manifestFile = path.join(folder, 'manifest.json');
      const manifest = await readManifest(manifestFile);
      manifest.files.push({ name: '../outside.txt', sha256: '0'.repeat(64), bytes: 1 });
      await writeFile(manifestFile, JSON.stringify(manifest));
      let result = await verifyExport({ path: folder });
      expect(result.valid).to.equal(false);
      expect(result.checks.map((c) => [c.name, c.ok])).to.deep.equal([['manifest', true], ['checksum', false], ['checksum', false], ['redaction', false]]);
      expect(result.checks[2]!.problem).to.include('"../outside.txt", which is not a file of the export folder');

      manifest.files.pop();
      await writeFile(manifestFile, JSON.stringify(manifest));
      await writeFile(path.join(folder, 'notes.txt'), `token: ghp_${createHash('sha256').update('notes').digest('base64').replace(/[+/=]/g, '').slice(0, 36)}\n`);
      result = await verifyExport({ path: folder });
      expect(result.valid).to.equal(false);
      const scan = result.checks.find((c) => c.name === 'leak-scan')!;
      expect(scan.ok).to.equal(false);
    });

    it('a CSV folder with an unlisted file and no secret fails as damaged, naming the file', async () => {
      const folder = await exportTo('out', { format: 'csv', tables: ['schema_version', 'conv_chats'] });
      await writeFile(path.join(folder, 'README.txt'), 'shared on request\n');
      const result = await verifyExport({ path: folder });
      expect(result.valid).to.equal(false);
      expect(result.checks.find((c) => c.label === 'The export is damaged')?.problem).to.equal('README.txt is in the folder but not in manifest.json');
    });
  });

  describe('manifests that vouch for nothing', () => {
    it('a sidecar listing no file: import refused before a row is read, verify fails the checksum', async () => {
      const file = await exportTo('all.json', { format: 'json' });
      const manifest = await readManifest(`${file}.manifest.json`);
      manifest.files = [];
      await writeFile(`${file}.manifest.json`, JSON.stringify(manifest));
      const err = await failure(importFrom(file));
      expect(err.code).to.equal('ACODE-IMP-002');
      expect(err.message).to.include('its manifest must list this one file, and it lists 0');
      await expectUnchanged();
      const result = await verifyExport({ path: file });
      expect(result.checks.find((c) => c.name === 'checksum')?.ok).to.equal(false);
    });

    it('a folder manifest whose table has no checksummed file: refused', async () => {
      const folder = await exportTo('out', { format: 'csv', tables: ['schema_version', 'conv_chats'] });
      const manifestFile = path.join(folder, 'manifest.json');
      const manifest = await readManifest(manifestFile);
      manifest.files = manifest.files.filter((f) => f.table !== 'conv_chats');
      await writeFile(manifestFile, JSON.stringify(manifest));
      const err = await failure(importFrom(folder));
      expect(err.code).to.equal('ACODE-IMP-002');
      expect(err.message).to.include('manifest gives table conv_chats the file "conv_chats.csv", which is not one of the folder\'s checksummed files');
      await expectUnchanged();
    });
  });

  it('--manifest given with a CSV folder is a usage error (exit 64), not a damaged export', async () => {
    const folder = await exportTo('out', { format: 'csv', tables: ['schema_version', 'conv_chats'] });
    const err = await failure(importFrom(folder, { manifest: path.join(folder, 'manifest.json') }));
    expect([err.code, err.exitCode]).to.deep.equal(['ACODE-USE-001', 64]);
    expect(err.message).to.include('is a folder: its manifest is the manifest.json inside it, not --manifest');
  });

  describe('damaged metadata', () => {
    it('a header without redaction.enabled: refused before the commit (it committed, then said nothing was imported)', async () => {
      const file = await exportTo('all.json', { format: 'json' });
      const doc = JSON.parse(await readFile(file, 'utf8')) as { metadata: Record<string, unknown> };
      delete doc.metadata['redaction'];
      await writeFile(file, JSON.stringify(doc));
      const err = await failure(importFrom(file, { verify: false }));
      expect(err.code).to.equal('ACODE-IMP-002');
      expect(err.message).to.include("the export's metadata does not say whether it was redacted");
      await expectUnchanged();
    });

    it('a header whose tables are not a list: ACODE-IMP-002 saying so, not a TypeError', async () => {
      const file = await exportTo('all.ndjson', { format: 'ndjson' });
      const lines = (await readFile(file, 'utf8')).split('\n');
      const first = JSON.parse(lines[0]!) as { metadata: Record<string, unknown> };
      first.metadata['tables'] = 'all';
      lines[0] = JSON.stringify(first);
      await writeFile(file, lines.join('\n'));
      const err = await failure(importFrom(file, { verify: false }));
      expect(err.code).to.equal('ACODE-IMP-002');
      expect(err.message).to.include('does not list its tables with their row counts');
      await expectUnchanged();
    });

    it('a SQLite export whose metadata is not JSON: ACODE-IMP-002', async () => {
      const file = await exportTo('all.db', { format: 'sqlite' });
      const db = openDb(file);
      db.prepare("UPDATE _acode_export SET value = '{not json' WHERE key = 'metadata'").run();
      db.close();
      const err = await failure(importFrom(file, { verify: false }));
      expect(err.code).to.equal('ACODE-IMP-002');
      expect(err.message).to.include("the export's metadata is not valid JSON");
      await expectUnchanged();
    });

    it('metadata of more than a million items is refused; an unknown top-level key is skipped, not built', async () => {
      const file = await exportTo('all.json', { format: 'json' });
      const text = await readFile(file, 'utf8');
      const big = `[${'0,'.repeat(1_000_001)}0]`;
      await writeFile(file, text.replace('{"metadata":{', `{"metadata":{"padding":${big},`));
      const err = await failure(importFrom(file, { verify: false }));
      expect(err.code).to.equal('ACODE-IMP-002');
      expect(err.message).to.include('a metadata value holds more than 1,000,000 items');
      await expectUnchanged();

      await writeFile(file, text.replace('{"metadata":{', `{"padding":${big},"metadata":{`));
      await importExport({ config: await (await createWorkspace({ database: 'none', parent: path.join(work, 'fresh') })).config(), source: file, verify: false });
    });
  });

  describe('what the target database holds', () => {
    it('an export at another schema version: ACODE-IMP-001 in either mode (replace downgraded the migration record)', async () => {
      const file = await exportTo('all.json', { format: 'json' });
      const doc = JSON.parse(await readFile(file, 'utf8')) as { metadata: { schemaVersion: number } };
      doc.metadata.schemaVersion = 2;
      await writeFile(file, JSON.stringify(doc));
      for (const mode of ['replace', 'append']) {
        const err = await failure(importFrom(file, { verify: false, mode }));
        expect(err.code).to.equal('ACODE-IMP-001');
        expect(err.message).to.include('the export is at schema version 2 and the workspace database at 3; nothing was imported');
        await expectUnchanged();
      }
    });

    it('a table named sqlite_sequence in an export is refused (replace wiped every AUTOINCREMENT counter)', async () => {
      const file = await exportTo('all.json', { format: 'json', tables: ['settings'] });
      await writeFile(file, (await readFile(file, 'utf8')).replaceAll('"settings"', '"sqlite_sequence"'));
      const err = await failure(importFrom(file, { verify: false, mode: 'replace' }));
      expect(err.code).to.equal('ACODE-IMP-002');
      expect(err.message).to.include("a table named sqlite_sequence, SQLite's own name");
      await expectUnchanged();
    });

    it('a table of another case is the same table; a view of the same name is named as the clash, not blamed on the export', async () => {
      const file = await exportTo('settings.json', { format: 'json', tables: ['settings'] });
      const fresh = await createWorkspace({ database: 'none', parent: path.join(work, 'fresh') });
      const db = openDb(fresh.db);
      db.exec('CREATE TABLE "SETTINGS" (key TEXT PRIMARY KEY, value TEXT, updated_at TEXT)');
      db.close();
      const result = await importExport({ config: await fresh.config(), source: file });
      expect(result.tables.map((t) => [t.name, t.created])).to.deep.equal([['settings', false]]);
      const check = openDb(fresh.db);
      expect(check.prepare('SELECT count(*) FROM "SETTINGS"').pluck().get()).to.equal(result.tables[0]!.rows);
      check.exec('DROP TABLE "SETTINGS"; CREATE VIEW settings AS SELECT 1 AS key');
      check.close();
      const err = await failure(importExport({ config: await fresh.config(), source: file }));
      expect(err.code).to.equal('ACODE-IMP-001');
      expect(err.message).to.include('the workspace database has a view named settings, and the export a table settings');
    });

    it('two tables of one export that differ only in case are refused (replace lost the first one\'s rows), and an index of the name is named', async () => {
      const file = await exportTo('settings.json', { format: 'json', tables: ['settings'] });
      const doc = JSON.parse(await readFile(file, 'utf8')) as { metadata: { tables: { name: string }[] }; tables: { name: string; sql: string }[]; summary: { rows: number } };
      doc.tables.push({ ...doc.tables[0]!, name: 'SETTINGS', sql: doc.tables[0]!.sql.replace('CREATE TABLE settings', 'CREATE TABLE SETTINGS') });
      doc.metadata.tables.push({ ...doc.metadata.tables[0]!, name: 'SETTINGS' });
      doc.summary.rows *= 2;
      await writeFile(file, JSON.stringify(doc));
      const fresh = await createWorkspace({ database: 'none', parent: path.join(work, 'fresh') });
      for (const mode of ['replace', 'append'] as const) {
        const err = await failure(importExport({ config: await fresh.config(), source: file, verify: false, mode }));
        expect(err.code).to.equal('ACODE-IMP-001');
        expect(err.message).to.include('the export has tables settings and SETTINGS, which SQLite takes for one table');
      }
      const db = openDb(fresh.db);
      db.exec('CREATE TABLE x (a); CREATE INDEX Settings ON x (a)');
      db.close();
      const err = await failure(importExport({ config: await fresh.config(), source: await exportTo('s2.json', { format: 'json', tables: ['settings'] }) }));
      expect(err.code).to.equal('ACODE-IMP-001');
      expect(err.message).to.include('the workspace database has an index named Settings, and the export a table settings');
    });

    it('an export of a database that is not a workspace (its user_version, no migration record) imports into a workspace', async () => {
      const other = path.join(work, 'uv.db');
      const db = openDb(other);
      db.exec("PRAGMA user_version = 7; CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (1, 'x')");
      db.close();
      const file = path.join(work, 'uv.json');
      const { loadConfig } = await import('../../lib/config.js');
      await exportDatabase({ config: await loadConfig({ workspace: work, env: {}, databasePath: other }), output: file, redact: false, now: () => NOW, format: 'json' });
      const result = (await importFrom(file)) as { tables: { name: string; rows: number }[] };
      expect(result.tables.map((t) => [t.name, t.rows])).to.deep.equal([['notes', 1]]);
    });

    it('rows that refer to rows not imported are kept and counted, for a warning', async () => {
      const file = await exportTo('runs.json', { format: 'json', tables: ['conv_runs'] });
      const fresh = await createWorkspace({ database: 'none', parent: path.join(work, 'fresh') });
      const result = await importExport({ config: await fresh.config(), source: file });
      const runs = result.tables.find((t) => t.name === 'conv_runs')!;
      expect(runs.rows).to.be.above(0);
      expect(runs.danglingReferences).to.equal(runs.rows);
      const all = await importExport({ config: await target.config(), source: await exportTo('all.db', { format: 'sqlite' }), mode: 'replace' });
      expect(all.tables.every((t) => t.danglingReferences === 0)).to.equal(true);
    });

    it('a SQLite export cut short is refused even with --no-verify (it imported changed values)', async () => {
      const file = await exportTo('all.db', { format: 'sqlite' });
      const bytes = await readFile(file);
      await writeFile(file, bytes.subarray(0, bytes.length - 30));
      const err = await failure(importFrom(file, { verify: false }));
      expect(err.code).to.equal('ACODE-IMP-002');
      expect(err.message).to.match(/all\.db is truncated: \d+ bytes, where its pages take \d+/);
      await expectUnchanged();
    });

    it('a SQLite export with a -wal beside it is refused, and neither file changes (a connection that may write merged the -wal into it)', async () => {
      const file = await exportTo('all.db', { format: 'sqlite' });
      await writeFile(`${file}-wal`, Buffer.alloc(4096, 7));
      const before = [await readFile(file), await readFile(`${file}-wal`)];
      const err = await failure(importFrom(file, { verify: false }));
      expect(err.code).to.equal('ACODE-IMP-002');
      expect(err.message).to.equal('Not a valid export: all.db-wal beside it: SQLite would read it with the export, which acode writes as one file (remove it, or export again)');
      expect([await readFile(file), await readFile(`${file}-wal`)]).to.deep.equal(before);
      await expectUnchanged();
    });

    it('an import stopped while its checksums are computed is ACODE-IMP-001 "interrupted", not a damaged export', async () => {
      const file = await exportTo('all.json', { format: 'json' });
      const err = await failure(importFrom(file, { signal: AbortSignal.abort() }));
      expect(err.code).to.equal('ACODE-IMP-001');
      expect(err.message).to.include('interrupted');
      await expectUnchanged();
    });

    it('export verify stopped by its signal is ACODE-INT-002 "interrupted" (it changes nothing), not an internal error nor an export\'s "nothing was kept"', async () => {
      const file = await exportTo('all.json', { format: 'json' });
      const err = await failure(verifyExport({ path: file, signal: AbortSignal.abort() }));
      expect(err.code).to.equal('ACODE-INT-002');
      expect(err.message).to.include('interrupted');
    });
  });

  describe('inputs that would fill memory', () => {
    it('a tar bundle whose manifest.json is over 16 MiB is refused before it is read whole', async () => {
      const file = path.join(work, 'big.tar');
      await writeFile(file, await buildTar([{ name: 'manifest.json', data: Buffer.alloc(17 << 20, ' ') }]));
      const err = await failure(importFrom(file, { verify: false }));
      expect(err.code).to.equal('ACODE-IMP-002');
      expect(err.message).to.include('manifest.json is larger than 16 MiB');
      await expectUnchanged();
    });
  });
});

describe('integration: a new database imported onto a disk that fills (crash-safety review)', function () {
  let source: SeededWorkspace;
  let exportFile: string;
  let size: number;
  let work: string;

  before(async () => {
    source = await createWorkspace({ database: 'demo' });
    work = await makeTempDir('imp-disk');
    exportFile = path.join(work, 'all.ndjson');
    await exportDatabase({ config: await source.config(), format: 'ndjson', output: exportFile, redact: false, now: () => NOW });
    // The size a good import gives, where there is room.
    const roomy = await createWorkspace({ database: 'none', parent: path.join(work, 'roomy') });
    await importExport({ config: await roomy.config(), source: exportFile });
    size = (await stat(roomy.db)).size;
  });
  after(async () => {
    await removeTempDir(source.dir);
    await removeTempDir(work);
  });

  // Between one and two times the database's size free: a WAL-mode build committed into its -wal,
  // then lost it when the checkpoint at close found no room, and published a cut database.
  for (const room of [1.1, 1.3, 1.5, 1.7, 1.9]) {
    it(`${room}× the database's size free: a whole database or an error and nothing at its name, never a damaged one`, async function () {
      const disk = path.join(work, `disk-${room}`);
      const why = await mountTmpfs(disk, Math.round(size * room) + 64 * 1024);
      if (why) {
        this.currentTest!.title += ` (pending: ${why})`;
        this.skip();
      }
      try {
        const target = await createWorkspace({ database: 'none', parent: disk });
        const outcome = await importExport({ config: await target.config(), source: exportFile }).then(() => null, (err: unknown) => err as { code?: string });
        if (outcome === null) {
          const db = openDb(target.db);
          try {
            expect(db.pragma('integrity_check', { simple: true })).to.equal('ok');
          } finally {
            db.close();
          }
          expect(contentDigest(target.db)).to.equal(contentDigest(source.db));
        } else {
          expect(outcome.code).to.be.oneOf(['ACODE-IMP-001', 'ACODE-DB-007']);
          expect(await leftovers(path.dirname(target.db))).to.deep.equal([]);
          expect(await stat(target.db).then(() => 'there', () => 'absent')).to.equal('absent');
        }
      } finally {
        unmount(disk);
      }
    });
  }
});

describe('integration: leftovers of an earlier database at the new name (crash-safety review)', () => {
  it('an import creating the database sets a stale -wal and -journal aside instead of applying them', async () => {
    const dir = await makeTempDir('imp-orphans');
    try {
      const source = await createWorkspace({ database: 'demo', parent: path.join(dir, 'src') });
      const file = path.join(dir, 'all.json');
      await exportDatabase({ config: await source.config(), format: 'json', output: file, redact: false, now: () => NOW });
      // A WAL and a journal of another database that once lived at the target's name.
      const other = await createWorkspace({ database: 'demo', parent: path.join(dir, 'other') });
      const target = await createWorkspace({ database: 'none', parent: path.join(dir, 'dst') });
      const db = openDb(other.db);
      db.pragma('wal_autocheckpoint = 0');
      db.exec("UPDATE settings SET value = 'x'");
      await copyFile(`${other.db}-wal`, `${target.db}-wal`);
      db.close();
      await writeFile(`${target.db}-journal`, Buffer.alloc(4096, 1));
      await importExport({ config: await target.config(), source: file });
      expect(contentDigest(target.db)).to.equal(contentDigest(source.db));
      const check = openDb(target.db);
      expect(check.pragma('integrity_check', { simple: true })).to.equal('ok');
      check.close();
      const names = await readdir(path.dirname(target.db));
      expect(names.filter((n) => n.includes('.orphaned-')).map((n) => n.replace(/\d{8}T\d{6}Z$/, 'T'))).to.have.members(['acode.db-wal.orphaned-T', 'acode.db-journal.orphaned-T']);
    } finally {
      await removeTempDir(dir);
    }
  });
});

describe('integration: a disk with room for an export but not its manifest (review of the staged manifest)', () => {
  it('fails with ACODE-EXP-009 and leaves nothing: no temporary export beside the output either', async function () {
    const dir = await makeTempDir('exp-manifest-full');
    const disk = path.join(dir, 'disk');
    const why = await mountTmpfs(disk, 600 * 1024);
    if (why) {
      await removeTempDir(dir);
      this.skip();
    }
    try {
      const source = await createWorkspace({ database: 'demo', parent: path.join(dir, 'src') });
      const free = (await import('node:fs')).statfsSync(disk);
      await writeFile(path.join(disk, 'filler'), Buffer.alloc(free.bavail * free.bsize - 4096));
      const err = await failure(exportDatabase({ config: await source.config(), format: 'json', tables: ['settings'], output: path.join(disk, 's.json'), redact: false, now: () => NOW }));
      expect(err.code).to.equal('ACODE-EXP-009');
      expect(await readdir(disk)).to.deep.equal(['filler']);
    } finally {
      unmount(disk);
      await removeTempDir(dir);
    }
  });
});
