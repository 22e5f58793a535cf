/**
 * A secret's name given as a key's value or an element's name, and the value it names: an env
 * list's `- name: X` then `value: …`, `<add key="X" value="…"/>`, `<password>…</password>`, plists.
 */
import type { Assignment } from './assignment.js';
import { CODE_ACCESS, CODE_VALUE, DOTTED_IDENTIFIER } from './code-values.js';
import { attributeNamedElement, passwordInputValue } from './markup.js';
import { MASKED, NOT_A_VALUE, REFERENCE } from './not-a-value.js';
import { looksRandom } from './rule.js';
import { MAX_VALUE, isSpace, lineStart } from './text-scan.js';
import { BLOCK_SCALAR, blockScalar, readValue } from './value-readers.js';

/** The key a name stands under, right before it: `name: `, `- name: `, `key="`, `"name":"`, `\"name\":\"`. */
const NAME_KEY = /(?<![\w.-])\\?["']?(?:name|key)\\?["']?[ \t]*[:=][ \t]*\\?["']?(?:[\w.-]{1,32}:)?$/i;
/** Its sibling `value` key on the same line: `, value: `, ` value="`, `","value":"`. */
const VALUE_KEY = /^(?:\\?["'])?[ \t]*[,;]?[ \t]*\\?["']?value\\?["']?[ \t]*[:=][ \t]*/i;

/**
 * A secret's name given as the value of a `name` or `key` key, and its value under the sibling
 * `value` key: Kubernetes' and CI's env lists (`- name: DB_PASSWORD` then `  value: …` on the
 * next line), .NET's `<add key="ApiKey" value="…"/>`, Spring's `<property name="password"
 * value="…"/>`, `{"name": "API_TOKEN", "value": "…"}` in text (`valueFrom:` holds no value); an element
 * named by its attribute (`<entry key="password">…</entry>`, Spring's `<property name="password"><value>…`)
 * and an HTML password field's value (`markup.ts`).
 */
export function namedValue(text: string, name: string, left: number, right: number, quote: string): Assignment | number {
  // Cheap first: a `:` or `=` (of `name:`, `key="`, or a prefix's `ida:`) right before the name, past quotes and spaces.
  let j = left - 1;
  while (j >= 0 && left - j < 8 && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9 || text.charCodeAt(j) === 34 || text.charCodeAt(j) === 39 || text.charCodeAt(j) === 92)) j--;
  const c = text.charCodeAt(j);
  if (c !== 58 && c !== 61) return right;
  if (c === 61 && quote.length === 1 && /^password$/i.test(name) && /(?:^|\s)type\s*=\s*["']$/i.test(text.slice(Math.max(0, left - 16), left))) {
    // `<input type="password" … value="…">`: the field's value, wherever it stands in the tag.
    const input = passwordInputValue(text, left);
    return input ? { name, nameEnd: right, valueStart: input[0], valueEnd: input[1] } : right;
  }
  if (!NAME_KEY.test(text.slice(Math.max(0, left - 64), left))) return right;
  const after = right + quote.length;
  let valueAt: number;
  let element: [number, number] | null;
  const sameLine = VALUE_KEY.exec(text.slice(after, after + 48));
  if (sameLine) {
    valueAt = after + sameLine[0].length;
  } else if (quote.length === 1 && (text.charCodeAt(after) === 62 || isSpace(text.charCodeAt(after))) && (element = attributeNamedElement(text, left, after))) {
    // `<entry key="password">…</entry>`, `<property name="password"><value>…</value>`.
    return { name, nameEnd: right, valueStart: element[0], valueEnd: element[1] };
  } else {
    // The next line (raw or JSON-escaped), after a comment: `- name: DB_PASSWORD  # prod`.
    const next = /^[ \t]*(?:#[^\n]{0,128}?)?(?:\r?\n|\\n)[ \t]*value:[ \t]*/.exec(text.slice(after, after + 256));
    if (!next) return right;
    valueAt = after + next[0].length;
  }
  const value = readValue(text, valueAt, sameLine ? null : 'line');
  if (!value) return right;
  let [start, end] = value;
  const raw = text.slice(start, end);
  if (!value[2] && BLOCK_SCALAR.test(raw)) {
    // `value: |` and the lines under it.
    const keyAt = text.lastIndexOf('value', valueAt);
    const block = blockScalar(text, end, keyAt - lineStart(text, keyAt));
    if (!block) return right;
    [start, end] = block;
  } else if (NOT_A_VALUE.test(raw) || REFERENCE.test(raw) || MASKED.test(raw)) {
    return right;
  } else if (!value[2]) {
    // Code, not a value: `value: getSecret()`, `value: process.env.API_KEY`.
    const code = raw.replace(/[,;]+$/, '');
    if (CODE_ACCESS.test(code) || DOTTED_IDENTIFIER.test(code) || text.charCodeAt(end) === 40 || CODE_VALUE.test(text.slice(start, start + 256).split('\n', 1)[0]!)) return right;
  }
  return { name, nameEnd: right, valueStart: start, valueEnd: end };
}

/** `<password>…</password>`: an XML or HTML element named like a secret, its text on one line, up to the element's closing tag. */
export function xmlElement(text: string, name: string, nameEnd: number): Assignment | number {
  const from = nameEnd + 1;
  let window = text.slice(from, from + MAX_VALUE);
  const eol = window.indexOf('\n');
  if (eol >= 0) window = window.slice(0, eol);
  const close = window.indexOf(`</${name}>`);
  if (close < 0) return nameEnd;
  let start = from;
  let end = from + close;
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  if (text.startsWith('<![CDATA[', start) && text.startsWith(']]>', end - 3) && end - start > 12) {
    start += 9;
    end -= 3;
  }
  const raw = text.slice(start, end);
  if (end === start || raw.includes('<') || NOT_A_VALUE.test(raw) || REFERENCE.test(raw) || MASKED.test(raw)) return nameEnd;
  return { name, nameEnd, valueStart: start, valueEnd: end };
}

/** A plist's `<key>NAME</key>` then, after whitespace (raw or JSON-escaped) and comments, its `<string>…</string>`. */
export function plistValue(text: string, name: string, nameEnd: number): Assignment | number {
  const m = /^(?:\s|\\[nrt]|<!--(?:(?!-->)[^]){0,160}-->){0,64}<string>/.exec(text.slice(nameEnd + 6, nameEnd + 6 + 400));
  if (!m) return nameEnd;
  const a = xmlElement(text, 'string', nameEnd + 6 + m[0].length - 1);
  return typeof a === 'number' ? nameEnd : { ...a, name, nameEnd };
}

/** Android's `<string name="` (other attributes may stand before `name`) right before a resource's name. */
export const ANDROID_STRING = /<string\s(?:[^<>"']{0,40}(?:"[^<>"]{0,40}"|'[^<>']{0,40}')\s)*\s*name=$/;

/**
 * An Android string resource named like a secret (`<string name="api_key">…</string>`): its text
 * when it looks generated, since most such resources are a form's labels (`Password`, `Enter your password`).
 */
export function androidString(text: string, name: string, from: number): Assignment | number {
  const gt = /^[^<>\n]{0,80}>/.exec(text.slice(from, from + 82));
  if (!gt) return from;
  const a = xmlElement(text, 'string', from + gt[0].length - 1);
  if (typeof a === 'number') return from;
  const value = text.slice(a.valueStart, a.valueEnd);
  return value.length >= 8 && looksRandom(value) && !/\s/.test(value) ? { ...a, name, nameEnd: from } : from;
}
