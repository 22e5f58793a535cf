/**
 * Forms the leak scan learnt to read on 2026-11-28 that the rules kept: each failed its export
 * (fail closed, but for a secret the rules should have taken). Every secret is generated here.
 */
import { ALNUM, body, seeded } from './fakes.js';
import { expectEach, expectUntouched } from './helpers.js';

const rand = seeded(20261128);
const generated = (): string => body(rand, ALNUM, 24);

describe('rules and leak scan agree: a DEFAULT literal and a CRLF CSV column', () => {
  it("a column definition's DEFAULT literal under a secret-named column, in a table's DDL pasted as text", () => {
    expectEach([
      "  password TEXT DEFAULT '%s',",
      "CREATE TABLE u (id INT, api_key VARCHAR(64) NOT NULL DEFAULT '%s')",
      'CREATE TABLE u (\n  id INTEGER PRIMARY KEY,\n  "secret" text default \'%s\'\n)',
      "  db_password character varying(128) DEFAULT '%s'::character varying,",
    ], generated, 'secret_assignment', 'secret_assignment');
    // The scan does not read this one; the rules do.
    expectEach(["ALTER TABLE s ADD COLUMN client_secret TEXT COLLATE nocase DEFAULT '%s';", "ALTER TABLE s ADD api_key text DEFAULT '%s'"], generated, 'secret_assignment');
  });

  it('DEFAULTs that are no secret, or not under a secret-named column, stay', () => {
    expectUntouched([
      "  theme TEXT DEFAULT 'q7Rk2Vx9Lm4Pz8Wn3Ht6Yb1C',",
      "export default 'q7Rk2Vx9Lm4Pz8Wn3Ht6Yb1C'",
      "  password TEXT DEFAULT '',",
      '  password TEXT DEFAULT NULL,',
      '  token_count INTEGER DEFAULT 0,',
      "  -- the password column DEFAULT 'none' was dropped",
    ]);
  });

  it('a CSV or TSV column under a header naming a secret, with CRLF line ends', () => {
    expectEach(['name,api_key\r\nprod,%s\r\n', 'name\tapi_key\r\nprod\t%s\r\n', 'name,api_key\r\nprod,%s', 'name,client_secret\r\nstaging,%s\r\nprod,xyz\r\n'], generated, 'table_cell', 'secret_assignment');
  });
});
