/**
 * Values after their name and a space, no `=` or `:`: `.netrc`, `requirepass …`, `config set`,
 * fish's `set -x`, `setx`, `doppler secrets set`, `netlify env:set`, a Dockerfile's `ENV NAME …`, the item under a YAML list's `- --flag`.
 */
import type { Assignment } from './assignment.js';
import { MASKED, NOT_A_VALUE, REFERENCE } from './not-a-value.js';
import { MAX_VALUE, isQuote, isSpace, isWhitespace, lineStart, quotedValue } from './text-scan.js';
import { readValue } from './value-readers.js';

/**
 * The item after a YAML block list's flag (`- --api-key` then `- …` on the next line, at the same
 * indentation): quoted, or plain to the line's end (a comment aside). Not the next flag, a
 * reference, a mapping or a masked value.
 */
export function listItemValue(text: string, name: string, itemStart: number, right: number, eol: number): Assignment | number {
  const start = lineStart(text, itemStart);
  const dash = /^([ \t]*)-[ \t]+$/.exec(text.slice(start, itemStart));
  if (!dash) return right;
  const next = eol + (text.charCodeAt(eol) === 13 ? 2 : 1);
  if (text.charCodeAt(next - 1) !== 10) return right;
  const item = /^([ \t]*)-[ \t]+/.exec(text.slice(next, next + 300));
  if (!item || item[1]!.length !== dash[1]!.length) return right;
  const at = next + item[0].length;
  let value: [number, number];
  if (isQuote(text.charCodeAt(at))) {
    const q = quotedValue(text, at + 1, text[at]!);
    if (!q || !/^[ \t]*(?:#.*)?\r?(?:\n|$)/.test(text.slice(q[1] + 1, q[1] + 256))) return right;
    value = [q[0], q[1]];
  } else {
    const v = readValue(text, at, 'line');
    if (!v) return right;
    value = [v[0], v[1]];
  }
  const raw = text.slice(value[0], value[1]);
  if (raw.charCodeAt(0) === 45 || /^[\w.-]+:(?:\s|$)/.test(raw) || NOT_A_VALUE.test(raw) || REFERENCE.test(raw) || MASKED.test(raw)) return right;
  return { name, nameEnd: right, valueStart: value[0], valueEnd: value[1] };
}

/** A line's directive that sets the variable named next: a Dockerfile's `ENV NAME value`, Apache's `SetEnv`, csh's `setenv`. */
export const ENV_DIRECTIVE = /^[ \t]*(?:ENV|SetEnv|setenv)[ \t]+$/;
/**
 * The value of a Dockerfile's legacy `ENV NAME value`: everything after the name, to the line's end,
 * and on through the lines a `\` continues it to (`ENV DB_PASSWORD correct horse battery staple`
 * is one value). A quoted value alone on its line is its quotes' contents.
 */
export function dockerEnvValue(text: string, name: string, nameEnd: number, at: number): Assignment | number {
  // `ENV NAME \` and the value on the next line.
  const lead = /^\\[ \t\r]*\n[ \t]*/.exec(text.slice(at, at + 64));
  if (lead) at += lead[0].length;
  if (at >= text.length || /[(/~.`\s]/.test(text[at]!)) return nameEnd;
  if (isQuote(text.charCodeAt(at))) {
    const q = quotedValue(text, at + 1, text[at]!);
    if (q && /^[ \t\r]*(?:\n|$)/.test(text.slice(q[1] + 1, q[1] + 1 + 64))) return REFERENCE.test(text.slice(q[0], q[1])) ? nameEnd : { name, nameEnd, valueStart: q[0], valueEnd: q[1] };
  }
  const limit = Math.min(text.length, at + MAX_VALUE);
  let end = at;
  for (let i = at; ; ) {
    let eol = i;
    while (eol < limit && text.charCodeAt(eol) !== 10) eol++;
    let last = eol;
    while (last > i && (isSpace(text.charCodeAt(last - 1)) || text.charCodeAt(last - 1) === 13)) last--;
    // A line ending in `\` goes on below it (an empty or missing next line ends the value before the `\`).
    const continued = last > i && text.charCodeAt(last - 1) === 92 && text.charCodeAt(last - 2) !== 92;
    if (!continued) {
      if (last > i) end = last;
      break;
    }
    let stop = last - 1;
    while (stop > i && isSpace(text.charCodeAt(stop - 1))) stop--;
    if (stop > i) end = stop;
    if (eol >= limit || !/[^ \t\r]/.test(text.slice(eol + 1, text.indexOf('\n', eol + 1) < 0 ? limit : Math.min(limit, text.indexOf('\n', eol + 1))))) break;
    i = eol + 1;
  }
  const raw = text.slice(at, end);
  if (end === at || REFERENCE.test(raw) || NOT_A_VALUE.test(raw)) return nameEnd;
  return { name, nameEnd, valueStart: at, valueEnd: end };
}

/** fish's `set` with flags (`set -x`, `set -gx`, `set --export`), Windows' `setx`, and the secret stores' `doppler secrets set` and `netlify env:set`, right before a name. */
export const SET_COMMAND = /(?:^|[\s;&|(`\\])(?:setx(?:\.exe)?(?:[ \t]+\/[A-Za-z])*|set(?:[ \t]+-[lgUxu]{1,4}|[ \t]+--(?:export|global|universal|local))+|doppler[ \t]+secrets[ \t]+set|netlify[ \t]+env:set)[ \t]+$/;

/**
 * `.netrc` (`machine host login bob password …`): `password` is a keyword followed by its value
 * after whitespace, with no `=` or `:`. Prose says "password" too, so the token two before it must
 * be one of netrc's keywords: `login bob`, `account x` or `machine host`.
 */
export function afterNetrcToken(text: string, nameStart: number): boolean {
  const value = tokenBefore(text, nameStart, 256);
  const keyword = value < 0 ? -1 : tokenBefore(text, value, 8);
  return keyword >= 0 && /^(?:login|account|machine)\s/.test(text.slice(keyword, keyword + 8));
}

/** Start of the whitespace-delimited token that ends (after some whitespace) before `at`, or -1. */
function tokenBefore(text: string, at: number, maxToken: number): number {
  let end = at;
  while (end > 0 && at - end < 64 && isWhitespace(text.charCodeAt(end - 1))) end--;
  if (end === at) return -1;
  let start = end;
  while (start > 0 && end - start <= maxToken && !isWhitespace(text.charCodeAt(start - 1))) start--;
  return start === end || end - start > maxToken || (start > 0 && !isWhitespace(text.charCodeAt(start - 1))) ? -1 : start;
}

/** The value after a netrc `password`: one whitespace-free token (or a quoted string) on the same line. */
export function netrcValue(text: string, name: string, nameEnd: number, at: number): Assignment | number {
  if (isQuote(text.charCodeAt(at))) {
    const q = quotedValue(text, at + 1, text[at]!);
    return q && !REFERENCE.test(text.slice(q[0], q[1])) ? { name, nameEnd, valueStart: q[0], valueEnd: q[1] } : nameEnd;
  }
  let end = at;
  const limit = Math.min(text.length, at + MAX_VALUE);
  while (end < limit && !isWhitespace(text.charCodeAt(end))) end++;
  const raw = text.slice(at, end);
  if (end === at || REFERENCE.test(raw) || NOT_A_VALUE.test(raw)) return nameEnd;
  return { name, nameEnd, valueStart: at, valueEnd: end };
}
