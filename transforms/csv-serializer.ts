import type { Transform } from 'node:stream';
import type { ExportRecord, TableSchema } from '../lib/records.js';
import { outOfOrder, RecordTextTransform, type TextWriter } from './record-text.js';
import { csvHeader, csvRows } from './row-encoders.js';

/**
 * One table as RFC 4180 CSV: a header row of column names, then one record per row, CRLF line
 * ends. NULL is an empty unquoted field, '' is `""`; see value-codec.ts for every other value.
 * Header and summary records carry nothing CSV can hold and are skipped. A second table is
 * refused (ACODE-INT-001): concatenated CSV would read as one broken table; several tables go
 * through the table splitter, one file each.
 */
export class CsvWriter implements TextWriter {
  #table: TableSchema | null = null;
  #open = false;

  write(record: ExportRecord): string {
    switch (record.kind) {
      case 'table':
        if (this.#table) throw outOfOrder(`table ${record.table.name}`, `only table ${this.#table.name} in one CSV stream`);
        this.#table = record.table;
        this.#open = true;
        return csvHeader(record.table);
      case 'rows':
        this.#expectOpen(record.kind, record.table);
        return csvRows(record.table, this.#table!.columns.length, record.rows);
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

  #expectOpen(got: string, table: string): void {
    if (!this.#open || this.#table?.name !== table) throw outOfOrder(`a '${got}' record for ${table}`, this.#table ? `rows of ${this.#table.name}` : "a 'table' record");
  }
}

/** One table's records in, CSV bytes out. */
export function createCsvSerializer(): Transform {
  return new RecordTextTransform(new CsvWriter());
}
