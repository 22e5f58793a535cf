import path from 'node:path';
import { checkStoredChecksum, compareTables, createScratch, databaseFileOf, openBackup, scratchError } from './backup-file.js';
import type { AcodeConfig } from './config.js';
import { backupProviderFor, type BackupInspection, type BackupProvider } from './engine.js';
import { AcodeError, describeCause, EXIT, isAbort, toAcodeError } from './errors.js';
import type { BackupManifest } from './manifest.js';
import { stage, type RunOptions } from './progress.js';
import { backupRef } from './latest-backup.js';
import { formatCount } from './numbers.js';
import { checkOptions, RUN_OPTIONS } from './options.js';

export interface VerifyOptions extends RunOptions {
  readonly config: AcodeConfig;
  /** A backup's name (looked up in the backup folder), a path, or `latest`: the newest backup of this database (latest-backup.ts). */
  readonly file: string;
  /** `integrity_check` instead of `quick_check`. */
  readonly full?: boolean;
  /** Also restore into an isolated temporary database and check it there. */
  readonly testRestore?: boolean;
  readonly provider?: BackupProvider;
}

export type VerifyCheckName = 'exists' | 'checksum' | 'structure' | 'tables' | 'records' | 'test-restore';

export interface VerifyCheck {
  readonly name: VerifyCheckName;
  readonly ok: boolean;
  /** What was checked, for people: "Checksum matches manifest", "Tables present: 12". */
  readonly label: string;
  /** Why it failed. */
  readonly problem?: string;
}

export interface VerifyResult {
  readonly path: string;
  readonly name: string;
  readonly valid: boolean;
  readonly checks: readonly VerifyCheck[];
  readonly manifest: BackupManifest;
  readonly tables: number;
  readonly records: number;
}

/**
 * Checks a backup: its manifest can be read (else ACODE-BAK-005/007, an invalid backup), then
 * checksum, structure, tables and row counts, and optionally a test restore. Failed checks are
 * reported in the result, not thrown: every check runs, so the report says all that is wrong.
 */
export async function verifyBackup(options: VerifyOptions): Promise<VerifyResult> {
  checkOptions<VerifyOptions>('verifyBackup', 'VerifyOptions', options, {
    ...RUN_OPTIONS,
    config: { kind: 'config', required: true },
    file: { kind: 'string', required: true },
    full: 'boolean',
    testRestore: 'boolean',
    provider: 'object',
  });
  try {
    return await verifyChecked(options);
  } catch (err) {
    // A Ctrl-C (an AbortError from any stage) judged nothing: exit 1, as any interrupted command,
    // never 2, which says the backup failed a check (a script would delete a sound backup).
    if (isAbort(err)) {
      throw new AcodeError('ACODE-BAK-003', `verifying ${options.file}: interrupted`, {
        cause: err,
        context: { file: options.file },
        exitCode: EXIT.failed,
        hint: 'the backup was not judged either way; run the verify again when you are ready',
      });
    }
    // Coded errors pass through.
    throw toAcodeError(err, 'ACODE-BAK-003', `verifying ${options.file}`, { file: options.file });
  }
}

