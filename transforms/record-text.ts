import { Transform, type TransformCallback } from 'node:stream';
import { AcodeError } from '../lib/errors.js';
import { RECORD_HIGH_WATER_MARK, type ExportRecord, type RowTextFormat } from '../lib/records.js';

/** A piece of output: text, or text already encoded as UTF-8 (rows, see row-encoders.ts). */
export type Text = string | Buffer;

/**
 * A text format's pure engine: the text for each record, then the closing text. For a
 * 'text-rows' record it returns the text that goes before the record's bytes, which follow as
 * they are.
 */
export interface TextWriter {
  write(record: ExportRecord): Text;
  end(): string;
}

/** The pieces one after the other: a string while they all are, else bytes. */
export function joinText(...parts: readonly Text[]): Text {
  if (parts.every((p) => typeof p === 'string')) return parts.join('');
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
}

function encode(text: Text): Buffer | undefined {
  if (text.length === 0) return undefined;
  return typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
}

const RECORD_KINDS = new Set<string>(['header', 'table', 'rows', 'text-rows', 'table-end', 'summary']);

/** Where a writer is in the record sequence of lib/records.ts. */
export type WriterState = 'start' | 'tables' | 'rows';

/** What a writer in `state` expects next, for error messages. */
export function expectedIn(state: WriterState, table: string | undefined): string {
  if (state === 'start') return 'a header record first';
  if (state === 'rows') return `the end of table ${table}`;
  return "a 'table' or 'summary' record";
}

export function outOfOrder(got: string, expected: string): AcodeError {
  return new AcodeError('ACODE-INT-001', `export records out of order: got ${got}, expected ${expected}`);
}

/** Refuses rows encoded for another format than the writer's (ACODE-INT-001). */
export function expectRowText(record: Extract<ExportRecord, { kind: 'text-rows' }>, format: RowTextFormat): void {
  if (record.format !== format) throw outOfOrder(`rows of ${record.table} encoded as ${record.format}`, `rows for ${format}`);
}

/** JSON.stringify for metadata, which must be plain JSON (a bigint there is a bug upstream). */
export function stringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch (err) {
    throw new AcodeError('ACODE-INT-001', `export metadata is not plain JSON: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Any text-format writer as a Transform: object-mode records in, UTF-8 bytes out, one chunk per
 * record (a 'text-rows' record's bytes pass on as they are), so the Transform's own backpressure
 * holds (the next record waits for the reader).
 */
export class RecordTextTransform extends Transform {
  readonly #writer: TextWriter;

  constructor(writer: TextWriter) {
    super({ writableObjectMode: true, readableObjectMode: false, writableHighWaterMark: RECORD_HIGH_WATER_MARK });
    this.#writer = writer;
  }

  override _transform(record: ExportRecord, _encoding: BufferEncoding, callback: TransformCallback): void {
    let text: Text;
    try {
      // A library caller's stream may carry anything: a chunk that is no record fails the pipeline
      // with a code, where it threw out of the stream and ended the process.
      if (typeof record !== 'object' || record === null || !RECORD_KINDS.has((record as { kind?: unknown }).kind as string)) {
        throw new AcodeError('ACODE-USE-001', `a serializer takes export records (${[...RECORD_KINDS].join(', ')}; see ARCHITECTURE.md), got ${typeof record === 'object' && record !== null ? `a record of kind ${JSON.stringify(String((record as { kind?: unknown }).kind)).slice(0, 40)}` : `a ${typeof record}`}`);
      }
      text = this.#writer.write(record);
    } catch (err) {
      callback(err as Error);
      return;
    }
    if (record.kind === 'text-rows') {
      const prefix = encode(text);
      if (prefix) this.push(prefix);
      callback(null, record.bytes.length === 0 ? undefined : record.bytes);
      return;
    }
    callback(null, encode(text));
  }

  override _flush(callback: TransformCallback): void {
    let text: string;
    try {
      text = this.#writer.end();
    } catch (err) {
      callback(err as Error);
      return;
    }
    callback(null, encode(text));
  }
}
