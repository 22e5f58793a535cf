import { randomBytes } from 'node:crypto';
import type { BackupInspection, RestoreOutcome, RestoreRunOptions } from '../engine.js';
import { AcodeError, describeCause, isAbort } from '../errors.js';
import type { RunOptions } from '../progress.js';
import { connectPg, isMissingDatabase, quotePgIdent, type PgTarget } from './connection.js';
import { PgToolError, runPgTool } from './tools.js';
import { readFacts } from './facts.js';

/**
 * A PostgreSQL restore: pg_restore into the live database in one transaction (created first when
 * it is missing), lock waits watched, and the test restore into a scratch database on the same
 * server, whose leftovers a later test restore drops.
 */

/**
 * pg_restore --clean --single-transaction: the backed-up tables are dropped and recreated with
 * their rows in one transaction, so a failure anywhere leaves the database as it was. Tables the
 * backup does not hold are left alone. Locks held by other sessions make it wait at most
 * `busyTimeoutMs`, then fail as busy.
 */
export async function restore(live: PgTarget, file: string, options: RestoreRunOptions): Promise<RestoreOutcome> {
  let created = false;
  if (!(await liveExists(live))) {
    await createDatabase(live).catch((err: unknown) => {
      if (!isDenied(err)) throw err;
      throw new AcodeError('ACODE-BAK-002', `${live.display} does not exist and the role in database.url may not create it (${describeCause(err)}); nothing was restored`, {
        cause: err,
        hint: 'create the database first (createdb, or CREATE DATABASE as a role that may), or grant this role CREATEDB, then restore again',
      });
    });
    created = true;
  }
  try {
    // The safety backup comes once the watchdog is connected: a restore that cannot start leaves none.
    await pgRestore(live, file, options, ['--clean', '--if-exists'], created ? undefined : options.beforeReplace);
  } catch (err) {
    if (created) await dropDatabase(live).catch(() => undefined);
    throw err;
  }
  return { countsChecked: false, setAside: [] };
}

async function pgRestore(target: PgTarget, file: string, options: RunOptions & { readonly busyTimeoutMs?: number }, extra: readonly string[], before?: () => Promise<void>): Promise<void> {
  const appName = `acode-restore-${randomBytes(6).toString('hex')}`;
  const watchdog = await watchLockWaits(target, appName, options.busyTimeoutMs ?? 5000);
  let replacing = false;
  try {
    await before?.();
    replacing = before !== undefined;
    await runPgTool('pg_restore', {
      args: ['--single-transaction', '--exit-on-error', '--no-owner', '--no-acl', '--verbose', ...extra, `--dbname=${target.dbnameWithApplication(appName)}`, file],
      env: target.childEnv(),
      signal: options.signal,
      onStderrLine: tableProgress(/processing data for table "(.+)"$/, options, 'restore', 'Restoring data'),
    });
  } catch (err) {
    // pg_restore stopped by Ctrl-C may have sent its COMMIT already: the server then applies it.
    // Nobody can tell from here, so nothing may say the database was left as it was.
    if (replacing && isAbort(err)) {
      throw new AcodeError('ACODE-BAK-002', `interrupted while pg_restore was replacing ${target.display}: had it reached its commit, the restore was applied`, {
        cause: err,
        context: { applied: 'unknown' },
        hint: 'look at the database; what it held before is in the safety backup (acode db backup list), and acode db restore of that puts it back',
      });
    }
    if (err instanceof PgToolError && watchdog.cancelled()) {
      throw new AcodeError('ACODE-BAK-010', `another session held a lock on ${target.display} for more than ${watchdog.waitedMs} ms; pg_restore was cancelled and nothing was restored`, { cause: err });
    }
    if (err instanceof PgToolError) throw blockedRestore(err, target) ?? new AcodeError('ACODE-BAK-002', `pg_restore into ${target.display}: ${err.reason}; the transaction was rolled back`, { cause: err });
    throw err;
  } finally {
    await watchdog.stop();
  }
}

