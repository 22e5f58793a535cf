/**
 * An export's output put in place with its manifest: the manifest's text (leak-scanned when
 * redacting), a single file published with its sidecar manifest, or stdout's manifest to --manifest.
 */
import path from 'node:path';
import type { HashingSink } from '../transforms/hashing-sink.js';
import { AcodeError } from './errors.js';
import { serializeExportManifest, type ExportFileEntry, type ExportManifest } from './export-manifest.js';
import type { WriteOutputArgs } from './export-output-stages.js';
import { leakError } from './export-stages.js';
import { removeQuietly, stageFile, writeFileAtomic, type StagedFile } from './fs-atomic.js';
import { createLeakDetector } from './redaction/leak-detector.js';

export interface WrittenOutput {
  readonly manifest: ExportManifest;
  readonly manifestPath: string | null;
}

/**
 * Writes a manifest, leak-scanned first when redacting: it repeats table definitions and
 * metadata, and must not carry what the data itself may not.
 */
export async function writeManifest(args: WriteOutputArgs, file: string, manifest: ExportManifest): Promise<void> {
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

/** Renames a finished single output into place, then writes its manifest beside it (or to --manifest). */
export async function publishSingle(args: WriteOutputArgs, sink: HashingSink): Promise<WrittenOutput> {
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
export async function publishWithSidecar(args: WriteOutputArgs, manifest: ExportManifest, publish: () => Promise<unknown>, discard: () => Promise<void>): Promise<WrittenOutput> {
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

export function outputExists(file: string): AcodeError {
  return new AcodeError('ACODE-EXP-007', `${file} exists`, { context: { file } });
}
