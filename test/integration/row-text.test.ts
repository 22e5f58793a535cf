import Database from 'better-sqlite3';
import { expect } from 'chai';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createSelection, type SelectionOptions } from '../../lib/export-source.js';
import type { ExportHeader, ExportRecord, RowTextFormat } from '../../lib/records.js';
import { openSqliteSnapshot } from '../../lib/sqlite/snapshot.js';
import { createJsonSerializer } from '../../transforms/json-serializer.js';
import { createNdjsonSerializer } from '../../transforms/ndjson-serializer.js';
import { createAwkwardDatabase } from '../support/export-data.js';
import { makeTempDir, removeTempDir } from '../support/temp.js';

/**
 * Plain JSON and NDJSON exports take their rows encoded by SQLite (lib/sqlite/row-text.ts).
 * These tests hold that path to the JavaScript encoders byte for byte, on the awkward database
 * and on tables made to trip the SQL: invalid UTF-8 text, negative rowids, a column named rowid,
 * columns taking every rowid name, names with quotes, and rows wider than concat() takes.
 */

const WIDE_COLUMNS = 70;
const HEADER = { format: 'acode-export', formatVersion: 1, createdAt: '2026-01-01T00:00:00.000Z' } as unknown as ExportHeader;

function addTrickyTables(file: string): void {
  const db = new Database(file);
  try {
    db.exec(`
      CREATE TABLE bad_utf8 (id INTEGER PRIMARY KEY, t TEXT, created_at TEXT);
      CREATE TABLE neg (a TEXT, "it's ""q""" TEXT, "ünï 😀" REAL);
      CREATE TABLE has_rowid (rowid TEXT, v TEXT);
      CREATE TABLE all_rowids (rowid TEXT, _rowid_ TEXT, oid TEXT);
      CREATE TABLE wide (${Array.from({ length: WIDE_COLUMNS }, (_, i) => `c${i}`).join(', ')});
    `);
    const bad = db.prepare("INSERT INTO bad_utf8 (id, t, created_at) VALUES (?, CAST(? AS TEXT), '2024-02-01')");
    for (let i = 1; i <= 300; i++) bad.run(i, i === 150 ? Buffer.from([0x61, 0xff, 0x62, 0xc3]) : Buffer.from(`row ${i} \u2028 "x"\t\u0001`));
    const neg = db.prepare('INSERT INTO neg (rowid, a, "it\'s ""q""", "ünï 😀") VALUES (?, ?, ?, ?)');
    neg.run(-5, 'minus five', "it's", 1.0);
    neg.run(-1, null, '', -0.0);
    neg.run(3, 'three', 'q"', 1e21);
    // The ends of the rowid range: batches start at the smallest and stop after the largest.
    neg.run(-(2n ** 63n), 'first rowid', 'min', 0.5);
    neg.run(2n ** 63n - 1n, 'last rowid', 'max', 2.5);
    db.prepare('INSERT INTO has_rowid (rowid, v) VALUES (?, ?)').run('not the rowid', 'v1');
    db.prepare('INSERT INTO has_rowid (rowid, v) VALUES (?, ?)').run('also not', 'v2');
    db.prepare('INSERT INTO all_rowids VALUES (?, ?, ?)').run('a', 'b', 'c');
    const wide = db.prepare(`INSERT INTO wide VALUES (${Array.from({ length: WIDE_COLUMNS }, () => '?').join(', ')})`);
    for (let r = 0; r < 5; r++) wide.run(...Array.from({ length: WIDE_COLUMNS }, (_, i) => (i % 3 === 0 ? i * r : i % 3 === 1 ? `v${i}` : i / 7)));
  } finally {
    db.close();
  }
}

interface Rendered {
  readonly bytes: Buffer;
  /** Tables whose rows came encoded ('text-rows'), and tables with rows as values. */
  readonly encoded: Set<string>;
  readonly values: Set<string>;
  /** Every encoded batch: its table, rows and bytes. */
  readonly batches: { table: string; count: number; bytes: number }[];
}

