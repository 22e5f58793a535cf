import { AcodeError } from '../lib/errors.js';
import type { ColumnInfo, ExportHeader, ExportSummary, SqlValue, TableSchema } from '../lib/records.js';
import { decodeJsonNumber, decodeJsonSpecial, describeInput } from './value-codec.js';

/**
 * The pure pieces the JSON and NDJSON readers share: stream-json's packed tokens in, values,
 * rows and schemas out. Numbers arrive as their source text, so nothing passes through a double
 * unless it is a REAL.
 */

export interface Token {
  readonly name: string;
  readonly value?: string | boolean | null;
}

export function invalid(detail: string, table?: string): AcodeError {
  return new AcodeError('ACODE-IMP-002', detail, table === undefined ? {} : { context: { table } });
}

/** The keys the export formats themselves use: named in messages, unlike other keys. */
export const FORMAT_KEYS: ReadonlySet<string> = new Set(['metadata', 'tables', 'summary', 'table', 'schema', 'row', 'name', 'columns', 'sql', 'indexes', 'rows', '$blob', '$real']);

/**
 * A key in a message: named when it is one of `names` (the format's keys, a table's column
 * names from the export's own metadata), otherwise only described: input in the wrong place may
 * be data, and data may be a secret.
 */
export function describeKey(key: unknown, names: ReadonlySet<string> = FORMAT_KEYS): string {
  return typeof key === 'string' && names.has(key) ? `key ${JSON.stringify(key)}` : describeInput(key).replace(/^a string/, 'a key');
}

/** A token in a message: its kind, never a value's text (see describeKey). */
export function describeToken(t: Token, names?: ReadonlySet<string>): string {
  switch (t.name) {
    case 'keyValue':
      return describeKey(t.value, names);
    case 'stringValue':
    case 'numberValue':
      return t.name === 'stringValue' ? describeInput(t.value) : 'a number';
    default:
      return t.name.replace(/Value$/, '').replace(/^start/, 'start of ').replace(/^end/, 'end of ').toLowerCase();
  }
}

/** Builds one small plain JSON value (metadata, a schema part) from its tokens. */
/** The most JSON tokens one assembled value (metadata, summary, a table's definition) may hold. */
export const MAX_ASSEMBLED_TOKENS = 1_000_000;

export class ValueAssembler {
  #stack: (unknown[] | Record<string, unknown>)[] = [];
  #keys: (string | null)[] = [];
  #key: string | null = null;
  readonly #skip: boolean;
  #depth = 0;
  #tokens = 0;
  value: unknown = undefined;

  /** `skip`: a value nobody reads (a key this version does not know) is walked, never built. */
  constructor(skip = false) {
    this.#skip = skip;
  }

  /** Feeds one token; true when the value is complete and in `value`. */
  token(t: Token): boolean {
    if (this.#skip) {
      if (t.name === 'startObject' || t.name === 'startArray') this.#depth++;
      else if (t.name === 'endObject' || t.name === 'endArray') this.#depth--;
      return this.#depth === 0 && t.name !== 'keyValue';
    }
    // Metadata, a summary, a table's definition: small in any real export; a crafted one must not fill memory.
    if (++this.#tokens > MAX_ASSEMBLED_TOKENS) throw invalid(`a metadata value holds more than ${MAX_ASSEMBLED_TOKENS.toLocaleString('en-US')} items: not an acode export`);
    switch (t.name) {
      case 'startObject':
      case 'startArray':
        this.#stack.push(t.name === 'startObject' ? {} : []);
        this.#keys.push(this.#key);
        this.#key = null;
        return false;
      case 'endObject':
      case 'endArray': {
        const done = this.#stack.pop();
        this.#key = this.#keys.pop() ?? null;
        return this.#add(done);
      }
      case 'keyValue':
        this.#key = t.value as string;
        return false;
      case 'numberValue':
        return this.#add(Number(t.value));
      default:
        return this.#add(t.value);
    }
  }

  #add(v: unknown): boolean {
    const top = this.#stack[this.#stack.length - 1];
    if (top === undefined) {
      this.value = v;
      return true;
    }
    if (Array.isArray(top)) top.push(v);
    // defineProperty: a key named "__proto__" is data here, not a prototype.
    else Object.defineProperty(top, this.#key!, { value: v, enumerable: true, writable: true, configurable: true });
    return false;
  }
}

/**
 * Reads one row object, `{"col":value,…}`, token by token, into a row in the table's column
 * order. Missing columns are NULL; an unknown or repeated column, or a value that is no SQL
 * value (true, an array, an object other than {"$blob"} / {"$real"}), is ACODE-IMP-002.
 */
export class RowReader {
  readonly #table: string;
  readonly #index = new Map<string, number>();
  /** Keys a message may name: the table's column names and the special values' keys. */
  readonly #keys: ReadonlySet<string>;
  readonly #width: number;
  #row: (SqlValue | undefined)[] = [];
  #col = -1;
  #special: 'no' | 'key' | 'value' | 'end' = 'no';
  #specialKey = '';

