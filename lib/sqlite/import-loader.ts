import type Database from 'better-sqlite3';
import { AcodeError, describeCause, systemCode } from '../errors.js';
import { checkExportHeader } from '../export-manifest.js';
import type { ProgressListener } from '../progress.js';
import type { ColumnInfo, ExportHeader, ExportRecord, SqlValue, TableSchema } from '../records.js';
import { bindable, createTableSql } from './export-writer.js';
import { applyMigration, VERSION_TABLE } from '../migrate.js';
import { WORKSPACE_MIGRATIONS } from '../migrations.js';
import { quoteIdent, type SqliteDb } from './open.js';
import { RecordWriter } from './record-writer.js';
import { clashColumns, readTrigger, runDefinition, showKey } from './import-sql.js';
import { LATEST, SCHEMA_VERSION_TABLE, versionGapHint, workspaceTables, workspaceVersion } from './workspace-schema.js';

export type ImportMode = 'append' | 'replace';

export interface ImportLoaderOptions {
  readonly mode: ImportMode;
  /** Only these tables; null for all in the export. */
  readonly tables: readonly string[] | null;
  readonly onProgress?: ProgressListener;
}

export interface LoadedTable {
  readonly name: string;
  readonly rows: number;
  readonly created: boolean;
  /** References (foreign keys) of this table's rows to rows the database does not have, added by the import. */
  readonly danglingReferences: number;
}

/**
 * Loads export records into a database inside the caller's open write transaction: creates
 * missing tables from their exported definitions, empties them first in replace mode, inserts
 * rows, then builds the indexes of tables it created. A primary-key clash in append mode is
 * ACODE-IMP-004 naming table and key; the caller rolls everything back on any error.
 */
export class ImportLoader extends RecordWriter {
  readonly #db: SqliteDb;
  readonly #options: ImportLoaderOptions;
  readonly #loaded: Omit<LoadedTable, 'danglingReferences'>[] = [];
  /** Loaded tables with foreign keys: their references to nothing before the import, then how many it added. */
  readonly #danglingBefore = new Map<string, number>();
  readonly #danglingAdded = new Map<string, number>();
  /** Tables begun so far, by their lower-case name. */
  readonly #foldedNames = new Map<string, string>();
  #sequences = new Map<string, bigint>();
  #header: ExportHeader | null = null;
  #table: TableSchema | null = null;
  #expected = 0;
  #count = 0;
  #created = false;
  /** The current table was made from its exported definition, indexes still to build (not by a migration). */
  #indexesToBuild = false;
  /** Tables the workspace migrations made in this import (#migrateEmpty), by their lower-case names. */
  readonly #migrated = new Set<string>();
  #insert: Database.Statement | null = null;
  /** Tables that refer to a replaced table, with how many of their rows referred to nothing before it was emptied. */
  readonly #referrers = new Map<string, { parent: string; before: number }>();
  /** Triggers on the tables being loaded, dropped until the load ends (resumeTriggers). */
  readonly #suspended: { name: string; sql: string }[] = [];

  constructor(db: SqliteDb, options: ImportLoaderOptions) {
    super();
    this.#db = db;
    this.#options = options;
  }

  get loaded(): readonly LoadedTable[] {
    return this.#loaded.map((t) => ({ ...t, danglingReferences: this.#danglingAdded.get(t.name) ?? 0 }));
  }

  /** The export's metadata, once its header record has passed. */
  get header(): ExportHeader | null {
    return this.#header;
  }

