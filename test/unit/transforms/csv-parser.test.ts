import { expect } from 'chai';
import type { SqlValue } from '../../../lib/records.js';
import { createCsvParser, type CsvParserOptions } from '../../../transforms/csv-parser.js';
import { createCsvSerializer } from '../../../transforms/csv-serializer.js';
import { AWKWARD, AWKWARD_ROWS, EMPTY, parseChunks, records, rejection, rowsOf, serialize } from './helpers.js';

const parse = (bytes: Buffer | Buffer[], options: Partial<CsvParserOptions> = {}) =>
  parseChunks(() => createCsvParser({ table: AWKWARD, ...options }), Array.isArray(bytes) ? bytes : [bytes]);

/** What CSV gives back: text for every non-BLOB value (SQLite's column affinity converts it on insert). */
const AS_TEXT: SqlValue[][] = [
  ['1', '9223372036854775807', '0.1', 'plain', Buffer.from([0x00, 0xff, 0xfe, 0x80])],
  ['2', '-9223372036854775808', '1.0', '', Buffer.alloc(0)],
  ['3', '9007199254740993', '-0.0', null, null],
  ['4', '0', '1e+308', 'comma, "quote" and\r\nCRLF\nLF\rCR', Buffer.from('not utf-8: \xc3\x28', 'latin1')],
  ['5', '-1', '1e999', 'NUL\u0000inside', Buffer.from([0])],
  ['6', '42', '-1e999', 'emoji 🎉 and 日本語 and é', Buffer.from('plain bytes')],
  ['7', null, '5e-324', ' leading and trailing spaces ', null],
  // A lone surrogate has no UTF-8 form: the encoder writes U+FFFD, as SQLite would store it.
  ['8', '1', '1e+21', 'lone \ufffd surrogate', null],
];

