import { expect } from 'chai';
import type { ColumnInfo, SqlValue, TableSchema } from '../../../lib/records.js';
import { setPgShape, type PgShape } from '../../../lib/redaction/pg-values.js';
import { AcodeError } from '../../../lib/errors.js';
import { policyWith } from './helpers.js';

const TEXT: PgShape = { kind: 'text' };

function redactShaped(shape: PgShape, values: SqlValue[]): SqlValue[] {
  const column: ColumnInfo = { name: 'payload', type: 'x', notNull: false, primaryKey: 0 };
  setPgShape(column, shape);
  const schema: TableSchema = { name: 'things', sql: null, columns: [column], indexes: [] };
  const policy = policyWith();
  const rows = values.map((v) => [v]);
  policy.createRedactor().redactRows('things', policy.plan(schema), rows);
  return rows.map((r) => r[0]!);
}

describe('redaction: PostgreSQL container values read part by part (pg-values)', () => {
  it('fails closed with ACODE-EXP-002 naming the table and column when a value is not what its type prints', () => {
    const cases: [PgShape, string][] = [
      [{ kind: 'array', delimiter: ',', element: TEXT }, '{"unterminated'],
      [{ kind: 'array', delimiter: ',', element: TEXT }, '{a,b}tail'],
      [{ kind: 'array', delimiter: ',', element: { kind: 'bytea' } }, '{"\\\\xzz"}'],
      [{ kind: 'record', fields: [{ name: 'a', shape: TEXT }, { name: 'b', shape: TEXT }] }, '(only-one)'],
      [{ kind: 'record', fields: [{ name: 'a', shape: TEXT }] }, 'a,b'],
      [{ kind: 'hstore' }, '"k"=>v'],
    ];
    for (const [shape, value] of cases) {
      let caught: unknown = null;
      try {
        redactShaped(shape, [value]);
      } catch (err) {
        caught = err;
      }
      expect(caught, value).to.be.instanceOf(AcodeError);
      const e = caught as AcodeError;
      expect(e.code, value).to.equal('ACODE-EXP-002');
      expect(e.detail, value).to.match(/^table things, column payload: a value could not be read as its PostgreSQL type prints it \(.+\), so it cannot be redacted part by part \(the value is not shown\)$/);
      expect(e.message, value).not.to.include(value.slice(1));
    }
  });

  it('writes a changed part back with the quoting PostgreSQL prints, and returns an unchanged value as it came', () => {
    const record: PgShape = { kind: 'record', fields: [{ name: 'label', shape: TEXT }, { name: 'api_key', shape: TEXT }, { name: 'note', shape: TEXT }] };
    const [r1, r2] = redactShaped(record, ['("a b",Lq8Vz3Tk6Wm1Rn4Xp7,)', '("a ""b""",,"c\\\\d")']);
    expect(r1).to.equal('("a b",[REDACTED],)');
    expect(r2).to.equal('("a ""b""",,"c\\\\d")');
    const array: PgShape = { kind: 'array', delimiter: ',', element: TEXT };
    const [a1, a2] = redactShaped(array, ['[0:1]={"password=Mv3Qx8Lr2Zt6Wn9Kp4 x",NULL}', '{{"",NULL},{"NULL","a\\"b"}}']);
    expect(a1).to.equal('[0:1]={"password=[REDACTED] x",NULL}');
    expect(a2).to.equal('{{"",NULL},{"NULL","a\\"b"}}');
    const [h1] = redactShaped({ kind: 'hstore' }, ['"api_key"=>"Gd3Vn7Xq1Zk5Wt9Lr2", "n"=>NULL, "q\\"k"=>"v"']);
    expect(h1).to.equal('"api_key"=>"[REDACTED]", "n"=>NULL, "q\\"k"=>"v"');
    // A key that is itself a secret goes, and takes its value along, as a JSON key does.
    const [h2] = redactShaped({ kind: 'hstore' }, ['"ghp_Zr8Wq3Lm6Tn1Vb4Xc7Yd0Ke2Hf5Jg9Ps3Ua6"=>"Mv3Qx8Lr2Zt6Wn9Kp4"']);
    expect(h2).to.equal('"[REDACTED]"=>"[REDACTED]"');
  });
});
