/**
 * Vets a user's redaction regex before any value meets it. JavaScript regexes backtrack, so a
 * pattern like `(a+)+$` or `\w+\w+X` can take exponential or polynomial time on a crafted value
 * and hang an export. This refuses the constructs that cause it, then rewrites every
 * unbounded quantifier to a bounded one so that a single match attempt has a fixed ceiling of work.
 */

/** Longest stretch one quantifier may cover; also the ceiling on ways to split text between quantifiers. */
export const MATCH_WINDOW = 256;
const MAX_SOURCE = 1000;

import { CharSet, Parser, type Node } from './regex-parse.js';

export { CharSet } from './regex-parse.js';

/** Why a pattern is refused, in words for the user; turned into ACODE-CFG-006 by the caller. */
export class PatternError extends Error {}

/** Every character a node can consume, anywhere in it. */
function charsOf(node: Node): CharSet {
  switch (node.t) {
    case 'chars': return node.set;
    case 'quant':
    case 'group': return node.t === 'group' && node.look ? new CharSet() : charsOf(node.body);
    case 'seq': return node.items.reduce((s, n) => s.addAll(charsOf(n)), new CharSet());
    case 'alt': return node.alts.reduce((s, n) => s.addAll(charsOf(n)), new CharSet());
    default: return new CharSet();
  }
}

/** The characters a node's first consumed character can be. */
function firstOf(node: Node): CharSet {
  switch (node.t) {
    case 'chars': return node.set;
    case 'quant': return firstOf(node.body);
    case 'group': return node.look ? new CharSet() : firstOf(node.body);
    case 'alt': return node.alts.reduce((s, n) => s.addAll(firstOf(n)), new CharSet());
    case 'seq': {
      const s = new CharSet();
      for (const item of node.items) {
        s.addAll(firstOf(item));
        if (!canBeEmpty(item)) break;
      }
      return s;
    }
    default: return new CharSet();
  }
}

function canBeEmpty(node: Node): boolean {
  switch (node.t) {
    case 'chars': return false;
    case 'quant': return node.min === 0 || canBeEmpty(node.body);
    case 'group': return node.look || canBeEmpty(node.body);
    case 'seq': return node.items.every(canBeEmpty);
    case 'alt': return node.alts.some(canBeEmpty);
    default: return true;
  }
}

function hasQuantifier(node: Node, unboundedOnly: boolean): boolean {
  switch (node.t) {
    case 'quant': return (node.min !== node.max && (!unboundedOnly || node.max === Infinity)) || hasQuantifier(node.body, unboundedOnly);
    case 'group': return hasQuantifier(node.body, unboundedOnly);
    case 'seq': return node.items.some((n) => hasQuantifier(n, unboundedOnly));
    case 'alt': return node.alts.some((n) => hasQuantifier(n, unboundedOnly));
    default: return false;
  }
}

/** Width choices a node offers to backtracking: how many ways it can end. */
function spread(node: Node): number {
  if (node.t === 'quant') {
    const inner = Math.max(1, spread(node.body));
    return node.max === Infinity ? MATCH_WINDOW * inner : (node.max - node.min + 1) * inner ** node.max;
  }
  if (node.t === 'group' && !node.look) return spread(node.body);
  if (node.t === 'seq') return node.items.reduce((p, n) => p * Math.max(1, spread(n)), 1);
  if (node.t === 'alt') return node.alts.reduce((p, n) => p + Math.max(1, spread(n)), 0);
  return 1;
}

function check(node: Node): void {
  switch (node.t) {
    case 'backref':
      throw new PatternError('back-references (\\1, \\k<name>) can make matching take exponential time; write the pattern without them');
    case 'alt':
      node.alts.forEach(check);
      return;
    case 'group':
      if (node.look && hasQuantifier(node.body, true)) {
        throw new PatternError('a lookaround holds an unbounded quantifier (*, + or {n,}); bound it, e.g. {1,64}');
      }
      check(node.body);
      return;
    case 'quant': {
      const repeats = node.max > 1;
      if (repeats && hasQuantifier(node.body, false) && (node.max === Infinity || hasQuantifier(node.body, true))) {
        throw new PatternError('nested quantifiers (a repeated group that itself repeats, like (a+)+) can backtrack catastrophically; flatten the group');
      }
      if (repeats) checkRepeatedAlternation(node.body);
      check(node.body);
      return;
    }
    case 'seq':
      checkSequence(node.items);
      node.items.forEach(check);
      return;
    default:
  }
}

function checkRepeatedAlternation(node: Node): void {
  const body = node.t === 'group' ? node.body : node;
  if (body.t !== 'alt') return;
  const firsts = body.alts.map(firstOf);
  for (let i = 0; i < firsts.length; i++) {
    for (let j = i + 1; j < firsts.length; j++) {
      if (firsts[i]!.overlaps(firsts[j]!) || canBeEmpty(body.alts[i]!) || canBeEmpty(body.alts[j]!)) {
        throw new PatternError('a repeated group offers alternatives that can match the same text (like (a|ab)+); this can backtrack catastrophically');
      }
    }
  }
}

