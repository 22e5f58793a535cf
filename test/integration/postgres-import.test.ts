import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { expect } from 'chai';
import pg from 'pg';
import { loadConfig } from '../../lib/config.js';
import { exportDatabase } from '../../lib/export.js';
import { importExport } from '../../lib/import.js';
import { migrate } from '../../lib/migrate.js';
import { WORKSPACE_MIGRATIONS } from '../../lib/migrations.js';
import { failure } from '../support/failure.js';
import { CHINOOK_COUNTS, usePgWorkspace, type PgServer } from '../support/postgres.js';
import { openDb, tableCounts } from '../support/sqlite.js';
import { createWorkspace } from '../support/workspace.js';
import type { AcodeConfig } from '../../lib/config.js';

const NOW = new Date('2024-01-20T14:30:45Z');

/** A config whose workspace database is `database` on the test server (which need not exist yet). */
async function pgConfig(pg: PgServer, database: string, dir: string): Promise<AcodeConfig> {
  return loadConfig({ workspace: dir, env: { ACODE_DATABASE_URL: pg.url(database) } });
}

/** Every row of a table as text, in one digest: two databases with equal digests hold the same rows. */
async function tableDigest(pg: PgServer, database: string, table: string): Promise<{ rows: number; md5: string }> {
  const [r] = await pg.query(`SELECT count(*)::int AS rows, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS md5 FROM ${table} t`, database);
  return { rows: r!.rows as number, md5: r!.md5 as string };
}

async function databaseExists(pg: PgServer, database: string): Promise<boolean> {
  return (await pg.query(`SELECT 1 FROM pg_database WHERE datname = '${database}'`)).length === 1;
}

