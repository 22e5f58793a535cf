import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { readTar } from '../transforms/index.js';
import { createLeakScanTransform } from '../transforms/leak-scan.js';
import { AcodeError, describeCause, isAbort } from './errors.js';
import { checkExportChecksums, locateExport, type ExportKind } from './export-files.js';
import { BUNDLE_MANIFEST_NAME } from './export-manifest.js';
import { createSelection } from './export-source.js';
import { createRowLeakScan, leakError, TableOffsets } from './export-stages.js';
import { runPipeline, type PipelineStage } from './pipeline.js';
import { stage, type RunOptions } from './progress.js';
import { createLeakDetector, type LeakDetector } from './redaction/index.js';
import { EXPORT_META_TABLE } from './sqlite/export-writer.js';
import { openSqliteSnapshot } from './sqlite/snapshot.js';

export interface ExportVerifyOptions extends RunOptions {
  /** The export: a file, a CSV folder or a tar bundle. */
  readonly path: string;
  /** Fingerprints of reviewed leak-scan false positives. */
  readonly allowScanHits?: readonly string[];
}

export interface ExportCheck {
  readonly name: 'manifest' | 'checksum' | 'leak-scan';
  readonly ok: boolean;
  readonly label: string;
  readonly problem?: string;
}

export interface ExportVerifyResult {
  readonly path: string;
  readonly kind: ExportKind | null;
  readonly valid: boolean;
  readonly checks: readonly ExportCheck[];
}

/**
 * Checks an export before it is shared: its manifest, every checksum, and the same leak scan an
 * export runs (independent of the redaction rules). Failed checks are reported, not thrown.
 */
export async function verifyExport(options: ExportVerifyOptions): Promise<ExportVerifyResult> {
  const source = path.resolve(options.path);
  const checks: ExportCheck[] = [];
  const finish = (kind: ExportKind | null): ExportVerifyResult => ({ path: source, kind, valid: checks.every((c) => c.ok), checks });
  let located;
  try {
    located = await locateExport(source);
    if (!located.manifest && located.kind !== 'tar') throw new AcodeError('ACODE-IMP-002', `no ${path.basename(source)}.manifest.json beside it`);
    checks.push({ name: 'manifest', ok: true, label: 'Manifest found' });
  } catch (err) {
    if (!(err instanceof AcodeError) || isAbort(err)) throw err;
    checks.push({ name: 'manifest', ok: false, label: 'Manifest missing or unreadable', problem: err.detail });
    return finish(null);
  }
  try {
    if (located.manifest) await checkExportChecksums(source, located, options, false);
    checks.push({ name: 'checksum', ok: true, label: 'Checksums match the manifest' });
  } catch (err) {
    if (!(err instanceof AcodeError)) throw err;
    checks.push({ name: 'checksum', ok: false, label: 'Checksums do not match the manifest', problem: err.detail });
  }
  const detector = createLeakDetector({ allow: options.allowScanHits ?? [] });
  try {
    await stage(options, { stage: 'scan', label: 'Leak scan' }, () => scanExport(source, located.kind, located.gzip, detector, options));
    checks.push({ name: 'leak-scan', ok: true, label: 'Leak scan found no secret' });
  } catch (err) {
    if (isAbort(err)) throw err;
    const problem = err instanceof AcodeError ? err.detail : describeCause(err);
    checks.push({ name: 'leak-scan', ok: false, label: 'Leak scan found a secret', problem });
  }
  return finish(located.kind);
}

const discard = (objectMode = false): Writable => new Writable({ objectMode, write: (_chunk, _encoding, callback) => callback() });

function scanBytes(input: Readable, gzip: boolean, detector: LeakDetector, signal: AbortSignal | undefined, table?: string): Promise<void> {
  const offsets = new TableOffsets('json');
  const stages: PipelineStage[] = [input, ...(gzip ? [createGunzip()] : []), createLeakScanTransform({ detector, locate: (o, line, at) => offsets.locate(o, line, at, table) }), discard()];
  return runPipeline(stages, signal);
}

/** A manifest repeats table definitions and metadata: it is scanned like the data. */
async function scanManifestFile(file: string, detector: LeakDetector): Promise<void> {
  const text = await readFile(file, 'utf8').catch(() => null);
  const hit = text === null ? undefined : detector.scan(text)[0];
  if (hit) throw leakError(hit.detector, hit.fingerprint, `the manifest ${path.basename(file)}`);
}

async function scanExport(source: string, kind: ExportKind, gzip: boolean, detector: LeakDetector, options: RunOptions): Promise<void> {
  await scanManifestFile(kind === 'csv-folder' ? path.join(source, BUNDLE_MANIFEST_NAME) : `${source}.manifest.json`, detector);
  switch (kind) {
    case 'json':
    case 'ndjson':
      return scanBytes(createReadStream(source), gzip, detector, options.signal);
    case 'csv-folder': {
      const located = await locateExport(source);
      for (const file of located.manifest!.files) await scanBytes(createReadStream(path.join(source, file.name)), false, detector, options.signal, file.table);
      return;
    }
    case 'tar':
      await readTar(
        createReadStream(source),
        async (name, entry) => {
          if (name === BUNDLE_MANIFEST_NAME) {
            await scanBytes(entry, false, detector, options.signal, `the manifest ${name}`);
            return;
          }
          await scanBytes(entry, false, detector, options.signal, name.replace(/\.[a-z]+$/, ''));
        },
        { gzip, signal: options.signal },
      );
      return;
    case 'sqlite': {
      const snapshot = openSqliteSnapshot(source, createSelection({ excludeTables: [EXPORT_META_TABLE] }));
      try {
        for (const table of snapshot.tables) {
          const hit = detector.scan([table.schema.sql ?? '', ...table.schema.indexes].join('\n'))[0];
          if (hit) throw leakError(hit.detector, hit.fingerprint, `the definition of ${table.schema.name}`);
        }
        await runPipeline([Readable.from(snapshot.records(), { objectMode: true }), createRowLeakScan(detector, { allStrings: true }), discard(true)], options.signal);
      } finally {
        snapshot.close();
      }
    }
  }
}
