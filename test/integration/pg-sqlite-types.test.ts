import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { exportDatabase } from '../../lib/export.js';
import { importExport } from '../../lib/import.js';
import { openSqlite } from '../../lib/sqlite/open.js';
import { failure } from '../support/failure.js';
import { usePgWorkspace } from '../support/postgres.js';
import { removeTempDir } from '../support/temp.js';
import { createWorkspace } from '../support/workspace.js';

const NOW = new Date('2024-01-20T14:30:45Z');
const PG_TYPES = [
  ...['bigint', 'numeric(30,10)', 'bit(8)', 'jsonb', 'timestamp(3) with time zone', '"My Schema".mood', 'integer'],
  ...['bytea', 'boolean', 'double precision', 'real', 'interval', 'integer[]'],
];

/** Each column's value and SQLite storage class, read back exactly (integers as bigint). */
function readBack(file: string): unknown[] {
  const db = openSqlite(file, { readonly: true });
  try {
    const columns = ['id', 'n', 'bits', 'jb', 'ts', 'm', 'q', 'bin', 'b', 'f', 'r', 'iv', 'arr'];
    const sql = `SELECT ${columns.map((c) => `"${c}", typeof("${c}")`).join(', ')} FROM awk_types ORDER BY id`;
    return db.prepare(sql).raw(true).safeIntegers(true).all();
  } finally {
    db.close();
  }
}

const EXPECTED = [
  [
    ...[-1n, 'integer', null, 'null', null, 'null', null, 'null', null, 'null', null, 'null', null, 'null'],
    ...[null, 'null', null, 'null', null, 'null', null, 'null', null, 'null', null, 'null'],
  ],
  [
    ...[9223372036854775807n, 'integer', '12345678901234567890.1234567891', 'text', '00001111', 'text', '1.50', 'text'],
    ...['2024-01-20 14:30:45.123+00', 'text', 'ok', 'text', 42n, 'integer', Buffer.from([0, 255, 10]), 'blob', 1n, 'integer'],
    ...[0.1, 'real', 0.5, 'real', '5 days', 'text', '{1,2}', 'text'],
  ],
];

describe('integration: PostgreSQL columns in a SQLite database (a SQLite export, an import)', function () {
  const fx = usePgWorkspace('acode_types', (pg, database) =>
    pg
      .query(
        `CREATE SCHEMA "My Schema"; CREATE TYPE "My Schema".mood AS ENUM ('ok', 'bad'); CREATE DOMAIN posint AS int4 CHECK (VALUE > 0);
         CREATE TABLE awk_types (id int8 PRIMARY KEY, n numeric(30,10), bits bit(8), jb jsonb, ts timestamp(3) with time zone, m "My Schema".mood,
           q posint, bin bytea, b boolean, f float8, r real, iv interval, arr int[]);
         INSERT INTO awk_types VALUES
           (9223372036854775807, 12345678901234567890.1234567891, B'00001111', '1.50', '2024-01-20T14:30:45.123Z', 'ok', 42, '\\x00ff0a', true, 0.1, 0.5, '5 days', '{1,2}'),
           (-1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
        database,
      )
      .then(() => undefined),
  );

  it('a SQLite export declares SQLite types that keep every value: numeric, bit and jsonb as their text, not rounded numbers', async () => {
    const file = path.join(fx.out, 'a.sqlite');
    await exportDatabase({ config: await fx.ws.config(), format: 'sqlite', tables: ['awk_types'], output: file, redact: false, now: () => NOW });
    const db = openSqlite(file, { readonly: true });
    try {
      expect(db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'awk_types'").pluck().get()).to.equal(
        'CREATE TABLE "awk_types" ("id" INTEGER NOT NULL, "n" TEXT, "bits" TEXT, "jb" TEXT, "ts" TEXT, "m" TEXT, "q" INTEGER, "bin" BLOB, "b" INTEGER, "f" REAL, "r" REAL, "iv" TEXT, "arr" TEXT, PRIMARY KEY ("id"))',
      );
    } finally {
      db.close();
    }
    expect(readBack(file)).to.deep.equal(EXPECTED);
  });

  for (const [format, output] of [['json', 'a.json'], ['ndjson', 'a.ndjson'], ['csv', 'a.csv']] as const) {
    it(`a ${format} export imports into a new SQLite workspace with the same values and storage classes (bytea a BLOB again)`, async () => {
      const source = path.join(fx.out, output);
      await exportDatabase({ config: await fx.ws.config(), format, tables: ['awk_types'], output: source, redact: false, now: () => NOW });
      if (format === 'json') {
        // The export keeps PostgreSQL's type names (a domain as its base type's); SQLite gets its own.
        const doc = JSON.parse(await readFile(source, 'utf8')) as { tables: { columns: { type: string }[] }[] };
        expect(doc.tables[0]!.columns.map((c) => c.type)).to.deep.equal(PG_TYPES);
      }
      const target = await createWorkspace({ database: 'none' });
      try {
        await importExport({ config: await target.config(), source });
        expect(readBack(target.db)).to.deep.equal(EXPECTED);
      } finally {
        await removeTempDir(target.dir);
      }
    });
  }

  it('names SQLite cannot hold beside the others are refused, saying why: sqlite_*, _acode_export, two names one in SQLite\'s eyes', async () => {
    await fx.pg.query('CREATE TABLE sqlite_notes (id int); CREATE TABLE _acode_export (id int); CREATE TABLE "Twin" (id int); CREATE TABLE twin (id int)', fx.database);
    try {
      const cases = [
        [['sqlite_notes'], 'table sqlite_notes cannot go into a SQLite export: SQLite reserves names starting with sqlite_', 'sqlite_notes'],
        [['_acode_export'], 'table _acode_export cannot go into a SQLite export: a SQLite export keeps its metadata in _acode_export', '_acode_export'],
        [['Twin', 'twin'], 'table twin cannot go into a SQLite export: SQLite sees it and Twin as one name (they differ only in case)', 'twin'],
      ] as const;
      for (const [tables, message, left] of cases) {
        const output = path.join(fx.out, `${left}.sqlite`);
        const err = await failure(exportDatabase({ config: await fx.ws.config(), format: 'sqlite', tables: [...tables], output, redact: false, now: () => NOW }));
        expect(err).to.include({ code: 'ACODE-EXP-006', exitCode: 64, message: `Invalid export options: ${message}` });
        expect(err.hint).to.equal(`leave it out with --exclude-tables ${left}, or export it as json, ndjson or csv`);
        expect(await readdir(fx.out)).to.deep.equal([]);
      }
      // SQLite folds ASCII letters only: these are two tables to it.
      await fx.pg.query('CREATE TABLE "Émile" (id int); CREATE TABLE "émile" (id int); INSERT INTO "émile" VALUES (1)', fx.database);
      const both = path.join(fx.out, 'accents.sqlite');
      await exportDatabase({ config: await fx.ws.config(), format: 'sqlite', tables: ['Émile', 'émile'], output: both, redact: false, now: () => NOW });
      const db = openSqlite(both, { readonly: true });
      try {
        expect(db.prepare('SELECT (SELECT count(*) FROM "Émile"), (SELECT count(*) FROM "émile")').raw(true).get()).to.deep.equal([0, 1]);
      } finally {
        db.close();
      }
    } finally {
      await fx.pg.query('DROP TABLE IF EXISTS "Émile"; DROP TABLE IF EXISTS "émile"', fx.database);
      await fx.pg.query('DROP TABLE sqlite_notes; DROP TABLE _acode_export; DROP TABLE "Twin"; DROP TABLE twin', fx.database);
    }
  });
});
