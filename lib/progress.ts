/** Stages the library reports; the CLI draws them, programs may log or ignore them. */
export type ProgressStage =
  | 'open'
  | 'copy'
  | 'check'
  | 'checksum'
  | 'compress'
  | 'manifest'
  | 'rotate'
  | 'safety-backup'
  | 'restore'
  | 'migrate'
  | 'export'
  | 'import'
  | 'scan'
  /** createProgressTap's, for a caller's own byte stream. */
  | 'write';

export type ProgressPhase = 'start' | 'update' | 'end';

/** One typed progress event. Counts are cumulative within a stage. */
export interface ProgressEvent {
  readonly stage: ProgressStage;
  readonly phase: ProgressPhase;
  /** What the stage does, in words for people ("Copying data"); an export's and an import's per-table events carry the table's name. */
  readonly label: string;
  readonly table?: string;
  readonly rows?: number;
  readonly totalRows?: number;
  readonly bytes?: number;
  readonly totalBytes?: number;
  readonly pages?: number;
  readonly totalPages?: number;
  /** A short result for an `end` event ("26,112 pages", "ok"). Never holds data values. */
  readonly detail?: string;
}

export type ProgressListener = (event: ProgressEvent) => void;

/** Options every long-running library call takes. */
export interface RunOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressListener;
}

/** Runs one stage between a start and an end event; the end event carries the stage's detail. */
export async function stage<T>(
  options: RunOptions,
  base: Pick<ProgressEvent, 'stage' | 'label' | 'table'>,
  work: (update: (event: Omit<ProgressEvent, 'stage' | 'label' | 'phase'>) => void) => Promise<T> | T,
  detail?: (result: T) => string | undefined,
): Promise<T> {
  options.signal?.throwIfAborted();
  const emit = options.onProgress ?? (() => {});
  emit({ ...base, phase: 'start' });
  const result = await work((event) => emit({ ...base, ...event, phase: 'update' }));
  emit({ ...base, phase: 'end', detail: detail?.(result) });
  return result;
}
