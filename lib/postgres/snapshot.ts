import type { Readable } from 'node:stream';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Client } from 'pg';
import type { ExportSelection, Snapshot, SnapshotTable, Unexportable } from '../export-source.js';
import { BATCHES_PER_YIELD, type ColumnInfo, type ExportRecord, type TableSchema } from '../records.js';
import { AcodeError, describeCause } from '../errors.js';
import { connectPg, parsePgUrl, pgLockWaitMs, pgTableName, quotePgIdent } from './connection.js';
import { VERSIONS_SQL } from './facts.js';
import { setPgShape } from '../redaction/pg-values.js';
import { createShapeReader } from './value-shapes.js';
import { CopyBinaryParser, readerFor, selectItem } from './copy-binary.js';

interface PgTableInfo {
  readonly schema: string;
  readonly table: string;
  readonly name: string;
  readonly columns: ColumnInfo[];
  readonly oids: number[];
  /** Another table acode names the same (public."s.t" and s.t are both `s.t`): set when there is one. */
  twin?: string;
}

const COLUMNS_SQL = `SELECT n.nspname AS schema, c.relname AS table, a.attname AS column, format_type(CASE WHEN ty.typtype = 'd' THEN ty.typbasetype ELSE a.atttypid END, CASE WHEN ty.typtype = 'd' THEN ty.typtypmod ELSE a.atttypmod END) AS type,
       (CASE WHEN ty.typtype = 'd' THEN ty.typbasetype ELSE a.atttypid END)::int AS oid, a.attnotnull AS not_null, -- a domain is read, and named, as its base type
       coalesce((SELECT k.n::int FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) WHERE k.attnum = a.attnum), 0) AS pk
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_type ty ON ty.oid = a.atttypid
  LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
 WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
 ORDER BY n.nspname, c.relname, a.attnum`;

/** Tables with no columns (CREATE TABLE t ()): COLUMNS_SQL has no row for them. */
const COLUMNLESS_SQL = `SELECT n.nspname AS schema, c.relname AS table
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)`;

/** Relations --tables may name that an export cannot read: partitioned parents (with their leaf partitions), views, foreign tables. */
const UNEXPORTABLE_SQL = `SELECT n.nspname AS schema, c.relname AS table, c.relkind::text AS kind,
       CASE WHEN c.relkind = 'p' THEN (SELECT coalesce(json_agg(json_build_array(pn.nspname, p.relname)), '[]')
         FROM pg_partition_tree(c.oid) t JOIN pg_class p ON p.oid = t.relid JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE t.isleaf AND p.relkind = 'r') END AS partitions
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('p', 'v', 'm', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`;

const KINDS = { v: 'view', m: 'materialized view', f: 'foreign table' } as const;

async function readUnexportable(client: Client): Promise<Map<string, Unexportable>> {
  const { rows } = await client.query<{ schema: string; table: string; kind: 'p' | 'v' | 'm' | 'f'; partitions: [string, string][] | null }>(UNEXPORTABLE_SQL);
  return new Map(
    rows.map((r): [string, Unexportable] => [
      pgTableName(r.schema, r.table),
      r.kind === 'p' ? { kind: 'partitioned table', partitions: (r.partitions ?? []).map(([s, t]) => pgTableName(s, t)).sort() } : { kind: KINDS[r.kind] },
    ]),
  );
}

/**
 * Tables with no columns are named, not exported: no format but JSON could carry one (SQLite and
 * a CSV header need a column), so every format leaves them out alike; a backup keeps them.
 */
async function readColumnless(client: Client): Promise<string[]> {
  const { rows } = await client.query<{ schema: string; table: string }>(COLUMNLESS_SQL);
  return rows.map((r) => pgTableName(r.schema, r.table)).sort();
}

