import { expect } from 'chai';
import { AcodeError } from '../../../lib/errors.js';
import { copyText, createPgTableSql, pgColumnType, type CopyColumn } from '../../../lib/postgres/import-sql.js';

const text = (name: string): CopyColumn => ({ name, type: 'text', bytea: false });
const fail = (column: string, why: string): Error => new Error(`${column}: ${why}`);

describe('PostgreSQL import SQL: type names, CREATE TABLE, COPY text', () => {
  it("takes a PostgreSQL export's type names in format_type()'s shapes, and nothing else", () => {
    for (const ok of ['integer', 'character varying(200)', 'numeric(10,2)', 'timestamp(3) with time zone', 'timestamp without time zone', 'double precision', '"char"', 'public.pair', 'text[]', 'character varying(20)[]', 'interval day to second(3)', 'bit varying(5)']) {
      expect(pgColumnType(ok, true, 't', 'c'), ok).to.equal(ok);
    }
    for (const bad of ['integer); DROP TABLE users; --', 'text DEFAULT pg_sleep(10)', 'int CHECK (false)', 'text\nCOLLATE "C"', 'text COLLATE "C"', '', 'integer[1]; SELECT 1', "text DEFAULT 'x'", 'text DEFAULT lo_import(1)', 'interval DEFAULT f(1)', 'character varying REFERENCES t(1)', 'public.x.y', '"a" "b"']) {
      expect(() => pgColumnType(bad, true, 't', 'c'), bad).to.throw(AcodeError, /is not a PostgreSQL type name; nothing was imported/);
    }
  });

  it("maps a SQLite export's declared types by affinity", () => {
    expect(['INTEGER', 'BIGINT', 'VARCHAR(20)', 'TEXT', 'BLOB', 'REAL', 'DOUBLE', 'NUMERIC', 'BOOLEAN', 'DATETIME', ''].map((t) => pgColumnType(t, false, 't', 'c'))).to.deep.equal([
      'bigint', 'bigint', 'text', 'text', 'bytea', 'double precision', 'double precision', 'text', 'text', 'text', 'text',
    ]);
  });

  it('writes CREATE TABLE with quoted names, NOT NULLs and the primary key in its order', () => {
    const sql = createPgTableSql('public."we""ird"', {
      name: 'we"ird',
      sql: null,
      indexes: [],
      columns: [
        { name: 'b', type: 'TEXT', notNull: false, primaryKey: 2 },
        { name: 'a"x', type: 'INTEGER', notNull: true, primaryKey: 1 },
      ],
    }, false);
    expect(sql).to.equal('CREATE TABLE public."we""ird" ("b" text, "a""x" bigint NOT NULL, PRIMARY KEY ("a""x", "b"))');
  });

  it('encodes a row for COPY: NULL, escapes, exact int64, NaN and infinities, bytea hex, columns taken in order', () => {
    const columns = [text('a'), text('b'), text('c'), text('d'), { name: 'e', type: 'bytea', bytea: true }, text('f')];
    const row = ['tab\tnl\ncr\rback\\', null, 2n ** 63n - 1n, Number.NaN, new Uint8Array([0, 255, 92]), -Infinity, 'skipped'];
    expect(copyText(row, [0, 1, 2, 3, 4, 5], columns, fail)).to.equal('tab\\tnl\\ncr\\rback\\\\\t\\N\t9223372036854775807\tNaN\t\\\\x00ff5c\t-Infinity\n');
    expect(copyText(['x', 'y', ''], [2, 0], [text('p'), text('q')], fail)).to.equal('\tx\n');
  });

  it('refuses NUL in text and a BLOB for a column that is not bytea, naming the column', () => {
    expect(() => copyText(['a\0b'], [0], [text('body')], fail)).to.throw('body: the text holds a NUL character, which PostgreSQL text cannot store');
    expect(() => copyText([new Uint8Array([1])], [0], [{ name: 'n', type: 'integer', bytea: false }], fail)).to.throw('n: the value is a BLOB and the column is integer');
  });
});
