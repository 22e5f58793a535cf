import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { createHashTap, createJsonParser, createNdjsonParser, readTar } from '../transforms/index.js';
import { csvBlobColumns } from '../transforms/csv-serializer.js';
import { createLeakScanTransform } from '../transforms/leak-scan.js';
import { createJsonEscapeCheck } from '../transforms/json-escape-check.js';
import { createStrictGunzip } from '../transforms/strict-gunzip.js';
import { createTarLayoutCheck } from '../transforms/tar-layout.js';
import { AcodeError, describeCause, isAbort, systemCode, toAcodeError } from './errors.js';
import { checkExportChecksums, isPlainFileName, notOnItsOwn, locateExport, type ExportKind, type LocatedExport } from './export-files.js';
import { BUNDLE_MANIFEST_NAME, entryText, parseExportManifest, type ExportManifest } from './export-manifest.js';
import { readSmallTextFile } from './fs-atomic.js';
import { MAX_MANIFEST_BYTES } from './manifest.js';
import { createSelection } from './export-source.js';
import { createRowLeakScan, leakError, TableOffsets } from './export-stages.js';
import { runPipeline, type PipelineStage } from './pipeline.js';
import type { ExportRecord } from './records.js';
import { stage, type RunOptions } from './progress.js';
import { createLeakDetector, type LeakDetector } from './redaction/index.js';
import { EXPORT_META_TABLE } from './sqlite/export-writer.js';
import { openSqlite } from './sqlite/open.js';
import { openSqliteSnapshot } from './sqlite/snapshot.js';
import { checkOptions, RUN_OPTIONS } from './options.js';

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
    if (!located.manifest && located.kind !== 'tar') throw new AcodeError('ACODE-IMP-002', `no ${path.basename(source)}.manifest.json beside it`);
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

