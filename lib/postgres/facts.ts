import type { Client } from 'pg';
import type { TableCount } from '../sqlite/inspect.js';
import { pgTableName } from './connection.js';

/** What a backup manifest says about a PostgreSQL database, all read in one snapshot. */
export interface SnapshotFacts {
  readonly serverVersion: string;
  readonly schemaVersion: number | null;
  /** `oid`: the table's, which names its data entry in `pg_restore --list` (whose names are not quoted). */
  readonly tables: readonly (TableCount & { readonly schema: string; readonly table: string; readonly oid: number })[];
}

/**
 * One statement for everything the manifest says about the database, so every count comes from
 * the statement's snapshot: the server version, acode's schema version (its migrations table, when
 * the workspace has one), and every ordinary user table with its exact row count, as JSON.
 * Partitions are ordinary tables (their parents hold no rows); extension-owned tables are not ours.
 */
const VERSIONS = `current_setting('server_version') AS server_version,
  CASE WHEN to_regclass('public.schema_version') IS NULL THEN NULL ELSE
    (xpath('/row/v/text()', query_to_xml('SELECT max(version) AS v FROM public.schema_version', false, true, '')))[1]::text END AS schema_version`;

/** The server's and the workspace's versions only, for an export (which counts its own tables, filtered). */
export const VERSIONS_SQL = `SELECT ${VERSIONS}`;

export const FACTS_SQL = `SELECT ${VERSIONS},
  coalesce((SELECT json_agg(json_build_array(n.nspname, c.relname,
      (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM ONLY %I.%I', n.nspname, c.relname), false, true, '')))[1]::text::bigint, c.oid::bigint))
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
     AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')), '[]') AS tables`;

/** The three fields of FACTS_SQL, as psql or the client library return them (text). */
export function parseFacts([serverVersion, schemaVersion, tablesJson]: readonly (string | null | undefined)[]): SnapshotFacts {
  const tables = (JSON.parse(tablesJson ?? '[]') as [string, string, number, number][])
    .map(([schema, table, rows, oid]) => ({ name: pgTableName(schema, table), schema, table, rows, oid: Number(oid) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { serverVersion: serverVersion ?? '', schemaVersion: schemaVersion ? Number(schemaVersion) : null, tables };
}

/** FACTS_SQL through the client library, which parses the json column itself. */
export async function readFacts(client: Client): Promise<SnapshotFacts> {
  const { rows } = await client.query<{ server_version: string; schema_version: string | null; tables: unknown }>(FACTS_SQL);
  const row = rows[0]!;
  return parseFacts([row.server_version, row.schema_version, JSON.stringify(row.tables)]);
}
