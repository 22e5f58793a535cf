import { open } from 'node:fs/promises';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { RestoreRunOptions } from '../engine.js';
import { AcodeError, describeCause } from '../errors.js';
import type { RunOptions } from '../progress.js';
import { isBusyError, quoteIdent, whileBusy, type SqliteDb } from './open.js';

const SOURCE = 'acode_restore_src';
const ROWS_PER_STEP = 20_000;

interface SchemaObject {
  readonly type: 'table' | 'index' | 'view' | 'trigger';
  readonly name: string;
  readonly sql: string | null;
}

interface TableShape {
  readonly name: string;
  readonly withoutRowid: boolean;
  readonly isVirtual: boolean;
  readonly isShadow: boolean;
}

/**
 * Replaces everything in `db`'s main schema with the content of the SQLite file `sourceFile`, in
 * one write transaction: tables, rows (rowids kept), indexes, views, triggers, AUTOINCREMENT
 * counters, user_version and application_id. Rows move in steps that yield to the event loop, so
 * an abort lands between steps and everything rolls back.
 *
 * This is a logical copy through a connection to the live database rather than a swap of files:
 * other processes that have it open see the old content until commit and the new one after, and
 * SQLite's locks keep them consistent. Replacing the file under them could corrupt it.
 */
export async function replaceContent(db: SqliteDb, sourceFile: string, options: RestoreRunOptions = {}): Promise<void> {
  // Foreign keys are checked per statement; tables arrive one at a time, so they wait until the end.
  const foreignKeys = Number(db.pragma('foreign_keys', { simple: true }));
  db.pragma('foreign_keys = OFF');
  // better-sqlite3 opens in SQLite's defensive mode, which forbids writing the shadow tables of
  // a virtual table (an FTS5 index): their rows are copied as they are, like any table's.
  db.unsafeMode(true);
  // The old content's pages are zeroed as they are freed: a restore made to be rid of a leaked
  // secret must not keep it in free pages, where every later backup would copy it (~10% slower).
  // The file keeps its size: a VACUUM to shrink it would renumber the rowids of tables without an
  // INTEGER PRIMARY KEY (an FTS index pointing at them would then point at nothing).
  const secureDelete = Number(db.pragma('main.secure_delete', { simple: true }));
  db.pragma('main.secure_delete = ON');
  await matchEncoding(db, sourceFile);
  db.prepare(`ATTACH DATABASE ? AS ${SOURCE}`).run(sourceFile);
  try {
    await beginImmediate(db, options);
    try {
      await options.beforeReplace?.();
      await zeroFreePages(db, options.signal);
      await copyEverything(db, options);
      if (options.expectTables) checkCounts(db, options.expectTables);
      // A Ctrl-C that came during the last synchronous step is only seen once the event loop runs:
      // give it that chance before the point of no return.
      await yieldToEventLoop();
      options.signal?.throwIfAborted();
      db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
      db.exec('COMMIT');
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw asBusy(err, db);
    }
  } finally {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    db.exec(`DETACH DATABASE ${SOURCE}`);
    db.unsafeMode(false);
    db.pragma(`foreign_keys = ${foreignKeys}`);
    db.pragma(`main.secure_delete = ${secureDelete}`);
  }
}

/** Bytes of zeros per scrub row: SQLite writes a zeroblob page by page, never holding it whole. */
const SCRUB_CHUNK = 8 * 1024 * 1024;

/**
 * secure_delete zeroes pages as they are freed; pages free before the restore (an agent's deleted
 * rows, a pasted key removed by hand) keep what they held, and every later backup copies them.
 * Each is overwritten here: a scratch table takes them all as zeroblob pages, then is dropped.
 */
