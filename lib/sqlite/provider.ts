import type { Stats } from 'node:fs';
import { chmod, chown, copyFile, open, readdir, readlink, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BackupInspection, BackupProvider, RestoreOutcome, RestoreRunOptions, SnapshotResult, SourceInfo } from '../engine.js';
import { AcodeError, describeCause, systemCode, toAcodeError } from '../errors.js';
import { ensureDir, exists, fileStamp, followLinks, fsyncDir, fsyncFile, publishFile, removeAbandoned, removeQuietly, setAsideOrphans, tempNamePid, tempPathFor } from '../fs-atomic.js';
import type { RunOptions } from '../progress.js';
import { replaceContent } from './copy-content.js';
import { databaseFacts, integrityCheck } from './inspect.js';
import { openSqlite, whileBusy, type SqliteDb } from './open.js';

/** Pages per backup step: small enough for live progress, large enough to cost nothing. */
const PAGES_PER_STEP = 4096;
/** Largest step SQLite takes: the rest of the database at once. */
const ALL_PAGES = 0x7fffffff;
const BUSY_RETRIES = 3;

export function createSqliteBackupProvider(livePath: string): BackupProvider {
  return {
    type: 'sqlite',
    target: livePath,
    describeSource: () => describeSource(livePath),
    snapshot: (target, options) => snapshot(livePath, target, options),
    seal,
    inspect,
    inspectLive: async (only) => {
      // The check's connection is read-only: in WAL mode it makes -wal and -shm it may not remove.
      // One that may write, closed after it, removes them (an empty -wal was left by every restore).
      const writer = openSqlite(livePath);
      try {
        const inspection = await inspect(livePath, { full: false });
        return only ? { ...inspection, tables: inspection.tables.filter((t) => only.includes(t.name)) } : inspection;
      } finally {
        writer.close();
      }
    },
    restore: (file, options) => restore(livePath, file, options),
    restoreIsolated,
    liveExists: () => exists(livePath),
  };
}

async function describeSource(livePath: string): Promise<SourceInfo> {
  // Not read-only: in WAL mode a read-only connection creates -wal and -shm but cannot remove
  // them when it closes, which would leave them beside the live database if the backup stops here.
  openSqlite(livePath).close();
  const info = await stat(livePath);
  return { type: 'sqlite', location: livePath, size: info.size };
}

/**
 * Online backup through SQLite's backup API, in steps for progress. A write by another
 * connection between steps makes SQLite start over; after the first restart the rest is copied
 * in one step, which holds a read lock for its whole length, so the copy always ends: at most
 * one restart, then one full pass. In WAL mode that read lock does not stop writers.
 */
async function snapshot(livePath: string, target: string, options: RunOptions): Promise<SnapshotResult> {
  const db = openSqlite(livePath);
  try {
    const expectedPages = Number(db.pragma('page_count', { simple: true }));
    for (let attempt = 0; ; attempt++) {
      let restarts = 0;
      let lastRemaining = Infinity;
      let sawPages = 0;
      const done = await db.backup(target, {
        progress: ({ totalPages, remainingPages }) => {
          options.signal?.throwIfAborted();
          if (remainingPages > lastRemaining) restarts++;
          lastRemaining = remainingPages;
          sawPages = totalPages;
          options.onProgress?.({ stage: 'copy', phase: 'update', label: 'Copying data', pages: totalPages - remainingPages, totalPages });
          return restarts > 0 ? ALL_PAGES : PAGES_PER_STEP;
        },
      });
      const pages = Math.max(done.totalPages, sawPages);
      // The last step's progress never reaches the callback (it resolves instead): report the end.
      options.onProgress?.({ stage: 'copy', phase: 'update', label: 'Copying data', pages, totalPages: pages });
      // better-sqlite3 reports a step that found the source locked as "0 pages left": a busy
      // source looks finished with nothing copied. Nothing copied from a non-empty source is that.
      if (pages > 0 || expectedPages === 0) return { pages, restarts };
      if (attempt >= BUSY_RETRIES) {
        throw new AcodeError('ACODE-BAK-001', `${livePath} stayed locked by another process`, {
          hint: 'wait for the other process to finish writing, then run the backup again',
        });
      }
      await sleep(200 * (attempt + 1), undefined, { signal: options.signal });
    }
  } finally {
    db.close();
  }
}

