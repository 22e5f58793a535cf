import path from 'node:path';
import { createBackup, type BackupResult } from './backup.js';
import { checkStoredChecksum, compareTables, createScratch, databaseFileOf, openBackup, type OpenedBackup } from './backup-file.js';
import type { AcodeConfig } from './config.js';
import { backupProviderFor, liveSource, type BackupInspection, type BackupProvider, type RestoreOutcome } from './engine.js';
import { AcodeError, describeCause, ERRORS, EXIT, isAbort, isAcodeError, systemCode, toAcodeError } from './errors.js';
import { formatWait } from './numbers.js';
import { exists } from './fs-atomic.js';
import { backupRef } from './latest-backup.js';
import { latestSchemaVersion } from './migrations.js';
import { stage, type RunOptions } from './progress.js';
import { deleteBackupFiles, sameDatabase } from './rotation.js';
import { checkOptions, RUN_OPTIONS } from './options.js';

export interface RestorePlan {
  readonly backup: OpenedBackup;
  /** Where the database lives that will be replaced. */
  readonly target: string;
  /** False when there is no live database yet: the restore creates it. */
  readonly replacesExisting: boolean;
}

export interface RestoreOptions extends RunOptions {
  readonly config: AcodeConfig;
  /** A backup's name (looked up in the backup folder), a path, or `latest`: the newest backup of this database (latest-backup.ts). */
  readonly file: string;
  /**
   * Asked once the backup has proved sound and before anything changes; resolve false to cancel.
   * Without it the restore goes ahead: confirming is the caller's duty.
   */
  readonly confirm?: (plan: RestorePlan) => Promise<boolean>;
  /** How long to wait for another process's lock on the live database, in ms. */
  readonly busyTimeoutMs?: number;
  readonly now?: () => Date;
  readonly provider?: BackupProvider;
  /** Told, before the confirmation, when the backup was made of another database than the one it replaces. */
  readonly onNotice?: (text: string) => void;
}

export interface RestoreResult {
  readonly backup: OpenedBackup;
  readonly target: string;
  /** The copy of the database as it was before the restore; null when there was none. */
  readonly safetyBackup: BackupResult | null;
  readonly after: BackupInspection;
  /** Files an earlier database left beside the live path (a WAL, a journal), moved aside so they were not applied to the restored one. */
  readonly setAside: readonly string[];
  /** The live database was damaged: where it was kept as it was (no safety backup could be made of it); null when it was not. */
  readonly damagedCopy: string | null;
  /** What the check after the commit found and did not fail on (PostgreSQL: row counts other sessions changed since). */
  readonly warnings: readonly string[];
}

/**
 * Restores a backup over the live database: checksum first (a mismatch refuses, exit 4), then
 * structure, confirmation, a lock on the live database, a safety backup of it taken under that
 * lock, and the replacement in one transaction. Any failure leaves the live database as it was.
 */
export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  checkOptions<RestoreOptions>('restoreBackup', 'RestoreOptions', options, {
    ...RUN_OPTIONS,
    config: { kind: 'config', required: true },
    file: { kind: 'string', required: true },
    confirm: 'function',
    busyTimeoutMs: 'number',
    now: 'function',
    provider: 'object',
    onNotice: 'function',
  });
  try {
    return await restoreChecked(options);
  } catch (err) {
    // Coded errors pass through; a Ctrl-C before the live database was touched lands here too.
    const coded = asRestoreFailure(toAcodeError(err, 'ACODE-BAK-002', `restoring ${options.file}`, { file: options.file }));
    if (!isAbort(err)) throw coded;
    throw new AcodeError(coded.code, coded.detail, {
      cause: err,
      context: coded.context,
      hint: 'the live database was left as it was; run the restore again when you are ready',
    });
  }
}

