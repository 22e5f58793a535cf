import type { AcodeConfig, DatabaseType } from './config.js';
import { AcodeError } from './errors.js';
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
}

export interface RestoreRunOptions extends RunOptions {
  /** How long to wait for other connections' locks on the live database, in ms. */
  readonly busyTimeoutMs?: number;
  /**
   * Called once the live database is locked for writing and before it changes: the place for a
   * safety backup, so no write can slip in between it and the restore.
   */
  readonly beforeReplace?: () => Promise<void>;
}

/**
 * The engine boundary: everything backup, verify, restore and rotation need from a database.
 * Commands, manifests and rotation are written once against it.
 */
export interface BackupProvider {
  readonly type: DatabaseType;
  describeSource(): Promise<SourceInfo>;
  /** Copies one consistent snapshot of the live database into `target`, an empty private file. */
  snapshot(target: string, options: RunOptions): Promise<SnapshotResult>;
  /** Makes a finished snapshot self-contained (no journal beside it needed) and inspects it. */
  seal(file: string, check: 'none' | 'quick' | 'full'): Promise<BackupInspection>;
  /** Inspects a backup file read-only; never changes a byte of it. */
  inspect(file: string, options: { readonly full: boolean }): Promise<BackupInspection>;
  /** Replaces the live database's content with a backup's, all or nothing. */
  restore(file: string, options: RestoreRunOptions): Promise<void>;
  /** Restores a backup into a new, separate database (the test restore) and inspects that. */
  restoreIsolated(file: string, target: string, options: RunOptions): Promise<BackupInspection>;
  /** True when the live database exists (a restore into nothing creates it). */
  liveExists(): Promise<boolean>;
}

export async function backupProviderFor(config: AcodeConfig): Promise<BackupProvider> {
  if (config.database.type === 'sqlite') {
    const { createSqliteBackupProvider } = await import('./sqlite/provider.js');
    return createSqliteBackupProvider(config.database.path);
  }
  throw new AcodeError('ACODE-USE-001', 'database.type postgres is not supported by this version yet', {
    hint: 'use database.type: sqlite',
  });
}