async function readTables(client: Client): Promise<Map<string, PgTableInfo>> {
  const { rows } = await client.query<{ schema: string; table: string; column: string; type: string; oid: number; not_null: boolean; pk: number }>(COLUMNS_SQL);
  const tables = new Map<string, PgTableInfo>();
  for (const r of rows) {
    const name = pgTableName(r.schema, r.table);
    let t = tables.get(name);
    if (!t) tables.set(name, (t = { schema: r.schema, table: r.table, name, columns: [], oids: [] }));
    else if (t.schema !== r.schema) t.twin = `${quotePgIdent(r.schema)}.${quotePgIdent(r.table)}`;
    t.columns.push({ name: r.column, type: r.type, notNull: r.not_null, primaryKey: r.pk });
    t.oids.push(r.oid);
  }
  // Arrays, composites and hstore come as output text: the redactor reads them part by part.
  const shapeOf = createShapeReader(client);
  for (const t of tables.values()) {
    for (let i = 0; i < t.columns.length; i++) {
      if (readerFor(t.oids[i]!).send === 'binary') continue;
      const shape = await shapeOf(t.oids[i]!);
      if (shape.kind !== 'text') setPgShape(t.columns[i]!, shape);
    }
  }
  return tables;
}

const DATE_TYPES = new Set([1082, 1114, 1184]); // date, timestamp, timestamptz
const TEXT_TYPES = new Set([25, 1043, 1042]); // text, varchar, char(n)

/** Text shaped like an ISO 8601 date or date-time: only that is cast (PostgreSQL has no cast that fails softly). */
const ISO_DATE = String.raw`'^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?\s*$'`;

/**
 * The date column as a timestamptz, NULL where a row holds no date: date and timestamp types as
 * they are, text only where it has an ISO date's shape, and any other type (an epoch number) never.
 */
function dateExpr(column: string, oid: number): string {
  const c = quotePgIdent(column);
  if (DATE_TYPES.has(oid)) return `(${c})::timestamptz`;
  if (TEXT_TYPES.has(oid)) return `CASE WHEN ${c} ~ ${ISO_DATE} THEN (${c})::timestamptz END`;
  return 'NULL::timestamptz';
}

/** --since/--until on the date column (dateExpr): a row whose column holds no date is in no window. */
function whereClause(column: string | null, selection: ExportSelection): string {
  if (!column) return '';
  const parts: string[] = [];
  // toISOString() holds digits, '-', ':', '.', 'T' and 'Z' only: safe inside quotes.
  if (selection.since) parts.push(`${column} >= '${selection.since.toISOString()}'::timestamptz`);
  if (selection.until) parts.push(`${column} < '${selection.until.toISOString()}'::timestamptz`);
  return parts.length ? ` WHERE ${parts.join(' AND ')}` : '';
}

/**
 * One consistent snapshot of a PostgreSQL database for an export: a repeatable-read, read-only
 * transaction holds it from the row counts to the last row. Rows come out through COPY … TO
 * STDOUT (what psql's \copy uses) in COPY's binary format.
 */
