import type { ColumnInfo, TableSchema } from '../records.js';
import { quoteIdent, type SqliteDb } from './open.js';

export interface TableListing {
  /** Ordinary tables, exportable. */
  readonly tables: readonly string[];
  /** Virtual tables (FTS and the like) and their shadow tables: not exported, listed as skipped. */
  readonly skipped: readonly string[];
}

/** The tables of the main schema, split into what an export can carry and what it cannot. */
export function listTables(db: SqliteDb): TableListing {
  const rows = db.prepare('PRAGMA main.table_list').all() as { name: string; type: string }[];
  const tables: string[] = [];
  const skipped: string[] = [];
  for (const r of rows) {
    if (r.name.startsWith('sqlite_')) continue;
    if (r.type === 'table') tables.push(r.name);
    else if (r.type === 'virtual' || r.type === 'shadow') skipped.push(r.name);
  }
  return { tables: tables.sort(), skipped: skipped.sort() };
}

/** Columns (generated ones left out: SQLite recomputes them), DDL and explicit indexes of a table. */
export function readTableSchema(db: SqliteDb, name: string): TableSchema {
  const info = db.prepare(`PRAGMA main.table_xinfo(${quoteIdent(name)})`).all() as {
    name: string;
    type: string;
    notnull: number;
    pk: number;
    hidden: number;
  }[];
  const columns: ColumnInfo[] = info
    .filter((c) => c.hidden === 0)
    .map((c) => ({ name: c.name, type: c.type, notNull: c.notnull === 1, primaryKey: c.pk }));
  const sql = db.prepare("SELECT sql FROM main.sqlite_schema WHERE type = 'table' AND name = ?").pluck().get(name) as string | undefined;
  const indexes = db
    .prepare("SELECT sql FROM main.sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name")
    .pluck()
    .all(name) as string[];
  return { name, sql: sql ?? null, columns, indexes };
}
