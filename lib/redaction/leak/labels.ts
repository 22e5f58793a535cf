/** A label ending its line (`Password:`, `**API key:**`, `Your new password:`) and its value alone on the next line, unindented. */
import type { LeakHit } from '../leak-detector.js';
import { isCode } from './code-shape.js';
import { lineStartBefore } from './lines.js';
import { generated, hit, looksSecret, valueEnd } from './values.js';
import { NOT_A_LABEL } from './words.js';

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