async function zeroFreePages(db: SqliteDb, signal?: AbortSignal): Promise<void> {
  const free = (): number => Number(db.pragma('main.freelist_count', { simple: true }));
  if (free() === 0) return;
  const scratch = 'main.acode_restore_scrub';
  db.exec(`CREATE TABLE ${scratch} (b BLOB)`);
  const pageSize = Number(db.pragma('main.page_size', { simple: true }));
  const fill = db.prepare(`INSERT INTO ${scratch} (b) VALUES (zeroblob(?))`);
  // Each page holds a little less than page_size of a blob: a few rows more than the count says.
  // In steps, between which a Ctrl-C is seen (the whole list at once held it for seconds).
  for (let left = free(); left > 0; left = free()) {
    fill.run(Math.min(left * pageSize, SCRUB_CHUNK));
    await yieldToEventLoop();
    signal?.throwIfAborted();
  }
  db.exec(`DROP TABLE ${scratch}`);
}

/** The text encodings a SQLite header names (offset 56). */
const ENCODINGS: Readonly<Record<number, string>> = { 1: 'UTF-8', 2: 'UTF-16le', 3: 'UTF-16be' };

/**
 * SQLite attaches only a database of the main one's text encoding. An empty database (a test
 * restore's) takes the backup's; a live one of another encoding cannot be copied into, which is
 * said as such (it was "Restore failed … run verify on the backup first").
 */
async function matchEncoding(db: SqliteDb, sourceFile: string): Promise<void> {
  const header = Buffer.alloc(4);
  const handle = await open(sourceFile, 'r');
  try {
    await handle.read(header, 0, 4, 56);
  } finally {
    await handle.close();
  }
  const source = ENCODINGS[header.readUInt32BE(0)];
  const live = String(db.pragma('main.encoding', { simple: true }));
  if (source === undefined || source === live) return;
  if (Number(db.pragma('main.page_count', { simple: true })) === 0) {
    db.pragma(`main.encoding = '${source}'`);
    return;
  }
  throw new AcodeError('ACODE-BAK-002', `the backup's text is ${source} and the live database's ${live}: SQLite copies rows only between databases of one encoding; nothing was restored`, {
    hint: 'move the live database aside (with its -wal) and restore again: with no database there, the backup file itself is put in place',
  });
}

/**
 * The restored tables against the backup's manifest, inside the write lock and before the
 * commit: nothing else can have written yet, and a mismatch rolls everything back.
 */
function checkCounts(db: SqliteDb, expected: readonly { readonly name: string; readonly rows: number }[]): void {
  const problems: string[] = [];
  for (const { name, rows } of expected) {
    const exists = db.prepare("SELECT 1 FROM main.sqlite_schema WHERE type = 'table' AND name = ?").pluck().get(name);
    const got = exists ? rowCount(db, 'main', name) : null;
    if (got !== rows) problems.push(got === null ? `table ${name} is missing` : `${name} has ${got} rows, manifest says ${rows}`);
  }
  if (problems.length > 0) {
    throw new AcodeError('ACODE-BAK-002', `the restored content does not match the backup's manifest (${problems.slice(0, 3).join('; ')}${problems.length > 3 ? `; ${problems.length - 3} more` : ''}); it was rolled back`);
  }
}

/**
 * Takes the write lock, waiting up to `busyTimeoutMs` for another process to let go: in short
 * tries between which the event loop runs, so Ctrl-C stops the wait (SQLite's own busy wait
 * blocks the thread). A lock still held then is a coded error: another process is writing.
 */
async function beginImmediate(db: SqliteDb, options: RestoreRunOptions): Promise<void> {
  const timeout = options.busyTimeoutMs ?? 5000;
  db.pragma('busy_timeout = 0');
  try {
    await whileBusy(() => db.exec('BEGIN IMMEDIATE'), timeout, options.signal);
  } catch (err) {
    db.pragma(`busy_timeout = ${timeout}`);
    throw asBusy(err, db);
  }
  // The busy timeout stays 0 while the content is copied: with a rollback journal every cache
  // spill asks for the exclusive lock, and each one waited the whole timeout for a reader that
  // held on (a restore with --wait 1 took 8 s to give up on a 100 MB database). A spill that finds
  // a reader is simply not made; the commit waits its full time (replaceContent).
}