export async function openPostgresSnapshot(url: string, selection: ExportSelection, busyTimeoutMs?: number): Promise<Snapshot> {
  const lockWaitMs = pgLockWaitMs(busyTimeoutMs);
  const target = parsePgUrl(url);
  const client = await connectPg(target);
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // As pg_dump does: the database's or role's statement and idle timeouts would end a long
    // export part-way (a big table's COPY, a slow consumer), and row-level security would quietly
    // leave out the rows a policy hides; off, a table with a policy fails instead (serverError).
    // A table another session holds locked (ACCESS EXCLUSIVE: an ALTER, a VACUUM FULL) is waited
    // for as a backup waits, 30 s, then the export fails as busy instead of hanging for ever.
    await client.query(`SET LOCAL statement_timeout = 0; SET LOCAL idle_in_transaction_session_timeout = 0; SET LOCAL row_security = off; SET LOCAL lock_timeout = ${lockWaitMs}`);
    // COPY writes values as the session's settings say: fix the ones that change the text.
    await client.query("SET LOCAL bytea_output = 'hex'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; SET LOCAL TimeZone = 'UTC'; SET LOCAL extra_float_digits = 1");
    const versions = (await client.query<{ server_version: string; schema_version: string | null }>(VERSIONS_SQL)).rows[0]!;
    const info = await readTables(client).catch((err: unknown) => {
      throw serverError(err, null, null);
    });
    const columnless = await readColumnless(client).catch((err: unknown) => {
      throw serverError(err, null, null);
    });
    const asked = (selection.tables ?? []).filter((t) => columnless.includes(t));
    if (asked.length) {
      throw new AcodeError('ACODE-EXP-006', `--tables names ${asked.join(', ')}, which ${asked.length === 1 ? 'has' : 'have'} no columns: exports skip such tables (a backup keeps them)`, {
        context: { table: asked[0] },
        hint: `leave ${asked.length === 1 ? 'it' : 'them'} out of --tables`,
      });
    }
    // Known by name (so --exclude-tables may name one), exported never.
    const unexportable =
      selection.tables || selection.excludeTables.length
        ? await readUnexportable(client).catch((err: unknown) => {
            throw serverError(err, null, null);
          })
        : undefined;
    const names = selection.resolveTables([...info.keys(), ...columnless].sort(), unexportable).filter((n) => !columnless.includes(n));
    const takenAt = new Date().toISOString();
    const snapshotId = (await client.query<{ s: string }>('SELECT pg_current_snapshot()::text AS s')).rows[0]!.s;
    const tables: SnapshotTable[] = [];
    const sources = new Map<string, { from: string; oids: number[] }>();
    for (const name of names) {
      const t = info.get(name)!;
      // Read as one, the two tables' columns and rows would merge into a table that never existed.
      if (t.twin) throw new AcodeError('ACODE-EXP-006', `tables ${quotePgIdent(t.schema)}.${quotePgIdent(t.table)} and ${t.twin} are both named ${name} in an export: rename one to export ${name}`);
      const schema: TableSchema = { name, sql: null, columns: t.columns, indexes: [] };
      const columnNames = t.columns.map((c) => c.name);
      const dateColumn = selection.dateColumnFor(name, columnNames);
      const dated = dateColumn === null ? null : dateExpr(dateColumn, t.oids[columnNames.indexOf(dateColumn)]!);
      // ONLY: a parent's own rows, as pg_dump archives them; an inheriting child's rows are its own table's.
      const relation = `ONLY ${quotePgIdent(t.schema)}.${quotePgIdent(t.table)}`;
      const from = `${relation}${whereClause(dated, selection)}`;
      // Rows without a date (NULL, an epoch number, text that is no date) are in no window: said rather than dropped unseen.
      const filtered = dated !== null && (selection.since !== null || selection.until !== null) && !selection.schemaOnly;
      const count = async (sql: string): Promise<number> =>
        Number(
          (
            await client.query<{ n: string }>(sql).catch((err: unknown) => {
              throw serverError(err, name, filtered ? dateColumn : null);
            })
          ).rows[0]!.n,
        );
      const rows = selection.schemaOnly ? 0 : await count(`SELECT count(*)::text AS n FROM ${from}`);
      const undated = filtered ? await count(`SELECT count(*)::text AS n FROM ${relation} WHERE (${dated}) IS NULL`) : 0;
      tables.push({ schema, rows, dateColumn, ...(undated > 0 ? { undated } : {}) });
      sources.set(name, { from, oids: t.oids });
    }
    // The COPY being read, destroyed by close() when an export stops mid-table.
    const reading: { stream: Readable | null } = { stream: null };
    return {
      tables,
      skipped: columnless,
      schemaVersion: versions.schema_version ? Number(versions.schema_version) : null,
      engineVersion: versions.server_version,
      info: { method: 'postgres-repeatable-read', takenAt, snapshot: snapshotId },
      records: () =>
        readRecords(client, tables, sources, selection, (stream) => {
          reading.stream = stream;
        }),
      close: () => {
        reading.stream?.destroy();
        // Read-only: ending the session ends the transaction; nothing waits on it.
        void client.end().catch(() => undefined);
      },
    };
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
}

