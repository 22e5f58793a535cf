import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { createJsonParser, createNdjsonParser } from '../transforms/index.js';
import { AcodeError, describeCause, isAbort, systemCode, toAcodeError } from './errors.js';
import { checkExportChecksums, locateExport, type ExportKind, type LocatedExport } from './export-files.js';
import { BUNDLE_MANIFEST_NAME, type ExportManifest } from './export-manifest.js';
import { leakError } from './export-stages.js';
import type { ExportRecord } from './records.js';
import { stage, type RunOptions } from './progress.js';
import { createLeakDetector, type LeakDetector } from './redaction/index.js';
import { EXPORT_META_TABLE } from './sqlite/export-writer.js';
import { openSqlite } from './sqlite/open.js';
import { checkOptions, RUN_OPTIONS } from './options.js';
import { listed, MAX_SHOWN, scanExport } from './export-scan.js';

export interface ExportVerifyOptions extends RunOptions {
  /** The export: a file, a CSV folder or a tar bundle. */
  readonly path: string;
  /** Fingerprints of reviewed leak-scan false positives. */
  readonly allowScanHits?: readonly string[];
  /** The manifest of an export streamed to stdout, written with `export --manifest` (default: `<path>.manifest.json`). */
  readonly manifest?: string;
}

export interface ExportCheck {
  readonly name: 'manifest' | 'checksum' | 'leak-scan' | 'redaction';
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
  checkOptions<ExportVerifyOptions>('verifyExport', 'ExportVerifyOptions', options, { ...RUN_OPTIONS, path: { kind: 'string', required: true }, allowScanHits: 'strings', manifest: 'string' });
  try {
    return await verifyChecks(options);
  } catch (err) {
    // Ctrl-C: verify only reads, so nothing changed (ACODE-INT-002), where an export's would say nothing was kept.
    if (isAbort(err) && !(err instanceof AcodeError)) throw new AcodeError('ACODE-INT-002', `verifying ${path.basename(options.path)}: interrupted`, { cause: err });
    throw toAcodeError(err, 'ACODE-EXP-001', `verifying ${path.basename(options.path)}`);
  }
}

async function verifyChecks(options: ExportVerifyOptions): Promise<ExportVerifyResult> {
  const source = path.resolve(options.path);
  const manifestFile = options.manifest ? path.resolve(options.manifest) : undefined;
  const checks: ExportCheck[] = [];
  const detector = createLeakDetector({ allow: options.allowScanHits ?? [] });
  const finish = (kind: ExportKind | null): ExportVerifyResult => {
    const shown = withoutSecrets(checks, detector);
    return { path: source, kind, valid: shown.every((c) => c.ok), checks: shown };
  };
  let located;
  try {
    located = await locateExport(source, manifestFile);
    if (!located.manifest && located.kind !== 'tar') throw new AcodeError('ACODE-IMP-002', `no ${path.basename(source)}.manifest.json beside it (a stream saved from --output -: give the manifest it wrote with --manifest FILE)`);
    checks.push({ name: 'manifest', ok: true, label: 'Manifest found' });
  } catch (err) {
    // A usage error (a folder with --manifest) is the command's, exit 64: no check of the export.
    if (!(err instanceof AcodeError) || isAbort(err) || err.code.startsWith('ACODE-USE-')) throw err;
    const label = err.code === 'ACODE-IMP-007' ? 'No export at this path' : 'Manifest missing or unreadable';
    checks.push({ name: 'manifest', ok: false, label, problem: err.detail });
    return finish(null);
  }
  // A tar bundle without a sidecar is checked against the manifest.json inside it, entry by
  // entry, in the same pass as the leak scan: its result comes after the scan.
  const inside = located.kind === 'tar' && !located.manifest;
  if (!inside) {
    try {
      if (located.manifest) await checkExportChecksums(source, located, options, false);
      checks.push({ name: 'checksum', ok: true, label: 'Checksums match the manifest' });
    } catch (err) {
      if (!(err instanceof AcodeError)) throw err;
      checks.push({ name: 'checksum', ok: false, label: 'Checksums do not match the manifest', problem: err.detail });
    }
  }
  const damage: string[] = [];
  let bundleManifest: ExportManifest | null = null;
  let leak: ExportCheck = { name: 'leak-scan', ok: true, label: 'Leak scan found no secret' };
  try {
    await stage(options, { stage: 'scan', label: 'Leak scan' }, () => scanExport(source, located, detector, options, damage, manifestFile, (m) => (bundleManifest = m)));
  } catch (err) {
    if (isAbort(err)) throw err;
    const problem = err instanceof AcodeError ? err.detail : describeCause(err);
    const code = systemCode(err) ?? '';
    // A damaged file (cut short, bad gzip or SQLite pages, an entry leaving the bundle) is no finding of the scan.
    if (err instanceof AcodeError ? err.code !== 'ACODE-EXP-003' : code.startsWith('Z_') || code.startsWith('SQLITE_')) damage.push(problem);
    else if (err instanceof AcodeError) leak = { name: 'leak-scan', ok: false, label: 'Leak scan found a secret', problem };
    else leak = { name: 'leak-scan', ok: false, label: 'Leak scan could not finish', problem };
  }
  if (inside) {
    checks.push(damage.length === 0
      ? { name: 'checksum', ok: true, label: `Checksums match the bundle's ${BUNDLE_MANIFEST_NAME}` }
      : { name: 'checksum', ok: false, label: `Checksums do not match the bundle's ${BUNDLE_MANIFEST_NAME}`, problem: listed(damage) });
  } else if (damage.length > 0) {
    checks.push({ name: 'checksum', ok: false, label: 'The export is damaged', problem: listed(damage) });
  }
  // Problems past those shown are not printed, but a name among them the detector flags is still a secret shared.
  const hidden = leak.ok ? damage.slice(MAX_SHOWN).map((d) => detector.scan(d)[0]).find(Boolean) : undefined;
  if (hidden) leak = { name: 'leak-scan', ok: false, label: 'Leak scan found a secret', problem: leakError(hidden.detector, hidden.fingerprint, 'the name of a file, entry or table (not shown here)').detail };
  if (damage.length === 0 || !leak.ok) checks.push(leak);
  const redaction = redactionCheck(located.manifest ?? bundleManifest, damage.length === 0 ? await embeddedRedaction(located, options.signal) : null);
  if (redaction) checks.push(redaction);
  return finish(located.kind);
}