  protected override apply(record: ExportRecord): void {
    switch (record.kind) {
      case 'header': {
        this.#header = checkExportHeader(record.header);
        // A workspace's export carries its schema version, with its migration record or without
        // (--tables); another database's version (its user_version) is not one.
        const names = this.#header.tables.map((t) => t.name);
        const workspace = workspaceVersion(this.#header.schemaVersion, names);
        if (workspace !== null || names.includes(SCHEMA_VERSION_TABLE)) this.#checkSchemaVersion(this.#header.schemaVersion);
        const loading = this.#loading()!;
        if (workspace !== null && !loading.has(SCHEMA_VERSION_TABLE)) this.#migrateEmpty(workspace);
        this.#sequences = new Map(record.header.tables.flatMap((t) => {
          const seq = counterOf(t.sequence);
          return seq === null ? [] : [[t.name, seq] as const];
        }));
        break;
      }
      case 'table':
        this.#begin(record.table, record.rows);
        break;
      case 'rows':
        if (this.#insert) this.#insertRows(record.rows);
        break;
      case 'table-end':
        this.#end();
        break;
      default:
        break;
    }
  }

  /**
   * A workspace's migration record says which tables and columns it has: rows of an export made at
   * another schema version would rewrite it (replace) or mix two (append), and `db migrate` would
   * then fail on tables that already exist. An empty or absent record (a new database) takes the export's.
   */
  #checkSchemaVersion(exported: number | null | undefined): void {
    if (exported === null || exported === undefined) return;
    const db = this.#db;
    const hasRecord = db.prepare("SELECT 1 FROM main.sqlite_schema WHERE type = 'table' AND name = ? COLLATE NOCASE").pluck().get(SCHEMA_VERSION_TABLE);
    if (!hasRecord) return;
    const current = db.prepare(`SELECT max(version) FROM main.${quoteIdent(SCHEMA_VERSION_TABLE)}`).pluck().get() as number | bigint | null;
    if (current === null || Number(current) === exported) return;
    throw new AcodeError('ACODE-IMP-001', `the export is at schema version ${exported} and the workspace database at ${String(current)}; nothing was imported`, {
      hint: versionGapHint(exported, Number(current), 'import it into a new database (--database new.db), run `acode db migrate` there, then export again'),
    });
  }

  /**
   * A new (empty) database given a workspace's tables without its migration record becomes a
   * workspace at the export's version first: built from the exported tables alone, it had no
   * schema_version, and `acode db migrate` then refused it as "not an acode workspace database".
   * The rows then go into the tables the migrations made, which count as created by this import.
   */
  #migrateEmpty(version: number): void {
    const db = this.#db;
    if (version > LATEST) return;
    const any = db.prepare("SELECT 1 FROM main.sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").pluck().get();
    if (any !== undefined) return;
    db.exec(VERSION_TABLE);
    const at = new Date().toISOString();
    for (const migration of WORKSPACE_MIGRATIONS.filter((m) => m.version <= version)) applyMigration(db, migration, at);
    for (const name of workspaceTables(version)) this.#migrated.add(name.toLowerCase());
  }

  #begin(table: TableSchema, expectedRows: number): void {
    const wanted = this.#options.tables === null || this.#options.tables.includes(table.name);
    this.#table = table;
    this.#expected = expectedRows;
    this.#count = 0;
    this.#insert = null;
    if (!wanted) return;
    // SQLite's own tables (sqlite_sequence…) are never exported: one in an export would rewrite its counters.
    if (/^sqlite_/i.test(table.name)) throw new AcodeError('ACODE-IMP-002', `the export holds a table named ${table.name}, SQLite's own name; an acode export never does`, { context: { table: table.name } });
    const db = this.#db;
    // Names are case-insensitive in SQL: T1 is the table t1 is. Two tables of one export that
    // differ only in case (PostgreSQL keeps "Users" and users apart) would become one.
    const folded = table.name.toLowerCase();
    const twin = this.#foldedNames.get(folded);
    if (twin !== undefined) {
      throw new AcodeError('ACODE-IMP-001', `the export has tables ${twin} and ${table.name}, which SQLite takes for one table; nothing was imported`, {
        context: { table: table.name },
        hint: 'import them one at a time with --tables, each into its own database (--database)',
      });
    }
    this.#foldedNames.set(folded, table.name);
    const existing = db.prepare('SELECT type, name FROM main.sqlite_schema WHERE name = ? COLLATE NOCASE').get(table.name) as { type: string; name: string } | undefined;
    if (existing && existing.type !== 'table') {
      throw new AcodeError('ACODE-IMP-001', `the workspace database has ${existing.type === 'index' ? 'an' : 'a'} ${existing.type} named ${existing.name}, and the export a table ${table.name}; nothing was imported`, {
        context: { table: table.name },
        hint: 'import with --tables leaving that table out, or into another database (--database)',
      });
    }
    const exists = existing !== undefined;
    this.#created = !exists || this.#migrated.has(folded);
    this.#indexesToBuild = !exists;
    if (!exists) {
      runDefinition(db, createTableSql(table), 'table', table.name);
    } else {
      // Column names are case-insensitive in SQL too: K is the column k is.
      const have = new Set((db.prepare(`PRAGMA main.table_xinfo(${quoteIdent(table.name)})`).all() as { name: string }[]).map((c) => c.name.toLowerCase()));
      const missing = table.columns.filter((c) => !have.has(c.name.toLowerCase())).map((c) => c.name);
      if (missing.length) {
        throw new AcodeError('ACODE-IMP-001', `table ${table.name} exists without column(s) ${missing.join(', ')} that the export has`, { context: { table: table.name } });
      }
      this.#suspendTriggers(table.name);
      if (this.#options.mode === 'replace') {
        this.#noteReferrers(table.name);
        db.exec(`DELETE FROM main.${quoteIdent(table.name)}`);
      }
    }
    if (!this.#danglingBefore.has(table.name) && this.#db.prepare('SELECT 1 FROM pragma_foreign_key_list(?)').pluck().get(table.name) !== undefined) {
      this.#danglingBefore.set(table.name, exists ? this.#dangling(table.name) : 0);
    }
    const cols = table.columns.map((c) => quoteIdent(c.name));
    // Migration records are the same rows in every workspace at that version: appending them
    // keeps the ones the target has instead of clashing on version 1.
    const verb = table.name === SCHEMA_VERSION_TABLE && this.#options.mode === 'append' ? 'INSERT OR IGNORE' : 'INSERT';
    this.#insert = db.prepare(`${verb} INTO main.${quoteIdent(table.name)} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
  }

  /**
   * The target's triggers on a table about to be loaded. One whose writes all land in tables this
   * import loads is dropped for the load: the export holds those tables as they were, the
   * trigger's work included, and run again it would count a chat's messages twice. One that
   * writes elsewhere keeps running, so what it maintains stays true (an FTS index over the
   * table, a count in a table not imported) — except that a replace's emptying must not make one
   * delete or change rows of an ordinary table the import was not asked to touch: that is
   * refused (ACODE-IMP-008). Dropped inside the import's transaction, so a rollback brings them
   * back as well as resumeTriggers does. Without the export's table list, nothing is dropped.
   */
  #suspendTriggers(table: string): void {
    const loading = this.#loading();
    if (loading === null) return;
    const db = this.#db;
    const triggers = db
      .prepare("SELECT name, sql FROM main.sqlite_schema WHERE type = 'trigger' AND tbl_name = ? COLLATE NOCASE ORDER BY rowid")
      .all(table) as { name: string; sql: string }[];
    const kinds = new Map((db.prepare("SELECT lower(name) AS name, sql FROM main.sqlite_schema WHERE type = 'table'").all() as { name: string; sql: string | null }[]).map((t) => [t.name, /^\s*CREATE\s+VIRTUAL\b/i.test(t.sql ?? '') ? 'virtual' : 'table']));
    for (const trigger of triggers) {
      const { event, writes } = readTrigger(trigger.sql);
      if (writes.length > 0 && writes.every((w) => loading.has(w))) {
        db.exec(`DROP TRIGGER main.${quoteIdent(trigger.name)}`);
        this.#suspended.push(trigger);
        continue;
      }
      const touched = writes.find((w) => !loading.has(w) && kinds.get(w) === 'table');
      if (this.#options.mode === 'replace' && event === 'DELETE' && touched !== undefined) {
        throw new AcodeError('ACODE-IMP-008', `replacing ${table} would run its trigger ${trigger.name}, which changes ${touched}, a table this import does not load; nothing was imported`, {
          context: { table },
          hint: `import ${touched} too (--tables), or append instead of replacing`,
        });
      }
    }
  }

  /** Tables this import loads, by their lower-case names; null before the export's header (its table list) is known. */
  #loading(): Set<string> | null {
    const tables = this.#header?.tables.map((t) => t.name);
    if (!tables) return null;
    const wanted = this.#options.tables;
    return new Set(tables.filter((t) => wanted === null || wanted.includes(t)).map((t) => t.toLowerCase()));
  }

  /** Puts back, as they were, the triggers dropped for the load: call once every table is loaded, before the commit. */
  resumeTriggers(): void {
    for (const trigger of this.#suspended.splice(0)) this.#db.exec(trigger.sql);
  }

  /** Before `parent` is emptied: the tables whose foreign keys point at it, and their dangling rows so far. */
  #noteReferrers(parent: string): void {
    const children = this.#db
      .prepare("SELECT DISTINCT m.name FROM main.sqlite_schema m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table' AND f.\"table\" = ? COLLATE NOCASE")
      .pluck()
      .all(parent) as string[];
    for (const child of children) if (!this.#referrers.has(child)) this.#referrers.set(child, { parent, before: this.#dangling(child) });
  }

  #dangling(table: string): number {
    return this.#db.prepare('SELECT count(*) FROM pragma_foreign_key_check(?)').pluck().get(table) as number;
  }

  /**
   * Replace mode, once every table is loaded: a table that referred to a replaced one must not be
   * left with rows pointing at nothing (a date-filtered conv_chats replacing all of them would
   * orphan the other chats' runs). ACODE-IMP-008, and the caller rolls back.
   */
  checkReferences(): void {
    // Rows that refer to rows not imported (one table of several, a date-filtered export): kept, and counted for a warning.
    for (const [table, before] of this.#danglingBefore) {
      const added = this.#dangling(table) - before;
      if (added > 0) this.#danglingAdded.set(table, added);
    }
    for (const [child, { parent, before }] of this.#referrers) {
      const orphans = this.#dangling(child) - before;
      if (orphans > 0) {
        throw new AcodeError('ACODE-IMP-008', `replacing ${parent} would leave ${orphans} ${orphans === 1 ? 'row' : 'rows'} of ${child} referring to rows that are gone; nothing was imported`, {
          context: { table: child },
        });
      }
    }
  }

  #insertRows(rows: SqlValue[][]): void {
    const table = this.#table!;
    const insert = this.#insert!;
    for (const row of rows) {
      if (row.length !== table.columns.length) {
        throw new AcodeError('ACODE-IMP-002', `${table.name} row ${this.#count + 1} has ${row.length} values for ${table.columns.length} columns`, { context: { table: table.name } });
      }
      try {
        insert.run(row.map(bindable));
      } catch (err) {
        throw this.#insertError(err, row);
      }
      this.#count++;
    }
    this.#options.onProgress?.({ stage: 'import', phase: 'update', label: 'Importing', table: table.name, rows: this.#count, totalRows: this.#expected });
  }

  #insertError(err: unknown, row: SqlValue[]): AcodeError {
    const table = this.#table!;
    const code = systemCode(err) ?? '';
    if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_ROWID') {
      const keyCols = table.columns.filter((c) => c.primaryKey > 0).sort((a, b) => a.primaryKey - b.primaryKey);
      const shown = (cols: readonly ColumnInfo[]): string => cols.map((c) => `${c.name}=${showKey(row[table.columns.indexOf(c)] ?? null, c.type, c.name)}`).join(', ');
      // SQLite names the clashing columns: `UNIQUE constraint failed: creds.password`. When they
      // are not the primary key, the row clashes on another unique key, and that is what to name.
      const named = clashColumns(describeCause(err), table.name);
      const uniqueCols = named.map((n) => table.columns.find((c) => c.name.toLowerCase() === n.toLowerCase())).filter((c): c is ColumnInfo => c !== undefined);
      const onKey = code !== 'SQLITE_CONSTRAINT_UNIQUE' || uniqueCols.length === 0 || sameColumns(uniqueCols, keyCols);
      if (!onKey) {
        const key = shown(uniqueCols);
        return new AcodeError('ACODE-IMP-006', `${table.name}: a row with the same ${key} already exists (unique ${uniqueCols.length > 1 ? 'columns' : 'column'} ${uniqueCols.map((c) => c.name).join(', ')})`, {
          cause: err,
          context: { table: table.name, key },
        });
      }
      const key = keyCols.length ? shown(keyCols) : describeCause(err);
      return new AcodeError('ACODE-IMP-004', `${table.name}: a row with ${key} already exists (${describeCause(err)})`, {
        cause: err,
        context: { table: table.name, key },
      });
    }
    return new AcodeError('ACODE-IMP-001', `${table.name} row ${this.#count + 1}: ${describeCause(err)}; nothing was imported`, { cause: err, context: { table: table.name } });
  }

  #end(): void {
    const table = this.#table;
    if (!table) return;
    if (this.#insert) {
      if (this.#count !== this.#expected) {
        throw new AcodeError('ACODE-IMP-002', `${table.name} has ${this.#count} rows, its metadata says ${this.#expected}: the export is truncated or altered`, { context: { table: table.name } });
      }
      if (this.#indexesToBuild) for (const sql of table.indexes) runDefinition(this.#db, sql, 'index', table.name);
      this.#restoreSequence(table.name);
      this.#loaded.push({ name: table.name, rows: this.#count, created: this.#created });
    }
    this.#table = null;
    this.#insert = null;
  }

  /** Puts an AUTOINCREMENT counter back, never lowering one the target already has. */
  #restoreSequence(table: string): void {
    const seq = this.#sequences.get(table);
    if (seq === undefined) return;
    const db = this.#db;
    if (!db.prepare("SELECT 1 FROM main.sqlite_schema WHERE name = 'sqlite_sequence'").pluck().get()) return;
    const updated = db.prepare('UPDATE main.sqlite_sequence SET seq = max(seq, ?) WHERE name = ?').run(seq, table).changes;
    if (updated === 0) db.prepare('INSERT INTO main.sqlite_sequence (name, seq) VALUES (?, ?)').run(table, seq);
  }
}

/** An AUTOINCREMENT counter from a header: an integer, or its decimal string past 2^53; a bigint, so it is bound as an INTEGER. */
function counterOf(value: unknown): bigint | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : null;
  return typeof value === 'string' && /^-?\d{1,19}$/.test(value) ? BigInt(value) : null;
}

function sameColumns(a: readonly ColumnInfo[], b: readonly ColumnInfo[]): boolean {
  return a.length === b.length && a.every((c) => b.includes(c));
}