/** Switches a fresh copy out of WAL mode so it never needs a -wal file, then checks and counts it. */
async function seal(file: string, check: 'none' | 'quick' | 'full'): Promise<BackupInspection> {
  let wal = await setWalMark(file, false);
  const db = openSqlite(file, { role: 'backup copy', notDatabaseCode: 'ACODE-BAK-001' });
  try {
    if (String(db.pragma('journal_mode', { simple: true })).toLowerCase() !== 'delete') {
      wal ||= String(db.pragma('journal_mode', { simple: true })).toLowerCase() === 'wal';
      db.pragma('journal_mode = DELETE');
    }
    const result = inspectOpen(db, check);
    if (result.integrity && !result.integrity.ok) {
      const more = result.integrity.problems.length - 1;
      throw new AcodeError('ACODE-DB-004', `the copy of the database fails ${result.integrity.check}: ${result.integrity.problems[0]}${more > 0 ? ` (and ${more} more)` : ''}`);
    }
    return wal ? { ...result, wal } : result;
  } finally {
    db.close();
  }
}

/**
 * A copy of a WAL database carries the WAL mark (header bytes 18 and 19 = 2), though every page
 * is in the file itself. Opening it so would create -wal and -shm files first, which fails with a
 * vague I/O error when the disk has room for the copy but not for them. Writing the legacy mark
 * (1) before SQLite sees the file is what `journal_mode = DELETE` ends up doing, without the detour.
 * A restored database gets the WAL mark back (a WAL database closed cleanly is just that).
 * Returns whether the file had the WAL mark.
 */
async function setWalMark(file: string, wal: boolean): Promise<boolean> {
  const handle = await open(file, 'r+');
  try {
    const header = Buffer.alloc(2);
    const { bytesRead } = await handle.read(header, 0, 2, 18);
    const had = bytesRead === 2 && header[0] === 2 && header[1] === 2;
    const legacy = bytesRead === 2 && header[0] === 1 && header[1] === 1;
    if ((had && !wal) || (legacy && wal)) {
      await handle.write(Buffer.from(wal ? [2, 2] : [1, 1]), 0, 2, 18);
      await handle.sync();
    }
    return had;
  } finally {
    await handle.close();
  }
}

async function inspect(file: string, options: { readonly full: boolean }): Promise<BackupInspection> {
  const db = openSqlite(file, { readonly: true, role: 'backup', missingCode: 'ACODE-BAK-005', notDatabaseCode: 'ACODE-BAK-006' });
  try {
    return inspectOpen(db, options.full ? 'full' : 'quick');
  } catch (err) {
    throw asInvalidBackup(err, file);
  } finally {
    db.close();
  }
}

function inspectOpen(db: SqliteDb, check: 'none' | 'quick' | 'full'): BackupInspection {
  const integrity = check === 'none' ? null : integrityCheck(db, check === 'full');
  if (integrity && !integrity.ok) {
    return { engineVersion: '', schemaVersion: null, pageSize: 0, pageCount: 0, tables: [], integrity };
  }
  const facts = databaseFacts(db);
  return {
    engineVersion: facts.sqliteVersion,
    schemaVersion: facts.schemaVersion,
    pageSize: facts.pageSize,
    pageCount: facts.pageCount,
    tables: facts.tables,
    integrity,
  };
}

/** A damaged file fails inside SQLite with "malformed"/"not a database": that is an invalid backup. */
function asInvalidBackup(err: unknown, file: string): unknown {
  if (err instanceof AcodeError) return err;
  return new AcodeError('ACODE-BAK-006', `${path.basename(file)} cannot be read as a database: ${describeCause(err)}`, { cause: err, context: { file } });
}

