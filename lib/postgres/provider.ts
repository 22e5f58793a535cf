import type { BackupInspection, BackupProvider, SnapshotOptions, SnapshotResult, SourceInfo } from '../engine.js';
import { AcodeError, describeCause, isAbort } from '../errors.js';
import type { IntegrityResult, TableCount } from '../sqlite/inspect.js';
import { countArchiveRows, readToc, tocHasData } from './archive.js';
import { FACTS_SQL, parseFacts, type SnapshotFacts } from './facts.js';
import { parsePgUrl, pgLockWaitMs, type PgTarget } from './connection.js';
import { openPsql, PgToolError, runPgTool } from './tools.js';
import { formatWait } from '../numbers.js';
import { inspectLive, liveExists, restore, restoreIsolated, tableProgress } from './restore.js';

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
