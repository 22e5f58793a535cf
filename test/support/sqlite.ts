import { createHash } from 'node:crypto';
import { open as openFile } from 'node:fs/promises';
import Database from 'better-sqlite3';

export type Db = Database.Database;

export function openDb(file: string, options: Database.Options = {}): Db {
  return new Database(file, options);
}

/** Ordinary data tables of a database, sorted (SQLite's own left out). */
export function userTables(db: Db): string[] {
  return (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").pluck().all() as string[]);
}

/**
 * Opens a database to read it. Not `readonly`: in WAL mode a read-only connection creates -wal
 * and -shm files it cannot remove on close, and tests check that nothing is left beside files.
 */
export function openToRead(file: string): Db {
  return openDb(file, { fileMustExist: true });
}

/** Row count of every data table, read straight from SQLite. */
export function tableCounts(file: string): Record<string, number> {
  const db = openToRead(file);
  try {
    return countsOf(db);
  } finally {
    db.close();
  }
}

export function countsOf(db: Db): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const t of userTables(db)) counts[t] = Number(db.prepare(`SELECT count(*) FROM "${t.replaceAll('"', '""')}"`).pluck().get());
  return counts;
}

/**
 * A digest of everything a database holds: schema SQL and every row of every table in rowid
 * (or primary key) order. Equal digests mean equal content, whatever the file's page layout.
 */
export function contentDigest(file: string): string {
  const db = openToRead(file);
  try {
    return digestOf(db);
  } finally {
    db.close();
  }
}

export function digestOf(db: Db): string {
  const hash = createHash('sha256');
  const schema = db.prepare("SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name").all();
  hash.update(JSON.stringify(schema));
  for (const t of userTables(db)) {
    const q = `"${t.replaceAll('"', '""')}"`;
    const withoutRowid = /WITHOUT\s+ROWID/i.test(String(db.prepare('SELECT sql FROM sqlite_schema WHERE name = ?').pluck().get(t)));
    const rows = db.prepare(`SELECT * FROM ${q} ORDER BY ${withoutRowid ? '1' : 'rowid'}`).raw().iterate() as Iterable<unknown[]>;
    hash.update(`\u0000${t}\u0000`);
    for (const row of rows) {
      hash.update(JSON.stringify(row, (_k, v: unknown) => (Buffer.isBuffer(v) ? `blob:${v.toString('hex')}` : typeof v === 'bigint' ? `${v}n` : v)));
      hash.update('\n');
    }
  }
  return hash.digest('hex');
}

/** Bytes 18 and 19 of the header: the write and read versions, 1 = rollback journal, 2 = WAL. */
export async function headerVersions(file: string): Promise<[number, number]> {
  const handle = await openFile(file, 'r');
  try {
    const buf = Buffer.alloc(2);
    await handle.read(buf, 0, 2, 18);
    return [buf[0]!, buf[1]!];
  } finally {
    await handle.close();
  }
}

/**
 * A WAL database whose last writes live only in the -wal file: the returned connection has
 * automatic checkpoints off and must stay open (closing the last connection checkpoints).
 */
export function makeWalDatabase(file: string, options: { readonly checkpointed: number; readonly uncheckpointed: number }): Db {
  const db = openDb(file);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO notes (body) VALUES (?)');
  const fill = db.transaction((from: number, n: number) => {
    for (let i = 0; i < n; i++) insert.run(`note ${from + i} ${'x'.repeat(200)}`);
  });
  fill(0, options.checkpointed);
  db.pragma('wal_checkpoint(TRUNCATE)');
  fill(options.checkpointed, options.uncheckpointed);
  return db;
}

/** Fills a table with incompressible blobs until the database holds about `bytes` of them. */
export function addBlobTable(db: Db, bytes: number, rowBytes = 8192): void {
  db.exec('CREATE TABLE IF NOT EXISTS filler (id INTEGER PRIMARY KEY, data BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO filler (data) VALUES (randomblob(?))');
  db.transaction(() => {
    for (let done = 0; done < bytes; done += rowBytes) insert.run(rowBytes);
  })();
}
