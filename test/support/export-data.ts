import Database from 'better-sqlite3';
import { openToRead, type Db } from './sqlite.js';

/**
 * A database of the values exports get wrong: 64-bit integers at both ends and past 2^53,
 * REALs that print like integers or at the edge of the range, NULL beside '', BLOBs with NUL
 * and bytes that are not UTF-8, text with NUL, CR, LF, quotes, commas and emoji, a long text
 * that spans many chunks, a WITHOUT ROWID table, an AUTOINCREMENT table and indexes.
 *
 * `loose` has an untyped column holding every storage class: JSON, NDJSON and SQLite carry it,
 * CSV (typed by declared column type) cannot, and the CSV tests say so by name.
 */
export const AWKWARD_TABLES = ['auto', 'kv', 'loose', 'vals'] as const;
/** The tables every format carries exactly, CSV included. */
export const CSV_SAFE_TABLES = ['auto', 'kv', 'vals'] as const;

export const INT64_MAX = 2n ** 63n - 1n;
export const INT64_MIN = -(2n ** 63n);
export const TWO_53_PLUS_1 = 2n ** 53n + 1n;

const LONG_PIECE = 'long, "quoted"\r\ntext 😀 ünïcödé\u0000';
/** About 3 MB of text with every character that needs escaping, so it crosses many chunk boundaries. */
export const LONG_TEXT = LONG_PIECE.repeat(Math.ceil(3_000_000 / LONG_PIECE.length));

export const AWKWARD_TEXTS = [
  '',
  'NULL',
  'nul\u0000inside',
  'cr\rlf\ncrlf\r\nend',
  'quote " and ""double"" quotes',
  'comma, separated, "and quoted"',
  'emoji 😀👍🏽 and 中文 and ünïcödé',
  '  leading and trailing spaces  ',
  'tab\there\t',
  'backslash \\ and \\n not a newline',
  '007',
  '1e3',
  '{"$blob":"AAAA"}',
];

function blobs(): Buffer[] {
  const big = Buffer.alloc(1_000_003);
  for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
  return [
    Buffer.alloc(0),
    Buffer.from([0x00]),
    Buffer.from([0x00, 0x01, 0x00, 0xff, 0xfe, 0x00]),
    Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc]),
    Buffer.from('plain ascii bytes'),
    big,
  ];
}

export const AWKWARD_REALS = [0.1, 1.0, 1e308, -1e308, 5e-324, 1.5, -2.5e-10, 9007199254740992.0, 0.30000000000000004, 123456789.123];

