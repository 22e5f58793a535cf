/**
 * `name = value` in all the ways an agent's workspace writes it: `.env` and shell (`export
 * API_TOKEN=…`), YAML (`password: …`), JSON and Python dicts (`"password": "…"`), query strings
 * (`?token=…`), command-line flags (`--password …`) and code (`const apiKey = "…"`). The scan
 * starts at a keyword anchor inside the name and reads a bounded stretch either side of it.
 */
import { charTable, inTable, looksRandom, runEnd, runStart } from './rule.js';

const NAME = charTable('A-Za-z0-9_.-');
const MAX_NAME = 64;
const MAX_VALUE = 4096;
const UNQUOTED_STOP = charTable(' \t\r\n"\'`,;&)]}<>|');
const FLOW_STOP = charTable(' \t\r\n"\'`,;&)]}<>|#');

export interface Assignment {
  readonly name: string;
  readonly nameEnd: number;
  readonly valueStart: number;
  readonly valueEnd: number;
}

/** Values that name a secret without being one: references, types, empties, earlier placeholders. */
const NOT_A_VALUE = /^(?:null|none|nil|undefined|true|false|yes|no|on|off|~|[|>][-+]?|\*+|x{3,}|\.{3}|…|str|string|int|integer|number|bool|boolean|bytes|any|unknown|object|optional|secretstr|secretstring|required|env|redacted)$/i;
const REFERENCE = /^(?:\$|%\(|%s$|%\w+%$|\{\{|<%|<[^>]*>$|\[REDACTED)/;
const DOTTED_IDENTIFIER = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/;
/** `os.environ[…]`, `getenv(…)`, `Optional[str]`: code that fetches or types a secret. */
const CODE_ACCESS = /^[A-Za-z_$][\w$.]*[([]/;
const MASKED = /^(?:\*+|x{3,}|\.{3}|…)$/i;

function isSpace(code: number): boolean {
  return code === 32 || code === 9;
}

function skipSpaces(text: string, from: number, max = 8): number {
  let i = from;
  while (i < text.length && i - from < max && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/**
 * Reads the assignment whose name holds position `at`. Returns the resume index (the end of the
 * name) when there is none: every other anchor inside the same name would find the same thing.
 */
export function parseAssignment(text: string, at: number, accept: (name: string) => boolean): Assignment | number {
  const left = runStart(text, at, NAME, MAX_NAME + 1);
  const right = runEnd(text, at, NAME, at + MAX_NAME + 1);
  if (at - left > MAX_NAME || right - at > MAX_NAME) return right;
  let nameStart = left;
  while (nameStart < right && text.charCodeAt(nameStart) === 45) nameStart++;
  const dashes = nameStart - left;
  // `scheme://user:password@host` is url_password's: the user part is not a name.
  if (nameStart === right || text.startsWith('://', left - 3)) return right;
  const name = text.slice(nameStart, right);
  if (!accept(name)) return right;

  const before = text.charCodeAt(left - 1);
  let quote = '';
  if ((before === 34 || before === 39) && text.charCodeAt(right) === before) quote = text[right]!;
  else if (before === 34 && text.charCodeAt(left - 2) === 92 && text.startsWith('\\"', right)) quote = '\\"';
  let i = skipSpaces(text, right + quote.length);
  const sep = text.charCodeAt(i);
  let form: 'equals' | 'colon' | 'flag';
  if (sep === 61) {
    const next = text.charCodeAt(i + 1);
    if (next === 61 || next === 62 || next === 126) return right;
    form = 'equals';
    i++;
  } else if (sep === 58) {
    const next = text.charCodeAt(i + 1);
    if (next === 58 || next === 47) return right;
    form = 'colon';
    i += next === 61 ? 2 : 1;
  } else if (dashes === 2 && i > right && !quote) {
    form = 'flag';
  } else {
    return right;
  }
  const valueStart = skipSpaces(text, i);
  const value = readValue(text, valueStart, form === 'colon' && !quote ? structuralContext(text, left) : null);
  if (!value) return right;
  // After `--password`, a word starting with '-' is the next flag.
  if (form === 'flag' && text.charCodeAt(value[0]) === 45) return right;
  const [start, end, quoted] = value;
  const raw = text.slice(start, end);
  if (!quoted) {
    if (NOT_A_VALUE.test(raw) || REFERENCE.test(raw) || DOTTED_IDENTIFIER.test(raw) || CODE_ACCESS.test(raw)) return right;
    const after = text.charCodeAt(end);
    if (after === 40 || after === 91) return right;
    // "The password: it expires" is prose, not YAML: mid-line `name: value` needs a credential-looking value.
    if (form === 'colon' && structuralContext(text, left) === 'prose' && !(raw.length >= 8 && looksRandom(raw))) return right;
  } else if (REFERENCE.test(raw) || MASKED.test(raw)) {
    return right;
  }
  return { name, nameEnd: right, valueStart: start, valueEnd: end };
}

type Context = 'line' | 'quoted' | 'flow' | 'prose';

/**
 * Where an unquoted `name:` stands: at a line's start (YAML, headers) or a quoted string's start
 * (`"password: …"`), inside `{…}`/`[…]`, or in prose.
 */
function structuralContext(text: string, nameStart: number): Context {
  let p = nameStart - 1;
  while (p >= 0 && isSpace(text.charCodeAt(p))) p--;
  if (p < 0) return 'line';
  const c = text.charCodeAt(p);
  if (c === 10 || c === 13) return 'line';
  if (c === 34 || c === 39) return 'quoted';
  if (c === 45 && (p === 0 || text.charCodeAt(p - 1) === 10 || isSpace(text.charCodeAt(p - 1)))) return 'line';
  if (c === 123 || c === 44 || c === 91) return 'flow';
  return 'prose';
}

/** The value's stretch, or null when there is none. YAML lines take the rest of the line, comments aside. */
function readValue(text: string, at: number, context: Context | null): [number, number, boolean] | null {
  const c = text.charCodeAt(at);
  if (c === 34 || c === 39 || c === 96) return quotedValue(text, at + 1, text[at]!);
  if (c === 92 && text.charCodeAt(at + 1) === 34) {
    // Searched in a bounded window: an open-ended indexOf per anchor would be quadratic.
    const window = text.slice(at + 2, at + 2 + MAX_VALUE);
    const close = window.indexOf('\\"');
    if (close <= 0 || window.lastIndexOf('\n', close) >= 0) return null;
    return [at + 2, at + 2 + close, true];
  }
  let end: number;
  if (context === 'quoted') {
    // `"password: a b c"`: the value runs to the closing quote.
    const quote = text[quoteBefore(text, at)] ?? '"';
    const rest = text.slice(at, at + MAX_VALUE);
    const close = rest.search(quote === "'" ? /['\n]/ : /["\n]/);
    end = at + (close < 0 ? rest.length : close);
    while (end > at && isSpace(text.charCodeAt(end - 1))) end--;
  } else if (context === 'line') {
    const line = text.slice(at, at + MAX_VALUE);
    const nl = line.indexOf('\n');
    end = at + (nl < 0 ? line.length : nl);
    const comment = line.indexOf(' #');
    if (comment >= 0 && at + comment < end) end = at + comment;
    while (end > at && (isSpace(text.charCodeAt(end - 1)) || text.charCodeAt(end - 1) === 13)) end--;
  } else {
    end = at;
    const stop = context === 'flow' ? FLOW_STOP : UNQUOTED_STOP;
    const limit = Math.min(text.length, at + MAX_VALUE);
    while (end < limit && !inTable(stop, text.charCodeAt(end))) end++;
  }
  return end > at ? [at, end, false] : null;
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

function quotedValue(text: string, from: number, quote: string): [number, number, boolean] | null {
  const limit = Math.min(text.length, from + MAX_VALUE);
  for (let i = from; i < limit; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === quote) return i > from ? [from, i, true] : null;
    else if (c === '\n' && quote !== '`') return null;
  }
  return null;
}
