import { createReadStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Transform } from 'node:stream';
import { createGzip } from 'node:zlib';
// Specific modules, not the transforms barrel: an export must not load the import parsers, and
// tar-stream is loaded only by the one layout that packs a tar.
import { csvBlobColumns } from '../transforms/csv-serializer.js';
import { createHashingPassThrough } from '../transforms/hashing-pass-through.js';
import { createHashingSink, type DigestSource, type HashingSink } from '../transforms/hashing-sink.js';
import type { LeakScanTransform } from '../transforms/leak-scan.js';
import { createTableSplitter } from '../transforms/table-splitter.js';
import { createScratch } from './backup-file.js';
import { sha256File } from './checksum.js';
import type { ExportFormat } from './config.js';
import { AcodeError, describeCause } from './errors.js';
import type { OutputLayout } from './export-layout.js';
import { BUNDLE_MANIFEST_NAME, serializeExportManifest, type ExportFileEntry, type ExportManifest } from './export-manifest.js';
import type { Snapshot } from './export-source.js';
import { recordTap } from './pipeline.js';
import { createSqliteStorableCheck } from './sqlite-storable.js';
import { createRowLeakScan, createSerializer, createSqliteRowCheck, createTableProgress, createTableSerializer, leakError, TableOffsets } from './export-stages.js';
import { exists, fsyncDir, PRIVATE_DIR_MODE, publishFile, removeAbandoned, removeQuietly, removeTree, setAsideOrphans, stageFile, tempNamePid, tempPathFor, writeFileAtomic, type StagedFile } from './fs-atomic.js';
import { runPipeline } from './pipeline.js';
import type { ProgressListener } from './progress.js';
import type { ExportHeader, RowTextFormat } from './records.js';
import type { RedactionPolicy, Redactor } from './redaction/index.js';
import { createLeakDetector } from './redaction/leak-detector.js';
import { createSqliteExportWriter } from './sqlite/export-writer.js';

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

export interface WrittenOutput {
  readonly manifest: ExportManifest;
  readonly manifestPath: string | null;
}

const EXTENSION: Record<ExportFormat, string> = { json: 'json', ndjson: 'ndjson', csv: 'csv', sqlite: 'db' };

/**
 * Writes a manifest, leak-scanned first when redacting: it repeats table definitions and
 * metadata, and must not carry what the data itself may not.
 */
async function writeManifest(args: WriteOutputArgs, file: string, manifest: ExportManifest): Promise<void> {
  await writeFileAtomic(file, manifestText(args, file, manifest));
}

