/**
 * Finds every anchor of a rule set in a value in one pass over its bytes, instead of one
 * `indexOf` per punctuation-led anchor plus a case-insensitive regex for the word-led ones (the
 * two together were a quarter of a redacted export's time). A 30-instruction WebAssembly loop
 * walks the value's bytes and stops where the two bytes there, and the third, can start an anchor;
 * each such spot is then checked against the string itself, so what comes out is exactly what
 * the `indexOf` and regex scans find.
 *
 * The value is copied in as latin1: one byte per UTF-16 code unit, so byte positions are
 * string positions. A character above U+00FF keeps only its low byte, which may look like an
 * anchor's letter: that only makes a spot to check, never a hit, since the check reads the string.
 */
import { i32, mem, op, wasm, WASM_PAGE, wasmModule, type WasmMemory } from '../wasm.js';

/** One anchor: matched as written, or (`folded`, lower-case text) with ASCII letters in either case. */
export interface ScreenAnchor {
  readonly text: string;
  readonly folded: boolean;
}

/** Layout of the screen's memory: two 64 KiB tables, then the value's bytes. */
const SLOTS = 0;
const THIRDS = 0x10000;
const TEXT = 0x20000;
/** The slot of pairs that start an anchor of at most two characters: any third byte will do. */
const ANY_THIRD = 255;

/**
 * `scan(i, end)`: the first position p in [i, end) whose bytes p, p+1 have a slot and whose byte
 * p+2 is marked in that slot's row of the second table; −1 when there is none. In text form:
 *
 *   x = text[i]
 *   loop: if i >= end return -1
 *         x = ((x << 8) | text[i + 1]) & 0xffff
 *         k = slots[x]
 *         if k and thirds[(k << 8) | text[i + 2]] return i
 *         i = i + 1; continue
 */
function scanModule(): object {
  const load = (offset: number): number[] => [op.load8u, ...mem(offset)];
  const [i, end, x, k] = [0, 1, 2, 3];
  const minusOne = i32(-1);
  const code = [
    op.get, i, ...load(TEXT), op.set, x,
    op.loop, op.void,
    op.get, i, op.get, end, op.geU, op.if, op.void, ...minusOne, op.return, op.end,
    op.get, x, ...i32(8), op.shl, op.get, i, ...load(TEXT + 1), op.or, ...i32(0xffff), op.and, op.set, x,
    op.get, x, ...load(SLOTS), op.set, k,
    op.get, k, op.if, op.void,
    op.get, k, ...i32(8), op.shl, op.get, i, ...load(TEXT + 2), op.or, ...load(THIRDS), op.if, op.void, op.get, i, op.return, op.end,
    op.end,
    op.get, i, ...i32(1), op.add, op.set, i,
    op.br, 0,
    op.end,
    ...minusOne,
  ];
  return wasmModule([{ name: 'scan', params: 2, result: true, locals: [op.i32, op.i32], code }]);
}

let compiled: object | null = null;

/**
 * The bytes an anchor's character may stand as: a character above U+00FF as its low byte, which is
 * what the latin1 copy keeps (`密` U+5BC6 as 0xC6, `п` U+043F as `?`): non-ASCII anchors cost a stop
 * only where those low bytes meet, rare in code, and the check against the string decides.
 */
function variants(code: number, folded: boolean): number[] {
  return folded && code >= 0x61 && code <= 0x7a ? [code, code - 0x20] : [code & 0xff];
}

export class AnchorScreen {
  readonly #anchors: readonly ScreenAnchor[];
  /** Anchor indexes by their first two bytes (both cases when folded). */
  readonly #byPair: (number[] | undefined)[] = new Array(0x10000);
  readonly #memory: WasmMemory;
  readonly #scan: (i: number, end: number) => number;
  #bytes: Buffer;
  #positions = new Int32Array(64);
  #ids = new Int32Array(64);
  /** Hits of the last `find()`: positions ascending, with the index of the anchor found there. */
  count = 0;

