import { Transform, type TransformCallback } from 'node:stream';
import { CsvWriter } from '../transforms/csv-serializer.js';
import { JsonDocumentWriter } from '../transforms/json-serializer.js';
import { NdjsonWriter } from '../transforms/ndjson-serializer.js';
import { joinText, RecordTextTransform, type Text, type TextWriter } from '../transforms/record-text.js';
import type { ExportFormat } from './config.js';
import { AcodeError } from './errors.js';
import type { Snapshot } from './export-source.js';
import type { ProgressListener } from './progress.js';
import { RECORD_HIGH_WATER_MARK, rowCount, type ExportHeader, type ExportRecord, type TableSchema } from './records.js';
import type { LeakDetector } from './redaction/index.js';
import { decodeUtf16 } from './redaction/utf16.js';
import { formatCount } from './numbers.js';
import { createSqliteStorableCheck } from './sqlite-storable.js';
import { recordTap } from './pipeline.js';

/** What a hit's location needs of a table: its name, and for CSV its columns' names in order. */
export type LocatedTable = Pick<TableSchema, 'name' | 'columns'>;

/**
 * Which table each byte of a serialised stream belongs to, so a leak-scan hit can be named by
 * table and column without keeping any value: the serializer marks where each table starts.
 */
export class TableOffsets {
  readonly #format: ExportFormat;
  readonly #starts: { offset: number; table: LocatedTable }[] = [];
  #bytes = 0;

  constructor(format: ExportFormat) {
    this.#format = format;
  }

  mark(record: ExportRecord, bytes: number): void {
    if (record.kind === 'table') this.#starts.push({ offset: this.#bytes, table: record.table });
    this.#bytes += bytes;
  }

  /** A table found in bytes read back (export verify) starts at `offset`. */
  startAt(offset: number, table: LocatedTable): void {
    this.#starts.push({ offset, table });
  }

  tableAt(offset: number): LocatedTable | undefined {
    let found: LocatedTable | undefined;
    for (const start of this.#starts) {
      if (start.offset > offset) break;
      found = start.table;
    }
    return found;
  }

  /** Table and column of a hit, from its offset and the text of its line (the hit at `lineOffset`). */
  locate(offset: number, line: string, lineOffset: number, fixedTable?: string): { table?: string; column?: string } {
    const lineBefore = line.slice(0, lineOffset);
    const table = this.tableAt(offset);
    const name = fixedTable ?? table?.name;
    if (this.#format === 'csv') {
      const index = csvFieldIndex(lineBefore);
      return { table: name, column: table?.columns[index]?.name };
    }
    // A BLOB or a special REAL is an object in its column: {"$blob": …}, {"$real": …}.
    const keys = [...lineBefore.matchAll(/"((?:[^"\\]|\\.)*)":/g)].map((k) => k[1]).filter((k) => k !== '$blob' && k !== '$real');
    const last = keys.at(-1);
    // An NDJSON row line names its table first: {"table":"t","row":{…}}.
    const ndjsonTable = /^\{"table":"((?:[^"\\]|\\.)*)"/.exec(line)?.[1];
    return { table: name ?? ndjsonTable, column: last === 'row' || last === 'table' ? undefined : last };
  }
}

/** How many field separators precede the end of a CSV line fragment, quotes respected. */
function csvFieldIndex(lineBefore: string): number {
  let index = 0;
  let quoted = false;
  for (const ch of lineBefore) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) index++;
  }
  return index;
}

const WRITERS: Record<Exclude<ExportFormat, 'sqlite'>, () => TextWriter> = {
  json: () => new JsonDocumentWriter(),
  ndjson: () => new NdjsonWriter(),
  csv: () => new CsvWriter(),
};

/** The text serializer of a format, marking table starts for the leak scan's locator. */
class MarkedTextTransform extends RecordTextTransform {
  readonly #offsets: TableOffsets;

  constructor(writer: TextWriter, offsets: TableOffsets) {
    super(writer);
    this.#offsets = offsets;
  }

  override _transform(record: ExportRecord, encoding: BufferEncoding, callback: TransformCallback): void {
    super._transform(record, encoding, (err, chunk?: Buffer) => {
      if (!err) this.#offsets.mark(record, chunk?.length ?? 0);
      callback(err, chunk);
    });
  }
}

export function createSerializer(format: ExportFormat, offsets: TableOffsets): Transform {
  if (format === 'sqlite') throw new AcodeError('ACODE-INT-001', 'the sqlite format has no text serializer');
  return new MarkedTextTransform(WRITERS[format](), offsets);
}

