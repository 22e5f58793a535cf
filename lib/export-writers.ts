/**
 * writeOutput(): an export written in its layout. One stream (a file or stdout) and a SQLite file
 * are written here; a folder of tables and a tar bundle in export-table-files.ts.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createGzip } from 'node:zlib';
import { createScratch } from './backup-file.js';
import { sha256File } from './checksum.js';
import { finalSink, headStages, leakStage, loadRedactionStages, type WriteOutputArgs } from './export-output-stages.js';
import { outputExists, publishSingle, publishWithSidecar, type WrittenOutput } from './export-publish.js';
import { createSerializer, createSqliteRowCheck, TableOffsets } from './export-stages.js';
import { writeFolder, writeTar } from './export-table-files.js';
import { exists, publishFile, removeQuietly, setAsideOrphans } from './fs-atomic.js';
import { removeAbandoned, tempNamePid, tempPathFor } from './temp-names.js';
import { runPipeline } from './pipeline.js';
import { createSqliteExportWriter } from './sqlite/export-writer.js';

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

async function writeStream(args: WriteOutputArgs): Promise<WrittenOutput> {
  const { layout } = args;
  const offsets = new TableOffsets(layout.format);
  // Without gzip between them, the leak scan's worker sees exactly the bytes the sink writes: it hashes them.
  const leak = leakStage(args, offsets, undefined, !layout.gzip);
  const sink = finalSink(args, layout.gzip ? undefined : leak[0]);
  await runPipeline([...headStages(args), createSerializer(layout.format, offsets), ...leak, ...(layout.gzip ? [createGzip()] : []), sink], args.signal);
  return publishSingle(args, sink);
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