async function restoreChecked(options: RestoreOptions): Promise<RestoreResult> {
  const { config } = options;
  const backup = await openBackup(await backupRef(options.file, config, options.now?.()), config.backup.path);
  if (backup.manifest.database.type !== config.database.type) {
    throw new AcodeError('ACODE-BAK-006', `${backup.name} is a ${backup.manifest.database.type} backup and this workspace's database is ${config.database.type}; nothing was restored`, {
      hint: 'restore it into a workspace of its own kind (database.type), or use a backup of this database',
    });
  }
  // Compared inside the stage: its ✓ line means the checksum matched, not that it was computed.
  await stage(options, { stage: 'checksum', label: 'Checksum valid' }, async (update) => {
    const checksum = await checkStoredChecksum(backup, options, (bytes, totalBytes) => update({ bytes, totalBytes }));
    if (!checksum.ok) {
      throw new AcodeError('ACODE-BAK-004', `${backup.name}: sha256 is ${checksum.actual.slice(0, 16)}…, manifest says ${checksum.expected.slice(0, 16)}…; nothing was restored`, {
        context: { file: backup.path },
      });
    }
  });
  const provider = options.provider ?? (await backupProviderFor(config));
  const scratch = await createScratch(true);
  try {
    const dbFile = await databaseFileOf(backup, scratch, options);
    await stage(options, { stage: 'check', label: 'Structure valid' }, async () => {
      const inspection = await provider.inspect(dbFile, { full: false });
      const cmp = compareTables(backup.manifest, inspection.tables);
      if (!inspection.integrity?.ok || !cmp.tablesOk || !cmp.recordsOk) {
        const why = inspection.integrity?.ok ? cmp.problems.join('; ') : inspection.integrity?.problems.join('; ');
        throw new AcodeError('ACODE-BAK-006', `${backup.name} fails its structure check: ${why}; nothing was restored`, { context: { file: backup.path } });
      }
    });
    const target = provider.target;
    const replacesExisting = await provider.liveExists();
    if (!replacesExisting && config.database.type === 'sqlite') await checkTargetFolder(target, config);
    const live = await liveSource(config);
    if (!sameDatabase(backup.manifest.database, live, path.dirname(backup.path))) {
      options.onNotice?.(`${backup.name} is a backup of ${backup.manifest.database.source}, not of ${live.location}`);
    }
    const known = latestSchemaVersion();
    const version = backup.manifest.database.schemaVersion;
    if (version !== null && version > known) {
      options.onNotice?.(`${backup.name} holds workspace schema version ${version}, newer than this acode knows (${known}): update acode before you migrate, export or import this database`);
    }
    if (options.confirm && !(await options.confirm({ backup, target, replacesExisting }))) {
      throw new AcodeError('ACODE-BAK-013', `restore of ${backup.name} cancelled`);
    }
    let safetyBackup: BackupResult | null = null;
    let outcome: RestoreOutcome;
    try {
      outcome = await stage(options, { stage: 'restore', label: 'Database replaced' }, () =>
        provider.restore(dbFile, {
          signal: options.signal,
          onProgress: options.onProgress,
          busyTimeoutMs: options.busyTimeoutMs,
          expectTables: backup.manifest.tables,
          wal: backup.manifest.database.journalMode === 'wal',
          beforeReplace: replacesExisting
            ? async () => {
                safetyBackup = await takeSafetyBackup(options);
              }
            : undefined,
        }),
      );
    } catch (err) {
      // Nothing was committed, so the safety backup is a copy of the database as it still is:
      // kept, each failed try (a full disk retried) would leave another, taking the room the
      // restore needs. Unless nobody knows whether it was (pg_restore stopped as it may have
      // been committing): then it stays. (Assigned in a callback: TypeScript sees it as never set.)
      const made = safetyBackup as BackupResult | null;
      const unknown = err instanceof AcodeError && err.context?.['applied'] === 'unknown';
      const note = !made ? '' : unknown ? ` (safety backup kept: ${made.name})` : await dropSafetyBackup(made);
      if (err instanceof AcodeError && ['ACODE-BAK-010', 'ACODE-BAK-002'].includes(err.code)) {
        throw note ? new AcodeError(err.code, `${err.detail}${note}`, { cause: err.cause ?? err, context: err.context, hint: err.hint, exitCode: err.exitCode }) : err;
      }
      throw targetAccessError(err, target, note) ?? toAcodeError(err, 'ACODE-BAK-002', `restoring ${backup.name} into ${target}${note}`, { file: target });
    }
    // The restore is committed: an interrupt from here on must not report it as failed, and no
    // failure from here on may say the database was left as it was. Row counts checked before
    // the commit are not compared again: other processes may write as soon as it is done.
    // An engine that could not check the counts before its commit (PostgreSQL: pg_restore commits
    // on its own) has them compared now, when other sessions may have written already: a
    // difference is reported, not a failure; a table missing is one.
    const warnings: string[] = [];
    const after = await stage({ onProgress: options.onProgress }, { stage: 'check', label: 'Integrity verified' }, async () => {
      const inspection = await provider.inspectLive(backup.manifest.tables.map((t) => t.name));
      const cmp = compareTables(backup.manifest, inspection.tables);
      if (inspection.integrity?.ok && cmp.tablesOk && !outcome.countsChecked && !cmp.recordsOk) {
        warnings.push(`row counts after the commit differ from the backup's (other sessions may have written since): ${firstLine(cmp.problems.join('; '))}`);
      }
      if (!inspection.integrity?.ok || !cmp.tablesOk) {
        const saved = safetyBackup ? `the previous database is in ${(safetyBackup as BackupResult).name}` : 'there was no database before';
        throw new AcodeError('ACODE-BAK-002', `the restore of ${backup.name} was committed, but the database now fails its check: ${firstLine(inspection.integrity?.ok === false ? inspection.integrity.problems.join('; ') : cmp.problems.join('; '))}`, {
          hint: `the restore was committed (the database was replaced); ${saved}: run \`acode db backup verify\` on ${backup.name}`,
        });
      }
      return inspection;
    });
    return { backup, target, safetyBackup, after, setAside: outcome.setAside, damagedCopy: outcome.damagedCopy ?? null, warnings };
  } finally {
    await scratch.dispose();
  }
}

