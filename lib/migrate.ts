import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import type { BackupResult } from './backup.js';
import type { AcodeConfig } from './config.js';
import { AcodeError, describeCause, systemCode, toAcodeError } from './errors.js';
import { ensureDir, exists } from './fs-atomic.js';
import { migrationFailed, preMigrationBackup, rotateAfterMigrating, skippedDetail } from './migrate-steps.js';
import { WORKSPACE_MIGRATIONS, type Migration } from './migrations.js';
import { stage, type RunOptions } from './progress.js';
import { isBusyError, openSqlite, type SqliteDb } from './sqlite/open.js';
import { checkOptions, RUN_OPTIONS } from './options.js';

export interface MigrateOptions extends RunOptions {
  readonly config: AcodeConfig;
  /** Back up before migrating; default `backup.pre_migration`. */
  readonly backup?: boolean;
  /** The migration set; default the workspace schema. */
  readonly migrations?: readonly Migration[];
  readonly now?: () => Date;
  /** How long to wait for another process's lock (ms): SQLite's busy timeout (default 5000), PostgreSQL's lock_timeout (default 30000). */
  readonly busyTimeoutMs?: number;
}

export interface MigrateResult {
  readonly database: string;
  /** True when the database did not exist and was created. */
  readonly created: boolean;
  readonly from: number;
  readonly to: number;
  readonly applied: readonly Pick<Migration, 'version' | 'name'>[];
  readonly backup: BackupResult | null;
}

