import type { Client } from 'pg';
import { AcodeError } from '../errors.js';
import type { TableSchema } from '../records.js';
import { pgTableName, quotePgIdent } from './connection.js';
import { KIND_NAMES, TABLES_SQL, TARGET_COLUMNS_SQL, type TargetColumn } from './import-catalog.js';
import { addPgColumnsSql, createPgTableSql } from './import-sql.js';

/** The table an export's table loads into, as the catalog has it. */
export interface ImportTarget {
  readonly oid: number;
  readonly relation: string;
  /** False when this import created it. */
  readonly existed: boolean;
  readonly columns: readonly TargetColumn[];
}

export interface TargetOptions {
  /** The export's column types are PostgreSQL's own (else SQLite's, taken by affinity). */
  readonly fromPostgres: boolean;
  /** The workspace's migrations made this table for this import (migrateEmptyPg). */
  readonly migrated: boolean;
  /** Runs a statement, its failure said as the load's. */
  readonly run: (sql: string) => Promise<void>;
}

/**
 * Finds the table an export's table names (`schema.table` outside public), or creates it from
 * the exported columns and primary key; either must hold every exported column, except that a
 * table the migrations just made takes the export's extra columns (a workspace table given columns
 * of the user's own), as a SQLite import's exported definition would.
 */
export async function importTarget(client: Client, schema: TableSchema, options: TargetOptions): Promise<ImportTarget> {
  const found = await findTable(client, schema.name);
  if (found && found.kind !== 'r' && found.kind !== 'p') {
    throw new AcodeError('ACODE-IMP-001', `the workspace database has a ${KIND_NAMES[found.kind] ?? 'relation'} named ${schema.name}, and the export a table; nothing was imported`, {
      context: { table: schema.name },
      hint: 'import with --tables leaving that table out, or into another database',
    });
  }
  let relation = found?.relation;
  if (!relation) {
    relation = await newRelation(client, schema.name);
    await options.run(createPgTableSql(relation, schema, options.fromPostgres));
  }
  const oid = found?.oid ?? (await client.query<{ oid: number }>('SELECT $1::regclass::oid::int AS oid', [relation])).rows[0]!.oid;
  const columnsNow = async (): Promise<TargetColumn[]> => (await client.query<TargetColumn>(TARGET_COLUMNS_SQL, [oid])).rows;
  let columns = await columnsNow();
  const missing = schema.columns.filter((c) => !columns.some((t) => t.name === c.name));
  if (missing.length && options.migrated) {
    await options.run(addPgColumnsSql(relation, schema, missing, options.fromPostgres));
    columns = await columnsNow();
  } else if (missing.length) {
    throw new AcodeError('ACODE-IMP-001', `table ${schema.name} exists without column(s) ${missing.map((c) => c.name).join(', ')} that the export has`, { context: { table: schema.name } });
  }
  return { oid, relation, existed: found !== null, columns };
}

async function findTable(client: Client, name: string): Promise<{ oid: number; relation: string; kind: string } | null> {
  const rows = (await client.query<{ schema: string; table: string; oid: number; kind: string }>(TABLES_SQL)).rows;
  const hit = rows.find((r) => pgTableName(r.schema, r.table) === name);
  return hit ? { oid: hit.oid, relation: `${quotePgIdent(hit.schema)}.${quotePgIdent(hit.table)}`, kind: hit.kind } : null;
}

/** Where a new table goes: `s.t` into schema s when the database has one, else public (named as exported). */
async function newRelation(client: Client, name: string): Promise<string> {
  const dot = name.indexOf('.');
  if (dot > 0) {
    const schema = name.slice(0, dot);
    const has = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (has.rowCount) return `${quotePgIdent(schema)}.${quotePgIdent(name.slice(dot + 1))}`;
  }
  return `public.${quotePgIdent(name)}`;
}
