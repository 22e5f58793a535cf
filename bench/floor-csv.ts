/**
 * The least a Node process can do for a CSV export, as a bench row of its own (`export-csv-floor`):
 * better-sqlite3 reads every table in one transaction, acode's own encoder (WebAssembly) writes
 * the CSV, node:crypto hashes it, and each file is written and fsynced. No CLI, no config, no
 * manifest, no progress, no streams, no temporary names. Raced against `sqlite3 -csv`, it shows
 * how much of `export-csv`'s ratio is Node and better-sqlite3 rather than acode.
 *
 * usage: node floor-csv.js DB OUT_DIR
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { csvHeader, encodeCsvRows } from '../transforms/row-encoders.js';
import { BATCH_CHARS, BATCH_ROWS, rowChars, type SqlValue } from '../lib/records.js';
import { quoteIdent } from '../lib/sqlite/open.js';
import { listTables, readTableSchema } from '../lib/sqlite/schema-reader.js';

const [file, out] = process.argv.slice(2);
if (!file || !out) throw new Error('usage: node floor-csv.js DB OUT_DIR');
mkdirSync(out, { recursive: true });
const db = new Database(file, { readonly: true });
db.exec('BEGIN');
for (const table of listTables(db).tables) {
  const schema = readTableSchema(db, table);
  const columns = schema.columns.map((c) => quoteIdent(c.name));
  const fd = openSync(path.join(out, `${table}.csv`), 'w');
  const hash = createHash('sha256');
  const put = (bytes: Buffer | string): void => {
    const b = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    hash.update(b);
    writeSync(fd, b);
  };
  put(csvHeader(schema));
  const rows = db.prepare(`SELECT ${columns.join(', ')} FROM ${quoteIdent(table)}`).raw(true).safeIntegers(true).iterate() as IterableIterator<SqlValue[]>;
  let batch: SqlValue[][] = [];
  let chars = 0;
  for (const row of rows) {
    batch.push(row);
    chars += rowChars(row);
    if (batch.length === BATCH_ROWS || chars >= BATCH_CHARS) {
      put(encodeCsvRows(table, columns.length, batch));
      batch = [];
      chars = 0;
    }
  }
  if (batch.length > 0) put(encodeCsvRows(table, columns.length, batch));
  fsyncSync(fd);
  closeSync(fd);
  hash.digest('hex');
}
db.exec('COMMIT');
db.close();
