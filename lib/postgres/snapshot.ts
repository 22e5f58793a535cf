import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Client } from 'pg';
import type { ExportSelection, Snapshot, SnapshotTable } from '../export-source.js';
import type { ColumnInfo, ExportRecord, SqlValue, TableSchema } from '../records.js';
import { connectPg, parsePgUrl, pgTableName, quotePgIdent } from './connection.js';
import { VERSIONS_SQL } from './facts.js';

/** The same batch bounds as the SQLite source: rows or text, whichever comes first. */
const BATCH_ROWS = 512;
const BATCH_CHARS = 48 * 1024;
const BATCHES_PER_YIELD = 8;

/** How a column's COPY text becomes a value: the SQLite-shaped values every serializer knows. */
type Decode = (text: string) => SqlValue;

const asInteger: Decode = (t) => BigInt(t);
const asReal: Decode = (t) => Number(t);
const asBoolean: Decode = (t) => (t === 't' ? 1n : 0n);
const asBytes: Decode = (t) => Buffer.from(t.slice(2), 'hex');
const asText: Decode = (t) => t;

/** By type OID: integers exact (bigint), floats as numbers, bytea as bytes, booleans 1/0; everything else its text (numeric stays exact). */
function decoderFor(oid: number): Decode {
  switch (oid) {
    case 20: // int8
    case 21: // int2
    case 23: // int4
    case 26: // oid
      return asInteger;
    case 700: // float4
    case 701: // float8
      return asReal;
    case 16:
      return asBoolean;
    case 17:
      return asBytes;
    default:
      return asText;
  }
}

interface PgTableInfo {
  readonly schema: string;
  readonly table: string;
  readonly name: string;
  readonly columns: ColumnInfo[];
  readonly oids: number[];
}

const COLUMNS_SQL = `SELECT n.nspname AS schema, c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
       a.atttypid::int AS oid, a.attnotnull AS not_null,
       coalesce((SELECT k.n::int FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) WHERE k.attnum = a.attnum), 0) AS pk
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
 WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
 ORDER BY n.nspname, c.relname, a.attnum`;

async function readTables(client: Client): Promise<Map<string, PgTableInfo>> {
  const { rows } = await client.query<{ schema: string; table: string; column: string; type: string; oid: number; not_null: boolean; pk: number }>(COLUMNS_SQL);
  const tables = new Map<string, PgTableInfo>();
  for (const r of rows) {
    const name = pgTableName(r.schema, r.table);
    let t = tables.get(name);
    if (!t) tables.set(name, (t = { schema: r.schema, table: r.table, name, columns: [], oids: [] }));
    t.columns.push({ name: r.column, type: r.type, notNull: r.not_null, primaryKey: r.pk });
    t.oids.push(r.oid);
  }
  return tables;
}

/** --since/--until on the date column, read as a timestamp whether it is one or ISO text. */
function whereClause(dateColumn: string | null, selection: ExportSelection): string {
  if (!dateColumn) return '';
  const column = `(${quotePgIdent(dateColumn)})::timestamptz`;
  const parts: string[] = [];
  // toISOString() holds digits, '-', ':', '.', 'T' and 'Z' only: safe inside quotes.
  if (selection.since) parts.push(`${column} >= '${selection.since.toISOString()}'::timestamptz`);
  if (selection.until) parts.push(`${column} < '${selection.until.toISOString()}'::timestamptz`);
  return parts.length ? ` WHERE ${parts.join(' AND ')}` : '';
}

/**
 * One consistent snapshot of a PostgreSQL database for an export: a repeatable-read, read-only
 * transaction holds it from the row counts to the last row. Rows come out through COPY … TO
 * STDOUT (what psql's \copy uses), parsed from COPY's text format.
 */
