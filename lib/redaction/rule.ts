/**
 * What a compiled rule is, and the character tables the built-in matchers share. Matchers are
 * hand-written scans over these tables rather than regexes, so no value can make them backtrack:
 * each examines a bounded stretch of text around the anchor that triggered it.
 */

/** Words the CLI summary counts in ("15 API keys replaced with [REDACTED]"). */
export type Category = 'API keys' | 'tokens' | 'secrets' | 'passwords' | 'private keys' | 'search index values' | 'file paths' | 'e-mail addresses' | 'user names' | 'custom matches';

export type RuleKind = 'column' | 'content' | 'column+content' | 'allow';

/** What a manifest, `--plan` and the summary may say about a rule: never a value. */
export interface RuleInfo {
  readonly name: string;
  readonly kind: RuleKind;
  readonly category: Category;
  readonly description: string;
  readonly source: 'default' | 'config';
}

/** A stretch of a value to replace: with the placeholder, or (paths) with `replacement`. */
export interface Span {
  start: number;
  end: number;
  rule: ContentRule;
  replacement?: string;
}

export interface ContentRule {
  readonly info: RuleInfo;
  /** Lower wins when two rules claim overlapping text; also indexes per-value scratch arrays. */
  priority: number;
  /** Literals one of which starts (or, for context rules, sits inside) every match. Empty: scan whole values. */
  readonly anchors: readonly string[];
  /** The anchors match as written (the matcher checks its prefix, case and all): the pre-filter need not look for them in other cases. */
  readonly caseSensitive?: boolean;
  /** Pushes the spans found at anchor `at`; returns the index before which further hits of this rule add nothing. */
  find(text: string, at: number, out: Span[]): number;
  /** True when a reviewed false positive must be kept. */
  readonly allow: ((secret: string) => boolean) | null;
  /** A config rule's own replacement text, used instead of the placeholder. */
  readonly replacement: string | null;
}

/** A built-in content rule; `find` gets the rule itself, to name it in the spans it pushes. */
export function builtInRule(name: string, category: Category, description: string, anchors: readonly string[], find: (self: ContentRule) => ContentRule['find'], caseSensitive = false): ContentRule {
  const rule: ContentRule = { info: { name, kind: 'content', category, description, source: 'default' }, priority: 0, anchors, caseSensitive, find: () => 0, allow: null, replacement: null };
  rule.find = find(rule);
  return rule;
}

/** A lookup table over ASCII: 1 for members. */
export type CharTable = Uint8Array;

export function charTable(ranges: string): CharTable {
  const t = new Uint8Array(128);
  for (let i = 0; i < ranges.length; i++) {
    if (ranges[i + 1] === '-' && i + 2 < ranges.length) {
      for (let c = ranges.charCodeAt(i); c <= ranges.charCodeAt(i + 2); c++) t[c] = 1;
      i += 2;
    } else {
      t[ranges.charCodeAt(i)] = 1;
    }
  }
  return t;
}

export const ALNUM = charTable('A-Za-z0-9');
export const URLSAFE = charTable('A-Za-z0-9_-');
export const WORDISH = charTable('A-Za-z0-9_.-');
export const BASE64 = charTable('A-Za-z0-9+/=');
export const UPPER_DIGIT = charTable('A-Z0-9');
export const HEX_LOWER = charTable('0-9a-f');

export function inTable(table: CharTable, code: number): boolean {
  return code < 128 && table[code] === 1;
}

const HEX_DIGIT = charTable('0-9A-Fa-f');

/**
 * True when `at` starts text of its own: at the start, after a character outside `table`, or
 * right after an escape that stands for a separator — `\n` `\t` `\r` `\b` `\f` (a log line or
 * truncated output holding JSON's escapes without being JSON: `"Logged in\nghp_…"`), `\u0020`,
 * or URL encoding (`q=token%20ghp_…`). Their last character is a letter or digit, which would
 * otherwise glue them to what follows.
 */
export function startsAfterBoundary(text: string, at: number, table: CharTable): boolean {
  if (at === 0 || !inTable(table, text.charCodeAt(at - 1))) return true;
  const c = text.charCodeAt(at - 1);
  if (text.charCodeAt(at - 2) === 92 && (c === 110 || c === 116 || c === 114 || c === 98 || c === 102)) return true;
  if (at >= 3 && text.charCodeAt(at - 3) === 37 && inTable(HEX_DIGIT, text.charCodeAt(at - 2)) && inTable(HEX_DIGIT, c)) return true;
  return at >= 6 && text.charCodeAt(at - 6) === 92 && text.charCodeAt(at - 5) === 117 && runEnd(text, at - 4, HEX_DIGIT, at) === at;
}

/** End of the run of table members starting at `from`, looking no further than `limit`. */
export function runEnd(text: string, from: number, table: CharTable, limit = text.length): number {
  const stop = Math.min(limit, text.length);
  let i = from;
  while (i < stop) {
    const c = text.charCodeAt(i);
    if (c >= 128 || table[c] !== 1) break;
    i++;
  }
  return i;
}

/** Start of the run of table members ending just before `to`, looking back no further than `limit` characters. */
export function runStart(text: string, to: number, table: CharTable, limit: number): number {
  const stop = Math.max(0, to - limit);
  let i = to;
  while (i > stop) {
    const c = text.charCodeAt(i - 1);
    if (c >= 128 || table[c] !== 1) break;
    i--;
  }
  return i;
}

/** looksRandom judges a value by its first characters: a crafted run of anchors must not make every one of them read 4 KiB. */
const RANDOM_SAMPLE = 512;

/**
 * True for the random body of a generated credential, false for words, slugs and prose: it has
 * a digit next to letters, or a mix of cases. Random 20+ character bodies pass with near certainty,
 * and longer ones on their first RANDOM_SAMPLE characters.
 */
export function looksRandom(body: string): boolean {
  let digits = 0;
  let upper = 0;
  let lower = 0;
  const n = Math.min(body.length, RANDOM_SAMPLE);
  for (let i = 0; i < n; i++) {
    const c = body.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c >= 65 && c <= 90) upper++;
    else if (c >= 97 && c <= 122) lower++;
  }
  return (digits > 0 && upper + lower > 0) || (upper >= 3 && lower >= 3);
}

/** Case-insensitive startsWith for ASCII words. */
export function startsWithIgnoreCase(text: string, word: string, at: number): boolean {
  if (at + word.length > text.length) return false;
  for (let i = 0; i < word.length; i++) {
    if ((text.charCodeAt(at + i) | 0x20) !== (word.charCodeAt(i) | 0x20)) return false;
  }
  return true;
}
