/**
 * The layouts of one file per table: a CSV folder, put in place as a whole, and a tar bundle,
 * packed from per-table spool files with manifest.json first.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { createGzip } from 'node:zlib';
// Specific modules, not the transforms barrel: an export must not load the import parsers, and
// tar-stream is loaded only by the one layout that packs a tar.
import { createHashingSink, type HashingSink } from '../transforms/hashing-sink.js';
import { createTableSplitter } from '../transforms/table-splitter.js';
import { createScratch } from './backup-file.js';
import type { ExportFormat } from './config.js';
import { AcodeError, describeCause } from './errors.js';
import { BUNDLE_MANIFEST_NAME, type ExportFileEntry } from './export-manifest.js';
import { finalSink, headStages, leakStage, type WriteOutputArgs } from './export-output-stages.js';
import { outputExists, publishSingle, writeManifest, type WrittenOutput } from './export-publish.js';
import { createTableSerializer, TableOffsets } from './export-stages.js';
import { exists, fsyncDir, PRIVATE_DIR_MODE, removeTree } from './fs-atomic.js';
import { tempPathFor } from './temp-names.js';
import { runPipeline } from './pipeline.js';

const EXTENSION: Record<ExportFormat, string> = { json: 'json', ndjson: 'ndjson', csv: 'csv', sqlite: 'db' };

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

export async function writeFolder(args: WriteOutputArgs): Promise<WrittenOutput> {
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
export async function writeTar(args: WriteOutputArgs): Promise<WrittenOutput> {
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
