import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { expect } from 'chai';
import { lines, runCli, spawnCli } from '../support/cli.js';
import { CHINOOK_COUNTS, requirePostgres, type PgServer } from '../support/postgres.js';
import { makeTempDir, removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const AT = { ACODE_NOW: '2024-01-20T14:30:45Z' };

describe('e2e: acode db import into a PostgreSQL workspace', function () {
  let pg: PgServer;
  let source: string;
  let ws: SeededWorkspace;
  let out: string;
  const made: string[] = [];
  const fresh = (): string => {
    const name = `acode_e2e_imp_${randomBytes(4).toString('hex')}`;
    made.push(name);
    return name;
  };
  const shown = (database: string): string => pg.url(database).replace(`:${encodeURIComponent(pg.password)}@`, '@');
  const exists = async (database: string): Promise<boolean> => (await pg.query(`SELECT 1 FROM pg_database WHERE datname = '${database}'`)).length === 1;

  before(async function () {
    pg = await requirePostgres(this);
    source = await pg.createDatabase('acode_e2e_imp_src');
    await pg.loadChinook(source);
    // Enough rows that an interrupted import is still loading when Ctrl-C arrives.
    await pg.query("CREATE TABLE zz_bulk (id int8 PRIMARY KEY, body text); INSERT INTO zz_bulk SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 400000) g", source);
    ws = await createWorkspace({ database: 'none', config: 'database:\n  type: postgres\n' });
    out = await makeTempDir('pgimp');
  });

  after(async () => {
    if (pg) for (const name of [source, ...made]) await pg.dropDatabase(name);
    await removeTempDir(ws?.dir);
    await removeTempDir(out);
  });

  it('exports Chinook from one database and imports it into a new one: every table, counts, no password shown', async () => {
    const file = path.join(out, 'chinook.json');
    const exp = await runCli(['db', 'export', '--format', 'json', '--no-redact', '--exclude-tables', 'zz_bulk', '--output', file], { workspace: ws.dir, env: { ...AT, ACODE_DATABASE_URL: pg.url(source) } });
    expect(exp.code, exp.stderr).to.equal(0);
    const target = fresh();
    const r = await runCli(['db', 'import', file], { workspace: ws.dir, env: { ...AT, ACODE_DATABASE_URL: pg.url(target) } });
    expect(r.code, r.stderr).to.equal(0);
    expect(lines(r.stderr)[0]).to.equal(`Importing ${file} into ${shown(target)}...`);
    const total = Object.values(CHINOOK_COUNTS).reduce((a, b) => a + b, 0);
    expect(lines(r.stdout)).to.deep.equal([
      ...Object.entries(CHINOOK_COUNTS).map(([t, n]) => `  ${t}: ${n.toLocaleString('en-US')} ${n === 1 ? 'record' : 'records'} (table created)`),
      `Import complete: ${Object.keys(CHINOOK_COUNTS).length} tables, ${total.toLocaleString('en-US')} records (new database created).`,
    ]);
    expect(r.stdout + r.stderr).to.not.include(pg.password);
    const [counts] = await pg.query('SELECT (SELECT count(*) FROM track)::int AS track, (SELECT count(*) FROM invoice_line)::int AS lines', target);
    expect(counts).to.deep.equal({ track: CHINOOK_COUNTS.track, lines: CHINOOK_COUNTS.invoice_line });
    // Again, appending: the first table's first key clashes, exit 1, nothing added.
    const again = await runCli(['db', 'import', file], { workspace: ws.dir, env: { ...AT, ACODE_DATABASE_URL: pg.url(target) } });
    expect(again.code, again.stderr).to.equal(1);
    expect(lines(again.stderr).at(-1)).to.equal('✗ ACODE-IMP-004 Primary key conflict: album: a row with album_id=1 already exists — nothing was imported; use --mode replace or import into another database');
    expect((await pg.query('SELECT count(*)::int AS n FROM album', target))[0]!.n).to.equal(CHINOOK_COUNTS.album);
  });

  it('Ctrl-C during the load rolls back and drops the database the import created; exit 1, no stack trace', async () => {
    const file = path.join(out, 'bulk.ndjson');
    const exp = await runCli(['db', 'export', '--format', 'ndjson', '--no-redact', '--tables', 'zz_bulk', '--output', file], { workspace: ws.dir, env: { ...AT, ACODE_DATABASE_URL: pg.url(source) } });
    expect(exp.code, exp.stderr).to.equal(0);
    const target = fresh();
    const run = spawnCli(['db', 'import', file], { workspace: ws.dir, env: { ...AT, ACODE_DATABASE_URL: pg.url(target) } });
    await run.waitForStderr('Checksums match');
    // The rows are going in once the table exists in the new database.
    const copying = async (): Promise<boolean> => (await pg.query(`SELECT 1 FROM pg_stat_activity WHERE datname = '${target}' AND query LIKE 'COPY %'`)).length > 0;
    for (let i = 0; i < 400 && !(await copying()); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(await copying(), 'the COPY was under way').to.equal(true);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stderr).to.match(/^✗ ACODE-IMP-001 Import failed: .*interrupted/m);
    expect(r.stderr).to.not.match(/^\s+at |Error:/m);
    expect(await exists(target)).to.equal(false);
  });
});
