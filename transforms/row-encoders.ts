import { AcodeError } from '../lib/errors.js';
import type { SqlValue, TableSchema } from '../lib/records.js';
import { TextBytes } from './text-bytes.js';
import { csvText, csvValue, jsonValue } from './value-codec.js';

/**
 * The hot path of every text export: a batch of rows to its text. Per-table key text is built
 * once; the common value types are handled inline and only the rare ones (REAL, BLOB) call out.
 * `encodeJsonRows` and `encodeCsvRows` write the batch straight to UTF-8 bytes (text-bytes.ts)
 * and fall back to the string builders `jsonRows` and `csvRows`, which give the same bytes,
 * where WebAssembly is missing.
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

/** A table's JSON key prefixes, as text and as UTF-8 bytes. */
export interface JsonKeys {
  readonly text: readonly string[];
  readonly bytes: readonly Buffer[];
}

export function jsonKeys(table: TableSchema): JsonKeys {
  const text = jsonKeyPrefixes(table);
  return { text, bytes: text.map((k) => Buffer.from(k, 'utf8')) };
}

/** Separators and wrappers, encoded once. */
const encoded = new Map<string, Buffer>();
function utf8(s: string): Buffer {
  let b = encoded.get(s);
  if (b === undefined) {
    b = Buffer.from(s, 'utf8');
    if (encoded.size < 256) encoded.set(s, b);
  }
  return b;
}

const CLOSE = Buffer.from('}', 'latin1');
const EMPTY_OBJECT = Buffer.from('{}', 'latin1');

/** The bytes of `jsonRows(table, keys.text, rows, first, before, after)`, or that string without WebAssembly. */
export function encodeJsonRows(
  table: string,
  keys: JsonKeys,
  rows: readonly (readonly SqlValue[])[],
  first: string,
  before: string,
  after: string,
): Buffer | string {
  const out = TextBytes.shared();
  if (out === null) return jsonRows(table, keys.text, rows, first, before, after);
  const names = keys.bytes;
  const width = names.length;
  const [head, sep, tail] = [utf8(first), utf8(before), utf8(after)];
  try {
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      checkWidth(row, width, table);
      out.bytes(r === 0 ? head : sep);
      for (let i = 0; i < width; i++) {
        const v = row[i]!;
        out.bytes(names[i]!);
        if (typeof v === 'string') out.json(v);
        else if (typeof v === 'bigint') out.ascii(v.toString());
        else if (v === null) out.ascii('null');
        else out.raw(jsonValue(v));
      }
      out.bytes(width === 0 ? EMPTY_OBJECT : CLOSE);
      if (tail.length > 0) out.bytes(tail);
    }
    return out.take();
  } catch (err) {
    out.clear();
    throw err;
  }
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

const COMMA = Buffer.from(',', 'latin1');
const EOL = Buffer.from(CSV_EOL, 'latin1');

/** The bytes of `csvRows(table, width, rows)`, or that string without WebAssembly. */
export function encodeCsvRows(table: string, width: number, rows: readonly (readonly SqlValue[])[]): Buffer | string {
  const out = TextBytes.shared();
  if (out === null) return csvRows(table, width, rows);
  try {
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      checkWidth(row, width, table);
      for (let i = 0; i < width; i++) {
        const v = row[i]!;
        if (i > 0) out.bytes(COMMA);
        if (typeof v === 'string') out.csv(v);
        else if (typeof v === 'bigint') out.ascii(v.toString());
        else if (v !== null) out.raw(csvValue(v));
      }
      out.bytes(EOL);
    }
    return out.take();
  } catch (err) {
    out.clear();
    throw err;
  }
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
