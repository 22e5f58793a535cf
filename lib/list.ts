import { checkStoredChecksum } from './backup-file.js';
import { AcodeError, interruptedAs, isAcodeError } from './errors.js';
import { scanBackupDir, type StrayFile, type UnreachableName } from './catalog.js';
import type { AcodeConfig } from './config.js';
import type { BackupKind } from './naming.js';
import type { RunOptions } from './progress.js';
import { checkOptions, RUN_OPTIONS } from './options.js';

/** ✓ valid, ✗ mismatch, ? no manifest (or a manifest that cannot be read). */
export type BackupStatus = 'valid' | 'mismatch' | 'no-manifest' | 'bad-manifest' | 'unchecked' | 'unreadable';

export interface ListedBackup {
  readonly name: string;
  readonly path: string;
  readonly size: number;
  readonly createdAt: Date;
  readonly kind: BackupKind;
  readonly tag: string | null;
  readonly compressed: boolean;
  readonly status: BackupStatus;
  readonly problem: string | null;
}

export interface ListOptions extends RunOptions {
  readonly config: AcodeConfig;
  /** Folder to list instead of `backup.path`. */
  readonly dir?: string;
  /** Hash every backup against its manifest (default); false only compares sizes. */
  readonly checksums?: boolean;
}

export interface ListResult {
  readonly dir: string;
  /** Newest first. */
  readonly backups: readonly ListedBackup[];
  readonly strays: readonly StrayFile[];
  /** Names like a backup's that are no readable file: shown, never counted or removed. */
  readonly unreachable: readonly UnreachableName[];
  readonly totalBytes: number;
}

export async function listBackups(options: ListOptions): Promise<ListResult> {
  checkOptions<ListOptions>('listBackups', 'ListOptions', options, { ...RUN_OPTIONS, config: { kind: 'config', required: true }, dir: 'string', checksums: 'boolean' });
  try {
    return await list(options);
  } catch (err) {
    throw interruptedAs(err, `listing the backups in ${options.dir ?? options.config.backup.path}`);
  }
}

async function list(options: ListOptions): Promise<ListResult> {
  const catalog = await scanBackupDir(options.dir ?? options.config.backup.path);
  const backups: ListedBackup[] = [];
  const total = catalog.backups.length;
  let done = 0;
  if (total) options.onProgress?.({ stage: 'checksum', phase: 'start', label: 'Checking backups', totalRows: total });
  for (const entry of catalog.backups) {
    options.signal?.throwIfAborted();
    let status: BackupStatus;
    let problem: string | null = null;
    if (entry.manifestError) {
      // One acode may not read is out of reach, not broken: shown as a backup file it may not read is.
      status = entry.manifestUnreadable ? 'unreadable' : 'bad-manifest';
      problem = entry.manifestError;
    } else if (!entry.manifest) {
      status = 'no-manifest';
      problem = 'no manifest beside it; not trusted as a backup';
    } else if (options.checksums === false) {
      status = entry.size === entry.manifest.file.size ? 'unchecked' : 'mismatch';
    } else {
      // One file acode may not read is one entry marked so, never the end of the listing.
      const outcome = await checkStoredChecksum({ path: entry.path, name: entry.name, manifest: entry.manifest }, options).catch((err: unknown) => {
        if (isAcodeError(err, 'ACODE-BAK-014')) return err;
        throw err;
      });
      if (outcome instanceof AcodeError) {
        status = 'unreadable';
        problem = outcome.detail;
      } else {
        status = outcome.ok ? 'valid' : 'mismatch';
        if (!outcome.ok) problem = `sha256 is ${outcome.actual.slice(0, 16)}…, manifest says ${outcome.expected.slice(0, 16)}…`;
      }
    }
    backups.push({
      name: entry.name,
      path: entry.path,
      size: entry.size,
      createdAt: entry.createdAt,
      kind: entry.kind,
      tag: entry.manifest?.tag ?? null,
      compressed: entry.compressed,
      status,
      problem,
    });
    options.onProgress?.({ stage: 'checksum', phase: 'update', label: 'Checking backups', rows: ++done, totalRows: total });
  }
  if (total) options.onProgress?.({ stage: 'checksum', phase: 'end', label: 'Checking backups' });
  const totalBytes = backups.reduce((n, b) => n + b.size, 0);
  return { dir: catalog.dir, backups, strays: catalog.strays, unreachable: catalog.unreachable, totalBytes };
}
