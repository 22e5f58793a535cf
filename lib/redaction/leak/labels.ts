/**
 * A label ending its line (`Password:`, `**API key:**`, `Your new password:`) and its value alone on the next line, unindented;
 * a label before an arrow (`API key → …`, `Access token -> …`) and its value ending the line.
 */
import type { LeakHit } from '../leak-detector.js';
import { isCode } from './code-shape.js';
import { lineStartBefore } from './lines.js';
import { generated, hit, looksSecret, valueEnd } from './values.js';
import { NOT_A_LABEL, NOT_SECRET_KEY } from './words.js';

/** Before the label's secret word: a list marker or bold, then up to four words of letters and digits (no `_`: `GITHUB_TOKEN:` is a YAML key). */
const LABEL_HEAD = /^[ \t]*(?:[-*+>][ \t]+|\d{1,3}[.)][ \t]+)?(?:\*\*|__)?((?:[A-Za-z][A-Za-z0-9]*[ \t]+){0,4})$/;
/** The label's secret word, then `:` (bold around it), ending the line. */
const LABEL_WORD = /^(?:password|passphrase|secret|token|api[ -]?key|access[ -]?key|secret[ -]?key|private[ -]?key)(?:\*\*|__)?:(?:\*\*|__)?[ \t]*$/i;
/** Not a value below a label: words and numbers in capital case (a name: `AbcDef2Ghi`), an environment variable's name, a lowercase path. */
const NOT_A_VALUE = /^(?:(?:[A-Z][a-z]{2,}|[A-Z]+|\d+)+|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[a-z0-9_.-]+(?:\/[a-z0-9_.-]+)+)$/;

/** At a line's start, raw or JSON-escaped, or after an export string's or CSV field's opening quote. */
function labelLine(text: string, nameAt: number): string | null {
  const from = lineStartBefore(text, nameAt);
  if (!(from === 0 || text.charCodeAt(from - 1) === 10 || text.startsWith('\\n', from - 2))) return null;
  const line = text.slice(from, nameAt);
  const open = /(?:^|[:,] ?)"(?=[^"]*$)/.exec(line);
  return open ? line.slice(open.index + open[0].length) : line;
}

/**
 * The secret word at `nameAt` ends a label on its own line, the value standing unindented on
 * the line at `next`: its only word (backticks or quotes aside), when generated-looking.
 */
export function labelBelow(text: string, nameAt: number, next: number, hits: LeakHit[]): void {
  const head = labelLine(text, nameAt);
  if (head === null) return;
  const words = LABEL_HEAD.exec(head);
  if (!words || NOT_A_LABEL.test(words[1]!)) return;
  let eol = nameAt;
  while (eol < next && eol - nameAt < 64 && text.charCodeAt(eol) !== 10 && !text.startsWith('\\n', eol) && !text.startsWith('\\r', eol) && text.charCodeAt(eol) !== 13) eol++;
  if (!LABEL_WORD.test(text.slice(nameAt, eol))) return;
  let start = next;
  while (text.charCodeAt(start) === 32 || text.charCodeAt(start) === 9) start++;
  let quote = '';
  // CSV doubles a quote inside its field.
  if (text.startsWith('""', start)) {
    quote = '""';
    start += 2;
  } else if (text[start] === '`' || text[start] === "'" || text[start] === '"') quote = text[start++]!;
  else if (text.startsWith('\\"', start)) {
    quote = '\\"';
    start += 2;
  }
  const end = valueEnd(text, start);
  const value = text.slice(start, end);
  let after = end;
  if (quote !== '' && text.startsWith(quote, after)) after += quote.length;
  while (text.charCodeAt(after) === 32 || text.charCodeAt(after) === 9) after++;
  // Alone on its line: then a line break, the text's end or the export string's end.
  const c = text.charCodeAt(after);
  if (!(after >= text.length || c === 10 || c === 13 || text.startsWith('\\n', after) || text.startsWith('\\r', after) || (c === 34 && text.charCodeAt(after - 1) !== 92))) return;
  if (!looksSecret(value) || !generated(value) || NOT_A_VALUE.test(value) || value.endsWith(':') || isCode(value, text.charCodeAt(end))) return;
  hits.push(hit('secret_assignment', value, start, end));
}

/** A label before an arrow: a list marker or bold, up to four words, then the secret's word (bold closing it). */
const ARROW_LABEL = /^[ \t]*(?:[-*+>][ \t]+|\d{1,3}[.)][ \t]+)?(?:\*\*|__)?((?:[A-Za-z][A-Za-z0-9]*[ \t]+){0,4})(passw(?:or)?d|passphrase|secret|token|key)(?:\*\*|__)?[ \t]+$/i;
/** The secret's words that may end a label before its arrow. */
const ARROW_WORDS = ['password', 'passwd', 'passphrase', 'secret', 'token', 'key'];

