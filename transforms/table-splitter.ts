import { once } from 'node:events';
import { Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AcodeError, toAcodeError } from '../lib/errors.js';
import type { ExportRecord, TableSchema } from '../lib/records.js';

export interface TableSplitterOptions {
  /** Opens the byte sink for one table (a CSV file, a temporary file for a tar entry). */
  readonly open: (table: TableSchema) => Promise<Writable>;
  /** Makes the serializer for one table's records, e.g. createCsvSerializer. */
  readonly serializer: (table: TableSchema) => Transform;
  /** Byte stages between the serializer and the sink (a leak scan), made per table. */
  readonly stages?: (table: TableSchema) => Transform[];
  /** Called once a table's sink has finished, before the next table is opened. */
  readonly onTableDone?: (table: TableSchema, rows: number) => void | Promise<void>;
}

interface OpenTable {
  readonly table: TableSchema;
  readonly serializer: Transform;
  readonly sink: Writable;
  /** Settles when the serializer → sink pipeline has finished or failed. */
  readonly done: Promise<void>;
  /** Rejects when that pipeline fails; never resolves. */
  readonly failed: Promise<never>;
}

/**
 * The end of a multi-table pipeline that writes one output per table: for each table it opens a
 * sink, runs the table's records through a fresh serializer into it (honouring backpressure),
 * ends it on 'table-end' and waits for it to finish before taking the next record. Header and
 * summary records are not part of any table and are skipped. Destroying the splitter destroys
 * the open serializer and sink with the same error.
 */
export class TableSplitter extends Writable {
  readonly #options: TableSplitterOptions;
  #current: OpenTable | null = null;

  constructor(options: TableSplitterOptions) {
    super({ objectMode: true, highWaterMark: 1 });
    this.#options = options;
  }

  override _write(record: ExportRecord, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#handle(record).then(
      () => callback(),
      (err: unknown) => callback(this.#coded(err, record.kind === 'table' ? record.table.name : 'table' in record ? record.table : undefined)),
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    const open = this.#current;
    callback(open ? new AcodeError('ACODE-INT-001', `export records ended inside table ${open.table.name}`, { context: { table: open.table.name } }) : null);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const open = this.#current;
    this.#current = null;
    if (open) {
      const reason = error ?? new AcodeError('ACODE-EXP-001', `table ${open.table.name}: the export stopped before the table was complete`, { context: { table: open.table.name } });
      open.serializer.destroy(reason);
      open.sink.destroy(reason);
      open.done.catch(() => {});
    }
    callback(error);
  }

  async #handle(record: ExportRecord): Promise<void> {
    switch (record.kind) {
      case 'table': {
        if (this.#current) throw new AcodeError('ACODE-INT-001', `table ${record.table.name} starts before table ${this.#current.table.name} ended`);
        const table = record.table;
        const sink = await this.#options.open(table);
        if (this.destroyed) {
          sink.destroy();
          return;
        }
        const serializer = this.#options.serializer(table);
        const done = pipeline([serializer, ...(this.#options.stages?.(table) ?? []), sink]);
        const failed = new Promise<never>((_, reject) => void done.catch(reject));
        failed.catch(() => {});
        this.#current = { table, serializer, sink, done, failed };
        return this.#forward(record);
      }
      case 'rows':
      case 'text-rows':
        return this.#forward(record);
      case 'table-end': {
        await this.#forward(record);
        const open = this.#current!;
        open.serializer.end();
        await open.done;
        this.#current = null;
        await this.#options.onTableDone?.(open.table, record.rows);
        return;
      }
      default:
        return;
    }
  }

  async #forward(record: Extract<ExportRecord, { table: unknown }>): Promise<void> {
    const open = this.#current;
    const name = typeof record.table === 'string' ? record.table : record.table.name;
    if (!open || open.table.name !== name) {
      throw new AcodeError('ACODE-INT-001', `a '${record.kind}' record for ${name} outside that table's records`, { context: { table: name } });
    }
    if (open.serializer.write(record)) return;
    // Wait for room, but fail at once when the table's pipeline fails meanwhile.
    await Promise.race([once(open.serializer, 'drain'), open.failed]);
  }

  #coded(err: unknown, table: string | undefined): Error {
    return toAcodeError(err, 'ACODE-EXP-001', table ? `writing table ${table}` : 'writing a table', table ? { table } : {});
  }
}

export function createTableSplitter(options: TableSplitterOptions): TableSplitter {
  return new TableSplitter(options);
}
