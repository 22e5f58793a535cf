/**
 * The WebAssembly module behind TextBytes: JSON escapes and CSV quotes counted over a value's
 * UTF-8 bytes and added in place from its end, eight clean bytes skipped at a time; its memory
 * layout and the lookup tables it reads.
 */
import { i32, i64, mem, op, wasmModule } from '../lib/wasm.js';

/** Memory layout: three 256-byte tables, then the batch's bytes. */
const EXTRA = 0;
const SHORT = 256;
const HEX = 512;
export const DATA = 1024;

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

export function textModule(): object {
  compiled ??= wasmModule([
    { name: 'jsonCount', params: 3, result: true, locals: [op.i32, op.i32, op.i32, op.i64, op.i64], code: jsonCount() },
    { name: 'jsonExpand', params: 3, result: false, locals: [op.i32, op.i32, op.i32, op.i32, op.i64, op.i64], code: jsonExpand() },
    { name: 'csvCount', params: 2, result: true, locals: [op.i32, op.i32, op.i32, op.i64, op.i64], code: csvCount() },
    { name: 'csvExpand', params: 3, result: false, locals: [op.i32, op.i32, op.i32, op.i64, op.i64], code: csvExpand() },
  ]);
  return compiled;
}

/** The three tables: bytes JSON escaping adds per byte (1 or 5), the letter after `\`, hex digits. */
export function tables(): Uint8Array {
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
