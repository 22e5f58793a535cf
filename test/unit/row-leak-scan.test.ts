import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { expect } from 'chai';
import { createRowLeakScan } from '../../lib/export-stages.js';
import type { ExportRecord, SqlValue, TableSchema } from '../../lib/records.js';
import { createLeakDetector } from '../../lib/redaction/index.js';
import { ALNUM, body, seeded } from './redaction/fakes.js';

const TABLE: TableSchema = {
  name: 'appr_approvals',
  sql: null,
  columns: ['id', 'session_token', 'session_id'].map((name, i) => ({ name, type: i === 0 ? 'INTEGER' : 'TEXT', notNull: false, primaryKey: i === 0 ? 1 : 0 })),
  indexes: [],
};

async function scanRows(batches: SqlValue[][][]): Promise<{ passed: number; error: Error | null }> {
  const records: ExportRecord[] = [{ kind: 'table', table: TABLE, rows: 0 }, ...batches.map((rows): ExportRecord => ({ kind: 'rows', table: TABLE.name, rows })), { kind: 'table-end', table: TABLE.name, rows: 0 }];
  let passed = 0;
  try {
    await pipeline(
      Readable.from(records, { objectMode: true }),
      createRowLeakScan(createLeakDetector({ allow: [] }), { allStrings: false }),
      new Writable({ objectMode: true, write(record: ExportRecord, _e, cb) { if (record.kind === 'rows') passed += record.rows.length; cb(); } }),
    );
    return { passed, error: null };
  } catch (err) {
    return { passed, error: err as Error };
  }
}

describe('row leak scan', () => {
  const rand = seeded(11);
  const secret = body(rand, ALNUM, 32);

  it('repeated clean values of a secret-named column pass; a random value there fails the export, however often clean ones came before', async () => {
    const clean = Array.from({ length: 2000 }, (_, i): SqlValue[] => [BigInt(i), `sess_${i % 7}`, 'ok']);
    expect(await scanRows([clean, clean])).to.deep.equal({ passed: 4000, error: null });
    for (const late of [[clean, [[1n, secret, 'ok']]], [clean, [[1n, 'sess_1', 'ok'], [2n, secret, 'ok'], [3n, secret, 'ok']]]]) {
      const { error } = await scanRows(late);
      expect(error).to.have.property('code', 'ACODE-EXP-003');
      expect(error!.message).to.include('table appr_approvals, column session_token');
      expect(error!.message).not.to.include(secret);
    }
  });

  it('a value is remembered as clean only in its own column', async () => {
    // Random text after session_id= is no secret assignment for the detector; after session_token= it is.
    expect(await scanRows([[[1n, 'sess_1', secret], [2n, 'sess_2', secret]]])).to.deep.equal({ passed: 2, error: null });
    const { error } = await scanRows([[[1n, 'sess_1', secret], [2n, secret, 'x']]]);
    expect(error).to.have.property('code', 'ACODE-EXP-003');
    expect(error!.message).to.include('column session_token');
  });
});

describe('row leak scan: key/value tables', () => {
  const rand = seeded(12);
  async function scanTable(columns: readonly string[], rows: SqlValue[][]): Promise<Error | null> {
    const schema: TableSchema = { name: 't', sql: null, indexes: [], columns: columns.map((name) => ({ name, type: 'TEXT', notNull: false, primaryKey: 0 })) };
    const records: ExportRecord[] = [{ kind: 'table', table: schema, rows: 0 }, { kind: 'rows', table: 't', rows }, { kind: 'table-end', table: 't', rows: rows.length }];
    try {
      await pipeline(Readable.from(records, { objectMode: true }), createRowLeakScan(createLeakDetector({ allow: [] }), { allStrings: false }), new Writable({ objectMode: true, write(_r, _e, cb) { cb(); } }));
      return null;
    } catch (err) {
      return err as Error;
    }
  }

  it('a random value under a secret-named key fails the export, naming the value column, whatever the pair is called', async () => {
    for (const [k, v] of [['key', 'value'], ['k', 'v'], ['option_name', 'option_value'], ['meta_key', 'meta_value'], ['env_name', 'env_value'], ['setting_name', 'setting_value'], ['property', 'val']]) {
      for (const name of ['PGPASS', 'SECRETKEY', 'DB_PASSWORD', 'stripeApiKey']) {
        const secret = body(rand, ALNUM, 32);
        const error = await scanTable(['id', k!, v!], [[1n, 'theme', 'dark'], [2n, name, secret]]);
        expect(error, `${k},${v} ${name}`).to.have.property('code', 'ACODE-EXP-003');
        expect(error!.message).to.include(`column ${v}`);
        expect(error!.message).not.to.include(secret);
      }
    }
  });

  it('document columns under a path or cache key, and keys that are paths or cache keys, are not read as key=value', async () => {
    const code = `export const resetToken = '${body(rand, ALNUM, 24)}';`;
    expect(await scanTable(['name', 'data', 'mtime'], [['src/auth/password-reset.tsx', code, 1n]])).to.equal(null);
    expect(await scanTable(['key', 'json'], [['github:token_scopes', '{"scopes":["repo"]}']])).to.equal(null);
    expect(await scanTable(['key', 'value'], [['user:42:password', body(rand, ALNUM, 24)]])).to.equal(null);
  });

  it('plain values under secret-named keys, and random values under other keys, pass', async () => {
    expect(await scanTable(['key', 'value'], [['PGPASS_FILE', '/home/app/.pgpass'], ['token_ttl', '3600'], ['build_id', body(rand, ALNUM, 32)]])).to.equal(null);
  });
});
