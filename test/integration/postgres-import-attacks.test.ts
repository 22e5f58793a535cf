import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { expect } from 'chai';
import pg from 'pg';
import { loadConfig } from '../../lib/config.js';
import { exportDatabase } from '../../lib/export.js';
import { importExport } from '../../lib/import.js';
import { failure } from '../support/failure.js';
import { usePgWorkspace, type PgServer } from '../support/postgres.js';
import type { AcodeConfig } from '../../lib/config.js';

const NOW = new Date('2024-01-20T14:30:45Z');

async function pgConfig(pg: PgServer, database: string, dir: string): Promise<AcodeConfig> {
  return loadConfig({ workspace: dir, env: { ACODE_DATABASE_URL: pg.url(database) } });
}

/** Everything an error shows a user (the CLI prints code, message and hint; --json adds context). */
const shown = (err: { message: string; detail?: string; hint?: string; context?: unknown }): string => JSON.stringify({ message: err.message, detail: err.detail, hint: err.hint, context: err.context });

describe('integration: PostgreSQL import under attack (values the server quotes, locks)', function () {
  const fx = usePgWorkspace('acode_impatk');
  const made: string[] = [];
  const fresh = async (schema: string): Promise<string> => {
    const name = `acode_impatk_t_${randomBytes(4).toString('hex')}`;
    made.push(name);
    await fx.pg.query(`CREATE DATABASE ${name}`);
    await fx.pg.query(schema, name);
    return name;
  };
  afterEach(async () => {
    for (const name of made.splice(0)) await fx.pg.dropDatabase(name);
  });

  const secret = `sk-proj-${randomBytes(16).toString('hex')}`;
  let file: string;
  beforeEach(async () => {
    await fx.pg.query(`DROP TABLE IF EXISTS vals; CREATE TABLE vals (id int PRIMARY KEY, a text, b text, c text);
      INSERT INTO vals VALUES (1, '1', '1', '{}'), (2, E'${secret}\\nsecond line of it', '99999999999${secret.replace(/\D/g, '')}', '{"k": ${secret}}')`, fx.database);
    file = path.join(fx.out, 'vals.json');
    await exportDatabase({ config: await fx.ws.config(), format: 'json', output: file, redact: false, tables: ['vals'], now: () => NOW });
  });

  it('a refused value that spans lines shows no line of it (the quote closed on a later line was left open)', async () => {
    const target = await fresh('CREATE TABLE vals (id int PRIMARY KEY, a int, b text, c text)');
    const err = await failure(importExport({ config: await pgConfig(fx.pg, target, fx.out), source: file }));
    expect(err.code).to.equal('ACODE-IMP-001');
    expect(err.detail).to.equal('vals row 2, column a: invalid input syntax for type integer; nothing was imported');
    expect(shown(err)).to.not.include(secret.slice(8, 20));
  });

  it('a number out of range is refused without the number (the server quotes it mid-message: value "…" is out of range)', async () => {
    const target = await fresh('CREATE TABLE vals (id int PRIMARY KEY, a text, b bigint, c text)');
    const err = await failure(importExport({ config: await pgConfig(fx.pg, target, fx.out), source: file }));
    expect(err.code).to.equal('ACODE-IMP-001');
    expect(err.detail).to.equal('vals row 2, column b: value is out of range for type bigint; nothing was imported');
    expect(shown(err)).to.not.include('99999999999');
  });

  it("a value jsonb refuses names its row and column (not the JSON parser's own line 1)", async () => {
    const target = await fresh('CREATE TABLE vals (id int PRIMARY KEY, a text, b text, c jsonb)');
    const err = await failure(importExport({ config: await pgConfig(fx.pg, target, fx.out), source: file }));
    expect(err.code).to.equal('ACODE-IMP-001');
    expect(err.detail).to.equal('vals row 2, column c: invalid input syntax for type json; nothing was imported');
    expect(shown(err)).to.not.include(secret.slice(8, 20));
  });

  it('a clash on a key that spans lines keeps the error on one line: the key is withheld, not shown', async () => {
    const target = await fresh(`CREATE TABLE vals (id int, a text PRIMARY KEY, b text, c text); INSERT INTO vals VALUES (7, E'${secret}\\nsecond line of it')`);
    const err = await failure(importExport({ config: await pgConfig(fx.pg, target, fx.out), source: file }));
    expect(err.code).to.equal('ACODE-IMP-004');
    expect(err.detail).to.equal(`vals: a row with a=<withheld: ${secret.length + 18} characters> already exists`);
    expect(shown(err)).to.not.include(secret.slice(8, 20));
  });

  it('a clash on a DEFERRABLE unique key, found only at the commit, is ACODE-IMP-006 naming table and key, and nothing changes', async () => {
    const target = await fresh(`CREATE TABLE vals (id int PRIMARY KEY, a text, b text UNIQUE DEFERRABLE INITIALLY DEFERRED, c text); INSERT INTO vals VALUES (7, 'kept', '1', NULL)`);
    const err = await failure(importExport({ config: await pgConfig(fx.pg, target, fx.out), source: file }));
    expect(err.code).to.equal('ACODE-IMP-006');
    expect(err.detail).to.equal('vals: a row with the same key already exists (unique constraint vals_b_key, checked at the commit)');
    expect(await fx.pg.query('SELECT id, a, b FROM vals', target)).to.deep.equal([{ id: 7, a: 'kept', b: '1' }]);
  });

  it("another session's lock on a table a foreign key joins is waited for, then ACODE-DB-008, and nothing changes", async function () {
    this.timeout(120_000);
    const target = await fresh("CREATE TABLE vals (id int PRIMARY KEY, a text, b text, c text); CREATE TABLE refs (id int PRIMARY KEY, v int REFERENCES vals(id)); INSERT INTO vals VALUES (9, 'kept', NULL, NULL)");
    const locker = new pg.Client({ connectionString: fx.pg.url(target) });
    locker.on('error', () => undefined);
    await locker.connect();
    try {
      await locker.query('BEGIN; LOCK TABLE refs IN ACCESS SHARE MODE');
      const err = await failure(importExport({ config: await pgConfig(fx.pg, target, fx.out), source: file, mode: 'replace' }));
      expect(err.code).to.equal('ACODE-DB-008');
      expect(err.detail).to.equal('refs or vals is locked by another session (canceling statement due to lock timeout); nothing was imported');
    } finally {
      await locker.end().catch(() => undefined);
    }
    expect(await fx.pg.query('SELECT id, a FROM vals', target)).to.deep.equal([{ id: 9, a: 'kept' }]);
    expect((await fx.pg.query("SELECT conname FROM pg_constraint WHERE contype = 'f'", target)).map((r) => r.conname)).to.deep.equal(['refs_v_fkey']);
  });
});
