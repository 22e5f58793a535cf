import { createReadStream, createWriteStream, existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { createHashTap } from '../transforms/hash.js';
import { resolveBackupRef } from './catalog.js';
import { sha256File } from './checksum.js';
import { AcodeError, describeCause, systemCode } from './errors.js';
import { PRIVATE_FILE_MODE, removeTree } from './fs-atomic.js';
import { removeAbandoned } from './temp-names.js';
import { readBackupManifest, type BackupManifest } from './manifest.js';
import { MANIFEST_SUFFIX, parseBackupName } from './naming.js';
import type { RunOptions } from './progress.js';

/** A backup file found, with its manifest read and checked for shape. */
export interface OpenedBackup {
  readonly path: string;
  readonly name: string;
  readonly manifest: BackupManifest;
}

/** Resolves a backup by name or path and reads its manifest: no manifest, no trust (ACODE-BAK-007). */
export async function openBackup(ref: string, backupDir: string): Promise<OpenedBackup> {
  const file = await resolveBackupRef(ref, backupDir);
  // A shell completes acode_backup_….db to the manifest beside it as readily as to the backup.
  const owner = path.basename(file).endsWith(MANIFEST_SUFFIX) ? path.basename(file).slice(0, -MANIFEST_SUFFIX.length) : null;
  if (owner && parseBackupName(owner)) {
    throw new AcodeError('ACODE-BAK-006', `${path.basename(file)} is the manifest of ${owner}, not a backup`, {
      context: { file },
      hint: `name the backup itself: ${path.join(path.dirname(ref), owner).replace(/^\.\//, '')}`,
    });
  }
  const manifest = await readBackupManifest(file);
  if (!manifest) {
    throw new AcodeError('ACODE-BAK-007', `${path.basename(file)} has no ${path.basename(file)}.manifest.json beside it`, { context: { file } });
  }
  return { path: file, name: path.basename(file), manifest };
}

export interface ChecksumOutcome {
  readonly ok: boolean;
  readonly expected: string;
  readonly actual: string;
  readonly size: number;
}

/** Hashes the stored file and compares it with the manifest. */
export async function checkStoredChecksum(backup: OpenedBackup, options: RunOptions, onBytes?: (bytes: number, total: number) => void): Promise<ChecksumOutcome> {
  const digest = await sha256File(backup.path, { signal: options.signal, onBytes }).catch((err: unknown) => {
    const code = systemCode(err);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EIO') {
      throw new AcodeError('ACODE-BAK-014', `cannot read ${backup.name}: ${describeCause(err)}`, { cause: err, context: { file: backup.path } });
    }
    throw err;
  });
  const expected = backup.manifest.file.sha256;
  return { ok: digest.sha256 === expected && digest.size === backup.manifest.file.size, expected, actual: digest.sha256, size: digest.size };
}

/** A private scratch folder under the system temp folder, removed by `dispose`. */
export interface Scratch {
  readonly dir: string;
  dispose(): Promise<void>;
}

/** A scratch folder; `forBackup`: a failure to make one is ACODE-BAK-015/009 (exports map it to their own codes). */
export async function createScratch(forBackup = false): Promise<Scratch> {
  // A killed run's scratch folder can hold a whole unpacked database, secrets and all: the first
  // scratch of a run removes those of runs that are gone.
  if (!swept) {
    swept = true;
    await removeAbandoned(os.tmpdir(), scratchPid);
  }
  // mkdtemp makes the folder 0700: only its owner can see what is unpacked there.
  const dir = await mkdtemp(path.join(os.tmpdir(), `${SCRATCH_PREFIX}${process.pid}-`)).catch((err: unknown) => {
    throw (forBackup ? scratchError(err, 'a scratch folder') : null) ?? err;
  });
  // The mark that makes it ours to remove once its run is gone: a name alone could be a user's folder.
  await writeFile(path.join(dir, SCRATCH_MARK), '').catch(async (err: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw (forBackup ? scratchError(err, 'a scratch folder') : null) ?? err;
  });
  if (liveScratch.size === 0 && !exitHook) {
    exitHook = true;
    // A scratch folder whose work never finished (a stream left waiting on a closed pipe) goes at exit too.
    process.on('exit', () => {
      for (const left of liveScratch) {
        try {
          rmSync(left, { recursive: true, force: true });
        } catch {
          // Left for the next run's sweep (removeAbandoned), once this pid is gone.
        }
      }
    });
  }
  liveScratch.add(dir);
  return {
    dir,
    // Never throws (removeTree): a folder it could not remove stays listed, and the exit hook tries again.
    dispose: async () => {
      if (await removeTree(dir)) liveScratch.delete(dir);
    },
  };
}

const liveScratch = new Set<string>();
let exitHook = false;
let swept = false;

