import { randomBytes } from 'node:crypto';
import { lstat, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { systemCode } from './errors.js';

/** Names of the temporary files acode writes beside a final one, and the removal of those a killed run left. */

const TEMP_MARK = '.acode-tmp-';

/**
 * A temporary name beside `finalPath`: `.<final name>.acode-tmp-<pid>-<random>`. Same folder, so
 * the final rename never crosses a file system; the pid lets `prune` tell abandoned files apart.
 */
export function tempPathFor(finalPath: string): string {
  const dir = path.dirname(finalPath);
  return path.join(dir, `.${path.basename(finalPath)}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`);
}

export interface TempNameInfo {
  /** The name the file was going to get. */
  readonly finalName: string;
  readonly pid: number;
}

/** Recognises a temporary file of ours, including SQLite's `-journal`/`-wal` companions of one. */
export function parseTempName(name: string): TempNameInfo | null {
  const at = name.indexOf(TEMP_MARK);
  if (!name.startsWith('.') || at < 0) return null;
  const pid = Number.parseInt(name.slice(at + TEMP_MARK.length), 10);
  return Number.isFinite(pid) ? { finalName: name.slice(1, at), pid } : null;
}

/** True while the process that made a temporary file still runs. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return systemCode(err) === 'EPERM';
  }
}

/** Left this long untouched by a process that is gone, a temporary file of ours is abandoned. */
export const ABANDONED_MS = 10 * 60 * 1000;

/**
 * Removes what a killed run of ours left in `dir` (SIGKILL gives no chance to clean up): entries
 * `pick` recognises (returning the pid that made them) whose process is gone and which nothing
 * has touched for ten minutes — a process alive in another PID namespace still writes to its
 * files. Returns the names removed; a folder that cannot be read is left alone.
 */
export async function removeAbandoned(dir: string, pick: (name: string) => number | null): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const pid = pick(name);
    if (pid === null || pid === process.pid || isProcessAlive(pid)) continue;
    const file = path.join(dir, name);
    const info = await lstat(file).catch(() => null);
    if (!info) continue;
    // A folder (a CSV export's, a scratch folder) changes as its files do.
    let newest = info.mtimeMs;
    if (info.isDirectory()) for (const inner of await readdir(file).catch(() => [] as string[])) newest = Math.max(newest, (await lstat(path.join(file, inner)).catch(() => null))?.mtimeMs ?? 0);
    if (Date.now() - newest < ABANDONED_MS) continue;
    await rm(file, { recursive: true, force: true }).then(() => removed.push(name), () => {});
  }
  return removed;
}

/** The pid in `.<name>.acode-tmp-<pid>-…` (and its -journal/-wal), for removeAbandoned. */
export function tempNamePid(name: string): number | null {
  return parseTempName(name)?.pid ?? null;
}
