import { Transform, type TransformCallback } from 'node:stream';
import { RECORD_HIGH_WATER_MARK, rowCount, type ExportRecord } from '../lib/records.js';
import type { ProgressEvent, ProgressListener, ProgressStage } from '../lib/progress.js';

export interface ProgressTapOptions {
  readonly onProgress: ProgressListener;
  readonly stage: ProgressStage;
  readonly label: string;
  /** 'rows' (default): object mode, counts the rows of each table; 'bytes': counts bytes. */
  readonly unit?: 'rows' | 'bytes';
  /** The table a byte tap reports on (a row tap takes it from the records). */
  readonly table?: string;
  /** For a byte tap, when the size is known up front (an import file). */
  readonly totalBytes?: number;
  /** At most one 'update' per this many milliseconds (default 100). */
  readonly intervalMs?: number;
  /** The clock, for tests. */
  readonly now?: () => number;
}

type Counts = Omit<ProgressEvent, 'stage' | 'label' | 'phase'>;

/**
 * Pure throttling and event shaping: 'start', 'update' at most once per interval, 'end' with a
 * short detail. Counts are cumulative within one table (rows) or the whole stream (bytes).
 */
export class ProgressCounter {
  readonly #options: ProgressTapOptions;
  readonly #interval: number;
  readonly #now: () => number;
  #last = 0;

  constructor(options: ProgressTapOptions) {
    this.#options = options;
    this.#interval = options.intervalMs ?? 100;
    this.#now = options.now ?? Date.now;
  }

  start(counts: Counts): void {
    this.#last = this.#now();
    this.#emit('start', counts);
  }

  update(counts: Counts): void {
    const now = this.#now();
    if (now - this.#last < this.#interval) return;
    this.#last = now;
    this.#emit('update', counts);
  }

  end(counts: Counts, detail: string): void {
    this.#emit('end', { ...counts, detail });
  }

  #emit(phase: ProgressEvent['phase'], counts: Counts): void {
    this.#options.onProgress({ stage: this.#options.stage, label: this.#options.label, phase, ...counts });
  }
}

/** Counts rows per table from the records going past; records pass unchanged. */
class RowProgressTap extends Transform {
  readonly #counter: ProgressCounter;
  #table: { name: string; rows: number; totalRows: number } | null = null;

  constructor(options: ProgressTapOptions) {
    super({ objectMode: true, highWaterMark: RECORD_HIGH_WATER_MARK });
    this.#counter = new ProgressCounter(options);
  }

  override _transform(record: ExportRecord, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      const t = this.#table;
      if (record.kind === 'table') {
        this.#table = { name: record.table.name, rows: 0, totalRows: record.rows };
        this.#counter.start({ table: record.table.name, rows: 0, totalRows: record.rows });
      } else if ((record.kind === 'rows' || record.kind === 'text-rows') && t) {
        t.rows += rowCount(record);
        this.#counter.update({ table: t.name, rows: t.rows, totalRows: t.totalRows });
      } else if (record.kind === 'table-end' && t) {
        this.#counter.end({ table: t.name, rows: t.rows, totalRows: t.totalRows }, `${t.rows} rows`);
        this.#table = null;
      }
    } catch (err) {
      callback(err as Error);
      return;
    }
    callback(null, record);
  }
}

/** Counts bytes going past; bytes pass unchanged. */
class ByteProgressTap extends Transform {
  readonly #counter: ProgressCounter;
  readonly #base: Counts;
  #bytes = 0;
  #started = false;

  constructor(options: ProgressTapOptions) {
    super();
    this.#counter = new ProgressCounter(options);
    this.#base = {
      ...(options.table === undefined ? {} : { table: options.table }),
      ...(options.totalBytes === undefined ? {} : { totalBytes: options.totalBytes }),
    };
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#start();
      this.#bytes += chunk.length;
      this.#counter.update({ ...this.#base, bytes: this.#bytes });
    } catch (err) {
      callback(err as Error);
      return;
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.#start();
      this.#counter.end({ ...this.#base, bytes: this.#bytes }, `${this.#bytes} bytes`);
    } catch (err) {
      callback(err as Error);
      return;
    }
    callback();
  }

  #start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#counter.start({ ...this.#base, bytes: 0 });
  }
}

/** A pass-through stage that reports progress: rows of records (default) or bytes. */
export function createProgressTap(options: ProgressTapOptions): Transform {
  return options.unit === 'bytes' ? new ByteProgressTap(options) : new RowProgressTap(options);
}
