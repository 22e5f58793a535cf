import { isUtf8 } from 'node:buffer';
import type { RowTextFormat, SqlValue, TableSchema } from '../records.js';
import { JSON_ROW_SEPARATOR, jsonKeyPrefixes, NDJSON_ROW_SUFFIX, ndjsonRowPrefix } from '../../transforms/row-encoders.js';
import { jsonValue } from '../../transforms/value-codec.js';
import { quoteIdent, type SqliteDb } from './open.js';

/**
 * Rows encoded by SQLite itself, for plain JSON and NDJSON exports: one query per batch returns
 * the batch's bytes as a BLOB, so no value becomes a JavaScript string and back (JSON.stringify
 * of long text was a third of a JSON export's time). The SQL gives exactly what
 * transforms/row-encoders.ts gives for the same rows (tests compare the two byte for byte):
 * json_quote() escapes text as JSON.stringify does; REALs and BLOBs, whose text SQLite writes
 * differently, call back into jsonValue() through a SQL function. Text that is not valid UTF-8
 * reaches JavaScript as U+FFFD but would leave SQLite as the raw bytes: a batch whose bytes are
 * not valid UTF-8 is read again as values. (CSV stays in JavaScript: SQLite's instr() and
 * replace() made quoting slower than the regex there.)
 */

const JSON_VALUE_FN = 'acode_json_value';
/** SQLite's limit on a function's arguments is 127 in older builds: wider rows are joined with ||. */
const MAX_CONCAT_ARGS = 120;

/** The smallest and largest rowids SQLite allows. */
export const FIRST_ROWID = -(2n ** 63n);
export const LAST_ROWID = 2n ** 63n - 1n;

export interface RowTextReader {
  /**
   * The next batch of at most `limit` rows from rowid `from` on: its bytes, rows and last rowid;
   * null when there are none. `bytes` is null when the batch could not be encoded exactly
   * (invalid UTF-8): read those rows with `values` instead.
   */
  next(from: bigint, limit: number): { bytes: Buffer | null; count: number; last: bigint } | null;
  /** The rows with rowids in [from, last], as values, in rowid order. */
  values(from: bigint, last: bigint): SqlValue[][];
}

/** Registers the SQL function the encodings call for REAL and BLOB values. */
export function registerRowTextFunctions(db: SqliteDb): void {
  db.function(JSON_VALUE_FN, { deterministic: true }, (v: unknown) => jsonValue(v as SqlValue));
}

/**
 * A reader of `table`'s rows as encoded `format` text, or null when SQLite cannot do it exactly
 * for this table (WITHOUT ROWID and virtual tables; a table whose columns hide every rowid name).
 * `where` holds the export's filters, as SQL conditions on the table with their parameters.
 */
export function rowTextReader(db: SqliteDb, table: TableSchema, format: RowTextFormat, where: { sql: string[]; params: unknown[] }): RowTextReader | null {
  // CAST(… AS BLOB) gives text in the database's encoding: UTF-16 bytes in a UTF-16 database.
  if (db.pragma('encoding', { simple: true }) !== 'UTF-8') return null;
  const rowid = rowidName(db, table);
  if (!rowid) return null;
  const from = `FROM main.${quoteIdent(table.name)} WHERE ${[`${rowid} >= ?`, ...where.sql].join(' AND ')}`;
  const line = lineSql(table, format);
  const separator = format === 'json' ? JSON_ROW_SEPARATOR : '';
  // The aggregate takes the subquery's rows in the order it yields them: rowid order, read
  // straight off the table's b-tree. (An ORDER BY inside group_concat would sort every batch
  // again and cost more than all the encoding.)
  const batch = db
    .prepare(`SELECT CAST(group_concat(line, ${literal(separator)}) AS BLOB), count(*), max(rid) FROM (SELECT ${rowid} AS rid, ${line} AS line ${from} ORDER BY ${rowid} LIMIT ?)`)
    .raw(true)
    .safeIntegers(true);
  const columns = table.columns.map((c) => quoteIdent(c.name)).join(', ');
  const values = db.prepare(`SELECT ${columns} ${from} AND ${rowid} <= ? ORDER BY ${rowid}`).raw(true).safeIntegers(true);
  return {
    next(start, limit) {
      const [bytes, count, last] = batch.get(start, ...where.params, limit) as [Buffer | null, bigint, bigint | null];
      if (count === 0n || last === null) return null;
      const text = bytes ?? Buffer.alloc(0);
      return { bytes: isUtf8(text) ? text : null, count: Number(count), last };
    },
    values(start, last) {
      return values.all(start, ...where.params, last) as SqlValue[][];
    },
  };
}

/** A name that reaches the rowid of `table`, or null when it has none (or every name is a column). */
function rowidName(db: SqliteDb, table: TableSchema): string | null {
  const info = db.prepare('SELECT type, wr FROM pragma_table_list WHERE schema = ? AND name = ?').get('main', table.name) as { type: string; wr: number } | undefined;
  if (!info || info.type !== 'table' || info.wr !== 0) return null;
  const taken = new Set(table.columns.map((c) => c.name.toLowerCase()));
  return ['rowid', '_rowid_', 'oid'].find((n) => !taken.has(n)) ?? null;
}

/** SQL for one row's text: a JSON object (NDJSON: wrapped in its line). */
function lineSql(table: TableSchema, format: RowTextFormat): string {
  const parts: string[] = [];
  if (format === 'ndjson') parts.push(literal(ndjsonRowPrefix(table.name)));
  jsonKeyPrefixes(table).forEach((key, i) => {
    parts.push(literal(key), jsonSql(quoteIdent(table.columns[i]!.name)));
  });
  parts.push(literal('}'));
  if (format === 'ndjson') parts.push(literal(NDJSON_ROW_SUFFIX));
  return concatSql(parts);
}

/**
 * concat() of any number of parts: groups of at most MAX_CONCAT_ARGS, nested, so a wide table
 * stays within SQLite's limits on arguments and on expression depth (a `||` chain of a
 * 500-column table's parts went over the depth of 1000).
 */
function concatSql(parts: readonly string[]): string {
  if (parts.length <= MAX_CONCAT_ARGS) return `concat(${parts.join(', ')})`;
  const groups: string[] = [];
  for (let i = 0; i < parts.length; i += MAX_CONCAT_ARGS) groups.push(concatSql(parts.slice(i, i + MAX_CONCAT_ARGS)));
  return concatSql(groups);
}

/** A value as JSON text: jsonValue() of value-codec.ts. */
function jsonSql(c: string): string {
  return `CASE typeof(${c}) WHEN 'text' THEN json_quote(${c}) WHEN 'integer' THEN ${c} WHEN 'null' THEN 'null' ELSE ${JSON_VALUE_FN}(${c}) END`;
}

/** A SQL string literal. */
function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
