import type { Stats } from 'node:fs';
import { readdir, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import { AcodeError, systemCode, toAcodeError } from './errors.js';
import { ABANDONED_MS, isProcessAlive, parseTempName } from './temp-names.js';
import { readBackupManifest, type BackupManifest } from './manifest.js';
import { compareNewestFirst, MANIFEST_SUFFIX, parseBackupName, type ParsedBackupName } from './naming.js';

/** One backup file in the backup folder, with what its manifest says (if it has one). */
export interface CatalogEntry extends ParsedBackupName {
  readonly path: string;
  readonly size: number;
  /** From the manifest when there is one, else the second in the name. */
  readonly createdAt: Date;
  readonly manifest: BackupManifest | null;
  /** Why the manifest could not be read, when it is there but broken (or out of acode's reach). */
  readonly manifestError: string | null;
  /** The manifest is there but acode may not read it (another user's 0600 file): not known broken. */
  readonly manifestUnreadable?: boolean;
}

/** Anything in the backup folder that is not a complete backup. */
export interface StrayFile {
  readonly name: string;
  readonly path: string;
  readonly size: number;
  /** `temporary`: left by a backup that did not finish; `orphan-manifest`: its backup is gone. */
  readonly kind: 'temporary' | 'orphan-manifest';
  /**
   * For a temporary file: whether a backup may still be writing it — it changed in the last ten
   * minutes (a pid says nothing of a backup in another container or on another host sharing the
   * folder: prune removed those while they ran), or in the last day and its process runs.
   */
  readonly inProgress: boolean;
}

/** A temporary file whose recorded process still runs is abandoned after this long untouched. */
const LIVE_PID_ABANDONED_MS = 86_400_000;

/**
 * A name like a backup's that is no file acode can read (a link to a missing file, a folder):
 * never removed, only shown, since what it points to may come back (a disk not mounted).
 */
export interface UnreachableName {
  readonly name: string;
  readonly path: string;
  /** What it is instead, in a few words. */
  readonly problem: string;
  /** What the user can do about it. */
  readonly todo: string;
}

export interface Catalog {
  readonly dir: string;
  /** Newest first. */
  readonly backups: readonly CatalogEntry[];
  /** Files acode may remove (prune does). */
  readonly strays: readonly StrayFile[];
  readonly unreachable: readonly UnreachableName[];
}

/** Newest first by when a backup was made: the manifest's time, else the name's; then its sequence. */
export function compareNewestMade(a: CatalogEntry, b: CatalogEntry): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || compareNewestFirst(a, b);
}

export async function scanBackupDir(dir: string): Promise<Catalog> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (systemCode(err) === 'ENOENT') return { dir, backups: [], strays: [], unreachable: [] };
    // A file where the folder should be, or one that may not be read: a coded error, not a crash.
    throw toAcodeError(err, 'ACODE-BAK-008', `cannot read the backup folder ${dir}`, { file: dir });
  }
  const present = new Set(names);
  const backups: CatalogEntry[] = [];
  const strays: StrayFile[] = [];
  const unreachable: UnreachableName[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const parsed = parseBackupName(name);
    if (parsed) {
      const info = await stat(file).catch(() => null);
      if (!info?.isFile()) {
        unreachable.push({ name, path: file, ...(await whyNotAFile(file, info)) });
        continue;
      }
      let manifest: BackupManifest | null = null;
      let manifestError: string | null = null;
      let manifestUnreadable = false;
      try {
        manifest = await readBackupManifest(file);
      } catch (err) {
        manifestError = err instanceof AcodeError ? err.detail : String(err);
        manifestUnreadable = err instanceof AcodeError && err.code === 'ACODE-BAK-014';
      }
      const created = manifest ? new Date(manifest.createdAt) : parsed.stamp;
      backups.push({ ...parsed, path: file, size: info.size, createdAt: created, manifest, manifestError, ...(manifestUnreadable ? { manifestUnreadable } : {}) });
      continue;
    }
    const temp = parseTempName(name);
    const orphan = name.endsWith(MANIFEST_SUFFIX) && parseBackupName(name.slice(0, -MANIFEST_SUFFIX.length)) && !present.has(name.slice(0, -MANIFEST_SUFFIX.length));
    if (temp?.finalName.startsWith('acode_backup_') || orphan) {
      const info = await stat(file).catch(() => null);
      if (!info?.isFile()) continue;
      strays.push({
        name,
        path: file,
        size: info.size,
        kind: temp ? 'temporary' : 'orphan-manifest',
        // A pid proves nothing after a day untouched: pid 1 always runs (a backup in a container
        // killed by its OOM killer), and pids are reused; a running backup writes its file.
        inProgress: temp ? Date.now() - info.mtimeMs < (isProcessAlive(temp.pid) && temp.pid !== process.pid ? LIVE_PID_ABANDONED_MS : ABANDONED_MS) : false,
      });
    }
  }
  backups.sort(compareNewestMade);
  strays.sort((a, b) => a.name.localeCompare(b.name));
  unreachable.sort((a, b) => a.name.localeCompare(b.name));
  return { dir, backups, strays, unreachable };
}

/** Why a name in the backup folder is no backup file acode can read. */
async function whyNotAFile(file: string, info: Stats | null): Promise<{ problem: string; todo: string }> {
  const elsewhere = 'move it out of the backup folder';
  if (info?.isDirectory()) return { problem: 'a folder, not a backup file', todo: elsewhere };
  if (info) return { problem: 'not a regular file', todo: elsewhere };
  const target = await readlink(file).catch(() => null);
  if (target === null) return { problem: 'cannot be read', todo: 'give acode read access to it, or move it out of the backup folder' };
  const why = systemCode(await stat(file).catch((err: unknown) => err));
  return why === 'ELOOP'
    ? { problem: `a link to ${target}, which loops`, todo: 'fix or remove the link' }
    : { problem: `a link to ${target}, which is missing`, todo: 'mount or restore what it points to, or remove the link' };
}

/**
 * Finds the backup a user means: a bare name is looked up in the backup folder first, anything
 * with a folder in it (or not found there) as a path. Missing everywhere is ACODE-BAK-005.
 */
export async function resolveBackupRef(ref: string, backupDir: string): Promise<string> {
  const candidates = ref.includes('/') || ref.includes(path.sep) ? [path.resolve(ref)] : [path.join(backupDir, ref), path.resolve(ref)];
  for (const candidate of candidates) {
    const info = await stat(candidate).catch(() => null);
    if (info?.isFile()) return candidate;
    if (info?.isDirectory()) throw new AcodeError('ACODE-BAK-006', `${ref} is a folder, not a backup file`, { context: { file: candidate } });
  }
  throw new AcodeError('ACODE-BAK-005', `${ref} (looked in ${candidates.map((c) => path.dirname(c)).join(' and ')})`, { context: { file: ref } });
}
