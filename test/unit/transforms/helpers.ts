import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable, type Duplex, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { ColumnInfo, ExportHeader, ExportRecord, SqlValue, TableSchema } from '../../../lib/records.js';

/** The project root, found from this file wherever it was compiled to. */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found above the test file');
    dir = up;
  }
  return dir;
}

export function fixturePath(name: string): string {
  return path.join(projectRoot(), 'test', 'fixtures', 'transforms', name);
}

/** A private temporary folder; `dispose` removes it with everything in it. */
export async function tempDir(): Promise<{ dir: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'acode-transforms-'));
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

export const HEADER: ExportHeader = {
  format: 'acode-export',
  formatVersion: 1,
  createdAt: '2024-05-01T12:00:00.000Z',
  toolVersion: '0.1.0',
  schemaVersion: 7,
  source: { type: 'sqlite', location: '/work/.agent/acode.db' },
  exportFormat: 'json',
  filters: { tables: null, since: null },
  snapshot: { kind: 'read-transaction' },
  redaction: { enabled: false, rules: [] },
  tables: [
    { name: 'awkward', rows: 9, dateColumn: null },
    { name: 'empty', rows: 0, dateColumn: 'created_at' },
  ],
};

const col = (name: string, type: string, primaryKey = 0): ColumnInfo => ({ name, type, notNull: primaryKey > 0, primaryKey });

export const AWKWARD: TableSchema = {
  name: 'awkward',
  sql: 'CREATE TABLE awkward (id INTEGER PRIMARY KEY, i INTEGER, r REAL, t TEXT, b BLOB)',
  columns: [col('id', 'INTEGER', 1), col('i', 'INTEGER'), col('r', 'REAL'), col('t', 'TEXT'), col('b', 'BLOB')],
  indexes: ['CREATE INDEX awkward_i ON awkward (i)'],
};

export const EMPTY: TableSchema = {
  name: 'empty',
  sql: 'CREATE TABLE empty ("odd, name" TEXT, "quo""te" TEXT, created_at TEXT)',
  columns: [col('odd, name', 'TEXT'), col('quo"te', 'TEXT'), col('created_at', 'TEXT')],
  indexes: [],
};

export const LONG_TEXT = 'long line, "quoted"\r\n'.repeat(3000);

/** Every awkward value the formats must carry, one kind per row. */
export const AWKWARD_ROWS: SqlValue[][] = [
  [1n, 9223372036854775807n, 0.1, 'plain', Buffer.from([0x00, 0xff, 0xfe, 0x80])],
  [2n, -9223372036854775808n, 1.0, '', Buffer.alloc(0)],
  [3n, 9007199254740993n, -0, null, null],
  [4n, 0n, 1e308, 'comma, "quote" and\r\nCRLF\nLF\rCR', Buffer.from('not utf-8: \xc3\x28', 'latin1')],
  [5n, -1n, Infinity, 'NUL\u0000inside', Buffer.from([0])],
  [6n, 42n, -Infinity, 'emoji 🎉 and 日本語 and é', Buffer.from('plain bytes')],
  [7n, null, 5e-324, ' leading and trailing spaces ', null],
  [8n, 1n, 1e21, 'lone \ud800 surrogate', null],
  [9n, 2n, 123456.789, LONG_TEXT, null],
];

export function records(tables: { table: TableSchema; rows: SqlValue[][] }[], options: { header?: boolean; summary?: boolean; batch?: number } = {}): ExportRecord[] {
  const out: ExportRecord[] = [];
  if (options.header ?? true) out.push({ kind: 'header', header: HEADER });
  let total = 0;
  for (const { table, rows } of tables) {
    out.push({ kind: 'table', table, rows: rows.length });
    const batch = options.batch ?? 4;
    for (let i = 0; i < rows.length; i += batch) out.push({ kind: 'rows', table: table.name, rows: rows.slice(i, i + batch) });
    out.push({ kind: 'table-end', table: table.name, rows: rows.length });
    total += rows.length;
  }
  if (options.summary ?? true) out.push({ kind: 'summary', summary: { rows: total, redaction: null } });
  return out;
}

export const DOC = [
  { table: AWKWARD, rows: AWKWARD_ROWS },
  { table: EMPTY, rows: [] as SqlValue[][] },
];

/** Runs records through a serializer and returns the bytes. */
export async function serialize(make: () => Transform, input: ExportRecord[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(Readable.from(input), make(), collectBytes(chunks));
  return Buffer.concat(chunks);
}

export function collectBytes(chunks: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
}

/** Feeds bytes (as the given chunks) through a parser; returns the records. */
export async function parseChunks(make: () => Duplex, chunks: Buffer[]): Promise<ExportRecord[]> {
  const out: ExportRecord[] = [];
  await pipeline(
    Readable.from(chunks, { objectMode: false }),
    make(),
    new Writable({
      objectMode: true,
      write(record: ExportRecord, _encoding, callback) {
        out.push(record);
        callback();
      },
    }),
  );
  return out;
}

/** Rows only, in order, from a record list; batches merged (batch sizes differ between formats). */
export function rowsOf(list: ExportRecord[], table: string): SqlValue[][] {
  return list.flatMap((r) => (r.kind === 'rows' && r.table === table ? r.rows : []));
}

/** The records with all 'rows' batches of a table merged into one, for comparing across batch sizes. */
export function mergeBatches(list: ExportRecord[]): ExportRecord[] {
  const out: ExportRecord[] = [];
  for (const r of list) {
    const last = out[out.length - 1];
    if (r.kind === 'rows' && last?.kind === 'rows' && last.table === r.table) {
      out[out.length - 1] = { kind: 'rows', table: r.table, rows: [...last.rows, ...r.rows] };
    } else out.push(r);
  }
  return out;
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; context?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a rejection, but the promise resolved');
}
