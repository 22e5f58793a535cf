/**
 * The stages an export's output is written through, whatever its layout: the object-mode head
 * (rows, redaction, row scan, progress), the leak scan of serialised bytes, and the final sink;
 * with the arguments every layout's writer takes.
 */
import type { Readable, Transform } from 'node:stream';
// Specific modules, not the transforms barrel: an export must not load the import parsers.
import { csvBlobColumns } from '../transforms/csv-serializer.js';
import { createHashingPassThrough } from '../transforms/hashing-pass-through.js';
import { createHashingSink, type DigestSource, type HashingSink } from '../transforms/hashing-sink.js';
import type { LeakScanTransform } from '../transforms/leak-scan.js';
import { AcodeError } from './errors.js';
import type { OutputLayout } from './export-layout.js';
import type { ExportFileEntry, ExportManifest } from './export-manifest.js';
import type { Snapshot } from './export-source.js';
import { createRowLeakScan, createTableProgress, type TableOffsets } from './export-stages.js';
import { recordTap } from './pipeline.js';
import type { ProgressListener } from './progress.js';
import type { ExportHeader, RowTextFormat } from './records.js';
import type { RedactionPolicy, Redactor } from './redaction/index.js';
import { createLeakDetector } from './redaction/leak-detector.js';
import { createSqliteStorableCheck } from './sqlite-storable.js';

export interface WriteOutputArgs {
  readonly layout: OutputLayout;
  readonly header: ExportHeader;
  readonly snapshot: Snapshot;
  /**
   * A fresh stream of every record of the export, header first; with `rowText`, rows may come
   * already encoded for that format ('text-rows').
   */
  readonly records: (rowText?: RowTextFormat) => Readable;
  readonly redact: { readonly policy: RedactionPolicy; readonly redactor: Redactor } | null;
  readonly allowScanHits: readonly string[];
  readonly force: boolean;
  readonly stdout: NodeJS.WritableStream;
  readonly manifestFile: string | null;
  readonly buildManifest: (files: readonly ExportFileEntry[]) => ExportManifest;
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressListener;
  /** Set to the table a SQLite export's writer is at (a failure there names it). */
  readonly writing?: { table: string | null };
}

/**
 * The stages only a redacted export runs, loaded when one does: a plain export does not pay for
 * the rules' compilation or the scan's worker thread at start-up.
 */
interface RedactionStages {
  readonly createRedactTransform: typeof import('../transforms/redact.js').createRedactTransform;
  readonly createLeakScanTransform: typeof import('../transforms/leak-scan.js').createLeakScanTransform;
}
let redactionStages: RedactionStages | null = null;

export async function loadRedactionStages(): Promise<void> {
  if (redactionStages) return;
  const [{ createRedactTransform }, { createLeakScanTransform }] = await Promise.all([import('../transforms/redact.js'), import('../transforms/leak-scan.js')]);
  redactionStages = { createRedactTransform, createLeakScanTransform };
}

function loadedRedactionStages(): RedactionStages {
  if (!redactionStages) throw new AcodeError('ACODE-INT-001', 'redaction stages used before they were loaded');
  return redactionStages;
}

/**
 * Row source → redaction → row-level leak scan → per-table progress: the object-mode head every
 * layout shares. The row scan reads what the byte scan after the serializer cannot (BLOBs as
 * text, bare values of secret-named columns) — or, for the sqlite format, everything.
 */
export function headStages(args: WriteOutputArgs): (Readable | Transform)[] {
  // Unredacted JSON and NDJSON exports take their rows encoded by the database: nothing looks at the values.
  const format = args.layout.format;
  const rowText = !args.redact && (format === 'json' || format === 'ndjson') ? format : undefined;
  const stages: (Readable | Transform)[] = [args.records(rowText)];
  if (args.redact) {
    stages.push(loadedRedactionStages().createRedactTransform(args.redact));
    stages.push(createRowLeakScan(createLeakDetector({ allow: args.allowScanHits }), { allStrings: args.layout.format === 'sqlite' }));
  }
  // Only PostgreSQL has NaN (SQLite stores it as NULL): CSV would write it as an empty field, NULL.
  if (format === 'csv' && args.header.source.type === 'postgres') stages.push(recordTap(createSqliteStorableCheck('ACODE-EXP-001', null, 'csv')));
  stages.push(createTableProgress(args.snapshot, args.onProgress));
  return stages;
}

/**
 * A per-table file of fewer rows than this is leak-scanned on the export's own thread: starting a
 * scan worker costs more than such a table's scan (a CSV folder of the bench workspace: 0.3 s).
 */
const WORKER_SCAN_MIN_ROWS = 10_000;

/** The leak scan of serialised bytes, when redaction is on; `table` fixes the table for per-table files. */
export function leakStage(args: WriteOutputArgs, offsets: TableOffsets, table?: string, hash = false): LeakScanTransform[] {
  if (!args.redact) return [];
  const detector = createLeakDetector({ allow: args.allowScanHits });
  const rows = table === undefined ? Infinity : (args.snapshot.tables.find((t) => t.schema.name === table)?.rows ?? Infinity);
  // A CSV stream holds one table (per file, per entry, or alone on stdout).
  const only = table ?? (args.snapshot.tables.length === 1 ? args.snapshot.tables[0]!.schema.name : undefined);
  const schema = args.layout.format === 'csv' ? args.snapshot.tables.find((t) => t.schema.name === only)?.schema : undefined;
  return [
    loadedRedactionStages().createLeakScanTransform({
      detector,
      csvBlobColumns: schema ? csvBlobColumns(schema) : [],
      locate: (offset, line, lineOffset) => offsets.locate(offset, line, lineOffset, table),
      parallel: rows >= WORKER_SCAN_MIN_ROWS,
      // Straight from the serializer, each chunk made for this pass alone.
      ownsChunks: true,
      hash,
    }),
  ];
}

/**
 * A sink for the final bytes: a file under a temporary name, or stdout; both hash as bytes pass,
 * or take the digest of `digestFrom`, the leak scan right before them that hashed the same bytes.
 */
export function finalSink(args: WriteOutputArgs, digestFrom?: DigestSource): HashingSink {
  const from = digestFrom ? { digestFrom } : {};
  return args.layout.kind === 'stdout' ? createHashingPassThrough(args.stdout, from) : createHashingSink({ file: args.layout.path!, force: args.force, ...from });
}
