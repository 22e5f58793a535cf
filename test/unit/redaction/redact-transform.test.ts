import { expect } from 'chai';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AcodeError } from '../../../lib/errors.js';
import type { ExportRecord, SqlValue } from '../../../lib/records.js';
import { MAX_SCAN_LENGTH } from '../../../lib/redaction/index.js';
import { createRedactTransform } from '../../../transforms/redact.js';
import { FAKE, seeded, table } from './fakes.js';
import { policyWith } from './helpers.js';

const schema = table('conv_messages', ['id', 'content', 'api_key']);

async function through(records: ExportRecord[], options: Parameters<typeof policyWith>[0] = {}): Promise<{ out: ExportRecord[]; error: AcodeError | null }> {
  const policy = policyWith(options);
  const out: ExportRecord[] = [];
  let error: AcodeError | null = null;
  try {
    await pipeline(
      Readable.from(records),
      createRedactTransform({ policy, redactor: policy.createRedactor() }),
      new Writable({ objectMode: true, write(record: ExportRecord, _e, cb) { out.push(record); cb(); } }),
    );
  } catch (err) {
    error = err as AcodeError;
  }
  return { out, error };
}

describe('redact transform', () => {
  const key = FAKE['github_token']!(seeded(61));

  it('plans each table on its table record, redacts its row batches, passes the rest, and fills the summary', async () => {
    const rows: SqlValue[][] = [[1n, `token ${key}`, 'k1'], [2n, 'fine', null]];
    const { out, error } = await through([
      { kind: 'table', table: schema, rows: 2 },
      { kind: 'rows', table: 'conv_messages', rows },
      { kind: 'table-end', table: 'conv_messages', rows: 2 },
      { kind: 'summary', summary: { rows: 2, redaction: null } },
    ]);
    expect(error).to.equal(null);
    expect(out.map((r) => r.kind)).to.deep.equal(['table', 'rows', 'table-end', 'summary']);
    expect((out[1] as { rows: SqlValue[][] }).rows).to.deep.equal([[1n, 'token [REDACTED]', '[REDACTED]'], [2n, 'fine', null]]);
    const summary = (out[3] as { summary: { redaction: { total: number } } }).summary;
    expect(summary.redaction.total).to.equal(2);
  });

  it('refuses rows that arrive before their table record: they are never passed on unredacted', async () => {
    const { out, error } = await through([{ kind: 'rows', table: 'conv_messages', rows: [[1n, key, null]] }]);
    expect(error!.code).to.equal('ACODE-EXP-002');
    expect(error!.message).to.equal('Redaction failed: rows of table conv_messages arrived before its table record; they were not passed on unredacted');
    expect(out).to.deep.equal([]);
  });

  it('a value too large to scan fails the export with ACODE-EXP-002 naming table and column, not the value', async () => {
    const huge = `${key} ${'x'.repeat(MAX_SCAN_LENGTH)}`;
    const { out, error } = await through([{ kind: 'table', table: schema, rows: 1 }, { kind: 'rows', table: 'conv_messages', rows: [[1n, huge, null]] }]);
    expect(error!.code).to.equal('ACODE-EXP-002');
    expect(error!.message).to.equal(`Redaction failed: table conv_messages, column content: a value of ${huge.length} characters is larger than the 16 MiB that redaction scans; it cannot be exported redacted`);
    expect(error!.context).to.include({ table: 'conv_messages', column: 'content' });
    expect(out.map((r) => r.kind)).to.deep.equal(['table']);
  });

  it('a rule that fails names table, column and rule, never the value', async () => {
    const exec = RegExp.prototype.exec;
    RegExp.prototype.exec = function (this: RegExp, s: string) {
      if (this.source.includes('BOOM')) throw new RangeError(`cannot handle ${s}`);
      return exec.call(this, s);
    };
    try {
      const { error } = await through([{ kind: 'table', table: schema, rows: 1 }, { kind: 'rows', table: 'conv_messages', rows: [[1n, `BOOM-1 ${key}`, null]] }], {
        patterns: [{ name: 'boom_rule', pattern: 'BOOM-[0-9]' }],
      });
      expect(error!.code).to.equal('ACODE-EXP-002');
      expect(error!.message).to.equal("Redaction failed: table conv_messages, column content, rule 'boom_rule': RangeError while redacting (the value is not shown)");
      expect(error!.context).to.include({ table: 'conv_messages', column: 'content', rule: 'boom_rule' });
    } finally {
      RegExp.prototype.exec = exec;
    }
  });
});