/** The first problems, and how many more. */
function listed(problems: readonly string[]): string {
  const shown = problems.slice(0, MAX_SHOWN).join('; ');
  return problems.length > MAX_SHOWN ? `${shown}; and ${problems.length - MAX_SHOWN} more` : shown;
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

/**
 * A tar bundle: manifest.json first, then every entry hashed against it as it is scanned; an
 * entry missing, unlisted, changed or cut short is damage.
 */
async function scanTar(source: string, gzip: boolean, detector: LeakDetector, options: RunOptions, damage: string[], onManifest: (manifest: ExportManifest) => void): Promise<void> {
  let manifest: ExportManifest | null = null;
  const seen = new Set<string>();
  let unlisted = 0;
  // Headers, padding and gzip fields are bytes of the bundle no entry's scan sees: they must be what acode writes.
  const gunzip = gzip ? createStrictGunzip() : null;
  await readTar(
    createReadStream(source),
    async (name, entry) => {
      if (name === BUNDLE_MANIFEST_NAME) {
        const text = await entryText(entry as AsyncIterable<Buffer>);
        scanManifestText(text, name, detector);
        manifest = parseExportManifest(text, `${path.basename(source)}:${name}`);
        onManifest(manifest);
        return;
      }
      const listed = (manifest as ExportManifest | null)?.files.find((f) => f.name === name);
      // acode writes one entry per table: a bundle of thousands more is no export, and each would cost a scan.
      if (!listed && ++unlisted > MAX_UNLISTED) throw new AcodeError('ACODE-IMP-002', `more than ${MAX_UNLISTED} entries not in ${BUNDLE_MANIFEST_NAME}; stopped reading`);
      const hash = createHashTap();
      const table = listed?.table ?? name.replace(/\.[a-z]+$/, '');
      const json = /\.(nd)?json$/.test(name);
      const { offsets, marks } = readBackOffsets(json, manifest, table);
      const scan = createLeakScanTransform({ detector, parallel: (listed?.bytes ?? 0) >= PARALLEL_MIN_BYTES, locate: (o, line, at) => offsets.locate(o, line, at, table), csvBlobColumns: blobFields(manifest, table) });
      await runPipeline([entry, hash, ...marks, ...(json ? [createJsonEscapeCheck()] : []), scan, discard()], options.signal);
      seen.add(name);
      const digest = hash.digest();
      if (!manifest) damage.push(`${BUNDLE_MANIFEST_NAME} is not the first entry (${name} comes before it)`);
      else if (!listed) damage.push(`entry ${name} is not in ${BUNDLE_MANIFEST_NAME}`);
      else if (digest.sha256 !== listed.sha256 || digest.bytes !== listed.bytes) damage.push(`${name} does not match its checksum in ${BUNDLE_MANIFEST_NAME}`);
    },
    { through: [...(gunzip?.stages ?? []), createTarLayoutCheck()], signal: options.signal },
  );
  gunzip?.check();
  const final = manifest as ExportManifest | null;
  if (!final) damage.push(`the bundle holds no ${BUNDLE_MANIFEST_NAME}`);
  else for (const file of final.files) if (!seen.has(file.name)) damage.push(`${file.name} is missing (truncated?)`);
}

/** A scan worker costs tens of ms to start: a file or entry smaller than this is scanned on this thread. */
const PARALLEL_MIN_BYTES = 1024 * 1024;
/** Files or entries an export does not list that are scanned and reported before verify stops reading. */
const MAX_UNLISTED = 100;
/** Problems a report spells out; the rest are counted. */
const MAX_SHOWN = 10;

const discard = (objectMode = false): Writable => new Writable({ objectMode, write: (_chunk, _encoding, callback) => callback() });

interface ScanBytesOptions {
  readonly gzip?: boolean;
  /** The table a CSV file holds, and the manifest that defines it. */
  readonly table?: string;
  readonly csv?: ExportManifest | null;
  /** JSON or NDJSON: escapes acode never writes are refused (they would hide text from the scan). */
  readonly json?: boolean;
  /** A SQLite file's bytes, where a hit has no table or column to name, only its byte. */
  readonly binary?: boolean;
  /** Scan on a worker thread (default true): for a large file. */
  readonly parallel?: boolean;
}

async function scanBytes(input: Readable, detector: LeakDetector, signal: AbortSignal | undefined, options: ScanBytesOptions = {}): Promise<void> {
  const { table, csv } = options;
  const { offsets, marks } = readBackOffsets(options.json ?? false, csv, table);
  const locate = options.binary ? () => ({}) : (o: number, line: string, at: number) => offsets.locate(o, line, at, table);
  const scan = createLeakScanTransform({ detector, locate, parallel: options.parallel ?? true, csvBlobColumns: blobFields(csv, table) });
  const gunzip = options.gzip ? createStrictGunzip() : null;
  const stages: PipelineStage[] = [input, ...(gunzip?.stages ?? []), ...marks, ...(options.json ? [createJsonEscapeCheck()] : []), scan, discard()];
  await runPipeline(stages, signal);
  gunzip?.check();
}

/**
 * How a leak-scan hit in bytes read back is named by table and column: a CSV file's table is
 * known, its columns are the manifest's definition's; a JSON document's tables are found as the
 * bytes pass (an NDJSON line names its own). Without them a hit named only its byte and a column.
 */
function readBackOffsets(json: boolean, manifest: ExportManifest | null | undefined, table: string | undefined): { offsets: TableOffsets; marks: Transform[] } {
  const offsets = new TableOffsets(json ? 'json' : 'csv');
  if (json) return { offsets, marks: [createJsonTableMarks(offsets)] };
  const schema = manifest?.schemas.find((s) => s.name === table);
  if (schema) offsets.startAt(0, schema);
  return { offsets, marks: [] };
}

/** A table's head line in acode's JSON document, as json-serializer.ts writes it. */
const JSON_TABLE_HEAD = Buffer.from('\n{"name":"');
const JSON_TABLE_NAME = /^\{"name":("(?:[^"\\]|\\.)*"),"columns":\[/;
/** Bytes of a head line read for its name: a longer name leaves its table unnamed. */
const MAX_HEAD = 4096;

/** Passes bytes on unchanged, marking in `offsets` where each table's head line starts. */
export function createJsonTableMarks(offsets: TableOffsets): Transform {
  let carry = Buffer.alloc(0);
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const text = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      const base = seen - carry.length;
      // A head cut by the chunk's end is read again with the next chunk: the last newline, when a
      // head's first bytes could follow it, or a head's line not yet ended.
      const last = text.lastIndexOf(10);
      let keep = last !== -1 && last > text.length - JSON_TABLE_HEAD.length ? last : text.length;
      for (let at = text.indexOf(JSON_TABLE_HEAD); at !== -1; at = text.indexOf(JSON_TABLE_HEAD, at + 1)) {
        const end = text.indexOf(10, at + 1);
        const head = JSON_TABLE_NAME.exec(text.toString('utf8', at + 1, Math.min(end === -1 ? text.length : end, at + 1 + MAX_HEAD)));
        // An escape JSON does not know is the escape check's to refuse, after this stage.
        if (head) offsets.startAt(base + at + 1, { name: jsonString(head[1]!) ?? '(a name that is not valid JSON)', columns: [] });
        else if (end === -1 && text.length - at - 1 < MAX_HEAD) {
          keep = Math.min(keep, at);
          break;
        }
      }
      carry = Buffer.from(text.subarray(keep));
      seen += chunk.length;
      callback(null, chunk);
    },
  });
}

