/** Values under a secret-named YAML key, TOML/INI section or JSON object (`secrets:`, `[credentials]`, `"credentials": {…}`). */
import { isCode } from './code-shape.js';
import type { LeakHit } from '../leak-detector.js';
import { type SectionWalk, indentAt, lineBreakEnd, lineEndAfter, lineStartBefore } from './lines.js';
import { REACH, generated, hit, isTokenChar, looksSecret, valueEnd } from './values.js';
import { DESCRIBES, secretName } from './words.js';

/** A line of a secret's section: a list item, a `name:` or `name =`, then the value (quotes, raw or JSON-escaped, after). */
const SECTION_LINE = /^(?:-[ \t]+)?(?:(?:\\*["']){0,2}([\w.@-]{1,64})(?:\\*["']){0,2}[ \t]*[:=](?:[ \t]+|(?=\\n|\r?\n|$)))?(?:\\*["']){0,2}/;

const SECTION_REACH = 64;

/**
 * The generated-looking values of up to 64 lines of a secret's section from `from`: YAML's
 * deeper-indented lines (a shallower one ends it), or TOML's lines up to the next `[section]`.
 * Lines a section around this one read already are not read again; `walked` is moved to where this walk stopped.
 */
export function sectionLines(text: string, from: number, keyIndent: number, toml: boolean, hits: LeakHit[], walked: SectionWalk): void {
  let line = Math.max(from, walked.read);
  // Within the scan's reach of the key: a hit's context must fit in what the stream scanner carries across chunks.
  for (let n = 0; n < SECTION_REACH && line < text.length && line - from < REACH - 1024; n++) {
    const lineEnd = lineEndAfter(text, line);
    const indent = indentAt(text, line);
    const at = line + indent;
    if (at < lineEnd && (toml ? text[at] === '[' : indent <= keyIndent)) break;
    const item = SECTION_LINE.exec(text.slice(at, lineEnd));
    // A secret-named key's value is the main expression's.
    if (item && at + item[0].length < lineEnd && !(item[1] && (DESCRIBES.test(item[1]) || secretName(item[1])))) {
      const start = at + item[0].length;
      const end = valueEnd(text, start);
      const value = text.slice(start, end);
      // A nested key (`stripe:` then its own lines) is no value; its lines are read as the section's.
      if (text[end] !== ':' && looksSecret(value) && generated(value) && !isCode(value, text.charCodeAt(end))) hits.push(hit('secret_assignment', value, start, end));
    }
    line = lineEnd + (text.charCodeAt(lineEnd) === 10 ? 1 : 2);
  }
  walked.read = Math.max(walked.read, line);
}

/** A JSON member with a string value: its quoted name (raw or escaped), `:`, the value's opening quote. */
const JSON_MEMBER = /(?:\\*"){1,2}([\w.@-]{1,64})(?:\\*"){1,2}[ \t]*:[ \t]*(?:\\*"){1,2}/g;

/**
 * The object at `open` under a secret section's name (`"credentials": {"default": "…"}`,
 * `"secrets": {"db": "…",}`), nested objects included, within the scan's reach: its string
 * members' generated-looking values, but for names that describe (ids, hosts) or name a secret
 * (the main expression reads those). No stretch is read by two walks.
 */
export function jsonSection(text: string, open: number, hits: LeakHit[], walked: SectionWalk): void {
  const from = Math.max(open + 1, walked.read);
  const limit = Math.min(text.length, open + REACH - 1024);
  let close = from;
  for (let depth = 0; close < limit; close++) {
    const c = text.charCodeAt(close);
    if (c === 123) depth++;
    else if (c === 125 && depth-- === 0) break;
  }
  walked.read = Math.max(walked.read, close);
  const body = text.slice(from, close);
  JSON_MEMBER.lastIndex = 0;
  for (let m = JSON_MEMBER.exec(body); m; m = JSON_MEMBER.exec(body)) {
    if (DESCRIBES.test(m[1]!) || secretName(m[1]!)) continue;
    const start = from + m.index + m[0].length;
    const end = valueEnd(text, start);
    const value = text.slice(start, end);
    if ((text[end] === '"' || text.startsWith('\\"', end)) && looksSecret(value) && generated(value) && !isCode(value, text.charCodeAt(end))) hits.push(hit('secret_assignment', value, start, end));
  }
}

/** A TOML or INI section named like a secret's (`[credentials]`, `[passwords]`) alone on its line: its values. */
export function tomlSection(text: string, nameAt: number, after: number, hits: LeakHit[], walked: SectionWalk): void {
  let open = nameAt;
  while (open > 0 && nameAt - open < 64 && isTokenChar(text.charCodeAt(open - 1))) open--;
  if (text[open - 1] !== '[') return;
  // At a line's start, or a JSON string's.
  if (!/(?:^|")[ \t]*$/.test(text.slice(lineStartBefore(text, open - 1), open - 1))) return;
  let i = after;
  while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
  const next = lineBreakEnd(text, text.charCodeAt(i) === 92 ? i + 1 : i);
  if (next >= 0) sectionLines(text, next, -1, true, hits, walked);
}
