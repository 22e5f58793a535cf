import { createReadStream } from 'node:fs';
import { rmdir } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { recordTap } from './pipeline.js';
import { createGunzip } from 'node:zlib';
import { createCsvParser, createHashTap, createJsonParser, createNdjsonParser, readTar } from '../transforms/index.js';
import type { AcodeConfig } from './config.js';
import { requireSqlite } from './engine.js';
import { AcodeError, describeCause, diskFullCause, isAbort, systemCode, toAcodeError } from './errors.js';
import { checkExportChecksums, checkSqliteExport, isPlainFileName, locateExport, type ExportKind, type LocatedExport } from './export-files.js';
import { BUNDLE_MANIFEST_NAME, checkExportHeader, entryText, parseExportManifest, type ExportManifest } from './export-manifest.js';
import { createSelection } from './export-source.js';
import { ensureDir, exists, fsyncFile, publishFile, removeAbandoned, removeQuietly, setAsideOrphans, tempNamePid, tempPathFor } from './fs-atomic.js';
import { stage, type RunOptions } from './progress.js';
import { RECORD_HIGH_WATER_MARK, type ExportRecord, type TableSchema } from './records.js';
import { EXPORT_META_TABLE } from './sqlite/export-writer.js';
import { ImportLoader, type ImportMode, type LoadedTable } from './sqlite/import-loader.js';
import { isBusyError, openSqlite, type SqliteDb } from './sqlite/open.js';
import { openSqliteSnapshot } from './sqlite/snapshot.js';
import { createSqliteStorableCheck } from './sqlite-storable.js';
import { checkOptions, RUN_OPTIONS } from './options.js';

export interface ImportOptions extends RunOptions {
  readonly config: AcodeConfig;
  /** An export: JSON or NDJSON file (maybe .gz), CSV folder, tar/tar.gz bundle, or SQLite export. */
  readonly source: string;
  readonly tables?: readonly string[];
  /** append (default): add rows, a key clash fails; replace: empty each imported table first. */
  readonly mode?: ImportMode;
  /** Check the manifest's checksums first (default). Without a manifest the import is refused unless false. */
  readonly verify?: boolean;
  /** The manifest of an export streamed to stdout, written with `export --manifest` (default: `<source>.manifest.json`). */
  readonly manifest?: string;
}


export interface ImportResult {
  readonly source: string;
  readonly kind: ExportKind;
  readonly database: string;
  /** True when the database did not exist and the import created it. */
  readonly created: boolean;
  readonly tables: readonly LoadedTable[];
  /** True when the export was redacted: its placeholders are now data. */
  readonly redacted: boolean;
  readonly verified: boolean;
}


/**
 * Imports an export into the workspace database in one transaction: checksums first, then
 * tables created from their exported definitions and rows loaded in batches. Any failure rolls
 * everything back; a database that did not exist is built beside its final name and only moved
 * there once complete.
 */
