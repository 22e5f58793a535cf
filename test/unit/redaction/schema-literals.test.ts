/**
 * A table definition's literals under a column a column rule takes (the fourth red team's
 * finding 8): `password TEXT NOT NULL DEFAULT '…'` kept its literal in the JSON export, its
 * manifest and the SQLite output's schema. Every secret is generated here.
 */
import { expect } from 'chai';
import { redactSchema } from '../../../lib/export-redaction.js';
import type { TableSchema } from '../../../lib/records.js';
import { ALNUM, body, seeded } from './fakes.js';
import { policyWith } from './helpers.js';

const rand = seeded(20261128);
const password = (): string => body(rand, ALNUM, 14);

function schemaOf(sql: string, columns: string[]): TableSchema {
  return { name: 't', sql, columns: columns.map((name, i) => ({ name, type: 'TEXT', notNull: false, primaryKey: i === 0 ? 1 : 0 })), indexes: [] };
}

describe('red team 4b: literals in a secret-named column\'s definition', () => {
  it('DEFAULT and CHECK literals of a secret-named column are replaced, quoted names and doubled quotes too', () => {
    for (const [sql, columns] of [
      ["CREATE TABLE t (id INTEGER PRIMARY KEY, password TEXT NOT NULL DEFAULT '%s')", ['id', 'password']],
      ['CREATE TABLE "t" ("id" INTEGER, "api_key" TEXT DEFAULT (\'%s\'), note TEXT)', ['id', 'api_key', 'note']],
      ["CREATE TABLE t (id INT, [db_password] TEXT CHECK (db_password <> '%s') DEFAULT 'it''s%s')", ['id', 'db_password']],
    ] as const) {
      const secret = password();
      const schema = schemaOf(sql.replaceAll('%s', secret), [...columns]);
      const out = redactSchema(policyWith(), schema).sql!;
      expect(out, sql).to.not.include(secret);
      expect(out, sql).to.include('[REDACTED]');
      expect(out.replace(/'\[REDACTED\]'/g, "''"), sql).to.equal(schema.sql!.replace(/'(?:[^']|'')*'/g, (l) => (l.includes(secret) ? "''" : l)));
    }
  });

  it('other columns\' literals, empty defaults and definitions without a secret-named column stay', () => {
    for (const [sql, columns] of [
      ["CREATE TABLE t (id INTEGER, password TEXT DEFAULT '', status TEXT DEFAULT 'active')", ['id', 'password', 'status']],
      ["CREATE TABLE t (id INTEGER, host TEXT DEFAULT 'localhost', port TEXT DEFAULT '3000')", ['id', 'host', 'port']],
      ["CREATE TABLE t (id INTEGER, price NUMERIC(10,2) DEFAULT 0, password_hint TEXT DEFAULT 'ask admin')", ['id', 'price', 'password_hint']],
    ] as const) {
      const schema = schemaOf(sql, [...columns]);
      expect(redactSchema(policyWith(), schema).sql, sql).to.equal(sql);
    }
  });
});
