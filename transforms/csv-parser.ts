import type { Transform, TransformCallback } from 'node:stream';
import { Parser, type CastingContext, type Info } from 'csv-parse';
import { AcodeError, describeCause } from '../lib/errors.js';
import { RowBatch, type ExportRecord, type SqlValue, type TableSchema } from '../lib/records.js';
import { decodeCsvField, describeInput, isBlobColumn, sqliteDeclaredType } from './value-codec.js';
import { formatLimit, MAX_VALUE_BYTES, TOO_LARGE_HINT } from './token-stream.js';
import { checkOptions } from '../lib/options.js';

export interface CsvParserOptions {
  /** The table the CSV holds: its columns give the header to expect and which fields are base64. */
  readonly table: TableSchema;
  /** The row count the manifest promises; when given, a different count is ACODE-IMP-002. */
  readonly rows?: number;
  /** Rows per 'rows' record (default 500); a batch also ends once its values reach BATCH_CHARS. */
  readonly batchSize?: number;
  /**
   * Refuse input whose last record has no line break after it (default true): every CSV we write
   * ends with one, so a missing one means the file was cut inside its last row.
   */
  readonly requireFinalNewline?: boolean;
  /** The longest record (row) read, in characters (default MAX_VALUE_BYTES, 500 MiB); longer is ACODE-IMP-002. */
  readonly maxRecordBytes?: number;
}

/**
 * One table's CSV (as the CSV serializer writes it) back into export records: 'table', 'rows'
 * batches, 'table-end'. csv-parse does the RFC 4180 work (quotes, CR/LF either way, a UTF-8 BOM);
 * its `cast` hook sees whether a field was quoted, which is how NULL (unquoted empty) and ''
 * (`""`) differ. The header row must name the table's columns in order. A ragged row, an
 * unclosed quote or bad base64 is ACODE-IMP-002 naming the table and the data row.
 *
 * This subclasses csv-parse's own stream: its engine hands each record to `push`, which we
 * gather into batches, so rows do not cross a second object-mode stream one by one.
 */
class CsvTableParser extends Parser {
  readonly #table: TableSchema;
  readonly #expected: number | undefined;
  readonly #requireFinalNewline: boolean;
  readonly #maxRecordBytes: number;
  #started = false;
  #ended = false;
  readonly #batch: RowBatch;
  #count = 0;
  #lastByte = -1;

  constructor(options: CsvParserOptions) {
    const table = options.table;
    const blob = table.columns.map((c) => isBlobColumn(sqliteDeclaredType(table, c)));
    const names = table.columns.map((c) => c.name);
    super({
      // Passed on to the Transform (csv-parse's typings omit it): four batches of rows waiting
      // is plenty; the default of 16 holds 8,000 rows.
      ...({ readableHighWaterMark: 4 } as object),
      bom: true,
      // A quote that never closes would otherwise grow one field until memory runs out.
      max_record_size: options.maxRecordBytes ?? MAX_VALUE_BYTES,
      cast: (value: string, ctx: CastingContext) =>
        ctx.records === 0 ? value : decodeCsvField(value, ctx.quoting, blob[ctx.index] === true, `${table.name}.${names[ctx.index] ?? ctx.index} in data row ${ctx.records}`),
      // csv-parse types the record as strings; after `cast` it holds our values.
      on_record: ((record: SqlValue[], info: Info) => {
        if (info.records === 1) checkHeader(table, record as string[]);
        return record;
      }) as unknown as (record: string[]) => string[],
    });
    this.#table = table;
    this.#expected = options.rows;
    this.#batch = new RowBatch(options.batchSize ?? 500);
    this.#requireFinalNewline = options.requireFinalNewline ?? true;
    this.#maxRecordBytes = options.maxRecordBytes ?? MAX_VALUE_BYTES;
  }

