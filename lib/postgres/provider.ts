import { randomBytes } from 'node:crypto';
import type { BackupInspection, BackupProvider, RestoreOutcome, RestoreRunOptions, SnapshotOptions, SnapshotResult, SourceInfo } from '../engine.js';
import { AcodeError, describeCause, isAbort } from '../errors.js';
import type { RunOptions } from '../progress.js';
import type { IntegrityResult, TableCount } from '../sqlite/inspect.js';
import { countArchiveRows, readToc, tocHasData } from './archive.js';
import { FACTS_SQL, parseFacts, readFacts, type SnapshotFacts } from './facts.js';
import { connectPg, isMissingDatabase, parsePgUrl, pgLockWaitMs, quotePgIdent, type PgTarget } from './connection.js';
import { openPsql, PgToolError, runPgTool } from './tools.js';
import { formatWait } from '../numbers.js';

/**
 * PostgreSQL through its own tools: pg_dump's custom format (compressed by pg_dump) is the
 * backup, pg_restore reads it back. acode adds the snapshot-exact row counts, the checksum and
 * the manifest around them.
 */
export function createPostgresBackupProvider(url: string | null): BackupProvider {
  // Without a URL only what needs no server works: checking an archive (verify on another machine).
  const parsed = url ? parsePgUrl(url) : null;
  const server = (): PgTarget => {
    if (parsed) return parsed;
    throw new AcodeError('ACODE-CFG-005', 'this needs the PostgreSQL server, and no database.url (or ACODE_DATABASE_URL) is set', {
      hint: 'set database.url: postgresql://user:password@host:5432/database',
    });
  };
  // Row counts taken in the dump's own snapshot, per file, until seal() turns them into facts.
  const counted = new Map<string, SnapshotFacts>();
  return {
    type: 'postgres',
    target: parsed?.display ?? '(no database.url)',
    describeSource: async () => describeSource(server()),
    snapshot: async (target, options) => {
      const facts = await snapshot(server(), target, options);
      counted.set(target, facts);
      return { pages: 0, restarts: 0, detail: `${facts.tables.length} tables` } satisfies SnapshotResult;
    },
    seal: async (file, check) => {
      const facts = counted.get(file);
      counted.delete(file);
      if (!facts) throw new Error(`seal(${file}) without a snapshot of it`);
      return seal(server(), file, facts, check);
    },
    inspect: (file) => inspectArchive(parsed?.childEnv() ?? process.env, file),
    inspectLive: async (only) => inspectLive(server(), only),
    restore: async (file, options) => restore(server(), file, options),
    restoreIsolated: async (file, _target, options) => restoreIsolated(server(), file, options),
    liveExists: async () => liveExists(server()),
  };
}

/**
 * Names the source without a round trip: the connection is made by snapshot() (its failures are
 * ACODE-DB-005 there, before anything is kept), and a PostgreSQL backup has no use for the size.
 */
function describeSource(live: PgTarget): SourceInfo {
  return { type: 'postgres', location: live.display, size: null };
}

/** psql's own words for a failed connection ("password authentication failed for user …") as ACODE-DB-005. */
function psqlFailure(err: unknown, live: PgTarget): unknown {
  if (!(err instanceof PgToolError)) return err;
  // A refused or failed connection, a host that does not resolve, a connection option libpq rejects.
  const refused = /connection to server .*? failed: (?:FATAL: *)?(.*)$|((?:could not translate host name|invalid (?:\w+ )?value|invalid connection option|invalid (?:URI|integer value)).*)$/.exec(err.reason);
  if (refused) return new AcodeError('ACODE-DB-005', `cannot connect to ${live.display}: ${refused[1] ?? refused[2]}`, { cause: err });
  return new AcodeError('ACODE-BAK-001', `psql on ${live.display}: ${err.reason}`, { cause: err, hint: backupHint(err.reason) });
}

/** What to do about a failed pg_dump or psql, from its own words; undefined for the default (disk space, permissions). */
function backupHint(reason: string): string | undefined {
  if (/server version mismatch/.test(reason)) {
    return 'install a pg_dump as new as the server or newer (Debian: apt-get install postgresql-client-<server version>) or point ACODE_PG_BIN at it, then run the backup again';
  }
  // pg_dump refuses a table whose policies would hide rows from it (it sets row_security off).
  if (/row-level security/.test(reason)) {
    return "back up as the table owners' role (unless a table has FORCE ROW LEVEL SECURITY, which binds its owner too) or a role with BYPASSRLS (ALTER ROLE <name> BYPASSRLS), then run the backup again";
  }
  if (/permission denied for/.test(reason)) return 'back up as a role that may read every table (the database owner, or one granted pg_read_all_data or SELECT on each), then run the backup again';
  if (/server closed the connection unexpectedly|terminating connection|connection to server was lost/.test(reason)) {
    return 'the server ended the connection (it stopped, crashed or restarted, or the session was terminated): check that it is running and its log, then run the backup again';
  }
  return undefined;
}

