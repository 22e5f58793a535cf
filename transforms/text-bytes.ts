import { wasm, WASM_PAGE, type WasmMemory } from '../lib/wasm.js';
import { DATA, tables, textModule } from './text-escape-wasm.js';

/**
 * A batch of rows written straight to UTF-8 bytes, with JSON string escaping and CSV quoting done
 * by a WebAssembly loop over those bytes. Building the batch as one JavaScript string and
 * encoding it afterwards cost a fifth of a redacted JSON export: JSON.stringify escapes at about
 * 250 MB/s here, and the rope of concatenated pieces is copied again to flatten and encode it.
 * Here each value is written once as UTF-8 into the module's memory; the loop skips eight clean
 * bytes at a time and rewrites the value in place, from its end, only when something needs an
 * escape or a doubled quote. The bytes are exactly what JSON.stringify / csvText give (tests
 * compare them on generated values): V8 writes a lone surrogate as U+FFFD, so a value holding
 * U+FFFD is checked, and one with a lone surrogate goes through JSON.stringify.
 */

/** Memory kept between batches; a batch that grew it further gets a fresh module memory after it. */
const KEEP_BYTES = 8 * 1024 * 1024;

type Count2 = (start: number, n: number) => number;
type Count3 = (start: number, n: number, flag: number) => number;
type Expand = (start: number, n: number, added: number) => void;

/** Values up to this many characters are tried with a JavaScript loop first (see #plain). */
const SHORT_TEXT = 48;
/** ASCII bytes that end #plain's loop: escaped in JSON; quoted in CSV. */
const JSON_STOP = new Uint8Array(0x80);
const CSV_STOP = new Uint8Array(0x80);
JSON_STOP.fill(1, 0, 0x20);
JSON_STOP[0x22] = JSON_STOP[0x5c] = 1;
CSV_STOP[0x22] = CSV_STOP[0x2c] = CSV_STOP[0x0d] = CSV_STOP[0x0a] = 1;

/**
 * Buffer's own UTF-8 writer without write()'s argument checks, which cost as much as the copy for
 * short values; write() where it is missing.
 */
const utf8Write = (Buffer.prototype as unknown as { utf8Write?: (s: string, offset: number, length: number) => number }).utf8Write;

const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

let shared: TextBytes | null | undefined;

/**
 * One batch's bytes under construction. `raw` appends text as UTF-8, `json` a JSON string literal
 * (JSON.stringify's bytes), `csv` an RFC 4180 field (csvText's bytes); `take` hands the batch
 * over as a Buffer of its own and starts the next.
 */
export class TextBytes {
  #memory!: WasmMemory;
  #bytes!: Buffer;
  #pos = DATA;
  #jsonCount!: Count3;
  #jsonExpand!: Expand;
  #csvCount!: Count2;
  #csvExpand!: Expand;

  /**
   * The process's builder (null without WebAssembly). Safe to share: every user fills and takes
   * a batch in one synchronous call.
   */
  static shared(): TextBytes | null {
    if (shared === undefined) shared = TextBytes.create();
    return shared;
  }

  /** A builder, or null without WebAssembly (node --jitless) or address space for its memory. */
  static create(): TextBytes | null {
    try {
      return new TextBytes();
    } catch {
      return null;
    }
  }

  private constructor() {
    this.#instantiate();
  }

  /** Bytes in the batch so far. */
  get length(): number {
    return this.#pos - DATA;
  }

  raw(s: string): void {
    this.#reserve(s.length * 3);
    this.#pos += this.#write(s, this.#pos);
  }

  /** Appends ASCII text (numbers, literals) with a JavaScript loop, no call out. */
  ascii(s: string): void {
    const n = s.length;
    this.#reserve(n);
    const bytes = this.#bytes;
    let p = this.#pos;
    for (let i = 0; i < n; i++) bytes[p++] = s.charCodeAt(i);
    this.#pos = p;
  }

  /** Appends bytes as they are (pre-encoded keys and separators). */
  bytes(b: Uint8Array): void {
    this.#reserve(b.length);
    const bytes = this.#bytes;
    let p = this.#pos;
    if (b.length <= SHORT_TEXT) for (let i = 0; i < b.length; i++) bytes[p++] = b[i]!;
    else {
      bytes.set(b, p);
      p += b.length;
    }
    this.#pos = p;
  }

