import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { exportDatabase, openExport } from '../../lib/export.js';
import { importExport } from '../../lib/import.js';
import { failure } from '../support/failure.js';
import { CHINOOK_COUNTS, usePgWorkspace } from '../support/postgres.js';
import { openToRead, tableCounts } from '../support/sqlite.js';
import { removeTempDir } from '../support/temp.js';
import { createWorkspace } from '../support/workspace.js';

const NOW = new Date('2024-01-20T14:30:45Z');
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** A GitHub classic token shape, made now: never a real key in the repository. */
const githubToken = (): string => `ghp_${[...randomBytes(36)].map((b) => ALNUM[b % ALNUM.length]).join('')}`;

describe('integration: exports from PostgreSQL (COPY in one repeatable-read snapshot)', function () {
  const fx = usePgWorkspace('acode_exp', (pg, database) => pg.loadChinook(database));

  it('exports Chinook to JSON, NDJSON and CSV; the JSON imports into an empty SQLite workspace with every row', async () => {
    const hadNavigator = 'navigator' in globalThis;
    for (const [format, output] of [['json', 'c.json'], ['ndjson', 'c.ndjson'], ['csv', 'csv']] as const) {
      const result = await exportDatabase({ config: await fx.ws.config(), format, output: path.join(fx.out, output), redact: false, now: () => NOW });
      expect(Object.fromEntries(result.manifest.tables.map((t) => [t.name, t.rows])), format).to.deep.equal(CHINOOK_COUNTS);
      expect(result.manifest.header.source).to.deep.equal({ type: 'postgres', location: fx.pg.url(fx.database).replace(`:${encodeURIComponent(fx.pg.password)}@`, '@') });
    }
    // The navigator lent to pg while it loads (lib/postgres/connection.ts) is not left behind.
    expect('navigator' in globalThis).to.equal(hadNavigator);
    const target = await createWorkspace({ database: 'none' });
    try {
      await importExport({ config: await target.config(), source: path.join(fx.out, 'c.json') });
      expect(tableCounts(target.db)).to.deep.equal(CHINOOK_COUNTS);
      const db = openToRead(target.db);
      try {
        expect(db.prepare('SELECT name FROM artist WHERE artist_id = 6').pluck().get()).to.equal('Antônio Carlos Jobim');
        // numeric(10,2) is kept exact, as its text (a REAL would round it).
        expect(db.prepare('SELECT unit_price FROM track WHERE track_id = 1').pluck().get()).to.equal('0.99');
        expect(db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'playlist_track'").pluck().get()).to.equal(
          'CREATE TABLE "playlist_track" ("playlist_id" INTEGER NOT NULL, "track_id" INTEGER NOT NULL, PRIMARY KEY ("playlist_id", "track_id"))',
        );
      } finally {
        db.close();
      }
    } finally {
      await removeTempDir(target.dir);
    }
  });

  it('keeps awkward values exact: int8 beyond 2^53, floats, booleans, bytea, NULL against empty, escapes, numeric, timestamps, jsonb', async () => {
    await fx.pg.query(
      `CREATE TYPE pair AS (a int, b text); CREATE DOMAIN qty AS int8;
       CREATE TABLE awk (id int8 PRIMARY KEY, f float8, b boolean, bin bytea, t text, n numeric, ts timestamptz, j jsonb, r real, ip inet, c char(4), x xml, p pair, q qty);
       INSERT INTO awk VALUES
         (9223372036854775807, 0.1, true, '\\x00ff0a', E'tab\\there\\nline \\\\ back', 12345678901234567890.123, '2024-01-20T14:30:45Z', '{"a": [1, "x"]}', 0.1, '10.0.0.1', 'x', '<?xml version="1.0" encoding="UTF-8"?><a/>', ROW(NULL, NULL), 42),
         (-9007199254740993, 'Infinity', false, '', '', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
         (3, NULL, NULL, NULL, NULL, 0, NULL, 'null', -0.5, '::1/128', '', '<b>t</b>', ROW(1, 'x'), -7)`,
      fx.database,
    );
    try {
      await exportDatabase({ config: await fx.ws.config(), format: 'ndjson', tables: ['awk'], output: path.join(fx.out, 'a.ndjson'), redact: false, now: () => NOW });
      const lines = (await readFile(path.join(fx.out, 'a.ndjson'), 'utf8')).trimEnd().split('\n');
      const rows = lines.filter((l) => l.startsWith('{"table":"awk","row"'));
      expect(rows).to.deep.equal([
        // As COPY's text format prints them: inet without /32, char(n) padded, xml without its
        // declaration, a composite of NULLs as (,); a domain over int8 as its integer.
        '{"table":"awk","row":{"id":9223372036854775807,"f":0.1,"b":1,"bin":{"$blob":"AP8K"},"t":"tab\\there\\nline \\\\ back","n":"12345678901234567890.123","ts":"2024-01-20 14:30:45+00","j":"{\\"a\\": [1, \\"x\\"]}","r":0.1,"ip":"10.0.0.1","c":"x   ","x":"<a/>","p":"(,)","q":42}}',
        '{"table":"awk","row":{"id":-9007199254740993,"f":{"$real":"Infinity"},"b":0,"bin":{"$blob":""},"t":"","n":null,"ts":null,"j":null,"r":null,"ip":null,"c":null,"x":null,"p":null,"q":null}}',
        '{"table":"awk","row":{"id":3,"f":null,"b":null,"bin":null,"t":null,"n":"0","ts":null,"j":"null","r":-0.5,"ip":"::1","c":"    ","x":"<b>t</b>","p":"(1,x)","q":-7}}',
      ]);
    } finally {
      await fx.pg.query('DROP TABLE awk; DROP TYPE pair; DROP DOMAIN qty', fx.database);
    }
  });

  it('redacts by default: a token in text and in JSON text never reaches the file, and the counts say so', async () => {
    const token = githubToken();
    const other = githubToken();
    await fx.pg.query(
      `CREATE TABLE notes (id int PRIMARY KEY, body text, cfg text, created_at timestamptz);
       INSERT INTO notes VALUES (1, 'push with ${token} please', '{"auth": {"token": "${other}"}}', '2024-01-10T00:00:00Z')`,
      fx.database,
    );
    try {
      const result = await exportDatabase({ config: await fx.ws.config(), format: 'json', tables: ['notes'], output: path.join(fx.out, 'n.json'), now: () => NOW });
      const text = await readFile(path.join(fx.out, 'n.json'), 'utf8');
      expect(text).not.to.include(token);
      expect(text).not.to.include(other);
      expect(text).to.include('"push with [REDACTED] please"');
      expect(result.redaction?.total).to.be.at.least(2);
      expect(result.manifest.redaction).to.have.nested.property('summary.byTable.notes.body');
    } finally {
      await fx.pg.query('DROP TABLE notes', fx.database);
    }
  });

  it('applies --since/--until to a timestamptz column and to ISO text alike', async () => {
    await fx.pg.query(
      `CREATE TABLE ev (id int, created_at timestamptz);
       CREATE TABLE ev_text (id int, created_at text);
       INSERT INTO ev VALUES (1, '2024-01-01T00:00:00Z'), (2, '2024-01-15T12:00:00Z'), (3, '2024-02-01T00:00:00Z'), (4, NULL);
       INSERT INTO ev_text VALUES (1, '2024-01-01T00:00:00Z'), (2, '2024-01-15 12:00:00+00'), (3, '2024-02-01T00:00:00Z')`,
      fx.database,
    );
    try {
      const job = await openExport({
        config: await fx.ws.config(), format: 'ndjson', tables: ['ev', 'ev_text'], since: '2024-01-10', until: '2024-01-31',
        output: path.join(fx.out, 'e.ndjson'), redact: false, now: () => NOW,
      });
      // A NULL date is in no window: counted, for the warning, not dropped unseen.
      expect(job.plan.tables.map((t) => [t.name, t.undated])).to.deep.equal([['ev', 1], ['ev_text', undefined]]);
      const result = await job.run();
      expect(result.manifest.tables.map((t) => [t.name, t.rows, t.dateColumn])).to.deep.equal([['ev', 1, 'created_at'], ['ev_text', 1, 'created_at']]);
      const ids = (await readFile(path.join(fx.out, 'e.ndjson'), 'utf8')).split('\n').filter((l) => l.includes('"row"')).map((l) => (JSON.parse(l) as { row: { id: number } }).row.id);
      expect(ids).to.deep.equal([2, 2]);
    } finally {
      await fx.pg.query('DROP TABLE ev; DROP TABLE ev_text', fx.database);
    }
  });

  // Last: it changes Chinook for good.
  it('reads every table at the snapshot taken when the export opened, whatever is written after', async () => {
    const job = await openExport({ config: await fx.ws.config(), format: 'json', tables: ['artist', 'track'], output: path.join(fx.out, 's.json'), redact: false, now: () => NOW });
    await fx.pg.query("INSERT INTO artist (artist_id, name) VALUES (9001, 'written after the snapshot'); DELETE FROM playlist_track WHERE track_id = 3503; DELETE FROM invoice_line WHERE track_id = 3503; DELETE FROM track WHERE track_id = 3503", fx.database);
    try {
      const result = await job.run();
      expect(result.manifest.tables.map((t) => [t.name, t.rows])).to.deep.equal([['artist', 275], ['track', 3503]]);
      const text = await readFile(path.join(fx.out, 's.json'), 'utf8');
      expect(text).not.to.include('written after the snapshot');
      const exported = JSON.parse(text) as { tables: { name: string; rows: unknown[] }[] };
      expect(exported.tables.map((t) => t.rows.length)).to.deep.equal([275, 3503]);
    } finally {
      job.close();
    }
  });

  it('refuses two tables it would name alike (public."s.t" and s.t) rather than merge them; other tables still export', async () => {
    await fx.pg.query('CREATE SCHEMA s; CREATE TABLE s.t (a int); CREATE TABLE public."s.t" (b text); INSERT INTO s.t VALUES (1); INSERT INTO public."s.t" VALUES (\'x\')', fx.database);
    try {
      const output = path.join(fx.out, 'twins.json');
      const err = await failure(exportDatabase({ config: await fx.ws.config(), format: 'json', tables: ['s.t'], output, redact: false, now: () => NOW }));
      expect(err).to.include({ code: 'ACODE-EXP-006', exitCode: 64, message: 'Invalid export options: tables "public"."s.t" and "s"."t" are both named s.t in an export: rename one to export s.t' });
      expect(await readdir(fx.out)).not.to.include('twins.json');
      const result = await exportDatabase({ config: await fx.ws.config(), format: 'json', tables: ['genre'], output, redact: false, now: () => NOW });
      expect(result.manifest.tables.map((t) => [t.name, t.rows])).to.deep.equal([['genre', CHINOOK_COUNTS['genre']]]);
    } finally {
      await fx.pg.query('DROP SCHEMA s CASCADE; DROP TABLE public."s.t"', fx.database);
    }
  });
});