/** Whether one of ARROW_WORDS ends right before the spaces (and bold) before the arrow at `at`. */
function arrowWord(text: string, at: number): boolean {
  let p = at;
  while (p > 0 && at - p < 4 && (text.charCodeAt(p - 1) === 32 || text.charCodeAt(p - 1) === 9)) p--;
  if (text.startsWith('**', p - 2) || text.startsWith('__', p - 2)) p -= 2;
  const last = text.charCodeAt(p - 1) | 0x20;
  // The words' last letters: d, e, t, n, y.
  if (last !== 100 && last !== 101 && last !== 116 && last !== 110 && last !== 121) return false;
  const tail = text.slice(Math.max(0, p - 10), p).toLowerCase();
  return ARROW_WORDS.some((w) => tail.endsWith(w));
}
/** The arrows a summary writes: `->`, and `→` as the character or as its UTF-8 bytes read as Latin-1 (as the export's worker reads them). */
const ARROWS = ['->', '\xe2\x86\x92', '\u2192'];

/**
 * What stands before the arrow at `at` on its line, when the line (raw or JSON-escaped) or an export
 * string's or CSV field's opening quote is within 100 characters (a label is a few words): null otherwise.
 */
function arrowHead(text: string, at: number): string | null {
  let i = at;
  for (; i > 0 && at - i < 100; i--) {
    const c = text.charCodeAt(i - 1);
    const b = text.charCodeAt(i - 2);
    if (c === 10 || (c === 110 && b === 92) || (c === 34 && (i === 1 || b === 58 || b === 44 || (b === 32 && text.charCodeAt(i - 3) === 58)))) return text.slice(i, at);
  }
  return i === 0 ? text.slice(0, at) : null;
}

/**
 * A label of words naming a secret at a line's start, then an arrow and a generated-looking value
 * ending the line (`API key → …`, `Access token -> …`, `- **Client secret** → \`…\``); one word only
 * before `→` (`password → …`), as the rules read them. `=>` is the main expression's.
 */
export function arrowLabels(text: string, hits: LeakHit[]): void {
  for (const arrow of ARROWS) {
    for (let at = text.indexOf(arrow); at >= 0; at = text.indexOf(arrow, at + arrow.length)) {
      const after = at + arrow.length;
      if (!(text.charCodeAt(at - 1) === 32 || text.charCodeAt(at - 1) === 9) || !(text.charCodeAt(after) === 32 || text.charCodeAt(after) === 9)) continue;
      // The secret's word right before the arrow first: `->` is most often code's (`$this->x`, `a -> b`), read back no further.
      if (!arrowWord(text, at)) continue;
      const head = arrowHead(text, at);
      const label = head === null ? null : ARROW_LABEL.exec(head);
      if (!label) continue;
      const words = label[1]!.trim();
      const word = label[2]!.toLowerCase();
      // One word is a label only before `→` and when it names the secret itself; `key` needs a word before it (`OpenAI key`, `API key`).
      if (words === '' ? arrow === '->' || word === 'key' : NOT_A_LABEL.test(words) || (word === 'key' && NOT_SECRET_KEY.has(words.split(/[ \t]+/).pop()!.toLowerCase()))) continue;
      let start = after;
      while (text.charCodeAt(start) === 32 || text.charCodeAt(start) === 9) start++;
      let quote = '';
      if (text.startsWith('""', start)) quote = '""';
      else if (text.startsWith('\\"', start)) quote = '\\"';
      else if (text[start] === '`' || text[start] === "'" || text[start] === '"') quote = text[start]!;
      start += quote.length;
      const end = valueEnd(text, start);
      const value = text.slice(start, end);
      let rest = end;
      if (quote !== '' && text.startsWith(quote, rest)) rest += quote.length;
      if (text[rest] === '.') rest++;
      while (text.charCodeAt(rest) === 32 || text.charCodeAt(rest) === 9) rest++;
      const c = text.charCodeAt(rest);
      if (!(rest >= text.length || c === 10 || c === 13 || text.startsWith('\\n', rest) || text.startsWith('\\r', rest) || (c === 34 && text.charCodeAt(rest - 1) !== 92))) continue;
      if (!looksSecret(value) || !generated(value) || NOT_A_VALUE.test(value) || isCode(value, text.charCodeAt(end))) continue;
      hits.push(hit('secret_assignment', value, start, end));
    }
  }
}