  json(s: string): void {
    if (s.length <= SHORT_TEXT && this.#plain(s, 1)) return;
    const start = this.#pos + 1;
    this.#reserve(s.length * 3 + 2);
    const n = this.#write(s, start);
    let extra = this.#jsonCount(start, n, 0);
    if (extra < 0) {
      if (!isWellFormed(s)) {
        this.raw(JSON.stringify(s));
        return;
      }
      extra = this.#jsonCount(start, n, 1);
    }
    if (extra > 0) {
      this.#reserve(n + extra + 2);
      this.#jsonExpand(start, n, extra);
    }
    const bytes = this.#bytes;
    bytes[start - 1] = 0x22;
    bytes[start + n + extra] = 0x22;
    this.#pos = start + n + extra + 1;
  }

  csv(s: string): void {
    if (s === '') {
      this.raw('""');
      return;
    }
    if (s.length <= SHORT_TEXT && this.#plain(s, 0)) return;
    const start = this.#pos;
    this.#reserve(s.length * 3 + 2);
    const bytes = this.#bytes;
    const n = this.#write(s, start);
    let quotes = this.#csvCount(start, n);
    if (quotes < 0) {
      const first = bytes[start]!;
      const last = bytes[start + n - 1]!;
      if (first !== 0x20 && first !== 0x09 && last !== 0x20 && last !== 0x09) {
        this.#pos = start + n;
        return;
      }
      quotes = 0;
    }
    this.#reserve(n + quotes + 2);
    this.#csvExpand(start, n, quotes);
    this.#pos = start + n + quotes + 2;
  }

  /** The batch's bytes, copied out; the builder is empty afterwards. */
  take(): Buffer {
    const out = Buffer.from(this.#bytes.subarray(DATA, this.#pos));
    this.clear();
    return out;
  }

  /** Drops the batch so far. */
  clear(): void {
    this.#pos = DATA;
    if (this.#bytes.length > KEEP_BYTES) this.#instantiate();
  }

  /**
   * A short value of ASCII letters that need no escape or quoting, written by a JavaScript loop:
   * cheaper than a call to write for ids, dates and names. `quote` 1 wraps it in `"`. False, with
   * nothing written, for anything else.
   */
  #plain(s: string, quote: number): boolean {
    const n = s.length;
    if (quote === 0 && (n === 0 || s.charCodeAt(0) <= 0x20 || s.charCodeAt(n - 1) <= 0x20)) return false;
    this.#reserve(n + 2);
    const bytes = this.#bytes;
    const stop = quote === 1 ? JSON_STOP : CSV_STOP;
    let p = this.#pos + quote;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80 || stop[c] === 1) return false;
      bytes[p++] = c;
    }
    if (quote === 1) {
      bytes[this.#pos] = 0x22;
      bytes[p++] = 0x22;
    }
    this.#pos = p;
    return true;
  }

  #instantiate(): void {
    this.#memory = new wasm.Memory({ initial: 16 });
    const exports = new wasm.Instance(textModule(), { env: { memory: this.#memory } }).exports;
    this.#jsonCount = exports['jsonCount'] as Count3;
    this.#jsonExpand = exports['jsonExpand'] as Expand;
    this.#csvCount = exports['csvCount'] as Count2;
    this.#csvExpand = exports['csvExpand'] as Expand;
    this.#bytes = Buffer.from(this.#memory.buffer);
    this.#bytes.set(tables(), 0);
  }

  #write(s: string, at: number): number {
    return utf8Write !== undefined ? utf8Write.call(this.#bytes, s, at, this.#bytes.length - at) : this.#bytes.write(s, at);
  }

  /** Room for `more` bytes from the current position; memory only grows, so written bytes stay. */
  #reserve(more: number): void {
    const need = this.#pos + more + 8;
    if (need <= this.#bytes.length) return;
    this.#memory.grow(Math.ceil((need - this.#bytes.length) / WASM_PAGE));
    this.#bytes = Buffer.from(this.#memory.buffer);
  }
}
