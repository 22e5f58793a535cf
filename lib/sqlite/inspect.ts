import { quoteIdent, type SqliteDb } from './open.js';

export interface TableCount {
  readonly name: string;
  readonly rows: number;
}

/**
 * SQLite's two checks; for a pg_dump archive, its table of contents read back (`archive_toc`) or
 * every row read back (`archive_rows`); `live_count` for rows counted in a live PostgreSQL database.
 */
export type IntegrityCheckKind = 'quick_check' | 'integrity_check' | 'archive_toc' | 'archive_rows' | 'live_count';

export interface IntegrityResult {
  readonly check: IntegrityCheckKind;
  readonly ok: boolean;
  /** SQLite's own words for the first problems found; empty when ok. */
  readonly problems: readonly string[];
}

export interface DatabaseFacts {
  readonly sqliteVersion: string;
  readonly pageSize: number;
  readonly pageCount: number;
  readonly journalMode: string;
  readonly schemaVersion: number | null;
  readonly tables: readonly TableCount[];
}

/** Ordinary tables holding data (FTS shadow tables included, SQLite's own and virtual ones not). */
export function dataTables(db: SqliteDb, schema = 'main'): string[] {
  const rows = db.prepare(`PRAGMA ${quoteIdent(schema)}.table_list`).all() as { name: string; type: string }[];
  return rows
    .filter((r) => (r.type === 'table' || r.type === 'shadow') && !r.name.startsWith('sqlite_'))
    .map((r) => r.name)
    .sort();
}

export function countRows(db: SqliteDb, tables: readonly string[], schema = 'main'): TableCount[] {
  return tables.map((name) => ({
    name,
    rows: Number(db.prepare(`SELECT count(*) FROM ${quoteIdent(schema)}.${quoteIdent(name)}`).pluck().get()),
  }));
}

export function integrityCheck(db: SqliteDb, full: boolean): IntegrityResult {
  const check: IntegrityCheckKind = full ? 'integrity_check' : 'quick_check';
  let rows: string[];
  try {
    rows = db.prepare(`PRAGMA ${check}(20)`).pluck().all() as string[];
  } catch (err) {
    // Damage bad enough makes the check itself fail instead of listing problems: that is a failed check.
    const code = (err as { code?: unknown }).code;
    if (code !== 'SQLITE_CORRUPT' && code !== 'SQLITE_NOTADB' && !String(code).startsWith('SQLITE_CORRUPT_')) throw err;
    return { check, ok: false, problems: [(err as Error).message] };
  }
  const ok = rows.length === 1 && rows[0] === 'ok';
  // SQLite may put several problems, one per line, in one row: one line each here.
  return { check, ok, problems: ok ? [] : rows.flatMap((r) => r.split('\n')).filter((l) => l.trim() !== '') };
}

/** The workspace schema version: the migrations table when there is one, else user_version. */
export function schemaVersion(db: SqliteDb, schema = 'main'): number | null {
  const hasTable = db
    .prepare(`SELECT 1 FROM ${quoteIdent(schema)}.sqlite_schema WHERE type = 'table' AND name = 'schema_version'`)
    .pluck()
    .get();
  if (hasTable) {
    const v = db.prepare(`SELECT max(version) FROM ${quoteIdent(schema)}.schema_version`).pluck().get();
    if (typeof v === 'number') return v;
  }
  const user = Number(db.pragma(`${schema}.user_version`, { simple: true }));
  return user > 0 ? user : null;
}

export function databaseFacts(db: SqliteDb): DatabaseFacts {
  return {
    sqliteVersion: String(db.prepare('SELECT sqlite_version()').pluck().get()),
    pageSize: Number(db.pragma('page_size', { simple: true })),
    pageCount: Number(db.pragma('page_count', { simple: true })),
    journalMode: String(db.pragma('journal_mode', { simple: true })),
    schemaVersion: schemaVersion(db),
    tables: countRows(db, dataTables(db)),
  };
}
