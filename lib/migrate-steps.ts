import { createBackup, rotateBackups, type BackupResult } from './backup.js';
import { AcodeError, describeCause, isAbort, toAcodeError } from './errors.js';
import type { MigrateOptions } from './migrate.js';
import type { Migration } from './migrations.js';
import { stage } from './progress.js';
import { formatWait } from './numbers.js';

/** What both engines' migrate does the same way: the backup before, the error when a step fails, the rotation after. */

/**
 * The pre-migration backup, taken once the migrate knows there is work and that it may write.
 * It fails as ACODE-MIG-002 (nothing migrated), except for the database's own state (damaged,
 * locked, unreadable), said as such: "run with --no-backup" would be the wrong advice for a
 * damaged database.
 */
export async function preMigrationBackup(options: MigrateOptions): Promise<BackupResult> {
  try {
    return await stage(
      options,
      { stage: 'safety-backup', label: 'Pre-migration backup' },
      () => createBackup({ config: options.config, kind: 'pre_migration', rotate: false, signal: options.signal, now: options.now, busyTimeoutMs: options.busyTimeoutMs }),
      (r) => r.name,
    );
  } catch (err) {
    if (err instanceof AcodeError && err.code.startsWith('ACODE-DB-')) throw err;
    const inner = toAcodeError(err, 'ACODE-BAK-001', 'pre-migration backup');
    // A lock the backup waited for is the migrate's busy failure ("run with --no-backup" would not help).
    if (inner.context['busy'] === true) {
      throw new AcodeError('ACODE-DB-008', `another session held a lock on the database for more than ${formatWait(Number(inner.context['waitedMs']))} (the pre-migration backup waited for it); nothing was migrated`, { cause: inner });
    }
    throw new AcodeError('ACODE-MIG-002', inner.message, { cause: inner, ...(isAbort(err) ? { hint: 'nothing was migrated; run the command again when you are ready' } : {}) });
  }
}

/**
 * A migration that failed and was rolled back (ACODE-MIG-001), saying the version the database is
 * at; only migrations this run applied before it make the state before the run worth going back
 * to, so only then does it name the backup to restore.
 */
export function migrationFailed(migration: Migration, err: unknown, state: string, backup: BackupResult | null, appliedBefore: number, why = describeCause(err)): AcodeError {
  const restoreFrom = backup && appliedBefore > 0 ? `; to return to the state before this run: acode db restore ${backup.name}` : '';
  return new AcodeError('ACODE-MIG-001', `${migration.name}: ${why}; it was rolled back and ${state}${restoreFrom}`, {
    cause: err,
    context: { migration: migration.name, backup: backup?.path },
  });
}

/** Old backups rotated once every migration is in: a run that fails, again and again, never prunes the backups before it. */
export async function rotateAfterMigrating(options: MigrateOptions, backup: BackupResult | null): Promise<BackupResult | null> {
  if (!backup) return null;
  return { ...backup, ...(await rotateBackups({ ...options, config: options.config, path: backup.path, manifest: backup.manifest })) };
}

/** A migration step's progress detail: one another run applied meanwhile (it was skipped) says so, not a bare tick. */
export function skippedDetail(ran: boolean): string | undefined {
  return ran ? undefined : 'another run applied it';
}