async function verifyChecked(options: VerifyOptions): Promise<VerifyResult> {
  const backup = await openBackup(await backupRef(options.file, options.config), options.config.backup.path);
  const { manifest } = backup;
  const checks: VerifyCheck[] = [{ name: 'exists', ok: true, label: 'File exists' }];
  const checksum = await stage(options, { stage: 'checksum', label: 'Checksum computed' }, (update) =>
    checkStoredChecksum(backup, options, (bytes, totalBytes) => update({ bytes, totalBytes })),
  );
  checks.push({
    name: 'checksum',
    ok: checksum.ok,
    label: checksum.ok ? 'Checksum matches manifest' : 'Checksum does not match manifest',
    problem: checksum.ok ? undefined : `sha256 is ${checksum.actual.slice(0, 16)}…, manifest says ${checksum.expected.slice(0, 16)}… (${checksum.size} of ${manifest.file.size} bytes)`,
  });

  const provider = options.provider ?? (await backupProviderFor(options.config, manifest.database.type, { serverOptional: true }));
  const scratch = await createScratch(true);
  let inspection: BackupInspection | null = null;
  let tables = 0;
  let records = 0;
  try {
    let dbFile: string | null = null;
    try {
      dbFile = await databaseFileOf(backup, scratch, options);
      inspection = await stage(options, { stage: 'check', label: 'Structure checked' }, () => provider.inspect(dbFile!, { full: Boolean(options.full) }));
      const integrity = inspection.integrity!;
      checks.push({
        name: 'structure',
        ok: integrity.ok,
        label: `${structureOf(provider)} ${integrity.ok ? 'valid' : 'invalid'}`,
        problem: integrity.ok ? undefined : `${integrity.check}: ${integrity.problems.slice(0, 3).join('; ')}`,
      });
    } catch (err) {
      if (!(err instanceof AcodeError) || ['ACODE-BAK-005', 'ACODE-BAK-009', 'ACODE-BAK-015', ...MACHINE_CODES].includes(err.code)) throw err;
      checks.push({ name: 'structure', ok: false, label: `${structureOf(provider)} invalid`, problem: err.detail });
    }
    if (inspection?.integrity?.ok) {
      const cmp = compareTables(manifest, inspection.tables);
      tables = inspection.tables.length;
      records = cmp.records;
      checks.push({ name: 'tables', ok: cmp.tablesOk, label: `Tables present: ${tables}`, problem: cmp.tablesOk ? undefined : cmp.problems.join('; ') });
      checks.push({ name: 'records', ok: cmp.recordsOk, label: `Records: ${formatCount(records)}`, problem: cmp.recordsOk ? undefined : cmp.problems.join('; ') });
    }
    if (options.testRestore && dbFile && inspection?.integrity?.ok) {
      const target = path.join(scratch.dir, 'test-restore.db');
      try {
        const restored = await stage(options, { stage: 'restore', label: 'Test restore' }, () => provider.restoreIsolated(dbFile!, target, options));
        const cmp = compareTables(manifest, restored.tables);
        const ok = Boolean(restored.integrity?.ok) && cmp.tablesOk && cmp.recordsOk;
        checks.push({
          name: 'test-restore',
          ok,
          label: ok ? `Test restore into an isolated database: ${formatCount(cmp.records)} records` : 'Test restore failed',
          problem: ok ? undefined : [...(restored.integrity?.problems ?? []), ...cmp.problems].join('; '),
        });
      } catch (err) {
        if ((err as { name?: string }).name === 'AbortError') throw err;
        // No room or access for the scratch database, no server to restore into, a role that may
        // not create one (ACODE-DB-007, saying the backup was not checked): the machine's
        // failure, not the backup's. Anything else (pg_restore failing on the archive, rows that
        // do not count up) is the backup's.
        const machine = scratchError(err, 'the test restore') ?? (err instanceof AcodeError && [...MACHINE_CODES, 'ACODE-DB-007'].includes(err.code) ? err : null);
        if (machine) throw machine;
        checks.push({ name: 'test-restore', ok: false, label: 'Test restore failed', problem: describeCause(err) });
      }
    }
  } finally {
    await scratch.dispose();
  }
  return { path: backup.path, name: backup.name, valid: checks.every((c) => c.ok), checks, manifest, tables, records };
}

/** Failures of the machine (no client tools, no server, a bad URL): never a verdict on the backup. */
const MACHINE_CODES: readonly string[] = ['ACODE-DB-005', 'ACODE-DB-006', 'ACODE-CFG-005'];

const structureOf = (provider: BackupProvider): string => (provider.type === 'sqlite' ? 'SQLite structure' : 'pg_dump archive');