  override push(record: SqlValue[] | ExportRecord | null): boolean {
    if (record === null) {
      if (this.#ended) return false;
      this.#ended = true;
      this.#flush();
      super.push({ kind: 'table-end', table: this.#table.name, rows: this.#count } satisfies ExportRecord);
      return super.push(null);
    }
    if (!this.#started) {
      this.#started = true;
      return super.push({ kind: 'table', table: this.#table, rows: this.#expected ?? 0 } satisfies ExportRecord);
    }
    const full = this.#batch.add(record as SqlValue[]);
    return full ? this.#flush() : true;
  }

  #flush(): boolean {
    if (this.#batch.length === 0) return true;
    const rows = this.#batch.take();
    this.#count += rows.length;
    return super.push({ kind: 'rows', table: this.#table.name, rows } satisfies ExportRecord);
  }

  override _transform(chunk: Buffer, encoding: BufferEncoding, callback: TransformCallback): void {
    if (chunk.length > 0) this.#lastByte = chunk[chunk.length - 1]!;
    super._transform(chunk, encoding, (err?: Error | null) => callback(err ? this.#wrap(err) : null));
  }

  override _flush(callback: TransformCallback): void {
    super._flush((err?: Error | null) => {
      if (err) return callback(this.#wrap(err));
      const name = this.#table.name;
      if (!this.#started) return callback(invalid(name, 'the CSV is empty: no header row'));
      if (this.#requireFinalNewline && this.#lastByte !== 0x0a && this.#lastByte !== 0x0d) {
        return callback(invalid(name, 'the CSV ends inside its last row, without a line break (truncated?)'));
      }
      const rows = this.#count + this.#batch.length;
      if (this.#expected !== undefined && rows !== this.#expected) {
        return callback(invalid(name, `the CSV has ${rows} rows, the manifest says ${this.#expected} (truncated?)`));
      }
      callback();
    });
  }

  #wrap(err: Error): AcodeError {
    if (err instanceof AcodeError) return err;
    const e = err as Error & { code?: string; records?: number; lines?: number; record?: unknown[] };
    const name = this.#table.name;
    const where = `data row ${e.records ?? '?'} (near line ${e.lines ?? '?'})`;
    switch (e.code) {
      case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
        return invalid(name, `${where} has ${e.record?.length ?? '?'} fields, the table has ${this.#table.columns.length} columns`, err);
      case 'CSV_QUOTE_NOT_CLOSED':
        return invalid(name, `a quoted field is never closed (truncated?) at ${where}`, err);
      case 'CSV_MAX_RECORD_SIZE':
        return new AcodeError('ACODE-IMP-002', `table ${name}: ${where} is longer than ${formatLimit(this.#maxRecordBytes)} (or a quote never closes)`, { cause: err, context: { table: name }, hint: TOO_LARGE_HINT });
      default:
        // csv-parse quotes the field it stopped at, in its message and its error's properties: a
        // field can hold a secret, so the quotes are emptied and its error is not kept as the cause.
        return invalid(name, `not valid CSV at ${where}: ${describeCause(err).replace(/"(?:[^"\\]|\\.)*"/g, '"…"')}`);
    }
  }
}

function invalid(table: string, detail: string, cause?: unknown): AcodeError {
  return new AcodeError('ACODE-IMP-002', `table ${table}: ${detail}`, { cause, context: { table } });
}

/**
 * The header row must name the table's columns in order. When it does not, the message says
 * where: a field that is one of the table's column names is named, any other field (the header
 * line may be missing and this a row of data) only described.
 */
function checkHeader(table: TableSchema, header: readonly string[]): void {
  const names = table.columns.map((c) => c.name);
  if (header.length === names.length && header.every((h, i) => h === names[i])) return;
  const known = new Set(names);
  let at = 0;
  while (header[at] === names[at]) at++;
  const field = header[at];
  const got = field === undefined ? 'missing' : known.has(field) ? `column ${JSON.stringify(field)}` : describeInput(field);
  const expected = names[at] === undefined ? 'no more fields' : `column ${JSON.stringify(names[at])}`;
  const count = header.length === names.length ? '' : ` (${header.length} fields for ${names.length} columns)`;
  throw invalid(table.name, `the header row does not name the columns ${JSON.stringify(names.join(','))}${count}: field ${at + 1} is ${got}, expected ${expected}`);
}

/** One table's CSV bytes in, export records out. */
export function createCsvParser(options: CsvParserOptions): Transform {
  checkOptions<CsvParserOptions>('createCsvParser', 'CsvParserOptions', options, {
    table: { kind: 'object', required: true },
    rows: 'number',
    batchSize: 'number',
    requireFinalNewline: 'boolean',
    maxRecordBytes: 'number',
  });
  return new CsvTableParser(options);
}