/**
 * "Busy" at any point is another process's lock: at BEGIN a writer; later (a rollback-journal
 * database, spilling its cache or committing) a reader that will not let go. Either way the
 * transaction was rolled back and nothing changed.
 */
function asBusy(err: unknown, db: SqliteDb): unknown {
  if (isBusyError(err)) {
    return new AcodeError('ACODE-BAK-010', `could not lock ${db.name} for writing: ${describeCause(err)}`, { cause: err, context: { file: db.name } });
  }
  return err;
}

async function copyEverything(db: SqliteDb, options: RunOptions): Promise<void> {
  dropEverything(db);
  const source = schemaObjects(db, SOURCE);
  const shapes = tableShapes(db, SOURCE);
  // Tables first (a virtual table creates its own shadow tables), rows next, then indexes
  // (built once over all rows), views, and triggers last so copying rows fires none.
  for (const obj of source.filter((o) => o.type === 'table')) {
    if (obj.sql && !shapes.get(obj.name)?.isShadow) db.exec(obj.sql);
  }
  const dataTables = [...shapes.values()].filter((t) => !t.isVirtual && !t.name.startsWith('sqlite_'));
  const totalRows = dataTables.reduce((n, t) => n + rowCount(db, SOURCE, t.name), 0);
  let copied = 0;
  for (const table of dataTables) {
    // A virtual table fills its shadow tables when created (FTS5's config row): the backup's rows replace them.
    if (table.isShadow) db.exec(`DELETE FROM main.${quoteIdent(table.name)}`);
    copied = await copyRows(db, table, copied, totalRows, options);
    await yieldToEventLoop();
    options.signal?.throwIfAborted();
  }
  copySequences(db);
  for (const type of ['index', 'view', 'trigger'] as const) {
    for (const obj of source.filter((o) => o.type === type && o.sql)) db.exec(obj.sql!);
  }
  copyStatistics(db);
  for (const pragma of ['user_version', 'application_id']) {
    const value = Number(db.pragma(`${SOURCE}.${pragma}`, { simple: true }));
    db.pragma(`main.${pragma} = ${value}`);
  }
}

function schemaObjects(db: SqliteDb, schema: string): SchemaObject[] {
  return db
    .prepare(`SELECT type, name, sql FROM ${quoteIdent(schema)}.sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid`)
    .all() as SchemaObject[];
}

function tableShapes(db: SqliteDb, schema: string): Map<string, TableShape> {
  const rows = db.prepare(`PRAGMA ${quoteIdent(schema)}.table_list`).all() as { name: string; type: string; wr: number }[];
  const shapes = new Map<string, TableShape>();
  for (const r of rows) {
    if (r.type !== 'table' && r.type !== 'shadow' && r.type !== 'virtual') continue;
    if (r.name === 'sqlite_schema' || r.name === 'sqlite_temp_schema') continue;
    shapes.set(r.name, { name: r.name, withoutRowid: r.wr === 1, isVirtual: r.type === 'virtual', isShadow: r.type === 'shadow' });
  }
  return shapes;
}

function dropEverything(db: SqliteDb): void {
  const objects = schemaObjects(db, 'main');
  const shapes = tableShapes(db, 'main');
  for (const type of ['trigger', 'view'] as const) {
    for (const obj of objects.filter((o) => o.type === type)) db.exec(`DROP ${type.toUpperCase()} IF EXISTS main.${quoteIdent(obj.name)}`);
  }
  // Dropping a virtual table drops its shadow tables, so virtual tables go before the rest.
  const tables = [...shapes.values()].sort((a, b) => Number(b.isVirtual) - Number(a.isVirtual));
  for (const table of tables) {
    if (table.name.startsWith('sqlite_')) continue;
    db.exec(`DROP TABLE IF EXISTS main.${quoteIdent(table.name)}`);
  }
  for (const internal of ['sqlite_sequence', 'sqlite_stat1', 'sqlite_stat4']) {
    if (shapes.has(internal)) db.exec(`DELETE FROM main.${internal}`);
  }
}

