import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { fixturesDir } from './paths.js';
import { makeTempDir, removeTempDir } from './temp.js';
import { createWorkspace, type SeededWorkspace } from './workspace.js';

/** The Chinook script: it creates and connects to its own `chinook` database unless filtered (see loadChinook). */
export const chinookSqlPath = path.join(fixturesDir, 'chinook', 'Chinook_PostgreSql.sql');

/** Chinook's tables and row counts, as the PostgreSQL script creates them (the SQLite fixture's too: Track has 3,503). */
export const CHINOOK_COUNTS: Readonly<Record<string, number>> = {
  album: 347,
  artist: 275,
  customer: 59,
  employee: 8,
  genre: 25,
  invoice: 412,
  invoice_line: 2240,
  media_type: 5,
  playlist: 18,
  playlist_track: 8715,
  track: 3503,
};

export interface PgServer {
  /** A TCP URL with the password in it, for `pg` and the libpq tools. */
  url(database?: string): string;
  readonly password: string;
  /** pgBinDir(): psql, pg_dump and pg_restore sit there beside initdb. null without one (an external server). */
  readonly bin: string | null;
  /** Makes a database named `<prefix>_<random hex>` and returns the name. */
  createDatabase(prefix: string): Promise<string>;
  dropDatabase(name: string): Promise<void>;
  query(sql: string, database?: string): Promise<Record<string, unknown>[]>;
  psqlFile(file: string, database: string): Promise<void>;
  loadChinook(database: string): Promise<void>;
}

/** The newest /usr/lib/postgresql/<version>/bin with initdb (Debian keeps it off PATH), else initdb's folder on PATH. */
export function pgBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => isExecutable(path.join(root, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions[0]) return path.join(root, versions[0], 'bin');
  const onPath = (process.env['PATH'] ?? '').split(path.delimiter).map((d) => path.join(d, 'initdb')).find(isExecutable);
  return onPath ? path.dirname(realpathSync(onPath)) : null;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

let shared: Promise<PgServer | null> | undefined;
let cluster: Cluster | undefined;

/**
 * One server per mocha process: ACODE_TEST_PG_URL when set, else a throwaway cluster started on first
 * call. null when there is neither (an Error under CI=true, which must never skip these tests).
 */
export function sharedPostgres(): Promise<PgServer | null> {
  shared ??= openServer();
  return shared;
}

/** The PostgreSQL server, or skips the calling test or hook when there is none. */
export async function requirePostgres(ctx: Mocha.Context): Promise<PgServer> {
  const server = await sharedPostgres();
  if (!server) ctx.skip();
  return server;
}

/** Stops the cluster sharedPostgres started, if any (the root hook in pg-hooks.ts calls this). */
export async function stopSharedPostgres(): Promise<void> {
  const c = cluster;
  // Parallel mode runs root hooks once per file, so a later call must start a fresh cluster.
  cluster = undefined;
  shared = undefined;
  await c?.stop();
}

export interface OwnPostgres extends PgServer {
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** ssl=on with a self-signed certificate made for the run (plain connections still work). */
  readonly ssl?: boolean;
  /** Where the server's Unix socket goes; default the cluster's own folder. */
  readonly socketDir?: string;
}

/**
 * A cluster of the caller's own, beside the shared one, for server settings the other tests must
 * not see; null without initdb. The caller stops it.
 */
export async function startOwnPostgres(options: ClusterOptions): Promise<OwnPostgres | null> {
  const bin = pgBinDir();
  if (!bin) {
    if (process.env['CI'] === 'true') throw new Error('PostgreSQL is missing: no initdb under /usr/lib/postgresql/*/bin or on PATH');
    return null;
  }
  const own = await Cluster.start(bin, options);
  return { ...makeServer(new URL(`postgresql://postgres:${encodeURIComponent(own.password)}@127.0.0.1:${own.port}/postgres`), bin), stop: () => own.stop() };
}

async function openServer(): Promise<PgServer | null> {
  const bin = pgBinDir();
  const given = process.env['ACODE_TEST_PG_URL'];
  if (given) return makeServer(new URL(given), bin);
  if (!bin) {
    if (process.env['CI'] === 'true') {
      throw new Error('PostgreSQL is missing: no initdb under /usr/lib/postgresql/*/bin or on PATH and no ACODE_TEST_PG_URL; CI must not skip the PostgreSQL tests');
    }
    return null;
  }
  cluster = await Cluster.start(bin);
  return makeServer(new URL(`postgresql://postgres:${encodeURIComponent(cluster.password)}@127.0.0.1:${cluster.port}/postgres`), bin);
}

function makeServer(base: URL, bin: string | null): PgServer {
  const url = (database = 'postgres', withPassword = true): string => {
    const u = new URL(base);
    u.pathname = `/${encodeURIComponent(database)}`;
    if (!withPassword) u.password = '';
    return u.href;
  };
  const password = decodeURIComponent(base.password);
  const psql = (database: string, args: string[], input?: string): Promise<void> =>
    run(bin ? path.join(bin, 'psql') : 'psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-q', ...args, '-d', url(database, false)], {
      env: { ...cleanEnv(), PGPASSWORD: password, PGCLIENTENCODING: 'UTF8', PGOPTIONS: '-c client_min_messages=warning' },
      input,
    });
  const server: PgServer = {
    url: (database) => url(database),
    password,
    bin,
    async query(sql, database) {
      const client = new pg.Client({ connectionString: url(database) });
      await client.connect();
      try {
        const result: pg.QueryResult | pg.QueryResult[] = await client.query(sql);
        // A multi-statement string answers with one result per statement; the last one's rows are wanted.
        return (Array.isArray(result) ? result.at(-1)?.rows ?? [] : result.rows) as Record<string, unknown>[];
      } finally {
        await client.end();
      }
    },
    async createDatabase(prefix) {
      const name = `${prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 50)}_${randomBytes(4).toString('hex')}`;
      await server.query(`CREATE DATABASE ${quoteIdent(name)}`);
      return name;
    },
    async dropDatabase(name) {
      // FORCE: a test that failed half-way may still hold a connection.
      await server.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    },
    psqlFile: (file, database) => psql(database, ['-f', file]),
    async loadChinook(database) {
      // Blank out the script's own DROP/CREATE DATABASE and `\c chinook` rather than delete them,
      // so psql's error line numbers still match the file.
      const sql = (await readFile(chinookSqlPath, 'utf8')).replace(/^(DROP DATABASE|CREATE DATABASE|\\c)\b.*$/gim, '');
      await psql(database, ['-f', '-'], sql);
    },
  };
  return server;
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** The environment without PG* variables, which would otherwise steer libpq and the server tools. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));
}

