import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Client, ClientConfig } from 'pg';
import { databaseLabel, passwordMaySpill } from '../database-url.js';
import { AcodeError, describeCause } from '../errors.js';

/**
 * A PostgreSQL connection URL split into what may be shown and what may not. The password goes
 * to child processes in PGPASSWORD and to the client library in memory, never onto a command
 * line (where `ps` shows it) or into a message.
 */
export interface PgTarget {
  /** The URL without its password: safe for manifests, logs and errors. */
  readonly display: string;
  readonly database: string;
  /** The same server, another database (a test restore, or the maintenance database). */
  withDatabase(database: string): PgTarget;
  /** node-postgres's connections to try in turn (sslmode prefer and allow fall back as libpq does). */
  clientConfigs(): ClientConfig[];
  /** `--dbname` for pg_dump/pg_restore: the URL without its password. */
  readonly dbnameArg: string;
  /** The same, naming the session (the URL's own application_name would beat PGAPPNAME). */
  dbnameWithApplication(name: string): string;
  /** Environment for pg_dump/pg_restore: PGPASSWORD when the URL has a password. */
  childEnv(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
}

export function parsePgUrl(url: string): PgTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // `postgres://user:pw@/db?host=/run/postgresql` (libpq's socket form) has credentials but no host, which a URL cannot.
    if (/^postgres(?:ql)?:\/\/[^/]*@\//i.test(url)) {
      throw new AcodeError('ACODE-CFG-005', 'database.url has a user but no host; for a Unix socket write postgresql:///database?host=/run/postgresql&user=NAME (and &password=… if it needs one)');
    }
    throw new AcodeError('ACODE-CFG-005', 'database.url is not a URL; write it as postgresql://user:password@host:5432/database');
  }
  if (parsed.protocol !== 'postgresql:' && parsed.protocol !== 'postgres:') {
    throw new AcodeError('ACODE-CFG-005', `database.url must start with postgresql://, not ${parsed.protocol}//`);
  }
  if (passwordMaySpill(parsed)) {
    throw new AcodeError('ACODE-CFG-005', "database.url (or ACODE_DATABASE_URL) cannot be read as a URL: an unescaped '/', '@', '#' or '?' ends its host part early, as when a password holds them (the URL is not shown: it may hold one)", {
      hint: "write '/' as %2F, '@' as %40, '#' as %23 and '?' as %3F in the password (and the database name): postgresql://user:pa%2Fss@host:5432/database",
    });
  }
  const safe = withoutNodeOnly(databaseLabel({ type: 'postgres', path: '', url }));
  let password: string;
  let database: string;
  try {
    // A password in the query string counts as one (libpq reads it there too).
    password = decodeURIComponent(parsed.password) || (parsed.searchParams.get('password') ?? '');
    database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  } catch {
    throw new AcodeError('ACODE-CFG-005', `database.url has a malformed %-escape: ${safe}`);
  }
  if (!database) throw new AcodeError('ACODE-CFG-005', `database.url names no database: ${safe}`);
  return {
    display: safe,
    database,
    dbnameArg: safe,
    dbnameWithApplication(name) {
      const named = new URL(safe);
      named.searchParams.set('application_name', name);
      return named.toString();
    },
    withDatabase(name) {
      const next = new URL(url);
      next.pathname = `/${encodeURIComponent(name)}`;
      return parsePgUrl(next.toString());
    },
    clientConfigs: () => nodeClientConfigs(url),
    childEnv: (extra = {}) => {
      const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
      // A PGPASSWORD already set applies only when the URL has no password of its own.
      if (password) env['PGPASSWORD'] = password;
      return env;
    },
  };
}

/** A query parameter only node-postgres knows: libpq's tools refuse the whole URL for it. */
const LIBPQ_COMPAT = 'uselibpqcompat';

function withoutNodeOnly(display: string): string {
  if (!display.includes(LIBPQ_COMPAT)) return display;
  const u = new URL(display);
  u.searchParams.delete(LIBPQ_COMPAT);
  return u.toString();
}

/**
 * The URL as node-postgres must read it to do what libpq does with it. pg reads `sslmode=require`
 * as verify-full (and prints a deprecation warning) unless `uselibpqcompat=true` is set, which
 * only pg understands; so it is added here and never reaches pg_dump, pg_restore or psql.
 * libpq's `prefer` falls back to a plain connection when the server has no SSL and `allow` tries
 * a plain one first; pg does neither, so each gives two configurations, tried in turn.
 */