/**
 * One table's own document, for exports with a file per table: CSV as it comes; JSON and NDJSON
 * whole documents, opened with the export's header and closed with the table's row count (the
 * export-wide summary is in manifest.json).
 */
class TableDocumentWriter implements TextWriter {
  readonly #inner: TextWriter;
  readonly #header: ExportHeader;
  #started = false;

  constructor(inner: TextWriter, header: ExportHeader) {
    this.#inner = inner;
    this.#header = header;
  }

  write(record: ExportRecord): Text {
    const head = this.#started ? '' : this.#inner.write({ kind: 'header', header: this.#header });
    this.#started = true;
    const text = this.#inner.write(record);
    if (record.kind !== 'table-end') return head === '' ? text : joinText(head, text);
    return joinText(head, text, this.#inner.write({ kind: 'summary', summary: { rows: record.rows, redaction: 'see manifest.json' } }));
  }

  end(): string {
    return this.#inner.end();
  }
}

export function createTableSerializer(format: ExportFormat, header: ExportHeader, offsets: TableOffsets): Transform {
  if (format === 'sqlite') throw new AcodeError('ACODE-INT-001', 'the sqlite format has no text serializer');
  const writer = WRITERS[format]();
  return new MarkedTextTransform(format === 'csv' ? writer : new TableDocumentWriter(writer, header), offsets);
}

/**
 * The stage just before the SQLite export writer: refuses what SQLite cannot store, naming the
 * table and column (lib/sqlite-storable.ts), and keeps `at.table` on the table the writer is at.
 * The source reads a few batches ahead, so its table is not the one a writer's failure is in;
 * the writer works synchronously, so what passed this stage last is what it was writing.
 */
export function createSqliteRowCheck(at: { table: string | null }): Transform {
  const check = createSqliteStorableCheck('ACODE-EXP-001');
  return recordTap((record) => {
    if (record.kind === 'table') at.table = record.table.name;
    check(record);
  });
}

const PROGRESS_EVERY_MS = 100;

/** Counts rows per table as they pass and reports them: live updates, and a line per finished table. */
export function createTableProgress(snapshot: Snapshot, onProgress?: ProgressListener): Transform {
  const totals = new Map(snapshot.tables.map((t) => [t.schema.name, t.rows]));
  let rows = 0;
  let last = 0;
  return new Transform({
    objectMode: true,
    highWaterMark: RECORD_HIGH_WATER_MARK,
    transform(record: ExportRecord, _encoding, callback) {
      if (onProgress) {
        if (record.kind === 'table') {
          rows = 0;
          onProgress({ stage: 'export', phase: 'start', label: record.table.name, table: record.table.name, rows: 0, totalRows: totals.get(record.table.name) });
        } else if (record.kind === 'rows' || record.kind === 'text-rows') {
          rows += rowCount(record);
          const now = Date.now();
          if (now - last >= PROGRESS_EVERY_MS) {
            last = now;
            onProgress({ stage: 'export', phase: 'update', label: record.table, table: record.table, rows, totalRows: totals.get(record.table) });
          }
        } else if (record.kind === 'table-end') {
          onProgress({ stage: 'export', phase: 'end', label: record.table, table: record.table, rows: record.rows, detail: `${formatCount(record.rows)} records` });
        }
      }
      callback(null, record);
    },
  });
}

/** Column names an independent scan treats as holding secrets (not the redaction rules' list). */
const SECRET_NAMED = /pass|pwd|secret|token|key|auth|cred|private|session|cookie/i;

/**
 * A key/value table's key column and its value columns, by the scan's own list (not the rules'):
 * `settings(key, value)`, `(k, v)`, WordPress' `option_name`/`option_value` and `meta_key`/`meta_value`,
 * `(env_name, env_value)`; not document columns (`data`, `json`, `content`: a file under its path,
 * a response under its cache key). A row whose key is a setting's name (no path or cache key) and
 * secret-named is scanned as `key=value`.
 */
const PAIR_KEY_COLUMN = /^(?:k|key|name|setting|(?:setting|option|config|env|var|variable|property|attribute|field|param)_?(?:key|name)|meta_?key|env(?:_?var)?|var(?:iable)?|property|attribute|field|param(?:eter)?)$/i;
const PAIR_SETTING = /^[A-Za-z_][\w.-]{0,127}$/;
const PAIR_VALUE_COLUMN = /^(?:v|val|value|(?:setting|option|meta|config|property|env|var|variable|attribute|field|param)_?val(?:ue)?)$/i;

/** Bounds of the row scan's per-column memory of clean values (≤ 1024 × 128 characters). */
const CLEAN_CACHE_VALUES = 1024;
const CLEAN_CACHE_CHARS = 128;

export interface RowLeakScanOptions {
  /**
   * Scan every text value (the sqlite format, whose output is a database file rather than text).
   * Otherwise only what the byte-level scan cannot see: BLOBs (written as base64) and values of
   * secret-named columns (in CSV the name is only in the header line).
   */
  readonly allStrings: boolean;
}

/**
 * The leak scan on rows, as they go to the serializer: BLOBs are read as text (UTF-8, else byte
 * for byte), and a value of a secret-named column is scanned as `name=value` so a random-looking
 * password is caught even where the output has no name beside it.
 */
export function createRowLeakScan(detector: LeakDetector, options: RowLeakScanOptions): Transform {
  let table: TableSchema | null = null;
  let named: boolean[] = [];
  /** Per column: the key column whose secret-named keys make it scanned as `key=value`, or -1. */
  let pairOf: number[] = [];
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const asText = (value: Uint8Array): string => {
    const wide = decodeUtf16(value);
    if (wide) return wide.text;
    try {
      return decoder.decode(value);
    } catch {
      return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1');
    }
  };
  // Short text values found clean, per column of the current table: ids of a secret-named column
  // (session_id) repeat on every row that refers to them, and one scan per distinct value will do.
  let clean: Set<string>[] = [];
  /** A text value the scan takes (see the loop below), or a BLOB. */
  const scan = (value: string | Uint8Array, column: number): ReturnType<LeakDetector['scan']>[number] | undefined => {
    const isText = typeof value === 'string';
    const seen = isText && value.length <= CLEAN_CACHE_CHARS ? clean[column]! : null;
    if (seen?.has(value as string)) return undefined;
    const text = typeof value === 'string' ? value : asText(value);
    const hit = detector.scan(text)[0] ?? (named[column] ? detector.scan(`${table!.columns[column]!.name}=${text}`)[0] : undefined);
    if (!hit && seen && seen.size < CLEAN_CACHE_VALUES) seen.add(text);
    return hit;
  };
  return new Transform({
    objectMode: true,
    highWaterMark: RECORD_HIGH_WATER_MARK,
    transform(record: ExportRecord, _encoding, callback) {
      if (record.kind === 'table') {
        table = record.table;
        named = record.table.columns.map((c) => SECRET_NAMED.test(c.name));
        const key = record.table.columns.findIndex((c) => PAIR_KEY_COLUMN.test(c.name));
        pairOf = record.table.columns.map((c, i) => (key >= 0 && i !== key && PAIR_VALUE_COLUMN.test(c.name) ? key : -1));
        clean = record.table.columns.map(() => new Set());
      }
      if (record.kind === 'text-rows') {
        callback(new AcodeError('ACODE-INT-001', `rows of ${record.table} arrived already encoded: the row leak scan needs their values`, { context: { table: record.table } }));
        return;
      }
      if (record.kind === 'rows' && table) {
        for (const row of record.rows) {
          for (let i = 0; i < row.length; i++) {
            const v = row[i];
            const key = pairOf[i]! >= 0 ? row[pairOf[i]!] : null;
            if (typeof key === 'string' && PAIR_SETTING.test(key) && SECRET_NAMED.test(key) && (typeof v === 'string' || v instanceof Uint8Array)) {
              // The row's key names a secret (`PGPASS`, `SECRETKEY`): the value as it would stand after that name in a file.
              const pair = detector.scan(`${key}=${typeof v === 'string' ? v : asText(v)}`)[0];
              if (pair) {
                callback(leakError(pair.detector, pair.fingerprint, table.name, table.columns[i]?.name));
                return;
              }
            }
            // Numbers and NULLs hold nothing to scan; text only in secret-named columns (or all of it, for sqlite).
            if (v === null || typeof v === 'bigint' || typeof v === 'number' || (typeof v === 'string' && !options.allStrings && !named[i])) continue;
            const hit = scan(v as string | Uint8Array, i);
            if (hit) {
              callback(leakError(hit.detector, hit.fingerprint, table.name, table.columns[i]?.name));
              return;
            }
          }
        }
      }
      callback(null, record);
    },
  });
}

export function leakError(detector: string, fingerprint: string, table?: string, column?: string): AcodeError {
  const where = table ? ` in ${table.startsWith('the ') ? table : `table ${table}`}${column ? `, column ${column}` : ''}` : '';
  return new AcodeError('ACODE-EXP-003', `detector ${detector} matched${where} (fingerprint ${fingerprint})`, { context: { table, column, detector, fingerprint } });
}
