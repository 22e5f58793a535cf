/**
 * Where an assignment's value starts and ends once its separator is read: by context, quoted or
 * escaped, a prefixed or bracketed literal, a YAML block scalar or next line, a URL-encoded value.
 */
import { charTable, inTable, looksRandom, type CharTable } from './rule.js';
import { MAX_NAME, MAX_VALUE, indentAt, isQuote, isSpace, isWhitespace, quotedValue, skipGap } from './text-scan.js';

const MAX_BLOCK = 64 * 1024;
const UNQUOTED_STOP = charTable(' \t\r\n"\'`,;&)]}<>|');
const FLOW_STOP = charTable(' \t\r\n"\'`,;&)]}<>|#');

/** A string literal's prefix: Python's `b`, `r`, `u`, `f`, `rb`…, C#'s `@`, bash's `$`; C++'s `R"(`; `"""`; an opening bracket (Rust's `vec![`). */
const LITERAL_PREFIX = /^(?:R"\(|"""|([bBrRuUfF]{1,2}|@|\$)(?=["'])|(?:vec!)?[[({])/;
const CLOSER: Readonly<Record<string, string>> = { '[': ']', '(': ')', '{': '}' };

/**
 * The literal after a string prefix or an opening bracket at `at`: `b'…'`, `r"…"`, `@"…"`, `$'…'`,
 * `R"(…)"`, `"""…"""`, and a bracket holding only quoted literals (`["…"]`, `('…',)`, `{'…'}`,
 * `vec!["…"]`, pretty-printed too), whose first to last literal is the value (of several, when one looks
 * generated). `'template'` for an
 * f-string with a field (`f"{name}"`), null when there is no such literal (a bracket holding code).
 */
export function prefixedLiteral(text: string, at: number): [number, number, boolean] | 'template' | null {
  const m = LITERAL_PREFIX.exec(text.slice(at, at + 8));
  if (!m) return null;
  const lead = m[0];
  if (lead === 'R"(' || lead === '"""') {
    const close = lead === 'R"(' ? ')"' : '"""';
    const end = text.slice(at + 3, at + 3 + MAX_VALUE).indexOf(close);
    return end > 0 ? [at + 3, at + 3 + end, true] : null;
  }
  if (m[1] !== undefined) {
    const q = quotedValue(text, at + lead.length + 1, text[at + lead.length]!);
    if (!q) return null;
    if (/f/i.test(m[1]) && text.slice(q[0], q[1]).includes('{')) return 'template';
    return q;
  }
  // An opening bracket: quoted literals (each with a prefix or none) separated by commas, up to the closing bracket.
  const closer = CLOSER[lead[lead.length - 1]!]!;
  let i = skipGap(text, at + lead.length);
  let first = -1;
  let generated = false;
  for (let n = 0; n < 64; n++) {
    const p = /^(?:[bBrRuU]{1,2}|@)?["']/.exec(text.slice(i, i + 3));
    if (!p) return null;
    const q = quotedValue(text, i + p[0].length, text[i + p[0].length - 1]!);
    if (!q) return null;
    if (first < 0) first = q[0];
    if (q[1] - q[0] >= 8 && looksRandom(text.slice(q[0], q[1]))) generated = true;
    i = skipGap(text, q[1] + 1);
    const comma = text.charCodeAt(i) === 44;
    if (comma) i = skipGap(text, i + 1);
    // Several items are taken when one looks generated: `['read', 'write']` is a list of words.
    if (text[i] === closer) return n === 0 || generated ? [first, q[1], true] : null;
    if (!comma) return null;
  }
  return null;
}

/** Escapes that end a URL-encoded value: &, %, space, quotes, comma, semicolon, #, newlines, <, > and closing brackets. */
const ENCODED_STOP = /%(?:26|25|20|22|27|2c|3b|23|0a|0d|3c|3e|5d|7d)/i;

export function encodedValueEnd(text: string, from: number): number {
  let end = from;
  const limit = Math.min(text.length, from + MAX_VALUE);
  while (end < limit && !inTable(UNQUOTED_STOP, text.charCodeAt(end))) end++;
  const stop = text.slice(from, end).search(ENCODED_STOP);
  return stop < 0 ? end : from + stop;
}

/** One plain or quoted scalar alone on a line: no mapping key (`a: b`, `a:`), list item, comment, anchor, tag, block header or statement. */
const SCALAR_LINE = /^(?:"[^"\n]+"|'[^'\n]+'|[^\s"'#\-[\]{}&*!|>%@`,;][^\s]*)[ \t]*\r?$/;

/**
 * The value of a YAML key ending its line (at `eol`, the line break), when the next line holds one
 * scalar indented deeper than the key (`keyIndent`) and the line after it is no deeper (a wrapped
 * sentence or a nested block is no value). Its start, or -1.
 */
export function valueBelow(text: string, eol: number, keyIndent: number): number {
  const next = eol + (text.charCodeAt(eol) === 13 ? 2 : 1);
  const indent = indentAt(text, next);
  if (indent <= keyIndent) return -1;
  const start = next + indent;
  let end = start;
  while (end < text.length && end - start < MAX_VALUE && text.charCodeAt(end) !== 10) end++;
  const line = text.slice(start, end);
  if (!SCALAR_LINE.test(line) || /:\r?$/.test(line)) return -1;
  if (end < text.length) {
    const after = indentAt(text, end + 1);
    if (after > keyIndent) return -1;
  }
  return start;
}

/** A YAML block scalar's header: `|` or `>`, a chomping indicator, an indentation indicator. */
export const BLOCK_SCALAR = /^[|>](?:[-+]?[1-9]?|[1-9][-+])$/;

/**
 * The lines of a YAML block scalar: from the end of its header line, every line indented deeper
 * than its key (blank lines included), up to MAX_BLOCK characters (a PEM key fits). Returns the
 * stretch from the first character of the first line to the last of the last, or null when no
 * line follows.
 */
export function blockScalar(text: string, headerEnd: number, keyIndent: number): [number, number] | null {
  let i = headerEnd;
  while (i < text.length && i - headerEnd < MAX_VALUE && text.charCodeAt(i) !== 10) i++;
  if (text.charCodeAt(i) !== 10) return null;
  i++;
  const limit = Math.min(text.length, i + MAX_BLOCK);
  let start = -1;
  let end = -1;
  while (i < limit) {
    let p = i;
    while (p < limit && isSpace(text.charCodeAt(p))) p++;
    let eol = p;
    while (eol < limit && text.charCodeAt(eol) !== 10) eol++;
    let last = eol;
    while (last > p && (isSpace(text.charCodeAt(last - 1)) || text.charCodeAt(last - 1) === 13)) last--;
    if (last > p) {
      if (p - i <= keyIndent) break;
      if (start < 0) start = p;
      end = last;
    }
    i = eol + 1;
  }
  return start < 0 ? null : [start, end];
}

type Context = 'line' | 'quoted' | 'flow' | 'prose' | 'word' | 'conn';

/**
 * Where an unquoted `name:` stands: at a line's start (YAML, headers) or a quoted string's start
 * (`"password: …"`), inside `{…}`/`[…]`, or in prose.
 */
export function structuralContext(text: string, nameStart: number): Context {
  let p = nameStart - 1;
  while (p >= 0 && isSpace(text.charCodeAt(p))) p--;
  if (p < 0) return 'line';
  const c = text.charCodeAt(p);
  if (c === 10 || c === 13) return 'line';
  if (c === 34 || c === 39) return 'quoted';
  if (c === 45 && (p === 0 || text.charCodeAt(p - 1) === 10 || isSpace(text.charCodeAt(p - 1)))) return 'line';
  // curl -v marks request and response headers with `> ` and `< `.
  if ((c === 62 || c === 60) && (p === 0 || text.charCodeAt(p - 1) === 10)) return 'line';
  if (c === 123 || c === 44 || c === 91) return 'flow';
  return 'prose';
}

/** The value's stretch, or null when there is none. YAML lines take the rest of the line, comments aside. */
export function readValue(text: string, at: number, context: Context | null): [number, number, boolean] | null {
  const c = text.charCodeAt(at);
  if (c === 34 || c === 39 || c === 96) return quotedValue(text, at + 1, text[at]!);
  if (c === 92 && text.charCodeAt(at + 1) === 34) {
    // Searched in a bounded window: an open-ended indexOf per anchor would be quadratic.
    const window = text.slice(at + 2, at + 2 + MAX_VALUE);
    const close = window.indexOf('\\"');
    if (close <= 0 || window.lastIndexOf('\n', close) >= 0) return null;
    return [at + 2, at + 2 + close, true];
  }
  if (c === 38) {
    // HTML-escaped quotes (`password=&quot;…&quot;`, `&#39;…&#39;`): the value runs to the same reference on its line.
    const quote = /^&(?:quot|apos|#(?:34|39|x2[27]));/i.exec(text.slice(at, at + 7));
    if (quote) {
      const window = text.slice(at + quote[0].length, at + quote[0].length + MAX_VALUE);
      const close = window.indexOf(quote[0]);
      if (close <= 0 || window.lastIndexOf('\n', close) >= 0) return null;
      return [at + quote[0].length, at + quote[0].length + close, true];
    }
  }
  let end: number;
  if (context === 'quoted') {
    // `"password: a b c"`: the value runs to the closing quote.
    const open = quoteBefore(text, at);
    const quote = text[open] ?? '"';
    const rest = text.slice(at, at + MAX_VALUE);
    // Inside JSON text the quotes are escaped (`\"DB_PASSWORD=…\"`): the value ends at `\"` or an escaped newline.
    const escaped = open > 0 && text.charCodeAt(open - 1) === 92;
    let close = escaped ? rest.search(quote === "'" ? /\\'|\\n|\n/ : /\\"|\\n|\n/) : rest.search(quote === "'" ? /['\n]/ : /["\n]/);
    // A query string in quotes (`"token=abc&user=bob"`): the next parameter is no part of the value.
    const param = rest.slice(0, close < 0 ? rest.length : close).search(/&[A-Za-z_][\w.-]{0,32}=/);
    if (param > 0) close = param;
    end = at + (close < 0 ? rest.length : close);
    while (end > at && isSpace(text.charCodeAt(end - 1))) end--;
  } else if (context === 'line') {
    const window = text.slice(at, at + MAX_VALUE);
    const nl = window.indexOf('\n');
    const line = nl < 0 ? window : window.slice(0, nl);
    end = at + line.length;
    const comment = line.indexOf(' #');
    if (comment >= 0 && at + comment < end) end = at + comment;
    while (end > at && (isSpace(text.charCodeAt(end - 1)) || text.charCodeAt(end - 1) === 13)) end--;
  } else if (context === 'conn') {
    end = at;
    const limit = Math.min(text.length, at + MAX_VALUE);
    while (end < limit && !isWhitespace(text.charCodeAt(end)) && !isQuote(text.charCodeAt(end)) && text.charCodeAt(end) !== 59 && text.charCodeAt(end) !== 96) end++;
  } else if (context === 'word') {
    end = at;
    const limit = Math.min(text.length, at + MAX_VALUE);
    while (end < limit && !isWhitespace(text.charCodeAt(end))) end++;
    end = trimClosers(text, at, end);
  } else {
    end = stopAt(text, at, context === 'flow' ? FLOW_STOP : UNQUOTED_STOP, Math.min(text.length, at + MAX_VALUE));
  }
  return end > at ? [at, end, false] : null;
}

/** What the last stopAt learned: no stop character in [from, end) of text; `found`: text[end] is one (or the text ends there). */
let stops: { text: string; table: CharTable; from: number; end: number; found: boolean } | null = null;

/**
 * The first stop character at or after `at`, before `limit`. Remembers how far it read, so the
 * anchors of a run without one (`token:token:token:…`) do not each read it again: a value
 * costs its length once, not once per anchor inside it.
 */
function stopAt(text: string, at: number, table: CharTable, limit: number): number {
  let i = at;
  let from = at;
  if (stops !== null && stops.table === table && stops.text === text && stops.from <= at && at <= stops.end) {
    if (stops.found) return Math.min(stops.end, limit);
    i = Math.min(stops.end, limit);
    from = stops.from;
  }
  while (i < limit && !inTable(table, text.charCodeAt(i))) i++;
  stops = { text, table, from, end: i, found: i < limit || i >= text.length };
  return i;
}

const OPENER: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' };

/**
 * A word's end without what closes around it: a trailing `,` or `;`, a bracket it never opened,
 * a quote left unpaired (`f(password=hashed);` gives `hashed`; `aB3)x(` keeps its own brackets).
 */
function trimClosers(text: string, start: number, end: number): number {
  for (;;) {
    const last = text[end - 1];
    if (end <= start || last === undefined) return end;
    const word = text.slice(start, end);
    const opener = OPENER[last];
    const unpaired =
      last === ',' || last === ';' ||
      (opener !== undefined && word.split(opener).length < word.split(last).length) ||
      ((last === '"' || last === "'" || last === '`') && word.split(last).length % 2 === 0);
    if (!unpaired) return end;
    end--;
  }
}

/** Index of the quote that opens the string holding position `at` on its line (the name's opening quote). */
function quoteBefore(text: string, at: number): number {
  for (let i = at - 1; i >= 0 && at - i < MAX_NAME + 16; i--) {
    const c = text.charCodeAt(i);
    if (c === 34 || c === 39) return i;
    if (c === 10) break;
  }
  return -1;
}
