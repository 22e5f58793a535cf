import { constants } from 'node:fs';
import { link, lstat, mkdir, open, readlink, realpath, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { systemCode } from './errors.js';
import { tempPathFor } from './temp-names.js';

/** Files holding database content are readable by their owner only. */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** Creates an empty file that must not exist yet, readable by the owner only. */
export async function createPrivateFile(file: string): Promise<void> {
  const handle = await open(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, PRIVATE_FILE_MODE);
  await handle.close();
}

export async function fsyncFile(file: string): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes a rename in `dir` durable. Some file systems refuse to sync a folder; that is not an error. */
export async function fsyncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (err) {
    if (!['EISDIR', 'EINVAL', 'EPERM', 'EBADF'].includes(systemCode(err) ?? '')) throw err;
  } finally {
    await handle?.close();
  }
}

/**
 * Creates a folder (and its parents) for private files when it is missing. One level at a time
 * from the nearest folder that exists: Node's `mkdir({ recursive: true })` spins forever, deaf to
 * signals, where the kernel answers ENOENT under a folder that exists (`/proc/backups`).
 */
export async function ensureDir(dir: string): Promise<void> {
  const missing: string[] = [];
  // Up the path as given, not resolved: `build/../out` and `link/../x` go through the real folders, as the kernel's lookups do.
  for (let p = dir; ; p = path.dirname(p)) {
    try {
      await stat(p);
      break;
    } catch (err) {
      // Under a file (ENOTDIR) too: the mkdir below reports it.
      if (systemCode(err) !== 'ENOENT' && systemCode(err) !== 'ENOTDIR') throw err;
    }
    missing.push(p);
    if (path.dirname(p) === p) break;
  }
  for (const folder of missing.reverse()) {
    try {
      await mkdir(folder, { mode: PRIVATE_DIR_MODE });
    } catch (err) {
      if (systemCode(err) !== 'EEXIST') throw err;
    }
  }
  const info = await stat(dir);
  if (!info.isDirectory()) {
    throw Object.assign(new Error(`${dir} is not a folder`), { code: 'ENOTDIR' });
  }
}

/**
 * Moves a finished temporary file to the first free name `nameFor(0)`, `nameFor(1)`, … in `dir`,
 * never replacing a file that is there: a hard link fails atomically when the name is taken.
 * `taken` can veto names that are free on disk but clash otherwise. Returns the name used.
 */
export async function publishUnique(
  tmp: string,
  dir: string,
  nameFor: (seq: number) => string,
  taken: (name: string) => Promise<boolean> = async () => false,
): Promise<string> {
  for (let seq = 0; seq < 1000; seq++) {
    const name = nameFor(seq);
    if (await taken(name)) continue;
    try {
      await link(tmp, path.join(dir, name));
    } catch (err) {
      if (systemCode(err) === 'EEXIST') continue;
      if (['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV'].includes(systemCode(err) ?? '')) {
        // No hard links here (some network and FAT file systems): check, then rename.
        if (await exists(path.join(dir, name))) continue;
        await rename(tmp, path.join(dir, name));
        await fsyncDir(dir);
        return name;
      }
      throw err;
    }
    await unlink(tmp);
    await fsyncDir(dir);
    return name;
  }
  throw new Error(`no free file name in ${dir}`);
}

/**
 * Moves a finished temporary file to `final`. Without `replace` an existing file is never
 * overwritten (a hard link fails atomically; the error keeps code EEXIST); with it, rename does.
 */
export async function publishFile(tmp: string, final: string, replace: boolean): Promise<void> {
  if (replace) {
    await rename(tmp, final);
  } else {
    try {
      await link(tmp, final);
      await unlink(tmp);
    } catch (err) {
      if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV'].includes(systemCode(err) ?? '')) throw err;
      if (await exists(final)) throw Object.assign(new Error(`${final} exists`), { code: 'EEXIST' });
      await rename(tmp, final);
    }
  }
  await fsyncDir(path.dirname(final));
}

