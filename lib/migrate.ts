import path from 'node:path';
import { createBackup, type BackupResult } from './backup.js';
import type { AcodeConfig } from './config.js';
import { requireSqlite } from './engine.js';
import { AcodeError, describeCause, toAcodeError } from './errors.js';
import { ensureDir, exists } from './fs-atomic.js';
import { WORKSPACE_MIGRATIONS, type Migration } from './migrations.js';
import { stage, type RunOptions } from './progress.js';
import { openSqlite, type SqliteDb } from './sqlite/open.js';

export interface MigrateOptions extends RunOptions {
  readonly config: AcodeConfig;
  /** Back up before migrating; default `backup.pre_migration`. */
  readonly backup?: boolean;
  /** The migration set; default the workspace schema. */
  readonly migrations?: readonly Migration[];
  readonly now?: () => Date;
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

const VERSION_TABLE = `CREATE TABLE IF NOT EXISTS schema_version (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

export function currentVersion(db: SqliteDb): number {
  const has = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'").pluck().get();
  return has ? Number(db.prepare('SELECT coalesce(max(version), 0) FROM schema_version').pluck().get()) : 0;
}

/** Migrations not yet applied to a database, in order. */
export function pendingMigrations(db: SqliteDb, migrations: readonly Migration[] = WORKSPACE_MIGRATIONS): Migration[] {
  const at = currentVersion(db);
  return [...migrations].filter((m) => m.version > at).sort((a, b) => a.version - b.version);
}

/**
 * Applies pending migrations, each in its own transaction. With pending work on an existing
 * database it first takes a backup (unless told not to); if that backup fails nothing changes.
 * A failing migration is rolled back and the error names the backup to restore from.
 */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const { config } = options;
  requireSqlite(config, 'acode db migrate');
  const file = config.database.path;
  const migrations = options.migrations ?? WORKSPACE_MIGRATIONS;
  const existed = await exists(file);
  if (!existed) {
    try {
      await ensureDir(path.dirname(file));
    } catch (err) {
      throw toAcodeError(err, 'ACODE-DB-007', `cannot create the folder for the workspace database ${path.dirname(file)}`, { file });
    }
  }
  let db = openSqlite(file, { create: !existed });
  let backup: BackupResult | null = null;
  try {
    if (!existed) db.pragma('journal_mode = WAL');
    const from = currentVersion(db);
    const pending = pendingMigrations(db, migrations);
    if (pending.length > 0 && existed && (options.backup ?? config.backup.preMigration)) {
      db.close();
      try {
        backup = await stage(
          options,
          { stage: 'safety-backup', label: 'Pre-migration backup' },
          () => createBackup({ config, kind: 'pre_migration', signal: options.signal, now: options.now }),
          (r) => r.name,
        );
      } catch (err) {
        const inner = toAcodeError(err, 'ACODE-BAK-001', 'pre-migration backup');
        throw new AcodeError('ACODE-MIG-002', inner.message, { cause: inner });
      }
      db = openSqlite(file);
    }
    db.exec(VERSION_TABLE);
    const record = db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)');
    const applied: Pick<Migration, 'version' | 'name'>[] = [];
    for (const migration of pending) {
      options.signal?.throwIfAborted();
      await stage(options, { stage: 'migrate', label: migration.name }, () => {
        try {
          db.transaction(() => {
            db.exec(migration.sql);
            record.run(migration.version, migration.name, (options.now?.() ?? new Date()).toISOString());
          })();
        } catch (err) {
          const restoreFrom = backup ? `; to return to the state before this run: acode db restore ${backup.name}` : '';
          throw new AcodeError(
            'ACODE-MIG-001',
            `${migration.name}: ${describeCause(err)}; it was rolled back and the database is at version ${currentVersion(db)}${restoreFrom}`,
            { cause: err, context: { migration: migration.name, backup: backup?.path } },
          );
        }
      });
      applied.push({ version: migration.version, name: migration.name });
    }
    return { database: file, created: !existed, from, to: currentVersion(db), applied, backup };
  } catch (err) {
    if (err instanceof AcodeError) throw err;
    // A Ctrl-C between migrations lands here as an AbortError; the applied ones stay applied.
    const at = db.open ? `; the database is at version ${currentVersion(db)}` : '';
    throw toAcodeError(err, 'ACODE-MIG-001', `migrating ${file}${at}`, { file });
  } finally {
    if (db.open) db.close();
  }
}
