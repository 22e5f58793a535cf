/**
 * The content scan of one value. A cheap pre-filter finds every anchor in one pass over the
 * value's bytes (`AnchorScreen`): the punctuation-led anchors (`@`, `://`, `/home/`,
 * `-----BEGIN `) as written, the letter-led ones in either case; and only the rules whose anchor
 * occurs run their matcher, at that spot. Most values have no anchor at all and cost that pass.
 * Values too long for the screen, and rule sets with an anchor it cannot take (an empty one), are
 * searched as before it: `indexOf` per punctuation-led anchor, one case-insensitive alternation
 * for the rest, which finds the same anchors in the same order.
 */
import { AnchorScreen } from './anchor-screen.js';
import type { ContentRule, Span } from './rule.js';

/** Longer values are searched with indexOf and the regex rather than copied into the screen. */
export const SCREEN_MAX_LENGTH = 1024 * 1024;

/** The rule whose matcher ran last: what a failure is reported against. */
export let activeRule: ContentRule | null = null;

interface Anchor {
  readonly text: string;
  readonly rules: ContentRule[];
}

/** ASCII anchors led by a word character go to the case-insensitive gate; the rest are found with indexOf, case and all. */
function isWordLed(anchor: string): boolean {
  return /^[A-Za-z0-9_][\x20-\x7e]*$/.test(anchor);
}

/**
 * Groups rules by anchor. When one anchor starts with another, the longer one's rules move to the
 * shorter: every matcher re-checks its own full prefix, and the pre-filter stays small.
 */
