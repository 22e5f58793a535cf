import { AcodeError } from '../errors.js';
import type { ColumnInfo, SqlValue, TableSchema } from '../records.js';
import { quotePgIdent } from './connection.js';

/**
 * An export's tables and rows as PostgreSQL takes them: the definition of a table the target
 * lacks, and rows in COPY's text format. An export is shared data: a type name from it goes into
 * SQL only when it has the shape format_type() gives, names are always quoted.
 */

/**
 * A type name as format_type() writes it: `integer`, `character varying(200)`, `numeric(10,2)`,
 * `timestamp(3) with time zone`, `interval day to second`, `"char"`, `public.pair`, `text[]`.
 * One name (maybe schema-qualified) or one of SQL's few multi-word names: a second word could
 * start a clause (`text DEFAULT f(1)`), so nothing else reaches SQL.
 */
const PG_NAME = String.raw`(?:"[^"]+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const PG_MULTI_WORD = String.raw`character varying|bit varying|double precision|interval (?:year|month|day|hour|minute|second)(?: to (?:month|hour|minute|second))?`;
const PG_TYPE = new RegExp(String.raw`^(?:${PG_MULTI_WORD}|${PG_NAME}(?:\.${PG_NAME})?)(?:\(\d{1,9}(?:,\d{1,9})?\))?(?: with(?:out)? time zone)?(?:\[\])*$`);

/**
 * The column type for a new table: a PostgreSQL export's own type name; a SQLite export's
 * declared type by SQLite's affinity rules, as the type that keeps its values as they came
 * (INTEGER bigint, REAL double precision, BLOB bytea, anything else text: NUMERIC stays exact).
 */
export function pgColumnType(declared: string, fromPostgres: boolean, table: string, column: string): string {
  if (fromPostgres) {
    if (PG_TYPE.test(declared)) return declared;
    throw new AcodeError('ACODE-IMP-002', `the export gives column ${column} of table ${table} the type ${JSON.stringify(declared.slice(0, 80))}, which is not a PostgreSQL type name; nothing was imported`, { context: { table } });
  }
  const t = declared.toUpperCase();
  if (t.includes('INT')) return 'bigint';
  if (/CHAR|CLOB|TEXT/.test(t)) return 'text';
  if (t.includes('BLOB')) return 'bytea';
  if (/REAL|FLOA|DOUB/.test(t)) return 'double precision';
  return 'text';
}

/** CREATE TABLE for a table the target lacks: its columns, NOT NULLs and primary key, as exported. */
export function createPgTableSql(relation: string, schema: TableSchema, fromPostgres: boolean): string {
  const columns = schema.columns.map((c) => columnSql(schema, c, fromPostgres));
  const key = schema.columns.filter((c) => c.primaryKey > 0).sort((a, b) => a.primaryKey - b.primaryKey);
  if (key.length) columns.push(`PRIMARY KEY (${key.map((c) => quotePgIdent(c.name)).join(', ')})`);
  return `CREATE TABLE ${relation} (${columns.join(', ')})`;
}

/** Columns of the export added to a table this import made (NOT NULL holds: it has no rows yet). */
export function addPgColumnsSql(relation: string, schema: TableSchema, columns: readonly ColumnInfo[], fromPostgres: boolean): string {
  return `ALTER TABLE ${relation} ${columns.map((c) => `ADD COLUMN ${columnSql(schema, c, fromPostgres)}`).join(', ')}`;
}

function columnSql(schema: TableSchema, c: ColumnInfo, fromPostgres: boolean): string {
  return `${quotePgIdent(c.name)} ${pgColumnType(c.type, fromPostgres, schema.name, c.name)}${c.notNull ? ' NOT NULL' : ''}`;
}

/** What copyText needs of a target column. */
export interface CopyColumn {
  readonly name: string;
  readonly type: string;
  readonly bytea: boolean;
}

const NEEDS_ESCAPE = /[\\\n\r\t]/;
const ESCAPES = /[\\\n\r\t]/g;
const ESCAPED: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * One row as a line of COPY's text format: the values at `take`, tab-separated, NULL as \N,
 * backslash, tab and line breaks escaped, a BLOB as bytea's hex (`\\x…`). Integers past 2^53
 * arrive as bigints and are written exactly; NaN and ±Infinity as PostgreSQL spells them.
 */
export function copyText(row: readonly SqlValue[], take: readonly number[], columns: readonly CopyColumn[], fail: (column: string, why: string) => Error): string {
  let line = '';
  for (let j = 0; j < take.length; j++) {
    if (j > 0) line += '\t';
    const v = row[take[j]!];
    const column = columns[j]!;
    if (v === null || v === undefined) line += '\\N';
    else if (typeof v === 'string') {
      if (v.includes('\0')) throw fail(column.name, 'the text holds a NUL character, which PostgreSQL text cannot store');
      line += NEEDS_ESCAPE.test(v) ? v.replace(ESCAPES, (c) => ESCAPED[c]!) : v;
    } else if (typeof v === 'number' || typeof v === 'bigint') line += String(v);
    else {
      if (!column.bytea) throw fail(column.name, `the value is a BLOB and the column is ${column.type}`);
      line += `\\\\x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
    }
  }
  return `${line}\n`;
}
