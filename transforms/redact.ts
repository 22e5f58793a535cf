import { Transform, type TransformCallback } from 'node:stream';
import { AcodeError, toAcodeError } from '../lib/errors.js';
import type { RedactionPolicy, Redactor, TablePlan } from '../lib/redaction/index.js';
import { RECORD_HIGH_WATER_MARK, type ExportRecord } from '../lib/records.js';
import { checkOptions } from '../lib/options.js';

export interface RedactTransformOptions {
  readonly policy: RedactionPolicy;
  /** One per export: its counts end up in the summary record. */
  readonly redactor: Redactor;
}

/**
 * The pipeline's redaction stage (object mode, ExportRecord in and out). A table record makes
 * the table's plan; row batches are redacted in place; a summary record with no redaction
 * counts yet gets the redactor's. Any failure fails the export with ACODE-EXP-002.
 */
export class RedactTransform extends Transform {
  readonly #policy: RedactionPolicy;
  readonly #redactor: Redactor;
  readonly #plans = new Map<string, TablePlan>();

  constructor(options: RedactTransformOptions) {
    // As few batches as the other record stages hold: a batch can be one value of many MiB.
    super({ objectMode: true, highWaterMark: RECORD_HIGH_WATER_MARK });
    this.#policy = options.policy;
    this.#redactor = options.redactor;
  }

  override _transform(record: ExportRecord, _encoding: BufferEncoding, callback: TransformCallback): void {
    let out: ExportRecord = record;
    try {
      switch (record.kind) {
        case 'table':
          this.#plans.set(record.table.name, this.#policy.plan(record.table));
          break;
        case 'rows': {
          const plan = this.#plans.get(record.table);
          if (!plan) {
            callback(new AcodeError('ACODE-EXP-002', `rows of table ${record.table} arrived before its table record; they were not passed on unredacted`, { context: { table: record.table } }));
            return;
          }
          this.#redactor.redactRows(record.table, plan, record.rows);
          break;
        }
        case 'text-rows':
          // Already encoded: there is nothing here to redact, so it must never pass.
          callback(new AcodeError('ACODE-EXP-002', `rows of table ${record.table} arrived already encoded; redaction needs their values, so they were not passed on`, { context: { table: record.table } }));
          return;
        case 'table-end':
          this.#plans.delete(record.table);
          break;
        case 'summary':
          if (record.summary.redaction === null || record.summary.redaction === undefined) {
            out = { kind: 'summary', summary: { ...record.summary, redaction: this.#redactor.summary() } };
          }
          break;
        default:
      }
    } catch (err) {
      callback(toAcodeError(err, 'ACODE-EXP-002', 'redaction'));
      return;
    }
    callback(null, out);
  }
}

export function createRedactTransform(options: RedactTransformOptions): RedactTransform {
  checkOptions<RedactTransformOptions>('createRedactTransform', 'RedactTransformOptions', options, { policy: { kind: 'object', required: true }, redactor: { kind: 'object', required: true } });
  return new RedactTransform(options);
}
