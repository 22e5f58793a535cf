import { closeSync, openSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { AcodeError, describeCause, systemCode, type ErrorCode } from '../errors.js';

export type SqliteDb = Database.Database;

export interface OpenSqliteOptions {
  readonly readonly?: boolean;
  /** Create the file when missing (import into a new workspace, migrate). */
  readonly create?: boolean;
  /** How long to wait for another connection's lock, in ms. */
  readonly busyTimeoutMs?: number;
  /** Codes for "missing" and "not a database", which differ between a live database and a backup. */
  readonly missingCode?: ErrorCode;
  readonly notDatabaseCode?: ErrorCode;
  /** What the file is, for messages ("database", "backup"). */
  readonly role?: string;
}

/**
 * Opens a SQLite file and proves it is one: a missing file, a folder, or a file that is not a
 * database each get their own code instead of SQLite's generic "unable to open".
 */
export function openSqlite(file: string, options: OpenSqliteOptions = {}): SqliteDb {
  const role = options.role ?? 'database';
  const missing = options.missingCode ?? 'ACODE-DB-001';
  const notDb = options.notDatabaseCode ?? 'ACODE-DB-003';
  let isFile = false;
  try {
    const info = statSync(file);
    if (info.isDirectory()) throw new AcodeError('ACODE-DB-002', `${role} path ${file} is a folder`, { context: { file } });
    isFile = info.isFile();
  } catch (err) {
    if (err instanceof AcodeError) throw err;
    if (systemCode(err) !== 'ENOENT' || !options.create) {
      throw new AcodeError(missing, `no ${role} at ${file}`, { cause: err, context: { file } });
    }
  }
  if (!isFile && !options.create) throw new AcodeError('ACODE-DB-002', `${role} path ${file} is not a regular file`, { context: { file } });
  // A database we create holds the agent's secrets: readable by its owner only, like our backups.
  if (!isFile) {
    try {
      closeSync(openSync(file, 'wx', 0o600));
    } catch (err) {
      throw new AcodeError('ACODE-DB-007', `cannot create ${role} ${file}: ${describeCause(err)}`, { cause: err, context: { file } });
    }
  }
  let db: SqliteDb | undefined;
  try {
    db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: !options.create, timeout: options.busyTimeoutMs ?? 5000 });
    // Reading the schema makes SQLite parse the header: this is where a non-database fails.
    db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get();
    return db;
  } catch (err) {
    db?.close();
    const code = systemCode(err);
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      throw new AcodeError(notDb, `${file} is not a SQLite ${role} (${describeCause(err)})`, { cause: err, context: { file } });
    }
    if (code?.startsWith('SQLITE_BUSY') || code?.startsWith('SQLITE_LOCKED')) {
      throw new AcodeError('ACODE-DB-008', `${file} is locked by another process: ${describeCause(err)}`, { cause: err, context: { file } });
    }
    // The live database only: a backup or an export keeps its own code (BAK-006, IMP-002).
    if (options.notDatabaseCode === undefined && code !== undefined && /^(SQLITE_(READONLY|CANTOPEN|PERM|AUTH)|EACCES|EPERM)/.test(code)) {
      throw new AcodeError('ACODE-DB-007', `cannot open ${role} ${file}: ${describeCause(err)}`, { cause: err, context: { file } });
    }
    throw new AcodeError(notDb, `cannot open ${role} ${file}: ${describeCause(err)}`, { cause: err, context: { file } });
  }
}

/** True for another connection's lock: SQLite's BUSY or LOCKED, or openSqlite's ACODE-DB-008. */
export function isBusyError(err: unknown): boolean {
  const code = systemCode(err) ?? '';
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || (err instanceof AcodeError && err.code === 'ACODE-DB-008');
}

/**
 * Runs `attempt` (with SQLite's own busy wait off) until it no longer meets another process's
 * lock or `timeoutMs` has passed, in short tries with the event loop running between them: Ctrl-C
 * (`signal`) stops the wait, where SQLite's busy wait would block the thread to the end. The last
 * busy error is thrown when time runs out.
 */
export async function whileBusy<T>(attempt: () => T, timeoutMs: number, signal?: AbortSignal): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return attempt();
    } catch (err) {
      if (!isBusyError(err) || Date.now() >= deadline) throw err;
    }
    signal?.throwIfAborted();
    await sleep(Math.min(BUSY_RETRY_MS, Math.max(1, deadline - Date.now())), undefined, { signal });
  }
}

const BUSY_RETRY_MS = 50;

/** Double-quotes an identifier for SQL. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