/** Creates the awkward database at `file` (WAL mode, like a live workspace). */
export function createAwkwardDatabase(file: string): void {
  const db = new Database(file);
  try {
    db.defaultSafeIntegers(true);
    db.pragma('journal_mode = WAL');
    db.exec(`
      CREATE TABLE vals (
        id INTEGER PRIMARY KEY,
        i INTEGER,
        r REAL,
        t TEXT,
        b BLOB,
        n NUMERIC,
        created_at TEXT
      );
      CREATE INDEX vals_t ON vals (t);
      CREATE INDEX vals_created ON vals (created_at DESC, id);
      CREATE TABLE kv (k TEXT NOT NULL, scope TEXT NOT NULL, v TEXT, PRIMARY KEY (scope, k)) WITHOUT ROWID;
      CREATE TABLE auto (id INTEGER PRIMARY KEY AUTOINCREMENT, note TEXT NOT NULL UNIQUE, created_at TEXT);
      CREATE TABLE loose (id INTEGER PRIMARY KEY, u);
    `);
    const insert = db.prepare('INSERT INTO vals (id, i, r, t, b, n, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const ints = [INT64_MAX, INT64_MIN, -INT64_MAX, TWO_53_PLUS_1, -TWO_53_PLUS_1, 0n, -1n, null];
    const texts = [...AWKWARD_TEXTS, null, LONG_TEXT];
    const bs = [...blobs(), null];
    const ns: (bigint | number | string | null)[] = [1n, 2.5, 'abc', null, '', 1e20, INT64_MAX];
    const rows = Math.max(ints.length, texts.length, bs.length, AWKWARD_REALS.length + 1, ns.length);
    db.transaction(() => {
      for (let k = 0; k < rows; k++) {
        const day = String(1 + (k % 28)).padStart(2, '0');
        const created = k % 5 === 4 ? null : k % 2 ? `2024-0${1 + (k % 3)}-${day} 12:00:00` : `2024-0${1 + (k % 3)}-${day}T08:30:00Z`;
        insert.run(
          BigInt(k + 1),
          ints[k % ints.length]!,
          k < AWKWARD_REALS.length ? AWKWARD_REALS[k]! : null,
          texts[k % texts.length]!,
          bs[k % bs.length]!,
          ns[k % ns.length]!,
          created,
        );
      }
    })();
    const kv = db.prepare('INSERT INTO kv (k, scope, v) VALUES (?, ?, ?)');
    kv.run('a', 'global', 'one');
    kv.run('b,c', 'global', null);
    kv.run('"q"', 'user', '');
    kv.run('a', 'user', 'same key, other scope');
    const auto = db.prepare('INSERT INTO auto (note, created_at) VALUES (?, ?)');
    for (const [note, at] of [['first', '2024-01-01'], ['second', '2024-02-01'], ['third', '2024-03-01'], ['fourth', null]] as const) auto.run(note, at);
    db.prepare('DELETE FROM auto WHERE note = ?').run('fourth');
    const loose = db.prepare('INSERT INTO loose (id, u) VALUES (?, ?)');
    const looseValues: (bigint | number | string | Buffer | null)[] = [null, '', 'text', 42n, 3.5, Buffer.from([0x00, 0xff, 0x41]), INT64_MIN];
    looseValues.forEach((v, k) => loose.run(BigInt(k + 1), v));
  } finally {
    db.close();
  }
}

/** One SQLite value with its storage class, comparable with deep equality and readable in a diff. */
export type Cell = null | readonly ['int', string] | readonly ['real', string] | readonly ['text', string] | readonly ['blob', string];

export function cell(v: unknown): Cell {
  if (v === null) return null;
  if (typeof v === 'bigint') return ['int', v.toString()];
  if (typeof v === 'number') return ['real', Object.is(v, -0) ? '-0' : String(v)];
  if (typeof v === 'string') return ['text', v];
  if (Buffer.isBuffer(v)) return ['blob', v.toString('hex')];
  throw new Error(`not a SQLite value: ${String(v)}`);
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Every row of a table, each value with its storage class, in the order of all columns. */
export function rowsOf(db: Db, table: string): Cell[][] {
  const width = (db.prepare(`PRAGMA table_info(${quote(table)})`).all() as unknown[]).length;
  const order = Array.from({ length: width }, (_, i) => String(i + 1)).join(', ');
  const stmt = db.prepare(`SELECT * FROM ${quote(table)} ORDER BY ${order}`).raw(true).safeIntegers(true);
  return (stmt.all() as unknown[][]).map((row) => row.map(cell));
}

export interface SchemaEntry {
  readonly type: string;
  readonly name: string;
  readonly table: string;
  readonly sql: string | null;
}

/** Table and index definitions (SQLite's own left out), sorted. */
export function schemaOf(db: Db, tables?: readonly string[]): SchemaEntry[] {
  const all = db
    .prepare("SELECT type, name, tbl_name AS \"table\", sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name")
    .all() as SchemaEntry[];
  return tables ? all.filter((e) => tables.includes(e.table)) : all;
}

export interface Dump {
  readonly schema: SchemaEntry[];
  readonly rows: Record<string, Cell[][]>;
}

/** Definitions and rows of a database file (or of `tables` in it). */
export function dumpDatabase(file: string, tables?: readonly string[]): Dump {
  const db = openToRead(file);
  try {
    const schema = schemaOf(db, tables);
    const rows: Record<string, Cell[][]> = {};
    for (const e of schema) if (e.type === 'table') rows[e.name] = rowsOf(db, e.name);
    return { schema, rows };
  } finally {
    db.close();
  }
}

/** The AUTOINCREMENT counters of a database: the next id each such table hands out depends on them. */
export function sequencesOf(file: string): Record<string, string> {
  const db = openToRead(file);
  try {
    const has = db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_sequence'").get();
    if (!has) return {};
    const rows = db.prepare('SELECT name, seq FROM sqlite_sequence ORDER BY name').raw(true).safeIntegers(true).all() as [string, bigint][];
    return Object.fromEntries(rows.map(([name, seq]) => [name, seq.toString()]));
  } finally {
    db.close();
  }
}

function show(c: Cell | undefined): string {
  const s = JSON.stringify(c);
  return s === undefined ? 'nothing' : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/**
 * Fails at the first row and column where two tables differ, naming both values briefly: a
 * deep-equal diff of megabytes of text helps nobody.
 */
export function expectSameRows(actual: readonly Cell[][] | undefined, expected: readonly Cell[][], table: string): void {
  if (!actual) throw new Error(`table ${table} is missing`);
  if (actual.length !== expected.length) throw new Error(`table ${table}: ${actual.length} rows, expected ${expected.length}`);
  for (let r = 0; r < expected.length; r++) {
    const a = actual[r]!;
    const e = expected[r]!;
    for (let c = 0; c < Math.max(a.length, e.length); c++) {
      if (JSON.stringify(a[c]) !== JSON.stringify(e[c])) {
        throw new Error(`table ${table}, row ${r + 1}, column ${c + 1}: got ${show(a[c])}, expected ${show(e[c])}`);
      }
    }
  }
}

/** Same definitions and same rows in every table of `expected`, and no other table. */
export function expectSameDatabase(actual: Dump, expected: Dump): void {
  const names = (d: Dump): string[] => d.schema.filter((e) => e.type === 'table').map((e) => e.name);
  if (JSON.stringify(names(actual)) !== JSON.stringify(names(expected))) {
    throw new Error(`tables ${JSON.stringify(names(actual))}, expected ${JSON.stringify(names(expected))}`);
  }
  for (let i = 0; i < Math.max(actual.schema.length, expected.schema.length); i++) {
    if (JSON.stringify(actual.schema[i]) !== JSON.stringify(expected.schema[i])) {
      throw new Error(`definitions differ: got ${JSON.stringify(actual.schema[i])}, expected ${JSON.stringify(expected.schema[i])}`);
    }
  }
  for (const table of names(expected)) expectSameRows(actual.rows[table], expected.rows[table]!, table);
}