function jsonString(text: string): string | undefined {
  try {
    return JSON.parse(text) as string;
  } catch {
    return undefined;
  }
}

/** A CSV export's table's BLOB-declared fields, from the definition in its manifest: their base64 is no data to scan. */
function blobFields(csv: ExportManifest | null | undefined, table: string | undefined): number[] {
  const schema = csv?.header.exportFormat === 'csv' ? csv.schemas.find((s) => s.name === table) : undefined;
  return schema ? csvBlobColumns(schema) : [];
}

/**
 * A CSV folder: every file its manifest lists, read only inside the folder and only when it is a
 * regular file; a file the manifest does not list would be shared with the rest, so it is
 * scanned too, and reported.
 */
async function scanFolder(source: string, manifest: ExportManifest, detector: LeakDetector, options: RunOptions, damage: string[]): Promise<void> {
  const listed = new Set<string>();
  for (const file of manifest.files) {
    if (!isPlainFileName(file.name)) {
      damage.push(`${BUNDLE_MANIFEST_NAME} lists ${JSON.stringify(file.name)}, which is not a file of the export folder`);
      continue;
    }
    listed.add(file.name);
    const info = await lstat(path.join(source, file.name)).catch(() => null);
    if (!info?.isFile()) {
      damage.push(`${file.name} is ${info ? 'not a regular file' : 'missing'}`);
      continue;
    }
    await scanBytes(createReadStream(path.join(source, file.name)), detector, options.signal, { table: file.table, csv: manifest, parallel: info.size >= PARALLEL_MIN_BYTES });
  }
  let unlisted = 0;
  for (const entry of await readdir(source, { withFileTypes: true })) {
    if (entry.name === BUNDLE_MANIFEST_NAME || listed.has(entry.name)) continue;
    if (++unlisted > MAX_UNLISTED) {
      damage.push(`more than ${MAX_UNLISTED} files not in ${BUNDLE_MANIFEST_NAME}; stopped reading`);
      break;
    }
    damage.push(`${entry.name} is in the folder but not in ${BUNDLE_MANIFEST_NAME}`);
    if (entry.isFile()) await scanBytes(createReadStream(path.join(source, entry.name)), detector, options.signal, { parallel: false });
  }
}

/** A manifest repeats table definitions and metadata: it is scanned like the data. */
async function scanManifestFile(file: string, detector: LeakDetector): Promise<void> {
  const text = await readSmallTextFile(file, MAX_MANIFEST_BYTES).catch(() => null);
  if (text !== null) scanManifestText(text, path.basename(file), detector);
}

/** A manifest as written and as read: a \u or \/ escape hides a secret from a scan of the text alone. */
function scanManifestText(text: string, name: string, detector: LeakDetector): void {
  const hit = detector.scan(text)[0] ?? detector.scan(jsonStrings(text).join('\n'))[0];
  if (hit) throw leakError(hit.detector, hit.fingerprint, `the manifest ${name}`);
}

/** Every key and string value of a JSON text ([] when it does not parse: the manifest check reports that). */
function jsonStrings(text: string): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        out.push(k);
        walk(x);
      }
    }
  };
  try {
    walk(JSON.parse(text));
  } catch {
    return [];
  }
  return out;
}

/**
 * `damage` collects what does not match the export's own manifest (a tar bundle's entries against
 * its manifest.json); leaks are thrown (ACODE-EXP-003), as is a file too damaged to read on.
 */