/** Scratch folders are `acode-scratch-<pid>-XXXXXX` under the system temp folder, with a mark file inside. */
const SCRATCH_PREFIX = 'acode-scratch-';
const SCRATCH_MARK = '.acode-scratch';

/** The pid of a scratch folder of ours: its name, and the mark inside (a user's `acode-scratch-2026-notes` has none). */
function scratchPid(name: string): number | null {
  const m = /^acode-scratch-(\d+)-[A-Za-z0-9]{6}$/.exec(name);
  return m && existsSync(path.join(os.tmpdir(), name, SCRATCH_MARK)) ? Number(m[1]) : null;
}

/**
 * A failure of the machine rather than of the backup — the temporary folder missing, full or not
 * writable — as its own error (exit 1), so a check never calls a sound backup invalid for it.
 * Null for any other failure.
 */
export function scratchError(err: unknown, what: string): AcodeError | null {
  const code = systemCode(err) ?? '';
  const where = os.tmpdir();
  if (code === 'ENOSPC' || code === 'EDQUOT' || code.startsWith('SQLITE_FULL')) {
    return new AcodeError('ACODE-BAK-009', `no space in the temporary folder ${where} for ${what}: ${describeCause(err)}`, {
      cause: err,
      hint: 'free space there, or set TMPDIR to a folder with room for an uncompressed copy of the backup',
    });
  }
  if (['EACCES', 'EPERM', 'EROFS', 'ENOENT', 'ENOTDIR'].includes(code)) {
    return new AcodeError('ACODE-BAK-015', `cannot use the temporary folder ${where} for ${what}: ${describeCause(err)}`, { cause: err });
  }
  return null;
}

/**
 * The database file inside a backup: the file itself, or for a gzip backup a private scratch
 * copy whose uncompressed checksum has been compared with the manifest.
 */
export async function databaseFileOf(backup: OpenedBackup, scratch: Scratch, options: RunOptions): Promise<string> {
  if (backup.manifest.compression !== 'gzip') return backup.path;
  const out = path.join(scratch.dir, backup.name.replace(/\.gz$/, ''));
  const expected = backup.manifest.uncompressed;
  // A gzip bomb (its manifest made to match) is stopped at the size the manifest promises, not
  // unpacked whole into the temporary folder and then blamed on a full disk.
  const tooLarge = (): AcodeError =>
    new AcodeError('ACODE-BAK-004', `the database inside ${backup.name} is larger than the manifest's uncompressed size (${expected?.size} bytes)`, { context: { file: backup.path } });
  const tap = createHashTap({ maxBytes: expected?.size ?? 0, tooLarge });
  try {
    await pipeline(createReadStream(backup.path), createGunzip(), tap, createWriteStream(out, { flags: 'wx', mode: PRIVATE_FILE_MODE }), {
      signal: options.signal,
    });
  } catch (err) {
    if ((err as { name?: string }).name === 'AbortError' || (err instanceof AcodeError && err.code === 'ACODE-BAK-004')) throw err;
    // Writing the scratch copy can fail for want of space or access: that says nothing of the backup.
    const failedPath = (err as { path?: unknown }).path;
    const machine = failedPath === backup.path ? null : scratchError(err, `the uncompressed copy of ${backup.name}`);
    if (machine) throw machine;
    throw new AcodeError('ACODE-BAK-006', `${backup.name} does not decompress: ${describeCause(err)}`, { cause: err, context: { file: backup.path } });
  }
  const got = tap.digest();
  if (!expected || got.sha256 !== expected.sha256 || got.bytes !== expected.size) {
    throw new AcodeError('ACODE-BAK-004', `the database inside ${backup.name} does not match the manifest's uncompressed checksum`, { context: { file: backup.path } });
  }
  return out;
}

/** Compares tables and row counts with the manifest; returns the differences in words. */
export function compareTables(
  manifest: BackupManifest,
  tables: readonly { readonly name: string; readonly rows: number }[],
): { readonly tablesOk: boolean; readonly recordsOk: boolean; readonly problems: string[]; readonly records: number } {
  const expected = new Map(manifest.tables.map((t) => [t.name, t.rows]));
  const actual = new Map(tables.map((t) => [t.name, t.rows]));
  const problems: string[] = [];
  const missing = [...expected.keys()].filter((n) => !actual.has(n));
  const extra = [...actual.keys()].filter((n) => !expected.has(n));
  if (missing.length) problems.push(`missing tables: ${missing.join(', ')}`);
  if (extra.length) problems.push(`tables not in the manifest: ${extra.join(', ')}`);
  let recordsOk = true;
  for (const [name, rows] of expected) {
    const got = actual.get(name);
    if (got !== undefined && got !== rows) {
      recordsOk = false;
      problems.push(`${name} has ${got} rows, manifest says ${rows}`);
    }
  }
  const records = tables.reduce((n, t) => n + t.rows, 0);
  return { tablesOk: missing.length === 0 && extra.length === 0, recordsOk, problems, records };
}
