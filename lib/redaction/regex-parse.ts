/**
 * A parser for the subset of JavaScript regex syntax that matters to backtracking: sequences,
 * alternations, groups, lookarounds, quantifiers and character sets (over ASCII, with everything
 * else as one bucket). It runs only on patterns `new RegExp` has already accepted.
 */

/** A set of UTF-16 code units: the 128 ASCII ones exactly, everything else as one bucket. */
export class CharSet {
  readonly bits = new Uint32Array(4);
  other = false;

  static of(...codes: number[]): CharSet {
    const s = new CharSet();
    for (const c of codes) s.add(c);
    return s;
  }

  static range(from: number, to: number, into = new CharSet()): CharSet {
    for (let c = from; c <= Math.min(to, 127); c++) into.add(c);
    if (to > 127) into.other = true;
    return into;
  }

  add(code: number): void {
    if (code > 127) this.other = true;
    else this.bits[code >> 5]! |= 1 << (code & 31);
  }

  has(code: number): boolean {
    return code > 127 ? this.other : (this.bits[code >> 5]! & (1 << (code & 31))) !== 0;
  }

  addAll(other: CharSet): this {
    for (let i = 0; i < 4; i++) this.bits[i]! |= other.bits[i]!;
    this.other ||= other.other;
    return this;
  }

  negate(): CharSet {
    const s = new CharSet();
    for (let i = 0; i < 4; i++) s.bits[i] = ~this.bits[i]! >>> 0;
    s.other = true;
    return s;
  }

  overlaps(other: CharSet): boolean {
    for (let i = 0; i < 4; i++) if ((this.bits[i]! & other.bits[i]!) !== 0) return true;
    return this.other && other.other;
  }

  subsetOf(other: CharSet): boolean {
    for (let i = 0; i < 4; i++) if ((this.bits[i]! & ~other.bits[i]!) !== 0) return false;
    return !this.other || other.other;
  }

  /** The single character this set holds, if it holds exactly one ASCII character. */
  single(): string | null {
    if (this.other) return null;
    let found = -1;
    for (let c = 0; c < 128; c++) {
      if (this.has(c)) {
        if (found >= 0) return null;
        found = c;
      }
    }
    return found >= 0 ? String.fromCharCode(found) : null;
  }
}

export type Node =
  | { readonly t: 'alt'; readonly alts: readonly Node[] }
  | { readonly t: 'seq'; readonly items: readonly Node[] }
  | { readonly t: 'group'; readonly body: Node; readonly look: boolean }
  | { readonly t: 'quant'; readonly body: Node; readonly min: number; readonly max: number; readonly qStart: number; readonly qEnd: number }
  | { readonly t: 'chars'; readonly set: CharSet; readonly start: number; readonly end: number }
  | { readonly t: 'assert'; readonly kind: string }
  | { readonly t: 'backref' };

const DIGIT = CharSet.range(48, 57);
const WORD = CharSet.range(48, 57, CharSet.range(65, 90, CharSet.range(97, 122, CharSet.of(95))));
const SPACE = CharSet.of(9, 10, 11, 12, 13, 32, 160, 0x2028);
const DOT = CharSet.of(10, 13, 0x2028).negate();

export class Parser {
  pos = 0;
  constructor(readonly src: string) {}

  parseAlt(): Node {
    const alts = [this.parseSeq()];
    while (this.src[this.pos] === '|') {
      this.pos++;
      alts.push(this.parseSeq());
    }
    return alts.length === 1 ? alts[0]! : { t: 'alt', alts };
  }

  parseSeq(): Node {
    const items: Node[] = [];
    while (this.pos < this.src.length && this.src[this.pos] !== '|' && this.src[this.pos] !== ')') {
      const atom = this.parseAtom();
      items.push(this.parseQuantifier(atom));
    }
    return { t: 'seq', items };
  }