/**
 * zlib levels for pg_dump. Its default (6) makes compression most of a dump's time: level 1 dumps
 * the bench workspace in 0.5 s instead of 0.9 s, into a file 1.6× as large (4.5 MB against 2.8 MB;
 * 75 MB uncompressed). `--compress` / `backup.compress` asks for the default's smaller file.
 */
const FAST_COMPRESSION = 1;
const HARD_COMPRESSION = 6;

/**
 * pg_dump in a snapshot acode exported: the row counts taken in that same snapshot are exactly the
 * rows the dump holds, whatever other sessions write meanwhile. pg_dump starts as soon as the
 * snapshot has its id; the counts are taken in the same transaction while it runs (counting every
 * table is ~15 ms on the bench workspace and grows with the database).
 */
async function snapshot(live: PgTarget, target: string, options: SnapshotOptions): Promise<SnapshotFacts> {
  const waitMs = pgLockWaitMs(options.busyTimeoutMs);
  const psql = openPsql(live, options.signal);
  let counted: Promise<SnapshotFacts>;
  let countFailure: unknown = null;
  let id: string;
  try {
    // The count waits for a table's lock at most waitMs (pg_dump likewise, --lock-wait-timeout):
    // a session holding one in an open transaction would otherwise hold the backup for ever. The
    // database's own statement and idle timeouts must not end a snapshot pg_dump is still reading.
    psql.send(`SET lock_timeout = ${waitMs};\nSET statement_timeout = 0;\nSET idle_in_transaction_session_timeout = 0;\n`);
    psql.send('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;\nSELECT pg_export_snapshot();\n');
    [id] = (await psql.fields(1)) as [string];
    psql.send(`SELECT facts.* FROM (${FACTS_SQL}) AS facts;\n`);
    counted = psql.fields(3).then(parseFacts);
    // Awaited once pg_dump is done; a failure meanwhile must not go unobserved, and is the cause
    // to report if pg_dump fails too (psql gone, the exported snapshot went with it).
    counted.catch((err: unknown) => {
      countFailure ??= err;
    });
  } catch (err) {
    await psql.close().catch(() => undefined);
    throw busyBackup(err, live, waitMs) ?? psqlFailure(err, live);
  }
  let facts: SnapshotFacts;
  try {
    await runPgTool('pg_dump', {
      args: ['--format=custom', `--compress=${options.compress ? HARD_COMPRESSION : FAST_COMPRESSION}`, `--snapshot=${id}`, `--lock-wait-timeout=${waitMs}`, '--verbose', `--file=${target}`, `--dbname=${live.dbnameArg}`],
      env: live.childEnv(),
      signal: options.signal,
      onStderrLine: tableProgress(/dumping contents of table "(.+)"$/, options, 'copy', 'Copying data'),
    });
    facts = await counted.catch((err: unknown) => {
      throw busyBackup(err, live, waitMs) ?? psqlFailure(err, live);
    });
  } catch (err) {
    if (countFailure !== null && err instanceof PgToolError) throw busyBackup(countFailure, live, waitMs) ?? psqlFailure(countFailure, live);
    const busy = busyBackup(err, live, waitMs);
    if (busy) throw busy;
    throw err instanceof PgToolError ? new AcodeError('ACODE-BAK-001', `pg_dump of ${live.display}: ${err.reason}`, { cause: err, hint: backupHint(err.reason) }) : err;
  } finally {
    // The exported snapshot lives as long as this transaction: it ends only once pg_dump has.
    await psql.close('COMMIT;\n').catch(() => undefined);
  }
  return facts;
}

/**
 * A count or pg_dump that gave up waiting for a table's lock (lock_timeout in the count;
 * pg_dump's --lock-wait-timeout is a statement_timeout around its LOCK TABLE): the backup's busy
 * failure, which a restore reports as ACODE-BAK-010. null for any other failure.
 */
function busyBackup(err: unknown, live: PgTarget, waitMs: number): AcodeError | null {
  if (!(err instanceof PgToolError)) return null;
  const lockWait = /canceling statement due to lock timeout/.test(err.reason) || (/canceling statement due to statement timeout/.test(err.reason) && /LOCK TABLE/.test(err.reason));
  if (!lockWait) return null;
  return new AcodeError('ACODE-BAK-001', `another session held a lock on ${live.display} for more than ${formatWait(waitMs)}; no backup was made (${err.reason})`, {
    cause: err,
    context: { busy: true, waitedMs: waitMs },
    hint: 'another process holds a lock on the database: wait for it to finish (or stop it), then run the backup again',
  });
}


/**
 * Checks the finished archive. quick: pg_restore reads its table of contents and every counted
 * table has a data entry there. full: every row is read back and the counts must equal the
 * snapshot's.
 */
