/**
 * Unusual but valid databases a review exported and imported back (2026-11-27): each case here
 * lost data or failed before its fix. A round trip is export (no redaction), import into a new
 * database, and the two databases' rows compared value for value.
 */
import { isUtf8 } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { loadConfig } from '../../lib/config.js';
import { exportDatabase } from '../../lib/export.js';
import { importExport } from '../../lib/import.js';
import { contentDigest } from '../support/sqlite.js';
import { makeTempDir, removeTempDir } from '../support/temp.js';

describe('integration: exports of unusual databases round-trip (export review)', function () {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir('exp-unusual');
  });
  afterEach(() => removeTempDir(dir));

  const config = (database: string) => loadConfig({ workspace: dir, env: {}, databasePath: database });

  /** Exports `source` in `format` to `output`, imports it into a new database, and returns that database. */
  async function roundTrip(source: string, format: 'json' | 'ndjson' | 'csv' | 'sqlite', output: string): Promise<string> {
    await exportDatabase({ config: await config(source), format, output: path.join(dir, output), redact: false });
    const target = path.join(dir, `back-${output.replace(/\W/g, '_')}.db`);
    await importExport({ config: await config(target), source: path.join(dir, output) });
    return target;
  }

  function makeDb(name: string, setup: (db: Database.Database) => void): string {
    const file = path.join(dir, name);
    const db = new Database(file);
    try {
      setup(db);
    } finally {
      db.close();
    }
    return file;
  }

  it('a UTF-16 database: plain JSON and NDJSON are UTF-8 and import back (rows came out as UTF-16 bytes, and verify passed them)', async () => {
    for (const encoding of ['UTF-16le', 'UTF-16be']) {
      const source = makeDb(`${encoding}.db`, (db) => {
        db.pragma(`encoding = '${encoding}'`);
        db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT); INSERT INTO t VALUES (1, 'hello'), (2, 'wörld 😀'), (3, NULL)");
      });
      for (const format of ['json', 'ndjson'] as const) {
        const back = await roundTrip(source, format, `${encoding}.${format}`);
        const bytes = await readFile(path.join(dir, `${encoding}.${format}`));
        expect(isUtf8(bytes), `${encoding} ${format}`).to.equal(true);
        expect(bytes.toString('utf8')).to.include('"s":"wörld 😀"');
        expect(contentDigest(back)).to.equal(contentDigest(source));
      }
    }
  });

  it('a 4 MiB BLOB imports back from NDJSON and CSV (base64 checking overflowed the regex stack)', async function () {
    this.timeout(60_000);
    const blob = Buffer.alloc(4 << 20);
    for (let i = 0; i < blob.length; i++) blob[i] = (i * 7919) & 0xff;
    const source = makeDb('blob.db', (db) => {
      db.exec('CREATE TABLE x (id INTEGER PRIMARY KEY, v BLOB)');
      db.prepare('INSERT INTO x VALUES (1, ?)').run(blob);
    });
    for (const [format, output] of [['ndjson', 'blob.ndjson'], ['csv', 'blob.csv']] as const) {
      const back = await roundTrip(source, format, output);
      expect(contentDigest(back), format).to.equal(contentDigest(source));
    }
  });

  it('a table of 1,000 columns exports as plain JSON and NDJSON (the SQL that encodes it went past SQLite\'s expression depth)', async () => {
    const columns = Array.from({ length: 1000 }, (_, i) => `c${i}`);
    const source = makeDb('wide.db', (db) => {
      db.exec(`CREATE TABLE w (${columns.join(', ')})`);
      const insert = db.prepare(`INSERT INTO w VALUES (${columns.map(() => '?').join(', ')})`);
      for (let r = 0; r < 3; r++) insert.run(columns.map((_, i) => (i % 3 === 0 ? i * r : i % 3 === 1 ? `v${i}-${r}` : null)));
    });
    for (const format of ['json', 'ndjson'] as const) {
      const back = await roundTrip(source, format, `wide.${format}`);
      expect(contentDigest(back), format).to.equal(contentDigest(source));
    }
  });

  it('a table named "" round-trips through JSON and NDJSON as through CSV and SQLite (JSON imports refused it: "a table has no name")', async () => {
    const source = makeDb('empty-name.db', (db) => {
      db.exec('CREATE TABLE "" (x INTEGER, y TEXT); INSERT INTO "" VALUES (1, \'a\'), (2, NULL)');
    });
    for (const format of ['json', 'ndjson', 'sqlite'] as const) {
      const back = await roundTrip(source, format, `empty-name-out.${format === 'sqlite' ? 'db' : format}`);
      expect(contentDigest(back), format).to.equal(contentDigest(source));
    }
  });

  it('an AUTOINCREMENT counter past 2^53 comes back exact and an INTEGER (it came back rounded, a REAL)', async () => {
    const source = makeDb('seq.db', (db) => {
      db.exec("CREATE TABLE ai (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT); CREATE TABLE small (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT)");
      db.exec("INSERT INTO ai VALUES (9007199254740993, 'x'); DELETE FROM ai; INSERT INTO ai VALUES (1, 'keep'); INSERT INTO small (v) VALUES ('a'), ('b'), ('c')");
    });
    for (const format of ['json', 'sqlite'] as const) {
      const back = await roundTrip(source, format, `seq-out.${format === 'sqlite' ? 'db' : format}`);
      const db = new Database(back);
      try {
        const rows = db.prepare("SELECT name, seq, typeof(seq) AS type FROM sqlite_sequence ORDER BY name").safeIntegers(true).all();
        expect(rows, format).to.deep.equal([
          { name: 'ai', seq: 9007199254740993n, type: 'integer' },
          { name: 'small', seq: 3n, type: 'integer' },
        ]);
      } finally {
        db.close();
      }
    }
  });
});
