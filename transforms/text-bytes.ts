import { i32, i64, mem, op, wasm, WASM_PAGE, wasmModule, type WasmMemory } from '../lib/wasm.js';

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

/** Memory layout: three 256-byte tables, then the batch's bytes. */
const EXTRA = 0;
const SHORT = 256;
const HEX = 512;
const DATA = 1024;
/** Memory kept between batches; a batch that grew it further gets a fresh module memory after it. */
const KEEP_BYTES = 8 * 1024 * 1024;

const L = 0x0101010101010101n;
const H = 0x8080808080808080n;

/**
 * Leaves on the stack 1 when none of the eight bytes in local `x` is one of `values` or below
 * `below`, else 0 (the "haszero" and "hasless" tests of Bit Twiddling Hacks, exact as a yes/no;
 * `t` is scratch).
 */
function clean8(x: number, t: number, values: readonly number[], below: number | null): number[] {
  const not = (local: number): number[] => [op.get, local, ...i64(-1n), op.i64xor];
  const terms: number[][] = values.map((v) => [
    op.get, x, ...i64(BigInt(v) * L), op.i64xor, op.tee, t, ...i64(L), op.i64sub, ...not(t), op.i64and,
  ]);
  if (below !== null) terms.push([op.get, x, ...i64(BigInt(below) * L), op.i64sub, ...not(x), op.i64and]);
  return [...terms[0]!, ...terms.slice(1).flatMap((term) => [...term, op.i64or]), ...i64(H), op.i64and, op.i64eqz];
}

const MEMORY_COPY = [0xfc, 10, 0, 0];

/** The local numbers a skip block uses: the position, the end or start bound, and two i64 scratch locals. */
interface SkipLocals {
  readonly at: number;
  readonly bound: number;
  readonly x: number;
  readonly t: number;
}

/**
 * Inside a loop: while the eight bytes from `at` (below `bound`) are clean of `values` / `below`,
 * step over them and continue the loop (`br 1`); otherwise fall out of the block to the byte path.
 */
function skipForward({ at, bound, x, t }: SkipLocals, values: readonly number[], below: number | null): number[] {
  return [
    op.block, op.void,
    op.get, at, ...i32(8), op.add, op.get, bound, op.gtU, op.brIf, 0,
    op.get, at, op.i64load, ...mem(), op.set, x,
    ...clean8(x, t, values, below), op.eqz, op.brIf, 0,
    op.get, at, ...i32(8), op.add, op.set, at,
    op.br, 1,
    op.end,
  ];
}

/**
 * Inside a loop, for the in-place expansions: while the eight bytes before `at` (down to `bound`)
 * are clean, move them to the eight before `w` and continue the loop; otherwise fall through.
 */
function moveBack({ at, bound, x, t }: SkipLocals, w: number, values: readonly number[], below: number | null): number[] {
  return [
    op.block, op.void,
    op.get, at, op.get, bound, op.sub, ...i32(8), op.ltU, op.brIf, 0,
    op.get, at, ...i32(8), op.sub, op.i64load, ...mem(), op.set, x,
    ...clean8(x, t, values, below), op.eqz, op.brIf, 0,
    op.get, w, ...i32(8), op.sub, op.get, x, op.i64store, ...mem(),
    op.get, at, ...i32(8), op.sub, op.set, at,
    op.get, w, ...i32(8), op.sub, op.set, w,
    op.br, 1,
    op.end,
  ];
}

/**
 * jsonCount(start, n, fffd): the bytes JSON escaping adds to [start, start+n), or -1 when it holds
 * EF BF BD (U+FFFD) and `fffd` is 0.
 *
 *   loop: while start+8 <= end and the 8 bytes at start are clean: start += 8
 *         if start >= end return extra
 *         b = mem[start++]
 *         if b == 0xEF and !fffd and mem[start..start+2] == BF BD: return -1
 *         extra += EXTRA[b]
 */
