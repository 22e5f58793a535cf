import type { Transform } from 'node:stream';
import { RowBatch, type ExportHeader, type ExportRecord, type TableSchema } from '../lib/records.js';
import type { ParserOptions } from './json-parser.js';
import { describeToken, expectedRows, invalid, RowReader, toHeader, toSummary, toTableSchema, ValueAssembler, type Token } from './json-tokens.js';
import { TokenParseTransform, type TokenReader } from './token-stream.js';

type State = 'line' | 'key' | 'table-name' | 'table-key' | 'row-start' | 'row' | 'value' | 'line-end' | 'done';

/**
 * Reads the NDJSON the NDJSON serializer writes: a metadata line first, then per table a schema
 * line and its row lines, and the summary line last. The tokenizer runs in JSON-streaming mode,
 * so a line split across chunks (or a value split inside a line) needs no handling of its own.
 * Input without the summary line was cut short: ACODE-IMP-002. Line numbers in errors count
 * the JSON values, one per line.
 */
export class NdjsonReader implements TokenReader {
  readonly #emit: (record: ExportRecord) => void;
  #state: State = 'line';
  #line = 0;
  #assembler = new ValueAssembler();
  #onValue: (value: unknown) => void = () => {};
  #header: ExportHeader | null = null;
  #lineTable = '';
  #table: TableSchema | null = null;
  #rowReader: RowReader | null = null;
  readonly #batch: RowBatch;
  #count = 0;
  #total = 0;
  #seen = new Set<string>();
  /** Set by the summary line: its row count, or the rows read when the summary is null. */
  #summaryRows: number | null = null;

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
          this.#state = 'line-end';
          if (full) this.#flushRows();
        }
        return;
      }
      case 'line':
        if (t.name !== 'startObject') throw this.#unexpected(t, 'an object');
        this.#line++;
        this.#state = 'key';
        return;
      case 'key':
        return this.#firstKey(t);
      case 'table-name':
        if (t.name !== 'stringValue') throw this.#unexpected(t, 'a table name');
        this.#lineTable = t.value as string;
        this.#state = 'table-key';
        return;
      case 'table-key':
        return this.#tableKey(t);
      case 'row-start':
        if (t.name !== 'startObject') throw this.#unexpected(t, 'a row object');
        this.#rowReader!.start();
        this.#state = 'row';
        return;
      case 'value':
        if (this.#assembler.token(t)) {
          this.#state = 'line-end';
          this.#onValue(this.#assembler.value);
        }
        return;
      case 'line-end':
        if (t.name !== 'endObject') throw this.#unexpected(t, 'the end of the line\'s object');
        this.#state = this.#summaryRows === null ? 'line' : 'done';
        return;
      case 'done':
        throw invalid(`line ${this.#line + 1}: content after the summary line`);
    }
  }

  end(): void {
    if (this.#state !== 'done') {
      throw invalid(this.#state === 'line' ? `the NDJSON export ends after line ${this.#line} without its summary line (truncated?)` : `the NDJSON export ends inside line ${this.#line} (truncated?)`);
    }
    if (this.#total !== this.#summaryRows) {
      throw invalid(`the summary counts ${this.#summaryRows} rows but the export holds ${this.#total}`);
    }
  }

  #firstKey(t: Token): void {
    if (t.name !== 'keyValue') throw this.#unexpected(t, '"metadata", "table" or "summary"');
    if (t.value !== 'metadata' && !this.#header) throw invalid(`line ${this.#line}: the first line must be the metadata`);
    switch (t.value) {
      case 'metadata':
        if (this.#header) throw invalid(`line ${this.#line}: a second metadata line`);
        return this.#value((v) => {
          this.#header = toHeader(v);
          this.#emit({ kind: 'header', header: this.#header });
        });
      case 'table':
        this.#state = 'table-name';
        return;
      case 'summary':
        return this.#value((v) => {
          this.#closeTable();
          const summary = toSummary(v);
          this.#summaryRows = summary ? summary.rows : this.#total;
          if (summary) this.#emit({ kind: 'summary', summary });
        });
      default:
        throw this.#unexpected(t, '"metadata", "table" or "summary"');
    }
  }

  #tableKey(t: Token): void {
    const name = this.#lineTable;
    if (t.name === 'keyValue' && t.value === 'schema') {
      return this.#value((v) => {
        this.#closeTable();
        if (this.#seen.has(name)) throw invalid(`line ${this.#line}: table ${name} appears twice`, name);
        const table = toTableSchema({ ...(typeof v === 'object' && v !== null ? v : {}), name });
        this.#seen.add(name);
        this.#table = table;
        this.#rowReader = new RowReader(table);
        this.#count = 0;
        this.#emit({ kind: 'table', table, rows: expectedRows(this.#header, name) });
      });
    }
    if (t.name === 'keyValue' && t.value === 'row') {
      if (this.#table?.name !== name) throw invalid(`line ${this.#line}: a row of table ${name} outside its table's lines`, name);
      this.#state = 'row-start';
      return;
    }
    throw this.#unexpected(t, '"schema" or "row"');
  }

  #closeTable(): void {
    if (!this.#table) return;
    this.#flushRows();
    this.#emit({ kind: 'table-end', table: this.#table.name, rows: this.#count });
    this.#table = null;
  }

  #flushRows(): void {
    if (this.#batch.length === 0) return;
    const rows = this.#batch.take();
    this.#count += rows.length;
    this.#total += rows.length;
    this.#emit({ kind: 'rows', table: this.#table!.name, rows });
  }

  #value(onValue: (value: unknown) => void): void {
    this.#assembler = new ValueAssembler();
    this.#onValue = onValue;
    this.#state = 'value';
  }

  #unexpected(t: Token, expected: string): Error {
    return invalid(`line ${this.#line}: expected ${expected}, got ${describeToken(t)}`, this.#table?.name);
  }
}

/** NDJSON bytes in, export records out. */
export function createNdjsonParser(options: ParserOptions = {}): Transform {
  return new TokenParseTransform('NDJSON export', true, (emit) => new NdjsonReader(emit, options), options.maxValueBytes);
}
