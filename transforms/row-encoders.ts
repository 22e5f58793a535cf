import { AcodeError } from '../lib/errors.js';
import type { SqlValue, TableSchema } from '../lib/records.js';
import { csvText, csvValue, jsonValue } from './value-codec.js';

/**
 * The hot path of every text export: a batch of rows to one string. Per-table key text is built
 * once; the common value types are handled inline and only the rare ones (REAL, BLOB) call out.
 */

/** `{"a":`, `,"b":`, … for a table's columns: the text before each value of a JSON row object. */
export function jsonKeyPrefixes(table: TableSchema): string[] {
  return table.columns.map((c, i) => `${i === 0 ? '{' : ','}${JSON.stringify(c.name)}:`);
}

function checkWidth(row: readonly SqlValue[], width: number, table: string): void {
  if (row.length !== width) {
    throw new AcodeError('ACODE-INT-001', `a row of ${table} has ${row.length} values for ${width} columns`, { context: { table } });
  }
}

/**
 * Text JSON.stringify would leave as it is but for the quotes. Testing first is cheap and skips
 * the stringify call for most short values (names, dates, ids), which dominate in count.
 */
const JSON_ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/** One row as a JSON object keyed by column name, e.g. `{"id":1,"name":"x"}`. */
export function jsonRow(keys: readonly string[], row: readonly SqlValue[]): string {
  let s = '';
  for (let i = 0; i < keys.length; i++) {
    const v = row[i]!;
    s += keys[i];
    if (typeof v === 'string') s += JSON_ESCAPED.test(v) ? JSON.stringify(v) : `"${v}"`;
    else if (typeof v === 'bigint') s += v.toString();
    else if (v === null) s += 'null';
    else s += jsonValue(v);
  }
  return keys.length === 0 ? '{}' : `${s}}`;
}

/**
 * A batch of rows as JSON objects, each preceded by `before` (and the first by `first`) and
 * followed by `after`: the JSON document uses ",\n" separators, NDJSON a per-line wrapper.
 */
export function jsonRows(
  table: string,
  keys: readonly string[],
  rows: readonly (readonly SqlValue[])[],
  first: string,
  before: string,
  after: string,
): string {
  let s = '';
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    checkWidth(row, keys.length, table);
    s += (r === 0 ? first : before) + jsonRow(keys, row) + after;
  }
  return s;
}

/** Between two rows of a table in the JSON document (the first row of a table follows "\n"). */
export const JSON_ROW_SEPARATOR = ',\n';

/** Around each row object of an NDJSON export: `{"table":"t","row":{…}}` and a line end. */
export function ndjsonRowPrefix(table: string): string {
  return `{"table":${JSON.stringify(table)},"row":`;
}
export const NDJSON_ROW_SUFFIX = '}\n';

/** CSV records end in CRLF, as RFC 4180 and `sqlite3 -csv` write them. */
export const CSV_EOL = '\r\n';

export function csvHeader(table: TableSchema): string {
  return table.columns.map((c) => csvText(c.name)).join(',') + CSV_EOL;
}

export function csvRows(table: string, width: number, rows: readonly (readonly SqlValue[])[]): string {
  let s = '';
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    checkWidth(row, width, table);
    for (let i = 0; i < width; i++) {
      const v = row[i]!;
      if (i > 0) s += ',';
      if (typeof v === 'string') s += csvText(v);
      else if (typeof v === 'bigint') s += v.toString();
      else if (v !== null) s += csvValue(v);
    }
    s += CSV_EOL;
  }
  return s;
}
