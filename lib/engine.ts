import type { AcodeConfig, DatabaseType } from './config.js';
import { AcodeError } from './errors.js';
import type { BackupExtension } from './naming.js';
import type { RunOptions } from './progress.js';
import type { IntegrityResult, TableCount } from './sqlite/inspect.js';

/** What is being backed up, in words safe to print (no password ever). */
export interface SourceInfo {
  readonly type: DatabaseType;
  readonly location: string;
  readonly size: number | null;
}

export interface SnapshotResult {
  readonly pages: number;
  /** How often a concurrent writer made the copy start over before the single-step fallback. */
  readonly restarts: number;
  /** What was copied, in words, when pages do not say it (a pg_dump: "12 tables"). */
  readonly detail?: string;
}

export interface SnapshotOptions extends RunOptions {
  /** Spend CPU on a smaller file (`--compress`): for an engine that compresses its own format. */
  readonly compress?: boolean;
  /** How long to wait for another session's lock on a table before giving up as busy, in ms. */
  readonly busyTimeoutMs?: number;
}

/** What a backup file holds, read from the file itself. */
export interface BackupInspection {
  readonly engineVersion: string;
  readonly schemaVersion: number | null;
  readonly pageSize: number;
  readonly pageCount: number;
  readonly tables: readonly TableCount[];
  /** Null when the check was skipped (`backup.verify: false`). */
  readonly integrity: IntegrityResult | null;
  /** A SQLite copy sealed by a backup: its source was in WAL mode (the copy itself no longer is). */
  readonly wal?: boolean;
}

export interface RestoreRunOptions extends RunOptions {
  /** How long to wait for other connections' locks on the live database, in ms. */
  readonly busyTimeoutMs?: number;
  /**
   * Called once the live database is locked for writing and before it changes: the place for a
   * safety backup, so no write can slip in between it and the restore.
   */
  readonly beforeReplace?: () => Promise<void>;
  /**
   * The tables and row counts the backup holds. An engine that can checks them before the restore
   * commits (SQLite, inside its write lock), so a mismatch rolls back and other processes' writes
   * after the commit never count against it.
   */
  readonly expectTables?: readonly { readonly name: string; readonly rows: number }[];
  /**
   * The backup's source was in WAL mode: a restore that puts the backup in place as a new file
   * (no live database, or a damaged one) gives it WAL mode again. A live database keeps its own.
   */
  readonly wal?: boolean;
}

/** What a restore did beyond replacing the content. */
export interface RestoreOutcome {
  /** True when expectTables was checked before the commit. */
  readonly countsChecked: boolean;
  /** Files left beside the database by an earlier one (a WAL, a journal), moved aside so they cannot be applied to the restored one. */
  readonly setAside: readonly string[];
  /** The live database was damaged (no safety backup could be made of it): where it was kept as it was, byte for byte; null when it was not. */
  readonly damagedCopy?: string | null;
}

/**
 * The engine boundary: everything backup, verify, restore and rotation need from a database.
 * Commands, manifests and rotation are written once against it.
 */
export interface BackupProvider {
  readonly type: DatabaseType;
  /** The live database in words safe to print: a path, or a URL without its password. */
  readonly target: string;
  describeSource(): Promise<SourceInfo>;
  /** Copies one consistent snapshot of the live database into `target`, an empty private file. */
  snapshot(target: string, options: SnapshotOptions): Promise<SnapshotResult>;
  /** Makes a finished snapshot self-contained (no journal beside it needed) and inspects it. */
  seal(file: string, check: 'none' | 'quick' | 'full'): Promise<BackupInspection>;
  /** Inspects a backup file read-only; never changes a byte of it. */
  inspect(file: string, options: { readonly full: boolean }): Promise<BackupInspection>;
  /** Inspects the live database (row counts of the tables named in `only`, or of all). */
  inspectLive(only?: readonly string[]): Promise<BackupInspection>;
  /** Replaces the live database's content with a backup's, all or nothing. */
  restore(file: string, options: RestoreRunOptions): Promise<RestoreOutcome>;
  /** Restores a backup into a new, separate database (the test restore) and inspects that. */
  restoreIsolated(file: string, target: string, options: RunOptions): Promise<BackupInspection>;
  /** True when the live database exists (a restore into nothing creates it). */
  liveExists(): Promise<boolean>;
}

/**
 * What a backup of each engine is on disk: a SQLite copy (`.db`, gzipped when asked), or pg_dump's
 * custom format (`.dump`), which compresses itself (fast by default, harder with `--compress`), so
 * gzip never wraps it.
 */
export function backupFileKind(type: DatabaseType): { readonly ext: BackupExtension; readonly gzipAllowed: boolean } {
  return type === 'postgres' ? { ext: 'dump', gzipAllowed: false } : { ext: 'db', gzipAllowed: true };
}

/** The live database as its backups' manifests name it (`database.type`, `database.source`), without opening it. */
export async function liveSource(config: AcodeConfig): Promise<{ readonly type: DatabaseType; readonly location: string }> {
  if (config.database.type === 'sqlite') return { type: 'sqlite', location: config.database.path };
  const { parsePgUrl } = await import('./postgres/connection.js');
  return { type: 'postgres', location: parsePgUrl(postgresUrl(config)).display };
}

/** A PostgreSQL workspace is reached through database.url (or ACODE_DATABASE_URL): none set is a config error. */
export function postgresUrl(config: AcodeConfig): string {
  if (config.database.url) return config.database.url;
  throw new AcodeError('ACODE-CFG-005', 'database.type is postgres but no database.url (or ACODE_DATABASE_URL) is set', {
    hint: 'set database.url: postgresql://user:password@host:5432/database',
  });
}

/**
 * The provider for the workspace's database, or for a backup of `type` (verify reads a backup by
 * its own kind). `serverOptional`: what needs no server works without database.url (verify: a
 * `.dump` checks out with pg_restore alone); what needs it fails then with ACODE-CFG-005.
 */
export async function backupProviderFor(config: AcodeConfig, type: DatabaseType = config.database.type, options: { readonly serverOptional?: boolean } = {}): Promise<BackupProvider> {
  if (type === 'sqlite') {
    const { createSqliteBackupProvider } = await import('./sqlite/provider.js');
    return createSqliteBackupProvider(config.database.path);
  }
  const { createPostgresBackupProvider } = await import('./postgres/provider.js');
  // A PostgreSQL workspace must have its URL; verifying a pg_dump backup from elsewhere need not.
  return createPostgresBackupProvider(config.database.type === 'postgres' && !options.serverOptional ? postgresUrl(config) : config.database.url);
}