function jsonCount(): number[] {
  const [start, n, fffd, end, b, extra, x, t] = [0, 1, 2, 3, 4, 5, 6, 7];
  return [
    op.get, start, op.get, n, op.add, op.set, end,
    op.loop, op.void,
    ...skipForward({ at: start, bound: end, x, t }, [0x22, 0x5c, 0xef], 0x20),
    op.get, start, op.get, end, op.geU, op.if, op.void, op.get, extra, op.return, op.end,
    op.get, start, op.load8u, ...mem(), op.set, b,
    op.get, start, ...i32(1), op.add, op.set, start,
    op.get, b, ...i32(0xef), op.eq, op.get, fffd, op.eqz, op.and, op.get, start, ...i32(2), op.add, op.get, end, op.leU, op.and,
    op.if, op.void,
    op.get, start, op.load8u, ...mem(), ...i32(0xbf), op.eq, op.get, start, op.load8u, ...mem(1), ...i32(0xbd), op.eq, op.and,
    op.if, op.void, ...i32(-1), op.return, op.end,
    op.end,
    op.get, extra, op.get, b, op.load8u, ...mem(EXTRA), op.add, op.set, extra,
    op.br, 0,
    op.end,
    op.unreachable,
  ];
}

/**
 * jsonExpand(start, n, extra): escapes [start, start+n) in place into [start, start+n+extra),
 * from the end, eight clean bytes at a time where it can; done as soon as no escape is left.
 */
function jsonExpand(): number[] {
  const [start, n, extra, r, w, b, k, x, t] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const put = (at: number, value: number[]): number[] => [op.get, w, ...value, op.store8, ...mem(at)];
  return [
    op.get, start, op.get, n, op.add, op.tee, r, op.get, extra, op.add, op.set, w,
    op.loop, op.void,
    op.get, r, op.get, w, op.eq, op.if, op.void, op.return, op.end,
    ...moveBack({ at: r, bound: start, x, t }, w, [0x22, 0x5c], 0x20),
    // Escapes left but no byte: the count was wrong. Trap rather than write below the value.
    op.get, r, op.get, start, op.leU, op.if, op.void, op.unreachable, op.end,
    op.get, r, ...i32(1), op.sub, op.tee, r, op.load8u, ...mem(), op.set, b,
    op.get, b, op.load8u, ...mem(EXTRA), op.set, k,
    op.get, k, op.eqz,
    op.if, op.void,
    op.get, w, ...i32(1), op.sub, op.set, w, ...put(0, [op.get, b]),
    op.else,
    op.get, k, ...i32(1), op.eq,
    op.if, op.void,
    op.get, w, ...i32(2), op.sub, op.set, w, ...put(0, i32(0x5c)), ...put(1, [op.get, b, op.load8u, ...mem(SHORT)]),
    op.else,
    op.get, w, ...i32(6), op.sub, op.set, w,
    ...put(0, i32(0x5c)), ...put(1, i32(0x75)), ...put(2, i32(0x30)), ...put(3, i32(0x30)),
    ...put(4, [op.get, b, ...i32(4), op.shrU, op.load8u, ...mem(HEX)]),
    ...put(5, [op.get, b, ...i32(15), op.and, op.load8u, ...mem(HEX)]),
    op.end,
    op.end,
    op.br, 0,
    op.end,
  ];
}

/**
 * csvCount(start, n): -1 when [start, start+n) holds no `"`, `,`, CR or LF; else the number of `"`.
 * Up to the first of the four every byte is tested for all of them; after it, only for `"`.
 */
