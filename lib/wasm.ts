/**
 * The few WebAssembly pieces the hot byte loops use (lib/redaction/anchor-screen.ts,
 * transforms/text-bytes.ts and text-escape-wasm.ts): the global's types, which @types/node 20 does
 * not declare, and an encoder for small hand-written modules — functions over i32 arguments and one
 * imported memory.
 * Each loop's README is its comment: the instructions are listed there in text form.
 */

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

export const wasm = (globalThis as unknown as {
  WebAssembly: {
    Module: new (bytes: Uint8Array) => object;
    Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
    Memory: new (size: { initial: number }) => WasmMemory;
  };
}).WebAssembly;

export const WASM_PAGE = 0x10000;

/** The opcodes the modules here use (WebAssembly core spec, binary format §5.4). */
export const op = {
  unreachable: 0x00, block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d, return: 0x0f,
  get: 0x20, set: 0x21, tee: 0x22,
  i64load: 0x29, load8u: 0x2d, i64store: 0x37, store8: 0x3a,
  const: 0x41, i64const: 0x42,
  eqz: 0x45, eq: 0x46, ne: 0x47, ltU: 0x49, gtU: 0x4b, leU: 0x4d, geU: 0x4f, i64eqz: 0x50,
  add: 0x6a, sub: 0x6b, and: 0x71, or: 0x72, shl: 0x74, shrU: 0x76,
  i64sub: 0x7d, i64and: 0x83, i64or: 0x84, i64xor: 0x85,
  void: 0x40, i32: 0x7f, i64: 0x7e,
} as const;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of an i32 or i64 constant. */
export function sleb(value: number | bigint): number[] {
  let n = BigInt(value);
  const out: number[] = [];
  for (;;) {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    if ((n === 0n && (b & 0x40) === 0) || (n === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** `i32.const n` and `i64.const n`. */
export const i32 = (n: number): number[] => [op.const, ...sleb(n)];
export const i64 = (n: bigint): number[] => [op.i64const, ...sleb(BigInt.asIntN(64, n))];
/** A memory access's immediate: alignment hint 1 (any address is valid) and a constant offset. */
export const mem = (offset = 0): number[] => [0, ...uleb(offset)];

export interface WasmFunction {
  readonly name: string;
  /** Number of i32 parameters. */
  readonly params: number;
  readonly result: boolean;
  /** Extra locals, by type, after the parameters. */
  readonly locals: readonly (typeof op.i32 | typeof op.i64)[];
  /** The body's instructions, without the final `end`. */
  readonly code: readonly number[];
}

/** A module of these functions, exported by name, over an imported `env.memory`. */
export function wasmModule(functions: readonly WasmFunction[]): object {
  const section = (id: number, items: number[][]): number[] => {
    const body = [...uleb(items.length), ...items.flat()];
    return [id, ...uleb(body.length), ...body];
  };
  const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'latin1')];
  const body = (f: WasmFunction): number[] => {
    // Locals are declared as runs of one type: [count, type] per run.
    const runs: [number, number][] = [];
    for (const type of f.locals) {
      const last = runs[runs.length - 1];
      if (last && last[1] === type) last[0]++;
      else runs.push([1, type]);
    }
    const code = [...uleb(runs.length), ...runs.flatMap(([count, type]) => [...uleb(count), type]), ...f.code, op.end];
    return [...uleb(code.length), ...code];
  };
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, functions.map((f) => [0x60, ...uleb(f.params), ...new Array<number>(f.params).fill(op.i32), ...(f.result ? [1, op.i32] : [0])])),
    ...section(2, [[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]]), // imported memory, at least 1 page
    ...section(3, functions.map((_, i) => uleb(i))),
    ...section(7, functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)])),
    ...section(10, functions.map(body)),
  ];
  return new wasm.Module(Uint8Array.from(bytes));
}