/** Writes a whole small file (a manifest) under a temporary name, syncs it and renames it into place. */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = PRIVATE_FILE_MODE): Promise<void> {
  const staged = await stageFile(file, data, mode);
  await staged.commit();
}

/** A small file written and synced under a temporary name beside `file`, waiting to be renamed into place. */
export interface StagedFile {
  /** Renames it to its final name (replacing one there) and syncs the folder. */
  commit(): Promise<void>;
  /** Removes it. */
  discard(): Promise<void>;
}

/**
 * The first half of writeFileAtomic: what can fail for want of space happens here, before
 * anything at a final name changes; `commit()` is a rename. A file and its manifest are published
 * as: stage the manifest, rename the file, commit the manifest.
 */
export async function stageFile(file: string, data: string | Uint8Array, mode = PRIVATE_FILE_MODE): Promise<StagedFile> {
  const tmp = tempPathFor(file);
  try {
    const handle = await open(tmp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    await removeQuietly(tmp);
    throw err;
  }
  return {
    commit: async () => {
      try {
        await rename(tmp, file);
      } catch (err) {
        await removeQuietly(tmp);
        throw err;
      }
      await fsyncDir(path.dirname(file));
    },
    discard: () => removeQuietly(tmp),
  };
}

/** A time for a file name beside a database: 20261126T125551Z. */
export function fileStamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/**
 * Before a SQLite file is put at `dbPath` where none is: `<db>-wal` and `<db>-journal` left by an
 * earlier database of that name would be applied to it on its first open (and corrupt it), so they
 * are renamed to `….orphaned-<time>` (kept: they hold that database's last writes); `<db>-shm` is
 * removed (an index, rebuilt). Returns the new names.
 */
export async function setAsideOrphans(dbPath: string): Promise<string[]> {
  const moved: string[] = [];
  const stamp = fileStamp();
  for (const suffix of ['-wal', '-journal']) {
    const orphan = `${dbPath}${suffix}`;
    if (!(await exists(orphan))) continue;
    const to = `${orphan}.orphaned-${stamp}`;
    await rename(orphan, to);
    moved.push(to);
  }
  await rm(`${dbPath}-shm`, { force: true });
  if (moved.length > 0) await fsyncDir(path.dirname(dbPath));
  return moved;
}

/**
 * The file a path names once symbolic links are followed, also when the last one points at
 * nothing yet: a file put in place there replaces what the link points to, not the link.
 */
export async function followLinks(file: string): Promise<string> {
  const whole = await realpath(file).catch(() => null);
  if (whole !== null) return whole;
  let current = file;
  // Past 40 links (a loop) the path is left for the system calls to refuse, as they do.
  for (let hops = 0; hops < 40; hops++) {
    const info = await lstat(current).catch(() => null);
    if (!info?.isSymbolicLink()) return current;
    // A relative target is read from the folder the link really is in: `..` from a linked folder
    // is that folder's parent, not the parent in the path's text.
    const folder = await realpath(path.dirname(current)).catch(() => path.dirname(current));
    current = path.resolve(folder, await readlink(current));
  }
  return current;
}

export async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (err) {
    if (systemCode(err) === 'ENOENT' || systemCode(err) === 'ENOTDIR') return false;
    throw err;
  }
}

/** Removes files (and SQLite's companions of them) whose content must not survive a failure. */
export async function removeQuietly(...files: (string | undefined | null)[]): Promise<void> {
  for (const file of files) {
    if (!file) continue;
    for (const suffix of ['', '-journal', '-wal', '-shm']) {
      await rm(file + suffix, { force: true }).catch(() => {});
    }
  }
}

/**
 * Removes a folder and what is in it; never throws, for cleanups in `catch` and `finally` blocks
 * whose own failure must not replace the one they follow. True when it is gone.
 */
export async function removeTree(dir: string): Promise<boolean> {
  return rm(dir, { recursive: true, force: true }).then(
    () => true,
    () => false,
  );
}
