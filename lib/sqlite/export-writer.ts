import path from 'node:path';
import type Database from 'better-sqlite3';
import { AcodeError, describeCause, systemCode } from '../errors.js';
import type { ExportRecord, SqlValue, TableSchema } from '../records.js';
import { openSqlite, quoteIdent, type SqliteDb } from './open.js';
import { RecordWriter } from './record-writer.js';
import { sqliteDeclaredType } from '../../transforms/value-codec.js';

/** Where a SQLite export keeps its metadata: one row per key, JSON values. */
export const EXPORT_META_TABLE = '_acode_export';

/** CREATE TABLE for a table known only by its columns (a source without DDL), in SQLite's types. */
export function createTableSql(table: TableSchema): string {
  if (table.sql) return table.sql;
  const pk = table.columns.filter((c) => c.primaryKey > 0).sort((a, b) => a.primaryKey - b.primaryKey);
  const cols = table.columns.map((c) => `${quoteIdent(c.name)} ${sqliteDeclaredType(table, c)}${c.notNull ? ' NOT NULL' : ''}`);
  if (pk.length) cols.push(`PRIMARY KEY (${pk.map((c) => quoteIdent(c.name)).join(', ')})`);
  return `CREATE TABLE ${quoteIdent(table.name)} (${cols.join(', ')})`;
}

/**
 * Redaction turns every secret in a key column into the same placeholder, so a table keyed by
 * its secrets cannot hold two rows any more: say which column and what keeps keys apart.
 */
function keyCollision(err: unknown): AcodeError | null {
  const code = systemCode(err) ?? '';
  if (code !== 'SQLITE_CONSTRAINT_PRIMARYKEY' && code !== 'SQLITE_CONSTRAINT_UNIQUE') return null;
  const column = /failed: (.+)$/.exec(describeCause(err))?.[1] ?? 'a key column';
  return new AcodeError('ACODE-EXP-002', `${column} is a key, and redaction made two of its values the same placeholder`, {
    cause: err,
    hint: 'set export.pseudonymize: true (distinct placeholders keep keys apart), or leave the table out with --exclude-tables',
  });
}

/** better-sqlite3 binds Buffers as BLOBs; a plain Uint8Array must become one first. */
export function bindable(value: SqlValue): SqlValue {
  return value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value;
}

/**
 * The `sqlite` export format: a new, self-contained database with the exported tables' own
 * definitions, their rows, their indexes, and the export's metadata in `_acode_export`. Written
 * to a fresh temporary file with journaling off (a failure discards the file anyway) in one
 * transaction, then switched to a normal journal so the result needs nothing beside it.
 */
export class SqliteExportWriter extends RecordWriter {
  readonly #db: SqliteDb;
  #insert: Database.Statement | null = null;
  #table: TableSchema | null = null;
  /** The tables written so far, by their case-folded name. */
  readonly #names = new Map<string, string>();

  constructor(file: string) {
    super();
    this.#db = openExportFile(file);
    this.#db.pragma('journal_mode = OFF');
    this.#db.pragma('synchronous = OFF');
    this.#db.pragma('foreign_keys = OFF');
    this.#db.exec(`BEGIN; CREATE TABLE ${EXPORT_META_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
  }


  protected override apply(record: ExportRecord): void {
    const db = this.#db;
    switch (record.kind) {
      case 'header':
        this.#meta('metadata', record.header);
        break;
      case 'table': {
        this.#claimName(record.table.name);
        this.#table = record.table;
        db.exec(createTableSql(record.table));
        const cols = record.table.columns.map((c) => quoteIdent(c.name));
        this.#insert = db.prepare(`INSERT INTO ${quoteIdent(record.table.name)} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
        break;
      }
      case 'rows': {
        const insert = this.#insert!;
        for (const row of record.rows) {
          try {
            insert.run(row.map(bindable));
          } catch (err) {
            throw keyCollision(err) ?? err;
          }
        }
        break;
      }
      case 'table-end':
        for (const sql of this.#table?.indexes ?? []) db.exec(sql);
        this.#table = null;
        this.#insert = null;
        break;
      case 'summary':
        this.#meta('summary', record.summary);
        break;
    }
  }

  /**
   * A PostgreSQL table's name SQLite cannot hold beside the others: SQLite reserves sqlite_*,
   * this format keeps its metadata in _acode_export, and names differing only in case are one
   * name to SQLite. Said as such (they failed as 'table "genre" already exists').
   */
  #claimName(name: string): void {
    // SQLite folds ASCII letters only: "Émile" and "émile" are two names to it.
    const folded = name.replace(/[A-Z]/g, (c) => c.toLowerCase());
    const why = folded.startsWith('sqlite_')
      ? 'SQLite reserves names starting with sqlite_'
      : folded === EXPORT_META_TABLE
        ? `a SQLite export keeps its metadata in ${EXPORT_META_TABLE}`
        : this.#names.has(folded)
          ? `SQLite sees it and ${this.#names.get(folded)} as one name (they differ only in case)`
          : null;
    if (why) {
      throw new AcodeError('ACODE-EXP-006', `table ${name} cannot go into a SQLite export: ${why}`, {
        hint: `leave it out with --exclude-tables ${name}, or export it as json, ndjson or csv`,
      });
    }
    this.#names.set(folded, name);
  }

  #meta(key: string, value: unknown): void {
    this.#db.prepare(`INSERT INTO ${EXPORT_META_TABLE} (key, value) VALUES (?, ?)`).run(key, JSON.stringify(value));
  }

  override _final(callback: (error?: Error | null) => void): void {
    try {
      this.#db.exec('COMMIT');
      this.#db.pragma('journal_mode = DELETE');
      this.#db.close();
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.#db.open) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      this.#db.close();
    }
    callback(error);
  }
}

/**
 * The fresh file of a SQLite export. A folder that is missing or not writable is the same
 * ACODE-EXP-008 the other formats' file sinks give, not a "database" or "backup folder" error.
 */
function openExportFile(file: string): SqliteDb {
  try {
    return openSqlite(file, { create: true, role: 'export' });
  } catch (err) {
    const cause = err instanceof AcodeError && err.cause !== undefined ? err.cause : err;
    const code = systemCode(cause) ?? '';
    if (['ENOENT', 'EACCES', 'EPERM', 'EROFS', 'ENOTDIR'].includes(code) || code.startsWith('SQLITE_CANTOPEN')) {
      throw new AcodeError('ACODE-EXP-008', `cannot create a file in ${path.dirname(file)}: ${describeCause(cause)}`, { cause, context: { file } });
    }
    throw err;
  }
}

export function createSqliteExportWriter(file: string): SqliteExportWriter {
  return new SqliteExportWriter(file);
}
