import { pipeline } from 'node:stream/promises';

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
