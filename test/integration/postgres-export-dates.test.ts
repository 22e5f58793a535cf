import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { exportDatabase, openExport } from '../../lib/export.js';
import { failure } from '../support/failure.js';
import { requirePostgres, type PgServer } from '../support/postgres.js';
import { listDir, makeTempDir, removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const NOW = new Date('2024-01-20T14:30:45Z');
const WINDOW = { since: '2024-01-10', until: '2024-01-31' };

describe('integration: PostgreSQL exports with --since/--until on columns of any type, and server errors as ACODE errors', function () {
  let pg: PgServer;
  let database: string;
  let ws: SeededWorkspace;
  let out: string;
  const role = `acode_reader_${process.pid}`;

  before(async function () {
    pg = await requirePostgres(this);
    database = await pg.createDatabase('acode_dates');
    await pg.query(
      `CREATE TABLE ev_bigint (id int, created_at bigint);
       CREATE TABLE ev_text (id int, created_at text);
       CREATE TABLE ev_date (id int, created_at date);
       CREATE TABLE ev_ts (id int, created_at timestamp);
       CREATE TABLE ev_bad (id int, created_at varchar(40));
       CREATE TABLE admin_only (id int, created_at timestamptz);
       INSERT INTO ev_bigint VALUES (1, 1705300000), (2, 1705400000), (3, NULL);
       INSERT INTO ev_text VALUES (1, '2024-01-15'), (2, '1705300000'), (3, 'yesterday'), (4, ''), (5, NULL), (6, '2024-01-20T10:00:00+02:00'), (7, '2024-02-15 08:00');
       INSERT INTO ev_date VALUES (1, '2024-01-09'), (2, '2024-01-10'), (3, '2024-01-31'), (4, NULL);
       INSERT INTO ev_ts VALUES (1, '2024-01-31 23:59:59'), (2, '2024-02-01 00:00:00');
       INSERT INTO ev_bad VALUES (1, '2024-01-15'), (2, '2024-02-30');
       INSERT INTO admin_only VALUES (1, now());
       CREATE ROLE ${role} LOGIN PASSWORD 'r3ader';
       GRANT SELECT ON ev_bigint, ev_text, ev_date, ev_ts, ev_bad TO ${role};`,
      database,
    );
    ws = await createWorkspace({ database: 'none', config: `database:\n  type: postgres\n  url: ${pg.url(database)}\n` });
  });
  after(async () => {
    if (pg) {
      await pg.dropDatabase(database);
      await pg.query(`DROP ROLE IF EXISTS ${role}`);
    }
    await removeTempDir(ws?.dir);
  });
  beforeEach(async () => {
    out = await makeTempDir('pg-dates');
  });
  afterEach(() => removeTempDir(out));

  it('compares date and timestamp columns as timestamps, ISO-shaped text as dates, and counts the rest as undated', async () => {
    const job = await openExport({
      config: await ws.config(), format: 'ndjson', tables: ['ev_bigint', 'ev_date', 'ev_text', 'ev_ts'], ...WINDOW,
      output: path.join(out, 'e.ndjson'), redact: false, now: () => NOW,
    });
    // An epoch number is no date (README): every bigint row is undated, as are the text rows that are no ISO date.
    expect(job.plan.tables.map((t) => [t.name, t.undated])).to.deep.equal([['ev_bigint', 3], ['ev_date', 1], ['ev_text', 4], ['ev_ts', undefined]]);
    const result = await job.run();
    expect(result.manifest.tables.map((t) => [t.name, t.rows])).to.deep.equal([['ev_bigint', 0], ['ev_date', 2], ['ev_text', 2], ['ev_ts', 1]]);
    const ids = (await readFile(path.join(out, 'e.ndjson'), 'utf8'))
      .split('\n')
      .filter((l) => l.includes('"row"'))
      .map((l) => JSON.parse(l) as { table: string; row: { id: number } })
      .map((r) => `${r.table}:${r.row.id}`);
    // A date-only --until includes that day: 2024-01-31 23:59:59 is in, the next midnight is not.
    expect(ids).to.deep.equal(['ev_date:2', 'ev_date:3', 'ev_text:1', 'ev_text:6', 'ev_ts:1']);
  });

  it('a text date that has the shape and is no date is ACODE-EXP-001 naming the table and column, and nothing is written', async () => {
    const err = await failure(exportDatabase({ config: await ws.config(), format: 'json', tables: ['ev_bad'], ...WINDOW, output: path.join(out, 'b.json'), redact: false, now: () => NOW }));
    expect({ code: err.code, message: err.message }).to.deep.equal({
      code: 'ACODE-EXP-001',
      message: 'Export failed: ev_bad.created_at holds a value that looks like a date and is not one: date/time field value out of range: "2024-02-30"',
    });
    expect(err.hint).to.equal('no output was kept; correct that value, pick another column in export.date_columns.ev_bad, or export without --since/--until');
    expect(await listDir(out)).to.deep.equal([]);
  });

  it('a table the role may not read is ACODE-EXP-001 saying to grant SELECT or leave it out, not an internal error', async () => {
    const url = new URL(pg.url(database));
    url.username = role;
    url.password = 'r3ader';
    const reader = await createWorkspace({ database: 'none', config: `database:\n  type: postgres\n  url: ${url.href}\n` });
    try {
      const err = await failure(exportDatabase({ config: await reader.config(), format: 'json', output: path.join(out, 'all.json'), redact: false, now: () => NOW }));
      expect({ code: err.code, message: err.message, hint: err.hint }).to.deep.equal({
        code: 'ACODE-EXP-001',
        message: 'Export failed: PostgreSQL refused to let this role read admin_only: permission denied for table admin_only',
        hint: 'no output was kept; grant the role SELECT on admin_only, or leave it out with --exclude-tables admin_only',
      });
      expect(err.exitCode).to.equal(1);
      expect(await listDir(out)).to.deep.equal([]);
    } finally {
      await removeTempDir(reader.dir);
    }
  });
});