async function render(file: string, format: RowTextFormat, selection: SelectionOptions, rowText: boolean): Promise<Rendered> {
  const snapshot = openSqliteSnapshot(file, createSelection(selection));
  const encoded = new Set<string>();
  const values = new Set<string>();
  const batches: Rendered['batches'] = [];
  const chunks: Buffer[] = [];
  try {
    async function* records(): AsyncGenerator<ExportRecord> {
      yield { kind: 'header', header: HEADER };
      for await (const r of snapshot.records(rowText ? { rowText: format } : undefined)) {
        if (r.kind === 'text-rows') {
          encoded.add(r.table);
          batches.push({ table: r.table, count: r.count, bytes: r.bytes.length });
        }
        if (r.kind === 'rows') values.add(r.table);
        yield r;
      }
      yield { kind: 'summary', summary: { rows: 0, redaction: null } };
    }
    await pipeline(
      Readable.from(records(), { objectMode: true }),
      format === 'json' ? createJsonSerializer() : createNdjsonSerializer(),
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          chunks.push(chunk);
          callback();
        },
      }),
    );
  } finally {
    snapshot.close();
  }
  return { bytes: Buffer.concat(chunks), encoded, values, batches };
}

describe('rows encoded by SQLite for plain JSON and NDJSON exports', () => {
  let dir: string;
  let file: string;
  before(async () => {
    dir = await makeTempDir('row-text');
    file = path.join(dir, 'awkward.db');
    createAwkwardDatabase(file);
    addTrickyTables(file);
  });
  after(() => removeTempDir(dir));

  for (const format of ['json', 'ndjson'] as const) {
    for (const [label, selection] of [
      ['every table', {}],
      ['--since/--until on created_at', { since: '2024-01-10', until: '2024-03-01' }],
    ] as const) {
      it(`${format}, ${label}: the same bytes as the JavaScript encoders`, async () => {
        const js = await render(file, format, selection, false);
        const sql = await render(file, format, selection, true);
        expect(js.encoded.size).to.equal(0);
        expect(sql.bytes.toString('utf8')).to.equal(js.bytes.toString('utf8'));
        expect(sql.bytes.equals(js.bytes)).to.equal(true);
      });
    }

    it(`${format}: SQLite encodes what it can, and rows it cannot go as values`, async () => {
      const sql = await render(file, format, {}, true);
      for (const t of ['vals', 'auto', 'loose', 'neg', 'has_rowid', 'wide', 'bad_utf8']) expect([...sql.encoded], t).to.include(t);
      // WITHOUT ROWID, and a table whose columns hide every name of the rowid: values only.
      for (const t of ['kv', 'all_rowids']) {
        expect([...sql.encoded], t).to.not.include(t);
        expect([...sql.values], t).to.include(t);
      }
      // The batch holding the text that is not UTF-8 was read again as values (U+FFFD, as JavaScript reads it).
      expect([...sql.values]).to.include('bad_utf8');
      expect(sql.bytes.toString('utf8')).to.include('a\ufffdb\ufffd');
      // Rows at both ends of the rowid range are there, the last one last.
      const text = sql.bytes.toString('utf8');
      expect(text.indexOf('"first rowid"')).to.be.within(0, text.indexOf('"minus five"'));
      expect(text.indexOf('"last rowid"')).to.be.above(text.indexOf('"three"'));
    });
  }

  it('a table of large rows comes a row or two per batch: the row limit starts at one and at most doubles', async () => {
    const big = path.join(dir, 'big-rows.db');
    const db = new Database(big);
    db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
    const insert = db.prepare('INSERT INTO notes (body) VALUES (?)');
    const sizes = [...Array<number>(12).fill(1 << 20), ...Array<number>(600).fill(100)];
    sizes.forEach((n, i) => insert.run(`${i}:`.padEnd(n, 'x')));
    db.close();
    const js = await render(big, 'ndjson', {}, false);
    const sql = await render(big, 'ndjson', {}, true);
    expect(sql.bytes.equals(js.bytes)).to.equal(true);
    expect(sql.batches.reduce((n, b) => n + b.count, 0)).to.equal(sizes.length);
    // Before, the first batch took 64 rows: all twelve MiB in one.
    const large = sql.batches.filter((b) => b.bytes > 512 * 1024);
    expect(large.map((b) => b.count)).to.deep.equal(Array<number>(12).fill(1));
    // The small rows after them are batched again, the limit doubling back up.
    expect(sql.batches.at(-1)!.count).to.be.above(64);
  });
});
