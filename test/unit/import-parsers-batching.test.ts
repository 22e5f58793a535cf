import { expect } from 'chai';
import type { Transform } from 'node:stream';
import { BATCH_CHARS, type ExportRecord, type SqlValue, type TableSchema } from '../../lib/records.js';
import { createCsvParser } from '../../transforms/csv-parser.js';
import { createCsvSerializer } from '../../transforms/csv-serializer.js';
import { createJsonParser } from '../../transforms/json-parser.js';
import { createJsonSerializer } from '../../transforms/json-serializer.js';
import { createNdjsonParser } from '../../transforms/ndjson-parser.js';
import { createNdjsonSerializer } from '../../transforms/ndjson-serializer.js';
import { HEADER, parseChunks, records, rowsOf, serialize } from './transforms/helpers.js';

const TABLE: TableSchema = {
  name: 'big',
  sql: 'CREATE TABLE big(id INTEGER PRIMARY KEY, t TEXT, b BLOB)',
  columns: [
    { name: 'id', type: 'INTEGER', notNull: true, primaryKey: 1 },
    { name: 't', type: 'TEXT', notNull: false, primaryKey: 0 },
    { name: 'b', type: 'BLOB', notNull: false, primaryKey: 0 },
  ],
  indexes: [],
};

const FORMATS: { name: string; serializer: () => Transform; parser: () => Transform; withHeader: boolean }[] = [
  { name: 'CSV', serializer: createCsvSerializer, parser: () => createCsvParser({ table: TABLE }), withHeader: false },
  { name: 'JSON', serializer: createJsonSerializer, parser: () => createJsonParser(), withHeader: true },
  { name: 'NDJSON', serializer: createNdjsonSerializer, parser: () => createNdjsonParser(), withHeader: true },
];

const batchSizes = (out: ExportRecord[]): number[] => out.flatMap((r) => (r.kind === 'rows' ? [r.rows.length] : []));

async function roundTrip(format: (typeof FORMATS)[number], rows: SqlValue[][]): Promise<ExportRecord[]> {
  const input = records([{ table: TABLE, rows }], { header: format.withHeader, summary: format.withHeader, batch: 1000 });
  const header = { ...HEADER, tables: [{ name: 'big', rows: rows.length, dateColumn: null }] };
  const bytes = await serialize(format.serializer, input.map((r) => (r.kind === 'header' ? { kind: 'header', header } : r)));
  return parseChunks(format.parser, [bytes]);
}

describe('import parsers: batches capped by size as well as rows', () => {
  for (const format of FORMATS) {
    // Batches ended at 500 rows only: 60 rows of 10 MB each made one 600 MB batch (1.47 GB peak for NDJSON).
    it(`${format.name}: a batch ends once its values reach BATCH_CHARS`, async () => {
      const third = Math.ceil(BATCH_CHARS / 3);
      const rows: SqlValue[][] = [
        [1n, 'a'.repeat(third), null],
        [2n, 'b'.repeat(third), null],
        [3n, null, Buffer.alloc(third, 7)],
        [4n, 'd'.repeat(BATCH_CHARS), null],
        [5n, 'e', null],
      ];
      const out = await roundTrip(format, rows);
      expect(batchSizes(out)).to.deep.equal([3, 1, 1]);
      const got = rowsOf(out, 'big');
      expect(got.map((r) => (typeof r[1] === 'string' ? r[1].length : r[1]))).to.deep.equal([third, third, null, BATCH_CHARS, 1]);
      expect(got[2]![2]).to.deep.equal(Buffer.alloc(third, 7));
    });

    it(`${format.name}: small rows still come 500 to a batch`, async () => {
      const rows: SqlValue[][] = Array.from({ length: 1100 }, (_, i) => [BigInt(i + 1), `row ${i}`, null]);
      expect(batchSizes(await roundTrip(format, rows))).to.deep.equal([500, 500, 100]);
    });
  }
});