function rowCount(db: SqliteDb, schema: string, table: string): number {
  return Number(db.prepare(`SELECT count(*) FROM ${quoteIdent(schema)}.${quoteIdent(table)}`).pluck().get());
}

/** A name for the rowid that no column of the table shadows. */
function rowidAlias(columns: readonly string[]): string | null {
  const lower = new Set(columns.map((c) => c.toLowerCase()));
  return ['rowid', '_rowid_', 'oid'].find((alias) => !lower.has(alias)) ?? null;
}

async function copyRows(db: SqliteDb, table: TableShape, copiedBefore: number, totalRows: number, options: RunOptions): Promise<number> {
  const info = db.prepare(`PRAGMA ${SOURCE}.table_xinfo(${quoteIdent(table.name)})`).all() as { name: string; hidden: number }[];
  // hidden 2 and 3 are generated columns: SQLite computes them, they cannot be inserted.
  const columns = info.filter((c) => c.hidden === 0).map((c) => c.name);
  const target = `main.${quoteIdent(table.name)}`;
  const from = `${SOURCE}.${quoteIdent(table.name)}`;
  const list = columns.map(quoteIdent).join(', ');
  const alias = table.withoutRowid ? null : rowidAlias(columns);
  let copied = copiedBefore;
  const report = (): void =>
    options.onProgress?.({ stage: 'restore', phase: 'update', label: 'Restoring', table: table.name, rows: copied, totalRows });
  if (!alias) {
    copied += db.prepare(`INSERT INTO ${target} (${list}) SELECT ${list} FROM ${from}`).run().changes;
    report();
    return copied;
  }
  const select = `INSERT INTO ${target} (${alias}, ${list}) SELECT ${alias}, ${list} FROM ${from}`;
  const first = db.prepare(`${select} ORDER BY ${alias} LIMIT ${ROWS_PER_STEP}`);
  const next = db.prepare(`${select} WHERE ${alias} > ? ORDER BY ${alias} LIMIT ${ROWS_PER_STEP}`);
  const lastCopied = db.prepare(`SELECT max(${alias}) FROM ${target}`).pluck().safeIntegers(true);
  let last: bigint | null = null;
  for (;;) {
    const { changes } = last === null ? first.run() : next.run(last);
    copied += changes;
    report();
    if (changes < ROWS_PER_STEP) break;
    last = lastCopied.get() as bigint;
    await yieldToEventLoop();
    options.signal?.throwIfAborted();
  }
  return copied;
}

/** ANALYZE's statistics, when both databases have the table to hold them (only ANALYZE can create it). */
function copyStatistics(db: SqliteDb): void {
  for (const table of ['sqlite_stat1', 'sqlite_stat4']) {
    const has = (schema: string): boolean => Boolean(db.prepare(`SELECT 1 FROM ${quoteIdent(schema)}.sqlite_schema WHERE name = ?`).pluck().get(table));
    if (has(SOURCE) && has('main')) db.exec(`INSERT INTO main.${table} SELECT * FROM ${SOURCE}.${table}`);
  }
}

function copySequences(db: SqliteDb): void {
  const has = (schema: string): boolean =>
    Boolean(db.prepare(`SELECT 1 FROM ${quoteIdent(schema)}.sqlite_schema WHERE name = 'sqlite_sequence'`).pluck().get());
  if (has(SOURCE) && has('main')) {
    db.exec(`DELETE FROM main.sqlite_sequence; INSERT INTO main.sqlite_sequence (name, seq) SELECT name, seq FROM ${SOURCE}.sqlite_sequence`);
  }
}