async function restore(linkedPath: string, file: string, options: RestoreRunOptions): Promise<RestoreOutcome> {
  // A database kept elsewhere behind a symbolic link stays there: a file put in place replaces
  // the link's target (it replaced the link, and the damaged file stayed where it was read from).
  const livePath = await followLinks(linkedPath);
  if (!(await exists(livePath))) {
    // The backup file itself, checked against its manifest: its counts are the backup's.
    // A link to a file on a disk that is not mounted: its folder is not made on the disk below.
    if (livePath !== linkedPath && !(await exists(path.dirname(livePath)))) {
      throw new AcodeError('ACODE-DB-001', `${linkedPath} is a link to ${livePath}, and there is no folder ${path.dirname(livePath)} (a disk not mounted?); nothing was restored`, {
        context: { file: linkedPath },
        hint: 'mount the disk the link points to, or point the link (or database.path) at the database',
      });
    }
    return { countsChecked: true, setAside: await restoreAsNewFile(file, livePath, options) };
  }
  let db: SqliteDb;
  try {
    db = await openWaiting(livePath, options);
  } catch (err) {
    if (err instanceof AcodeError && err.code === 'ACODE-DB-008') throw new AcodeError('ACODE-BAK-010', `could not open ${livePath}: ${err.detail}`, { cause: err, context: { file: livePath } });
    if (isDamage(err)) return restoreOverDamaged(file, livePath, options);
    throw err;
  }
  try {
    await replaceContent(db, file, options);
  } catch (err) {
    // A damaged database fails SQLite's reads: its safety backup's, or those while it is replaced.
    if (!isDamage(err)) throw err;
    db.close();
    return restoreOverDamaged(file, livePath, options);
  } finally {
    if (db.open) db.close();
  }
  return { countsChecked: options.expectTables !== undefined, setAside: [] };
}

/** Opens the live database, waiting for another process's exclusive lock as BEGIN IMMEDIATE does (Ctrl-C stops the wait). */
function openWaiting(livePath: string, options: RestoreRunOptions): Promise<SqliteDb> {
  return whileBusy(() => openSqlite(livePath, { busyTimeoutMs: 0 }), options.busyTimeoutMs ?? 5000, options.signal);
}

/** True when an error, or one it was caused by, says SQLite could not read the database file. */
function isDamage(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    const code = systemCode(e) ?? '';
    if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) return true;
  }
  return false;
}

/**
 * Disaster recovery: the live database is damaged, so no logical copy can be made of it or into
 * it. It is kept byte for byte beside itself (`<db>.damaged-<time>`, with its WAL), then the
 * backup takes its place as a new file. Processes that still have the damaged file open keep
 * reading it until they reopen the database.
 */
async function restoreOverDamaged(file: string, livePath: string, options: RestoreRunOptions): Promise<RestoreOutcome> {
  // A file swapped under processes that have it open is not theirs any more: what they write
  // goes to the old one and is lost. SQLite's locks cannot say so (a damaged file takes none).
  const { holders, unseen } = await otherOpeners([livePath, `${livePath}-wal`]);
  if (holders.length === 0 && unseen.length > 0) {
    throw new AcodeError('ACODE-BAK-010', `${livePath} is damaged, and acode cannot see whether ${unseen.length === 1 ? 'a process' : `${unseen.length} processes`} of another user that may write it (pid ${unseen.slice(0, 5).join(', ')}) ${unseen.length === 1 ? 'has' : 'have'} it open; replacing the file under them could lose what they write, so nothing was restored`, {
      context: { file: livePath },
      hint: 'stop the processes that use the database (the agent), or run the restore as root or as their user, then run it again',
    });
  }
  if (holders.length > 0) {
    throw new AcodeError('ACODE-BAK-010', `${livePath} is damaged and ${holders.length === 1 ? 'another process has' : `${holders.length} other processes have`} it open (pid ${holders.slice(0, 5).join(', ')}); replacing the file under them would lose what they write, so nothing was restored`, {
      context: { file: livePath },
      hint: 'stop the processes that use the database (the agent), then run the restore again',
    });
  }
  const stamp = fileStamp();
  const kept = `${livePath}.damaged-${stamp}`;
  const tmp = tempPathFor(livePath);
  // The damaged copy, like every file, is whole before it has its name: a kill mid-copy must not
  // leave a cut file that claims to be the database kept byte for byte.
  const keptTmp = [tempPathFor(kept), tempPathFor(`${kept}-wal`)];
  // Until its -wal goes, the damaged database is as it was: a failure before then takes the copy
  // back (each retry after a full disk left another, and needed room for two more).
  let touched = false;
  try {
    await removeAbandoned(path.dirname(livePath), tempNamePid);
    await copyFile(livePath, keptTmp[0]!);
    await fsyncFile(keptTmp[0]!);
    if (await exists(`${livePath}-wal`)) {
      await copyFile(`${livePath}-wal`, keptTmp[1]!);
      await fsyncFile(keptTmp[1]!);
      await publishFile(keptTmp[1]!, `${kept}-wal`, false);
    }
    await publishFile(keptTmp[0]!, kept, false);
    await copyFile(file, tmp);
    if (options.wal) await setWalMark(tmp, true);
    options.signal?.throwIfAborted();
    await fsyncFile(tmp);
    // The agent that opens the database may run as another user or group: the new file takes the
    // damaged one's mode and owner (a backup is 0600 and the restorer's). After the sync, which
    // opens it for writing: a 0444 database would refuse that.
    await takeAccessOf(livePath, tmp);
    touched = true;
    for (const companion of ['-wal', '-shm', '-journal']) await rm(`${livePath}${companion}`, { force: true });
    await publishFile(tmp, livePath, true);
    await fsyncDir(path.dirname(livePath));
  } catch (err) {
    // No room is ACODE-BAK-009, as for any restore (exit 3 all the same).
    const coded = toAcodeError(err, 'ACODE-BAK-002', 'the live database is damaged and could not be replaced');
    if (!touched) await removeQuietly(kept, `${kept}-wal`);
    throw new AcodeError(coded.code, coded.detail, {
      cause: err,
      hint: touched
        ? `the damaged database is kept as ${path.basename(kept)}; free space or fix permissions and run the restore again`
        : `the damaged database was left as it was; free space (the restore needs room for a copy of it and of the backup) or fix permissions, and run the restore again`,
    });
  } finally {
    await removeQuietly(tmp);
    for (const f of keptTmp) await removeQuietly(f);
  }
  return { countsChecked: true, setAside: [], damagedCopy: kept };
}

