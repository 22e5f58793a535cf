import { expect } from 'chai';
import type { ColumnInfo, SqlValue, TableSchema } from '../../lib/records.js';
import { createCsvParser } from '../../transforms/csv-parser.js';
import { createCsvSerializer } from '../../transforms/csv-serializer.js';
import { parseChunks, records, rejection, rowsOf, serialize } from './transforms/helpers.js';

const col = (name: string, type: string): ColumnInfo => ({ name, type, notNull: false, primaryKey: 0 });

const TABLE: TableSchema = {
  name: 'b',
  sql: 'CREATE TABLE b(a BINARY, d, t TEXT, g BLOB)',
  columns: [col('a', 'BINARY'), col('d', ''), col('t', 'TEXT'), col('g', 'BLOB')],
  indexes: [],
};

const parse = (text: string | Buffer) => parseChunks(() => createCsvParser({ table: TABLE }), [Buffer.from(text)]);

describe('CSV: BLOBs in columns not declared BLOB', () => {
  it('writes them as a quoted "base64:…" and reads them back as BLOBs, next to text of every look', async () => {
    const rows: SqlValue[][] = [
      [Buffer.from([0x00, 0xff]), Buffer.alloc(0), Buffer.from('hi'), Buffer.from([1])],
      ['AP8=', 'base64:AP8=', 'base64:', Buffer.alloc(0)],
      ['"base64:AP8="', 'base64:AP8=,', null, null],
    ];
    const bytes = await serialize(createCsvSerializer, records([{ table: TABLE, rows }], { header: false, summary: false }));
    expect(bytes.toString('utf8')).to.equal('a,d,t,g\r\n"base64:AP8=","base64:","base64:aGk=",AQ==\r\nAP8=,base64:AP8=,base64:,""\r\n"""base64:AP8=""","base64:AP8=,",,\r\n');
    expect(rowsOf(await parse(bytes), 'b')).to.deep.equal(rows);
  });

  it('reads an export made before the marker as it always did: bare base64 outside a BLOB column is text', async () => {
    expect(rowsOf(await parse('a,d,t,g\r\nAP8=,AP8=,"",AP8=\r\n'), 'b')).to.deep.equal([['AP8=', 'AP8=', '', Buffer.from([0x00, 0xff])]]);
  });

  it('refuses a marked field that is not base64 (ACODE-IMP-002), naming column and row, not the value', async () => {
    const err = await rejection(parse('a,d,t,g\r\n"base64:AP8",,,\r\n'));
    expect(err).to.include({ code: 'ACODE-IMP-002', message: 'Not a valid export: b.a in data row 1 is not base64: got a string of 3 characters (its length is not a multiple of 4)' });
  });
});
