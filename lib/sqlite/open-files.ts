/**
 * Which processes have a file open, from /proc: a damaged database is replaced as a file only
 * when no other process may be using it.
 */
import type { Stats } from 'node:fs';
import { readdir, readlink, stat } from 'node:fs/promises';
import path from 'node:path';

/** Processes that have the database open, and those that may have it but acode cannot see into. */
export interface Openers {
  readonly holders: number[];
  /** Processes of other users (not root) that may write the file, whose open files acode may not read. */
  readonly unseen: number[];
}

/**
 * Processes other than this one that have any of `files` open, from /proc (Linux; elsewhere none
 * are found, and the swap goes ahead as before). Files are matched by device and inode, so a
 * process in another mount namespace, which names them by another path, is found too.
 */
export async function otherOpeners(files: readonly string[]): Promise<Openers> {
  const none = { holders: [], unseen: [] };
  if (process.platform !== 'linux') return none;
  const wanted = new Set<string>();
  const names = new Set<string>();
  let main: Stats | null = null;
  for (const f of files) {
    const info = await stat(f).catch(() => null);
    if (!info) continue;
    main ??= info;
    wanted.add(`${info.dev}:${info.ino}`);
    names.add(path.basename(f));
  }
  if (!main) return none;
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid);
  const holders: number[] = [];
  const unseen: number[] = [];
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await readdir(`/proc/${pid}/fd`);
    } catch {
      // Another user's process (or /proc mounted hidepid): it counts when its user could write the
      // file. Root's are left out: acode not run as root could never restore then.
      const owner = await stat(`/proc/${pid}`).catch(() => null);
      if (owner && owner.uid !== 0 && mayWrite(main, owner.uid, owner.gid)) unseen.push(Number(pid));
      continue;
    }
    for (const fd of fds) {
      const link = `/proc/${pid}/fd/${fd}`;
      const target = await readlink(link).catch(() => '');
      if (!names.has(path.basename(target.replace(/ \(deleted\)$/, '')))) continue;
      const info = await stat(link).catch(() => null);
      if (info && wanted.has(`${info.dev}:${info.ino}`)) {
        holders.push(Number(pid));
        break;
      }
    }
  }
  return { holders, unseen };
}

/** Whether a process of `uid`/`gid` may write a file, by its permission bits. */
function mayWrite(file: Stats, uid: number, gid: number): boolean {
  if (uid === file.uid) return (file.mode & 0o200) !== 0;
  if (gid === file.gid) return (file.mode & 0o020) !== 0;
  return (file.mode & 0o002) !== 0;
}
