import { AcodeError } from '../lib/errors.js';
import type { ColumnInfo, SqlValue, TableSchema } from '../lib/records.js';

/**
 * How one SQLite value is written to and read back from JSON and CSV text. Pure functions, no
 * streams. JSON is the lossless format: every storage class survives. CSV carries no per-value
 * type, so reading it leans on the column's declared type (see `decodeCsvField`).
 */

export type Affinity = 'INTEGER' | 'TEXT' | 'BLOB' | 'REAL' | 'NUMERIC';

/** SQLite's column affinity rules (datatype3.html §3.1), applied in their documented order. */
export function affinity(declaredType: string): Affinity {
  const t = declaredType.toUpperCase();
  if (t.includes('INT')) return 'INTEGER';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'TEXT';
  if (t.includes('BLOB') || t === '') return 'BLOB';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'REAL';
  return 'NUMERIC';
}

/** True for columns whose CSV text is base64: declared with "BLOB" (not merely untyped). */
export function isBlobColumn(declaredType: string): boolean {
  return affinity(declaredType) === 'BLOB' && /BLOB/i.test(declaredType);
}

/**
 * The type `column` is declared with in a SQLite database (a SQLite export, an import, a CSV
 * field's reading): its own when the table came from SQLite. A table from PostgreSQL (no CREATE
 * TABLE text) keeps its values as they arrive: integer types and booleans INTEGER, float4/float8
 * REAL, bytea BLOB, everything else TEXT — PostgreSQL's names would give `numeric`, `jsonb` or
 * `bit(8)` NUMERIC affinity, which turns their text into rounded REALs and integers, and
 * `timestamp(3) with time zone` is no SQLite type name at all.
 */
export function sqliteDeclaredType(table: TableSchema, column: ColumnInfo): string {
  if (table.sql !== null) return column.type;
  const type = column.type.toLowerCase();
  if (/^(?:smallint|integer|bigint|boolean|oid)$/.test(type)) return 'INTEGER';
  if (type === 'real' || type === 'double precision') return 'REAL';
  if (type === 'bytea') return 'BLOB';
  return 'TEXT';
}

/**
 * A finite REAL as the shortest text that reads back to the same double, with ".0" added when
 * it looks like an integer so it stays a REAL on the way back (1 → "1.0", -0 → "-0.0"). Exponent
 * forms ("1e+21", "5e-324") already read as REAL and are left alone.
 */
export function encodeReal(n: number): string {
  const s = String(n);
  if (!Number.isInteger(n)) return s;
  if (Object.is(n, -0)) return '-0.0';
  return s.includes('e') ? s : `${s}.0`;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * One value as JSON text. Strings go through JSON.stringify (NUL and lone surrogates become
 * \u escapes, so they survive exactly); BLOBs, infinities and NaN (PostgreSQL's float4 and
 * float8 hold it; JSON has no token for any of the three) become one-key objects.
 */
export function jsonValue(v: SqlValue): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'bigint':
      return v.toString();
    case 'number':
      if (Number.isFinite(v)) return encodeReal(v);
      if (Number.isNaN(v)) return '{"$real":"NaN"}';
      return v > 0 ? '{"$real":"Infinity"}' : '{"$real":"-Infinity"}';
    default:
      return v === null ? 'null' : `{"$blob":"${toBuffer(v).toString('base64')}"}`;
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A JSON number token's text (exact, as the token parser gives it). With a fraction or exponent
 * it is a REAL; otherwise an INTEGER, always as a bigint so SQLite binds it exactly whatever its
 * size. An integer beyond 64 bits is not a SQLite INTEGER; like SQLite reading such a literal,
 * it becomes a REAL.
 */
export function decodeJsonNumber(text: string): bigint | number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e || c === 0x65 || c === 0x45) return Number(text);
  }
  const n = BigInt(text);
  return n < INT64_MIN || n > INT64_MAX ? Number(text) : n;
}

/** Base64's letters, then at most two `=`; with a length that is a multiple of 4, exactly the padded form. */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Strict base64 (the padded alphabet Buffer writes); Buffer.from alone accepts anything. One
 * character class, no groups: a group repeated per four characters overflowed the regex
 * engine's stack on values of a few MiB.
 */
