/**
 * Where a value's spans and JSON blocks lie, for the redactor's walk of text holding JSON: the spans
 * within a stretch (binary search), spans moved to a stretch's own offsets, and the JSON-looking
 * contents of markdown code fences. Pure functions over strings and sorted spans.
 */
import { looksLikeJson } from './json-text.js';
import type { Span } from './rule.js';

/** A markdown code fence's info string that may hold JSON: none, json's (jsonc, json5), or javascript's. */
const FENCE_INFO = /^(?:json|jsonc|json5|javascript|js)?$/;
/** Whether a fence's opening line may hold JSON: matched on its trimmed info string (spaces around it made the regex quadratic). */
const isJsonFence = (line: string): boolean => line.startsWith('```') && FENCE_INFO.test(line.slice(3).trim());
const MAX_FENCES = 64;

/** The spans of `sorted` (by start) that fall between `a` and `b`, found by binary search. */
export function spansWithin(sorted: readonly Span[], a: number, b: number): Span[] {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]!.end <= a) lo = mid + 1;
    else hi = mid;
  }
  const out: Span[] = [];
  for (let k = lo; k < sorted.length && sorted[k]!.start < b; k++) if (sorted[k]!.end > a) out.push(sorted[k]!);
  return out;
}

/** Spans clipped to `[a, b)` and counted from `a`; null for none. */
export function shift(spans: readonly Span[], a: number, b: number): Span[] | null {
  return spans.length === 0 ? null : spans.map((sp) => ({ ...sp, start: Math.max(sp.start, a) - a, end: Math.min(sp.end, b) - a }));
}

/** The JSON-looking contents of markdown code fences at a line's start (after spaces), paired in order in one pass: `[start, end]` of each. */
export function jsonFences(value: string): [number, number][] {
  const fences: number[] = [];
  for (let i = value.indexOf('```'); i >= 0 && fences.length < 2 * MAX_FENCES; i = value.indexOf('```', i + 3)) {
    let j = i;
    while (j > 0 && (value.charCodeAt(j - 1) === 32 || value.charCodeAt(j - 1) === 9)) j--;
    if (j === 0 || value.charCodeAt(j - 1) === 10) fences.push(i);
  }
  const blocks: [number, number][] = [];
  for (let k = 0; k + 1 < fences.length; k += 2) {
    const eol = value.indexOf('\n', fences[k]!);
    if (eol < 0 || eol > fences[k + 1]! || !isJsonFence(value.slice(fences[k]!, eol))) continue;
    const start = eol + 1;
    let end = fences[k + 1]!;
    while (end > start && value.charCodeAt(end - 1) !== 10) end--;
    end = Math.max(start, end - (value.charCodeAt(end - 2) === 13 ? 2 : 1));
    if (looksLikeJson(value.slice(start, end))) blocks.push([start, end]);
  }
  return blocks;
}
