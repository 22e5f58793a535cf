import type { Transform } from 'node:stream';
import { RowBatch, type ExportHeader, type ExportRecord, type ExportSummary, type TableSchema } from '../lib/records.js';
import { describeKey, describeToken, expectedRows, invalid, RowReader, toHeader, toSummary, toTableSchema, ValueAssembler, type Token } from './json-tokens.js';
import { TokenParseTransform, type TokenReader } from './token-stream.js';

export interface ParserOptions {
  /** Rows per 'rows' record (default 500); a batch also ends once its values reach BATCH_CHARS. */
  readonly batchSize?: number;
  /** The longest single value read (default MAX_VALUE_BYTES, 500 MiB); longer is ACODE-IMP-002. */
  readonly maxValueBytes?: number;
}

type State = 'doc' | 'top' | 'tables-open' | 'tables' | 'table' | 'rows-open' | 'rows' | 'row' | 'value' | 'done';

/**
 * Reads the JSON document the JSON serializer writes, token by token, into export records:
 * metadata → header, each table → table, rows in batches, table-end; summary last. The document
 * must close: input that ends early is ACODE-IMP-002, never a shorter import. When the summary
 * gives a row count, the rows read must match it.
 */
export class JsonDocumentReader implements TokenReader {
  readonly #emit: (record: ExportRecord) => void;
  #state: State = 'doc';
  #assembler: ValueAssembler | null = null;
  #onValue: (value: unknown) => void = () => {};
  #afterValue: State = 'top';
  #header: ExportHeader | null = null;
  #summary: ExportSummary | null = null;
  #parts: Record<string, unknown> = {};
  #table: TableSchema | null = null;
  #rowReader: RowReader | null = null;
  readonly #batch: RowBatch;
  #count = 0;
  #total = 0;
  #seen = new Set<string>();

  constructor(emit: (record: ExportRecord) => void, options: ParserOptions = {}) {
    this.#emit = emit;
    this.#batch = new RowBatch(options.batchSize ?? 500);
  }

  token(t: Token): void {
    switch (this.#state) {
      case 'row': {
        const row = this.#rowReader!.token(t);
        if (row) {
          const full = this.#batch.add(row);
          this.#state = 'rows';
          if (full) this.#flushRows();
        }
        return;
      }
      case 'rows':
        if (t.name === 'startObject') {
          this.#rowReader!.start();
          this.#state = 'row';
        } else if (t.name === 'endArray') {
          this.#endTable();
          this.#state = 'table';
        } else throw this.#unexpected(t, 'a row object');
        return;
      case 'value':
        if (this.#assembler!.token(t)) {
          this.#state = this.#afterValue;
          this.#onValue(this.#assembler!.value);
        }
        return;
      case 'doc':
        if (t.name !== 'startObject') throw this.#unexpected(t, 'a JSON object');
        this.#state = 'top';
        return;
      case 'top':
        return this.#topKey(t);
      case 'tables-open':
      case 'rows-open':
        if (t.name !== 'startArray') throw this.#unexpected(t, 'a list');
        this.#state = this.#state === 'tables-open' ? 'tables' : 'rows';
        return;
      case 'tables':
        if (t.name === 'endArray') this.#state = 'top';
        else if (t.name === 'startObject') {
          this.#parts = {};
          this.#table = null;
          this.#state = 'table';
        } else throw this.#unexpected(t, 'a table object');
        return;
      case 'table':
        return this.#tableKey(t);
      case 'done':
        throw this.#unexpected(t, 'the end of the document');
    }
  }

  end(): void {
    if (this.#state !== 'done') throw invalid('the JSON document ends early (truncated?)');
    if (this.#summary && this.#summary.rows !== this.#total) {
      throw invalid(`the summary counts ${this.#summary.rows} rows but the document holds ${this.#total}`);
    }
  }

  #topKey(t: Token): void {
    if (t.name === 'endObject') {
      if (!this.#header) throw invalid('the document has no "metadata"');
      this.#state = 'done';
      return;
    }
    if (t.name !== 'keyValue') throw this.#unexpected(t, 'a key');
    switch (t.value) {
      case 'metadata':
        return this.#value('top', (v) => {
          if (this.#header) throw invalid('the document has "metadata" twice');
          this.#header = toHeader(v);
          this.#emit({ kind: 'header', header: this.#header });
        });
      case 'tables':
        if (!this.#header) throw invalid('"tables" comes before "metadata"');
        this.#state = 'tables-open';
        return;
      case 'summary':
        return this.#value('top', (v) => {
          this.#summary = toSummary(v);
          if (this.#summary) this.#emit({ kind: 'summary', summary: this.#summary });
        });
      default:
        return this.#value('top', () => {}, true);
    }
  }

  #tableKey(t: Token): void {
    if (t.name === 'endObject') {
      if (!this.#table) {
        this.#startTable();
        this.#endTable();
      }
      this.#state = 'tables';
      return;
    }
    if (t.name !== 'keyValue') throw this.#unexpected(t, 'a key');
    const key = t.value as string;
    if (key === 'rows') {
      if (this.#table) throw invalid(`table ${this.#table.name} has "rows" twice`, this.#table.name);
      this.#startTable();
      this.#state = 'rows-open';
      return;
    }
    this.#value('table', (v) => {
      if (this.#table) throw invalid(`table ${this.#table.name}: ${describeKey(key)} comes after its rows`, this.#table.name);
      this.#parts[key] = v;
    });
  }

  #startTable(): void {
    const table = toTableSchema(this.#parts);
    if (this.#seen.has(table.name)) throw invalid(`table ${table.name} appears twice`, table.name);
    this.#seen.add(table.name);
    this.#table = table;
    this.#rowReader = new RowReader(table);
    this.#count = 0;
    this.#emit({ kind: 'table', table, rows: expectedRows(this.#header, table.name) });
  }

  #flushRows(): void {
    if (this.#batch.length === 0) return;
    const rows = this.#batch.take();
    this.#count += rows.length;
    this.#total += rows.length;
    this.#emit({ kind: 'rows', table: this.#table!.name, rows });
  }

  #endTable(): void {
    this.#flushRows();
    this.#emit({ kind: 'table-end', table: this.#table!.name, rows: this.#count });
  }

  #value(after: State, onValue: (value: unknown) => void, skip = false): void {
    this.#assembler = new ValueAssembler(skip);
    this.#afterValue = after;
    this.#onValue = onValue;
    this.#state = 'value';
  }

  #unexpected(t: Token, expected: string): Error {
    return invalid(`expected ${expected}, got ${describeToken(t)}`, this.#table?.name);
  }
}

/** JSON bytes in, export records out. */
export function createJsonParser(options: ParserOptions = {}): Transform {
  return new TokenParseTransform('JSON export', false, (emit) => new JsonDocumentReader(emit, options), options.maxValueBytes);
}