/**
 * --clean drops what the backup holds before recreating it; an object made since (a new table's
 * foreign key to a restored table) that depends on one of them stops the drop. The backup is fine:
 * what to change is that object, which the server's DETAIL line names.
 */
function blockedRestore(err: PgToolError, target: PgTarget): AcodeError | null {
  const dropped = /cannot drop (.+?) because other objects depend on it/.exec(err.reason)?.[1];
  if (!dropped) return null;
  const dependent = /DETAIL:\s+(.+?) depends on /.exec(err.reason)?.[1] ?? 'an object the backup does not hold';
  return new AcodeError('ACODE-BAK-002', `pg_restore into ${target.display} cannot replace ${dropped}: ${dependent} depends on it, and the backup does not hold it; the transaction was rolled back`, {
    cause: err,
    hint: `the live database was left as it was and the backup is fine; drop or alter ${dependent} (or what it belongs to), or restore into a new, empty database (another database.url), then restore again`,
  });
}

interface LockWatchdog {
  readonly waitedMs: number;
  cancelled(): boolean;
  stop(): Promise<void>;
}

/**
 * pg_restore's script sets `lock_timeout = 0` itself, so a timeout passed in PGOPTIONS is undone.
 * Instead a second connection watches pg_restore's session (found by its application name) and
 * cancels it once it has waited for a lock longer than `timeoutMs`; its single transaction then
 * rolls back whole. It connects to the target itself (which exists by now): pg_stat_activity
 * shows every database's sessions, and a role may have no CONNECT on `postgres`.
 */
async function watchLockWaits(target: PgTarget, appName: string, timeoutMs: number): Promise<LockWatchdog> {
  const client = await connectPg(target);
  let cancelled = false;
  let polling: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    polling = polling.then(async () => {
      const { rows } = await client.query<{ pid: number; waited: number }>(
        `SELECT pid, extract(epoch FROM now() - state_change) * 1000 AS waited FROM pg_stat_activity
          WHERE application_name = $1 AND wait_event_type = 'Lock'`,
        [appName],
      );
      const stuck = rows.find((r) => r.waited > timeoutMs);
      if (stuck && !cancelled) {
        cancelled = true;
        await client.query('SELECT pg_cancel_backend($1)', [stuck.pid]);
      }
    }).catch(() => undefined);
  }, Math.min(250, Math.max(50, timeoutMs / 4)));
  return {
    waitedMs: timeoutMs,
    cancelled: () => cancelled,
    stop: async () => {
      clearInterval(timer);
      await polling;
      await client.end().catch(() => undefined);
    },
  };
}

/** A scratch database on the same server, restored into, counted and dropped. */
export async function restoreIsolated(live: PgTarget, file: string, options: RunOptions): Promise<BackupInspection> {
  const scratch = live.withDatabase(`${SCRATCH_PREFIX}${Math.floor(Date.now() / 1000)}_${randomBytes(6).toString('hex')}`);
  // From the live database, unless it is not there yet (a backup tried out on a fresh server).
  const from = (await liveExists(live)) ? live : live.withDatabase('postgres');
  await dropAbandonedScratch(from);
  await createDatabase(scratch, from).catch((err: unknown) => {
    if (!isDenied(err)) throw err;
    // The machine's failure, as a missing TMPDIR is for SQLite (ACODE-BAK-015): exit 1, never "verification failed".
    throw new AcodeError('ACODE-DB-007', `the test restore needs a scratch database, and the role in database.url may not create one (${describeCause(err)}); the backup itself was not checked by a restore`, {
      cause: err,
      hint: 'grant the role CREATEDB (ALTER ROLE <name> CREATEDB), run the test restore with a role that has it, or verify without --test-restore',
    });
  });
  let claim: Awaited<ReturnType<typeof connectPg>> | null = null;
  try {
    // A session on the scratch database while it is in use: a plain DROP DATABASE (another run's
    // sweep) is refused while one is connected, and the server ends it when this process dies.
    claim = await connectPg(scratch);
    // A server's idle_session_timeout (PostgreSQL 14+) would end it; older servers have no such setting.
    await claim.query("SELECT set_config('idle_session_timeout', '0', false)").catch(() => undefined);
    await pgRestore(scratch, file, options, []);
    return await inspectLive(scratch);
  } finally {
    await claim?.end().catch(() => undefined);
    await dropDatabase(scratch, from).catch(() => undefined);
  }
}