/** A manifest's text; in a redacted export it is leak-scanned like the data (it repeats definitions and metadata). */
function manifestText(args: WriteOutputArgs, file: string, manifest: ExportManifest): string {
  const text = serializeExportManifest(manifest);
  if (args.redact) {
    const hit = createLeakDetector({ allow: args.allowScanHits }).scan(text)[0];
    if (hit) throw leakError(hit.detector, hit.fingerprint, `the manifest ${path.basename(file)}`);
  }
  return text;
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

async function loadRedactionStages(): Promise<void> {
  if (redactionStages) return;
  const [{ createRedactTransform }, { createLeakScanTransform }] = await Promise.all([import('../transforms/redact.js'), import('../transforms/leak-scan.js')]);
  redactionStages = { createRedactTransform, createLeakScanTransform };
}

function loadedRedactionStages(): RedactionStages {
  if (!redactionStages) throw new AcodeError('ACODE-INT-001', 'redaction stages used before they were loaded');
  return redactionStages;
}

/** Writes an export in its layout: one stream, a SQLite file, a folder of tables, or a tar bundle. */
export async function writeOutput(args: WriteOutputArgs): Promise<WrittenOutput> {
  const { layout } = args;
  if (args.redact) await loadRedactionStages();
  // What a killed export left beside its output (a temporary file, a CSV folder's temporary folder) goes.
  if (layout.path) await removeAbandoned(path.dirname(layout.path), tempNamePid);
  if (layout.format === 'sqlite') return writeSqlite(args);
  if (layout.archive === 'tar') return writeTar(args);
  if (layout.kind === 'folder') return writeFolder(args);
  return writeStream(args);
}

/**
 * Row source → redaction → row-level leak scan → per-table progress: the object-mode head every
 * layout shares. The row scan reads what the byte scan after the serializer cannot (BLOBs as
 * text, bare values of secret-named columns) — or, for the sqlite format, everything.
 */
function headStages(args: WriteOutputArgs): (Readable | Transform)[] {
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
function leakStage(args: WriteOutputArgs, offsets: TableOffsets, table?: string, hash = false): LeakScanTransform[] {
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
function finalSink(args: WriteOutputArgs, digestFrom?: DigestSource): HashingSink {
  const from = digestFrom ? { digestFrom } : {};
  return args.layout.kind === 'stdout' ? createHashingPassThrough(args.stdout, from) : createHashingSink({ file: args.layout.path!, force: args.force, ...from });
}

async function writeStream(args: WriteOutputArgs): Promise<WrittenOutput> {
  const { layout } = args;
  const offsets = new TableOffsets(layout.format);
  // Without gzip between them, the leak scan's worker sees exactly the bytes the sink writes: it hashes them.
  const leak = leakStage(args, offsets, undefined, !layout.gzip);
  const sink = finalSink(args, layout.gzip ? undefined : leak[0]);
  await runPipeline([...headStages(args), createSerializer(layout.format, offsets), ...leak, ...(layout.gzip ? [createGzip()] : []), sink], args.signal);
  return publishSingle(args, sink);
}

/** Renames a finished single output into place, then writes its manifest beside it (or to --manifest). */
async function publishSingle(args: WriteOutputArgs, sink: HashingSink): Promise<WrittenOutput> {
  const { layout } = args;
  const digest = sink.digest!;
  const files: ExportFileEntry[] = [{ name: layout.path ? path.basename(layout.path) : '-', bytes: digest.bytes, sha256: digest.sha256 }];
  const manifest = args.buildManifest(files);
  if (layout.kind === 'stdout') {
    if (args.manifestFile) await writeManifest(args, args.manifestFile, manifest);
    return { manifest, manifestPath: args.manifestFile };
  }
  return publishWithSidecar(args, manifest, () => sink.commit(), () => sink.discard());
}

/**
 * A single-file export and its `<file>.manifest.json`: the manifest is written and synced under a
 * temporary name first, so a disk too full for it fails before `publish` puts the file in place
 * (with --force, the export it replaces and that one's manifest stay as they were); then the file,
 * then the manifest, each by a rename.
 */
async function publishWithSidecar(args: WriteOutputArgs, manifest: ExportManifest, publish: () => Promise<unknown>, discard: () => Promise<void>): Promise<WrittenOutput> {
  const manifestPath = `${args.layout.path}.manifest.json`;
  let sidecar: StagedFile;
  try {
    sidecar = await stageFile(manifestPath, manifestText(args, manifestPath, manifest));
  } catch (err) {
    // No manifest, no export: the finished file waiting to be published goes too.
    await discard();
    throw err;
  }
  try {
    await publish();
  } catch (err) {
    await sidecar.discard();
    throw err;
  }
  try {
    await sidecar.commit();
  } catch (err) {
    await removeQuietly(args.layout.path);
    throw err;
  }
  return { manifest, manifestPath };
}

async function writeSqlite(args: WriteOutputArgs): Promise<WrittenOutput> {
  const { layout } = args;
  const scratch = await createScratch();
  const tmp = layout.kind === 'file' && !layout.gzip ? tempPathFor(layout.path!) : path.join(scratch.dir, 'export.db');
  try {
    await runPipeline([...headStages(args), createSqliteRowCheck(args.writing ?? { table: null }), createSqliteExportWriter(tmp)], args.signal);
    if (layout.kind === 'file' && !layout.gzip) {
      const digest = await sha256File(tmp, { signal: args.signal });
      const manifest = args.buildManifest([{ name: path.basename(layout.path!), bytes: digest.size, sha256: digest.sha256 }]);
      // The temporary file is removed in `finally` whatever happens.
      return await publishWithSidecar(args, manifest, async () => {
        // A -journal or -wal left at that name would be applied to the export on its first open
        // (only where nothing is, or what is there is replaced: a database's own stay with it).
        if (args.force || !(await exists(layout.path!))) await setAsideOrphans(layout.path!);
        await publishFile(tmp, layout.path!, args.force).catch((err: unknown) => {
          throw (err as { code?: string }).code === 'EEXIST' ? outputExists(layout.path!) : err;
        });
      }, async () => {});
    }
    const sink = finalSink(args);
    await runPipeline([createReadStream(tmp, { highWaterMark: 1 << 20 }), ...(layout.gzip ? [createGzip()] : []), sink], args.signal);
    return await publishSingle(args, sink);
  } finally {
    await removeQuietly(tmp);
    await scratch.dispose();
  }
}

function outputExists(file: string): AcodeError {
  return new AcodeError('ACODE-EXP-007', `${file} exists`, { context: { file } });
}

/** A file name for a table: its name where that is safe on every file system, else a cleaned one. */
function tableFileName(table: string, ext: string, taken: Set<string>): string {
  let base = table.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || 'table';
  while (taken.has(`${base}.${ext}`.toLowerCase())) base = `${base}_`;
  taken.add(`${base}.${ext}`.toLowerCase());
  return `${base}.${ext}`;
}

/** A finished table file: where it is and its checksum entry. */
type TableFile = ExportFileEntry & { readonly path: string };

/**
 * Writes each table into its own file in `dir` — serializer, leak scan, hashing sink — one table
 * after the other with backpressure (the table splitter), and returns the files in order.
 */
async function writeTableFiles(args: WriteOutputArgs, dir: string): Promise<TableFile[]> {
  const files: TableFile[] = [];
  const taken = new Set<string>([BUNDLE_MANIFEST_NAME]);
  const open = new Map<string, { name: string; sink: HashingSink; offsets: TableOffsets }>();
  await runPipeline(
    [
      ...headStages(args),
      createTableSplitter({
        open: async (table) => {
          const name = tableFileName(table.name, EXTENSION[args.layout.format], taken);
          const sink = createHashingSink({ file: path.join(dir, name) });
          open.set(table.name, { name, sink, offsets: new TableOffsets(args.layout.format) });
          return sink;
        },
        serializer: (table) => createTableSerializer(args.layout.format, args.header, open.get(table.name)!.offsets),
        stages: (table) => leakStage(args, open.get(table.name)!.offsets, table.name),
        onTableDone: async (table) => {
          const { name, sink } = open.get(table.name)!;
          open.delete(table.name);
          const digest = await sink.commit();
          files.push({ name, bytes: digest.bytes, sha256: digest.sha256, table: table.name, path: path.join(dir, name) });
        },
      }),
    ],
    args.signal,
  );
  return files;
}

const entry = ({ path: _path, ...file }: TableFile): ExportFileEntry => file;

async function writeFolder(args: WriteOutputArgs): Promise<WrittenOutput> {
  const { layout } = args;
  const final = layout.path!;
  if ((await exists(final)) && !args.force) throw outputExists(final);
  const tmpDir = tempPathFor(final);
  try {
    await mkdir(tmpDir, { mode: PRIVATE_DIR_MODE });
  } catch (err) {
    throw new AcodeError('ACODE-EXP-008', `cannot create a folder in ${path.dirname(final)}: ${describeCause(err)}`, { cause: err, context: { file: final } });
  }
  try {
    const files = (await writeTableFiles(args, tmpDir)).map(entry);
    const manifest = args.buildManifest(files);
    await writeManifest(args, path.join(tmpDir, BUNDLE_MANIFEST_NAME), manifest);
    await fsyncDir(tmpDir);
    if (await exists(final)) {
      const old = tempPathFor(final);
      await rename(final, old);
      await rename(tmpDir, final);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmpDir, final);
    }
    await fsyncDir(path.dirname(final));
    return { manifest, manifestPath: path.join(final, BUNDLE_MANIFEST_NAME) };
  } catch (err) {
    // The failure is what the user must see: its cleanup never replaces it.
    await removeTree(tmpDir);
    throw err;
  }
}

/**
 * A tar bundle: each table is serialized (and leak-scanned) into a spool file first, because a
 * tar header needs the entry's size; then manifest.json goes first in the bundle, so an import
 * knows every table's definition and checksum before it reads one.
 */
async function writeTar(args: WriteOutputArgs): Promise<WrittenOutput> {
  const { layout } = args;
  const scratch = await createScratch();
  try {
    const entries = await writeTableFiles(args, scratch.dir);
    const inner = args.buildManifest(entries.map(entry));
    const innerPath = path.join(scratch.dir, BUNDLE_MANIFEST_NAME);
    await writeManifest(args, innerPath, inner);
    const { createTarPacker } = await import('../transforms/tar.js');
    const packer = createTarPacker({ mtime: new Date(args.header.createdAt) });
    const sink = finalSink(args);
    const written = runPipeline([packer.readable, ...(layout.gzip ? [createGzip()] : []), sink], args.signal);
    // A failing output (closed pipe, full disk) rejects `written` while entries are still being
    // added; it is awaited below, but must have a handler from the start.
    written.catch(() => {});
    try {
      await packer.addFile(BUNDLE_MANIFEST_NAME, innerPath);
      for (const entry of entries) await packer.addFile(entry.name, entry.path);
      packer.finalize();
    } catch (err) {
      packer.destroy(err as Error);
    }
    await written;
    const outer = await publishSingle({ ...args, buildManifest: (files) => ({ ...inner, files }) }, sink);
    return outer;
  } finally {
    await scratch.dispose();
  }
}