/**
 * With no database there, the restore creates it, and the workspace's .agent folder if need be;
 * another folder that is not there is a typo in --database or database.path (it was created, and
 * the restore reported success into a database nothing reads).
 */
async function checkTargetFolder(target: string, config: AcodeConfig): Promise<void> {
  const folder = path.dirname(target);
  if (path.resolve(folder) === path.resolve(config.workspace, '.agent') || (await exists(folder))) return;
  throw new AcodeError('ACODE-DB-001', `no database at ${target}, and no folder ${folder} for one; nothing was restored`, {
    context: { file: target },
    hint: 'check --database or database.path (restore creates the database, and the workspace\'s .agent folder, but no other folder)',
  });
}

const ACCESS_CODES = ['EACCES', 'EPERM', 'EROFS', 'SQLITE_READONLY', 'SQLITE_CANTOPEN'];

/**
 * The database's own file or folder may not be written (a read-only mount, its permissions): that
 * is the database's access, not the backup folder's (it was "Backup folder not writable … choose
 * another with --output-dir", which restore does not take).
 */
function targetAccessError(err: unknown, target: string, note: string): AcodeError | null {
  const sys = systemCode(err) ?? '';
  if (!ACCESS_CODES.some((c) => sys === c || sys.startsWith(`${c}_`))) return null;
  return new AcodeError('ACODE-DB-007', `cannot write ${target}: ${describeCause(err)}${note}`, {
    cause: err,
    context: { file: target },
    exitCode: EXIT.restoreFailed,
    hint: `give acode write access to ${path.dirname(target)} and the database file in it, then run the restore again; nothing was restored`,
  });
}

