import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { sqliteUnexportable, type ExportSelection, type Snapshot, type SnapshotTable } from '../export-source.js';
import { BATCH_CHARS, BATCH_ROWS, BATCHES_PER_YIELD, rowChars, rowCount, type ExportRecord, type RowTextFormat, type SqlValue } from '../records.js';
import { schemaVersion } from './inspect.js';
import { openSqlite, quoteIdent, type SqliteDb } from './open.js';
import { FIRST_ROWID, LAST_ROWID, registerRowTextFunctions, rowTextReader, type RowTextReader } from './row-text.js';
import { listTables, readTableSchema } from './schema-reader.js';

export interface SnapshotOpenOptions {
  /** Open read-only: the file is never written, a -wal beside it never merged (the caller makes sure the file is not in WAL mode). */
  readonly readonly?: boolean;
}

/**
 * One consistent snapshot of a SQLite database for an export: a single read transaction holds
 * it from the row counts to the last row, so every table is read at the same point in time
 * while other processes go on writing (in WAL mode they are not even slowed).
 */
export function openSqliteSnapshot(file: string, selection: ExportSelection, options: SnapshotOpenOptions = {}): Snapshot {
  // Read-write but query-only: a read-only connection to a WAL database cannot remove the -wal
  // and -shm files it creates, and would leave them beside the user's database. A file that
  // must not change (an export being verified) is opened read-only instead: a read-write
  // connection would merge a -wal beside it into it.
  const db = options.readonly ? openSqlite(file, { readonly: true, role: 'export', notDatabaseCode: 'ACODE-IMP-002' }) : openSqlite(file);
  try {
    db.pragma('query_only = ON');
    registerRowTextFunctions(db);
    const listing = listTables(db);
    const names = selection.resolveTables(listing.tables, sqliteUnexportable(listing.skipped));
    db.exec('BEGIN');
    // Statements still iterating when the export is destroyed (Ctrl-C, a write error): the
    // generator's own finally may run only after close(), and SQLite cannot COMMIT meanwhile.
    const reading = new Set<IterableIterator<SqlValue[]>>();
    // The first read fixes the snapshot; everything below sees the database as it is now.
    const takenAt = new Date().toISOString();
    const version = schemaVersion(db);
    const sequences = autoincrementCounters(db);
    const tables: SnapshotTable[] = names.map((name) => {
      const schema = readTableSchema(db, name);
      const dateColumn = selection.dateColumnFor(name, schema.columns.map((c) => c.name));
      const where = whereClause(dateColumn, selection);
      const rows = selection.schemaOnly ? 0 : Number(db.prepare(`SELECT count(*) FROM main.${quoteIdent(name)}${where.sql}`).pluck().get(...where.params));
      // Epoch numbers, NULLs, text julianday() cannot read: in no window, so said rather than dropped unseen.
      const undated = where.params.length > 0 && !selection.schemaOnly ? Number(db.prepare(`SELECT count(*) FROM main.${quoteIdent(name)} WHERE ${dateOf(dateColumn!)} IS NULL`).pluck().get()) : 0;
      const sequence = sequences.get(name);
      return { schema, rows, dateColumn, ...(sequence === undefined ? {} : { sequence }), ...(undated > 0 ? { undated } : {}) };
    });
    return {
      tables,
      skipped: listing.skipped,
      schemaVersion: version,
      engineVersion: String(db.prepare('SELECT sqlite_version()').pluck().get()),
      info: { method: 'sqlite-read-transaction', takenAt, journalMode: String(db.pragma('journal_mode', { simple: true })) },
      records: (options) => readRecords(db, tables, selection, reading, options?.rowText),
      close: () => {
        for (const iterator of reading) iterator.return?.();
        reading.clear();
        if (db.inTransaction) db.exec('COMMIT');
        db.close();
      },
    };
  } catch (err) {
    db.close();
    throw err;
  }
}

/** AUTOINCREMENT counters by table (SQLite keeps them in sqlite_sequence, which exports leave out). */
function autoincrementCounters(db: SqliteDb): Map<string, number | string> {
  const has = db.prepare("SELECT 1 FROM main.sqlite_schema WHERE name = 'sqlite_sequence'").pluck().get();
  if (!has) return new Map();
  const rows = db.prepare('SELECT name, seq FROM main.sqlite_sequence').safeIntegers(true).all() as { name: string; seq: bigint | number }[];
  // JSON numbers past 2^53 lose digits: such a counter is written as its decimal string.
  return new Map(rows.map((r) => [r.name, typeof r.seq === 'bigint' && (r.seq > BigInt(Number.MAX_SAFE_INTEGER) || r.seq < -BigInt(Number.MAX_SAFE_INTEGER)) ? r.seq.toString() : Number(r.seq)]));
}

function whereClause(dateColumn: string | null, selection: ExportSelection): { sql: string; params: string[] } {
  const { sql, params } = dateConditions(dateColumn, selection);
  return { sql: sql.length > 0 ? ` WHERE ${sql.join(' AND ')}` : '', params };
}

