import type { Transform } from 'node:stream';
import type { ExportRecord, ExportSummary, TableSchema } from '../lib/records.js';
import { expectedIn, expectRowText, outOfOrder, RecordTextTransform, stringify, type Text, type TextWriter, type WriterState } from './record-text.js';
import { encodeJsonRows, JSON_ROW_SEPARATOR, jsonKeys, type JsonKeys } from './row-encoders.js';

/**
 * The JSON document, one piece per record, never the whole in memory:
 *
 *   {"metadata":<header>,"tables":[
 *   {"name":"t","columns":[…],"sql":"CREATE …","indexes":[…],"rows":[
 *   {"id":1,"body":"…"},
 *   {"id":2,"body":"…"}
 *   ]}
 *   ],"summary":<summary or null>}
 *
 * One row per line keeps two exports diff-able. Records must come in the order of
 * lib/records.ts; anything else is a bug upstream (ACODE-INT-001), and an input that ends inside
 * a table never gets its closing brackets.
 */
export class JsonDocumentWriter implements TextWriter {
  #state: WriterState = 'start';
  #tables = 0;
  #table: TableSchema | null = null;
  #keys: JsonKeys = { text: [], bytes: [] };
  #rows = 0;
  #summary: ExportSummary | null = null;

  /** The text for one record ('' when it adds none). */
  write(record: ExportRecord): Text {
    switch (record.kind) {
      case 'header':
        this.#expect('start', record.kind);
        this.#state = 'tables';
        return `{"metadata":${stringify(record.header)},"tables":[`;
      case 'table': {
        this.#expect('tables', record.kind);
        const t = record.table;
        this.#state = 'rows';
        this.#table = t;
        this.#keys = jsonKeys(t);
        this.#rows = 0;
        const head = `{"name":${JSON.stringify(t.name)},"columns":${stringify(t.columns)},"sql":${JSON.stringify(t.sql)},"indexes":${stringify(t.indexes)},"rows":[`;
        return `${this.#tables++ === 0 ? '\n' : ',\n'}${head}`;
      }
      case 'rows': {
        this.#expectTable(record.kind, record.table);
        if (record.rows.length === 0) return '';
        const s = encodeJsonRows(record.table, this.#keys, record.rows, this.#batchPrefix(), JSON_ROW_SEPARATOR, '');
        this.#rows += record.rows.length;
        return s;
      }
      case 'text-rows': {
        this.#expectTable(record.kind, record.table);
        expectRowText(record, 'json');
        if (record.count === 0) return '';
        const prefix = this.#batchPrefix();
        this.#rows += record.count;
        return prefix;
      }
      case 'table-end':
        this.#expectTable(record.kind, record.table);
        this.#state = 'tables';
        this.#table = null;
        return '\n]}';
      case 'summary':
        this.#expect('tables', record.kind);
        this.#summary = record.summary;
        return '';
    }
  }

  /** The closing text, once every record has been written. */
  end(): string {
    if (this.#state !== 'tables') throw outOfOrder('end of input', expectedIn(this.#state, this.#table?.name));
    return `\n],"summary":${stringify(this.#summary)}}\n`;
  }

  /** Before a batch of rows: the first row of a table starts a line, the others follow a comma. */
  #batchPrefix(): string {
    return this.#rows === 0 ? '\n' : JSON_ROW_SEPARATOR;
  }

  #expect(state: WriterState, got: string): void {
    if (this.#state !== state) throw outOfOrder(`a '${got}' record`, expectedIn(this.#state, this.#table?.name));
  }

  #expectTable(got: string, table: string): void {
    if (this.#state !== 'rows' || this.#table?.name !== table) throw outOfOrder(`a '${got}' record for ${table}`, this.#table ? `rows of ${this.#table.name}` : "a 'table' record");
  }
}

/** Records in, one JSON document out. */
export function createJsonSerializer(): Transform {
  return new RecordTextTransform(new JsonDocumentWriter());
}
