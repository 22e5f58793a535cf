import type { Client } from 'pg';
import type { BackupResult } from '../backup.js';
import { postgresUrl } from '../engine.js';
import { AcodeError, isAbort, toAcodeError } from '../errors.js';
import type { MigrateOptions, MigrateResult } from '../migrate.js';
import { preMigrationBackup, rotateAfterMigrating, skippedDetail } from '../migrate-steps.js';
import type { Migration } from '../migrations.js';
import { stage } from '../progress.js';
import { connectPg, parsePgUrl, pgLockWaitMs, type PgTarget } from './connection.js';
import { createDatabase, dropDatabase, isDenied, liveExists } from './restore.js';
import { rollBackSession } from './rollback.js';
import { KIND_NAMES } from './import-catalog.js';
import { serverWords } from './server-words.js';
import { applyPgMigration, lockWorkspaceSchema, PG_VERSION_TABLE, type PgRun as Run } from './workspace-schema.js';

/**
 * Migrate for a PostgreSQL workspace: the backup first (pg_dump) when there is work on an existing
 * database, then every pending migration in one transaction — PostgreSQL's DDL is transactional,
 * so a failure takes the run's earlier migrations back too and the database stays at the version
 * it had (on SQLite each has its own; a pg_restore of the pre-migration backup cannot drop the
 * tables a migration made, whose foreign keys depend on restored ones) — old backups rotated at
 * the end. The workspace's tables live in schema public, where the export and import look for
 * schema_version. A missing database is created, and dropped again when no migration went in.
 */
export async function migratePostgres(options: MigrateOptions, migrations: readonly Migration[]): Promise<MigrateResult> {
  const target = parsePgUrl(postgresUrl(options.config));
  const where = target.display;
  const without = migrations.find((m) => typeof m.postgres !== 'string');
  if (without) {
    throw new AcodeError('ACODE-USE-001', `migrate(): migration ${without.name} has no PostgreSQL statements (its 'postgres'), and the workspace database is PostgreSQL`, {
      hint: "give each migration its 'postgres' statements, or migrate a SQLite workspace database",
    });
  }
  if (options.signal?.aborted) throw toAcodeError(options.signal.reason, 'ACODE-MIG-001', `migrating ${where}`);
  const created = !(await liveExists(target)) && (await createWorkspace(target));
  let client: Client | null = null;
  const applied: Pick<Migration, 'version' | 'name'>[] = [];
  let from = 0;
  try {
    client = await connectPg(target);
    let run = abortable(client, options.signal);
    let pid = await backendPid(run);
    from = await currentVersion(run, where);
    if (from === 0) await refuseForeign(run, where);
    const pending = [...migrations].filter((m) => m.version > from).sort((a, b) => a.version - b.version);
    if (pending.length > 0 && !created) await checkMayCreate(run, where);
    let backup: BackupResult | null = null;
    if (pending.length > 0 && !created && (options.backup ?? options.config.backup.preMigration)) {
      // A session left idle for the length of a pg_dump is cut by idle_session_timeout, a server
      // restart or a firewall's idle timer: the migrations get a session of their own after it.
      await client.end();
      client = null;
      backup = await preMigrationBackup(options);
      client = await connectPg(target);
      run = abortable(client, options.signal);
      pid = await backendPid(run);
    }
    // One transaction for the whole run, under the migrations' advisory lock (two runs take turns):
    // a failing migration, or Ctrl-C, takes the ones before it back too, and nothing is half done.
    const done: Pick<Migration, 'version' | 'name'>[] = [];
    let failing: Migration | null = null;
    if (pending.length > 0) {
      try {
        await begin(run, pgLockWaitMs(options.busyTimeoutMs));
        from = await currentVersion(run, where);
        const at = (options.now?.() ?? new Date()).toISOString();
        for (const migration of pending) {
          failing = migration;
          if (await stage(options, { stage: 'migrate', label: migration.name }, () => applyMigration(run, migration, at), skippedDetail)) done.push({ version: migration.version, name: migration.name });
        }
        failing = null;
        await run('COMMIT');
      } catch (err) {
        await rollBackSession(client, target, pid);
        throw stepError(err, failing, done, from, where);
      }
      applied.push(...done);
    }
    backup = await rotateAfterMigrating(options, backup);
    const to = await currentVersion(run, where);
    return { database: where, created, from, to, applied, backup };
  } catch (err) {
    await client?.end().catch(() => undefined);
    client = null;
    if (created && applied.length === 0) await dropDatabase(target).catch(() => undefined);
    if (err instanceof AcodeError) throw err;
    throw toAcodeError(err, 'ACODE-MIG-001', `migrating ${where}; the database is at version ${applied.at(-1)?.version ?? from}`);
  } finally {
    await client?.end().catch(() => undefined);
  }
}

/** A query that an abort ends at once: the caller then rolls back, cancelling the statement if it still runs. */
function abortable(client: Client, signal: AbortSignal | undefined): Run {
  return (sql, params) => {
    signal?.throwIfAborted();
    const query = client.query(sql, params as unknown[] | undefined);
    if (!signal) return query;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      query.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  };
}

/** The run's transaction: the database's own timeouts off, lock waits bounded, the advisory lock taken, the migration record there. */
async function begin(run: Run, lockWaitMs: number): Promise<void> {
  await run('BEGIN');
  await run(`SET LOCAL lock_timeout = ${lockWaitMs}; SET LOCAL statement_timeout = 0; SET LOCAL idle_in_transaction_session_timeout = 0`);
  await lockWorkspaceSchema(run);
  await run(PG_VERSION_TABLE);
}

