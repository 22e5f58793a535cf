import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { Transform } from 'node:stream';
import type { TableSchema } from '../../lib/records.js';
import { createCsvParser } from '../../transforms/csv-parser.js';
import { createJsonParser } from '../../transforms/json-parser.js';
import { createNdjsonParser } from '../../transforms/ndjson-parser.js';
import { HEADER, parseChunks, rejection } from './transforms/helpers.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** A GitHub token's shape, made now: never a real key in the repository. */
const SECRET = `ghp_${[...randomBytes(36)].map((b) => ALNUM[b % ALNUM.length]).join('')}`;
const N = SECRET.length;

const CREDENTIALS: TableSchema = {
  name: 'credentials',
  sql: 'CREATE TABLE credentials(id INTEGER PRIMARY KEY, provider TEXT, token TEXT, key BLOB)',
  columns: [
    { name: 'id', type: 'INTEGER', notNull: true, primaryKey: 1 },
    { name: 'provider', type: 'TEXT', notNull: false, primaryKey: 0 },
    { name: 'token', type: 'TEXT', notNull: false, primaryKey: 0 },
    { name: 'key', type: 'BLOB', notNull: false, primaryKey: 0 },
  ],
  indexes: [],
};

const meta = JSON.stringify({ ...HEADER, tables: [{ name: 'credentials', rows: 1, dateColumn: null }] });
const schema = JSON.stringify({ columns: CREDENTIALS.columns, sql: CREDENTIALS.sql, indexes: [] });
const ndjson = (lines: string[]): string => [`{"metadata":${meta}}`, `{"table":"credentials","schema":${schema}}`, ...lines, '{"summary":null}', ''].join('\n');
const json = (rows: string, extra = ''): string => `{"metadata":${meta},"tables":[{"name":"credentials","columns":${JSON.stringify(CREDENTIALS.columns)},"sql":null,"indexes":[],"rows":[${rows}]${extra}}],"summary":null}`;

/** Input, the parser, and the one message it must give: kinds and sizes, names from the metadata, no value. */
const CASES: [string, () => Transform, string, string][] = [
  ['CSV without its header line', () => createCsvParser({ table: CREDENTIALS }), `1,openai,${SECRET},\r\n`,
    `table credentials: the header row does not name the columns "id,provider,token,key": field 1 is a string of 1 character, expected column "id"`],
  ['CSV header with a column moved', () => createCsvParser({ table: CREDENTIALS }), `id,token,provider,key\r\n`,
    `table credentials: the header row does not name the columns "id,provider,token,key": field 2 is column "token", expected column "provider"`],
  ['CSV header cut short', () => createCsvParser({ table: CREDENTIALS }), `id,provider\r\n`,
    `table credentials: the header row does not name the columns "id,provider,token,key" (2 fields for 4 columns): field 3 is missing, expected column "token"`],
  ['CSV: a secret where base64 belongs', () => createCsvParser({ table: CREDENTIALS }), `id,provider,token,key\r\n1,openai,x,${SECRET}!\r\n`,
    `credentials.key in data row 1 is not base64: got a string of ${N + 1} characters (its length is not a multiple of 4)`],
  ['CSV: a stray quote after a secret', () => createCsvParser({ table: CREDENTIALS }), `id,provider,token,key\r\n1,openai,"${SECRET}"x,\r\n`,
    'table credentials: not valid CSV at data row 1 (near line 2): Invalid Closing Quote: got "…" at line 2 instead of delimiter, record delimiter, trimable character (if activated) or comment'],
  ['NDJSON row line that lost its {', createNdjsonParser, ndjson([`{"table":"credentials","row":"token":"${SECRET}"}}`]),
    `table credentials: line 3: expected a row object, got a string of 5 characters`],
  ['NDJSON row that is a secret', createNdjsonParser, ndjson([`{"table":"credentials","row":"${SECRET}"}`]),
    `table credentials: line 3: expected a row object, got a string of ${N} characters`],
  ['NDJSON: a key after the row', createNdjsonParser, ndjson([`{"table":"credentials","row":{"id":1},"${SECRET}":1}`]),
    `table credentials: line 3: expected the end of the line's object, got a key of ${N} characters`],
  ['JSON: a secret where a row belongs', createJsonParser, json(`"${SECRET}"`),
    `table credentials: expected a row object, got a string of ${N} characters`],
  ['JSON: a secret as a column name', createJsonParser, json(`{"${SECRET}":1}`),
    `table credentials: table credentials: a row has a key of ${N} characters, which names no column`],
  ['JSON: a column twice', createJsonParser, json(`{"token":"${SECRET}","token":"${SECRET}"}`),
    'table credentials: table credentials: column "token" appears twice in a row'],
  ['JSON: a secret as a value that is no SQL value', createJsonParser, json(`{"token":{"${SECRET}":1}}`),
    `table credentials: table credentials: column token holds an object that is no {"$blob"} or {"$real"}: got a key of ${N} characters`],
  ['JSON: a secret as a $blob', createJsonParser, json(`{"key":{"$blob":"${SECRET}"}}`),
    `credentials.key is not base64: got a string of ${N} characters (it holds a character outside base64)`],
  ['JSON: a secret as a $real', createJsonParser, json(`{"id":{"$real":"${SECRET}"}}`),
    `credentials.id is not a value: got {"$real": a string of ${N} characters}`],
  ['JSON: a key after the rows', createJsonParser, json('', `,"${SECRET}":1`),
    `table credentials: table credentials: a key of ${N} characters comes after its rows`],
  ['JSON: a secret as the metadata format', createJsonParser, `{"metadata":{"format":"${SECRET}"}}`,
    `the metadata does not describe an acode export: its format is a string of ${N} characters, not "acode-export"`],
  ['JSON: a secret as the summary', createJsonParser, json('').replace('"summary":null', `"summary":"${SECRET}"`),
    `the summary is not an export summary: got a string of ${N} characters`],
];

describe('import parser messages: no value from the input, only its kind and size', () => {
  for (const [label, make, input, detail] of CASES) {
    it(label, async () => {
      const err = await rejection(parseChunks(make, [Buffer.from(input)]));
      expect(err).to.include({ code: 'ACODE-IMP-002', message: `Not a valid export: ${detail.replace(/^table credentials: (?=line|expected|table)/, '')}` });
      const shown = `${err.message} ${JSON.stringify(err)}`;
      for (const fragment of [SECRET, SECRET.slice(0, 8), SECRET.slice(-8), 'openai']) expect(shown, label).not.to.include(fragment);
    });
  }
});