export async function openPostgresSnapshot(url: string, selection: ExportSelection): Promise<Snapshot> {
  const target = parsePgUrl(url);
  const client = await connectPg(target);
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // COPY writes values as the session's settings say: fix the ones that change the text.
    await client.query("SET LOCAL bytea_output = 'hex'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; SET LOCAL TimeZone = 'UTC'; SET LOCAL extra_float_digits = 1");
    const versions = (await client.query<{ server_version: string; schema_version: string | null }>(VERSIONS_SQL)).rows[0]!;
    const info = await readTables(client);
    const names = selection.resolveTables([...info.keys()].sort());
    const takenAt = new Date().toISOString();
    const snapshotId = (await client.query<{ s: string }>('SELECT pg_current_snapshot()::text AS s')).rows[0]!.s;
    const tables: SnapshotTable[] = [];
    const sources = new Map<string, { from: string; oids: number[] }>();
    for (const name of names) {
      const t = info.get(name)!;
      const schema: TableSchema = { name, sql: null, columns: t.columns, indexes: [] };
      const dateColumn = selection.dateColumnFor(name, t.columns.map((c) => c.name));
      const from = `${quotePgIdent(t.schema)}.${quotePgIdent(t.table)}${whereClause(dateColumn, selection)}`;
      const rows = selection.schemaOnly ? 0 : Number((await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${from}`)).rows[0]!.n);
      tables.push({ schema, rows, dateColumn });
      sources.set(name, { from, oids: t.oids });
    }
    // The COPY being read, destroyed by close() when an export stops mid-table.
    const reading: { stream: Readable | null } = { stream: null };
    return {
      tables,
      skipped: [],
      schemaVersion: versions.schema_version ? Number(versions.schema_version) : null,
      engineVersion: versions.server_version,
      info: { method: 'postgres-repeatable-read', takenAt, snapshot: snapshotId },
      records: () =>
        readRecords(client, tables, sources, selection, (stream) => {
          reading.stream = stream;
        }),
      close: () => {
        reading.stream?.destroy();
        // Read-only: ending the session ends the transaction; nothing waits on it.
        void client.end().catch(() => undefined);
      },
    };
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
}

async function* readRecords(
  client: Client,
  tables: readonly SnapshotTable[],
  sources: ReadonlyMap<string, { from: string; oids: number[] }>,
  selection: ExportSelection,
  track: (stream: Readable | null) => void,
): AsyncGenerator<ExportRecord> {
  const { to: copyTo } = await import('pg-copy-streams');
  for (const table of tables) {
    const name = table.schema.name;
    yield { kind: 'table', table: table.schema, rows: table.rows };
    let count = 0;
    if (!selection.schemaOnly) {
      const { from, oids } = sources.get(name)!;
      const columns = table.schema.columns.map((c) => quotePgIdent(c.name)).join(', ');
      const stream = client.query(copyTo(`COPY (SELECT ${columns} FROM ${from}) TO STDOUT`));
      track(stream);
      const parser = new CopyTextParser(oids.map(decoderFor));
      let batches = 0;
      try {
        for await (const chunk of stream) {
          for (const rows of parser.push(chunk as Buffer)) {
            count += rows.length;
            yield { kind: 'rows', table: name, rows };
            if (++batches % BATCHES_PER_YIELD === 0) await yieldToEventLoop();
          }
        }
        const rest = parser.end();
        if (rest.length) {
          count += rest.length;
          yield { kind: 'rows', table: name, rows: rest };
        }
      } finally {
        track(null);
        stream.destroy();
      }
    }
    yield { kind: 'table-end', table: name, rows: count };
  }
}

const ESCAPES: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/**
 * COPY text format: `\`-escapes (COPY TO writes \b \f \n \r \t \v \\ only); `\N` is NULL.
 * A loop over indexOf, not a replace() with a callback: messages full of escaped newlines made the
 * callback most of an export's time (0.6 s of 2 s for the bench's messages).
 */
function unescapeCopy(field: string): string {
  let out = '';
  let from = 0;
  for (let at = field.indexOf('\\'); at !== -1; at = field.indexOf('\\', from)) {
    const c = field[at + 1]!;
    out += field.slice(from, at) + (ESCAPES[c] ?? c);
    from = at + 2;
  }
  return out + field.slice(from);
}

/**
 * Rows of COPY's text format into batches of values. A raw newline always ends a row (one inside
 * a value is written `\n`), and UTF-8 never puts 0x0A inside a character, so lines split on bytes.
 */
export class CopyTextParser {
  readonly #decoders: readonly Decode[];
  readonly #text = new StringDecoder('utf8');
  #pieces: string[] = [];
  #batch: SqlValue[][] = [];
  #chars = 0;

  constructor(decoders: readonly Decode[]) {
    this.#decoders = decoders;
  }

  /** Full batches completed by this chunk. */
  push(chunk: Buffer): SqlValue[][][] {
    const text = this.#text.write(chunk);
    const first = text.indexOf('\n');
    if (first === -1) {
      // Part of a long row: kept in pieces and joined once, not concatenated chunk by chunk.
      this.#pieces.push(text);
      return [];
    }
    const done: SqlValue[][][] = [];
    this.#pieces.push(text.slice(0, first));
    this.#add(this.#pieces.join(''), done);
    this.#pieces = [];
    let start = first + 1;
    for (let nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
      this.#add(text.slice(start, nl), done);
      start = nl + 1;
    }
    if (start < text.length) this.#pieces.push(text.slice(start));
    return done;
  }

  /** The last batch; a row without its newline is a truncated stream. */
  end(): SqlValue[][] {
    const tail = this.#pieces.join('') + this.#text.end();
    if (tail) throw new Error('COPY output ended inside a row');
    const last = this.#batch;
    this.#batch = [];
    return last;
  }

  #add(line: string, done: SqlValue[][][]): void {
    this.#row(line);
    if (this.#batch.length === BATCH_ROWS || this.#chars >= BATCH_CHARS) {
      done.push(this.#batch);
      this.#batch = [];
      this.#chars = 0;
    }
  }

  #row(line: string): void {
    const fields = line.split('\t');
    if (fields.length !== this.#decoders.length) throw new Error(`COPY row has ${fields.length} fields, expected ${this.#decoders.length}`);
    const row: SqlValue[] = new Array(fields.length);
    for (let i = 0; i < fields.length; i++) {
      const raw = fields[i]!;
      if (raw === '\\N') {
        row[i] = null;
        continue;
      }
      this.#chars += raw.length;
      row[i] = this.#decoders[i]!(raw.includes('\\') ? unescapeCopy(raw) : raw);
    }
    this.#batch.push(row);
  }
}