/** One migration in the run's transaction; false when another run applied it before this one took the lock. */
async function applyMigration(run: Run, migration: Migration, at: string): Promise<boolean> {
  if ((await run('SELECT 1 FROM public.schema_version WHERE version = $1', [migration.version])).rowCount) return false;
  await applyPgMigration(run, migration, at);
  return true;
}

async function backendPid(run: Run): Promise<number> {
  return ((await run('SELECT pg_backend_pid() AS pid')).rows[0] as { pid: number }).pid;
}

/** The highest version in public.schema_version, 0 without one; one that is not acode's record (a view, text versions) is refused. */
async function currentVersion(run: Run, where: string): Promise<number> {
  const found = (
    await run(`SELECT c.relkind::text AS kind, format_type(a.atttypid, a.atttypmod) AS type FROM pg_class c
      LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'version' AND NOT a.attisdropped WHERE c.oid = to_regclass('public.schema_version')`)
  ).rows[0] as { kind: string; type: string | null } | undefined;
  if (!found) return 0;
  const not = !['r', 'p'].includes(found.kind) ? `a ${KIND_NAMES[found.kind] ?? 'relation'}, not a table` : !['bigint', 'integer', 'smallint'].includes(found.type ?? '') ? `its version column ${found.type === null ? 'missing' : `of type ${found.type}`}` : null;
  if (not) {
    throw new AcodeError('ACODE-MIG-001', `${where} has a schema_version that is not acode's migration record (${not}); nothing was changed`, {
      hint: 'point database.url (or ACODE_DATABASE_URL) at the workspace database, or at a new database to create one',
    });
  }
  const row = (await run('SELECT coalesce(max(version), 0)::text AS v FROM public.schema_version')).rows[0] as { v: string };
  return Number(row.v);
}

/** Tables in schema public and no schema_version: another application's database, which migrate would add acode's tables to. */
async function refuseForeign(run: Run, where: string): Promise<void> {
  const all = (await run("SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = 'public' ORDER BY tablename")).rows.map((r) => (r as { tablename: string }).tablename);
  // An empty schema_version alone records nothing and holds nothing: the migrations start at 1.
  const tables = all.filter((t) => t !== 'schema_version');
  if (tables.length === 0) return;
  const named = tables.slice(0, 3).map((t) => JSON.stringify(t)).join(', ') + (tables.length > 3 ? ` and ${tables.length - 3} more` : '');
  const record = all.length > tables.length ? 'an empty schema_version' : 'no schema_version';
  throw new AcodeError('ACODE-MIG-001', `${where} holds tables (${named}) but ${record}: it is not an acode workspace database; nothing was changed`, {
    hint: 'point database.url (or ACODE_DATABASE_URL) at the workspace database, or at a new database to create one',
  });
}

/** Before the backup: a role that may not create tables in public would fail the first migration after it. */
async function checkMayCreate(run: Run, where: string): Promise<void> {
  const row = (await run("SELECT has_schema_privilege(oid, 'CREATE') AS may FROM pg_namespace WHERE nspname = 'public'")).rows[0] as { may: boolean } | undefined;
  if (!row) {
    throw new AcodeError('ACODE-MIG-001', `${where} has no schema public, where the workspace tables go; nothing was migrated`, {
      hint: 'create it (CREATE SCHEMA public, as the database owner), or point database.url at another database',
    });
  }
  if (row.may) return;
  throw new AcodeError('ACODE-DB-007', `the role in database.url may not create tables in schema public of ${where}; nothing was migrated`, {
    hint: 'migrate as the owner of the workspace tables (or a role granted CREATE on schema public)',
  });
}

/** Creates the missing database; false when another run created it meanwhile (it is then not this run's to drop). */
async function createWorkspace(target: PgTarget): Promise<boolean> {
  try {
    await createDatabase(target);
    return true;
  } catch (err) {
    // duplicate_database, or the catalog's unique index when both CREATE DATABASEs got that far.
    const e = err as { code?: unknown; constraint?: unknown };
    if (e.code === '42P04' || (e.code === '23505' && e.constraint === 'pg_database_datname_index')) return false;
    if (isDenied(err)) {
      throw new AcodeError('ACODE-DB-007', `${target.display} does not exist and the role in database.url may not create it (${serverWords(err)}); nothing was migrated`, {
        cause: err,
        hint: 'create the database first (createdb, or CREATE DATABASE as a role that may), then run acode db migrate again',
      });
    }
    throw toAcodeError(err, 'ACODE-MIG-001', `creating ${target.display}`);
  }
}

/**
 * A failed run, rolled back whole: busy and denied as every command says them, anything else as
 * migrationFailed, naming the migrations that went back with the failing one. `failing` is null
 * when the commit failed.
 */
function stepError(err: unknown, failing: Migration | null, done: readonly Pick<Migration, 'name'>[], version: number, where: string): Error {
  if (err instanceof AcodeError || isAbort(err)) return err as Error;
  const code = (err as { code?: unknown }).code;
  const said = serverWords(err);
  const name = failing?.name ?? 'the commit';
  const withIt = done.length ? `, and so ${done.length === 1 ? 'was the migration' : `were the ${done.length} migrations`} this run applied before it (${done.map((m) => m.name).join(', ')})` : '';
  const state = `the database is at version ${version}`;
  if (code === '55P03') return new AcodeError('ACODE-DB-008', `${where} is locked by another session (${said}); ${name} was not applied${withIt}: ${state}`, { cause: err });
  if (code === '42501') {
    return new AcodeError('ACODE-DB-007', `${name}: ${said}; it was rolled back${withIt}: ${state}`, {
      cause: err,
      hint: 'migrate as the owner of the workspace tables (or a role granted CREATE on schema public)',
    });
  }
  return new AcodeError('ACODE-MIG-001', `${name}: ${said}; it was rolled back${withIt}: ${state}`, { cause: err, context: { migration: name } });
}