async function seal(live: PgTarget, file: string, facts: SnapshotFacts, check: 'none' | 'quick' | 'full'): Promise<BackupInspection> {
  const tables = facts.tables.map(({ name, rows }) => ({ name, rows }));
  let integrity: IntegrityResult | null = null;
  if (check !== 'none') {
    const toc = await readToc(file, live.childEnv()).catch((err: unknown) => {
      throw new AcodeError('ACODE-BAK-001', `pg_dump wrote an archive pg_restore cannot read: ${describeCause(err)}`, { cause: err });
    });
    const problems = facts.tables.filter((t) => !tocHasData(toc, t.oid)).map((t) => `no data entry for ${t.name}`);
    if (check === 'full' && problems.length === 0) problems.push(...countProblems(tables, await countArchiveRows(file, live.childEnv())));
    integrity = { check: check === 'full' ? 'archive_rows' : 'archive_toc', ok: problems.length === 0, problems };
    if (!integrity.ok) throw new AcodeError('ACODE-DB-004', `the new archive fails its ${integrity.check} check: ${problems[0]}`);
  }
  return { engineVersion: facts.serverVersion, schemaVersion: facts.schemaVersion, pageSize: 0, pageCount: 0, tables, integrity };
}

function countProblems(expected: readonly TableCount[], got: readonly TableCount[]): string[] {
  const seen = new Map(got.map((t) => [t.name, t.rows]));
  return expected.filter((t) => (seen.get(t.name) ?? 0) !== t.rows).map((t) => `${t.name} holds ${seen.get(t.name) ?? 0} rows, the snapshot counted ${t.rows}`);
}

/**
 * A backup file on its own, no server needed: its table of contents, then every row read back.
 * A damaged or truncated archive fails in pg_restore: that is an invalid backup.
 */
async function inspectArchive(env: NodeJS.ProcessEnv, file: string): Promise<BackupInspection> {
  try {
    const toc = await readToc(file, env);
    const tables = await countArchiveRows(file, env);
    return { engineVersion: toc.serverVersion, schemaVersion: null, pageSize: 0, pageCount: 0, tables, integrity: { check: 'archive_rows', ok: true, problems: [] } };
  } catch (err) {
    if (err instanceof AcodeError && err.code === 'ACODE-DB-006') throw err;
    if (isAbort(err)) throw err;
    // An archive from a newer pg_dump than this pg_restore: the client is too old, the backup is fine.
    if (err instanceof PgToolError && /unsupported version \([\d.]+\) in file header/.test(err.reason)) {
      throw new AcodeError('ACODE-DB-006', `pg_restore cannot read ${file}: ${err.reason} (a newer pg_dump wrote it)`, {
        cause: err,
        hint: 'install the PostgreSQL client of the server version the backup came from, or newer (Debian: apt-get install postgresql-client-<version>), or point ACODE_PG_BIN at it',
      });
    }
    return { engineVersion: '', schemaVersion: null, pageSize: 0, pageCount: 0, tables: [], integrity: { check: 'archive_rows', ok: false, problems: [describeCause(err)] } };
  }
}

/** Row counts of the live database's tables (only those named, when `only` is given). */
async function inspectLive(target: PgTarget, only?: readonly string[]): Promise<BackupInspection> {
  const client = await connectPg(target);
  try {
    const facts = await readFacts(client);
    const tables = facts.tables.filter((t) => !only || only.includes(t.name)).map(({ name, rows: count }) => ({ name, rows: count }));
    return { engineVersion: facts.serverVersion, schemaVersion: facts.schemaVersion, pageSize: 0, pageCount: 0, tables, integrity: { check: 'live_count', ok: true, problems: [] } };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * pg_restore --clean --single-transaction: the backed-up tables are dropped and recreated with
 * their rows in one transaction, so a failure anywhere leaves the database as it was. Tables the
 * backup does not hold are left alone. Locks held by other sessions make it wait at most
 * `busyTimeoutMs`, then fail as busy.
 */
async function restore(live: PgTarget, file: string, options: RestoreRunOptions): Promise<RestoreOutcome> {
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

/** A progress update per table that pg_dump or pg_restore reports on stderr (with --verbose). */
function tableProgress(pattern: RegExp, options: RunOptions, stage: 'copy' | 'restore', label: string): (line: string) => void {
  let tables = 0;
  return (line) => {
    const m = pattern.exec(line);
    if (m) options.onProgress?.({ stage, phase: 'update', label, table: m[1], pages: ++tables });
  };
}

/** A scratch database on the same server, restored into, counted and dropped. */
async function restoreIsolated(live: PgTarget, file: string, options: RunOptions): Promise<BackupInspection> {
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
const isDenied = (err: unknown): boolean => (err as { code?: unknown }).code === '42501';

async function liveExists(live: PgTarget): Promise<boolean> {
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
const createDatabase = (target: PgTarget, from = target.withDatabase('postgres')): Promise<void> =>
  onMaintenance(from, `CREATE DATABASE ${quotePgIdent(target.database)} TEMPLATE template0`);
const dropDatabase = (target: PgTarget, from = target.withDatabase('postgres')): Promise<void> =>
  onMaintenance(from, `DROP DATABASE IF EXISTS ${quotePgIdent(target.database)} WITH (FORCE)`);