function csvCount(): number[] {
  const [start, n, end, b, quotes, x, t] = [0, 1, 2, 3, 4, 5, 6];
  const is = (c: number): number[] => [op.get, b, ...i32(c), op.eq];
  const next = [op.get, start, op.load8u, ...mem(), op.set, b, op.get, start, ...i32(1), op.add, op.set, start];
  return [
    op.get, start, op.get, n, op.add, op.set, end,
    op.block, op.void,
    op.loop, op.void,
    ...skipForward({ at: start, bound: end, x, t }, [0x22, 0x2c, 0x0d, 0x0a], null),
    op.get, start, op.get, end, op.geU, op.if, op.void, ...i32(-1), op.return, op.end,
    ...next,
    ...is(0x22), ...is(0x2c), op.or, ...is(0x0d), op.or, ...is(0x0a), op.or,
    op.if, op.void, ...is(0x22), op.set, quotes, op.br, 2, op.end,
    op.br, 0,
    op.end,
    op.end,
    op.loop, op.void,
    ...skipForward({ at: start, bound: end, x, t }, [0x22], null),
    op.get, start, op.get, end, op.geU, op.if, op.void, op.get, quotes, op.return, op.end,
    ...next,
    op.get, quotes, ...is(0x22), op.add, op.set, quotes,
    op.br, 0,
    op.end,
    op.unreachable,
  ];
}

/**
 * csvExpand(start, n, quotes): [start, start+n) in place as a quoted field of n+quotes+2 bytes,
 * each `"` doubled, from the end; once no `"` is left the rest moves up one byte in one copy.
 */
function csvExpand(): number[] {
  const [start, n, quotes, r, w, b, x, t] = [0, 1, 2, 3, 4, 5, 6, 7];
  return [
    op.get, start, op.get, n, op.add, op.tee, r, op.get, quotes, op.add, ...i32(1), op.add, op.tee, w, ...i32(0x22), op.store8, ...mem(),
    op.loop, op.void,
    op.get, w, op.get, r, op.sub, ...i32(1), op.eq,
    op.if, op.void,
    op.get, start, ...i32(1), op.add, op.get, start, op.get, r, op.get, start, op.sub, ...MEMORY_COPY,
    op.get, start, ...i32(0x22), op.store8, ...mem(),
    op.return,
    op.end,
    ...moveBack({ at: r, bound: start, x, t }, w, [0x22], null),
    op.get, r, op.get, start, op.leU, op.if, op.void, op.unreachable, op.end,
    op.get, r, ...i32(1), op.sub, op.tee, r, op.load8u, ...mem(), op.set, b,
    op.get, w, ...i32(1), op.sub, op.tee, w, op.get, b, op.store8, ...mem(),
    op.get, b, ...i32(0x22), op.eq,
    op.if, op.void, op.get, w, ...i32(1), op.sub, op.tee, w, ...i32(0x22), op.store8, ...mem(), op.end,
    op.br, 0,
    op.end,
  ];
}

let compiled: object | null = null;

function textModule(): object {
  compiled ??= wasmModule([
    { name: 'jsonCount', params: 3, result: true, locals: [op.i32, op.i32, op.i32, op.i64, op.i64], code: jsonCount() },
    { name: 'jsonExpand', params: 3, result: false, locals: [op.i32, op.i32, op.i32, op.i32, op.i64, op.i64], code: jsonExpand() },
    { name: 'csvCount', params: 2, result: true, locals: [op.i32, op.i32, op.i32, op.i64, op.i64], code: csvCount() },
    { name: 'csvExpand', params: 3, result: false, locals: [op.i32, op.i32, op.i32, op.i64, op.i64], code: csvExpand() },
  ]);
  return compiled;
}

/** The three tables: bytes JSON escaping adds per byte (1 or 5), the letter after `\`, hex digits. */
function tables(): Uint8Array {
  const t = new Uint8Array(DATA);
  for (let b = 0; b < 0x20; b++) t[EXTRA + b] = 5;
  const short: Record<number, string> = { 0x08: 'b', 0x09: 't', 0x0a: 'n', 0x0c: 'f', 0x0d: 'r', 0x22: '"', 0x5c: '\\' };
  for (const [b, letter] of Object.entries(short)) {
    t[EXTRA + Number(b)] = 1;
    t[SHORT + Number(b)] = letter.charCodeAt(0);
  }
  t.set(Buffer.from('0123456789abcdef', 'latin1'), HEX);
  return t;
}

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
