/**
 * Secrets in markup named by an attribute rather than an element: Java's properties XML (`<entry
 * key="password">…</entry>`), Spring's and .NET's `<property name="password">` / `<setting
 * name="ApiKey" …>` holding a `<value>…</value>`, and an HTML password field's `value`, its
 * attributes in any order (`<input value="…" type="password">`).
 */
import { MASKED, NOT_A_VALUE, REFERENCE } from './not-a-value.js';

/** The attributes after a name's closing quote, then the tag's `>`. */
const REST_OF_TAG = /^(?:\s{1,8}[\w:.-]{1,32}=(?:"[^"<>\n]{0,256}"|'[^'<>\n]{0,256}'))*\s{0,8}>/;
/** The elements whose `key`/`name` attribute names the value inside them, and where that value stands. */
const CONTAINER = /<(entry|property|setting)\s[^<>]{0,256}$/;
/** Whitespace (raw or JSON-escaped) and comments between `<property name="…">` and its `<value>`. */
const TO_VALUE = /^(?:\s|\\[nrt]|<!--(?:(?!-->)[^]){0,160}-->){0,64}<value>/;

/** What an element's text must not be: empty, a placeholder, a reference, markup. */
function literal(text: string, start: number, end: number): [number, number] | null {
  while (start < end && /\s/.test(text[start]!)) start++;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  if (text.startsWith('<![CDATA[', start) && text.startsWith(']]>', end - 3)) [start, end] = [start + 9, end - 3];
  const raw = text.slice(start, end);
  if (end <= start || raw.includes('<') || NOT_A_VALUE.test(raw) || REFERENCE.test(raw) || MASKED.test(raw)) return null;
  return [start, end];
}

/** The text of the element opened at `from` up to `</tag>` on the same line, or null. */
function elementText(text: string, from: number, tag: string): [number, number] | null {
  let window = text.slice(from, from + 4096);
  const eol = window.search(/\n|\\n/);
  if (eol >= 0) window = window.slice(0, eol);
  const close = window.indexOf(`</${tag}>`);
  return close < 0 ? null : literal(text, from, from + close);
}

/**
 * The value inside `<entry key="NAME">`, `<property name="NAME">` or `<setting name="NAME">` (after
 * the `<value>` that follows), given the index `after` right past the name's closing quote; null
 * when the element is none of these or holds no literal.
 */
export function attributeNamedElement(text: string, nameStart: number, after: number): [number, number] | null {
  const tag = CONTAINER.exec(text.slice(Math.max(0, nameStart - 256), nameStart));
  if (!tag) return null;
  const rest = REST_OF_TAG.exec(text.slice(after, after + 1024));
  if (!rest) return null;
  const from = after + rest[0].length;
  if (tag[1] === 'entry') return elementText(text, from, 'entry');
  const value = TO_VALUE.exec(text.slice(from, from + 512));
  return value ? elementText(text, from + value[0].length, 'value') : null;
}

const INPUT_OPEN = /<input\s[^<>]{0,512}$/i;
/** An input's `value` attribute, quoted or bare (not `:value`, `[value]`, `th:value`). */
const VALUE_ATTRIBUTE = /(?:^|\s)value\s*=\s*(?:"([^"\n]*)"|'([^'\n]*)'|([^\s"'<>`=]+))/i;

/**
 * `<input type="password" … value="…">` (`at` is `password`'s first letter, right after `type="`):
 * the value, wherever it stands in the tag. Null for an empty one, a template (`${password}`,
 * `{{ pw }}`, `<%= pw %>`) or none.
 */
export function passwordInputValue(text: string, at: number): [number, number] | null {
  const open = INPUT_OPEN.exec(text.slice(Math.max(0, at - 512), at));
  if (!open) return null;
  const tagStart = at - open[0].length;
  const found = text.slice(at, at + 1025).indexOf('>');
  if (found < 0) return null;
  const close = at + found;
  const m = VALUE_ATTRIBUTE.exec(text.slice(tagStart, close));
  if (!m) return null;
  const value = m[1] ?? m[2] ?? m[3]!;
  // Razor's `@Model.Password`, Angular's and Vue's bindings hold a variable.
  if (/^@[\w.]+$/.test(value)) return null;
  const start = tagStart + m.index + m[0].length - value.length - (m[3] === undefined ? 1 : 0);
  return literal(text, start, start + value.length);
}
