/**
 * A secret written in a sentence, as chat logs and notes write it: `The new password: letmein`,
 * `Created user bob. password: letmein`, `The new password is: letmein`, `The token is "…"`.
 * Code writes the same shape for types and arguments (`val password: String`,
 * `fn f(password: String)`, `token: tokenFromEnv`), so the words before the name must read as
 * prose, and the value must be one plain word that ends its sentence or clause. Also the word after
 * a summary's arrow (`password → …`, `New API key → \`…\``).
 */
import type { Assignment } from './assignment.js';
import { MASKED, NOT_A_VALUE, REFERENCE } from './not-a-value.js';
import { looksRandom } from './rule.js';
import { isQuote, isSpace, quotedValue, skipSpaces } from './text-scan.js';

/**
 * Code before a name on its line: calls, blocks, operators, strings, templates, a member
 * (`User.new password: …`, Ruby's call without brackets) or a snake_case identifier.
 */
const CODE_BEFORE = /[(){}[\]=;<>`"|&$?\\]|\w\.[A-Za-z_]|[A-Za-z0-9]_\w/;
/** A declaration's keyword or an annotation right before the name: `val password:`, `pub token:`, `@param secret:`. */
const KEYWORD_BEFORE = /(?:^|[^\w@])(?:val|var|let|const|pub|fn|func|def|lambda|private|public|protected|internal|readonly|static|final|lateinit|override|export|declare|field|mut|case|default|return|open|abstract|required|optional|param|arg|prop|property|attr|for|in|as|@\w+)[ \t]+$/i;
/** Where a sentence or clause goes on after the value: its end, the line's or string's end, the next sentence, a parenthesis. */
const ENDS_CLAUSE = /^[.!?:]*[ \t]{0,8}(?:$|\r|\n|\\n|\\?["'])|^[.!?;,:][ \t]+\S|^[ \t]+(?:\(|--?[ \t]|—)/;
/** Header names, said of in prose (`a Set-Cookie: header`), and cookies: no password in a sentence. */
const HEADER_NAME = /-|cookies?$|authorization$|bearer$/i;
/** Words that say what became of a secret, not what it is: `token: expired`, `password: unchanged`. */
const STATE_WORD = /^(?:empty|blank|hidden|masked|redacted|removed|omitted|unchanged|changed|updated|reset|rotated|revoked|expired|invalid|valid|missing|unset|set|same|default|generated|provided|required|optional|stored|saved|encrypted|hashed|sent|ok|okay|none|na|tbd|todo|unknown|see|below|above|here|there|it|this|that)$/i;

/**
 * True when the words from the line's start to `nameStart` are prose: some letters, no code
 * characters, a space right before the name and no declaration keyword; or, with `lineStart`, no
 * words at all; and the name is no header's.
 */
export function prosePrefix(text: string, name: string, nameStart: number, lineStart = false): boolean {
  if (HEADER_NAME.test(name)) return false;
  if (lineStart && startsLine(text, nameStart)) return true;
  if (!/[ \t]/.test(text[nameStart - 1] ?? '')) return false;
  let from = nameStart;
  while (from > 0 && nameStart - from < 256 && text.charCodeAt(from - 1) !== 10 && !(text.charCodeAt(from - 1) === 110 && text.charCodeAt(from - 2) === 92) && !stringStart(text, from - 1)) from--;
  const before = text.slice(from, nameStart);
  return /[A-Za-z]/.test(before) && !CODE_BEFORE.test(before) && !KEYWORD_BEFORE.test(before);
}

/** Nothing but a list marker or spaces between `at` and its line's (or string's) start. */
function startsLine(text: string, at: number): boolean {
  let p = at;
  while (p > 0 && at - p < 8 && /[ \t*>-]/.test(text[p - 1]!)) p--;
  return p === 0 || text.charCodeAt(p - 1) === 10 || (text.charCodeAt(p - 1) === 110 && text.charCodeAt(p - 2) === 92) || stringStart(text, p - 1);
}

/** A quote opening a string of a JSON document or a list (`"content":"…`, `["…`): prose inside starts after it. */
function stringStart(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  if (c !== 34 && c !== 39) return false;
  let p = at - 1;
  while (p >= 0 && at - p < 8 && isSpace(text.charCodeAt(p))) p--;
  return /[:[,{]/.test(text[p] ?? '');
}

/**
 * The stretch of a plain value at [start, end) once sentence punctuation is trimmed, when it reads
 * as a secret in prose: no type (`String`, `SecretStr`), identifier (`tokenFromEnv`, `api_key`),
 * the name itself (`password: password`), a state (`expired`), a path or a number.
 */
export function proseWord(text: string, name: string, start: number, end: number): [number, number] | null {
  let e = end;
  while (e > start && /[.!?:]/.test(text[e - 1]!)) e--;
  const word = text.slice(start, e);
  if (word.length < 4 || word.length > 64 || !ENDS_CLAUSE.test(text.slice(e, e + 16))) return null;
  if (NOT_A_VALUE.test(word) || REFERENCE.test(word) || MASKED.test(word) || STATE_WORD.test(word)) return null;
  if (/^[A-Z][A-Za-z]*$|^[a-z]+[A-Z][A-Za-z]*$|^[A-Za-z]+(?:_[A-Za-z]+)+$/.test(word)) return null;
  if (/^[\d.,:]+$|^[~/.\-]|^\w+:|[\\/@]/.test(word)) return null;
  if (word.toLowerCase() === name.toLowerCase() || name.toLowerCase().endsWith(`_${word.toLowerCase()}`)) return null;
  return [start, e];
}

/**
 * `password is: letmein`, `password is hunter2.`, `the token is "…"` at `at` (the `is`): after a
 * bare `is`, only a quoted value or one holding letters and digits (`The password is required`
 * is prose about it).
 */
export function proseIs(text: string, name: string, nameStart: number, at: number): [number, number] | null {
  const colon = text.charCodeAt(at + 2) === 58;
  const v = skipSpaces(text, at + (colon ? 3 : 2));
  // At a line's start too (`Password is hunter2.`): code does not write `name is value`.
  if (v === at + (colon ? 3 : 2) || !prosePrefix(text, name, nameStart, true)) return null;
  const c = text.charCodeAt(v);
  if (isQuote(c) || c === 96) {
    const q = quotedValue(text, v + 1, text[v]!);
    if (!q || q[1] - q[0] < 4 || q[1] - q[0] > 256) return null;
    const literal = text.slice(q[0], q[1]);
    // Code in backticks (`args[token.index]`, `req.body.token`) is no value.
    if (/[\s()[\]{}<>]/.test(literal) || /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(literal)) return null;
    return NOT_A_VALUE.test(literal) || REFERENCE.test(literal) || MASKED.test(literal) ? null : [q[0], q[1]];
  }
  let end = v;
  while (end < text.length && end - v < 256 && !/[\s,;)\]}'"`<>|]/.test(text[end]!)) end++;
  const word = proseWord(text, name, v, end);
  if (!word) return null;
  return colon || (/[0-9]/.test(text.slice(word[0], word[1])) && /[A-Za-z]/.test(text.slice(word[0], word[1]))) ? word : null;
}

