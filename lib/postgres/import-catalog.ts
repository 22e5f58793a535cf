/** What an import into PostgreSQL asks the catalog about its target: tables, columns, keys, foreign keys, triggers. */

/** A column of the target table, as the catalog has it. */
export interface TargetColumn {
  readonly name: string;
  readonly type: string;
  readonly bytea: boolean;
  /** GENERATED ALWAYS AS (…) STORED: the server computes it, a COPY may not give it. */
  readonly generated: boolean;
  /** The sequence a serial or identity column draws from, to move past the loaded keys. */
  readonly sequence: string | null;
}

/** Relation kinds a table's name may belong to instead, by pg_class.relkind. */
export const KIND_NAMES: Readonly<Record<string, string>> = { v: 'view', m: 'materialized view', f: 'foreign table' };

/** Every relation outside the system schemas, to find the one an export's table name names. */
export const TABLES_SQL = `SELECT n.nspname AS schema, c.relname AS table, c.oid::int AS oid, c.relkind::text AS kind
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`;

/** A table's columns: type, whether bytea (a domain as its base), generated, and the sequence of a serial or identity column. */
export const TARGET_COLUMNS_SQL = `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
       (CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END) = 'bytea'::regtype AS bytea,
       a.attgenerated <> '' AS generated, pg_get_serial_sequence(a.attrelid::regclass::text, a.attname) AS sequence
  FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
 WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`;

/** A table's unique indexes (its primary key among them) with their columns in order: a clash names its key by them. */
export const KEYS_SQL = `SELECT c.relname AS name, i.indisprimary AS primary,
       array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n)::text[] AS columns
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1 AND i.indisunique`;

/** Foreign keys from or to a table: dropped for the load, added back (and so checked) before the commit. */
export const FOREIGN_KEYS_SQL = `SELECT conname AS name, conrelid::regclass::text AS child, confrelid::regclass::text AS parent, pg_get_constraintdef(oid) AS definition
  FROM pg_constraint WHERE contype = 'f' AND (conrelid = $1 OR confrelid = $1) ORDER BY oid`;

/** A table's own enabled triggers (not the ones PostgreSQL keeps for foreign keys): disabled for the load. */
export const TRIGGERS_SQL = `SELECT tgname AS name FROM pg_trigger WHERE tgrelid = $1 AND NOT tgisinternal AND tgenabled <> 'D' ORDER BY tgname`;