export async function importExport(options: ImportOptions): Promise<ImportResult> {
  checkOptions<ImportOptions>('importExport', 'ImportOptions', options, {
    ...RUN_OPTIONS,
    config: { kind: 'config', required: true },
    source: { kind: 'string', required: true },
    tables: 'strings',
    mode: ['append', 'replace'],
    verify: 'boolean',
    manifest: 'string',
  });
  requireSqlite(options.config, 'acode db import');
  const source = path.resolve(options.source);
  const located = await locateExport(source, options.manifest ? path.resolve(options.manifest) : undefined);
  const verify = options.verify ?? true;
  if (options.tables?.length && located.manifest) checkTableNames(options.tables, located.manifest.tables.map((t) => t.name));
  if (verify && located.kind !== 'tar') {
    // Ctrl-C while hashing: "interrupted", not a damaged export or an internal error.
    await checkExportChecksums(source, located, options).catch((err: unknown) => {
      throw toAcodeError(err, 'ACODE-IMP-001', `import of ${path.basename(source)}`);
    });
  }
  const target = options.config.database.path;
  // A killed import's (or restore's) temporary database beside the target goes.
  await removeAbandoned(path.dirname(target), tempNamePid);
  const created = !(await exists(target));
  const file = created ? tempPathFor(target) : target;
  // The folders this import makes (--workspace ./new makes new/ and new/.agent/), deepest first: a failed import removes them again.
  const madeFolders: string[] = [];
  for (let dir = path.dirname(target); created && !(await exists(dir)) && path.dirname(dir) !== dir; dir = path.dirname(dir)) madeFolders.push(dir);
  if (created) {
    try {
      await ensureDir(path.dirname(target));
    } catch (err) {
      throw toAcodeError(err, 'ACODE-DB-007', `cannot create the folder for the workspace database ${path.dirname(target)}`, { file: target });
    }
  }
  let db: SqliteDb | null = null;
  try {
    const open = openSqlite(file, { create: created, role: 'workspace database' });
    db = open;
    // A new database is built with a rollback journal: every page is in the file by COMMIT, and a
    // disk that fills fails the COMMIT. (In WAL mode the rows waited in the -wal for the
    // checkpoint at close, which reports no error: a full disk left a cut database, published.)
    db.pragma('foreign_keys = OFF');
    db.exec('BEGIN IMMEDIATE');
    const tables = options.tables?.length ? [...options.tables] : null;
    const loader = new ImportLoader(db, { mode: options.mode ?? 'append', tables, onProgress: options.onProgress });
    const seen = await stage(options, { stage: 'import', label: 'Rows loaded' }, async () => {
      const loaded = await load(source, located, loader, verify, { ...options, tables });
      // Without a manifest the export's tables are known only now; nothing is committed yet.
      if (tables) checkTableNames(tables, loaded.tables);
      // Inside the stage: a replace that would orphan rows fails before "✓ Rows loaded" is said.
      loader.checkReferences();
      loader.resumeTriggers();
      // Committed inside the stage too: a disk that fills at COMMIT (a new database's pages all
      // reach the file then) must not follow "✓ Rows loaded".
      open.exec('COMMIT');
      return loaded;
    }, () => `${loader.loaded.length} ${loader.loaded.length === 1 ? 'table' : 'tables'}`);
    const redacted = Boolean(loader.header?.redaction.enabled ?? seen.manifest?.redaction.enabled ?? located.manifest?.redaction.enabled);
    db.pragma('foreign_keys = ON');
    if (created) {
      // Workspaces run in WAL mode; switching writes the header only, and a failure fails here.
      db.pragma('journal_mode = WAL');
      const check = db.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new AcodeError('ACODE-IMP-001', `the new database failed its check (${String(check)}); nothing was kept`);
    }
    db.close();
    db = null;
    if (created) {
      await fsyncFile(file);
      // An earlier database's -wal or -journal at the target name would be applied to this one.
      await setAsideOrphans(target);
      await publishFile(file, target, false).catch((err: unknown) => {
        throw systemCode(err) === 'EEXIST' ? new AcodeError('ACODE-IMP-001', `${target} appeared during the import; the import was not applied`) : err;
      });
    }
    return { source, kind: located.kind, database: target, created, tables: loader.loaded, redacted, verified: verify };
  } catch (err) {
    if (db?.open) {
      if (db.inTransaction) db.exec('ROLLBACK');
      db.close();
    }
    // A gzip stream cut short or damaged: the export is what is wrong, not the import.
    if (!isAbort(err) && systemCode(err)?.startsWith('Z_')) {
      throw new AcodeError('ACODE-IMP-002', `${path.basename(source)} is truncated or damaged (${describeCause(err)}); nothing was imported`, { cause: err, context: { file: source } });
    }
    // A full disk, at COMMIT or in the middle of a table's rows (the loader's error wraps SQLite's).
    const full = diskFullCause(err);
    if (full !== null) {
      throw new AcodeError('ACODE-IMP-009', `the disk holding ${path.dirname(target)} is full (${full}); nothing was imported`, { cause: err, context: { file: target } });
    }
    // BEGIN IMMEDIATE waited its busy timeout for another process's write lock.
    if (isBusyError(err)) throw new AcodeError('ACODE-DB-008', `${target} is locked by another process (${describeCause(err)}); nothing was imported`, { cause: err, context: { file: target } });
    throw toAcodeError(err, 'ACODE-IMP-001', `import of ${path.basename(source)}`);
  } finally {
    if (created) await removeQuietly(file);
    if (created && !(await exists(target))) {
      // rmdir removes only an empty folder: one something else put a file in meanwhile stays.
      for (const dir of madeFolders) if (!(await rmdir(dir).then(() => true, () => false))) break;
    }
  }
}

interface Loaded {
  readonly tables: readonly string[];
  readonly manifest: ExportManifest | null;
}

async function load(source: string, located: LocatedExport, loader: ImportLoader, verify: boolean, options: RunOptions & { readonly tables: readonly string[] | null }): Promise<Loaded> {
  const tables: string[] = [];
  const storable = createSqliteStorableCheck('ACODE-IMP-001', options.tables);
  const note = recordTap((record) => {
    storable(record);
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
async function loadTar(source: string, located: LocatedExport, loader: ImportLoader, verify: boolean, note: Transform, options: RunOptions): Promise<Loaded> {
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
function checkTableNames(wanted: readonly string[], held: readonly string[]): void {
  const missing = wanted.filter((t) => !held.includes(t));
  if (missing.length) {
    throw new AcodeError('ACODE-EXP-004', `${missing.map((t) => `'${t}'`).join(', ')} not in the export; tables: ${held.join(', ')}`, { context: { table: missing[0] } });
  }
}
