import type { QueryResult } from 'pg';
import { WORKSPACE_MIGRATIONS, type Migration } from '../migrations.js';
import type { ExportHeader, TableSchema } from '../records.js';
import { LATEST, SCHEMA_VERSION_TABLE, workspaceTables, workspaceVersion } from '../sqlite/workspace-schema.js';

/** The workspace schema on PostgreSQL, for migrate and for an import into an empty database. */

/** A query on the caller's session (in its transaction). */
export type PgRun = (sql: string, params?: readonly unknown[]) => Promise<QueryResult>;

/** The migration record, where the export's facts and the import look for it. */
export const PG_VERSION_TABLE = 'CREATE TABLE IF NOT EXISTS public.schema_version (version bigint PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)';

/** pg_advisory_xact_lock's key for the workspace schema ('acodemig' as bytes): migrates, and imports of a workspace's export, take turns. */
const WORKSPACE_LOCK = '7018141382290024807';

/**
 * Waits for any other migrate or workspace import to commit, and holds them off until the caller's
 * transaction ends: without it, tables one made and had not yet committed were invisible to the
 * other, whose CREATE TABLE then failed on the catalog's unique index once the first committed.
 */
export async function lockWorkspaceSchema(run: PgRun): Promise<void> {
  await run(`SELECT pg_advisory_xact_lock(${WORKSPACE_LOCK})`);
}

/** A migration's statements, their unqualified names landing in schema public, and its record; in the caller's transaction. */
export async function applyPgMigration(run: PgRun, migration: Migration, at: string): Promise<void> {
  const was = ((await run("SELECT current_setting('search_path') AS p")).rows[0] as { p: string }).p;
  await run("SELECT set_config('search_path', 'public', true)");
  await run(migration.postgres!);
  await run("SELECT set_config('search_path', $1, true)", [was]);
  await run('INSERT INTO public.schema_version (version, name, applied_at) VALUES ($1, $2, $3)', [migration.version, migration.name, at]);
}

/** Where migrateEmptyPg's work begins: keepWorkspace goes back to it. */
const WORKSPACE_SAVEPOINT = 'acode_workspace_schema';

/**
 * An import of a workspace's export (each of its tables one of the workspace's at its schema
 * version) into a database with nothing in schema public makes that database the workspace first:
 * the migrations' tables, with their keys, checks, cascades and identity columns, and the
 * migration record; built from the exported columns alone they would have none of those, and a
 * new message could not even take the next id. The tables made, or null when it is not such an import.
 */
export async function migrateEmptyPg(run: PgRun, header: ExportHeader): Promise<ReadonlySet<string> | null> {
  const names = header.tables.map((t) => t.name);
  const version = workspaceVersion(header.schemaVersion, names);
  if (version === null || version > LATEST) return null;
  const tables = new Set([...workspaceTables(version), SCHEMA_VERSION_TABLE]);
  if (!names.every((n) => tables.has(n))) return null;
  const used = await run("SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' LIMIT 1");
  if (used.rowCount) return null;
  await run(`SAVEPOINT ${WORKSPACE_SAVEPOINT}`);
  await run(PG_VERSION_TABLE);
  const at = new Date().toISOString();
  for (const migration of WORKSPACE_MIGRATIONS.filter((m) => m.version <= version)) await applyPgMigration(run, migration, at);
  return tables;
}

/**
 * An export's header tells only table names and a version, which another database's can share
 * with the workspace's (a SQLite file whose user_version is 3 and that has a table `settings`).
 * The first table loaded after migrateEmptyPg settles it: one without every column of the table
 * the migrations made is not the workspace's, and the migrations are undone (false: its tables
 * are built from the exported columns, as for any other database's export).
 */
export async function keepWorkspace(run: PgRun, table: TableSchema): Promise<boolean> {
  const made = await run("SELECT attname AS name FROM pg_attribute WHERE attrelid = to_regclass('public.' || quote_ident($1)) AND attnum > 0 AND NOT attisdropped", [table.name]);
  const exported = new Set(table.columns.map((c) => c.name));
  const keep = made.rows.every((c) => exported.has((c as { name: string }).name));
  await run(`${keep ? 'RELEASE' : 'ROLLBACK TO'} SAVEPOINT ${WORKSPACE_SAVEPOINT}`);
  return keep;
}