/** The word after an arrow (`password → …`), when it looks generated and no further arrow follows (`Password → Settings → Security`). */
export function arrowValue(text: string, name: string, right: number, from: number): Assignment | number {
  const at = skipSpaces(text, from);
  if (at === from) return right;
  let start = at;
  let end: number;
  if (isQuote(text.charCodeAt(at)) || text.charCodeAt(at) === 96) {
    const q = quotedValue(text, at + 1, text[at]!);
    if (!q) return right;
    [start, end] = q;
  } else {
    end = at;
    while (end < text.length && end - at < 256 && text.charCodeAt(end) > 32 && text.charCodeAt(end) < 127) end++;
    while (end > at && /[.,;:!?)]/.test(text[end - 1]!)) end--;
  }
  const value = text.slice(start, end);
  if (text.charCodeAt(skipSpaces(text, end + (start > at ? 1 : 0))) === 0x2192) return right;
  if (value.length < 6 || !/^[\x21-\x7e]+$/.test(value) || REFERENCE.test(value) || MASKED.test(value)) return right;
  // A plain word (`password → hunter2x`) ends its line, a full stop aside, and is no UI label (`Settings`), a name of
  // words (`access_token`, `user.password`) or a type or state the arrow maps to.
  if (!looksRandom(value)) {
    const after = skipSpaces(text, end + (start > at ? 1 : 0));
    const c = text.charCodeAt(after);
    const ends = after >= text.length || c === 10 || c === 13 || ((c === 46 || c === 33) && /^[.!][ \t]*(?:\r?\n|$)/.test(text.slice(after, after + 4)));
    if (!ends || (start === at && !/^[a-z0-9][\w!@#$%^&*+=.-]*$/.test(value)) || /^[a-z]+(?:[_.-][a-z]+)+$/.test(value) || ARROW_NOT_A_VALUE.test(value)) return right;
  }
  return { name, nameEnd: right, valueStart: start, valueEnd: end };
}

/** What an arrow after a secret's name maps it to when describing it, not its value: types, states, treatments. */
const ARROW_NOT_A_VALUE = /^(?:string|str|number|int|integer|boolean|bool|bytes|object|any|null|none|undefined|true|false|hash(?:ed)?|bcrypt|argon2|sha\d*|md5|reset|rotated|revoked|expired|valid|invalid|required|optional|redacted|masked|hidden|encrypted|secret|changed|updated|removed|deleted|empty|unset)$/i;
