import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform, Writable } from 'node:stream';
import { createHashTap, readTar } from '../transforms/index.js';
import { csvBlobColumns } from '../transforms/csv-serializer.js';
import { createLeakScanTransform } from '../transforms/leak-scan.js';
import { createJsonEscapeCheck } from '../transforms/json-escape-check.js';
import { createStrictGunzip } from '../transforms/strict-gunzip.js';
import { createTarLayoutCheck } from '../transforms/tar-layout.js';
import { AcodeError } from './errors.js';
import { isPlainFileName, notOnItsOwn, type LocatedExport } from './export-files.js';
import { BUNDLE_MANIFEST_NAME, entryText, parseExportManifest, type ExportManifest } from './export-manifest.js';
import { readSmallTextFile } from './fs-read.js';
import { MAX_MANIFEST_BYTES } from './manifest.js';
import { createSelection } from './export-source.js';
import { createRowLeakScan, leakError, TableOffsets } from './export-stages.js';
import { runPipeline, type PipelineStage } from './pipeline.js';
import type { RunOptions } from './progress.js';
import type { LeakDetector } from './redaction/index.js';
import { EXPORT_META_TABLE } from './sqlite/export-writer.js';
import { openSqlite } from './sqlite/open.js';
import { openSqliteSnapshot } from './sqlite/snapshot.js';

/**
 * The leak scan of an export as it lies on disk, by kind: a file (JSON, NDJSON, CSV), a CSV
 * folder, a tar bundle (checked entry by entry against its manifest) or a SQLite export (its rows),
 * each problem added to the damage list; export verify's other checks are lib/export-verify.ts.
 */

/** The first problems, and how many more. */
export function listed(problems: readonly string[]): string {
  const shown = problems.slice(0, MAX_SHOWN).join('; ');
  return problems.length > MAX_SHOWN ? `${shown}; and ${problems.length - MAX_SHOWN} more` : shown;
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
export const MAX_SHOWN = 10;

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
export async function scanExport(source: string, located: LocatedExport, detector: LeakDetector, options: RunOptions, damage: string[], manifestFile: string | undefined, onBundleManifest: (manifest: ExportManifest) => void): Promise<void> {
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
