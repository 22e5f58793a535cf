import { expect } from 'chai';
import { Readable, Writable, type Duplex, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ExportRecord, SqlValue } from '../../../lib/records.js';
import { createJsonParser } from '../../../transforms/json-parser.js';
import { createJsonSerializer } from '../../../transforms/json-serializer.js';
import { createNdjsonParser } from '../../../transforms/ndjson-parser.js';
import { createNdjsonSerializer } from '../../../transforms/ndjson-serializer.js';
import { AWKWARD, AWKWARD_ROWS, DOC, EMPTY, HEADER, mergeBatches, parseChunks, records, rejection, rowsOf, serialize } from './helpers.js';

const FORMATS: { name: string; serializer: () => Transform; parser: (o?: { batchSize?: number }) => Duplex }[] = [
  { name: 'JSON', serializer: createJsonSerializer, parser: createJsonParser },
  { name: 'NDJSON', serializer: createNdjsonSerializer, parser: createNdjsonParser },
];

/** The awkward rows without the long one: small enough to cut at every byte. */
const SMALL = [{ table: AWKWARD, rows: AWKWARD_ROWS.slice(0, 8) }, { table: EMPTY, rows: [] as SqlValue[][] }];

describe('JSON and NDJSON parsers', () => {
  // A string that never closes grew until V8 gave up, gigabytes later (a small .gz can hold it).
  it('a value longer than the limit (a string that never closes) is ACODE-IMP-002 saying what to do', async () => {
    for (const make of [() => createNdjsonParser({ maxValueBytes: 100_000 }), () => createJsonParser({ maxValueBytes: 100_000 })]) {
      const err = await rejection(parseChunks(make, [Buffer.from('{"metadata":"'), ...Array.from({ length: 5 }, () => Buffer.alloc(30_000, 0x61))]));
      expect(err.code).to.equal('ACODE-IMP-002');
      expect((err as unknown as { detail: string }).detail).to.equal('a value longer than 100000 bytes (or a string that never closes)');
      expect((err as unknown as { hint: string }).hint).to.include('export the table in the sqlite format');
    }
  });

  for (const { name, serializer, parser } of FORMATS) {
    describe(name, () => {
      it('round-trips every awkward value exactly (bigint, -0.0, ±Infinity, BLOBs, NUL, lone surrogates)', async () => {
        const input = records(DOC);
        const bytes = await serialize(serializer, input);
        const output = await parseChunks(() => parser(), [bytes]);
        expect(mergeBatches(output)).to.deep.equal(mergeBatches(input));
        const rows = rowsOf(output, 'awkward');
        expect(Object.is(rows[2]![2], -0)).to.equal(true);
        expect(rows[7]![3]).to.equal('lone \ud800 surrogate');
        expect(rows[0]![4]).to.deep.equal(Buffer.from([0x00, 0xff, 0xfe, 0x80]));
      });

      it('emits rows in batches of the given size, and table-end with the count read', async () => {
        const bytes = await serialize(serializer, records(DOC));
        const output = await parseChunks(() => parser({ batchSize: 4 }), [bytes]);
        expect(output.map((r) => (r.kind === 'rows' ? `rows:${r.rows.length}` : r.kind === 'table-end' ? `end:${r.table}:${r.rows}` : r.kind))).to.deep.equal([
          'header',
          'table',
          'rows:4',
          'rows:4',
          'rows:1',
          'end:awkward:9',
          'table',
          'end:empty:0',
          'summary',
        ]);
      });

      it('gives the same records however the input is cut into chunks', async () => {
        const bytes = await serialize(serializer, records(SMALL));
        const expected = await parseChunks(() => parser(), [bytes]);
        for (let at = 1; at < bytes.length; at++) {
          const got = await parseChunks(() => parser(), [bytes.subarray(0, at), bytes.subarray(at)]);
          expect(got, `cut at byte ${at}`).to.deep.equal(expected);
        }
        const bytewise = await parseChunks(() => parser(), [...bytes].map((b) => Buffer.from([b])));
        expect(bytewise).to.deep.equal(expected);
      });

      it('refuses every truncation of the input with ACODE-IMP-002', async () => {
        const bytes = await serialize(serializer, records(SMALL));
        // The last byte is the final newline; the document is complete without it.
        for (let length = 0; length < bytes.length - 1; length++) {
          const err = await rejection(parseChunks(() => parser(), [bytes.subarray(0, length)]));
          expect(err.code, `cut to ${length} bytes: ${err.message}`).to.equal('ACODE-IMP-002');
        }
      });

      it('refuses a document that is not an acode export', async () => {
        const other = name === 'JSON' ? '{"metadata":{"format":"other"},"tables":[],"summary":null}' : '{"metadata":{"format":"other"}}\n{"summary":null}\n';
        const err = await rejection(parseChunks(() => parser(), [Buffer.from(other)]));
        expect(err).to.include({ code: 'ACODE-IMP-002', message: 'Not a valid export: the metadata does not describe an acode export: its format is a string of 5 characters, not "acode-export"' });
      });

      it('refuses a summary whose row count differs from the rows read', async () => {
        const input = records(DOC);
        const last = input.length - 1;
        input[last] = { kind: 'summary', summary: { rows: 10, redaction: null } };
        const bytes = await serialize(serializer, input);
        const err = await rejection(parseChunks(() => parser(), [bytes]));
        expect(err.code).to.equal('ACODE-IMP-002');
        expect(err.message).to.match(/^Not a valid export: the summary counts 10 rows but the (document|export) holds 9$/);
      });
    });
  }

  describe('JSON specifics', () => {
    const doc = (rows: string): Buffer =>
      Buffer.from(`{"metadata":${JSON.stringify(HEADER)},"tables":[{"name":"t","columns":[{"name":"a","type":"INTEGER"},{"name":"b","type":"BLOB"}],"sql":null,"indexes":[],"rows":[${rows}]}],"summary":null}`);

    it('reads a row with a missing column as NULL', async () => {
      const out = await parseChunks(() => createJsonParser(), [doc('{"b":null},{"a":1}')]);
      expect(rowsOf(out, 't')).to.deep.equal([
        [null, null],
        [1n, null],
      ]);
    });

    it('names the table and column of a bad value', async () => {
      const cases: [string, string][] = [
        ['{"c":1}', 'Not a valid export: table t: a row has a key of 1 character, which names no column'],
        ['{"a":1,"a":2}', 'Not a valid export: table t: column "a" appears twice in a row'],
        ['{"a":true}', 'Not a valid export: table t: column a holds no SQL value: got true'],
        ['{"a":[1]}', 'Not a valid export: table t: column a holds no SQL value: got start of array'],
        ['{"b":{"$blob":"%%"}}', 'Not a valid export: t.b is not base64: got a string of 2 characters (its length is not a multiple of 4)'],
        ['{"b":{"$text":"x"}}', 'Not a valid export: table t: column b holds an object that is no {"$blob"} or {"$real"}: got a key of 5 characters'],
        ['1', 'Not a valid export: expected a row object, got a number'],
      ];
      for (const [rows, message] of cases) {
        const err = await rejection(parseChunks(() => createJsonParser(), [doc(rows)]));
        expect(err, rows).to.include({ code: 'ACODE-IMP-002', message });
      }
    });

    it('refuses invalid JSON, naming the problem', async () => {
      const err = await rejection(parseChunks(() => createJsonParser(), [Buffer.from('{"metadata":]')]));
      expect(err).to.include({ code: 'ACODE-IMP-002', message: "Not a valid export: not valid JSON export: unexpected token ']'" });
      const empty = await rejection(parseChunks(() => createJsonParser(), [Buffer.alloc(0)]));
      expect(empty).to.include({ code: 'ACODE-IMP-002', message: 'Not a valid export: the JSON export ends early (truncated?): expected a value' });
    });

    it('refuses a table listed twice', async () => {
      const t = '{"name":"t","columns":[{"name":"a"}],"rows":[]}';
      const err = await rejection(parseChunks(() => createJsonParser(), [Buffer.from(`{"metadata":${JSON.stringify(HEADER)},"tables":[${t},${t}],"summary":null}`)]));
      expect(err).to.include({ code: 'ACODE-IMP-002', message: 'Not a valid export: table t appears twice' });
    });
  });

  describe('NDJSON specifics', () => {
    const meta = `{"metadata":${JSON.stringify(HEADER)}}\n`;
    const schema = '{"table":"t","schema":{"columns":[{"name":"a","type":"INTEGER"}],"sql":null,"indexes":[]}}\n';

    it('refuses a file cut between two lines: the summary line is missing', async () => {
      const err = await rejection(parseChunks(() => createNdjsonParser(), [Buffer.from(meta + schema + '{"table":"t","row":{"a":1}}\n')]));
      expect(err).to.include({ code: 'ACODE-IMP-002', message: 'Not a valid export: the NDJSON export ends after line 3 without its summary line (truncated?)' });
    });

    it('refuses rows outside their table, lines after the summary, and a missing metadata line', async () => {
      const cases: [string, string][] = [
        [meta + '{"table":"t","row":{"a":1}}\n{"summary":null}\n', 'Not a valid export: line 2: a row of table t outside its table\'s lines'],
        [meta + schema + '{"summary":null}\n{"summary":null}\n', 'Not a valid export: line 4: content after the summary line'],
        [schema + '{"summary":null}\n', 'Not a valid export: line 1: the first line must be the metadata'],
        [meta + schema + '{"table":"t","row":{"a":1},"extra":1}\n{"summary":null}\n', "Not a valid export: line 3: expected the end of the line's object, got a key of 5 characters"],
      ];
      for (const [text, message] of cases) {
        const err = await rejection(parseChunks(() => createNdjsonParser(), [Buffer.from(text)]));
        expect(err, text).to.include({ code: 'ACODE-IMP-002', message });
      }
    });

    it('accepts CRLF line ends and a missing final newline', async () => {
      const text = (meta + schema + '{"table":"t","row":{"a":7}}\n{"summary":{"rows":1,"redaction":null}}').replace(/\n/g, '\r\n');
      const out = await parseChunks(() => createNdjsonParser(), [Buffer.from(text)]);
      expect(rowsOf(out, 't')).to.deep.equal([[7n]]);
    });
  });

  it('stops reading when the consumer is slow: records wait in bounded buffers', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => [BigInt(i), 1n, 0.5, `row ${i}`, null] as SqlValue[]);
    const bytes = await serialize(createNdjsonSerializer, records([{ table: AWKWARD, rows: many }], { batch: 500 }));
    const parser = createNdjsonParser({ batchSize: 100 });
    let maxBuffered = 0;
    const seen: ExportRecord[] = [];
    const source = Readable.from(Array.from({ length: Math.ceil(bytes.length / 4096) }, (_, i) => bytes.subarray(i * 4096, (i + 1) * 4096)), { objectMode: false });
    await pipeline(
      source,
      parser,
      new Writable({
        objectMode: true,
        highWaterMark: 1,
        write(record: ExportRecord, _e, cb) {
          maxBuffered = Math.max(maxBuffered, parser.readableLength);
          seen.push(record);
          setImmediate(cb);
        },
      }),
    );
    expect(rowsOf(seen, 'awkward')).to.have.length(5000);
    // The parser stops taking bytes once its high-water mark of batches waits: 4 of the 50.
    expect(maxBuffered).to.be.at.most(parser.readableHighWaterMark + 1);
  });
});
