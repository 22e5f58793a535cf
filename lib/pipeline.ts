import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RECORD_HIGH_WATER_MARK, type ExportRecord } from './records.js';

/** A stage of `pipeline()`: a stream, or an async function consuming the stage before it. */
export type PipelineStage =
  | NodeJS.ReadableStream
  | NodeJS.WritableStream
  | NodeJS.ReadWriteStream
  | ((source: AsyncIterable<never>) => AsyncIterable<unknown> | Promise<unknown>);

/**
 * `pipeline()` over a list built at run time (optional stages come and go): every stage is
 * destroyed on the first error or on abort, and the promise settles once all have.
 */
export function runPipeline(stages: readonly PipelineStage[], signal?: AbortSignal): Promise<void> {
  const run = pipeline as unknown as (...args: unknown[]) => Promise<void>;
  return run(...stages, { signal });
}

/** Lets records through, telling `fn` about each; what `fn` throws fails the stream. */
export function recordTap(fn: (record: ExportRecord) => void): Transform {
  return new Transform({
    objectMode: true,
    highWaterMark: RECORD_HIGH_WATER_MARK,
    transform(record: ExportRecord, _encoding, callback) {
      try {
        fn(record);
      } catch (err) {
        callback(err as Error);
        return;
      }
      callback(null, record);
    },
  });
}
