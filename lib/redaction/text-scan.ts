/**
 * Small readers of positions in text, shared by the redaction rules: spaces and gaps, a line's
 * start and indentation, a quoted string's stretch, and the bounds on a name and a value.
 */
import { charTable } from './rule.js';

export const NAME = charTable('A-Za-z0-9_.-');
export const MAX_NAME = 64;
export const MAX_VALUE = 4096;

/** The index of the last non-space character at or before `at`. */
export function skipSpacesBack(text: string, at: number): number {
  let i = at;
  while (i >= 0 && at - i < 8 && isSpace(text.charCodeAt(i))) i--;
  return i;
}

export function isSpace(code: number): boolean {
  return code === 32 || code === 9;
}

/**
 * Past spaces, tabs and line breaks, raw or JSON-escaped (`\\n`, `\\r`, `\\t`): the gap between an
 * argument list's elements, read forwards (`step` 1) or backwards (-1) from `from`, up to 64 of them.
 * Returns where it ends (backwards: the index after the last character that is no gap).
 */
export function skipGap(text: string, from: number, step: 1 | -1 = 1): number {
  let i = from;
  for (let n = 0; n < 64; n++) {
    const c = text.charCodeAt(step > 0 ? i : i - 1);
    if (c === 32 || c === 9 || c === 10 || c === 13) i += step;
    else if (step > 0 && c === 92 && /[nrt]/.test(text[i + 1] ?? '')) i += 2;
    else if (step < 0 && text.charCodeAt(i - 2) === 92 && (c === 110 || c === 114 || c === 116)) i -= 2;
    else break;
  }
  return i;
}

export function skipSpaces(text: string, from: number, max = 8): number {
  let i = from;
  while (i < text.length && i - from < max && isSpace(text.charCodeAt(i))) i++;
  return i;
}

export function isLineBreak(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  return c === 10 || (c === 13 && text.charCodeAt(at + 1) === 10);
}

/** Indentation of the line starting at `at`, or -1 when it is blank. */
export function indentAt(text: string, at: number): number {
  let p = at;
  while (p < text.length && p - at < 256 && isSpace(text.charCodeAt(p))) p++;
  return p >= text.length || isLineBreak(text, p) ? -1 : p - at;
}

export function isQuote(code: number): boolean {
  return code === 34 || code === 39;
}

/** Start of the line holding `at`, looking back no further than 256 characters. */
export function lineStart(text: string, at: number): number {
  let i = at;
  while (i > 0 && at - i < MAX_NAME * 4 && text.charCodeAt(i - 1) !== 10) i--;
  return i;
}

export function isWhitespace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

export function quotedValue(text: string, from: number, quote: string): [number, number, boolean] | null {
  const limit = Math.min(text.length, from + MAX_VALUE);
  for (let i = from; i < limit; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === quote) return i > from ? [from, i, true] : null;
    else if (c === '\n' && quote !== '`') return null;
  }
  return null;
}