  parseQuantifier(atom: Node): Node {
    const qStart = this.pos;
    let min: number;
    let max: number;
    const c = this.src[this.pos];
    if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos));
      if (!m) return atom;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      this.pos += m[0].length - 1;
    } else return atom;
    this.pos++;
    const qEnd = this.pos;
    if (this.src[this.pos] === '?') this.pos++;
    if (atom.t === 'assert') return atom;
    return { t: 'quant', body: atom, min, max, qStart, qEnd };
  }

  parseAtom(): Node {
    const start = this.pos;
    const c = this.src[this.pos++]!;
    if (c === '(') {
      let look = false;
      if (this.src.startsWith('?:', this.pos)) this.pos += 2;
      else if (/^\?<?[=!]/.test(this.src.slice(this.pos, this.pos + 3))) {
        look = true;
        this.pos += this.src[this.pos + 1] === '<' ? 3 : 2;
      } else if (this.src.startsWith('?<', this.pos)) this.pos = this.src.indexOf('>', this.pos) + 1;
      const body = this.parseAlt();
      this.pos++;
      return { t: 'group', body, look };
    }
    if (c === '[') return { t: 'chars', set: this.parseClass(), start, end: this.pos };
    if (c === '.') return { t: 'chars', set: DOT, start, end: this.pos };
    if (c === '^' || c === '$') return { t: 'assert', kind: c };
    if (c === '\\') {
      const e = this.src[this.pos]!;
      if (e === 'b' || e === 'B') {
        this.pos++;
        return { t: 'assert', kind: e };
      }
      if (/[1-9]/.test(e) || (e === 'k' && this.src[this.pos + 1] === '<')) return { t: 'backref' };
      return { t: 'chars', set: this.parseEscape(), start, end: this.pos };
    }
    return { t: 'chars', set: CharSet.of(c.charCodeAt(0)), start, end: this.pos };
  }

  parseEscape(): CharSet {
    const e = this.src[this.pos++]!;
    switch (e) {
      case 'd': return DIGIT;
      case 'D': return DIGIT.negate();
      case 'w': return WORD;
      case 'W': return WORD.negate();
      case 's': return SPACE;
      case 'S': return SPACE.negate();
      case 't': return CharSet.of(9);
      case 'n': return CharSet.of(10);
      case 'r': return CharSet.of(13);
      case 'v': return CharSet.of(11);
      case 'f': return CharSet.of(12);
      case '0': return CharSet.of(0);
      case 'c': return CharSet.of(this.src.charCodeAt(this.pos++) % 32);
      case 'x':
      case 'u': {
        const len = e === 'x' ? 2 : 4;
        const hex = this.src.slice(this.pos, this.pos + len);
        if (/^[0-9a-fA-F]+$/.test(hex) && hex.length === len) {
          this.pos += len;
          return CharSet.of(parseInt(hex, 16));
        }
        return CharSet.of(e.charCodeAt(0));
      }
      default: return CharSet.of(e.charCodeAt(0));
    }
  }

  parseClass(): CharSet {
    let negated = false;
    if (this.src[this.pos] === '^') {
      negated = true;
      this.pos++;
    }
    const set = new CharSet();
    let first = true;
    while (this.pos < this.src.length && (this.src[this.pos] !== ']' || first)) {
      first = false;
      const from = this.classAtom(set);
      if (from >= 0 && this.src[this.pos] === '-' && this.src[this.pos + 1] !== ']' && this.pos + 1 < this.src.length) {
        this.pos++;
        const to = this.classAtom(set);
        if (to >= 0) CharSet.range(from, to, set);
      }
    }
    this.pos++;
    return negated ? set.negate() : set;
  }

  /** Adds one class member; returns its code when it can start or end a range, else -1. */
  classAtom(set: CharSet): number {
    const c = this.src[this.pos++]!;
    if (c !== '\\') {
      set.add(c.charCodeAt(0));
      return c.charCodeAt(0);
    }
    const e = this.src[this.pos]!;
    if ('dDwWsS'.includes(e)) {
      set.addAll(this.parseEscape());
      return -1;
    }
    if (e === 'b') {
      this.pos++;
      set.add(8);
      return 8;
    }
    const one = this.parseEscape();
    set.addAll(one);
    const s = one.single();
    return s === null ? -1 : s.charCodeAt(0);
  }
}
