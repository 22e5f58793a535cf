import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { exportDatabase, planExport } from '../../lib/export.js';
import { importExport } from '../../lib/import.js';
import { failure } from '../support/failure.js';
import { usePgWorkspace } from '../support/postgres.js';
import { removeTempDir } from '../support/temp.js';
import { createWorkspace } from '../support/workspace.js';
import { ALNUM, body, seeded } from '../unit/redaction/fakes.js';

const NOW = new Date('2024-01-20T14:30:45Z');

describe('integration: PostgreSQL exports of unusual values and settings', function () {
  const fx = usePgWorkspace('acode_edges');

  describe('NaN in float8 and float4', () => {
    before(async () => {
      await fx.pg.query(
        `CREATE TABLE floats (id int PRIMARY KEY, d float8 NOT NULL, r real);
         INSERT INTO floats VALUES (1, 'NaN', 'NaN'), (2, 'Infinity', '-Infinity'), (3, 0.5, NULL);
         CREATE TABLE leaks (id int PRIMARY KEY)`,
        fx.database,
      );
    });
    after(() => fx.pg.query('DROP TABLE floats, leaks', fx.database));

    it('JSON keeps NaN as {"$real":"NaN"}, like the infinities, and reads it back', async () => {
      const out = path.join(fx.out, 'f.json');
      await exportDatabase({ config: await fx.ws.config(), format: 'json', output: out, tables: ['floats'], redact: false, now: () => NOW });
      const text = await readFile(out, 'utf8');
      expect(text).to.include('{"id":1,"d":{"$real":"NaN"},"r":{"$real":"NaN"}}');
      expect(text).to.include('{"id":2,"d":{"$real":"Infinity"},"r":{"$real":"-Infinity"}}');
      // SQLite stores NaN as NULL: importing it says so, naming the table and column, and imports nothing.
      const target = await createWorkspace({ database: 'none' });
      try {
        const e = await failure(importExport({ config: await target.config(), source: out }));
        expect(e.code).to.equal('ACODE-IMP-001');
        expect(e.detail).to.match(/^floats\.d holds NaN \(row 1\), which SQLite cannot store \(it would be NULL\)/);
      } finally {
        await removeTempDir(target.dir);
      }
    });

    it('a SQLite-format export of NaN fails naming the table and column it is in', async () => {
      const e = await failure(exportDatabase({ config: await fx.ws.config(), format: 'sqlite', output: path.join(fx.out, 'f.db'), redact: false, now: () => NOW }));
      expect(e.code).to.equal('ACODE-EXP-001');
      expect(e.detail).to.match(/^floats\.d holds NaN \(row 1\), which SQLite cannot store \(it would be NULL\)/);
      // The source had moved on to the next table (leaks) when the writer met the row: not named.
      expect(e.context['table']).to.equal('floats');
      expect(e.message).not.to.include('leaks');
    });

    it('a CSV export of NaN fails naming the table and column (it wrote an empty field, which reads back as NULL)', async () => {
      const e = await failure(exportDatabase({ config: await fx.ws.config(), format: 'csv', output: path.join(fx.out, 'f.csv'), tables: ['floats'], redact: false, now: () => NOW }));
      expect(e.code).to.equal('ACODE-EXP-001');
      expect(e.detail).to.match(/^floats\.d holds NaN \(row 1\), which CSV has no form for \(an empty field reads back as NULL\)/);
    });
  });

  describe('table inheritance', () => {
    before(() => fx.pg.query('CREATE TABLE inh_parent (id int); CREATE TABLE inh_child () INHERITS (inh_parent); INSERT INTO inh_parent VALUES (1); INSERT INTO inh_child VALUES (2), (3)', fx.database));
    after(() => fx.pg.query('DROP TABLE inh_child, inh_parent', fx.database));

    it("a parent's export holds its own rows only, as pg_dump archives them (the child's rows came twice: under the parent too)", async () => {
      const out = path.join(fx.out, 'inh.ndjson');
      const result = await exportDatabase({ config: await fx.ws.config(), format: 'ndjson', output: out, tables: ['inh_parent', 'inh_child'], redact: false, now: () => NOW });
      expect(result.manifest.header.tables.map((t) => [t.name, t.rows])).to.deep.equal([
        ['inh_parent', 1],
        ['inh_child', 2],
      ]);
      const rows = (await readFile(out, 'utf8')).split('\n').filter((l) => l.includes('"row"'));
      expect(rows).to.have.lengthOf(3);
    });
  });

  describe('columns whose names differ only in case', () => {
    before(() => fx.pg.query('CREATE TABLE cased (id int PRIMARY KEY, "a" int, "A" int); INSERT INTO cased VALUES (1, 2, 3)', fx.database));
    after(() => fx.pg.query('DROP TABLE cased', fx.database));

    it('a SQLite-format export refuses the table with ACODE-EXP-006, naming both columns', async () => {
      const e = await failure(exportDatabase({ config: await fx.ws.config(), format: 'sqlite', output: path.join(fx.out, 'c.db'), tables: ['cased'], redact: false, now: () => NOW }));
      expect(e.code).to.equal('ACODE-EXP-006');
      expect(e.detail).to.equal('table cased has columns "a" and "A", which SQLite sees as one name (they differ only in case): it cannot go into a SQLite export');
      expect(e.hint).to.equal('rename one of the columns, leave the table out with --exclude-tables cased, or export as json, ndjson or csv');
    });

    it('JSON keeps both; importing it into SQLite says why it cannot, not that the export is damaged', async () => {
      const out = path.join(fx.out, 'c.json');
      await exportDatabase({ config: await fx.ws.config(), format: 'json', output: out, tables: ['cased'], redact: false, now: () => NOW });
      expect(await readFile(out, 'utf8')).to.include('{"id":1,"a":2,"A":3}');
      const target = await createWorkspace({ database: 'none' });
      try {
        const e = await failure(importExport({ config: await target.config(), source: out }));
        expect(e.code).to.equal('ACODE-IMP-001');
        expect(e.detail).to.equal('table cased has columns "a" and "A", which SQLite sees as one name (they differ only in case): it cannot be imported into a SQLite database; nothing was imported');
      } finally {
        await removeTempDir(target.dir);
      }
    });
  });

  describe('a text search index column (tsvector) over chat messages', () => {
    const rand = seeded(50);
    const token = `ghp_${body(rand, ALNUM, 36)}`;
    const key = `sk-proj-${body(rand, ALNUM, 48)}`;
    before(async () => {
      await fx.pg.query(
        `CREATE TABLE searched (id int PRIMARY KEY, content text NOT NULL, content_tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', content)) STORED, q tsquery);
         INSERT INTO searched (id, content, q) VALUES (1, 'my token: ${token}', to_tsquery('english', '${token.slice(4)}')), (2, 'export OPENAI_API_KEY=${key}', NULL), (3, 'mysql -u root -pcorrecthorse42 app', NULL)`,
        fx.database,
      );
    });
    after(() => fx.pg.query('DROP TABLE searched', fx.database));

    it('is replaced whole in every format (its lexemes kept the secrets of the text it indexes, lowercased and split from their prefix), and the plan says so', async () => {
      const lexemes = [token.slice(4).toLowerCase(), key.slice(8).toLowerCase(), 'pcorrecthorse42'];
      for (const format of ['json', 'ndjson', 'csv', 'sqlite'] as const) {
        const out = path.join(fx.out, `tsv.${format}`);
        const result = await exportDatabase({ config: await fx.ws.config(), format, output: out, tables: ['searched'], redact: true, now: () => NOW });
        const bytes = (await readFile(out)).toString('latin1').toLowerCase();
        for (const l of lexemes) expect(bytes.includes(l), `${format}: a lexeme of a secret`).to.equal(false);
        expect(result.redaction?.byRule['search_index']?.count, format).to.equal(4);
      }
      const plan = await planExport({ config: await fx.ws.config(), format: 'json', output: path.join(fx.out, 'plan.json'), tables: ['searched'], redact: true, now: () => NOW });
      expect(plan.tables[0]!.columns.map((c) => [c.column, c.action, c.rule])).to.deep.equal([
        ['id', 'scan', undefined],
        ['content', 'scan', undefined],
        ['content_tsv', 'redact', 'search_index'],
        ['q', 'redact', 'search_index'],
      ]);
    });
  });

  describe('a table with no columns', () => {
    before(() => fx.pg.query('CREATE TABLE nocols (); CREATE TABLE other (id int); INSERT INTO other VALUES (1)', fx.database));
    after(() => fx.pg.query('DROP TABLE nocols, other', fx.database));

    it('is named as skipped by every export, and --tables nocols says why rather than "unknown table"', async () => {
      for (const format of ['json', 'sqlite'] as const) {
        const result = await exportDatabase({ config: await fx.ws.config(), format, output: path.join(fx.out, `n.${format}`), tables: ['other'], redact: false, now: () => NOW });
        expect(result.manifest.tables.map((t) => t.name), format).to.deep.equal(['other']);
      }
      const all = await exportDatabase({ config: await fx.ws.config(), format: 'json', output: path.join(fx.out, 'all.json'), redact: false, now: () => NOW });
      expect(all.manifest.skippedTables).to.include('nocols');
      expect(all.manifest.tables.map((t) => t.name)).not.to.include('nocols');
      const e = await failure(exportDatabase({ config: await fx.ws.config(), format: 'json', output: path.join(fx.out, 'nc.json'), tables: ['nocols'], redact: false, now: () => NOW }));
      expect(e.code).to.equal('ACODE-EXP-006');
      expect(e.detail).to.equal('--tables names nocols, which has no columns: exports skip such tables (a backup keeps them)');
      // Named in --exclude-tables, it is known.
      const excluded = await exportDatabase({ config: await fx.ws.config(), format: 'json', output: path.join(fx.out, 'ex.json'), excludeTables: ['nocols'], redact: false, now: () => NOW });
      expect(excluded.manifest.tables.map((t) => t.name)).to.include('other');
    });
  });

  describe('a partitioned table and a view named in --tables', () => {
    before(() =>
      fx.pg.query(
        `CREATE SCHEMA old;
         CREATE TABLE events (id int, created_at timestamptz NOT NULL, body text) PARTITION BY RANGE (created_at);
         CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
         CREATE TABLE old.events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
         INSERT INTO events VALUES (1, '2026-03-01', 'x'), (2, '2025-03-01', 'y');
         CREATE VIEW recent AS SELECT * FROM events_2026`,
        fx.database,
      ),
    );
    after(() => fx.pg.query('DROP VIEW recent; DROP TABLE events; DROP SCHEMA old', fx.database));

    it('says what each is and what to name instead (both were "not in the database", ACODE-EXP-004); --exclude-tables may name them', async () => {
      const config = await fx.ws.config();
      const run = (tables: string[]): Promise<unknown> => exportDatabase({ config, format: 'json', output: path.join(fx.out, 'p.json'), tables, redact: false, now: () => NOW });
      const parted = await failure(run(['events']));
      expect(parted).to.include({ code: 'ACODE-EXP-006', exitCode: 64 });
      expect(parted.detail).to.equal("'events' is a partitioned table: its rows are in its partitions, and an export takes each partition as a table of its own; partitions: events_2026, old.events_2025");
      expect(parted.hint).to.equal('name its partitions in --tables instead: --tables events_2026,old.events_2025');
      const view = await failure(run(['recent']));
      expect(view).to.include({ code: 'ACODE-EXP-006', detail: "'recent' is a view: exports take tables only (a backup keeps the view's definition)", hint: 'leave it out of --tables' });
      const parts = await exportDatabase({ config, format: 'json', output: path.join(fx.out, 'parts.json'), tables: ['events_2026', 'old.events_2025'], redact: false, now: () => NOW });
      expect(parts.manifest.tables.map((t) => [t.name, t.rows])).to.deep.equal([['events_2026', 1], ['old.events_2025', 1]]);
      const excluded = await exportDatabase({ config, format: 'json', output: path.join(fx.out, 'pex.json'), excludeTables: ['events', 'recent'], redact: false, now: () => NOW });
      expect(excluded.manifest.tables.map((t) => t.name)).to.include('events_2026');
    });
  });
});

