/**
 * Shell words for the command-line readers: where a word stops, what may stand before a command's
 * name, and one word, quoted or plain, read from a position.
 */
import { charTable, inTable, type CharTable } from './rule.js';
import { MAX_VALUE, isQuote, quotedValue, skipSpaces } from './text-scan.js';

/** Shell words end at whitespace, operators and quotes (a value inside a JSON string ends at its `"`). */
export const SHELL_STOP = charTable(' \t\r\n;&|<>()`"\'');
/** What may stand right before a command's name: a line's start, whitespace, a path's `/`, an operator or a quote. */
export const COMMAND_BEFORE = charTable(' \t\r\n/;&|(`"\'=');

export function runEndUntil(text: string, from: number, stop: CharTable, limit: number): number {
  let i = from;
  const max = Math.min(limit, text.length);
  while (i < max && !inTable(stop, text.charCodeAt(i))) i++;
  return i;
}

/** A shell word at `from` (after spaces): its text's span, whether it was quoted, and where the next word may start. */
export function shellWord(text: string, from: number, limit: number): { start: number; end: number; quoted: boolean; next: number } | null {
  const i = skipSpaces(text, from, 64);
  if (i >= limit || (inTable(SHELL_STOP, text.charCodeAt(i)) && !isQuote(text.charCodeAt(i)))) return null;
  if (isQuote(text.charCodeAt(i))) {
    const q = quotedValue(text, i + 1, text[i]!);
    return q ? { start: q[0], end: q[1], quoted: true, next: q[1] + 1 } : null;
  }
  const end = runEndUntil(text, i, SHELL_STOP, Math.min(limit, i + MAX_VALUE));
  return { start: i, end, quoted: false, next: end };
}

/** `printf` and its format's opening quote (raw, JSON-escaped or CSV-doubled), then the format's text up to a position. */
const PRINTF_OPEN = /(?:^|[\s;&|(`"'])printf[ \t]+(?:\\*["']|"")[^"'\n]{0,256}$/;

/**
 * Whether the `\n` whose backslash stands at `at` is a printf format's escape (`printf 'PW\n' |`,
 * `printf '%s\n' PW |`), not a line break JSON text writes as `\n`: a command's segment goes on past it.
 */
export function inPrintfFormat(text: string, at: number): boolean {
  // A JSON-escaped format writes the escape `\\n`: its first backslash is where the format's text ends.
  let end = at;
  while (end > 0 && at - end < 8 && text.charCodeAt(end - 1) === 92) end--;
  // Bounded: lastIndexOf on the text itself would read back to its start where no printf is.
  const window = text.slice(Math.max(0, end - 300), end);
  const printf = window.lastIndexOf('printf');
  return printf >= 0 && PRINTF_OPEN.test(window.slice(Math.max(0, printf - 1)));
}