describe('integration: import into a PostgreSQL workspace (COPY in one transaction)', function () {
  const fx = usePgWorkspace('acode_imp', (pg, database) => pg.loadChinook(database));
  const made: string[] = [];
  const fresh = (): string => {
    const name = `acode_imp_new_${randomBytes(4).toString('hex')}`;
    made.push(name);
    return name;
  };
  afterEach(async () => {
    for (const name of made.splice(0)) await fx.pg.dropDatabase(name);
  });

  it('round-trips Chinook through JSON, NDJSON, a CSV folder, a tar.gz bundle and a SQLite export into new databases with every row equal', async () => {
    for (const [format, output] of [['json', 'c.json'], ['ndjson', 'c.ndjson.gz'], ['csv', 'csv'], ['csv', 'c.tar.gz'], ['sqlite', 'c.db']] as const) {
      const file = path.join(fx.out, output);
      await exportDatabase({ config: await fx.ws.config(), format, output: file, redact: false, now: () => NOW });
      const target = fresh();
      const result = await importExport({ config: await pgConfig(fx.pg, target, fx.out), source: file });
      expect(result.created, output).to.equal(true);
      expect(result.database, output).to.equal(fx.pg.url(target).replace(`:${encodeURIComponent(fx.pg.password)}@`, '@'));
      expect(Object.fromEntries(result.tables.map((t) => [t.name, t.rows])), output).to.deep.equal(CHINOOK_COUNTS);
      expect(result.tables.every((t) => t.created), output).to.equal(true);
      for (const table of Object.keys(CHINOOK_COUNTS)) {
        expect(await tableDigest(fx.pg, target, table), `${output} ${table}`).to.deep.equal(await tableDigest(fx.pg, fx.database, table));
      }
    }
    // The tables carry PostgreSQL's own types and keys (numeric stays exact), but for the SQLite
    // export's, which holds SQLite's types: by their affinity (an INTEGER is a bigint, not int4).
    const typesIn = async (database: string): Promise<unknown> =>
      Object.fromEntries(
        (await fx.pg.query("SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = 'track'::regclass AND attname IN ('unit_price', 'milliseconds', 'name') ORDER BY attname", database)).map((r) => [r.name, r.type]),
      );
    expect(await typesIn(made[0]!)).to.deep.equal({ milliseconds: 'integer', name: 'character varying(200)', unit_price: 'numeric(10,2)' });
    expect(await typesIn(made.at(-1)!)).to.deep.equal({ milliseconds: 'bigint', name: 'text', unit_price: 'text' });
    for (const target of [made[0]!, made.at(-1)!]) {
      const [key] = await fx.pg.query("SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'playlist_track'::regclass AND contype = 'p'", target);
      expect(key!.def).to.equal('PRIMARY KEY (playlist_id, track_id)');
    }
  });

  it("takes a SQLite export's awkward values exactly: int64 bounds, reals, blobs, escapes, NULL against empty text", async () => {
    const ws = await createWorkspace({ database: 'none', parent: fx.out });
    const db = openDb(ws.db);
    db.exec('CREATE TABLE vals (id INTEGER PRIMARY KEY, i INTEGER, r REAL, t TEXT, b BLOB, n NUMERIC)');
    const insert = db.prepare('INSERT INTO vals VALUES (?, ?, ?, ?, ?, ?)');
    insert.run(1, 2n ** 63n - 1n, 0.1, 'tab\there\nline\r\nback\\slash ünï 😀', Buffer.from([0, 255, 10, 92, 9]), 'not a number');
    insert.run(2, -(2n ** 63n), 1e308, '', Buffer.alloc(0), null);
    insert.run(3, null, -2.5e-10, null, null, 7);
    db.close();
    const file = path.join(fx.out, 'vals.json');
    await exportDatabase({ config: await ws.config(), format: 'json', output: file, redact: false, now: () => NOW });
    const target = fresh();
    await importExport({ config: await pgConfig(fx.pg, target, fx.out), source: file });
    const rows = await fx.pg.query("SELECT id, i::text AS i, r::text AS r, t, encode(b, 'hex') AS b, n FROM vals ORDER BY id", target);
    expect(rows).to.deep.equal([
      { id: '1', i: '9223372036854775807', r: '0.1', t: 'tab\there\nline\r\nback\\slash ünï 😀', b: '00ff0a5c09', n: 'not a number' },
      { id: '2', i: '-9223372036854775808', r: '1e+308', t: '', b: '', n: null },
      { id: '3', i: null, r: '-2.5e-10', t: null, b: null, n: '7' },
    ]);
    const types = await fx.pg.query("SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = 'vals'::regclass AND attnum > 0 ORDER BY attnum", target);
    expect(types.map((t) => `${t.name as string} ${t.type as string}`)).to.deep.equal(['id bigint', 'i bigint', 'r double precision', 't text', 'b bytea', 'n text']);
  });

  it("takes a SQLite workspace's export whole, and appends its migration record again without a clash", async () => {
    const ws = await createWorkspace({ database: 'demo', parent: fx.out });
    const counts = tableCounts(ws.db);
    const file = path.join(fx.out, 'ws.ndjson');
    await exportDatabase({ config: await ws.config(), format: 'ndjson', output: file, redact: false, now: () => NOW });
    const target = fresh();
    const config = await pgConfig(fx.pg, target, fx.out);
    const result = await importExport({ config, source: file });
    expect(Object.fromEntries(result.tables.map((t) => [t.name, t.rows]))).to.deep.equal(counts);
    const sqlite = openDb(ws.db, { readonly: true });
    const messages = sqlite.prepare('SELECT id, run_id, seq, content FROM conv_messages ORDER BY id').all();
    sqlite.close();
    expect(await fx.pg.query('SELECT id::int AS id, run_id, seq::int AS seq, content FROM conv_messages ORDER BY id', target)).to.deep.equal(messages);
    // The migration record is the same rows in every workspace at that version: appended again, it stays as it is.
    const again = await importExport({ config, source: file, tables: ['schema_version'] });
    expect(again.tables.map((t) => [t.name, t.created])).to.deep.equal([['schema_version', false]]);
    expect((await fx.pg.query('SELECT count(*)::int AS n FROM schema_version', target))[0]!.n).to.equal(counts.schema_version);
  });

  it("makes a new database the workspace first (the migrations' keys, checks, cascades, identity), with a column of the user's own kept, but not a database with tables of its own", async () => {
    const ws = await createWorkspace({ database: 'demo', parent: fx.out });
    const file = path.join(fx.out, 'ws.json');
    await exportDatabase({ config: await ws.config(), format: 'json', output: file, redact: false, now: () => NOW });
    const constraints = async (database: string): Promise<unknown> =>
      (await fx.pg.query("SELECT conrelid::regclass::text AS t, contype::text AS k, count(*)::int AS n FROM pg_constraint WHERE connamespace = 'public'::regnamespace GROUP BY 1, 2 ORDER BY 1, 2", database)).map((r) => `${r.t} ${r.k}${r.n}`);
    const migrated = fresh();
    await migrate({ config: await pgConfig(fx.pg, migrated, fx.out) });
    const target = fresh();
    const result = await importExport({ config: await pgConfig(fx.pg, target, fx.out), source: file });
    expect(result.tables.every((t) => t.created)).to.equal(true);
    // The same tables as `acode db migrate` makes, foreign keys (f), checks (c), keys (p, u) and all.
    expect(await constraints(target)).to.deep.equal(await constraints(migrated));
    for (const c of ['conv_messages f1', 'conv_runs c1', 'conv_runs f1']) expect(await constraints(target)).to.include(c);
    const [next] = await fx.pg.query("INSERT INTO conv_messages (run_id, seq, role, content, created_at) SELECT run_id, 100000, 'user', 'x', 'x' FROM conv_messages LIMIT 1 RETURNING id::int AS id", target);
    const sqlite = openDb(ws.db, { readonly: true });
    expect(next!.id).to.equal(Number(sqlite.prepare('SELECT max(id) FROM conv_messages').pluck().get()) + 1);
    sqlite.close();
    // A database with a table of its own in public: the tables come from the exported columns, as before.
    const used = fresh();
    await fx.pg.query(`CREATE DATABASE ${used}`);
    await fx.pg.query('CREATE TABLE notes (id int)', used);
    await importExport({ config: await pgConfig(fx.pg, used, fx.out), source: file });
    expect(await constraints(used)).to.not.include('conv_runs f1');
    // A workspace table given a column of the user's own: the migrated table takes it too.
    const altered = await createWorkspace({ database: 'demo', parent: path.join(fx.out, 'altered') });
    const db = openDb(altered.db);
    db.exec("ALTER TABLE conv_chats ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0; UPDATE conv_chats SET pinned = 1 WHERE rowid % 2 = 0");
    const pinned = db.prepare('SELECT id, pinned FROM conv_chats ORDER BY id').all();
    db.close();
    const alteredFile = path.join(fx.out, 'altered.json');
    await exportDatabase({ config: await altered.config(), format: 'json', output: alteredFile, redact: false, now: () => NOW });
    const extended = fresh();
    await importExport({ config: await pgConfig(fx.pg, extended, fx.out), source: alteredFile });
    expect(await constraints(extended)).to.deep.equal(await constraints(migrated));
    expect(await fx.pg.query("SELECT data_type AS t, is_nullable AS n FROM information_schema.columns WHERE table_name = 'conv_chats' AND column_name = 'pinned'", extended)).to.deep.equal([{ t: 'bigint', n: 'NO' }]);
    expect(await fx.pg.query('SELECT id, pinned::int AS pinned FROM conv_chats ORDER BY id', extended)).to.deep.equal(pinned);
  });

  it("another database's export that shares a workspace table's name and a version number (a SQLite user_version) is built from its own columns, as before", async () => {
    const other = await createWorkspace({ database: 'none', parent: path.join(fx.out, 'other') });
    const db = openDb(other.db);
    db.exec("PRAGMA user_version = 3; CREATE TABLE settings (id INTEGER PRIMARY KEY, name TEXT NOT NULL, value TEXT); INSERT INTO settings VALUES (1, 'theme', 'dark'), (2, 'lang', NULL)");
    db.close();
    const file = path.join(fx.out, 'other.json');
    await exportDatabase({ config: await other.config(), format: 'json', output: file, redact: false, now: () => NOW });
    const target = fresh();
    // On the code before, the workspace's migrations made settings (key, value, updated_at): 'settings row 1: null value in column "key"'.
    const result = await importExport({ config: await pgConfig(fx.pg, target, fx.out), source: file });
    expect(result.tables.map((t) => [t.name, t.rows, t.created])).to.deep.equal([['settings', 2, true]]);
    expect(await fx.pg.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", target)).to.deep.equal([{ tablename: 'settings' }]);
    const types = await fx.pg.query("SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = 'settings'::regclass AND attnum > 0 ORDER BY attnum", target);
    expect(types.map((t) => `${t.name as string} ${t.type as string}`)).to.deep.equal(['id bigint', 'name text', 'value text']);
    expect(await fx.pg.query('SELECT id::int AS id, name, value FROM settings ORDER BY id', target)).to.deep.equal([
      { id: 1, name: 'theme', value: 'dark' },
      { id: 2, name: 'lang', value: null },
    ]);
  });

  it("refuses a workspace's export at another schema version than the database's, saying which to migrate", async () => {
    const ws = await createWorkspace({ database: 'schema', parent: fx.out, schemaVersion: 2 });
    const db = openDb(ws.db);
    db.exec("INSERT INTO conv_chats VALUES ('c1', 'first', NULL, 'x', 'x')");
    db.close();
    const file = path.join(fx.out, 'v2.ndjson');
    await exportDatabase({ config: await ws.config(), format: 'ndjson', output: file, redact: false, now: () => NOW });
    const newer = fresh();
    await migrate({ config: await pgConfig(fx.pg, newer, fx.out) });
    const older = fresh();
    await migrate({ config: await pgConfig(fx.pg, older, fx.out), migrations: WORKSPACE_MIGRATIONS.slice(0, 1) });
    for (const [database, at, hint] of [
      [newer, 3, 'import it into a new database, run `acode db migrate` there, export again and import that'],
      [older, 1, 'run `acode db migrate` on the workspace database first, then import again'],
    ] as const) {
      const e = await failure(importExport({ config: await pgConfig(fx.pg, database, fx.out), source: file }));
      expect(e.code).to.equal('ACODE-IMP-001');
      expect(e.detail).to.equal(`the export is at schema version 2 and the workspace database at ${at}; nothing was imported`);
      expect(e.hint).to.equal(hint);
      expect((await fx.pg.query('SELECT count(*)::int AS n FROM conv_chats', database))[0]!.n).to.equal(0);
    }
  });

  it("refuses a workspace's export newer than this acode knows saying to update acode, which migrate cannot stand in for (PostgreSQL and SQLite)", async () => {
    const future = await createWorkspace({ database: 'demo', parent: path.join(fx.out, 'future') });
    const db = openDb(future.db);
    db.exec("INSERT INTO schema_version VALUES (4, '004_future', '2026-01-01T00:00:00Z')");
    db.close();
    const file = path.join(fx.out, 'future.json');
    await exportDatabase({ config: await future.config(), format: 'json', output: file, redact: false, now: () => NOW });
    const migrated = fresh();
    await migrate({ config: await pgConfig(fx.pg, migrated, fx.out) });
    const sqlite = await createWorkspace({ database: 'demo', parent: path.join(fx.out, 'at-3') });
    for (const config of [await pgConfig(fx.pg, migrated, fx.out), await sqlite.config()]) {
      const e = await failure(importExport({ config, source: file }));
      expect(e.code).to.equal('ACODE-IMP-001');
      expect(e.detail).to.equal('the export is at schema version 4 and the workspace database at 3; nothing was imported');
      // The code before said to run `acode db migrate` first, which finds nothing to apply.
      expect(e.hint).to.equal('update acode first: the export is at schema version 4, newer than this acode knows (3), which `acode db migrate` cannot reach');
    }
  });

  it('fails a value PostgreSQL cannot store naming table, row and column, and drops the database it created', async () => {
    const ws = await createWorkspace({ database: 'none', parent: fx.out });
    const db = openDb(ws.db);
    db.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (1, 'fine'), (2, 'nul' || char(0) || 'inside')");
    db.close();
    const file = path.join(fx.out, 'notes.json');
    await exportDatabase({ config: await ws.config(), format: 'json', output: file, redact: false, now: () => NOW });
    const target = fresh();
    const err = await failure(importExport({ config: await pgConfig(fx.pg, target, fx.out), source: file }));
    expect(err.code).to.equal('ACODE-IMP-001');
    expect(err.detail).to.equal('notes row 2, column body: the text holds a NUL character, which PostgreSQL text cannot store; nothing was imported');
    expect(await databaseExists(fx.pg, target)).to.equal(false);
  });

  it('fails a value the server refuses naming table, row and column, never the value', async () => {
    const ws = await createWorkspace({ database: 'none', parent: fx.out });
    const secret = `sk-proj-${randomBytes(24).toString('hex')}`;
    const db = openDb(ws.db);
    // SQLite keeps text in an INTEGER column; PostgreSQL's bigint refuses it.
    db.exec(`CREATE TABLE counters (id INTEGER PRIMARY KEY, n INTEGER); INSERT INTO counters VALUES (1, 5), (2, '${secret}')`);
    db.close();
    const file = path.join(fx.out, 'counters.json');
    await exportDatabase({ config: await ws.config(), format: 'json', output: file, redact: false, now: () => NOW });
    const err = await failure(importExport({ config: await pgConfig(fx.pg, fresh(), fx.out), source: file }));
    expect(err.code).to.equal('ACODE-IMP-001');
    expect(err.detail).to.equal('counters row 2, column n: invalid input syntax for type bigint; nothing was imported');
    expect(JSON.stringify({ message: err.message, detail: err.detail, hint: err.hint, context: err.context })).to.not.include(secret.slice(8, 20));
  });

  it("takes NaN and the infinities, which a SQLite import refuses, and PostgreSQL's own types as their text: jsonb, arrays, timestamps, intervals, bytea", async () => {
    await fx.pg.query(
      `CREATE TABLE odd (id int PRIMARY KEY, f float8, r real, j jsonb, a text[], ts timestamptz, iv interval, b bytea);
       INSERT INTO odd VALUES (1, 'NaN', 'Infinity', '{"k": [1, "two"]}', '{x,"y z",NULL}', '2024-01-20T14:30:45.123456Z', '1 year 2 days 03:04:05', '\\x00ff'),
                              (2, '-Infinity', 0.1, 'null', '{}', NULL, '-00:00:01', '')`,
      fx.database,
    );
    const read = (database: string): Promise<Record<string, unknown>[]> => fx.pg.query("SELECT id, f::text AS f, r::text AS r, j::text AS j, a::text AS a, ts::text AS ts, iv::text AS iv, encode(b, 'hex') AS b FROM odd ORDER BY id", database);
    try {
      // (CSV has no form for NaN: such an export fails, EXP-001.)
      for (const [format, output] of [['json', 'odd.json'], ['ndjson', 'odd.ndjson']] as const) {
        const file = path.join(fx.out, output);
        await exportDatabase({ config: await fx.ws.config(), format, output: file, tables: ['odd'], redact: false, now: () => NOW });
        const target = fresh();
        await importExport({ config: await pgConfig(fx.pg, target, fx.out), source: file });
        expect(await read(target), output).to.deep.equal(await read(fx.database));
      }
    } finally {
      await fx.pg.query('DROP TABLE odd', fx.database);
    }
  });

  it('a redacted export whose placeholder lands in a typed column fails saying why', async () => {
    await fx.pg.query(`CREATE TABLE keyring (id int PRIMARY KEY, api_key uuid); INSERT INTO keyring VALUES (1, '${randomUUID()}')`, fx.database);
    try {
      const file = path.join(fx.out, 'keyring.json');
      await exportDatabase({ config: await fx.ws.config(), format: 'json', output: file, tables: ['keyring'], now: () => NOW });
      const err = await failure(importExport({ config: await pgConfig(fx.pg, fresh(), fx.out), source: file }));
      expect(err.code).to.equal('ACODE-IMP-001');
      expect(err.detail).to.equal('keyring row 1, column api_key: invalid input syntax for type uuid; nothing was imported');
      expect(err.hint).to.equal("this export was redacted, and a placeholder is not a value of that column's type: import an export made with --no-redact, or into a table whose column is text");
    } finally {
      await fx.pg.query('DROP TABLE keyring', fx.database);
    }
  });

  describe('into existing tables: keys, foreign keys, triggers and sequences', () => {
    const SCHEMA = `CREATE TABLE parent (id serial PRIMARY KEY, name text UNIQUE);
      CREATE TABLE child (id serial PRIMARY KEY, parent_id int NOT NULL REFERENCES parent(id), note text);
      CREATE TABLE counts (n int); INSERT INTO counts VALUES (0);
      CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE counts SET n = n + 1; RETURN NEW; END $$;
      CREATE TRIGGER child_bump AFTER INSERT ON child FOR EACH ROW EXECUTE FUNCTION bump();
      INSERT INTO parent (name) VALUES ('a'), ('b'); INSERT INTO child (parent_id, note) VALUES (1, 'x'), (2, 'y'), (2, 'z');`;
    let target: string;
    let file: string;
    let config: AcodeConfig;
    const state = async (): Promise<unknown> => ({
      parent: await fx.pg.query('SELECT id, name FROM parent ORDER BY id', target),
      child: await fx.pg.query('SELECT id, parent_id, note FROM child ORDER BY id', target),
      counts: (await fx.pg.query('SELECT n FROM counts', target))[0]!.n,
      fks: (await fx.pg.query("SELECT conname FROM pg_constraint WHERE contype = 'f'", target)).map((r) => r.conname),
      triggers: await fx.pg.query("SELECT tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal", target),
    });

    beforeEach(async () => {
      target = fresh();
      await fx.pg.query(`CREATE DATABASE ${target}`);
      await fx.pg.query(SCHEMA, target);
      config = await pgConfig(fx.pg, target, fx.out);
      file = path.join(fx.out, 'pc.json');
      await exportDatabase({ config, format: 'json', output: file, redact: false, tables: ['parent', 'child'], now: () => NOW });
    });

    it('append: a clash on the primary key is ACODE-IMP-004 naming table and key, and nothing changes', async () => {
      const before = await state();
      const err = await failure(importExport({ config, source: file }));
      expect(err.code).to.equal('ACODE-IMP-004');
      expect(err.detail).to.equal('parent: a row with id=1 already exists');
      expect(await state()).to.deep.equal(before);
    });

    it('append: a clash on another unique key is ACODE-IMP-006 naming it', async () => {
      await fx.pg.query("DELETE FROM child; DELETE FROM parent; INSERT INTO parent VALUES (7, 'a')", target);
      const before = await state();
      const err = await failure(importExport({ config, source: file, tables: ['parent'] }));
      expect(err.code).to.equal('ACODE-IMP-006');
      expect(err.detail).to.equal("parent: a row with the same name='a' already exists (unique column name)");
      expect(await state()).to.deep.equal(before);
    });

    it('replace: both tables reloaded with their triggers quiet, foreign keys and triggers back, sequences past the keys', async () => {
      await fx.pg.query("INSERT INTO parent (name) VALUES ('c'); ALTER SEQUENCE parent_id_seq RESTART WITH 1; ALTER SEQUENCE child_id_seq RESTART WITH 1", target);
      const result = await importExport({ config, source: file, mode: 'replace' });
      expect(result.tables.map((t) => [t.name, t.rows, t.created])).to.deep.equal([['parent', 2, false], ['child', 3, false]]);
      expect(await state()).to.deep.equal({
        parent: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }],
        child: [{ id: 1, parent_id: 1, note: 'x' }, { id: 2, parent_id: 2, note: 'y' }, { id: 3, parent_id: 2, note: 'z' }],
        counts: 3,
        fks: ['child_parent_id_fkey'],
        triggers: [{ tgname: 'child_bump', tgenabled: 'O' }],
      });
      const [next] = await fx.pg.query("INSERT INTO parent (name) VALUES ('d') RETURNING id", target);
      expect(next!.id).to.equal(3);
      const [nextChild] = await fx.pg.query('INSERT INTO child (parent_id) VALUES (1) RETURNING id', target);
      expect(nextChild!.id).to.equal(4);
      expect((await fx.pg.query('SELECT n FROM counts', target))[0]!.n).to.equal(4);
    });

    it("another session's lock on a table: waited for busyTimeoutMs, then ACODE-DB-008 naming the table, nothing changed", async () => {
      const holder = new pg.Client({ connectionString: fx.pg.url(target) });
      await holder.connect();
      try {
        await holder.query('BEGIN; LOCK TABLE parent IN ACCESS EXCLUSIVE MODE');
        const err = await failure(importExport({ config, source: file, mode: 'replace', busyTimeoutMs: 300 }));
        expect(err.code).to.equal('ACODE-DB-008');
        // Dropping the foreign key for the load locks both of its tables: the statement that waited names them.
        expect(err.detail).to.equal('child or parent is locked by another session (canceling statement due to lock timeout); nothing was imported');
        await holder.query('ROLLBACK');
      } finally {
        await holder.end();
      }
      expect((await fx.pg.query('SELECT count(*)::int AS n FROM child', target))[0]!.n).to.equal(3);
      expect((await fx.pg.query("SELECT conname FROM pg_constraint WHERE contype = 'f'", target)).map((r) => r.conname)).to.deep.equal(['child_parent_id_fkey']);
    });

    it('replace: a table whose emptying leaves rows of another pointing at nothing is ACODE-IMP-008, nothing changes', async () => {
      await fx.pg.query("INSERT INTO parent (id, name) VALUES (9, 'late'); INSERT INTO child (parent_id, note) VALUES (9, 'orphan-to-be')", target);
      const before = await state();
      const err = await failure(importExport({ config, source: file, mode: 'replace', tables: ['parent'] }));
      expect(err.code).to.equal('ACODE-IMP-008');
      expect(err.detail).to.equal('rows of child would refer to rows of parent that the database does not have (foreign key child_parent_id_fkey); nothing was imported');
      expect(await state()).to.deep.equal(before);
    });
  });
});
