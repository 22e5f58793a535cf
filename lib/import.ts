import { rmdir } from 'node:fs/promises';
import path from 'node:path';
import type { AcodeConfig } from './config.js';
import { AcodeError, describeCause, diskFullCause, systemCode, toAcodeError } from './errors.js';
import { checkExportChecksums, locateExport, type ExportKind } from './export-files.js';
import { checkTableNames, damagedExport, loadExport } from './import-read.js';
import { ensureDir, exists, fsyncFile, publishFile, removeQuietly, setAsideOrphans } from './fs-atomic.js';
import { removeAbandoned, tempNamePid, tempPathFor } from './temp-names.js';
import { stage, type RunOptions } from './progress.js';
import { ImportLoader, type ImportMode, type LoadedTable } from './sqlite/import-loader.js';
import { isBusyError, openSqlite, type SqliteDb } from './sqlite/open.js';
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
  /** How long to wait for another process's lock (ms): SQLite's busy timeout (default 5000), PostgreSQL's lock_timeout on each table (default 30000). */
  readonly busyTimeoutMs?: number;
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
    busyTimeoutMs: 'number',
  });
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
  if (options.config.database.type === 'postgres') {
    const { importIntoPostgres } = await import('./postgres/import.js');
    return importIntoPostgres(options, source, located, verify);
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
    const open = openSqlite(file, { create: created, role: 'workspace database', busyTimeoutMs: options.busyTimeoutMs });
    db = open;
    // A new database is built with a rollback journal: every page is in the file by COMMIT, and a
    // disk that fills fails the COMMIT. (In WAL mode the rows waited in the -wal for the
    // checkpoint at close, which reports no error: a full disk left a cut database, published.)
    db.pragma('foreign_keys = OFF');
    db.exec('BEGIN IMMEDIATE');
    const tables = options.tables?.length ? [...options.tables] : null;
    const loader = new ImportLoader(db, { mode: options.mode ?? 'append', tables, onProgress: options.onProgress });
    const seen = await stage(options, { stage: 'import', label: 'Rows loaded' }, async () => {
      const loaded = await loadExport(source, located, loader, verify, { ...options, tables, check: createSqliteStorableCheck('ACODE-IMP-001', tables) });
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
    const damaged = damagedExport(err, source);
    if (damaged) throw damaged;
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
