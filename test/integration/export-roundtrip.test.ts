import path from 'node:path';
import { expect } from 'chai';
import Database from 'better-sqlite3';
import type { ExportFormat } from '../../lib/config.js';
import { AcodeError } from '../../lib/errors.js';
import { exportDatabase, type ExportResult } from '../../lib/export.js';
import { importExport } from '../../lib/import.js';
import {
  AWKWARD_TABLES,
  CSV_SAFE_TABLES,
  INT64_MIN,
  createAwkwardDatabase,
  dumpDatabase,
  expectSameDatabase,
  rowsOf,
  schemaOf,
  sequencesOf,
  type Cell,
  type Dump,
} from '../support/export-data.js';
import { headerVersions, openToRead, tableCounts } from '../support/sqlite.js';
import { leftovers, listDir, makeTempDir, removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const NOW = new Date('2024-01-20T14:30:45.000Z');

interface Case {
  readonly label: string;
  readonly format: ExportFormat;
  /** The --output name; its ending picks gzip and tar. */
  readonly output: string;
}

/** Every layout an export can take on disk, each imported back as the export wrote it. */
const CASES: readonly Case[] = [
  { label: 'JSON', format: 'json', output: 'export.json' },
  { label: 'JSON, gzip', format: 'json', output: 'export.json.gz' },
  { label: 'NDJSON', format: 'ndjson', output: 'export.ndjson' },
  { label: 'NDJSON, gzip', format: 'ndjson', output: 'export.ndjson.gz' },
  { label: 'CSV folder (one file per table)', format: 'csv', output: 'export.csv' },
  { label: 'CSV in a tar bundle', format: 'csv', output: 'export.tar' },
  { label: 'CSV in a tar.gz bundle', format: 'csv', output: 'export.tar.gz' },
  { label: 'SQLite', format: 'sqlite', output: 'export.db' },
];

/** Folders of import targets, removed after each test however it ended. */
const targets: string[] = [];

/** Export (no redaction) then import into a workspace without a database. */
async function roundTrip(source: SeededWorkspace, scratch: string, c: Case): Promise<{ target: SeededWorkspace; exported: ExportResult }> {
  const exported = await exportDatabase({ config: await source.config(), format: c.format, output: path.join(scratch, c.output), redact: false, now: () => NOW });
  const parent = await makeTempDir('rt');
  targets.push(parent);
  const target = await createWorkspace({ database: 'none', parent });
  const imported = await importExport({ config: await target.config(), source: exported.layout.path! });
  expect(imported.created, 'the import created the database').to.equal(true);
  expect(imported.verified).to.equal(true);
  expect(imported.redacted).to.equal(false);
  const counts = tableCounts(source.db);
  expect(Object.fromEntries(imported.tables.map((t) => [t.name, t.rows]))).to.deep.equal(counts);
  expect(imported.tables.every((t) => t.created)).to.equal(true);
  expect(await leftovers(path.dirname(target.db))).to.deep.equal([]);
  return { target, exported };
}

describe('integration: export → import round trips', function () {
  let scratch: string;

  beforeEach(async () => {
    scratch = await makeTempDir('rt-out');
  });
  afterEach(async () => {
    await removeTempDir(scratch);
    for (const t of targets.splice(0)) await removeTempDir(t);
  });

  describe('of the Chinook fixture', () => {
    let source: SeededWorkspace;
    let expected: Dump;
    before(async () => {
      source = await createWorkspace({ database: 'chinook' });
      expected = dumpDatabase(source.db);
    });
    after(() => removeTempDir(source.dir));

    it('the fixture has the tables, indexes and rows the round trips compare', () => {
      expect(expected.schema.filter((e) => e.type === 'table')).to.have.length(11);
      expect(expected.schema.filter((e) => e.type === 'index').length).to.be.at.least(10);
      expect(expected.rows['Track']).to.have.length(3503);
    });

    for (const c of CASES) {
      it(`${c.label}: every table, definition, index and row comes back equal`, async () => {
        const { target } = await roundTrip(source, scratch, c);
        expectSameDatabase(dumpDatabase(target.db), expected);
      });
    }
  });

  describe('of a database of awkward values', () => {
    let source: SeededWorkspace;
    let expected: Dump;
    before(async () => {
      source = await createWorkspace({ database: 'none' });
      createAwkwardDatabase(source.db);
      expected = dumpDatabase(source.db);
    });
    after(() => removeTempDir(source.dir));

    it('holds what it should: 64-bit ends, 2^53+1, REALs, NULL and "", NUL/invalid-UTF-8 blobs, long text, WITHOUT ROWID, AUTOINCREMENT, indexes', () => {
      const vals = expected.rows['vals']!;
      const col = (i: number): Cell[] => vals.map((r) => r[i]!);
      for (const v of [['int', '9223372036854775807'], ['int', '-9223372036854775808'], ['int', '9007199254740993'], ['int', '-9223372036854775807']] as Cell[]) expect(col(1)).to.deep.include(v);
      for (const v of [['real', '0.1'], ['real', '1'], ['real', '1e+308'], ['real', '5e-324']] as Cell[]) expect(col(2)).to.deep.include(v);
      for (const v of [['text', ''], ['text', 'nul\u0000inside'], null] as Cell[]) expect(col(3)).to.deep.include(v);
      for (const v of [['blob', ''], ['blob', '000100fffe00'], ['blob', 'c328a0a1e228a1f0288cbc'], null] as Cell[]) expect(col(4)).to.deep.include(v);
      expect(Math.max(...col(3).map((v) => (v ? v[1].length : 0)))).to.be.above(2_900_000);
      expect(expected.schema.map((e) => `${e.type} ${e.name}`)).to.deep.equal([
        'index vals_created',
        'index vals_t',
        'table auto',
        'table kv',
        'table loose',
        'table vals',
      ]);
      expect(expected.schema.find((e) => e.name === 'kv')!.sql).to.match(/WITHOUT ROWID$/);
      expect(expected.schema.find((e) => e.name === 'auto')!.sql).to.include('AUTOINCREMENT');
    });

    for (const c of CASES.filter((c) => c.format !== 'csv')) {
      it(`${c.label}: every value comes back with its storage class, bytes and definitions`, async () => {
        const { target } = await roundTrip(source, scratch, c);
        expectSameDatabase(dumpDatabase(target.db), expected);
      });
    }

    for (const c of CASES.filter((c) => c.format === 'csv')) {
      it(`${c.label}: every typed column comes back exactly (integers, REALs, NULL vs "", base64 BLOBs, NUL/CR/LF/quotes/emoji)`, async () => {
        const { target } = await roundTrip(source, scratch, c);
        const got = dumpDatabase(target.db);
        expect(got.schema).to.deep.equal(expected.schema);
        expectSameDatabase(dumpDatabase(target.db, CSV_SAFE_TABLES), dumpDatabase(source.db, CSV_SAFE_TABLES));
      });

      it(`${c.label}: CSV cannot carry an INTEGER or REAL in an untyped column — they come back as TEXT; a BLOB comes back as a BLOB`, async () => {
        const { target } = await roundTrip(source, scratch, c);
        expect(expected.rows['loose']).to.deep.equal([
          [['int', '1'], null],
          [['int', '2'], ['text', '']],
          [['int', '3'], ['text', 'text']],
          [['int', '4'], ['int', '42']],
          [['int', '5'], ['real', '3.5']],
          [['int', '6'], ['blob', '00ff41']],
          [['int', '7'], ['int', INT64_MIN.toString()]],
        ]);
        expect(dumpDatabase(target.db).rows['loose']).to.deep.equal([
          [['int', '1'], null],
          [['int', '2'], ['text', '']],
          [['int', '3'], ['text', 'text']],
          [['int', '4'], ['text', '42']],
          [['int', '5'], ['text', '3.5']],
          [['int', '6'], ['blob', '00ff41']],
          [['int', '7'], ['text', '-9223372036854775808']],
        ]);
      });
    }

    it('the SQLite export is itself a self-contained database: same definitions, indexes and rows, its metadata in _acode_export, no journal beside it', async () => {
      const exported = await exportDatabase({ config: await source.config(), format: 'sqlite', output: path.join(scratch, 'self.db'), redact: false, now: () => NOW });
      const file = exported.layout.path!;
      expect(await listDir(scratch)).to.deep.equal(['self.db', 'self.db.manifest.json']);
      expect(await headerVersions(file)).to.deep.equal([1, 1]);
      const db = openToRead(file);
      try {
        expect(schemaOf(db, AWKWARD_TABLES)).to.deep.equal(expected.schema);
        for (const t of AWKWARD_TABLES) expect(JSON.stringify(rowsOf(db, t)) === JSON.stringify(expected.rows[t]), t).to.equal(true);
        const meta = Object.fromEntries((db.prepare('SELECT key, value FROM _acode_export').raw().all() as [string, string][]).map(([k, v]) => [k, JSON.parse(v) as Record<string, unknown>]));
        expect(Object.keys(meta).sort()).to.deep.equal(['metadata', 'summary']);
        expect(meta['metadata']).to.include({ format: 'acode-export', exportFormat: 'sqlite', createdAt: NOW.toISOString() });
        expect(meta['summary']).to.include({ rows: Object.values(tableCounts(source.db)).reduce((a, b) => a + b, 0) });
      } finally {
        db.close();
      }
      expect(await listDir(scratch)).to.deep.equal(['self.db', 'self.db.manifest.json']);
    });

    for (const format of ['json', 'ndjson'] as const) {
      it(`${format.toUpperCase()} in a tar bundle round-trips`, async () => {
        const { target } = await roundTrip(source, scratch, { label: format, format, output: `bundle-${format}.tar.gz` });
        expectSameDatabase(dumpDatabase(target.db), expected);
      });
    }

    for (const output of ['vals.csv', 'vals.csv.gz']) {
      it(`a one-table CSV file (${output}) with its manifest imports`, async () => {
        const exported = await exportDatabase({ config: await source.config(), format: 'csv', tables: ['vals'], output: path.join(scratch, output), redact: false, now: () => NOW });
        expect(exported.layout.kind).to.equal('file');
        const parent = await makeTempDir('rt');
        targets.push(parent);
        const target = await createWorkspace({ database: 'none', parent });
        await importExport({ config: await target.config(), source: exported.layout.path! });
        expectSameDatabase(dumpDatabase(target.db), dumpDatabase(source.db, ['vals']));
      });
    }

    it('the AUTOINCREMENT counter survives: after the import the next id does not reuse a deleted one', async () => {
      const { target } = await roundTrip(source, scratch, CASES[0]!);
      expect(sequencesOf(source.db)).to.deep.equal({ auto: '4' });
      expect(sequencesOf(target.db)).to.deep.equal(sequencesOf(source.db));
    });
  });

  describe('what CSV cannot carry: TEXT in a column declared BLOB', () => {
    let source: SeededWorkspace;
    beforeEach(async () => {
      source = await createWorkspace({ database: 'none' });
    });
    afterEach(() => removeTempDir(source.dir));

    function make(text: string): void {
      const db = new Database(source.db);
      db.exec('CREATE TABLE bt (id INTEGER PRIMARY KEY, b BLOB)');
      db.prepare('INSERT INTO bt VALUES (1, ?)').run(text);
      db.close();
    }

    for (const text of ['abcd', 'hello!']) {
      it(`CSV refuses TEXT in a BLOB column (${JSON.stringify(text)}) rather than export what an import would read as other bytes or not at all: ACODE-EXP-001, nothing written`, async () => {
        make(text);
        const out = await makeTempDir('rt-out');
        targets.push(out);
        const err = await exportDatabase({ config: await source.config(), format: 'csv', output: path.join(out, 'bt.tar'), redact: false, now: () => NOW }).then(() => null, (e: unknown) => e);
        expect(err).to.be.instanceOf(AcodeError);
        expect((err as AcodeError).code).to.equal('ACODE-EXP-001');
        expect((err as AcodeError).message).to.include('table bt, column b is declared BLOB but holds a text value, which CSV cannot tell from base64');
        expect(await listDir(out)).to.deep.equal([]);
      });
    }
  });
});