describe('CSV parser', () => {
  // A quote that never closes grew one field until memory ran out (2.9 GB from a 1.5 MB .gz).
  it('a record longer than its limit (a quote that never closes) is ACODE-IMP-002 naming the table and saying what to do', async () => {
    const header = Buffer.from('id,i,r,t,b\r\n1,2,3,"');
    const err = await rejection(parse([header, Buffer.alloc(300_000, 0x61)], { maxRecordBytes: 100_000 }));
    expect(err.code).to.equal('ACODE-IMP-002');
    expect((err as unknown as { detail: string }).detail).to.match(/^table awkward: data row \d+ \(near line \d+\) is longer than 100000 bytes \(or a quote never closes\)$/);
    expect((err as unknown as { hint: string }).hint).to.include('export the table in the sqlite format');
    // Two large values in one row stay within the default limit: it is about a row, not a value.
    const two = Buffer.from(`id,i,r,t,b\r\n1,2,3,${'x'.repeat(200_000)},\r\n`);
    expect(rowsOf(await parse(two, { maxRecordBytes: 300_000 }), 'awkward')).to.have.length(1);
  });

  it('round-trips the awkward rows: NULL vs \'\', quotes, CR/LF, NUL, unicode, BLOBs', async () => {
    const bytes = await serialize(createCsvSerializer, records([{ table: AWKWARD, rows: AWKWARD_ROWS }]));
    const out = await parse(bytes, { rows: 9 });
    expect(out[0]).to.deep.equal({ kind: 'table', table: AWKWARD, rows: 9 });
    expect(out[out.length - 1]).to.deep.equal({ kind: 'table-end', table: 'awkward', rows: 9 });
    const rows = rowsOf(out, 'awkward');
    expect(rows.slice(0, 8)).to.deep.equal(AS_TEXT);
    expect(rows[8]![3]).to.equal(AWKWARD_ROWS[8]![3]);
  });

  it('gives the same records however the input is cut, with or without a BOM', async () => {
    const plain = await serialize(createCsvSerializer, records([{ table: AWKWARD, rows: AWKWARD_ROWS.slice(0, 8) }]));
    const expected = await parse(plain);
    expect(rowsOf(expected, 'awkward')).to.deep.equal(AS_TEXT);
    for (const bytes of [plain, Buffer.concat([Buffer.from('\ufeff'), plain])]) {
      for (let at = 1; at < bytes.length; at++) {
        const got = await parse([bytes.subarray(0, at), bytes.subarray(at)]);
        expect(got, `cut at byte ${at}`).to.deep.equal(expected);
      }
    }
  });

  it('accepts LF line ends and batches rows', async () => {
    const text = 'id,i,r,t,b\n' + Array.from({ length: 7 }, (_, i) => `${i},,,"",\n`).join('');
    const out = await parse(Buffer.from(text), { batchSize: 3 });
    expect(out.map((r) => (r.kind === 'rows' ? r.rows.length : r.kind))).to.deep.equal(['table', 3, 3, 1, 'table-end']);
    expect(rowsOf(out, 'awkward')[6]).to.deep.equal(['6', null, null, '', null]);
  });

  it('reads a single-column table whose NULL rows are empty lines', async () => {
    const table = { ...EMPTY, columns: [EMPTY.columns[0]!] };
    const out = await parseChunks(() => createCsvParser({ table }), [Buffer.from('"odd, name"\r\n\r\nx\r\n\r\n')]);
    expect(rowsOf(out, 'empty')).to.deep.equal([[null], ['x'], [null]]);
  });

  it('refuses a ragged row, naming the table and the row', async () => {
    const err = await rejection(parse(Buffer.from('id,i,r,t,b\r\n1,2,3,4,\r\n5,6\r\n')));
    expect(err).to.include({ code: 'ACODE-IMP-002', message: 'Not a valid export: table awkward: data row 2 (near line 3) has 2 fields, the table has 5 columns' });
    expect(err.context).to.deep.equal({ table: 'awkward' });
  });

  it('refuses a header that does not name the columns in order', async () => {
    const err = await rejection(parse(Buffer.from('id,i,r,b,t\r\n')));
    expect(err).to.include({ code: 'ACODE-IMP-002', message: 'Not a valid export: table awkward: the header row does not name the columns "id,i,r,t,b": field 4 is column "b", expected column "t"' });
  });

  it('refuses bad base64 in a BLOB column, naming column and row', async () => {
    const err = await rejection(parse(Buffer.from('id,i,r,t,b\r\n1,,,,AAA=\r\n2,,,,not*b64\r\n')));
    expect(err).to.include({ code: 'ACODE-IMP-002', message: 'Not a valid export: awkward.b in data row 2 is not base64: got a string of 7 characters (its length is not a multiple of 4)' });
  });

  it('refuses truncated input: an open quote, a missing final line break, an empty file', async () => {
    const cases: [string, string][] = [
      ['id,i,r,t,b\r\n1,,,"open', 'Not a valid export: table awkward: a quoted field is never closed (truncated?) at data row 1 (near line 2)'],
      ['id,i,r,t,b\r\n1,,,x,', 'Not a valid export: table awkward: the CSV ends inside its last row, without a line break (truncated?)'],
      ['', 'Not a valid export: table awkward: the CSV is empty: no header row'],
    ];
    for (const [text, message] of cases) {
      const err = await rejection(parse(Buffer.from(text)));
      expect(err, text).to.include({ code: 'ACODE-IMP-002', message });
    }
    const relaxed = await parse(Buffer.from('id,i,r,t,b\r\n1,,,x,'), { requireFinalNewline: false });
    expect(rowsOf(relaxed, 'awkward')).to.deep.equal([['1', null, null, 'x', null]]);
  });

  it('with the manifest\'s row count, refuses every truncation', async () => {
    const bytes = await serialize(createCsvSerializer, records([{ table: AWKWARD, rows: AWKWARD_ROWS.slice(0, 8) }]));
    for (let length = 0; length < bytes.length; length++) {
      const err = await rejection(parse(bytes.subarray(0, length), { rows: 8 }));
      expect(err.code, `cut to ${length} bytes: ${err.message}`).to.equal('ACODE-IMP-002');
    }
    const short = await rejection(parse(bytes, { rows: 9 }));
    expect(short).to.include({ code: 'ACODE-IMP-002', message: 'Not a valid export: table awkward: the CSV has 8 rows, the manifest says 9 (truncated?)' });
  });
});