  /** A screen for these anchors, or null when one is empty (or too many share their first two bytes). */
  static create(anchors: readonly ScreenAnchor[]): AnchorScreen | null {
    if (anchors.length === 0 || anchors.some((a) => a.text.length === 0)) return null;
    const slots = new Uint8Array(0x10000);
    const thirds = new Uint8Array(0x10000);
    thirds.fill(1, ANY_THIRD << 8);
    let used = 0;
    for (const a of anchors) {
      const seconds = a.text.length > 1 ? variants(a.text.charCodeAt(1), a.folded) : Array.from({ length: 256 }, (_, b) => b);
      for (const first of variants(a.text.charCodeAt(0), a.folded)) {
        for (const second of seconds) {
          const pair = (first << 8) | second;
          if (a.text.length <= 2) {
            slots[pair] = ANY_THIRD;
            continue;
          }
          if (slots[pair] === 0) {
            if (++used === ANY_THIRD) return null;
            slots[pair] = used;
          }
          for (const third of variants(a.text.charCodeAt(2), a.folded)) thirds[(slots[pair]! << 8) | third] = 1;
        }
      }
    }
    try {
      return new AnchorScreen(anchors, slots, thirds);
    } catch {
      // No WebAssembly here (node --jitless) or no address space for its memory (ulimit -v):
      // the rule set keeps to indexOf and the regex, which find the same anchors.
      return null;
    }
  }

  private constructor(anchors: readonly ScreenAnchor[], slots: Uint8Array, thirds: Uint8Array) {
    this.#anchors = anchors;
    anchors.forEach((a, id) => {
      const seconds = a.text.length > 1 ? variants(a.text.charCodeAt(1), a.folded) : Array.from({ length: 256 }, (_, b) => b);
      for (const first of variants(a.text.charCodeAt(0), a.folded)) {
        for (const second of seconds) (this.#byPair[(first << 8) | second] ??= []).push(id);
      }
    });
    compiled ??= scanModule();
    this.#memory = new wasm.Memory({ initial: TEXT / WASM_PAGE + 1 });
    const instance = new wasm.Instance(compiled, { env: { memory: this.#memory } });
    this.#scan = instance.exports['scan'] as (i: number, end: number) => number;
    this.#bytes = Buffer.from(this.#memory.buffer);
    this.#bytes.set(slots, SLOTS);
    this.#bytes.set(thirds, THIRDS);
  }

  /** Finds the anchors in `text`; read them with `position(h)` and `anchor(h)` for h below `count`. */
  find(text: string): void {
    const n = text.length;
    const need = TEXT + n + 2;
    if (need > this.#bytes.length) {
      this.#memory.grow(Math.ceil((need - this.#bytes.length) / WASM_PAGE));
      this.#bytes = Buffer.from(this.#memory.buffer);
    }
    const bytes = this.#bytes;
    bytes.write(text, TEXT, 'latin1');
    // Two zero bytes after the value: no anchor holds a NUL, so nothing matches across its end.
    bytes[TEXT + n] = 0;
    bytes[TEXT + n + 1] = 0;
    this.count = 0;
    for (let i = this.#scan(0, n); i >= 0; i = this.#scan(i + 1, n)) {
      for (const id of this.#byPair[(bytes[TEXT + i]! << 8) | bytes[TEXT + i + 1]!] ?? []) {
        if (this.#matches(text, i, this.#anchors[id]!)) this.#push(i, id);
      }
    }
  }

  position(hit: number): number {
    return this.#positions[hit]!;
  }

  anchor(hit: number): number {
    return this.#ids[hit]!;
  }

  #matches(text: string, at: number, anchor: ScreenAnchor): boolean {
    const word = anchor.text;
    if (at + word.length > text.length) return false;
    for (let j = 0; j < word.length; j++) {
      let c = text.charCodeAt(at + j);
      if (anchor.folded && c >= 0x41 && c <= 0x5a) c += 0x20;
      if (c !== word.charCodeAt(j)) return false;
    }
    return true;
  }

  #push(position: number, id: number): void {
    if (this.count === this.#positions.length) {
      const positions = new Int32Array(this.count * 2);
      const ids = new Int32Array(this.count * 2);
      positions.set(this.#positions);
      ids.set(this.#ids);
      this.#positions = positions;
      this.#ids = ids;
    }
    this.#positions[this.count] = position;
    this.#ids[this.count] = id;
    this.count++;
  }
}