export function decodeBase64(text: string, what: string): Buffer {
  if (text.length % 4 !== 0 || !BASE64.test(text)) {
    const why = text.length % 4 !== 0 ? 'its length is not a multiple of 4' : 'it holds a character outside base64';
    throw new AcodeError('ACODE-IMP-002', `${what} is not base64: got ${describeInput(text)} (${why})`);
  }
  return Buffer.from(text, 'base64');
}

/** The value of a `{"$blob": …}` or `{"$real": …}` object. */
export function decodeJsonSpecial(key: string, text: string, what: string): Buffer | number {
  if (key === '$blob') return decodeBase64(text, what);
  if (key === '$real' && (text === 'Infinity' || text === '-Infinity' || text === 'NaN')) return Number(text);
  throw new AcodeError('ACODE-IMP-002', `${what} is not a value: got {${JSON.stringify(key)}: ${describeInput(text)}}`);
}

const CSV_QUOTE_NEEDED = /[",\r\n]|^[ \t]|[ \t]$/;

/**
 * A string as an RFC 4180 field: quoted when it holds a comma, quote, CR or LF, when it starts or
 * ends with a space or tab (tools that trim would lose them), and when it is empty (an unquoted
 * empty field is NULL).
 */
export function csvText(s: string): string {
  if (s === '') return '""';
  if (!CSV_QUOTE_NEEDED.test(s)) return s;
  return `"${s.includes('"') ? s.replace(/"/g, '""') : s}"`;
}

/**
 * A BLOB in a column not declared BLOB, as the CSV writer marks it: written as a quoted
 * `"base64:<base64>"`. The marker is the quotes: text is quoted only when it holds a comma, quote,
 * CR or LF, starts or ends with a space or tab, or is empty (csvText), and base64 after "base64:"
 * holds none of these, so no text is ever written in this form and a reader tells the two apart
 * by value. A BLOB-declared column keeps bare base64 (the form exports have always had there).
 */
export class CsvMarkedBlob extends Uint8Array {}

/** The prefix of a marked BLOB's field (see CsvMarkedBlob). */
export const CSV_BLOB_PREFIX = 'base64:';

/**
 * One value as a CSV field. NULL is the empty unquoted field; REALs as in JSON; ±Infinity as
 * 1e999 / -1e999, which a REAL, NUMERIC or INTEGER column turns back into ±Infinity; BLOBs as
 * base64 (an empty BLOB as "" so it is not NULL), or marked (CsvMarkedBlob).
 */
export function csvValue(v: SqlValue): string {
  switch (typeof v) {
    case 'string':
      return csvText(v);
    case 'bigint':
      return v.toString();
    case 'number':
      if (Number.isFinite(v)) return encodeReal(v);
      if (Number.isNaN(v)) return '';
      return v > 0 ? '1e999' : '-1e999';
    default:
      if (v === null) return '';
      if (v instanceof CsvMarkedBlob) return `"${CSV_BLOB_PREFIX}${toBuffer(v).toString('base64')}"`;
      return v.byteLength === 0 ? '""' : toBuffer(v).toString('base64');
  }
}

/**
 * A CSV field back into a value. Unquoted empty is NULL. A column declared BLOB holds base64;
 * in any other column a quoted "base64:…" field is a marked BLOB (CsvMarkedBlob), which exports
 * made before the marker never hold, so they read as they always did. Everything else stays
 * text: inserted into its column, SQLite's affinity turns "42" into an INTEGER exactly (no double
 * on the way) and "0.5" into a REAL, as the original column did.
 */
export function decodeCsvField(text: string, quoted: boolean, blob: boolean, what: string): SqlValue {
  if (text === '' && !quoted) return null;
  if (blob) return decodeBase64(text, what);
  if (quoted && text.startsWith(CSV_BLOB_PREFIX) && BASE64.test(text.slice(CSV_BLOB_PREFIX.length))) {
    return decodeBase64(text.slice(CSV_BLOB_PREFIX.length), what);
  }
  return text;
}

/**
 * What a value read from an import's input is, for an error message: its kind and size, never
 * its content, which may be a secret (a shifted CSV header, a JSON line that lost its `{`).
 */
export function describeInput(value: unknown): string {
  if (typeof value === 'string') return `a string of ${plural(value.length, 'character')}`;
  if (typeof value === 'number' || typeof value === 'bigint') return 'a number';
  if (value === null || value === undefined || typeof value === 'boolean') return String(value);
  if (value instanceof Uint8Array) return plural(value.byteLength, 'byte');
  if (Array.isArray(value)) return `a list of ${plural(value.length, 'item')}`;
  return 'an object';
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