/** Removes a safety backup nothing was restored over; the words that say what became of it. */
async function dropSafetyBackup(made: BackupResult): Promise<string> {
  await deleteBackupFiles(made.path).catch(() => undefined);
  // The backup file goes first: gone, the safety backup is gone, whatever became of its manifest.
  const left = await exists(made.path).catch(() => true);
  return left ? ` (safety backup kept: ${made.name})` : ' (the database is as it was: its safety backup was removed)';
}

/**
 * A restore that fails for a reason that would make another command exit 1 (no space, no
 * access, a database that will not open) exits 3 as the spec says a failed restore does, under
 * its own code; its hint speaks of the restore.
 */
function asRestoreFailure(err: AcodeError): AcodeError {
  if (err.exitCode !== EXIT.failed) return err;
  // A hint that says where room is needed (TMPDIR, for a gzip backup's copy) is kept.
  const hint = err.code === 'ACODE-BAK-009' && err.hint === ERRORS['ACODE-BAK-009'].hint ? "free space on the database's disk (the safety backup and the restore both need room), then run the restore again" : err.hint;
  return new AcodeError(err.code, err.detail, { cause: err.cause ?? err, context: err.context, hint, exitCode: EXIT.restoreFailed });
}

/** A message's first line, with a count of the others (SQLite's checks print one line per problem). */
function firstLine(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines.length <= 1 ? text.trim() : `${lines[0]} (and ${lines.length - 1} more)`;
}

/** The current database, saved before it is replaced; its failure stops the restore. */
async function takeSafetyBackup(options: RestoreOptions): Promise<BackupResult> {
  try {
    return await stage(
      options,
      { stage: 'safety-backup', label: 'Safety backup of current database' },
      async () => {
        const make = (verify: boolean): Promise<BackupResult> =>
          createBackup({ config: options.config, kind: 'pre_restore', rotate: false, verify, signal: options.signal, now: options.now, busyTimeoutMs: options.busyTimeoutMs ?? 5000 });
        try {
          return await make(true);
        } catch (err) {
          // A database that reads but fails quick_check (a broken CHECK, an index out of step) is
          // saved as it is and replaced through SQLite's locks like any other: taken for damaged,
          // its file was swapped under the processes that had it open, and their writes were lost.
          if (!isAcodeError(err, 'ACODE-DB-004')) throw err;
          const unchecked = await make(false);
          options.onNotice?.(`the current database fails its integrity check (${err.detail}); its safety backup is a copy of it as it is, unchecked`);
          return unchecked;
        }
      },
      (r) => r.name,
    );
  } catch (err) {
    const inner = toAcodeError(err, 'ACODE-BAK-001', 'safety backup');
    // The backup command's hints name --output-dir, which restore does not take.
    // A lock it waited --wait for is the restore's busy failure: nothing was restored.
    if (inner.context['busy'] === true) {
      const waited = Number(inner.context['waitedMs']);
      throw new AcodeError('ACODE-BAK-010', `another session held a lock on the database for more than ${formatWait(waited)} (the safety backup waited for it); nothing was restored`, {
        cause: inner,
      });
    }
    const where = `the safety backup goes to the backup folder (backup.path, ${options.config.backup.path})`;
    if (inner.code === 'ACODE-BAK-009') {
      throw new AcodeError('ACODE-BAK-009', `no room for the safety backup of the current database, so nothing was restored: ${inner.detail}`, {
        cause: inner,
        hint: `${where}: free space there, then run the restore again`,
        exitCode: EXIT.restoreFailed,
      });
    }
    throw new AcodeError('ACODE-BAK-002', `the safety backup of the current database failed, so nothing was restored: ${inner.message}`, {
      cause: inner,
      hint: inner.code === 'ACODE-BAK-008' ? `${where}: make it writable, or set backup.path to a folder that is, then run the restore again` : inner.hint,
    });
  }
}