function run(cmd: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { env: options.env ?? cleanEnv(), cwd: options.cwd, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(cmd)} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`.trim(), { cause: err }));
      else resolve();
    });
    child.stdin?.end(options.input);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** A cluster in a temp folder, run as the `postgres` user when we are root (initdb and postgres refuse root). */
class Cluster {
  readonly #asRoot = process.getuid?.() === 0;
  readonly #watchdog: ChildProcess;
  #stopped = false;
  port = 0;

  private constructor(
    readonly bin: string,
    readonly dir: string,
    readonly password: string,
  ) {
    // A detached helper that stops the cluster when our end of its stdin closes, which the kernel
    // does however this process dies; SIGINT and SIGKILL skip 'exit' handlers.
    this.#watchdog = spawn(process.execPath, ['-e', WATCHDOG, dir, ...this.#stopCommand()], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      env: cleanEnv(),
    });
    this.#watchdog.unref();
    (this.#watchdog.stdin as net.Socket).unref();
    process.on('exit', this.#stopSync);
  }

  static async start(bin: string, options: ClusterOptions = {}): Promise<Cluster> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acode-pg-'));
    const c = new Cluster(bin, dir, randomBytes(18).toString('base64url'));
    try {
      await c.#init();
      const settings = options.ssl ? await c.#makeCertificate() : '';
      for (let attempt = 1; ; attempt++) {
        c.port = await freePort();
        try {
          await c.#runAsOwner(c.#tool('pg_ctl'), ['start', '-w', '-D', c.#data, '-l', c.#log, '-o', `-p ${c.port} -k '${options.socketDir ?? dir}' -c listen_addresses=127.0.0.1 -c fsync=off${settings}`]);
          return c;
        } catch (err) {
          const log = await readFile(c.#log, 'utf8').catch(() => '');
          // Another process may take the port between the probe closing it and postgres binding it.
          if (attempt < 3 && log.includes('Address already in use')) continue;
          throw new Error(`${(err as Error).message}\nserver log:\n${log}`, { cause: err });
        }
      }
    } catch (err) {
      await c.stop();
      throw err;
    }
  }

  get #data(): string {
    return path.join(this.dir, 'data');
  }

  get #log(): string {
    return path.join(this.dir, 'server.log');
  }

  async #init(): Promise<void> {
    const pwfile = path.join(this.dir, 'pwfile');
    await writeFile(pwfile, `${this.password}\n`, { mode: 0o600 });
    if (this.#asRoot) {
      const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' })));
      await chown(this.dir, uid!, gid!);
      await chown(pwfile, uid!, gid!);
      // mkdtemp's folder is 0700 and now theirs, but every folder above it must let them through too.
      await this.#runAsOwner('test', ['-w', this.dir]).catch((err: unknown) => {
        throw new Error(`the postgres user cannot reach ${this.dir}; point TMPDIR at a folder it can`, { cause: err });
      });
    }
    await this.#runAsOwner(this.#tool('initdb'), ['-D', this.#data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`, '--no-sync', '--encoding=UTF8', '--locale=C']);
    await rm(pwfile);
  }

  /** A self-signed certificate for CN=localhost, made by the cluster's owner (the server refuses a key others can read). */
  async #makeCertificate(): Promise<string> {
    const [crt, key] = ['server.crt', 'server.key'].map((f) => path.join(this.dir, f));
    await this.#runAsOwner('openssl', ['req', '-new', '-x509', '-days', '2', '-nodes', '-newkey', 'rsa:2048', '-subj', '/CN=localhost', '-keyout', key!, '-out', crt!]);
    await this.#runAsOwner('chmod', ['600', key!]);
    return ` -c ssl=on -c ssl_cert_file='${crt}' -c ssl_key_file='${key}'`;
  }

  #tool(name: string): string {
    return path.join(this.bin, name);
  }

  /** argv that runs `file` as the cluster's owner: through runuser when we are root. */
  #argv(file: string, args: string[]): [string, ...string[]] {
    return this.#asRoot ? ['runuser', '-u', 'postgres', '--', file, ...args] : [file, ...args];
  }

  #stopCommand(): [string, ...string[]] {
    return this.#argv(this.#tool('pg_ctl'), ['stop', '-m', 'immediate', '-w', '-D', this.#data]);
  }

  #runAsOwner(file: string, args: string[]): Promise<void> {
    const [cmd, ...rest] = this.#argv(file, args);
    // cwd: the postgres user may not be allowed into ours.
    return run(cmd, rest, { cwd: this.dir });
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    process.off('exit', this.#stopSync);
    try {
      if (existsSync(path.join(this.#data, 'postmaster.pid'))) {
        const [cmd, ...args] = this.#stopCommand();
        await run(cmd, args, { cwd: this.dir });
      }
    } finally {
      await rm(this.dir, { recursive: true, force: true });
      this.#watchdog.stdin?.end();
    }
  }

  readonly #stopSync = (): void => {
    if (this.#stopped) return;
    this.#stopped = true;
    const [cmd, ...args] = this.#stopCommand();
    try {
      execFileSync(cmd, args, { cwd: this.dir, env: cleanEnv(), stdio: 'ignore' });
    } catch {
      // Not running (start failed half-way); the folder still goes.
    }
    rmSync(this.dir, { recursive: true, force: true });
  };
}

// CommonJS, run by `node -e`: argv is [node, dir, ...stop command].
const WATCHDOG = `
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const [, dir, cmd, ...args] = process.argv;
process.stdin.on('data', () => {}).on('close', () => {
  if (!fs.existsSync(dir)) return;
  try { execFileSync(cmd, args, { cwd: dir, stdio: 'ignore' }); } catch {}
  fs.rmSync(dir, { recursive: true, force: true });
});
`;

/** What usePgWorkspace gives a describe block once its hooks have run. */
export interface PgWorkspace {
  readonly pg: PgServer;
  /** The block's own database on the shared server. */
  readonly database: string;
  /** A workspace whose config points at that database. */
  readonly ws: SeededWorkspace;
  /** A fresh output folder for each test. */
  readonly out: string;
}

/**
 * Registers the hooks of a describe block that exports from PostgreSQL: a database of its own
 * (`prefix_<hex>`, prepared by `setup`), a workspace pointing at it, and an output folder per
 * test; all removed after. Read the fields inside hooks and tests, once `before` has run.
 */
export function usePgWorkspace(prefix: string, setup: (pg: PgServer, database: string) => Promise<void> = async () => {}): PgWorkspace {
  const state: { pg?: PgServer; database?: string; ws?: SeededWorkspace; out?: string } = {};
  before(async function () {
    state.pg = await requirePostgres(this);
    state.database = await state.pg.createDatabase(prefix);
    await setup(state.pg, state.database);
    state.ws = await createWorkspace({ database: 'none', config: `database:\n  type: postgres\n  url: ${state.pg.url(state.database)}\n` });
  });
  after(async () => {
    if (state.pg && state.database) await state.pg.dropDatabase(state.database);
    await removeTempDir(state.ws?.dir);
  });
  beforeEach(async () => {
    state.out = await makeTempDir(prefix);
  });
  afterEach(() => removeTempDir(state.out));
  return {
    get pg() {
      return state.pg!;
    },
    get database() {
      return state.database!;
    },
    get ws() {
      return state.ws!;
    },
    get out() {
      return state.out!;
    },
  };
}

/** Resolves once a session of `database` waits for a lock; throws after 10 s. */
export async function untilWaitingOnLock(server: PgServer, database: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const rows = await server.query(`SELECT 1 FROM pg_stat_activity WHERE datname = '${database}' AND wait_event_type = 'Lock'`);
    if (rows.length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no session of ${database} waited for a lock`);
}

/**
 * The queries of the sessions on `database` other than the asking one, once at most `expected`
 * are left (a closed session's backend leaves within moments; one still waiting does not), or
 * after 2 s as they are.
 */
export async function sessionsLeft(server: PgServer, database: string, expected: number): Promise<unknown[]> {
  const now = async (): Promise<unknown[]> => (await server.query(`SELECT query FROM pg_stat_activity WHERE datname = '${database}' AND pid <> pg_backend_pid()`)).map((r) => r.query);
  let left = await now();
  for (let i = 0; i < 40 && left.length > expected; i++) left = await new Promise((resolve) => setTimeout(resolve, 50)).then(now);
  return left;
}
