import { createReadStream } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { PassThrough, Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { createCsvParser, createHashTap, createJsonParser, createNdjsonParser, readTar } from '../transforms/index.js';
import { recordTap } from './pipeline.js';
import { AcodeError, describeCause, isAbort, systemCode } from './errors.js';
import { checkExportChecksums, checkSqliteExport, isPlainFileName, type LocatedExport } from './export-files.js';
import { BUNDLE_MANIFEST_NAME, checkExportHeader, entryText, parseExportManifest, type ExportManifest } from './export-manifest.js';
import { createSelection } from './export-source.js';
import { stage, type RunOptions } from './progress.js';
import { RECORD_HIGH_WATER_MARK, type ExportRecord, type TableSchema } from './records.js';
import { EXPORT_META_TABLE } from './sqlite/export-writer.js';
import { openSqlite } from './sqlite/open.js';
import { openSqliteSnapshot } from './sqlite/snapshot.js';

/**
 * An export read back as records for an import's loader, whatever its kind: JSON or NDJSON (maybe
 * gzipped), a CSV file or folder, a SQLite export, a tar bundle (hashed entry by entry as it loads).
 */

export interface Loaded {
  readonly tables: readonly string[];
  readonly manifest: ExportManifest | null;
}

/**
 * Streams the export's records into `loader` (a database's record sink); `check` sees each record
 * first (what the target cannot store fails there, naming table and column).
 */
export async function loadExport(source: string, located: LocatedExport, loader: Writable, verify: boolean, options: RunOptions & { readonly tables: readonly string[] | null; readonly check?: (record: ExportRecord) => void }): Promise<Loaded> {
  const tables: string[] = [];
  const note = recordTap((record) => {
    options.check?.(record);
    if (record.kind === 'table') tables.push(record.table.name);
  });
  const signal = options.signal;
  const { manifest } = located;
  switch (located.kind) {
    case 'json':
    case 'ndjson': {
      const parser = located.kind === 'json' ? createJsonParser() : createNdjsonParser();
      await pipeline([...readExportBytes(source, located.gzip), parser, note, loader], { signal });
      return { tables, manifest };
    }
    case 'csv-file':
    case 'csv-folder': {
      const folder = located.kind === 'csv-folder' ? source : null;
      await pipeline(Readable.from(csvRecords(source, folder, located.gzip, manifest!), { objectMode: true }), note, loader, { signal });
      return { tables, manifest };
    }
    case 'sqlite': {
      checkSqliteExport(source);
      const snapshot = openSqliteSnapshot(source, createSelection({ excludeTables: [EXPORT_META_TABLE] }), { readonly: true });
      try {
        await pipeline(Readable.from(sqliteRecords(source, snapshot), { objectMode: true }), note, loader, { signal });
      } finally {
        snapshot.close();
      }
      return { tables, manifest };
    }
    case 'tar':
      return loadTar(source, located, loader, verify, note, options);
  }
}

/** The bytes of an export file, gunzipped when it is a .gz. */
function readExportBytes(source: string, gzip: boolean): (Readable | Transform)[] {
  return [createReadStream(source), ...(gzip ? [createGunzip()] : [])];
}

/** A CSV parser fed from a file; the feeding pipeline's errors surface through the parser. */
function parseCsvFile(file: string, gzip: boolean, schema: TableSchema, rows: number | undefined): AsyncIterable<ExportRecord> {
  const parser = createCsvParser({ table: schema, rows });
  pipeline([...readExportBytes(file, gzip), parser]).catch((err: unknown) => parser.destroy(err as Error));
  return parser;
}

/** A CSV export's records, in the manifest's order, after its header (which carries AUTOINCREMENT counters). */
async function* csvRecords(source: string, folder: string | null, gzip: boolean, manifest: ExportManifest): AsyncGenerator<ExportRecord> {
  yield { kind: 'header', header: manifest.header };
  const listed = new Set(manifest.files.map((f) => f.name));
  const named = new Set<string>();
  const tables = manifest.tables.map((entry) => {
    // A table listed twice would load twice: an altered manifest.
    if (named.has(entry.name)) throw new AcodeError('ACODE-IMP-002', `manifest lists table ${entry.name} twice: the export was altered`, { context: { table: entry.name } });
    named.add(entry.name);
    const schema = manifest.schemas.find((s) => s.name === entry.name);
    // A folder's table files are its own files, each with a checksum in the manifest.
    if (folder && entry.file && (!isPlainFileName(entry.file) || !listed.has(entry.file))) {
      throw new AcodeError('ACODE-IMP-002', `manifest gives table ${entry.name} the file ${JSON.stringify(entry.file)}, which is not one of the folder's checksummed files`, { context: { table: entry.name } });
    }
    const file = folder ? (entry.file ? path.join(folder, entry.file) : null) : source;
    if (!file || !schema) throw new AcodeError('ACODE-IMP-002', `manifest lists table ${entry.name} without its file or definition`, { context: { table: entry.name } });
    return { file, schema, rows: entry.rows };
  });
  // A checksummed table file that no table names would be skipped unseen (a tar bundle refuses the same by its entries).
  const unread = folder ? manifest.files.filter((f) => f.table != null && !manifest.tables.some((t) => t.file === f.name)) : [];
  if (unread.length > 0) {
    throw new AcodeError('ACODE-IMP-002', `manifest checksums ${unread.map((f) => f.name).join(', ')} but lists no table in ${unread.length === 1 ? 'it' : 'them'}: the export was altered`);
  }
  for (const table of tables) yield* parseCsvFile(table.file, gzip, table.schema, table.rows);
}

/** A SQLite export's records, after the header it keeps in its metadata table. */
async function* sqliteRecords(source: string, snapshot: ReturnType<typeof openSqliteSnapshot>): AsyncGenerator<ExportRecord> {
  const db = openSqlite(source, { readonly: true, role: 'export' });
  try {
    const meta = db.prepare(`SELECT value FROM ${EXPORT_META_TABLE} WHERE key = 'metadata'`).pluck().get() as string | undefined;
    if (meta) {
      let header: unknown;
      try {
        header = JSON.parse(meta);
      } catch (err) {
        throw new AcodeError('ACODE-IMP-002', `${path.basename(source)}: the export's metadata is not valid JSON (${describeCause(err)}); export it again`, { cause: err, context: { file: source } });
      }
      yield { kind: 'header', header: checkExportHeader(header, path.basename(source)) };
    }
  } finally {
    db.close();
  }
  yield* snapshot.records();
}

/**
 * A tar bundle: manifest.json comes first and gives every table's definition and checksum;
 * each entry is hashed as it streams into the loader, and the transaction only commits after
 * every entry matched.
 */
async function loadTar(source: string, located: LocatedExport, loader: Writable, verify: boolean, note: Transform, options: RunOptions): Promise<Loaded> {
  if (verify && located.manifest) await checkExportChecksums(source, located, options);
  let manifest: ExportManifest | null = null;
  const tables: string[] = [];
  const records = new PassThrough({ objectMode: true, highWaterMark: RECORD_HIGH_WATER_MARK });
  const loading = pipeline(records, note, recordTap((r) => {
    if (r.kind === 'table') tables.push(r.table.name);
  }), loader, { signal: options.signal });
  loading.catch(() => {});
  // A failed loader destroys `records`: waiting for its 'drain' alone would never end.
  const send = async (record: ExportRecord): Promise<void> => {
    if (!records.write(record)) await Promise.race([once(records, 'drain'), loading]);
  };
  try {
    await readTar(
      createReadStream(source),
      async (name, entry) => {
        if (name === BUNDLE_MANIFEST_NAME) {
          const text = await entryText(entry as AsyncIterable<Buffer>);
          manifest = parseExportManifest(text, `${path.basename(source)}:${name}`);
          await send({ kind: 'header', header: manifest.header });
          return;
        }
        if (!manifest) throw new AcodeError('ACODE-IMP-002', `${path.basename(source)}: ${BUNDLE_MANIFEST_NAME} must be the first entry`);
        const m: ExportManifest = manifest;
        const file = m.files.find((f) => f.name === name);
        if (!file) throw new AcodeError('ACODE-IMP-002', `${path.basename(source)}: entry ${name} is not in the manifest`);
        const schema = m.schemas.find((s) => s.name === file.table);
        if (m.header.exportFormat === 'csv' && !schema) {
          throw new AcodeError('ACODE-IMP-002', `${path.basename(source)}: entry ${name} is table ${String(file.table)}, whose definition ${BUNDLE_MANIFEST_NAME} does not give`);
        }
        const hash = createHashTap();
        const parser: Transform =
          m.header.exportFormat === 'csv' ? createCsvParser({ table: schema!, rows: m.tables.find((t) => t.name === file.table)?.rows }) : m.header.exportFormat === 'ndjson' ? createNdjsonParser() : createJsonParser();
        await pipeline(entry, hash, parser, async function (parsed: AsyncIterable<ExportRecord>) {
          for await (const record of parsed) {
            if (record.kind !== 'header' && record.kind !== 'summary') await send(record);
          }
        }, { signal: options.signal });
        const digest = hash.digest();
        if (verify && (digest.sha256 !== file.sha256 || digest.bytes !== file.bytes)) {
          throw new AcodeError('ACODE-IMP-003', `${name} in ${path.basename(source)} does not match its checksum in ${BUNDLE_MANIFEST_NAME}; nothing was imported`);
        }
      },
      { gzip: located.gzip, signal: options.signal },
    );
    const finalManifest = manifest as ExportManifest | null;
    if (!finalManifest) throw new AcodeError('ACODE-IMP-002', `${path.basename(source)} holds no ${BUNDLE_MANIFEST_NAME}`);
    const missing = finalManifest.files.filter((f) => !tables.includes(f.table ?? ''));
    if (missing.length) throw new AcodeError('ACODE-IMP-002', `${path.basename(source)} is missing ${missing.map((f) => f.name).join(', ')}: truncated`);
    // Without a manifest beside the bundle, each entry was checked against the bundle's own as it streamed: said as the other kinds say theirs.
    if (verify && !located.manifest) await stage(options, { stage: 'checksum', label: `Checksums match the bundle's ${BUNDLE_MANIFEST_NAME}` }, () => undefined);
    records.end();
    await loading;
    return { tables, manifest: finalManifest };
  } catch (err) {
    records.destroy(err as Error);
    // The loader's own failure (a key clash) is the one to report, not the destroy it caused.
    await loading.catch((loadErr: unknown) => {
      if (loadErr instanceof AcodeError && !(err instanceof AcodeError)) err = loadErr;
    });
    throw err;
  }
}

/** --tables names only tables the export holds (ACODE-EXP-004, exit 64, listing them). */
export function checkTableNames(wanted: readonly string[], held: readonly string[]): void {
  const missing = wanted.filter((t) => !held.includes(t));
  if (missing.length) {
    throw new AcodeError('ACODE-EXP-004', `${missing.map((t) => `'${t}'`).join(', ')} not in the export; tables: ${held.join(', ')}`, { context: { table: missing[0] } });
  }
}

/** A gzip stream cut short or damaged while loading: the export is what is wrong (ACODE-IMP-002), not the import; null for any other failure. */
export function damagedExport(err: unknown, source: string): AcodeError | null {
  if (isAbort(err) || !systemCode(err)?.startsWith('Z_')) return null;
  return new AcodeError('ACODE-IMP-002', `${path.basename(source)} is truncated or damaged (${describeCause(err)}); nothing was imported`, { cause: err, context: { file: source } });
}