export const VERSION_TABLE = `CREATE TABLE IF NOT EXISTS schema_version (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

/** Runs one migration and records it in schema_version (which must exist), inside the caller's transaction. */
export function applyMigration(db: SqliteDb, migration: Migration, at: string): void {
  db.exec(migration.sql);
  db.prepare('INSERT INTO main.schema_version (version, name, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.name, at);
}

export function currentVersion(db: SqliteDb): number {
  const has = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'").pluck().get();
  return has ? Number(db.prepare('SELECT coalesce(max(version), 0) FROM schema_version').pluck().get()) : 0;
}

/**
 * Migrations not yet applied to a database, in order: those above its version. A row missing
 * below the highest (a baseline row only, rows another tool wrote) does not make a migration
 * pending: its tables are there, and running it again would fail.
 */
export function pendingMigrations(db: SqliteDb, migrations: readonly Migration[] = WORKSPACE_MIGRATIONS): Migration[] {
  const at = currentVersion(db);
  return [...migrations].filter((m) => m.version > at).sort((a, b) => a.version - b.version);
}

/**
 * A database with tables and no schema_version is not a workspace database (another program's
 * SQLite file given to --database): migrate would add acode's tables to it.
 */
function refuseForeign(db: SqliteDb, file: string): void {
  const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").pluck().all() as string[];
  if (tables.length === 0) return;
  const named = tables.slice(0, 3).map((t) => JSON.stringify(t)).join(', ') + (tables.length > 3 ? ` and ${tables.length - 3} more` : '');
  throw new AcodeError('ACODE-MIG-001', `${file} holds tables (${named}) but no schema_version: it is not an acode workspace database; nothing was changed`, {
    context: { file },
    hint: 'give --database (or database.path) the workspace database, or a new file to create one',
  });
}

/**
 * Another process's lock or a database it may not write, as the codes every command uses
 * (DB-008, DB-007); null for any other failure.
 */
function accessError(err: unknown, file: string, what: string): AcodeError | null {
  if (isBusyError(err)) return new AcodeError('ACODE-DB-008', `${file} is locked by another process (${describeCause(err)}); ${what}`, { cause: err, context: { file } });
  const code = systemCode(err) ?? '';
  // EPERM from the file's own permission check: an immutable file (chattr +i), which even root may not write.
  if (/^(SQLITE_(READONLY|CANTOPEN|PERM|AUTH)|EACCES$|EROFS$|EPERM$)/.test(code)) {
    return new AcodeError('ACODE-DB-007', `cannot write ${file} (${describeCause(err)}); ${what}`, { cause: err, context: { file } });
  }
  return null;
}

/**
 * Applies pending migrations, each in its own transaction. With pending work on an existing
 * database it first proves it may write it (no lock held elsewhere, not read-only), then takes a
 * backup (unless told not to); if either fails nothing changes. A failing migration is rolled
 * back and, when this run applied others before it, the error names the backup to restore from.
 * Old backups are rotated only once every migration is in: a run that fails, again and again,
 * never prunes the backups taken before it. A migration another process applied meanwhile is
 * skipped (each transaction checks under its write lock).
 */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  checkOptions<MigrateOptions>('migrate', 'MigrateOptions', options, {
    ...RUN_OPTIONS,
    config: { kind: 'config', required: true },
    backup: 'boolean',
    migrations: 'object',
    now: 'function',
    busyTimeoutMs: 'number',
  });
  const { config } = options;
  const migrations = options.migrations ?? WORKSPACE_MIGRATIONS;
  if (config.database.type === 'postgres') {
    const { migratePostgres } = await import('./postgres/migrate.js');
    return migratePostgres(options, migrations);
  }
  const file = config.database.path;
  // Aborted before the call: nothing is opened or created, even when nothing would be migrated.
  if (options.signal?.aborted) throw toAcodeError(options.signal.reason, 'ACODE-MIG-001', `migrating ${file}`, { file });
  const existed = await exists(file);
  if (!existed) {
    try {
      await ensureDir(path.dirname(file));
    } catch (err) {
      throw toAcodeError(err, 'ACODE-DB-007', `cannot create the folder for the workspace database ${path.dirname(file)}`, { file });
    }
  }
  // An empty file (touched, or left by a tool that died) is a database to create, WAL and all.
  const empty = existed && (await stat(file).then((s) => s.isFile() && s.size === 0, () => false));
  const wait = { busyTimeoutMs: options.busyTimeoutMs };
  let db = openSqlite(file, { create: !existed, ...wait });
  let backup: BackupResult | null = null;
  try {
    if (!existed || empty) db.pragma('journal_mode = WAL');
    const from = currentVersion(db);
    if (from === 0) refuseForeign(db, file);
    const pending = pendingMigrations(db, migrations);
    if (pending.length > 0) {
      // Proves it may write, writing nothing (a backup that then fails must leave the database as
      // it was): the file's own permission, since SQLite opens a read-only file read-only without
      // a word and in WAL mode takes the write lock all the same; then BEGIN EXCLUSIVE, which a
      // rollback-journal reader blocks (BEGIN IMMEDIATE would pass and the commit fail). In WAL
      // mode it is IMMEDIATE, and readers block nothing.
      try {
        if (existed) await access(file, constants.W_OK);
        db.exec('BEGIN EXCLUSIVE');
        db.exec('ROLLBACK');
      } catch (err) {
        throw accessError(err, file, 'nothing was migrated') ?? err;
      }
    }
    if (pending.length > 0 && existed && (options.backup ?? config.backup.preMigration)) {
      db.close();
      backup = await preMigrationBackup(options);
      db = openSqlite(file, wait);
    }
    db.exec(VERSION_TABLE);
    const isApplied = db.prepare('SELECT 1 FROM schema_version WHERE version = ?').pluck();
    const applied: Pick<Migration, 'version' | 'name'>[] = [];
    for (const migration of pending) {
      options.signal?.throwIfAborted();
      const ran = await stage(options, { stage: 'migrate', label: migration.name }, () => {
        try {
          return db
            .transaction(() => {
              if (isApplied.get(migration.version)) return false;
              applyMigration(db, migration, (options.now?.() ?? new Date()).toISOString());
              return true;
            })
            .immediate();
        } catch (err) {
          const state = `the database is at version ${currentVersion(db)}`;
          const access = accessError(err, file, `${migration.name} was not applied and ${state}`);
          if (access) throw access;
          throw migrationFailed(migration, err, state, backup, applied.length);
        }
      }, skippedDetail);
      if (ran) applied.push({ version: migration.version, name: migration.name });
    }
    backup = await rotateAfterMigrating(options, backup);
    return { database: file, created: !existed, from, to: currentVersion(db), applied, backup };
  } catch (err) {
    if (err instanceof AcodeError) throw err;
    // A Ctrl-C between migrations lands here as an AbortError; the applied ones stay applied.
    const at = db.open ? `; the database is at version ${currentVersion(db)}` : '';
    const access = accessError(err, file, `migrating ${file}${at}`);
    if (access) throw access;
    throw toAcodeError(err, 'ACODE-MIG-001', `migrating ${file}${at}`, { file });
  } finally {
    if (db.open) db.close();
  }
}