const SCRATCH_PREFIX = 'acode_test_restore_';
/** A scratch database's name: its creation second (none before it was recorded) and 12 hex digits. */
const SCRATCH_NAME = /^acode_test_restore_(?:(\d{1,12})_)?[0-9a-f]{12}$/;
/** Between its CREATE DATABASE and the claim session a run's scratch database has no session: a young one is left alone. */
const SCRATCH_GRACE_S = 120;

/**
 * Drops the scratch databases of test restores whose process was killed (SIGKILL, the OOM killer,
 * a CI timeout: no finally ran), each a full copy of a database, secrets and all, that nothing else
 * removes. A plain DROP DATABASE refuses one with a session on it, so a run in progress (its claim
 * session, pg_restore) keeps its own; one the role may not drop stays. Never fails the verify.
 */
async function dropAbandonedScratch(from: PgTarget): Promise<void> {
  let names: string[];
  try {
    const client = await connectPg(from);
    try {
      const result = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'acode\\_test\\_restore\\_%'`);
      names = result.rows.map((r) => r.datname);
    } finally {
      await client.end().catch(() => undefined);
    }
  } catch {
    return;
  }
  const now = Date.now() / 1000;
  for (const name of names) {
    const m = SCRATCH_NAME.exec(name);
    if (!m || (m[1] !== undefined && now - Number(m[1]) < SCRATCH_GRACE_S)) continue;
    await onMaintenance(from, `DROP DATABASE IF EXISTS ${quotePgIdent(name)}`).catch(() => undefined);
  }
}

/** insufficient_privilege: the role lacks a right (CREATEDB, CONNECT, SELECT on a table). */
export const isDenied = (err: unknown): boolean => (err as { code?: unknown }).code === '42501';

export async function liveExists(live: PgTarget): Promise<boolean> {
  try {
    const client = await connectPg(live);
    await client.end();
    return true;
  } catch (err) {
    if (isMissingDatabase(err)) return false;
    throw err;
  }
}

/** CREATE/DROP DATABASE run from `from` (another database on the server), by default the maintenance database, `postgres`. */
async function onMaintenance(from: PgTarget, sql: string): Promise<void> {
  const client = await connectPg(from);
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

// template0: whatever was added to template1 (an extension, a table) would clash with the archive's own objects.
// A scratch database is made and dropped from the live one: a role may have no CONNECT on `postgres`.
export const createDatabase = (target: PgTarget, from = target.withDatabase('postgres')): Promise<void> =>
  onMaintenance(from, `CREATE DATABASE ${quotePgIdent(target.database)} TEMPLATE template0`);
export const dropDatabase = (target: PgTarget, from = target.withDatabase('postgres')): Promise<void> =>
  onMaintenance(from, `DROP DATABASE IF EXISTS ${quotePgIdent(target.database)} WITH (FORCE)`);

/** Row counts of the live database's tables (only those named, when `only` is given). */
export async function inspectLive(target: PgTarget, only?: readonly string[]): Promise<BackupInspection> {
  const client = await connectPg(target);
  try {
    const facts = await readFacts(client);
    const tables = facts.tables.filter((t) => !only || only.includes(t.name)).map(({ name, rows: count }) => ({ name, rows: count }));
    return { engineVersion: facts.serverVersion, schemaVersion: facts.schemaVersion, pageSize: 0, pageCount: 0, tables, integrity: { check: 'live_count', ok: true, problems: [] } };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A progress update per table that pg_dump or pg_restore reports on stderr (with --verbose). */
export function tableProgress(pattern: RegExp, options: RunOptions, stage: 'copy' | 'restore', label: string): (line: string) => void {
  let tables = 0;
  return (line) => {
    const m = pattern.exec(line);
    if (m) options.onProgress?.({ stage, phase: 'update', label, table: m[1], pages: ++tables });
  };
}
