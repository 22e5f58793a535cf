import { Writable } from 'node:stream';
import { AcodeError } from '../errors.js';
import { RECORD_HIGH_WATER_MARK, type ExportRecord } from '../records.js';

/**
 * A sink of export records whose work per record is synchronous SQLite calls: a failure in
 * `apply` becomes the stream's error, and the next record waits for the last.
 */
export abstract class RecordWriter extends Writable {
  constructor() {
    super({ objectMode: true, highWaterMark: RECORD_HIGH_WATER_MARK });
  }

  protected abstract apply(record: ExportRecord): void;

  override _write(record: ExportRecord, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      // Encoded rows are for text formats; a database needs the values.
      if (record.kind === 'text-rows') throw new AcodeError('ACODE-INT-001', `rows of ${record.table} arrived encoded as ${record.format}, not as values`);
      this.apply(record);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }
}