  constructor(table: TableSchema) {
    this.#table = table.name;
    table.columns.forEach((c, i) => this.#index.set(c.name, i));
    this.#keys = new Set([...this.#index.keys(), '$blob', '$real']);
    this.#width = table.columns.length;
  }

  start(): void {
    this.#row = new Array<SqlValue | undefined>(this.#width).fill(undefined);
    this.#col = -1;
  }

  /** Feeds a token after the row's `{`; returns the row on its closing `}`. */
  token(t: Token): SqlValue[] | undefined {
    if (this.#special !== 'no') return this.#specialToken(t);
    if (this.#col < 0) {
      if (t.name === 'endObject') {
        const row = this.#row;
        for (let i = 0; i < row.length; i++) if (row[i] === undefined) row[i] = null;
        return row as SqlValue[];
      }
      if (t.name !== 'keyValue') throw this.#bad(`expected a column name, got ${describeToken(t, this.#keys)}`);
      const col = this.#index.get(t.value as string);
      if (col === undefined) throw this.#bad(`a row has ${describeKey(t.value, this.#keys)}, which names no column`);
      if (this.#row[col] !== undefined) throw this.#bad(`column ${JSON.stringify(t.value)} appears twice in a row`);
      this.#col = col;
      return undefined;
    }
    switch (t.name) {
      case 'stringValue':
        return this.#set(t.value as string);
      case 'numberValue':
        return this.#set(decodeJsonNumber(t.value as string));
      case 'nullValue':
        return this.#set(null);
      case 'startObject':
        this.#special = 'key';
        return undefined;
      default:
        throw this.#bad(`column ${this.#columnName()} holds no SQL value: got ${describeToken(t, this.#keys)}`);
    }
  }

  #set(v: SqlValue): undefined {
    this.#row[this.#col] = v;
    this.#col = -1;
    return undefined;
  }

  #specialToken(t: Token): undefined {
    const where = `${this.#table}.${this.#columnName()}`;
    if (this.#special === 'key' && t.name === 'keyValue' && (t.value === '$blob' || t.value === '$real')) {
      this.#specialKey = t.value;
      this.#special = 'value';
    } else if (this.#special === 'value' && t.name === 'stringValue') {
      this.#row[this.#col] = decodeJsonSpecial(this.#specialKey, t.value as string, where);
      this.#special = 'end';
    } else if (this.#special === 'end' && t.name === 'endObject') {
      this.#special = 'no';
      this.#col = -1;
    } else {
      throw this.#bad(`column ${this.#columnName()} holds an object that is no {"$blob"} or {"$real"}: got ${describeToken(t, this.#keys)}`);
    }
    return undefined;
  }

  #columnName(): string {
    return [...this.#index].find(([, i]) => i === this.#col)?.[0] ?? '?';
  }

  #bad(detail: string): AcodeError {
    return invalid(`table ${this.#table}: ${detail}`, this.#table);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks the metadata object: it must say it is an acode export. */
export function toHeader(value: unknown): ExportHeader {
  if (!isObject(value) || value['format'] !== 'acode-export') {
    const got = isObject(value) ? `its format is ${describeInput(value['format'])}` : `it is ${describeInput(value)}`;
    throw invalid(`the metadata does not describe an acode export: ${got}, not "acode-export"`);
  }
  return value as unknown as ExportHeader;
}

export function toSummary(value: unknown): ExportSummary | null {
  if (value === null) return null;
  if (!isObject(value) || typeof value['rows'] !== 'number') throw invalid(`the summary is not an export summary: got ${isObject(value) ? 'an object without a row count' : describeInput(value)}`);
  return value as unknown as ExportSummary;
}

function toColumn(v: unknown, table: string): ColumnInfo {
  if (!isObject(v) || typeof v['name'] !== 'string') throw invalid(`table ${table}: a column has no name`, table);
  const type = v['type'] ?? '';
  if (typeof type !== 'string') throw invalid(`table ${table}: column ${v['name']} has a type that is no string`, table);
  return { name: v['name'], type, notNull: v['notNull'] === true, primaryKey: typeof v['primaryKey'] === 'number' ? v['primaryKey'] : 0 };
}

/** A table definition from its JSON parts, checked for shape. */
export function toTableSchema(parts: Record<string, unknown>): TableSchema {
  const name = parts['name'];
  // SQLite takes "" as a table's name, and exports one: only a missing name is no table.
  if (typeof name !== 'string') throw invalid('a table has no name');
  const columns = parts['columns'];
  if (!Array.isArray(columns) || columns.length === 0) throw invalid(`table ${name} has no columns`, name);
  const sql = parts['sql'] ?? null;
  if (sql !== null && typeof sql !== 'string') throw invalid(`table ${name}: "sql" is not a string`, name);
  const indexes = parts['indexes'] ?? [];
  if (!Array.isArray(indexes) || !indexes.every((s) => typeof s === 'string')) throw invalid(`table ${name}: "indexes" is not a list of strings`, name);
  const cols = columns.map((c) => toColumn(c, name));
  const seen = new Set<string>();
  for (const c of cols) {
    if (seen.has(c.name)) throw invalid(`table ${name}: column ${c.name} is defined twice`, name);
    seen.add(c.name);
  }
  return { name, sql, columns: cols, indexes: indexes as string[] };
}

/** The expected row count for a table, from the header's table list (0 when it has none). */
export function expectedRows(header: ExportHeader | null, table: string): number {
  const entry = Array.isArray(header?.tables) ? header!.tables.find((t) => t?.name === table) : undefined;
  return typeof entry?.rows === 'number' ? entry.rows : 0;
}
