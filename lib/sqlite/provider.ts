import { stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BackupInspection, BackupProvider, RestoreOutcome, RestoreRunOptions, SnapshotResult, SourceInfo } from '../engine.js';
import { AcodeError, describeCause, systemCode } from '../errors.js';
import { exists, followLinks } from '../fs-atomic.js';
import type { RunOptions } from '../progress.js';
import { replaceContent } from './copy-content.js';
import { restoreAsNewFile, restoreOverDamaged } from './file-restore.js';
import { databaseFacts, integrityCheck } from './inspect.js';
import { openSqlite, whileBusy, type SqliteDb } from './open.js';
import { setWalMark } from './wal-mark.js';

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


async function restoreIsolated(file: string, target: string, options: RunOptions): Promise<BackupInspection> {
  const db = openSqlite(target, { create: true, role: 'test-restore database' });
  try {
    await replaceContent(db, file, options);
    return inspectOpen(db, 'full');
  } finally {
    db.close();
  }
}
