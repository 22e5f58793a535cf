import { BATCH_CHARS, BATCH_ROWS, type SqlValue } from '../records.js';

/**
 * COPY's binary format read into values: how each column is sent (its binary form or its output
 * text) and decoded, and the parser of the stream of rows.
 */

/**
 * How a column's field in COPY's binary format becomes a value: the SQLite-shaped values every
 * serializer knows. `end` − `start` is the field's length in bytes.
 */
export type Decode = (bytes: Buffer, start: number, end: number) => SqlValue;

/**
 * A column as COPY sends it: `binary`, its own binary form; `output`, the text of its type's output
 * function (what COPY's text format prints; a plain `::text` cast differs for inet, char(n) and
 * xml); and how that becomes a value.
 */
export interface ColumnReader {
  readonly send: 'binary' | 'output';
  readonly decode: Decode;
}

function fixed(width: number, type: string, read: Decode): Decode {
  return (bytes, start, end) => {
    if (end - start !== width) throw new Error(`COPY sent ${end - start} bytes for a ${type} field, expected ${width}`);
    return read(bytes, start, end);
  };
}

const asText: Decode = (bytes, start, end) => bytes.toString('utf8', start, end);

/**
 * By type OID: integers exact (bigint), float8 as a number, bytea as bytes, booleans 1/0, and the
 * text types, all in their binary form (no text to parse or unescape); float4 and everything else
 * as its output text (under the session's pinned settings): numeric exact, float4 as its shortest
 * decimal.
 */
export function readerFor(oid: number): ColumnReader {
  switch (oid) {
    case 25: // text
    case 1043: // varchar
    case 1042: // char(n): sent with its padding, as it prints
    case 19: // name
      return { send: 'binary', decode: asText };
    case 20: // int8
      return { send: 'binary', decode: fixed(8, 'int8', (b, s) => b.readBigInt64BE(s)) };
    case 21: // int2
      return { send: 'binary', decode: fixed(2, 'int2', (b, s) => BigInt(b.readInt16BE(s))) };
    case 23: // int4
      return { send: 'binary', decode: fixed(4, 'int4', (b, s) => BigInt(b.readInt32BE(s))) };
    case 26: // oid
      return { send: 'binary', decode: fixed(4, 'oid', (b, s) => BigInt(b.readUInt32BE(s))) };
    case 701: // float8
      return { send: 'binary', decode: fixed(8, 'float8', (b, s) => b.readDoubleBE(s)) };
    case 16: // bool
      return { send: 'binary', decode: fixed(1, 'bool', (b, s) => (b[s] !== 0 ? 1n : 0n)) };
    case 17: // bytea: a copy, so that the chunk it came in can go
      return { send: 'binary', decode: (b, s, e) => Buffer.from(b.subarray(s, e)) };
    case 700: // float4: its text is the shortest decimal that reads back as the same float4
      return { send: 'output', decode: (b, s, e) => Number(asText(b, s, e)) };
    default:
      return { send: 'output', decode: asText };
  }
}

/** A column in the COPY's SELECT: as it is, or its output text (concat() calls the output function; NULL stays NULL). */
export function selectItem(column: string, reader: ColumnReader): string {
  // num_nulls, not IS NULL: a composite whose fields are all NULL IS NULL, yet prints as (,).
  return reader.send === 'binary' ? column : `CASE WHEN num_nulls(${column}) = 0 THEN concat(${column}) END`;
}

/** The 11-byte signature that opens COPY's binary format. */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/**
 * Rows of COPY's binary format into batches of values: a header (signature, flags, extension),
 * then per row a 16-bit field count and per field a 32-bit length (−1 for NULL) and its bytes, then
 * a count of −1. Nothing is escaped, so a text field is one UTF-8 decode. A row cut by a chunk
 * boundary keeps the fields it has and resumes at the one that was cut; that field's pieces are
 * joined once they are all there (a value of many MiB is not copied again with every chunk).
 */
export class CopyBinaryParser {
  readonly #decoders: readonly Decode[];
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Bytes the pending input needs at least before parsing is tried again. */
  #need = 0;
  #header = true;
  #ended = false;
  /** The row being read, and its next field, across chunks. */
  #row: SqlValue[] | null = null;
  #field = 0;
  #rowChars = 0;
  #batch: SqlValue[][] = [];
  #chars = 0;

  constructor(decoders: readonly Decode[]) {
    this.#decoders = decoders;
  }

  /** Full batches completed by this chunk. */
  push(chunk: Buffer): SqlValue[][][] {
    if (this.#ended) {
      if (chunk.length > 0) throw new Error('COPY sent data after its end marker');
      return [];
    }
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    if (this.#pendingBytes < this.#need) return [];
    const bytes = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
    const done: SqlValue[][][] = [];
    const used = this.#parse(bytes, done);
    const rest = bytes.subarray(used);
    this.#pending = rest.length > 0 ? [rest] : [];
    this.#pendingBytes = rest.length;
    return done;
  }

  /** The last batch; a stream without its end marker was cut short. */
  end(): SqlValue[][] {
    if (!this.#ended || this.#pendingBytes > 0) throw new Error('COPY output ended inside a row');
    const last = this.#batch;
    this.#batch = [];
    return last;
  }

  /** Parses from the start of `bytes` as far as it goes; returns how many bytes it took. */
  #parse(bytes: Buffer, done: SqlValue[][][]): number {
    let at = 0;
    if (this.#header) {
      const fixedPart = SIGNATURE.length + 8;
      if (bytes.length < fixedPart) return this.#wait(0, fixedPart);
      if (!bytes.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('COPY output is not in the binary format');
      const extension = bytes.readInt32BE(SIGNATURE.length + 4);
      if (extension < 0) throw new Error(`COPY header has an extension of ${extension} bytes`);
      if (bytes.length < fixedPart + extension) return this.#wait(0, fixedPart + extension);
      at = fixedPart + extension;
      this.#header = false;
    }
    const width = this.#decoders.length;
    for (;;) {
      let row = this.#row;
      if (!row) {
        if (at + 2 > bytes.length) return this.#wait(at, at + 2);
        const count = bytes.readInt16BE(at);
        if (count === -1) {
          this.#ended = true;
          if (at + 2 !== bytes.length) throw new Error('COPY sent data after its end marker');
          this.#need = 0;
          return at + 2;
        }
        if (count !== width) throw new Error(`COPY row has ${count} fields, expected ${width}`);
        at += 2;
        row = this.#row = new Array(width);
        this.#field = 0;
        this.#rowChars = 0;
      }
      for (; this.#field < width; this.#field++) {
        if (at + 4 > bytes.length) return this.#wait(at, at + 4);
        const length = bytes.readInt32BE(at);
        if (length === -1) {
          row[this.#field] = null;
          at += 4;
          continue;
        }
        if (length < 0) throw new Error(`COPY sent a field of ${length} bytes`);
        if (at + 4 + length > bytes.length) return this.#wait(at, at + 4 + length);
        row[this.#field] = this.#decoders[this.#field]!(bytes, at + 4, at + 4 + length);
        this.#rowChars += length;
        at += 4 + length;
      }
      this.#row = null;
      this.#batch.push(row);
      this.#chars += this.#rowChars;
      if (this.#batch.length === BATCH_ROWS || this.#chars >= BATCH_CHARS) {
        done.push(this.#batch);
        this.#batch = [];
        this.#chars = 0;
      }
    }
  }

  /** What is left starts at `start` and needs bytes up to `end` before it can go on: keep it. */
  #wait(start: number, end: number): number {
    this.#need = end - start;
    return start;
  }
}
