import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { AcodeConfig } from '../../lib/config.js';
import { loadConfig } from '../../lib/config.js';
import { exportDatabase } from '../../lib/export.js';
import { importExport } from '../../lib/import.js';
import { migrate } from '../../lib/migrate.js';
import { WORKSPACE_MIGRATIONS, type Migration } from '../../lib/migrations.js';
import { verifyBackup } from '../../lib/verify.js';
import { failure } from '../support/failure.js';
import { requirePostgres, untilWaitingOnLock, type PgServer } from '../support/postgres.js';
import { listDir, removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const NOW = new Date('2024-01-20T14:30:45Z');
const NAMES = WORKSPACE_MIGRATIONS.map((m) => ({ version: m.version, name: m.name }));

describe('integration: migrate a PostgreSQL workspace', function () {
  let server: PgServer;
  let ws: SeededWorkspace;
  const made: string[] = [];
  const fresh = (): string => {
    const name = `acode_mig_${randomBytes(4).toString('hex')}`;
    made.push(name);
    return name;
  };
  const configFor = (database: string, url = server.url(database)): Promise<AcodeConfig> => loadConfig({ workspace: ws.dir, env: { ACODE_DATABASE_URL: url } });
  const versions = async (database: string): Promise<unknown[]> => (await server.query('SELECT version::int AS v, name FROM schema_version ORDER BY version', database)).map((r) => [r.v, r.name]);
  const exists = async (relation: string, database: string): Promise<boolean> => (await server.query(`SELECT to_regclass('${relation}') IS NOT NULL AS e`, database))[0]!.e as boolean;
  /** A database at version 1, one chat in it. */
  const atVersionOne = async (): Promise<string> => {
    const database = fresh();
    await migrate({ config: await configFor(database), migrations: WORKSPACE_MIGRATIONS.slice(0, 1) });
    await server.query("INSERT INTO conv_chats VALUES ('c1', 'first', NULL, '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')", database);
    return database;
  };

  before(async function () {
    server = await requirePostgres(this);
  });
  beforeEach(async () => {
    ws = await createWorkspace({ database: 'none', config: 'database:\n  type: postgres\n' });
  });
  afterEach(async () => {
    for (const name of made.splice(0)) await server.dropDatabase(name);
    await removeTempDir(ws.dir);
  });

  it('creates a missing database at the latest version, with the columns SQLite has and the same keys, checks and cascades; a second run has nothing to do', async () => {
    const database = fresh();
    const config = await configFor(database);
    const result = await migrate({ config, now: () => NOW });
    expect(result).to.deep.include({ created: true, from: 0, to: 3, applied: NAMES, backup: null });
    expect(result.database).to.equal(server.url(database).replace(`:${encodeURIComponent(server.password)}@`, '@'));
    expect(await versions(database)).to.deep.equal(NAMES.map((m) => [m.version, m.name]));
    const sqlite = new Database(':memory:');
    for (const m of WORKSPACE_MIGRATIONS) sqlite.exec(m.sql);
    const tables = sqlite.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name").pluck().all() as string[];
    expect(tables).to.have.lengthOf(7);
    for (const table of tables) {
      const want = (sqlite.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
      const got = (await server.query(`SELECT column_name AS n FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '${table}' ORDER BY ordinal_position`, database)).map((c) => c.n);
      expect(got, table).to.deep.equal(want);
    }
    sqlite.close();
    // Keys numbered by the database, checks, cascades: as the SQLite schema behaves.
    await server.query(
      `INSERT INTO conv_chats VALUES ('c1', 't', NULL, 'x', 'x');
       INSERT INTO conv_runs (id, chat_id, model, status, created_at) VALUES ('r1', 'c1', 'm', 'running', 'x');
       INSERT INTO conv_messages (run_id, seq, role, content, created_at) VALUES ('r1', 1, 'user', 'hi', 'x'), ('r1', 2, 'assistant', 'yo', 'x')`,
      database,
    );
    expect(await server.query('SELECT m.id::int, input_tokens::int FROM conv_messages m JOIN conv_runs r ON r.id = m.run_id ORDER BY 1', database)).to.deep.equal([
      { id: 1, input_tokens: 0 },
      { id: 2, input_tokens: 0 },
    ]);
    const bad = await server.query("INSERT INTO conv_runs (id, chat_id, model, status, created_at) VALUES ('r2', 'c1', 'm', 'bogus', 'x')", database).then(() => null, (err: { code?: string }) => err.code);
    expect(bad, 'the status check').to.equal('23514');
    await server.query("DELETE FROM conv_chats WHERE id = 'c1'", database);
    expect(await server.query('SELECT count(*)::int AS n FROM conv_messages', database)).to.deep.equal([{ n: 0 }]);
    const again = await migrate({ config });
    expect(again).to.deep.include({ created: false, from: 3, to: 3, applied: [], backup: null });
    expect(await listDir(ws.backups).catch(() => [])).to.deep.equal([]);
  });

  it('from version 1: a pg_dump backup of version 1 first, then 2 and 3, then rotation', async () => {
    const database = await atVersionOne();
    const events: string[] = [];
    const result = await migrate({ config: await configFor(database), now: () => NOW, onProgress: (e) => e.phase === 'end' && events.push(`${e.stage} ${e.label}`) });
    expect(result).to.deep.include({ created: false, from: 1, to: 3, applied: NAMES.slice(1) });
    expect(result.backup!.name).to.equal('acode_backup_20240120_143045_pre_migration.dump');
    expect(events.slice(0, 3)).to.deep.equal(['safety-backup Pre-migration backup', 'migrate 002_sessions_approvals', 'migrate 003_settings_credentials']);
    expect(events[3]).to.equal('rotate Old backups rotated');
    const verified = await verifyBackup({ config: await configFor(database), file: result.backup!.path });
    expect(verified.valid).to.equal(true);
    expect(verified.manifest.tables.map((t) => [t.name, t.rows])).to.deep.equal([
      ['conv_chats', 1],
      ['conv_messages', 0],
      ['conv_runs', 0],
      ['schema_version', 1],
    ]);
    expect(await versions(database)).to.deep.equal(NAMES.map((m) => [m.version, m.name]));
  });

  it("a session cut while the pre-migration backup runs (idle_session_timeout, a restart, a firewall): the migrations run on a new one", async () => {
    const database = await atVersionOne();
    let cut: Promise<unknown[]> | null = null;
    const result = await migrate({
      config: await configFor(database),
      now: () => NOW,
      onProgress: (e) => {
        // The migrate's own session, idle while pg_dump works: the last thing it asked was whether it may create tables.
        if (e.stage === 'safety-backup' && e.phase === 'start') {
          cut = server.query(`SELECT pg_terminate_backend(pid) AS t FROM pg_stat_activity WHERE datname = '${database}' AND query LIKE '%has_schema_privilege%' AND pid <> pg_backend_pid()`);
        }
      },
    });
    // On the code before this cut the session the migrations then ran on; now it is closed before the backup.
    expect(cut).to.not.equal(null);
    await cut;
    expect(result).to.deep.include({ from: 1, to: 3, applied: NAMES.slice(1) });
    expect(result.backup!.name).to.equal('acode_backup_20240120_143045_pre_migration.dump');
    expect(await versions(database)).to.deep.equal(NAMES.map((m) => [m.version, m.name]));
  });

  it('a failing migration takes the run back whole: the error names it and the migrations rolled back with it; the version is as before', async () => {
    const database = await atVersionOne();
    const broken: Migration = { version: 4, name: '004_broken', sql: '', postgres: 'CREATE TABLE extra (id int); CREATE TABLE conv_chats (id int);' };
    const events: string[] = [];
    const e = await failure(migrate({ config: await configFor(database), now: () => NOW, migrations: [...WORKSPACE_MIGRATIONS, broken], onProgress: (p) => p.phase === 'end' && events.push(p.label) }));
    expect(e.code).to.equal('ACODE-MIG-001');
    expect(e.detail).to.equal('004_broken: relation "conv_chats" already exists; it was rolled back, and so were the 2 migrations this run applied before it (002_sessions_approvals, 003_settings_credentials): the database is at version 1');
    expect(events).to.deep.equal(['Pre-migration backup', '002_sessions_approvals', '003_settings_credentials']);
    for (const table of ['extra', 'sess_sessions', 'settings']) expect(await exists(`public.${table}`, database), table).to.equal(false);
    expect(await versions(database)).to.deep.equal([[1, '001_conversations']]);
    expect(await server.query('SELECT id FROM conv_chats', database)).to.deep.equal([{ id: 'c1' }]);
    // Rotation waits for a run that gets every migration in; the backup stays, though nothing changed.
    expect(await listDir(ws.backups)).to.deep.equal(['acode_backup_20240120_143045_pre_migration.dump', 'acode_backup_20240120_143045_pre_migration.dump.manifest.json']);
    // Fixed, the next run takes the database from version 1.
    const next = await migrate({ config: await configFor(database), backup: false });
    expect(next).to.deep.include({ from: 1, to: 3, applied: NAMES.slice(1) });
  });

  it('refuses a database with tables and no schema_version (another application\'s), changing nothing', async () => {
    const database = await server.createDatabase('acode_mig_foreign');
    made.push(database);
    await server.query('CREATE TABLE users (id int); CREATE TABLE orders (id int); CREATE TABLE items (id int); CREATE TABLE zebra (id int)', database);
    const e = await failure(migrate({ config: await configFor(database) }));
    expect(e.code).to.equal('ACODE-MIG-001');
    expect(e.detail).to.match(/^postgresql:\/\/[^:@]+@[^ ]+ holds tables \("items", "orders", "users" and 1 more\) but no schema_version: it is not an acode workspace database; nothing was changed$/);
    expect(await exists('public.schema_version', database)).to.equal(false);
    expect(await exists('public.conv_chats', database)).to.equal(false);
    expect(await listDir(ws.backups).catch(() => [])).to.deep.equal([]);
  });

  it("odd targets are refused saying what is wrong, changing nothing: no schema public, a schema_version of text versions or a view; an empty schema_version alone is migrated", async () => {
    const refused = async (setup: string): Promise<{ database: string; e: Awaited<ReturnType<typeof failure>> }> => {
      const database = await server.createDatabase('acode_mig_odd');
      made.push(database);
      await server.query(setup, database);
      return { database, e: await failure(migrate({ config: await configFor(database) })) };
    };
    // On the code before: 'migrating …; the database is at version 0: schema "public" does not exist', with the hint of a failed migration.
    const noPublic = await refused('DROP SCHEMA public');
    expect([noPublic.e.code, noPublic.e.detail, noPublic.e.hint]).to.deep.equal([
      'ACODE-MIG-001',
      `${server.url(noPublic.database).replace(`:${encodeURIComponent(server.password)}@`, '@')} has no schema public, where the workspace tables go; nothing was migrated`,
      'create it (CREATE SCHEMA public, as the database owner), or point database.url at another database',
    ]);
    // On the code before: 'COALESCE types text and integer cannot be matched', said as a migration that was rolled back.
    const text = await refused("CREATE TABLE schema_version (version text, name text, applied_at text); INSERT INTO schema_version VALUES ('1', 'x', 'y')");
    expect(text.e.code).to.equal('ACODE-MIG-001');
    expect(text.e.detail).to.match(/ has a schema_version that is not acode's migration record \(its version column of type text\); nothing was changed$/);
    // On the code before: migration 3 tried, 'cannot insert into view "schema_version"'.
    const view = await refused("CREATE VIEW schema_version AS SELECT 2::bigint AS version, 'x'::text AS name, 'y'::text AS applied_at");
    expect(view.e.detail).to.match(/ has a schema_version that is not acode's migration record \(a view, not a table\); nothing was changed$/);
    for (const { database } of [noPublic, text, view]) {
      expect(await exists('conv_chats', database).catch(() => false)).to.equal(false);
    }
    expect(await listDir(ws.backups).catch(() => [])).to.deep.equal([]);
    // On the code before: 'holds tables ("schema_version") but no schema_version'.
    const empty = await server.createDatabase('acode_mig_odd');
    made.push(empty);
    await server.query('CREATE TABLE schema_version (version bigint PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)', empty);
    expect((await migrate({ config: await configFor(empty), backup: false })).applied).to.deep.equal(NAMES);
    const emptyAndMore = await refused('CREATE TABLE schema_version (version bigint PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL); CREATE TABLE notes (id int)');
    expect(emptyAndMore.e.detail).to.match(/ holds tables \("notes"\) but an empty schema_version: it is not an acode workspace database; nothing was changed$/);
  });

  it('a role that may not create tables in public (PostgreSQL 15\'s default for a non-owner): ACODE-DB-007 before any backup is taken', async () => {
    const database = await server.createDatabase('acode_mig_role');
    made.push(database);
    const role = `acode_mig_${process.pid}`;
    await server.query(`CREATE ROLE ${role} LOGIN PASSWORD 'migr0le'`);
    try {
      const url = new URL(server.url(database));
      url.username = role;
      url.password = 'migr0le';
      const e = await failure(migrate({ config: await configFor(database, url.href) }));
      expect(e.code).to.equal('ACODE-DB-007');
      expect(e.detail).to.match(/^the role in database.url may not create tables in schema public of postgresql:\/\/acode_mig_\d+@[^ ]+; nothing was migrated$/);
      expect(e.detail).to.not.include('migr0le');
      expect(await listDir(ws.backups).catch(() => [])).to.deep.equal([]);
      expect(await exists('public.schema_version', database)).to.equal(false);
    } finally {
      await server.query(`DROP ROLE ${role}`);
    }
  });

  it('a table another session holds locked: ACODE-DB-008 after busyTimeoutMs, from the migration or from the backup before it; nothing applied', async () => {
    const database = await atVersionOne();
    const locker = new pg.Client({ connectionString: server.url(database) });
    await locker.connect();
    try {
      await locker.query('BEGIN; LOCK TABLE conv_runs IN ACCESS EXCLUSIVE MODE');
      const e = await failure(migrate({ config: await configFor(database), backup: false, busyTimeoutMs: 300 }));
      expect(e.code).to.equal('ACODE-DB-008');
      expect(e.detail).to.match(/^postgresql:\/\/[^ ]+ is locked by another session \(canceling statement due to lock timeout\); 002_sessions_approvals was not applied: the database is at version 1$/);
      const b = await failure(migrate({ config: await configFor(database), busyTimeoutMs: 300 }));
      expect(b.code).to.equal('ACODE-DB-008');
      expect(b.detail).to.equal('another session held a lock on the database for more than 300 ms (the pre-migration backup waited for it); nothing was migrated');
      await locker.query('ROLLBACK');
      expect(await versions(database)).to.deep.equal([[1, '001_conversations']]);
      expect(await exists('public.sess_sessions', database)).to.equal(false);
    } finally {
      await locker.end();
    }
  });

  it('two runs at once on a database neither finds: one creates it, each migration goes in once', async () => {
    const database = fresh();
    const config = await configFor(database);
    const [a, b] = await Promise.all([migrate({ config, backup: false }), migrate({ config, backup: false })]);
    expect([a.created, b.created].sort()).to.deep.equal([false, true]);
    expect([...a.applied, ...b.applied].sort((x, y) => x.version - y.version)).to.deep.equal(NAMES);
    expect([a.to, b.to]).to.deep.equal([3, 3]);
    expect(await versions(database)).to.deep.equal(NAMES.map((m) => [m.version, m.name]));
  });

  it("an import of a workspace's export into the empty database while a migration is under way waits for its commit, then refuses the version gap", async () => {
    const database = await server.createDatabase('acode_mig_import');
    made.push(database);
    // Outside schema public (which must stay empty for the import): a table the first migration, after its own tables, waits for.
    await server.query('CREATE SCHEMA aside; CREATE TABLE aside.held (id int)', database);
    const demo = await createWorkspace({ database: 'demo', parent: ws.dir });
    const file = `${ws.dir}/ws.json`;
    await exportDatabase({ config: await demo.config(), format: 'json', output: file, redact: false, now: () => NOW });
    const first = WORKSPACE_MIGRATIONS[0]!;
    const stalled: Migration = { ...first, postgres: `${first.postgres!}; LOCK TABLE aside.held IN SHARE MODE` };
    const locker = new pg.Client({ connectionString: server.url(database) });
    await locker.connect();
    try {
      await locker.query('BEGIN; LOCK TABLE aside.held IN ACCESS EXCLUSIVE MODE');
      const migrating = migrate({ config: await configFor(database), backup: false, migrations: [stalled] });
      migrating.catch(() => undefined);
      await untilWaitingOnLock(server, database);
      const importing = importExport({ config: await configFor(database), source: file });
      importing.catch(() => undefined);
      const waiting = async (): Promise<number> => (await server.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = '${database}' AND wait_event_type = 'Lock'`))[0]!.n as number;
      for (let i = 0; i < 400 && (await waiting()) < 2; i++) await new Promise((resolve) => setTimeout(resolve, 25));
      await locker.query('ROLLBACK');
      expect((await migrating).applied).to.deep.equal([{ version: 1, name: '001_conversations' }]);
      // On the code before, the import's CREATE TABLE of schema_version met the migration's once it committed: a duplicate key in the catalog.
      const e = await failure(importing);
      expect(e.code).to.equal('ACODE-IMP-001');
      expect(e.detail).to.equal('the export is at schema version 3 and the workspace database at 1; nothing was imported');
      expect(await versions(database)).to.deep.equal([[1, '001_conversations']]);
      expect(await server.query('SELECT count(*)::int AS n FROM conv_chats', database)).to.deep.equal([{ n: 0 }]);
    } finally {
      await locker.end();
    }
  });

  it('a migration another run applied meanwhile is skipped, and its progress says so rather than ticking it as applied', async () => {
    const database = await server.createDatabase('acode_mig_turns');
    made.push(database);
    await server.query('CREATE SCHEMA aside; CREATE TABLE aside.held (id int)', database);
    const first = WORKSPACE_MIGRATIONS[0]!;
    const stalled: Migration[] = [{ ...first, postgres: `${first.postgres!}; LOCK TABLE aside.held IN SHARE MODE` }, ...WORKSPACE_MIGRATIONS.slice(1)];
    const locker = new pg.Client({ connectionString: server.url(database) });
    await locker.connect();
    try {
      await locker.query('BEGIN; LOCK TABLE aside.held IN ACCESS EXCLUSIVE MODE');
      const steps = { a: [] as [string, string | undefined][], b: [] as [string, string | undefined][] };
      const a = migrate({ config: await configFor(database), backup: false, migrations: stalled, onProgress: (e) => e.stage === 'migrate' && e.phase === 'end' && steps.a.push([e.label, e.detail]) });
      a.catch(() => undefined);
      await untilWaitingOnLock(server, database);
      const b = migrate({ config: await configFor(database), backup: false, onProgress: (e) => e.stage === 'migrate' && e.phase === 'end' && steps.b.push([e.label, e.detail]) });
      b.catch(() => undefined);
      const waiting = async (): Promise<number> => (await server.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = '${database}' AND wait_event_type = 'Lock'`))[0]!.n as number;
      for (let i = 0; i < 400 && (await waiting()) < 2; i++) await new Promise((resolve) => setTimeout(resolve, 25));
      await locker.query('ROLLBACK');
      const [ra, rb] = await Promise.all([a, b]);
      expect(steps.b[0]).to.deep.equal(['001_conversations', 'another run applied it']);
      for (const [result, seen] of [[ra, steps.a], [rb, steps.b]] as const) {
        expect(seen.map(([name]) => name)).to.deep.equal(NAMES.map((m) => m.name));
        expect(seen.filter(([, detail]) => detail === undefined).map(([name]) => name)).to.deep.equal(result.applied.map((m) => m.name));
      }
      expect(await versions(database)).to.deep.equal(NAMES.map((m) => [m.version, m.name]));
    } finally {
      await locker.end();
    }
  });

  it('a migration without PostgreSQL statements is refused before anything is created', async () => {
    const database = fresh();
    const sqliteOnly: Migration = { version: 4, name: '004_sqlite_only', sql: 'CREATE TABLE x (id INTEGER)' };
    const e = await failure(migrate({ config: await configFor(database), migrations: [...WORKSPACE_MIGRATIONS, sqliteOnly] }));
    expect(e.code).to.equal('ACODE-USE-001');
    expect(e.detail).to.equal("migrate(): migration 004_sqlite_only has no PostgreSQL statements (its 'postgres'), and the workspace database is PostgreSQL");
    expect(await server.query(`SELECT 1 FROM pg_database WHERE datname = '${database}'`)).to.deep.equal([]);
  });
});