/**
 * A date column's value as a Julian day, NULL when it holds no date. julianday() wants a zone as
 * `Z` or `±HH:MM`; PostgreSQL writes timestamptz text with `±HH` (`2024-01-16 04:30:00+00`, as
 * an import from a PostgreSQL export stores it) or `±HHMM`, which it would read as no date.
 */
function dateOf(column: string): string {
  const c = quoteIdent(column);
  const time = `typeof(${c}) = 'text' AND ${c} GLOB '*:[0-9][0-9]*[+-][0-9][0-9]`;
  return `julianday(CASE WHEN ${time}' THEN ${c} || ':00' WHEN ${time}[0-9][0-9]' THEN substr(${c}, 1, length(${c}) - 2) || ':' || substr(${c}, -2) ELSE ${c} END)`;
}

/** The --since/--until filters on a table's date column, as SQL conditions and their parameters. */
function dateConditions(dateColumn: string | null, selection: ExportSelection): { sql: string[]; params: string[] } {
  const parts: string[] = [];
  const params: string[] = [];
  if (!dateColumn) return { sql: parts, params };
  // julianday() reads both '2024-01-20T14:30:45Z' and '2024-01-20 14:30:45'; text comparison would not.
  if (selection.since) {
    parts.push(`${dateOf(dateColumn)} >= julianday(?)`);
    params.push(selection.since.toISOString());
  }
  if (selection.until) {
    parts.push(`${dateOf(dateColumn)} < julianday(?)`);
    params.push(selection.until.toISOString());
  }
  return { sql: parts, params };
}

async function* readRecords(
  db: SqliteDb,
  tables: readonly SnapshotTable[],
  selection: ExportSelection,
  reading: Set<IterableIterator<SqlValue[]>>,
  rowText: RowTextFormat | undefined,
): AsyncGenerator<ExportRecord> {
  for (const table of tables) {
    yield { kind: 'table', table: table.schema, rows: table.rows };
    let count = 0;
    const encoded = rowText && !selection.schemaOnly ? rowTextReader(db, table.schema, rowText, dateConditions(table.dateColumn, selection)) : null;
    if (encoded) {
      for await (const record of readRowText(encoded, table.schema.name, rowText!)) {
        count += rowCount(record);
        yield record;
      }
    } else if (!selection.schemaOnly) {
      const columns = table.schema.columns.map((c) => quoteIdent(c.name)).join(', ');
      const where = whereClause(table.dateColumn, selection);
      const stmt = db.prepare(`SELECT ${columns} FROM main.${quoteIdent(table.schema.name)}${where.sql}`).raw(true).safeIntegers(true);
      const iterator = stmt.iterate(...where.params) as IterableIterator<SqlValue[]>;
      reading.add(iterator);
      try {
        let batch: SqlValue[][] = [];
        let chars = 0;
        let batches = 0;
        for (const row of iterator) {
          batch.push(row);
          chars += rowChars(row);
          if (batch.length === BATCH_ROWS || chars >= BATCH_CHARS) {
            count += batch.length;
            yield { kind: 'rows', table: table.schema.name, rows: batch };
            batch = [];
            chars = 0;
            if (++batches % BATCHES_PER_YIELD === 0) await yieldToEventLoop();
          }
        }
        if (batch.length) {
          count += batch.length;
          yield { kind: 'rows', table: table.schema.name, rows: batch };
        }
      } finally {
        // An export destroyed mid-table lands here: the statement must be released before close.
        reading.delete(iterator);
        iterator.return?.();
      }
    }
    yield { kind: 'table-end', table: table.schema.name, rows: count };
  }
}

/**
 * Target size of one encoded batch: the row limit adapts to the table's row size to keep near it.
 * It starts at one row and at most doubles from one batch to the next, so a table of large rows
 * never sees a large limit (forty 8 MB rows came as one batch of 320 MB when it started at 64).
 * A limit grown on small rows still meets a sudden run of large ones whole: the README says so.
 */
const TEXT_BATCH_BYTES = 256 * 1024;

/** A table's rows as encoded batches, and as values for a batch SQLite could not encode exactly. */
async function* readRowText(reader: RowTextReader, table: string, format: RowTextFormat): AsyncGenerator<ExportRecord> {
  let from = FIRST_ROWID;
  let limit = 1;
  for (let batches = 1; ; batches++) {
    const batch = reader.next(from, limit);
    if (!batch) return;
    if (batch.bytes) {
      yield { kind: 'text-rows', table, format, count: batch.count, bytes: batch.bytes };
      limit = Math.max(1, Math.min(BATCH_ROWS, limit * 2, Math.floor((limit * TEXT_BATCH_BYTES) / Math.max(batch.bytes.length, 1))));
    } else {
      const rows = reader.values(from, batch.last);
      for (let i = 0; i < rows.length; i += BATCH_ROWS) yield { kind: 'rows', table, rows: rows.slice(i, i + BATCH_ROWS) };
    }
    // The largest rowid ends the table: nothing can follow it.
    if (batch.last === LAST_ROWID) return;
    from = batch.last + 1n;
    if (batches % BATCHES_PER_YIELD === 0) await yieldToEventLoop();
  }
}
