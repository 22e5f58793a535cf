/** The leak scan's line readers: a line's start and end, raw or JSON-escaped (an export's strings hold `\n`), indents and spaces. */

/**
 * The next `word` in `text` at or after `from`, found by `piece`, its part at `offset`: V8's indexOf
 * is several times slower for needles of seven characters or more, and for needles led by a
 * common letter, than for a short one led by a rare character (`-stdin` for `--password-stdin`).
 */
export function nextWord(text: string, word: string, piece: string, offset: number, from: number): number {
  for (let i = text.indexOf(piece, from + offset); i >= 0; i = text.indexOf(piece, i + 1)) {
    if (i >= offset && text.startsWith(word, i - offset)) return i - offset;
  }
  return -1;
}

/** Where the line break at `i` ends (`\n`, `\r\n`, JSON's `\n` whose backslash the quote skip took), or -1. */
export function lineBreakEnd(text: string, i: number): number {
  if (text.charCodeAt(i) === 10) return i + 1;
  if (text.charCodeAt(i) === 13 && text.charCodeAt(i + 1) === 10) return i + 2;
  if (text.charCodeAt(i - 1) === 92 && text[i] === 'n') return i + 1;
  if (text.charCodeAt(i - 1) === 92 && text[i] === 'r' && text.startsWith('\\n', i + 1)) return i + 3;
  return -1;
}

/** Where the line from `from` ends: its raw or JSON-escaped line break, or LINE_REACH * 4 on. */
export function lineEndAfter(text: string, from: number): number {
  let i = from;
  while (i < text.length && i - from < LINE_REACH * 4 && text.charCodeAt(i) !== 10 && !(text.charCodeAt(i) === 92 && text[i + 1] === 'n')) i++;
  return i;
}

/** Spaces and tabs from `from`. */
export function indentAt(text: string, from: number): number {
  let i = from;
  while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
  return i - from;
}

/** How far one text's section walks have read. */
export interface SectionWalk {
  read: number;
}

export const LINE_REACH = 256;

/** Start of the line holding `at` (after a newline, or a literal `\n` in JSON), looking back at most LINE_REACH. */
export function lineStartBefore(text: string, at: number): number {
  let i = at;
  while (i > 0 && at - i < LINE_REACH && text.charCodeAt(i - 1) !== 10 && !text.startsWith('\\n', i - 2)) i--;
  return i;
}

export function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/** Past spaces, tabs and line breaks from `i`, raw or JSON-escaped (`\n`, `\t`): an export's JSON string holds the statement. */
export function skipSpaces(text: string, i: number, limit: number): number {
  for (;;) {
    if (i < limit && isSpace(text.charCodeAt(i))) i++;
    else if (i + 1 < limit && text.charCodeAt(i) === 92 && 'nrt'.includes(text[i + 1]!)) i += 2;
    else return i;
  }
}

/** `printf` and its format's opening quote (raw, JSON-escaped or CSV-doubled), then the format's text up to a `\n`'s backslashes. */
const PRINTF_OPEN = /(?:^|[\s;&|(`"'])printf[ \t]+(?:\\*["']|"")[^"'\n]{0,256}$/;

/** Whether the JSON-escaped line break ending at `at` (`…\n|`) is a printf format's `\n` (`printf 'PW\n' |`, the export's `printf 'PW\\n' |`). */
export function printfBreak(text: string, at: number): boolean {
  let end = at - 1;
  while (end > 0 && at - end < 10 && text.charCodeAt(end - 1) === 92) end--;
  if (end === at - 1) return false;
  // Bounded: lastIndexOf on the text itself would read back to its start where no printf is.
  const window = text.slice(Math.max(0, end - 300), end);
  const printf = window.lastIndexOf('printf');
  return printf >= 0 && PRINTF_OPEN.test(window.slice(Math.max(0, printf - 1)));
}

/** lineStartBefore, going on past a printf format's `\n` (four at most): a command piped from `printf 'PW\n'` is one line. */
export function commandLineStart(text: string, at: number): number {
  let start = lineStartBefore(text, at);
  for (let n = 0; n < 4 && start >= 2 && text.charCodeAt(start - 1) === 110 && printfBreak(text, start); n++) start = lineStartBefore(text, start - 2);
  return start;
}