async function scanExport(source: string, located: LocatedExport, detector: LeakDetector, options: RunOptions, damage: string[], manifestFile: string | undefined, onBundleManifest: (manifest: ExportManifest) => void): Promise<void> {
  const { kind, gzip } = located;
  await scanManifestFile(kind === 'csv-folder' ? path.join(source, BUNDLE_MANIFEST_NAME) : (manifestFile ?? `${source}.manifest.json`), detector);
  switch (kind) {
    case 'json':
    case 'ndjson':
      return scanBytes(createReadStream(source), detector, options.signal, { gzip, json: true });
    case 'csv-file':
      return scanBytes(createReadStream(source), detector, options.signal, { gzip, table: located.manifest?.tables[0]?.name, csv: located.manifest });
    case 'csv-folder':
      return scanFolder(source, located.manifest!, detector, options, damage);
    case 'tar':
      return scanTar(source, gzip, detector, options, damage, onBundleManifest);
    case 'sqlite':
      return scanSqlite(source, detector, options, damage);
  }
}

/**
 * A SQLite export as its recipient gets it: the file alone. A -wal or -journal beside it would
 * change what SQLite reads (and a read-write connection would merge it into the file, changing
 * the file being verified), so the file is read only when there is none, read-only, and only
 * in rollback mode, the mode acode writes it in.
 */
async function scanSqlite(source: string, detector: LeakDetector, options: RunOptions, damage: string[]): Promise<void> {
  damage.push(...notOnItsOwn(source));
  if (damage.length > 0) return;
  // A recipient can read every byte of the file, not only the rows acode reads back: free pages
  // (a dropped table's rows), views, triggers, virtual tables and their shadow tables. The raw
  // scan reads them (SQLite keeps UTF-8 text as it is), on the scan's worker, while the rows are
  // read here: a value continued on an overflow page is split by a page pointer in the bytes.
  const raw = scanBytes(createReadStream(source), detector, options.signal, { binary: true });
  const rows = scanSqliteRows(source, detector, options, damage);
  const [byRows, byBytes] = await Promise.allSettled([rows, raw]);
  // The rows' finding names its table and column; the raw one only its byte.
  if (byRows.status === 'rejected') throw byRows.reason;
  if (byBytes.status === 'rejected') throw byBytes.reason;
}

/** Objects and pages acode never writes into an export are damage: the rows alone say nothing of them. */
async function scanSqliteRows(source: string, detector: LeakDetector, options: RunOptions, damage: string[]): Promise<void> {
  const db = openSqlite(source, { readonly: true, role: 'export', notDatabaseCode: 'ACODE-IMP-002' });
  try {
    const encoding = String(db.pragma('encoding', { simple: true }));
    if (encoding !== 'UTF-8') damage.push(`its text is ${encoding}; acode writes UTF-8`);
    const free = Number(db.pragma('freelist_count', { simple: true }));
    if (free > 0) damage.push(`${free} free page${free === 1 ? '' : 's'} (deleted data); acode writes an export without any`);
    const objects = db.prepare("SELECT type, name, sql FROM sqlite_schema WHERE type IN ('view', 'trigger') OR (type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%')").all() as { type: string; name: string; sql: string | null }[];
    for (const o of objects) damage.push(`${o.type === 'table' ? 'a virtual table' : `a ${o.type}`} ${shownName(o.name, detector)}, which acode never writes`);
    const keys = db.prepare(`SELECT key FROM ${EXPORT_META_TABLE}`).pluck().all() as unknown[];
    const extra = keys.filter((k) => k !== 'metadata' && k !== 'summary').length;
    if (extra > 0 || keys.length !== new Set(keys).size) damage.push(`${EXPORT_META_TABLE} holds ${keys.length} rows; acode writes metadata and summary only`);
  } finally {
    db.close();
  }
  const snapshot = openSqliteSnapshot(source, createSelection({}), { readonly: true });
  try {
    for (const table of snapshot.tables) {
      const name = shownName(table.schema.name, detector);
      const hit = detector.scan([table.schema.sql ?? '', ...table.schema.indexes].join('\n'))[0];
      if (hit) throw leakError(hit.detector, hit.fingerprint, `the definition of ${name}`);
    }
    await runPipeline([Readable.from(snapshot.records(), { objectMode: true }), createRowLeakScan(detector, { allStrings: true }), discard(true)], options.signal);
  } finally {
    snapshot.close();
  }
}

/** A name to print: one the detector flags is a leak of its own, never shown (ACODE-EXP-003). */
function shownName(name: string, detector: LeakDetector): string {
  const hit = detector.scan(name)[0];
  if (hit) throw leakError(hit.detector, hit.fingerprint, 'the name of a table, file or entry (not shown here)');
  return name;
}