/** Processes that have the database open, and those that may have it but acode cannot see into. */
interface Openers {
  readonly holders: number[];
  /** Processes of other users (not root) that may write the file, whose open files acode may not read. */
  readonly unseen: number[];
}

/**
 * Processes other than this one that have any of `files` open, from /proc (Linux; elsewhere none
 * are found, and the swap goes ahead as before). Files are matched by device and inode, so a
 * process in another mount namespace, which names them by another path, is found too.
 */
async function otherOpeners(files: readonly string[]): Promise<Openers> {
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

/** Gives `file` the permission bits and, where allowed, the owner and group of `model`. */
async function takeAccessOf(model: string, file: string): Promise<void> {
  const info = await stat(model);
  await chmod(file, info.mode & 0o7777);
  // Only root may give a file away; anyone else's restore keeps its own ownership.
  await chown(file, info.uid, info.gid).catch((err: unknown) => {
    if (systemCode(err) !== 'EPERM') throw err;
  });
}

/**
 * With no live database there is nobody to disturb: copy beside it, sync, and link into place.
 * A WAL or rollback journal left by a database that was there before (crashed, then moved away)
 * would be replayed onto the restored file by the next connection: they are moved aside first.
 */
async function restoreAsNewFile(file: string, livePath: string, options: RestoreRunOptions): Promise<string[]> {
  const tmp = tempPathFor(livePath);
  try {
    await ensureDir(path.dirname(livePath));
    // A killed restore's copies beside the database hold every secret in it: the next one removes them.
    await removeAbandoned(path.dirname(livePath), tempNamePid);
    await copyFile(file, tmp);
    if (options.wal) await setWalMark(tmp, true);
    options.signal?.throwIfAborted();
    await fsyncFile(tmp);
    const setAside = await setAsideOrphans(livePath);
    await publishFile(tmp, livePath, false).catch((err: unknown) => {
      throw systemCode(err) === 'EEXIST' ? new AcodeError('ACODE-BAK-002', `${livePath} appeared while restoring; nothing was replaced`) : err;
    });
    return setAside;
  } finally {
    await removeQuietly(tmp);
  }
}

async function restoreIsolated(file: string, target: string, options: RunOptions): Promise<BackupInspection> {
  const db = openSqlite(target, { create: true, role: 'test-restore database' });
  try {
    await replaceContent(db, file, options);
    return inspectOpen(db, 'full');
  } finally {
    db.close();
  }
}
