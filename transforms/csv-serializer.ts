import type { Transform } from 'node:stream';
import { AcodeError } from '../lib/errors.js';
import type { ExportRecord, SqlValue, TableSchema } from '../lib/records.js';
import { CsvMarkedBlob, isBlobColumn, sqliteDeclaredType } from './value-codec.js';
import { outOfOrder, RecordTextTransform, type Text, type TextWriter } from './record-text.js';
import { csvHeader, encodeCsvRows } from './row-encoders.js';

/**
 * One table as RFC 4180 CSV: a header row of column names, then one record per row, CRLF line
 * ends. NULL is an empty unquoted field, '' is `""`; see value-codec.ts for every other value. A
 * BLOB in a column not declared BLOB is marked (CsvMarkedBlob) so an import reads it as a BLOB.
 * Header and summary records carry nothing CSV can hold and are skipped. A second table is
 * refused (ACODE-INT-001): concatenated CSV would read as one broken table; several tables go
 * through the table splitter, one file each.
 */
export class CsvWriter implements TextWriter {
  #table: TableSchema | null = null;
  #open = false;
  /** Columns declared BLOB: their CSV text is base64, which an import decodes. */
  #blobColumns: number[] = [];

  write(record: ExportRecord): Text {
    switch (record.kind) {
      case 'table':
        if (this.#table) throw outOfOrder(`table ${record.table.name}`, `only table ${this.#table.name} in one CSV stream`);
        this.#table = record.table;
        this.#open = true;
        this.#blobColumns = csvBlobColumns(record.table);
        return csvHeader(record.table);
      case 'rows':
        this.#expectOpen(record.kind, record.table);
        if (this.#blobColumns.length > 0) this.#checkBlobColumns(record.rows);
        return encodeCsvRows(record.table, this.#table!.columns.length, markBlobs(record.rows, this.#blobColumns));
      case 'text-rows':
        // Only JSON and NDJSON rows come encoded.
        throw outOfOrder(`rows of ${record.table} encoded as ${record.format}`, 'rows as values');
      case 'table-end':
        this.#expectOpen(record.kind, record.table);
        this.#open = false;
        return '';
      default:
        return '';
    }
  }

  end(): string {
    if (this.#open) throw outOfOrder('end of input', `the end of table ${this.#table!.name}`);
    return '';
  }

  /**
   * A BLOB column's CSV field is read back as base64, so a text or number in one (SQLite lets any
   * column hold any type) would come back as other bytes or not at all: refused rather than
   * changed. JSON, NDJSON and SQLite keep every value's type.
   */
  #checkBlobColumns(rows: readonly (readonly SqlValue[])[]): void {
    for (const row of rows) {
      for (const i of this.#blobColumns) {
        const v = row[i];
        if (v === null || v === undefined || v instanceof Uint8Array) continue;
        const table = this.#table!;
        throw new AcodeError('ACODE-EXP-001', `table ${table.name}, column ${table.columns[i]!.name} is declared BLOB but holds a ${typeof v === 'string' ? 'text' : 'number'} value, which CSV cannot tell from base64`, {
          hint: 'export this table as json, ndjson or sqlite, which keep every value\'s type',
          context: { table: table.name, column: table.columns[i]!.name },
        });
      }
    }
  }

  #expectOpen(got: string, table: string): void {
    if (!this.#open || this.#table?.name !== table) throw outOfOrder(`a '${got}' record for ${table}`, this.#table ? `rows of ${this.#table.name}` : "a 'table' record");
  }
}

/** The fields of `table` its CSV holds as bare base64 (declared BLOB); a BLOB in any other is written "base64:…". */
export function csvBlobColumns(table: TableSchema): number[] {
  return table.columns.flatMap((c, i) => (isBlobColumn(sqliteDeclaredType(table, c)) ? [i] : []));
}

/**
 * The rows with every BLOB outside `blobColumns` marked, so its field is written "base64:…" and
 * read back as a BLOB (value-codec.ts): any column may hold BLOBs, whatever its declared type.
 * A row is copied only when it has one; the batch is returned as it is when none has.
 */
export function markBlobs(rows: readonly (readonly SqlValue[])[], blobColumns: readonly number[]): readonly (readonly SqlValue[])[] {
  let out: (readonly SqlValue[])[] | null = null;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    let copy: SqlValue[] | null = null;
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      if (!(v instanceof Uint8Array) || v instanceof CsvMarkedBlob || blobColumns.includes(i)) continue;
      copy ??= row.slice();
      copy[i] = new CsvMarkedBlob(v.buffer as ArrayBuffer, v.byteOffset, v.byteLength);
    }
    if (copy) {
      out ??= rows.slice();
      out[r] = copy;
    }
  }
  return out ?? rows;
}

/** One table's records in, CSV bytes out. */
export function createCsvSerializer(): Transform {
  return new RecordTextTransform(new CsvWriter());
}