function groupAnchors(rules: readonly ContentRule[], wordLed: boolean, fold = wordLed): Anchor[] {
  const pairs: { text: string; rule: ContentRule }[] = [];
  for (const rule of rules) {
    for (const a of rule.anchors) {
      if (isWordLed(a) === wordLed) pairs.push({ text: fold ? a.toLowerCase() : a, rule });
    }
  }
  pairs.sort((a, b) => a.text.length - b.text.length);
  const anchors: Anchor[] = [];
  for (const { text, rule } of pairs) {
    const home = anchors.find((a) => text.startsWith(a.text));
    if (!home) anchors.push({ text, rules: [rule] });
    else if (!home.rules.includes(rule)) home.rules.push(rule);
  }
  return anchors;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** The anchors as one alternation factored by common prefixes (`g(?:h[pousr]_|l…)`), which the regex engine scans faster than a flat list. */
function trie(words: readonly string[]): string {
  interface Node {
    end: boolean;
    next: Map<string, Node>;
  }
  const root: Node = { end: false, next: new Map() };
  for (const w of words) {
    let node = root;
    for (const c of w) {
      let child = node.next.get(c);
      if (!child) node.next.set(c, (child = { end: false, next: new Map() }));
      node = child;
    }
    node.end = true;
  }
  const emit = (node: Node): string => {
    if (node.end) return '';
    const alts = [...node.next].map(([c, child]) => escapeRegex(c) + emit(child));
    return alts.length === 1 ? alts[0]! : `(?:${alts.join('|')})`;
  };
  return emit(root);
}

export class RuleSet {
  readonly rules: readonly ContentRule[];
  readonly #literal: readonly Anchor[];
  /** The screen's letter-led anchors: as written for case-sensitive rules, lower-cased for the rest. */
  readonly #words: readonly Anchor[];
  readonly #screen: AnchorScreen | null;
  /** Scratch for #screened's counting sort: bucket starts per punctuation anchor, and the sorted hits. */
  readonly #bucketStarts: Int32Array;
  #order = new Int32Array(64);
  readonly #gate: RegExp | null;
  readonly #byAnchor: ReadonlyMap<string, ContentRule[]>;
  readonly #unanchored: readonly ContentRule[];
  readonly #allow: ((secret: string) => boolean) | null;
  readonly #anyAllow: boolean;
  // Per-rule resume windows, valid for the value whose generation they carry.
  readonly #lo: Int32Array;
  readonly #hi: Int32Array;
  readonly #gen: Uint32Array;
  #generation = 0;
  #text = '';
  #spans: Span[] | null = null;
  /** Matches an allow entry dropped in the last find(). */
  exempted = 0;

  /** `screen: false` keeps to indexOf and the regex (tests compare the two). */
  constructor(rules: readonly ContentRule[], globalAllow: ((secret: string) => boolean) | null, options: { screen?: boolean } = {}) {
    this.rules = rules;
    this.#literal = groupAnchors(rules, false);
    const gated = groupAnchors(rules, true);
    const exact = groupAnchors(rules.filter((r) => r.caseSensitive === true), true, false);
    const folded = groupAnchors(rules.filter((r) => r.caseSensitive !== true), true);
    this.#words = [...exact, ...folded];
    const anchors = [
      ...[...this.#literal, ...exact].map((a) => ({ text: a.text, folded: false })),
      ...folded.map((a) => ({ text: a.text, folded: true })),
    ];
    this.#screen = options.screen === false ? null : AnchorScreen.create(anchors);
    this.#bucketStarts = new Int32Array(this.#literal.length + 1);
    this.#byAnchor = new Map(gated.map((a) => [a.text, a.rules]));
    this.#gate = gated.length > 0 ? new RegExp(trie(gated.map((a) => a.text)), 'gi') : null;
    this.#unanchored = rules.filter((r) => r.anchors.length === 0);
    this.#allow = globalAllow;
    this.#anyAllow = globalAllow !== null || rules.some((r) => r.allow !== null);
    const size = rules.reduce((m, r) => Math.max(m, r.priority + 1), 0);
    this.#lo = new Int32Array(size);
    this.#hi = new Int32Array(size);
    this.#gen = new Uint32Array(size);
  }

  /**
   * The stretches of `text` to replace, sorted, overlaps merged; null when there are none.
   * Terminal colour codes (tool output captured with `--color=always`) would glue a token to the
   * code's last letter and split names and tokens, so the rules read the text without its CSI
   * sequences and each span is mapped back, swallowing the codes inside it.
   */
  find(text: string): Span[] | null {
    const spans = this.#findText(text);
    if (text.indexOf('&') < 0) return spans;
    const exempted = this.exempted;
    const decoded = this.#entities(text);
    // The windows read the plain scan's text again: its allow-list matches are counted once.
    this.exempted = exempted;
    if (decoded === null) return spans;
    return merge(spans === null ? decoded : [...spans, ...decoded]);
  }

  /**
   * XML and HTML character references inside a secret (`ghp&#95;…`, `&#x67;hp_…`, a URL password's
   * `&amp;`, a value between `&quot;`s): any XML or HTML reader gives the secret back. Each window
   * of 512 characters either side of a run of references (windows that meet are one) is decoded and
   * scanned; a span found there that holds or borders a decoded reference is mapped back to the
   * text, swallowing the references it covers. Spans away from references are the plain scan's.
   */
  #entities(text: string): Span[] | null {
    const refs: number[] = [];
    for (let i = text.indexOf('&'); i >= 0; i = text.indexOf('&', i + 1)) {
      const end = referenceEnd(text, i);
      if (end > 0) refs.push(i, end);
    }
    if (refs.length === 0) return null;
    const found: Span[] = [];
    for (let r = 0; r < refs.length;) {
      const from = Math.max(0, refs[r]! - ENTITY_REACH);
      let last = r;
      while (last + 2 < refs.length && refs[last + 2]! - ENTITY_REACH <= refs[last + 1]! + ENTITY_REACH) last += 2;
      const to = Math.min(text.length, refs[last + 1]! + ENTITY_REACH);
      // The window decoded: each character's start and end in `text`, and whether a reference gave it.
      let out = '';
      const starts: number[] = [];
      const ends: number[] = [];
      const ref: boolean[] = [];
      let i = from;
      for (let k = r; k <= last; k += 2) {
        const [a, b] = [refs[k]!, refs[k + 1]!];
        for (; i < a; i++) {
          out += text[i];
          starts.push(i);
          ends.push(i + 1);
          ref.push(false);
        }
        const c = decodeReference(text, a, b);
        for (let n = 0; n < c.length; n++) {
          starts.push(a);
          ends.push(b);
          ref.push(true);
        }
        out += c;
        i = b;
      }
      for (; i < to; i++) {
        out += text[i];
        starts.push(i);
        ends.push(i + 1);
        ref.push(false);
      }
      const spans = this.#findText(out);
      for (const sp of spans ?? []) {
        let near = false;
        for (let k = Math.max(0, sp.start - 1); k <= Math.min(out.length - 1, sp.end) && !near; k++) near = ref[k]!;
        if (!near || sp.end <= sp.start) continue;
        found.push({ ...sp, start: starts[sp.start]!, end: ends[sp.end - 1]! });
      }
      r = last + 2;
    }
    return found.length === 0 ? null : found;
  }

  #findText(text: string): Span[] | null {
    // Full-width `：` and `＝` and the ideographic space read as `:`, `=` and a space (CJK input
    // methods type them after a name: `password：…`, `DB_PASSWORD＝…`). One code unit for one, so
    // every position holds; on a one-byte string (no character above U+00FF) indexOf answers at once.
    // So do typographic dashes and no-break spaces pasted from documents (`–password …`, `--password\u00a0…`).
    // And curly quotes (`password = “…”`, a word processor's or a chat client's): straight ones.
    if (text.indexOf('\uff1a') >= 0 || text.indexOf('\uff1d') >= 0 || text.indexOf('\u3000') >= 0 || text.indexOf('\u2013') >= 0 || text.indexOf('\u2014') >= 0 || text.indexOf('\u00a0') >= 0 || text.indexOf('\u202f') >= 0
      || text.indexOf('\u201c') >= 0 || text.indexOf('\u201d') >= 0 || text.indexOf('\u2018') >= 0 || text.indexOf('\u2019') >= 0) text = asciiPunctuation(text);
    if (text.indexOf('\x1b[') < 0) return this.#find(text);
    const view = withoutCsi(text);
    if (view === null) return this.#find(text);
    const spans = this.#find(view.text);
    if (spans === null) return null;
    const at = view.origin;
    for (const s of spans) {
      s.end = s.end > s.start ? at[s.end - 1]! + 1 : at[s.start]!;
      s.start = at[s.start]!;
    }
    return spans;
  }

  #find(text: string): Span[] | null {
    this.exempted = 0;
    this.#text = text;
    this.#spans = null;
    this.#generation = (this.#generation + 1) >>> 0 || 1;
    if (this.#screen !== null && text.length <= SCREEN_MAX_LENGTH) this.#screened(this.#screen, text);
    else this.#searched(text);
    for (const rule of this.#unanchored) this.#run(rule, 0);
    activeRule = null;
    const spans = this.#spans as Span[] | null;
    this.#text = '';
    this.#spans = null;
    if (spans === null || spans.length === 0) return null;
    const found = this.#anyAllow ? spans.filter((s) => !this.#allowed(text, s)) : spans;
    return found.length === 0 ? null : merge(found);
  }

  /**
   * The anchors from the screen, run in the order #searched finds them: each punctuation-led
   * anchor's hits, then the letter-led hits by position. Case-sensitive rules are only run where
   * their anchor stands as written; the regex finds other cases too, which their matchers refuse.
   */
  #screened(screen: AnchorScreen, text: string): void {
    screen.find(text);
    const literal = this.#literal.length;
    if (screen.count === 0) return;
    // Punctuation hits by anchor, positions ascending within each: a counting sort of the hit
    // indexes (linear however many hits a crafted value holds).
    const starts = this.#bucketStarts;
    starts.fill(0);
    let punctuation = 0;
    for (let h = 0; h < screen.count; h++) {
      const a = screen.anchor(h);
      if (a < literal) {
        starts[a + 1]!++;
        punctuation++;
      }
    }
    if (punctuation > 0) {
      for (let a = 0; a < literal; a++) starts[a + 1]! += starts[a]!;
      if (this.#order.length < punctuation) this.#order = new Int32Array(punctuation * 2);
      const order = this.#order;
      for (let h = 0; h < screen.count; h++) {
        const a = screen.anchor(h);
        if (a < literal) order[starts[a]!++] = h;
      }
      for (let k = 0; k < punctuation; k++) {
        const h = order[k]!;
        for (const rule of this.#literal[screen.anchor(h)]!.rules) this.#run(rule, screen.position(h));
      }
    }
    for (let h = 0; h < screen.count; h++) {
      const a = screen.anchor(h);
      if (a >= literal) for (const rule of this.#words[a - literal]!.rules) this.#run(rule, screen.position(h));
    }
  }

  #searched(text: string): void {
    for (const anchor of this.#literal) {
      for (let i = text.indexOf(anchor.text); i >= 0; i = text.indexOf(anchor.text, i + 1)) {
        for (const rule of anchor.rules) this.#run(rule, i);
      }
    }
    const gate = this.#gate;
    if (gate) {
      gate.lastIndex = 0;
      for (let m = gate.exec(text); m; m = gate.exec(text)) {
        // Anchors may overlap ("keyeyJ…"): resume one past this hit, not past its end.
        gate.lastIndex = m.index + 1;
        for (const rule of this.#byAnchor.get(m[0].toLowerCase())!) this.#run(rule, m.index);
      }
    }
  }

  #run(rule: ContentRule, at: number): void {
    const k = rule.priority;
    if (this.#gen[k] === this.#generation && at >= this.#lo[k]! && at < this.#hi[k]!) return;
    activeRule = rule;
    this.#spans ??= [];
    this.#hi[k] = rule.find(this.#text, at, this.#spans);
    this.#lo[k] = at;
    this.#gen[k] = this.#generation;
  }

  #allowed(text: string, span: Span): boolean {
    const secret = text.slice(span.start, span.end);
    if ((span.rule.allow?.(secret) ?? false) || (this.#allow?.(secret) ?? false)) {
      this.exempted++;
      return true;
    }
    return false;
  }
}

/** How far either side of a character reference its window reaches: a token's length and its name before it. */
const ENTITY_REACH = 512;
const NAMED_REFERENCES: Readonly<Record<string, string>> = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>' };

/** Where the character reference at `at` (`&#95;`, `&#x5F;`, `&amp;`, `&quot;`, `&apos;`, `&lt;`, `&gt;`) ends, or -1. */
function referenceEnd(text: string, at: number): number {
  const c = text.charCodeAt(at + 1);
  let i = at + 2;
  if (c === 35) {
    const hex = (text.charCodeAt(i) | 0x20) === 120;
    if (hex) i++;
    const digits = i;
    while (i - digits < 7 && (hex ? /[0-9a-fA-F]/ : /[0-9]/).test(text[i] ?? '')) i++;
    if (i === digits || text.charCodeAt(i) !== 59) return -1;
    const code = parseInt(text.slice(digits, i), hex ? 16 : 10);
    return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? i + 1 : -1;
  }
  if (c !== 97 && c !== 113 && c !== 108 && c !== 103) return -1;
  const semi = text.slice(at + 1, at + 6).indexOf(';');
  return semi > 0 && NAMED_REFERENCES[text.slice(at + 1, at + 1 + semi)] !== undefined ? at + 2 + semi : -1;
}

/** The text of the reference from `at` to `end` (referenceEnd's). */
function decodeReference(text: string, at: number, end: number): string {
  if (text.charCodeAt(at + 1) !== 35) return NAMED_REFERENCES[text.slice(at + 1, end - 1)]!;
  const hex = (text.charCodeAt(at + 2) | 0x20) === 120;
  return String.fromCodePoint(parseInt(text.slice(at + (hex ? 3 : 2), end - 1), hex ? 16 : 10));
}

/**
 * `text` without its CSI sequences (ESC `[`, parameters, a final letter), and for each character
 * left (and one past the end) its index in `text`; null when there is none.
 */
const WIDE_PUNCTUATION = /[\uff1a\uff1d\u3000\u2013\u2014\u00a0\u202f\u201c\u201d\u2018\u2019]/g;
const ASCII_PUNCTUATION: Readonly<Record<string, string>> = { '\uff1a': ':', '\uff1d': '=', '\u3000': ' ', '\u2013': '-', '\u2014': '-', '\u00a0': ' ', '\u202f': ' ', '\u201c': '"', '\u201d': '"', '\u2018': "'", '\u2019': "'" };

/** The text with `：`, `＝`, U+3000, en and em dashes, no-break spaces and curly quotes as `:`, `=`, a space, `-` and straight quotes: the same length, so spans need no mapping. */
export function asciiPunctuation(text: string): string {
  return text.replace(WIDE_PUNCTUATION, (c) => ASCII_PUNCTUATION[c]!);
}

function withoutCsi(text: string): { text: string; origin: Int32Array } | null {
  const origin = new Int32Array(text.length + 1);
  let out = '';
  let n = 0;
  let from = 0;
  for (let i = text.indexOf('\x1b['); i >= 0; i = text.indexOf('\x1b[', i)) {
    let j = i + 2;
    while (j < text.length && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x3f) j++;
    const c = text.charCodeAt(j);
    if (!(c >= 0x40 && c <= 0x7e)) {
      i += 2;
      continue;
    }
    for (let k = from; k < i; k++) origin[n++] = k;
    out += text.slice(from, i);
    from = i = j + 1;
  }
  if (from === 0) return null;
  for (let k = from; k < text.length; k++) origin[n++] = k;
  origin[n] = text.length;
  return { text: out + text.slice(from), origin };
}

/**
 * Overlapping claims become one replacement so that no fragment of either survives; it is
 * counted once, for the most specific rule, and a placeholder beats a path normalisation.
 */
function merge(spans: Span[]): Span[] {
  spans.sort((a, b) => a.start - b.start || a.rule.priority - b.rule.priority || b.end - a.end);
  const out: Span[] = [spans[0]!];
  for (let i = 1; i < spans.length; i++) {
    const s = spans[i]!;
    const cur = out[out.length - 1]!;
    if (s.start >= cur.end) {
      out.push(s);
      continue;
    }
    cur.end = Math.max(cur.end, s.end);
    if (cur.replacement !== undefined && s.replacement === undefined) {
      cur.rule = s.rule;
      cur.replacement = undefined;
    } else if ((cur.replacement === undefined) === (s.replacement === undefined) && s.rule.priority < cur.rule.priority) {
      cur.rule = s.rule;
    }
  }
  return out;
}

/** Rebuilds `text` with each span replaced by what `render` gives for it. */
export function applySpans(text: string, spans: readonly Span[], render: (span: Span, secret: string) => string): string {
  let out = '';
  let from = 0;
  for (const s of spans) {
    out += text.slice(from, s.start) + render(s, text.slice(s.start, s.end));
    from = s.end;
  }
  return out + text.slice(from);
}