function nodeClientConfigs(url: string, env: NodeJS.ProcessEnv = process.env): ClientConfig[] {
  const base = new URL(url);
  base.searchParams.delete(LIBPQ_COMPAT);
  const params = base.searchParams;
  // pg reads PGSSLMODE as "verify everything" too; libpq's reading of it goes into the URL instead.
  const mode = params.get('sslmode') ?? env['PGSSLMODE'] ?? null;
  if (!params.has('sslrootcert') && env['PGSSLROOTCERT']) params.set('sslrootcert', env['PGSSLROOTCERT']);
  // libpq 16's sslrootcert=system: the system's CAs and verify-full, which is what Node does by default.
  if (params.get('sslrootcert') === 'system') params.delete('sslrootcert');
  // No host anywhere: libpq takes its default Unix socket, pg TCP to localhost, which is another
  // way in (other pg_hba lines), or another server.
  if (!base.hostname && !params.has('host') && !env['PGHOST']) {
    const socketDir = defaultSocketDir();
    if (socketDir) params.set('host', socketDir);
  }
  const as = (sslmode: string | null): ClientConfig => {
    const u = new URL(base);
    if (sslmode) {
      u.searchParams.set('sslmode', sslmode);
      u.searchParams.set(LIBPQ_COMPAT, 'true');
    }
    return { connectionString: u.toString() };
  };
  if (mode === 'prefer') return [as('prefer'), as('disable')];
  if (mode === 'allow') return [as('disable'), as('require')];
  if (mode === 'verify-ca' && !params.has('sslrootcert')) {
    throw new AcodeError('ACODE-DB-005', 'sslmode=verify-ca needs the certificate of the CA that signed the server\'s: add sslrootcert=/path/to/root.crt to database.url (or set PGSSLROOTCERT)');
  }
  return [as(mode)];
}

/** libpq's compiled-in socket folder: Debian's and Red Hat's where it exists, else the upstream default. */
function defaultSocketDir(): string | null {
  for (const dir of ['/var/run/postgresql', '/tmp']) {
    try {
      if (statSync(dir).isDirectory()) return dir;
    } catch {
      // Not here: the next one.
    }
  }
  return null;
}

type PgModule = typeof import('pg');
let pgModule: PgModule | null = null;

/**
 * The `pg` module. When it loads, pg asks whether it runs on Cloudflare Workers: with no
 * `navigator` global (Node 20 has none) it builds a `new Response(…)` to find out, and that first
 * use of the fetch API loads all of undici, ~80 ms. A `navigator` that exists only while pg's
 * modules evaluate answers the question the cheap way; the global is gone again afterwards.
 */
function loadPg(): PgModule {
  if (pgModule) return pgModule;
  const borrowed = !('navigator' in globalThis);
  if (borrowed) Object.defineProperty(globalThis, 'navigator', { value: { userAgent: `Node.js/${process.versions.node}` }, configurable: true });
  try {
    // Loaded synchronously (pg is CommonJS): no other code runs while the navigator is lent.
    pgModule = createRequire(import.meta.url)('pg') as PgModule;
    return pgModule;
  } finally {
    if (borrowed) delete (globalThis as { navigator?: unknown }).navigator;
  }
}

/** Opens a client; a failure to connect is ACODE-DB-005 with the server's reason, never the password. */
export async function connectPg(target: PgTarget): Promise<Client> {
  const pg = loadPg();
  const configs = target.clientConfigs();
  let failure: unknown;
  for (const [i, config] of configs.entries()) {
    let client: Client;
    try {
      // pg reads the URL here: a certificate file it cannot read fails now, not in connect().
      client = new pg.Client(config);
    } catch (err) {
      throw connectionError(err, target);
    }
    // A connection lost while idle (server restart, idle timeout) is emitted, not thrown: without a
    // listener it would crash the process; the next query on the client fails with it instead.
    client.on('error', () => undefined);
    try {
      await client.connect();
      return client;
    } catch (err) {
      await client.end().catch(() => undefined);
      failure = err;
      // The other way in (SSL or not) cannot find a database that does not exist.
      if (isMissingDatabase(err) || i === configs.length - 1) break;
    }
  }
  throw connectionError(failure, target);
}

function connectionError(err: unknown, target: PgTarget): AcodeError {
  const code = (err as { code?: unknown }).code;
  const why = code === '3D000' ? `database "${target.database}" does not exist` : describeCause(err);
  return new AcodeError('ACODE-DB-005', `cannot connect to ${target.display}: ${why}`, { cause: err });
}

/** True when the server says the database does not exist (as opposed to any other failure). */
export function isMissingDatabase(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === '3D000') return true;
  }
  return false;
}

/** Quotes an identifier for SQL. */
export function quotePgIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** How acode names a PostgreSQL table: bare in `public`, `schema.table` elsewhere. */
export function pgTableName(schema: string, table: string): string {
  return schema === 'public' ? table : `${schema}.${table}`;
}

/** How long a backup's or an export's session waits for another session's lock on a table, by default (ms). */
export const PG_LOCK_WAIT_MS = 30_000;

/** A lock wait for PostgreSQL's lock_timeout and pg_dump's --lock-wait-timeout: whole ms, at least 1, at most 2^31-1 (24.8 days), which is its limit. */
export function pgLockWaitMs(ms: number = PG_LOCK_WAIT_MS): number {
  return Math.min(2_147_483_647, Math.max(1, Math.round(ms)));
}
