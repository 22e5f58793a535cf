import { copyFile, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { lines, runCli, type CliResult } from '../support/cli.js';
import { dumpDatabase, expectSameDatabase } from '../support/export-data.js';
import { buildTar, readTarEntries, refreshManifestEntry } from '../support/export-files.js';
import { contentDigest, openDb, tableCounts } from '../support/sqlite.js';
import { flipByte } from '../support/tamper.js';
import { mountTmpfs, unmount } from '../support/tmpfs.js';
import { leftovers, listDir, makeTempDir, removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const AT = { ACODE_NOW: '2024-01-20T14:30:45Z' };
const INVALID_HINT = ' — the file is truncated, damaged or not an acode export; export it again';

function lastLine(r: CliResult): string {
  return lines(r.stderr).at(-1) ?? '';
}

describe('e2e: acode db import', function () {
  let source: SeededWorkspace;
  let dir: string;

  before(async () => {
    source = await createWorkspace({ database: 'demo' });
    for (const args of [
      ['--format', 'json', '--no-redact', '--output', 'e.json'],
      ['--format', 'ndjson', '--no-redact', '--output', 'e.ndjson.gz'],
      ['--format', 'csv', '--no-redact', '--output', 'e.csv'],
      ['--format', 'csv', '--no-redact', '--output', 'e.tar.gz'],
      ['--format', 'sqlite', '--no-redact', '--output', 'e.db'],
      ['--format', 'json', '--output', 'redacted.json'],
    ]) {
      const r = await runCli(['db', 'export', ...args], { workspace: source.dir, env: AT });
      expect(r.code, r.stderr).to.equal(0);
    }
  });
  after(() => removeTempDir(source.dir));
  beforeEach(async () => {
    dir = await makeTempDir('import');
  });
  afterEach(() => removeTempDir(dir));

  const exported = (name: string): string => path.join(source.dir, name);
  /** A workspace with no database yet: the import creates it. */
  const fresh = (): Promise<SeededWorkspace> => createWorkspace({ database: 'none', parent: dir });
  const importInto = (ws: SeededWorkspace, args: readonly string[]) => runCli(['db', 'import', ...args], { workspace: ws.dir, env: AT });

  for (const name of ['e.json', 'e.ndjson.gz', 'e', 'e.tar.gz', 'e.db']) {
    it(`${name}: creates the database, prints one line per table, and the rows equal the source's`, async () => {
      const ws = await fresh();
      const r = await importInto(ws, [exported(name)]);
      expect(r.code, r.stderr).to.equal(0);
      const counts = tableCounts(source.db);
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      expect(lines(r.stdout)).to.deep.equal([
        ...Object.entries(counts).map(([t, n]) => `  ${t}: ${n.toLocaleString('en-US')} record${n === 1 ? '' : 's'} (table created)`),
        `Import complete: ${Object.keys(counts).length} tables, ${total.toLocaleString('en-US')} records (new database created).`,
      ]);
      const err = lines(r.stderr);
      expect(err[0]).to.equal(`Importing ${exported(name)} into .agent/acode.db...`);
      expect(err).to.include('  ✓ Checksums match the manifest');
      expectSameDatabase(dumpDatabase(ws.db), dumpDatabase(source.db));
      expect(await leftovers(path.dirname(ws.db))).to.deep.equal([]);
    });
  }

  it("a tar bundle without its manifest beside it: each entry checked against the bundle's own, and said so", async () => {
    const bundle = path.join(dir, 'alone', 'e.tar.gz');
    await mkdir(path.dirname(bundle), { recursive: true });
    await copyFile(exported('e.tar.gz'), bundle);
    const ws = await fresh();
    const r = await importInto(ws, [bundle]);
    expect(r.code, r.stderr).to.equal(0);
    // Before, a verified bundle said nothing of its checksums.
    expect(lines(r.stderr).filter((l) => l.includes('Checksums'))).to.deep.equal(["  ✓ Checksums match the bundle's manifest.json"]);
    const unchecked = await importInto(ws, [bundle, '--no-verify', '--mode', 'replace']);
    expect(unchecked.code, unchecked.stderr).to.equal(0);
    expect(lines(unchecked.stderr).filter((l) => l.includes('Checksums'))).to.deep.equal([]);
  });

  it('a redacted export: imports, and warns that its placeholders are now data', async () => {
    const ws = await fresh();
    const r = await importInto(ws, [exported('redacted.json')]);
    expect(r.code, r.stderr).to.equal(0);
    expect(lines(r.stderr)).to.include('⚠ this export was redacted: its placeholders ([REDACTED] and the like) are now data in the database');
    const db = openDb(ws.db);
    const keys = db.prepare('SELECT api_key FROM credentials').pluck().all();
    db.close();
    expect(keys).to.deep.equal(['[REDACTED]', '[REDACTED]', '[REDACTED]']);
  });

  describe('refusals: one line, exit code, the database unchanged', () => {
    let ws: SeededWorkspace;
    let digest: string;
    beforeEach(async () => {
      // The workspace already holds a copy of the data: a refused import must not touch it.
      ws = await fresh();
      expect((await importInto(ws, [exported('e.json')])).code).to.equal(0);
      digest = contentDigest(ws.db);
    });

    async function expectUnchanged(): Promise<void> {
      expect(contentDigest(ws.db)).to.equal(digest);
      expect(await leftovers(path.dirname(ws.db))).to.deep.equal([]);
    }

    it('tampered with: ACODE-IMP-003, exit 4', async () => {
      const copy = path.join(dir, 'e.json');
      await copyFile(exported('e.json'), copy);
      await copyFile(`${exported('e.json')}.manifest.json`, `${copy}.manifest.json`);
      await flipByte(copy, 5000);
      const r = await importInto(ws, [copy, '--mode', 'replace']);
      expect(r.code).to.equal(4);
      expect(lastLine(r)).to.match(/^✗ ACODE-IMP-003 Export checksum mismatch: e\.json: sha256 is [0-9a-f]{16}…, manifest says [0-9a-f]{16}…; nothing was imported — the export changed after it was written; get an intact copy$/);
      expect(r.stdout).to.equal('');
      await expectUnchanged();
    });

    it('truncated (--no-verify): ACODE-IMP-002, exit 4, after the --no-verify warning', async () => {
      const cut = path.join(dir, 'cut.json');
      const whole = await readFile(exported('e.json'));
      await writeFile(cut, whole.subarray(0, Math.floor(whole.length * 0.7)));
      const r = await importInto(ws, [cut, '--no-verify', '--mode', 'replace']);
      expect(r.code).to.equal(4);
      expect(lines(r.stderr)).to.include('⚠ checksums are not checked (--no-verify)');
      expect(lastLine(r)).to.match(new RegExp(`^✗ ACODE-IMP-002 Not a valid export: the JSON export ends early \\(truncated\\?\\): .*${INVALID_HINT}$`));
      await expectUnchanged();
    });

    it('without its manifest: ACODE-IMP-002, exit 4, pointing at --manifest (a saved stream\'s: it named only --no-verify) and --no-verify', async () => {
      const alone = path.join(dir, 'alone.json');
      await copyFile(exported('e.json'), alone);
      const r = await importInto(ws, [alone]);
      expect(r.code).to.equal(4);
      expect(lastLine(r)).to.equal('✗ ACODE-IMP-002 Not a valid export: alone.json has no manifest to check it against (alone.json.manifest.json) — a stream saved from `--output -` has its manifest where `--manifest FILE` put it: give that with --manifest FILE; else import only exports with their manifest, or pass --no-verify to import it unchecked');
      await expectUnchanged();
    });

    it('not an export at all: ACODE-IMP-002, exit 4', async () => {
      const junk = path.join(dir, 'notes.txt');
      await writeFile(junk, 'just some notes\n');
      const r = await importInto(ws, [junk]);
      expect(r.code).to.equal(4);
      expect(lastLine(r)).to.equal(`✗ ACODE-IMP-002 Not a valid export: notes.txt is not an acode export (JSON, NDJSON, CSV, tar bundle or SQLite)${INVALID_HINT}`);
      await expectUnchanged();
    });

    it('a tar with a ../ entry: ACODE-IMP-005, exit 4, nothing written outside', async () => {
      const entries = await readTarEntries(await readFile(exported('e.tar.gz')));
      const evil = path.join(dir, 'inner', 'evil.tar');
      await mkdir(path.dirname(evil));
      await writeFile(evil, await buildTar([{ name: 'manifest.json', data: entries[0]!.data }, { name: '../evil.csv', data: 'id\r\n1\r\n' }]));
      const r = await importInto(ws, [evil, '--no-verify']);
      expect(r.code).to.equal(4);
      expect(lastLine(r)).to.equal('✗ ACODE-IMP-005 Unsafe archive entry: entry "../evil.csv" leaves the archive folder (..) — the archive tries to write outside its folder or holds links; it was refused');
      expect(await listDir(dir)).to.not.include('evil.csv');
      await expectUnchanged();
    });

    it('a CSV with a ragged row (checksum fixed): ACODE-IMP-002, exit 4, naming table and row', async () => {
      const folder = path.join(dir, 'e');
      await cp(exported('e'), folder, { recursive: true });
      const csv = path.join(folder, 'settings.csv');
      const text = (await readFile(csv, 'utf8')).split('\r\n');
      text[1] = `${text[1]},one too many`;
      await writeFile(csv, text.join('\r\n'));
      await refreshManifestEntry(path.join(folder, 'manifest.json'), 'settings.csv', csv);
      const r = await importInto(ws, [folder, '--mode', 'replace']);
      expect(r.code).to.equal(4);
      expect(lastLine(r)).to.equal(`✗ ACODE-IMP-002 Not a valid export: table settings: data row 1 (near line 2) has 4 fields, the table has 3 columns${INVALID_HINT}`);
      await expectUnchanged();
    });

    it('a path that does not exist: ACODE-IMP-007, exit 4 as restore\'s missing backup, saying so (no errno, no "truncated" advice)', async () => {
      const r = await importInto(ws, [path.join(dir, 'nowhere.json')]);
      expect(r.code).to.equal(4);
      expect(lastLine(r)).to.equal(`✗ ACODE-IMP-007 Export not found: no file or folder ${path.join(dir, 'nowhere.json')} — check the path: an export is a file, a CSV folder or a tar bundle`);
      await expectUnchanged();
    });

    it('an empty path (an unset variable), which would name the current folder: ACODE-USE-001, exit 64', async () => {
      const r = await importInto(ws, ['']);
      expect(r.code).to.equal(64);
      expect(lastLine(r)).to.equal("✗ ACODE-USE-001 Invalid usage: command-argument value '' is invalid for argument 'export'. expected a path, got an empty one — see `acode --help` or `acode <command> --help`");
      await expectUnchanged();
    });

    it('a target another process holds a write lock on: ACODE-DB-008, exit 1, after the busy wait (--wait)', async () => {
      const holder = openDb(ws.db);
      holder.exec('BEGIN IMMEDIATE');
      try {
        const r = await importInto(ws, [exported('e.db'), '--mode', 'replace', '--wait', '1']);
        expect(r.code, r.stderr).to.equal(1);
        expect(lastLine(r)).to.match(/^✗ ACODE-DB-008 Database is busy: .*acode\.db is locked by another process \(database is locked\); nothing was imported — another process holds a lock/);
      } finally {
        holder.exec('ROLLBACK');
        holder.close();
      }
      await expectUnchanged();
    });

    it('a primary-key conflict in append mode: ACODE-IMP-004, exit 1, naming table and key', async () => {
      const r = await importInto(ws, [exported('e.ndjson.gz')]);
      expect(r.code).to.equal(1);
      expect(lastLine(r)).to.equal('✗ ACODE-IMP-004 Primary key conflict: appr_approvals: a row with id=1 already exists (UNIQUE constraint failed: appr_approvals.id) — nothing was imported; use --mode replace or import into another database');
      await expectUnchanged();
    });

    it('--mode replace: replaces the rows instead', async () => {
      const db = openDb(ws.db);
      db.prepare("UPDATE settings SET value = 'changed locally'").run();
      db.close();
      const r = await importInto(ws, [exported('e.db'), '--mode', 'replace']);
      expect(r.code, r.stderr).to.equal(0);
      expect(lines(r.stdout).at(-1)).to.equal(`Import complete: 8 tables, ${Object.values(tableCounts(source.db)).reduce((a, b) => a + b, 0).toLocaleString('en-US')} records.`);
      expectSameDatabase(dumpDatabase(ws.db), dumpDatabase(source.db));
    });
  });

  it('a refused import into a workspace without a database creates no database', async () => {
    const ws = await fresh();
    const cut = path.join(dir, 'cut.ndjson');
    await writeFile(cut, (await readFile(exported('e.json'))).subarray(0, 4096));
    const r = await importInto(ws, [cut, '--no-verify']);
    expect(r.code).to.equal(4);
    expect(await listDir(path.dirname(ws.db))).to.deep.equal([]);
  });

  describe('an export of some tables (--tables), as the README shows', () => {
    before(async () => {
      const r = await runCli(['db', 'export', '--format', 'csv', '--tables', 'conv_chats,conv_runs', '--no-redact', '--output', 'chats.csv'], { workspace: source.dir, env: AT });
      expect(r.code, r.stderr).to.equal(0);
    });
    const counts = (): Record<string, number> => tableCounts(source.db);

    it('into a new workspace: a workspace at the export\'s schema version, which acode db migrate takes (it refused it, ACODE-MIG-001, exit 1); append and replace then work on it', async () => {
      const ws = await fresh();
      const r = await importInto(ws, [exported('chats')]);
      expect(r.code, r.stderr).to.equal(0);
      const { conv_chats: chats, conv_runs: runs } = counts();
      expect(lines(r.stdout)).to.deep.equal([
        `  conv_chats: ${chats} records (table created)`,
        `  conv_runs: ${runs} records (table created)`,
        `Import complete: 2 tables, ${chats! + runs!} records (new database created).`,
      ]);
      expect(tableCounts(ws.db)).to.deep.equal({ ...Object.fromEntries(Object.keys(counts()).map((t) => [t, 0])), conv_chats: chats, conv_runs: runs, schema_version: 3 });
      const db = openDb(ws.db);
      const schema = (file: string): string[] => {
        const other = openDb(file);
        try {
          return other.prepare("SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_schema ORDER BY name").pluck().all() as string[];
        } finally {
          other.close();
        }
      };
      expect(db.pragma('journal_mode', { simple: true })).to.equal('wal');
      db.close();
      expect(schema(ws.db)).to.deep.equal(schema(source.db));
      const migrate = await runCli(['db', 'migrate'], { workspace: ws.dir, env: AT });
      expect(migrate.code, migrate.stderr).to.equal(0);
      expect(lines(migrate.stdout).at(-1)).to.equal('Database is up to date (schema version 3).');
      const again = await importInto(ws, [exported('chats')]);
      expect(again.code).to.equal(1);
      expect(lastLine(again)).to.match(/^✗ ACODE-IMP-004 Primary key conflict: conv_chats: a row with id='[^']+' already exists/);
      const replaced = await importInto(ws, [exported('chats'), '--mode', 'replace']);
      expect(replaced.code, replaced.stderr).to.equal(0);
      expect(lines(replaced.stdout).at(-1)).to.equal(`Import complete: 2 tables, ${chats! + runs!} records.`);
    });

    it('into a workspace at an older schema version: refused as a full export is (it went in unchecked, exit 0), ACODE-IMP-001, exit 1', async () => {
      const ws = await createWorkspace({ database: 'schema', schemaVersion: 2, parent: dir });
      const digest = contentDigest(ws.db);
      const r = await importInto(ws, [exported('chats')]);
      expect(r.code).to.equal(1);
      expect(lastLine(r)).to.equal('✗ ACODE-IMP-001 Import failed: the export is at schema version 3 and the workspace database at 2; nothing was imported — run `acode db migrate` on the workspace database first, then import again');
      expect(contentDigest(ws.db)).to.equal(digest);
    });
  });

  it('a failed import into a workspace folder that did not exist leaves no folder behind (it left new/ and new/deeper/ there)', async () => {
    const bad = path.join(dir, 'bad');
    await cp(exported('e'), bad, { recursive: true });
    const csv = path.join(bad, 'settings.csv');
    await writeFile(csv, (await readFile(csv, 'utf8')).split('\r\n').slice(0, -2).join('\r\n') + '\r\n');
    const target = path.join(dir, 'new', 'deeper');
    const r = await runCli(['db', 'import', bad, '--no-verify', '--workspace', target], { cwd: dir, env: AT });
    expect(r.code, r.stderr).to.equal(4);
    expect(lastLine(r)).to.match(/^✗ ACODE-IMP-002 /);
    expect(await listDir(dir)).to.deep.equal(['bad']);
  });

  describe('a full disk (tmpfs)', () => {
    let disk: string;
    beforeEach(async function () {
      disk = path.join(dir, 'small-disk');
      const why = await mountTmpfs(disk, 128 * 1024);
      if (why) this.skip();
    });
    afterEach(() => unmount(disk));

    it('ACODE-IMP-009 saying the disk is full, exit 1, no "✓ Rows loaded" before it (it said so, then a generic ACODE-IMP-001), nothing left', async () => {
      const r = await runCli(['db', 'import', exported('e.json'), '--workspace', path.join(disk, 'ws')], { cwd: dir, env: AT });
      expect(r.code, r.stderr).to.equal(1);
      expect(lines(r.stderr)).to.not.include('  ✓ Rows loaded (8 tables)');
      expect(lastLine(r)).to.equal(`✗ ACODE-IMP-009 Not enough disk space for the import: the disk holding ${path.join(disk, 'ws', '.agent')} is full (database or disk is full); nothing was imported — the database was left unchanged; free some space on its disk and import again`);
      expect(await listDir(disk)).to.deep.equal([]);
    });
  });
});
