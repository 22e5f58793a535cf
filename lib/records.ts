/**
 * The records that flow through an export pipeline (object mode), from the row source through
 * redaction to a serializer, and out of an import parser into the loader. Rows travel in batches:
 * one stream object per batch keeps per-object overhead off the hot path.
 */

/** A SQLite value as read with safe integers: every INTEGER is a bigint, every REAL a number. */
export type SqlValue = null | bigint | number | string | Uint8Array;

export interface ColumnInfo {
  readonly name: string;
  /** The declared type as written in the DDL ("TEXT", "INTEGER", "" when none). */
  readonly type: string;
  readonly notNull: boolean;
  /** 1-based position in the primary key, 0 when not part of it. */
  readonly primaryKey: number;
}

export interface TableSchema {
  readonly name: string;
  /** The CREATE TABLE statement, when the source has one (SQLite); null otherwise. */
  readonly sql: string | null;
  readonly columns: readonly ColumnInfo[];
  /** CREATE INDEX statements for the table's explicit indexes. */
  readonly indexes: readonly string[];
}

/** Everything known before the first row: written first by formats that carry metadata. */
export interface ExportHeader {
  readonly format: 'acode-export';
  readonly formatVersion: number;
  readonly createdAt: string;
  readonly toolVersion: string;
  readonly schemaVersion: number | null;
  readonly source: { readonly type: string; readonly location: string };
  readonly exportFormat: string;
  readonly filters: Readonly<Record<string, unknown>>;
  readonly snapshot: Readonly<Record<string, unknown>>;
  readonly redaction: { readonly enabled: boolean; readonly rules: readonly { readonly name: string; readonly kind: string }[] };
  /** `sequence`: an AUTOINCREMENT table's counter, so an import never reuses a deleted id. */
  readonly tables: readonly { readonly name: string; readonly rows: number; readonly dateColumn: string | null; readonly sequence?: number | string }[];
}

/** Known only at the end: written last by formats that can (JSON, NDJSON). */
export interface ExportSummary {
  readonly rows: number;
  readonly redaction: unknown;
}

/** Text formats whose rows a row source may hand over already encoded (see 'text-rows'). */
export type RowTextFormat = 'json' | 'ndjson';

/**
 * 'text-rows' is a batch already encoded by the row source, byte for byte what the format's
 * writer would make of the same rows (transforms/row-encoders.ts), for plain exports only: a
 * stage that must see values (redaction, the row leak scan) refuses it. JSON rows are joined by
 * ",\n" (the writer adds what comes before the batch); NDJSON lines are whole.
 */
export type ExportRecord =
  | { readonly kind: 'header'; readonly header: ExportHeader }
  | { readonly kind: 'table'; readonly table: TableSchema; readonly rows: number }
  | { readonly kind: 'rows'; readonly table: string; readonly rows: SqlValue[][] }
  | { readonly kind: 'text-rows'; readonly table: string; readonly format: RowTextFormat; readonly count: number; readonly bytes: Buffer }
  | { readonly kind: 'table-end'; readonly table: string; readonly rows: number }
  | { readonly kind: 'summary'; readonly summary: ExportSummary };

/** How many rows a 'rows' or 'text-rows' record carries (0 for any other). */
export function rowCount(record: ExportRecord): number {
  if (record.kind === 'rows') return record.rows.length;
  return record.kind === 'text-rows' ? record.count : 0;
}

/**
 * A row source's batch ends at this many rows or this much text, whichever comes first: big enough
 * that per-record stream overhead vanishes, small enough that its serialised string stays out of
 * V8's large-object space (freed only by full collections, which made memory grow with the database).
 */
export const BATCH_ROWS = 512;
export const BATCH_CHARS = 48 * 1024;

/** How much a row weighs against BATCH_CHARS: its text, its BLOBs as they serialise (base64: about twice), a few per other value. */
export function rowChars(row: readonly SqlValue[]): number {
  let n = 0;
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    n += typeof v === 'string' ? v.length : v instanceof Uint8Array ? v.byteLength * 2 : 8;
  }
  return n;
}

/** Rows gathered for one 'rows' record: it is full at `size` rows or BATCH_CHARS of weight. */
export class RowBatch {
  #rows: SqlValue[][] = [];
  #chars = 0;
  constructor(readonly size: number) {}

  get length(): number {
    return this.#rows.length;
  }

  /** Adds a row; true when the batch is now full and should be taken. */
  add(row: SqlValue[]): boolean {
    this.#rows.push(row);
    this.#chars += rowChars(row);
    return this.#rows.length >= this.size || this.#chars >= BATCH_CHARS;
  }

  /** The rows gathered so far (perhaps none); the batch starts again empty. */
  take(): SqlValue[][] {
    const rows = this.#rows;
    this.#rows = [];
    this.#chars = 0;
    return rows;
  }
}

/** Batches a row source reads between yields to the event loop, so Ctrl-C and I/O get their turn. */
export const BATCHES_PER_YIELD = 8;

/** Batches an object-mode stage holds before it pushes back: enough to overlap stages, no more. */
export const RECORD_HIGH_WATER_MARK = 2;
