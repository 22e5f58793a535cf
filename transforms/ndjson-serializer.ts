import type { Transform } from 'node:stream';
import type { ExportSummary, ExportRecord, TableSchema } from '../lib/records.js';
import { expectedIn, expectRowText, outOfOrder, RecordTextTransform, stringify, type Text, type TextWriter, type WriterState } from './record-text.js';
import { encodeJsonRows, jsonKeys, NDJSON_ROW_SUFFIX, ndjsonRowPrefix, type JsonKeys } from './row-encoders.js';

/**
 * NDJSON, one object per line:
 *
 *   {"metadata":<header>}
 *   {"table":"t","schema":{"columns":[…],"sql":"CREATE …","indexes":[…]}}
 *   {"table":"t","row":{"id":1,"body":"…"}}
 *   {"summary":<summary or null>}
 *
 * The summary line is always written, last: a reader that does not see it knows the file was
 * cut short, even when the cut falls between two lines.
 */
export class NdjsonWriter implements TextWriter {
  #state: WriterState = 'start';
  #table: TableSchema | null = null;
  #keys: JsonKeys = { text: [], bytes: [] };
  #prefix = '';
  #summary: ExportSummary | null = null;

  write(record: ExportRecord): Text {
    switch (record.kind) {
      case 'header':
        if (this.#state !== 'start') throw outOfOrder("a 'header' record", expectedIn(this.#state, this.#table?.name));
        this.#state = 'tables';
        return `{"metadata":${stringify(record.header)}}\n`;
      case 'table': {
        if (this.#state !== 'tables') throw outOfOrder("a 'table' record", expectedIn(this.#state, this.#table?.name));
        const t = record.table;
        this.#state = 'rows';
        this.#table = t;
        this.#keys = jsonKeys(t);
        const name = JSON.stringify(t.name);
        this.#prefix = ndjsonRowPrefix(t.name);
        return `{"table":${name},"schema":{"columns":${stringify(t.columns)},"sql":${JSON.stringify(t.sql)},"indexes":${stringify(t.indexes)}}}\n`;
      }
      case 'rows':
        this.#expectTable(record.kind, record.table);
        return encodeJsonRows(record.table, this.#keys, record.rows, this.#prefix, this.#prefix, NDJSON_ROW_SUFFIX);
      case 'text-rows':
        this.#expectTable(record.kind, record.table);
        expectRowText(record, 'ndjson');
        return '';
      case 'table-end':
        this.#expectTable(record.kind, record.table);
        this.#state = 'tables';
        this.#table = null;
        return '';
      case 'summary':
        if (this.#state !== 'tables') throw outOfOrder("a 'summary' record", expectedIn(this.#state, this.#table?.name));
        this.#summary = record.summary;
        return '';
    }
  }

  end(): string {
    if (this.#state !== 'tables') throw outOfOrder('end of input', expectedIn(this.#state, this.#table?.name));
    return `{"summary":${stringify(this.#summary)}}\n`;
  }

  #expectTable(got: string, table: string): void {
    if (this.#state !== 'rows' || this.#table?.name !== table) throw outOfOrder(`a '${got}' record for ${table}`, this.#table ? `rows of ${this.#table.name}` : "a 'table' record");
  }
}

/** Records in, NDJSON out. */
export function createNdjsonSerializer(): Transform {
  return new RecordTextTransform(new NdjsonWriter());
}
