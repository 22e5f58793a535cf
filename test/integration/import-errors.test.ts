import { copyFile, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { exportDatabase } from '../../lib/export.js';
import { importExport, type ImportOptions } from '../../lib/import.js';
import { dumpDatabase, expectSameDatabase } from '../support/export-data.js';
import { buildTar, readTarEntries, refreshManifestEntry } from '../support/export-files.js';
import { contentDigest, openDb, tableCounts } from '../support/sqlite.js';
import { flipByte, truncateTo } from '../support/tamper.js';
import { leftovers, listDir, makeTempDir, removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';
import { failure } from '../support/failure.js';
import { chinookPath } from '../support/paths.js';

const NOW = new Date('2024-01-20T14:30:45.000Z');

/** Offsets to cut a file at: its first bytes, tar block edges, its middle and its last bytes. */
function cuts(size: number): number[] {
  const all = [1, 100, 511, 512, 1024, Math.floor(size / 3), Math.floor(size / 2), size - 1024, size - 512, size - 100, size - 2];
  return [...new Set(all.filter((n) => n > 0 && n < size - 1))].sort((a, b) => a - b);
}

describe('integration: import refuses bad exports and leaves the database as it was', function () {
  let source: SeededWorkspace;
  let exportsDir: string;
  let work: string;
  let target: SeededWorkspace;
  let targetDigest: string;
  /** The source database's dump: what a good import gives. */
  const file = (name: string): string => path.join(exportsDir, name);

  before(async () => {
    source = await createWorkspace({ database: 'demo' });
    exportsDir = await makeTempDir('imp-src');
    const config = await source.config();
    for (const [format, output] of [
      ['json', 'e.json'],
      ['ndjson', 'e.ndjson'],
      ['json', 'e.json.gz'],
      ['csv', 'e.tar'],
      ['csv', 'e.tar.gz'],
      ['csv', 'folder.csv'],
      ['sqlite', 'e.db'],
    ] as const) {
      await exportDatabase({ config, format, output: path.join(exportsDir, output), redact: false, now: () => NOW });
    }
    await exportDatabase({ config, format: 'json', output: path.join(exportsDir, 'schema.json'), schemaOnly: true, redact: false, now: () => NOW });
    // A tar stream to stdout, saved without any sidecar: its manifest.json inside is all it has.
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (c: Buffer) => chunks.push(c));
    await exportDatabase({ config, format: 'csv', output: '-', stdout, redact: false, now: () => NOW });
    await writeFile(file('stream.tar'), Buffer.concat(chunks));
  });
  after(async () => {
    await removeTempDir(source.dir);
    await removeTempDir(exportsDir);
  });

  beforeEach(async () => {
    work = await makeTempDir('imp-work');
    // An existing database with the source's tables and no rows, so a good import fills it. (Not
    // a migrated workspace: its schema_version rows would clash with the export's.)
    target = await createWorkspace({ database: 'none', parent: work });
    await importExport({ config: await target.config(), source: file('schema.json') });
    targetDigest = contentDigest(target.db);
  });
  afterEach(() => removeTempDir(work));

  const run = async (source: string, options: Partial<ImportOptions> = {}): Promise<unknown> => importExport({ config: await target.config(), source, ...options });

  async function expectUnchanged(): Promise<void> {
    expect(contentDigest(target.db), 'the target database is unchanged').to.equal(targetDigest);
    expect(await leftovers(path.dirname(target.db))).to.deep.equal([]);
  }

  /** A copy of an export (and its sidecar, when `withManifest`) in the test's own folder. */
  async function copyOf(name: string, withManifest = true): Promise<string> {
    const to = path.join(work, name);
    await cp(file(name), to, { recursive: true });
    if (withManifest && !name.endsWith('.csv')) await copyFile(`${file(name)}.manifest.json`, `${to}.manifest.json`).catch(() => {});
    return to;
  }

  it('a good export imports: the baseline the refusals below are measured against', async () => {
    await run(file('e.json'));
    expectSameDatabase(dumpDatabase(target.db, Object.keys(tableCounts(source.db))), dumpDatabase(source.db));
  });

  describe('truncated', () => {
    for (const [name, pattern] of [
      ['e.json', /^Not a valid export: (the JSON export ends early \(truncated\?\)|e\.json is not an acode export)/],
      ['e.ndjson', /^Not a valid export: (the NDJSON export ends (early \(truncated\?\)|after line \d+ without its summary line)|e\.ndjson is not an acode export)/],
      ['e.tar', /^Not a valid export: (the tar archive ends (inside an entry|without its end-of-archive marker)|e\.tar is not an acode export)/],
      ['stream.tar', /^Not a valid export: (the tar archive ends (inside an entry|without its end-of-archive marker)|stream\.tar is not an acode export)/],
    ] as const) {
      it(`${name} cut at every offset checked (--no-verify): ACODE-IMP-002, nothing imported`, async () => {
        const whole = await readFile(file(name));
        for (const at of cuts(whole.length)) {
          const cut = path.join(work, name);
          await writeFile(cut, whole.subarray(0, at));
          const err = await failure(run(cut, { verify: false }));
          expect(err.code, `cut at ${at}: ${err.message}`).to.equal('ACODE-IMP-002');
          expect(err.exitCode).to.equal(4);
          expect(pattern.test(err.message), `cut at ${at}: ${err.message}`).to.equal(true);
          await expectUnchanged();
        }
      });
    }

    it('a CSV of the folder cut short (--no-verify): ACODE-IMP-002 naming the table, nothing imported', async () => {
      const folder = await copyOf('folder');
      const csv = path.join(folder, 'conv_messages.csv');
      const size = (await readFile(csv)).length;
      for (const at of [Math.floor(size / 2), size - 3]) {
        await cp(path.join(exportsDir, 'folder', 'conv_messages.csv'), csv);
        await truncateTo(csv, at);
        const err = await failure(run(folder, { verify: false }));
        expect(err.code, err.message).to.equal('ACODE-IMP-002');
        const why = /^Not a valid export: table conv_messages: (the CSV (has \d+ rows, the manifest says \d+|ends inside its last row)|a quoted field is never closed|data row \d+ \(near line \d+\) has \d+ fields, the table has 8 columns)/;
        expect(why.test(err.message), `cut at ${at}: ${err.message}`).to.equal(true);
        await expectUnchanged();
      }
    });

    it('into a workspace without a database: refused, and no database is created', async () => {
      const fresh = await createWorkspace({ database: 'none', parent: await makeTempDir('imp-new') });
      try {
        const cut = path.join(work, 'cut.json');
        const whole = await readFile(file('e.json'));
        await writeFile(cut, whole.subarray(0, Math.floor(whole.length / 2)));
        const err = await failure(importExport({ config: await fresh.config(), source: cut, verify: false }));
        expect(err.code).to.equal('ACODE-IMP-002');
        expect(await listDir(path.dirname(fresh.db))).to.deep.equal([]);
      } finally {
        await removeTempDir(path.dirname(fresh.dir));
      }
    });

    for (const name of ['e.json', 'e.tar', 'e.db']) {
      it(`${name} cut short with its manifest beside it: the checksum refuses it first, ACODE-IMP-003`, async () => {
        const copy = await copyOf(name);
        const size = (await readFile(copy)).length;
        await truncateTo(copy, Math.floor(size / 2));
        const err = await failure(run(copy));
        expect(err.code).to.equal('ACODE-IMP-003');
        expect(err.exitCode).to.equal(4);
        expect(err.message).to.match(new RegExp(`^Export checksum mismatch: ${name.replace('.', '\\.')}: sha256 is [0-9a-f]{16}…, manifest says [0-9a-f]{16}…; nothing was imported$`));
        await expectUnchanged();
      });
    }

    for (const name of ['e.json.gz', 'e.tar.gz']) {
      it(`${name} cut short (--no-verify) is ACODE-IMP-002 truncated (exit 4)`, async () => {
        const whole = await readFile(file(name));
        for (const at of [Math.floor(whole.length / 2), whole.length - 10]) {
          const cut = path.join(work, name);
          await writeFile(cut, whole.subarray(0, at));
          const err = await failure(run(cut, { verify: false }));
          expect(err.code, err.message).to.equal('ACODE-IMP-002');
          expect(err.message).to.match(/truncated/);
          await expectUnchanged();
        }
      });
    }
  });

  describe('tampered with (one byte flipped)', () => {
    for (const name of ['e.json', 'e.ndjson', 'e.json.gz', 'e.tar', 'e.tar.gz', 'e.db']) {
      it(`${name}: ACODE-IMP-003 exit 4 before anything is read`, async () => {
        const copy = await copyOf(name);
        const size = (await readFile(copy)).length;
        await flipByte(copy, Math.floor(size / 2));
        const err = await failure(run(copy));
        expect(err.code).to.equal('ACODE-IMP-003');
        expect(err.exitCode).to.equal(4);
        expect(err.message).to.match(new RegExp(`^Export checksum mismatch: ${name.replaceAll('.', '\\.')}: sha256 is [0-9a-f]{16}…, manifest says [0-9a-f]{16}…; nothing was imported$`));
        await expectUnchanged();
      });
    }

    it('a CSV of a folder: ACODE-IMP-003 naming the file', async () => {
      const folder = await copyOf('folder');
      await flipByte(path.join(folder, 'conv_chats.csv'), 200);
      const err = await failure(run(folder));
      expect(err.code).to.equal('ACODE-IMP-003');
      expect(err.message).to.match(/^Export checksum mismatch: conv_chats\.csv: sha256 is [0-9a-f]{16}…, manifest says [0-9a-f]{16}…; nothing was imported$/);
      await expectUnchanged();
    });

    it('a tar stream without a sidecar: the entry does not match its checksum in manifest.json, ACODE-IMP-003, nothing imported', async () => {
      const copy = await copyOf('stream.tar', false);
      const bytes = await readFile(copy);
      const entries = await readTarEntries(bytes);
      const chats = entries.find((e) => e.name === 'conv_chats.csv')!.data;
      // A letter inside a title of conv_chats (after its header line): still valid CSV, other bytes.
      const at = bytes.indexOf(chats) + chats.indexOf('\n') + 30;
      expect(bytes.indexOf(chats)).to.be.above(0);
      bytes[at] = bytes[at] === 0x61 ? 0x62 : 0x61;
      await writeFile(copy, bytes);
      const err = await failure(run(copy));
      expect(err.code).to.equal('ACODE-IMP-003');
      expect(err.message).to.equal('Export checksum mismatch: conv_chats.csv in stream.tar does not match its checksum in manifest.json; nothing was imported');
      await expectUnchanged();
    });
  });

  describe('without its manifest', () => {
    it('a JSON export alone: refused (ACODE-IMP-002 with a --no-verify hint) unless --no-verify', async () => {
      const copy = await copyOf('e.json', false);
      const err = await failure(run(copy));
      expect(err.code).to.equal('ACODE-IMP-002');
      expect(err.message).to.equal('Not a valid export: e.json has no manifest to check it against (e.json.manifest.json)');
      expect(err.hint).to.equal('a stream saved from `--output -` has its manifest where `--manifest FILE` put it: give that with --manifest FILE; else import only exports with their manifest, or pass --no-verify to import it unchecked');
      await expectUnchanged();
      await run(copy, { verify: false });
      expect(tableCounts(target.db)).to.deep.equal(tableCounts(source.db));
    });

    it('a folder without manifest.json: not an acode export folder, even with --no-verify', async () => {
      const folder = await copyOf('folder');
      await rm(path.join(folder, 'manifest.json'));
      const err = await failure(run(folder, { verify: false }));
      expect(err.code).to.equal('ACODE-IMP-002');
      expect(err.message).to.equal(`Not a valid export: ${folder} is a folder without manifest.json: not an acode export folder`);
      await expectUnchanged();
    });
  });

  describe('of the wrong format', () => {
    for (const [label, bytes, message] of [
      ['random bytes', Buffer.from([0x00, 0x13, 0x37, 0xfe, 0x80, 0x01, 0x02]), 'Not a valid export: x.bin is not an acode export (JSON, NDJSON, CSV, tar bundle or SQLite)'],
      ['an empty file', Buffer.alloc(0), 'Not a valid export: x.bin is not an acode export (JSON, NDJSON, CSV, tar bundle or SQLite)'],
      ['plain CSV', Buffer.from('a,b\r\n1,2\r\n'), 'Not a valid export: x.bin is not an acode export (JSON, NDJSON, CSV, tar bundle or SQLite)'],
      ['JSON that is no acode export', Buffer.from('{"metadata":{"format":"something-else"},"tables":[]}'), 'Not a valid export: the metadata does not describe an acode export: its format is a string of 14 characters, not "acode-export"'],
      ['a JSON array', Buffer.from('[1,2,3]'), 'Not a valid export: x.bin is not an acode export (JSON, NDJSON, CSV, tar bundle or SQLite)'],
    ] as const) {
      it(`${label}: ACODE-IMP-002 exit 4`, async () => {
        const x = path.join(work, 'x.bin');
        await writeFile(x, bytes);
        const err = await failure(run(x, { verify: false }));
        expect(err.code).to.equal('ACODE-IMP-002');
        expect(err.exitCode).to.equal(4);
        expect(err.message).to.equal(message);
        await expectUnchanged();
      });
    }

    it('a SQLite database that is not an export (Chinook, a workspace, a backup): ACODE-IMP-002 exit 4 saying so', async () => {
      const x = path.join(work, 'Chinook_Sqlite.sqlite');
      await copyFile(chinookPath, x);
      const err = await failure(run(x, { verify: false }));
      expect(err.code).to.equal('ACODE-IMP-002');
      expect(err.exitCode).to.equal(4);
      expect(err.message).to.equal('Not a valid export: Chinook_Sqlite.sqlite is a SQLite database but not an acode export (it has no _acode_export table); a backup is restored with `acode db restore`');
      await expectUnchanged();
    });

    it('an NDJSON export renamed .json, with the manifest of a JSON export: the checksum refuses it', async () => {
      const x = path.join(work, 'x.json');
      await copyFile(file('e.ndjson'), x);
      await copyFile(`${file('e.json')}.manifest.json`, `${x}.manifest.json`);
      const err = await failure(run(x));
      expect(err.code).to.equal('ACODE-IMP-003');
      await expectUnchanged();
    });
  });

  describe('a tar with unsafe entries: ACODE-IMP-005 exit 4, nothing written anywhere', () => {
    let manifestJson: Buffer;
    let chatsCsv: Buffer;
    before(async () => {
      const entries = await readTarEntries(await readFile(file('stream.tar')));
      manifestJson = entries[0]!.data;
      chatsCsv = entries.find((e) => e.name === 'conv_chats.csv')!.data;
    });

    for (const [label, entry, message] of [
      ['a ../ name', { name: '../evil.csv', data: 'x' }, 'Unsafe archive entry: entry "../evil.csv" leaves the archive folder (..)'],
      ['a name with ../ inside', { name: 'a/../../evil.csv', data: 'x' }, 'Unsafe archive entry: entry "a/../../evil.csv" leaves the archive folder (..)'],
      ['an absolute name', { name: '/tmp/evil.csv', data: 'x' }, 'Unsafe archive entry: entry "/tmp/evil.csv" is an absolute path'],
      ['a symlink', { name: 'conv_chats.csv', type: 'symlink', linkname: '/etc/passwd' }, 'Unsafe archive entry: entry "conv_chats.csv" is a symlink to "/etc/passwd"; only regular files are accepted'],
      ['a hard link', { name: 'conv_chats.csv', type: 'link', linkname: 'manifest.json' }, 'Unsafe archive entry: entry "conv_chats.csv" is a link to "manifest.json"; only regular files are accepted'],
    ] as const) {
      it(`${label}`, async () => {
        const evil = path.join(work, 'inner', 'evil.tar');
        await mkdir(path.dirname(evil));
        await writeFile(evil, await buildTar([{ name: 'manifest.json', data: manifestJson }, entry]));
        const err = await failure(run(evil, { verify: false }));
        expect(err.code, err.message).to.equal('ACODE-IMP-005');
        expect(err.exitCode).to.equal(4);
        expect(err.message).to.equal(message);
        await expectUnchanged();
        expect(await listDir(path.dirname(evil))).to.deep.equal(['evil.tar']);
        expect(await listDir(work)).to.not.include('evil.csv');
      });
    }

    it('a manifest.json without the definition of a table it bundles: ACODE-IMP-002 naming the entry, not an internal error', async () => {
      const manifest = JSON.parse(manifestJson.toString('utf8')) as { schemas: unknown[] };
      manifest.schemas = [];
      const bad = path.join(work, 'noschema.tar');
      await writeFile(bad, await buildTar([{ name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) }, { name: 'conv_chats.csv', data: chatsCsv }]));
      const err = await failure(run(bad, { verify: false }));
      expect(err.code, err.message).to.equal('ACODE-IMP-002');
      expect(err.message).to.include('entry conv_chats.csv is table conv_chats, whose definition manifest.json does not give');
      await expectUnchanged();
    });

    it('an unsafe name as the first entry is refused before anything else is read', async () => {
      const evil = path.join(work, 'first.tar');
      await writeFile(evil, await buildTar([{ name: '../manifest.json', data: manifestJson }]));
      const err = await failure(run(evil, { verify: false }));
      expect(err.code).to.equal('ACODE-IMP-005');
      expect(err.message).to.equal('Unsafe archive entry: entry "../manifest.json" leaves the archive folder (..)');
      await expectUnchanged();
    });

    it('a tar whose first entry is not manifest.json: ACODE-IMP-002', async () => {
      const bad = path.join(work, 'order.tar');
      await writeFile(bad, await buildTar([{ name: 'conv_chats.csv', data: chatsCsv }, { name: 'manifest.json', data: manifestJson }]));
      const err = await failure(run(bad, { verify: false }));
      expect(err.code).to.equal('ACODE-IMP-002');
      expect(err.message).to.equal('Not a valid export: order.tar: manifest.json must be the first entry');
      await expectUnchanged();
    });
  });

  describe('a CSV with ragged rows (its checksum fixed, so only the raggedness is wrong)', () => {
    for (const [label, edit, fields] of [
      ['a row with one field too many', (line: string) => `${line},extra`, 6],
      ['a row with one field too few', (line: string) => line.slice(0, line.lastIndexOf(',')), 4],
    ] as const) {
      it(`${label}: ACODE-IMP-002 naming table, row and field count`, async () => {
        const folder = await copyOf('folder');
        const csv = path.join(folder, 'conv_chats.csv');
        const lines = (await readFile(csv, 'utf8')).split('\r\n');
        lines[2] = edit(lines[2]!);
        await writeFile(csv, lines.join('\r\n'));
        await refreshManifestEntry(path.join(folder, 'manifest.json'), 'conv_chats.csv', csv);
        const err = await failure(run(folder));
        expect(err.code).to.equal('ACODE-IMP-002');
        expect(err.message).to.equal(`Not a valid export: table conv_chats: data row 2 (near line 3) has ${fields} fields, the table has 5 columns`);
        expect(err.context).to.include({ table: 'conv_chats' });
        await expectUnchanged();
      });
    }
  });

  describe('--mode', () => {
    function addSetting(key: string, value: string): void {
      const db = openDb(target.db);
      db.prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)').run(key, value, '2020-01-01T00:00:00Z');
      db.close();
    }

    it('append with a primary-key conflict in the last table: ACODE-IMP-004 naming table and key; no table written', async () => {
      addSetting('theme', 'light');
      targetDigest = contentDigest(target.db);
      const err = await failure(run(file('e.json')));
      expect(err.code).to.equal('ACODE-IMP-004');
      expect(err.exitCode).to.equal(1);
      expect(err.message).to.equal("Primary key conflict: settings: a row with key='theme' already exists (UNIQUE constraint failed: settings.key)");
      expect(err.context).to.include({ table: 'settings', key: "key='theme'" });
      await expectUnchanged();
      expect(tableCounts(target.db)['conv_messages']).to.equal(0);
    });

    it('append clashing on another unique key (run_id, seq), not the primary key: ACODE-IMP-006 naming those columns and values', async () => {
      const src = openDb(source.db);
      const first = src.prepare('SELECT run_id, seq FROM conv_messages ORDER BY id LIMIT 1').get() as { run_id: string; seq: number };
      src.close();
      const db = openDb(target.db);
      // A message of another id on the same (run_id, seq); its run comes with the import.
      db.pragma('foreign_keys = OFF');
      db.prepare("INSERT INTO conv_messages (id, run_id, seq, role, content, created_at) VALUES (999999, ?, ?, 'user', 'x', '2020-01-01T00:00:00Z')").run(first.run_id, first.seq);
      db.close();
      targetDigest = contentDigest(target.db);
      const err = await failure(run(file('e.json')));
      expect(err.code).to.equal('ACODE-IMP-006');
      expect(err.exitCode).to.equal(1);
      expect(err.message).to.equal(`Unique key conflict: conv_messages: a row with the same run_id='${first.run_id}', seq=${first.seq} already exists (unique columns run_id, seq)`);
      expect(err.message).to.not.match(/\bid=/);
      await expectUnchanged();
    });

    for (const twice of ['e.folder', 'e.sqlite', 'e.tar', 'e.tar.gz'] as const) {
      const name = twice === 'e.folder' ? 'folder' : twice === 'e.sqlite' ? 'e.db' : twice;
      it(`append of ${name} into a database that holds its rows: ACODE-IMP-004 showing the id`, async () => {
        await run(file('e.ndjson'));
        targetDigest = contentDigest(target.db);
        const err = await failure(run(file(name)));
        expect(err.code).to.equal('ACODE-IMP-004');
        expect(err.message).to.equal('Primary key conflict: appr_approvals: a row with id=1 already exists (UNIQUE constraint failed: appr_approvals.id)');
        await expectUnchanged();
      });
    }

    it('replace: each imported table holds exactly the export\'s rows afterwards', async () => {
      addSetting('theme', 'light');
      addSetting('extra', 'only in the target');
      await run(file('e.json'), { mode: 'replace' });
      expectSameDatabase(dumpDatabase(target.db, Object.keys(tableCounts(source.db))), dumpDatabase(source.db));
      await run(file('e.tar.gz'), { mode: 'replace' });
      expectSameDatabase(dumpDatabase(target.db, Object.keys(tableCounts(source.db))), dumpDatabase(source.db));
    });

    it('replace of a parent table by a subset of its rows: ACODE-IMP-008 naming the table left with dangling references; nothing imported', async () => {
      await run(file('e.json'));
      targetDigest = contentDigest(target.db);
      const chats = path.join(work, 'early-chats.json');
      const source1 = openDb(source.db);
      const cut = source1.prepare('SELECT created_at FROM conv_chats ORDER BY created_at LIMIT 1 OFFSET 3').pluck().get() as string;
      source1.close();
      await exportDatabase({ config: await source.config(), format: 'json', output: chats, tables: ['conv_chats'], until: cut, redact: false, now: () => NOW });
      const ended: string[] = [];
      const err = await failure(run(chats, { mode: 'replace', onProgress: (e) => e.phase === 'end' && ended.push(e.label) }));
      // Refused inside the load: no "Rows loaded" said first.
      expect(ended).to.not.include('Rows loaded');
      expect(err.code).to.equal('ACODE-IMP-008');
      expect(err.exitCode).to.equal(1);
      expect(err.message).to.match(/^Import would break references: replacing conv_chats would leave \d+ rows of conv_runs referring to rows that are gone; nothing was imported$/);
      await expectUnchanged();
      // With the tables that refer to them, the same replace is whole: nothing dangles.
      await run(file('e.json'), { mode: 'replace' });
      const check = openDb(target.db);
      expect(check.prepare('SELECT count(*) FROM pragma_foreign_key_check').pluck().get()).to.equal(0);
      check.close();
    });

    it('replace with --tables: only the named table is replaced, the others are left as they were', async () => {
      addSetting('extra', 'only in the target');
      const db = openDb(target.db);
      db.prepare("INSERT INTO conv_chats VALUES ('chat_local', 'kept', NULL, '2020-01-01', '2020-01-01')").run();
      db.close();
      const result = await importExport({ config: await target.config(), source: file('folder'), mode: 'replace', tables: ['settings'] });
      expect(result.tables.map((t) => [t.name, t.rows, t.created])).to.deep.equal([['settings', 5, false]]);
      expect(dumpDatabase(target.db, ['settings']).rows).to.deep.equal(dumpDatabase(source.db, ['settings']).rows);
      const counts = tableCounts(target.db);
      expect(counts['conv_chats']).to.equal(1);
      expect(counts['conv_messages']).to.equal(0);
    });

    it('--tables naming a table the export does not hold: ACODE-EXP-004 listing the ones it does; nothing imported', async () => {
      const err = await failure(importExport({ config: await target.config(), source: file('e.json'), tables: ['settings', 'nope'] }));
      expect(err.code).to.equal('ACODE-EXP-004');
      expect(err.message).to.equal("Unknown table: 'nope' not in the export; tables: appr_approvals, conv_chats, conv_messages, conv_runs, credentials, schema_version, sess_sessions, settings");
      await expectUnchanged();
    });
  });

  describe('a CSV folder whose manifest names files outside it', () => {
    const rewrite = async (edit: (m: { tables: { name: string; file?: string }[]; files: { name: string }[] }) => void): Promise<string> => {
      const copy = await copyOf('folder');
      const manifestFile = path.join(copy, 'manifest.json');
      const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { tables: { name: string; file?: string }[]; files: { name: string }[] };
      edit(manifest);
      await writeFile(manifestFile, JSON.stringify(manifest));
      // A file beside the folder, in CSV the settings table would take: what a hostile manifest points at.
      await writeFile(path.join(work, 'outside.csv'), 'key,value\r\nDB_PASSWORD,hunter2\r\n');
      return copy;
    };
    for (const verify of [true, false]) {
      it(`a table file ../outside.csv${verify ? '' : ' (--no-verify)'}: ACODE-IMP-002, nothing read from outside, nothing imported`, async () => {
        const copy = await rewrite((m) => {
          m.tables.find((t) => t.name === 'settings')!.file = '../outside.csv';
        });
        const err = await failure(run(copy, { verify }));
        expect(err.code).to.equal('ACODE-IMP-002');
        expect(err.message).to.include('"../outside.csv", which is not one of the folder\'s checksummed files');
        await expectUnchanged();
      });
    }
    it('a table listed twice: ACODE-IMP-002 exit 4 saying so (not loaded twice, not a case clash)', async () => {
      const copy = await rewrite((m) => {
        m.tables.push({ ...m.tables.find((t) => t.name === 'settings')! });
      });
      const err = await failure(run(copy));
      expect(err).to.include({ code: 'ACODE-IMP-002', exitCode: 4, message: 'Not a valid export: manifest lists table settings twice: the export was altered' });
      await expectUnchanged();
    });
    it('a checksummed table file whose table the manifest leaves out: ACODE-IMP-002 exit 4, not the other tables imported without it', async () => {
      const copy = await rewrite((m) => {
        m.tables = m.tables.filter((t) => t.name !== 'settings');
      });
      const err = await failure(run(copy));
      expect(err).to.include({ code: 'ACODE-IMP-002', exitCode: 4, message: 'Not a valid export: manifest checksums settings.csv but lists no table in it: the export was altered' });
      await expectUnchanged();
    });
    it('a checksummed file ../outside.csv: ACODE-IMP-002 before anything is hashed or read', async () => {
      const copy = await rewrite((m) => {
        m.files[0]!.name = '../outside.csv';
      });
      const err = await failure(run(copy));
      expect(err.code).to.equal('ACODE-IMP-002');
      expect(err.message).to.include('"../outside.csv", which is not a file of the export folder');
      await expectUnchanged();
    });
  });

  it('a key clash on a secret-named key column withholds the value from the message and its context', async () => {
    const dir = await makeTempDir('imp-keys');
    try {
      const src = await createWorkspace({ database: 'none', parent: dir });
      const secret = 'b3f1c9d27a6e48f0a1d5c7e9b2f4a6c8d0e2f4a6';
      const db = openDb(src.db);
      db.exec(`CREATE TABLE service_keys (api_key TEXT PRIMARY KEY, svc TEXT); INSERT INTO service_keys VALUES ('${secret}', 'billing')`);
      db.close();
      const out = path.join(dir, 'keys.json');
      await exportDatabase({ config: await src.config(), format: 'json', output: out, redact: false, now: () => NOW });
      // The source already holds the row: importing the export into it clashes on the key.
      const err = await failure(importExport({ config: await src.config(), source: out }));
      expect(err.code).to.equal('ACODE-IMP-004');
      expect(err.message, err.message).to.match(/api_key=<withheld: (40 characters|looks like a secret \(\w+\), fingerprint [0-9a-f]+)>/);
      expect(JSON.stringify({ message: err.message, hint: err.hint, context: err.context })).to.not.include(secret.slice(-8));
    } finally {
      await removeTempDir(dir);
    }
  });

  describe('an export whose table definitions were rewritten (they are SQL, and exports are shared)', () => {
    // Each variant keeps the manifest's checksums right: a checksum proves nothing about who wrote the file.
    const variants: readonly [string, string, string][] = [
      ['an index that is a DROP TABLE', '"indexes":["CREATE INDEX settings_value ON settings(value)"]', '"indexes":["DROP TABLE conv_messages"]'],
      ['an index on another table', '"indexes":["CREATE INDEX settings_value ON settings(value)"]', '"indexes":["CREATE INDEX spy ON conv_messages(content)"]'],
      ['an index that is a trigger', '"indexes":["CREATE INDEX settings_value ON settings(value)"]', '"indexes":["CREATE TRIGGER spy AFTER INSERT ON conv_messages BEGIN DELETE FROM conv_messages; END"]'],
      ['a table definition followed by a DROP', '"sql":"CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT)"', '"sql":"CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT); DROP TABLE conv_messages"'],
      ['a table made from the workspace\'s own data', '"sql":"CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT)"', '"sql":"CREATE TABLE settings AS SELECT content AS key, run_id AS value FROM conv_messages"'],
      ['a TEMP trigger in a table definition', '"sql":"CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT)"', '"sql":"CREATE TEMP TRIGGER spy AFTER INSERT ON main.conv_messages BEGIN SELECT 1; END"'],
    ];
    let dir: string;
    let exported: string;
    let victim: SeededWorkspace;
    before(async () => {
      dir = await makeTempDir('imp-ddl');
      const src = await createWorkspace({ database: 'none', parent: dir });
      const db = openDb(src.db);
      db.exec("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT); CREATE INDEX settings_value ON settings(value); INSERT INTO settings VALUES ('theme', 'dark')");
      db.close();
      exported = path.join(dir, 'settings.json');
      await exportDatabase({ config: await src.config(), format: 'json', output: exported, redact: false, now: () => NOW });
    });
    after(() => removeTempDir(dir));
    beforeEach(async () => {
      const parent = path.join(work, 'victim');
      await mkdir(parent);
      victim = await createWorkspace({ database: 'none', parent });
      const db = openDb(victim.db);
      db.exec("CREATE TABLE conv_messages (id INTEGER PRIMARY KEY, run_id TEXT, content TEXT); INSERT INTO conv_messages VALUES (1, 'r', 'precious')");
      db.close();
    });

    it('the untouched export imports, index and all: the baseline', async () => {
      await importExport({ config: await victim.config(), source: exported });
      const db = openDb(victim.db);
      expect(db.prepare('SELECT type, name FROM sqlite_schema ORDER BY name').all()).to.deep.equal([
        { type: 'table', name: 'conv_messages' },
        { type: 'table', name: 'settings' },
        { type: 'index', name: 'settings_value' },
        { type: 'index', name: 'sqlite_autoindex_settings_1' },
      ]);
      db.close();
    });

    for (const [label, from, to] of variants) {
      it(`${label}: ACODE-IMP-002, and the workspace's tables and rows are as they were`, async () => {
        const before = contentDigest(victim.db);
        const copy = path.join(work, 'settings.json');
        const text = await readFile(exported, 'utf8');
        expect(text, 'the export holds the text the variant rewrites').to.include(from);
        await writeFile(copy, text.replace(from, to));
        await copyFile(`${exported}.manifest.json`, `${copy}.manifest.json`);
        await refreshManifestEntry(`${copy}.manifest.json`, 'settings.json', copy);
        const err = await failure(importExport({ config: await victim.config(), source: copy }));
        expect(err.code).to.equal('ACODE-IMP-002');
        expect(err.message).to.match(/definition of table settings|index definition for table settings/);
        expect(contentDigest(victim.db)).to.equal(before);
        const db = openDb(victim.db);
        expect(db.prepare("SELECT name FROM sqlite_schema WHERE name <> 'conv_messages'").all()).to.deep.equal([]);
        db.close();
      });
    }
  });
});