async function* readRecords(
  client: Client,
  tables: readonly SnapshotTable[],
  sources: ReadonlyMap<string, { from: string; oids: number[] }>,
  selection: ExportSelection,
  track: (stream: Readable | null) => void,
): AsyncGenerator<ExportRecord> {
  const { to: copyTo } = await import('pg-copy-streams');
  for (const table of tables) {
    const name = table.schema.name;
    yield { kind: 'table', table: table.schema, rows: table.rows };
    let count = 0;
    if (!selection.schemaOnly) {
      const { from, oids } = sources.get(name)!;
      const readers = oids.map(readerFor);
      const columns = table.schema.columns.map((c, i) => selectItem(quotePgIdent(c.name), readers[i]!)).join(', ');
      const stream = client.query(copyTo(`COPY (SELECT ${columns} FROM ${from}) TO STDOUT (FORMAT binary)`));
      track(stream);
      const parser = new CopyBinaryParser(readers.map((r) => r.decode));
      let batches = 0;
      try {
        for await (const chunk of stream) {
          for (const rows of parser.push(chunk as Buffer)) {
            count += rows.length;
            yield { kind: 'rows', table: name, rows };
            if (++batches % BATCHES_PER_YIELD === 0) await yieldToEventLoop();
          }
        }
        const rest = parser.end();
        if (rest.length) {
          count += rest.length;
          yield { kind: 'rows', table: name, rows: rest };
        }
      } catch (err) {
        // A server error mid-COPY (a privilege, a cast) as ACODE-EXP-001, not an internal error.
        throw serverError(err, name, selection.since || selection.until ? table.dateColumn : null);
      } finally {
        track(null);
        stream.destroy();
      }
    }
    yield { kind: 'table-end', table: name, rows: count };
  }
}

/**
 * An error the server sent (it has a SQLSTATE and a severity) as ACODE-EXP-001 with what to do;
 * anything else as it is. Its message names the table, a privilege or the value that failed a cast
 * (only a value shaped like an ISO date is ever cast), never the URL.
 */
function serverError(err: unknown, table: string | null, dateColumn: string | null): unknown {
  const { code, severity } = (err ?? {}) as { code?: unknown; severity?: unknown };
  if (err instanceof AcodeError || typeof code !== 'string' || typeof severity !== 'string') return err;
  const what = table ?? 'the catalog';
  const context = table ? { table } : {};
  if (code === '42501' && table && /row-level security/.test(describeCause(err))) {
    return new AcodeError('ACODE-EXP-001', `${table} has row-level security, and its policies would hide rows from this role: ${describeCause(err)}`, {
      cause: err,
      context,
      hint: `no output was kept; export as the table's owner (unless it has FORCE ROW LEVEL SECURITY, which binds its owner too) or a role with BYPASSRLS (ALTER ROLE <name> BYPASSRLS), or leave it out with --exclude-tables ${table}`,
    });
  }
  if (code === '55P03') {
    return new AcodeError('ACODE-DB-008', `${what} is locked by another session: ${describeCause(err)}`, {
      cause: err,
      context,
      hint: `no output was kept; wait for the session holding the lock to finish (or stop it) and run the export again${table ? `, or leave the table out with --exclude-tables ${table}` : ''}`,
    });
  }
  if (code === '42501') {
    return new AcodeError('ACODE-EXP-001', `PostgreSQL refused to let this role read ${what}: ${describeCause(err)}`, {
      cause: err,
      context,
      hint: table ? `no output was kept; grant the role SELECT on ${table}, or leave it out with --exclude-tables ${table}` : 'no output was kept; connect as a role that may read the catalog',
    });
  }
  // Class 22, data exception: a value in the date column shaped like an ISO date that is none (2024-02-30).
  if (code.startsWith('22') && table && dateColumn) {
    return new AcodeError('ACODE-EXP-001', `${table}.${dateColumn} holds a value that looks like a date and is not one: ${describeCause(err)}`, {
      cause: err,
      context: { table, column: dateColumn },
      hint: `no output was kept; correct that value, pick another column in export.date_columns.${table}, or export without --since/--until`,
    });
  }
  return new AcodeError('ACODE-EXP-001', `PostgreSQL failed while reading ${what}: ${describeCause(err)} (SQLSTATE ${code})`, { cause: err, context });
}