describe('integration: PostgreSQL exports under the database\'s own timeouts', function () {
  const fx = usePgWorkspace('acode_timeouts', async (pg, database) => {
    await pg.query('CREATE TABLE big AS SELECT g AS id, md5(g::text) AS t FROM generate_series(1, 300000) AS g', database);
    // Every new session of the database gets it: the export's too.
    await pg.query(`ALTER DATABASE "${database}" SET statement_timeout = '50ms'`);
    await pg.query(`ALTER DATABASE "${database}" SET idle_in_transaction_session_timeout = '50ms'`);
  });

  it('exports a table that takes longer to read than statement_timeout (as pg_dump does, it sets its own)', async () => {
    const out = path.join(fx.out, 'big.ndjson');
    const result = await exportDatabase({ config: await fx.ws.config(), format: 'ndjson', output: out, redact: false, now: () => NOW });
    expect(result.manifest.tables).to.have.length(1);
    expect(result.manifest.tables[0]).to.include({ name: 'big', rows: 300000 });
  });
});

describe('integration: PostgreSQL exports of a table under row-level security', function () {
  const role = `acode_rls_${process.pid}`;
  const fx = usePgWorkspace('acode_rls', async (pg, database) => {
    await pg.query(`CREATE ROLE ${role} LOGIN PASSWORD 'rls-pass'`);
    await pg.query(
      `CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes VALUES (1, 'a'), (2, 'b'), (3, 'c');
       ALTER TABLE notes ENABLE ROW LEVEL SECURITY; CREATE POLICY mine ON notes FOR SELECT TO ${role} USING (id = 1);
       GRANT SELECT ON notes TO ${role}`,
      database,
    );
  });
  // Runs after usePgWorkspace's own: the database, and with it the grant and the policy, is gone.
  after(async () => {
    await fx.pg?.query(`DROP ROLE IF EXISTS ${role}`);
  });

  it('fails loudly, naming the table and what to do, rather than export the rows the policy shows (1 of 3)', async () => {
    const url = new URL(fx.pg.url(fx.database));
    url.username = role;
    url.password = 'rls-pass';
    const ws = await createWorkspace({ database: 'none', config: `database:\n  type: postgres\n  url: ${url.href}\n` });
    try {
      const e = await failure(exportDatabase({ config: await ws.config(), format: 'json', output: path.join(fx.out, 'n.json'), redact: false, now: () => NOW }));
      expect(e.code).to.equal('ACODE-EXP-001');
      expect(e.detail).to.equal('notes has row-level security, and its policies would hide rows from this role: query would be affected by row-level security policy for table "notes"');
      expect(e.hint).to.equal('no output was kept; export as the table\'s owner (unless it has FORCE ROW LEVEL SECURITY, which binds its owner too) or a role with BYPASSRLS (ALTER ROLE <name> BYPASSRLS), or leave it out with --exclude-tables notes');
      expect(e.context['table']).to.equal('notes');
    } finally {
      await removeTempDir(ws.dir);
    }
  });
});
