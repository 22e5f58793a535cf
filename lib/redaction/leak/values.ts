/** The leak scan's judgement of a value: entropy, character classes, how far a value runs, and the hit it makes. */
import { createHash } from 'node:crypto';
import type { LeakHit } from '../leak-detector.js';

export const MAX_RUN = 2048;

export const REACH = 4096;

export function fingerprint(detector: string, value: string): string {
  return createHash('sha256').update(`${detector}:${value}`).digest('hex').slice(0, 16);
}

const tally = new Uint32Array(128);

/** Characters an entropy or class check looks at: enough to judge, bounded so a crafted run costs little. */
export const SAMPLE = 256;

/** Bits per character of (the first SAMPLE characters of) `s`: random credentials score 4 and more, words and counters much less. */
export function entropy(s: string): number {
  const n = Math.min(s.length, SAMPLE);
  tally.fill(0);
  for (let i = 0; i < n; i++) tally[s.charCodeAt(i) & 127]!++;
  let bits = 0;
  for (let c = 0; c < 128; c++) {
    if (tally[c] === 0) continue;
    const p = tally[c]! / n;
    bits -= p * Math.log2(p);
  }
  return bits;
}

export function classes(s: string): number {
  const head = s.slice(0, SAMPLE);
  return (/[a-z]/.test(head) ? 1 : 0) + (/[A-Z]/.test(head) ? 1 : 0) + (/[0-9]/.test(head) ? 1 : 0);
}

export function isTokenChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 45 || code === 46;
}

export function isValueChar(code: number): boolean {
  // Besides base64 and URL-safe characters, the punctuation generated passwords use: ! # % ^ *
  return isTokenChar(code) || code === 43 || code === 47 || code === 61 || code === 126 || code === 33 || code === 35 || code === 37 || code === 94 || code === 42;
}

/** End of the value starting at `from`: a run of value characters, at most MAX_RUN long. */
export function valueEnd(text: string, from: number): number {
  let end = from;
  while (end < text.length && end - from < MAX_RUN && isValueChar(text.charCodeAt(end))) end++;
  return end;
}

/** Random enough to be a credential: long, mixed, and high in entropy. */
export function looksSecret(value: string, minLength = 16, minBits = 3.5): boolean {
  return value.length >= minLength && classes(value) >= 2 && entropy(value) >= minBits;
}

export function isAlnum(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** Random, as generated keys are: a digit among letters, or at least three of each case. */
export function generated(body: string): boolean {
  const digits = /[0-9]/.test(body);
  const letters = (body.match(/[A-Za-z]/g) ?? []).length;
  return (digits && letters > 0) || ((body.match(/[A-Z]/g) ?? []).length >= 3 && (body.match(/[a-z]/g) ?? []).length >= 3);
}

export const TABLE_DESCRIPTION = /^(?:[A-Za-z]\w*\(\d+(?:,\s*\d+)?\)|(?:Big)?(?:Uint|Int|Float)\d+(?:Clamped)?Array|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[a-z0-9_.-]+(?:[/:][a-z0-9_.-]+)+|[^\s|]*(?:\[[^\]\s]*\]|\\[dwsDWSbB.])[^\s|]*)$/;

/** What the redaction left (`[REDACTED:…]`, a pseudonym): the readers below take any word, brackets too. */
export function isPlaceholder(value: string): boolean {
  return value.startsWith('[');
}

export function hit(detector: string, value: string, start: number, end: number): LeakHit {
  return { detector, fingerprint: fingerprint(detector, value), start, end };
}
