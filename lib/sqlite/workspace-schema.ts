/**
 * The workspace schema as the migrations define it, for an import: the migration record's table,
 * the tables at a version, and whether an export's schema version is a workspace's.
 */
import { latestSchemaVersion, WORKSPACE_MIGRATIONS } from '../migrations.js';

export const SCHEMA_VERSION_TABLE = 'schema_version';

export const LATEST = latestSchemaVersion();

/** The tables of the workspace schema at `version`, from its migrations. */
export function workspaceTables(version: number): string[] {
  return WORKSPACE_MIGRATIONS.filter((m) => m.version <= version).flatMap((m) => [...m.sql.matchAll(/CREATE TABLE (\w+)/g)].map((x) => x[1]!));
}

/**
 * The export's schema version when it is a workspace's: a version the migrations know of (or a
 * later one), and at least one of the workspace's tables in it. Null otherwise: another SQLite
 * file's user_version, or a database that only shares the number.
 */
export function workspaceVersion(version: number | null | undefined, tables: readonly string[]): number | null {
  if (version === null || version === undefined || version < 1) return null;
  const known = new Set(workspaceTables(Math.min(version, LATEST)));
  return tables.some((t) => known.has(t)) ? version : null;
}

/**
 * What to do about a workspace's export at another schema version than the workspace database's:
 * migrate the older side, but nothing migrates past this acode's newest version.
 */
export function versionGapHint(exported: number, current: number, olderDatabase: string): string {
  if (exported > LATEST) return `update acode first: the export is at schema version ${exported}, newer than this acode knows (${LATEST}), which \`acode db migrate\` cannot reach`;
  return current > exported ? olderDatabase : 'run `acode db migrate` on the workspace database first, then import again';
}