/**
 * Adjacent variable-width parts that can consume the same characters (`\w+\w+`, `.*x.*`) let a
 * failing attempt try every way of splitting the text between them: refuse when the number of
 * splits can pass MATCH_WINDOW.
 */
function checkSequence(items: readonly Node[]): void {
  for (let i = 0; i < items.length; i++) {
    const head = items[i]!;
    let ways = spread(head);
    if (ways <= 1) continue;
    const pool = charsOf(head);
    for (let j = i + 1; j < items.length; j++) {
      const next = items[j]!;
      if (next.t === 'assert' || (next.t === 'group' && next.look)) continue;
      const chars = charsOf(next);
      const width = spread(next);
      if (width > 1 && chars.overlaps(pool)) {
        ways *= width;
        if (ways > MATCH_WINDOW) {
          throw new PatternError('two variable-length parts can match the same characters (like \\w+\\w+ or .*x.*), so a failing match tries too many ways to split the text; separate them with a character the first cannot match');
        }
        pool.addAll(chars);
      } else if (!chars.subsetOf(pool)) {
        break;
      }
    }
  }
}

export interface VettedPattern {
  /** The pattern with every unbounded quantifier capped at MATCH_WINDOW. */
  readonly source: string;
  /** Literal text every match starts with, one per top-level alternative; empty when any lacks one. */
  readonly prefixes: readonly string[];
  /** True when the pattern starts with `^`: it only ever matches at the start of a value. */
  readonly startAnchored: boolean;
  /** When the pattern ends in an unbounded run of these characters, a match is extended over them. */
  readonly tail: CharSet | null;
}

/**
 * Parses and vets a pattern that `new RegExp(source)` has already accepted. Throws PatternError
 * with a reason a user can act on.
 */
export function vetPattern(source: string): VettedPattern {
  if (source.length > MAX_SOURCE) throw new PatternError(`the pattern is ${source.length} characters long; the limit is ${MAX_SOURCE}`);
  const parser = new Parser(source);
  const root = parser.parseAlt();
  check(root);
  const edits: Edit[] = [];
  const alts = root.t === 'alt' ? root.alts : [root];
  const first = alts.length === 1 && alts[0]!.t === 'seq' ? alts[0]!.items[0] : undefined;
  // A match that could start inside a run of the leading class could also start where the run
  // starts, so attempts inside the run are pointless: without this, `[a-z]+X` costs O(n²) on a
  // long run. With attempts only at run starts the leading run needs no cap.
  const leading = first?.t === 'quant' && first.max === Infinity && first.body.t === 'chars' ? first : null;
  if (leading?.body.t === 'chars') {
    edits.push({ at: leading.body.start, end: leading.body.start, text: `(?<!${source.slice(leading.body.start, leading.body.end)})` });
  }
  collectCaps(root, leading, edits);
  edits.sort((a, b) => b.at - a.at);
  let rewritten = source;
  for (const e of edits) rewritten = rewritten.slice(0, e.at) + e.text + rewritten.slice(e.end);
  const prefixes = alts.map(literalPrefix);
  const startAnchored = alts.every((a) => a.t === 'seq' && a.items[0]?.t === 'assert' && a.items[0].kind === '^');
  const last = alts.length === 1 && alts[0]!.t === 'seq' ? alts[0]!.items.at(-1) : undefined;
  const tail = last?.t === 'quant' && last.max === Infinity && last.body.t === 'chars' ? last.body.set : null;
  return { source: rewritten, prefixes: prefixes.every((p) => p.length >= 2) ? prefixes : [], startAnchored, tail };
}

interface Edit {
  readonly at: number;
  readonly end: number;
  readonly text: string;
}

function collectCaps(node: Node, leading: Node | null, edits: Edit[]): void {
  switch (node.t) {
    case 'quant':
      if (node.max === Infinity && node !== leading) edits.push({ at: node.qStart, end: node.qEnd, text: `{${node.min},${Math.max(node.min, MATCH_WINDOW)}}` });
      collectCaps(node.body, leading, edits);
      return;
    case 'group':
      collectCaps(node.body, leading, edits);
      return;
    case 'seq':
      node.items.forEach((n) => collectCaps(n, leading, edits));
      return;
    case 'alt':
      node.alts.forEach((n) => collectCaps(n, leading, edits));
      return;
    default:
  }
}

function literalPrefix(node: Node): string {
  if (node.t !== 'seq') return '';
  let prefix = '';
  for (const item of node.items) {
    if (item.t === 'assert' && prefix === '') continue;
    if (item.t === 'group' && item.look && prefix === '') continue;
    const single = item.t === 'chars' ? item.set.single() : null;
    if (single === null) break;
    prefix += single;
  }
  return prefix;
}