/**
 * Whether the export was redacted, as its manifest says (twice: in its header and beside it).
 * The leak scan recognises secrets by their shape; only redaction's column rules remove a
 * password column's value or a home path, so an export made with --no-redact is not safe
 * to share however clean the scan.
 */
function redactionCheck(manifest: ExportManifest | null, embedded: boolean | null): ExportCheck | null {
  if (!manifest) return null;
  const said = [manifest.header?.redaction?.enabled, manifest.redaction?.enabled, ...(embedded === null ? [] : [embedded])];
  if (said.every((on) => on === true)) return { name: 'redaction', ok: true, label: 'Redacted when exported' };
  if (said.includes(true)) return { name: 'redaction', ok: false, label: 'Redaction unknown', problem: 'the manifest and the metadata in the export disagree on whether it was redacted' };
  return {
    name: 'redaction',
    ok: false,
    label: 'Not redacted (exported with --no-redact)',
    problem: 'no redaction rule ran: values the leak scan cannot recognise by their shape (a password column, a home path) are as they were; export again without --no-redact',
  };
}

/**
 * What the metadata inside a JSON, NDJSON or SQLite export says of its redaction (null: a CSV
 * file or bundle, whose only metadata is its manifest, or none readable). The manifest beside a
 * file is not checksummed: the file's own header is the other witness. Read only up to it.
 */
async function embeddedRedaction(located: LocatedExport, signal: AbortSignal | undefined): Promise<boolean | null> {
  const enabled = (header: unknown): boolean | null => {
    const on = (header as { redaction?: { enabled?: unknown } } | null)?.redaction?.enabled;
    return typeof on === 'boolean' ? on : null;
  };
  if (located.kind === 'sqlite') {
    const db = openSqlite(located.path, { readonly: true, role: 'export', notDatabaseCode: 'ACODE-IMP-002' });
    try {
      const text = db.prepare(`SELECT value FROM ${EXPORT_META_TABLE} WHERE key = 'metadata'`).pluck().get();
      return typeof text === 'string' ? enabled(JSON.parse(text)) : null;
    } catch {
      return null;
    } finally {
      db.close();
    }
  }
  if (located.kind !== 'json' && located.kind !== 'ndjson') return null;
  let found: boolean | null = null;
  // The first record is the header: the pipeline is stopped there, the rest never read.
  const stop = new AbortController();
  const sink = new Writable({
    objectMode: true,
    write: (record: ExportRecord, _encoding, callback) => {
      if (record.kind === 'header') found = enabled(record.header);
      stop.abort();
      callback();
    },
  });
  const parser = located.kind === 'json' ? createJsonParser() : createNdjsonParser();
  try {
    await pipeline([createReadStream(located.path), ...(located.gzip ? [createGunzip()] : []), parser, sink], { signal: signal ? AbortSignal.any([signal, stop.signal]) : stop.signal });
  } catch (err) {
    if (signal?.aborted) throw err;
  }
  return found;
}

/**
 * A report never shows a secret: a name the export holds (a file, an entry, a table) is quoted
 * in many problems, and one the detector flags is a secret shared with the export. It is shown
 * as its detector and fingerprint, and fails the leak scan if nothing else did.
 */
function withoutSecrets(checks: ExportCheck[], detector: LeakDetector): ExportCheck[] {
  let found: { detector: string; fingerprint: string } | null = null;
  const out = checks.map((check) => {
    const hits = check.problem === undefined ? [] : detector.scan(check.problem);
    if (hits.length === 0) return check;
    found ??= hits[0]!;
    let problem = check.problem!;
    for (const h of [...hits].reverse()) problem = `${problem.slice(0, h.start)}<not shown: detector ${h.detector}, fingerprint ${h.fingerprint}>${problem.slice(h.end)}`;
    return { ...check, problem };
  });
  const hit = found as { detector: string; fingerprint: string } | null;
  const scan = out.findIndex((c) => c.name === 'leak-scan');
  if (hit && (scan < 0 || out[scan]!.ok)) {
    const leak: ExportCheck = { name: 'leak-scan', ok: false, label: 'Leak scan found a secret', problem: leakError(hit.detector, hit.fingerprint, 'the name of a file, entry or table (not shown here)').detail };
    if (scan < 0) out.push(leak);
    else out[scan] = leak;
  }
  return out;
}
