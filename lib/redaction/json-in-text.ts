/**
 * JSON objects standing in prose (a chat message's `Here is my config: {"credentials": {…}}`),
 * found so that they can be walked as JSON text is. Only strictly valid JSON counts: quoted keys,
 * double-quoted strings with JSON's escapes, JSON's numbers and literals, no comments or trailing
 * commas; code's object literals (`{password: x}`, `{'a': 1}`, `{"a": f()}`, `{"a": True}`) are
 * none.
 */

const OBJECT = 1;
const ARRAY = 2;

/** What the reader expects next. */
const VALUE = 0;
const FIRST_VALUE = 1; // a value or `]`
const FIRST_KEY = 2; // a key or `}`
const KEY = 3;
const COLON = 4;
const NEXT = 5; // `,` or the container's close

const isSpace = (c: number): boolean => c === 32 || c === 10 || c === 13 || c === 9;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * The strictly valid JSON objects in `text` from `from` to `to`, each `[start, end]`, in order,
 * none inside another; an object counts when it holds a member (`{` then a quoted key).
 *
 * One pass: a `{` that fails to read as JSON is left where it stops being JSON (the objects it
 * completed on the way are kept), and the search goes on from there, so no character is read twice.
 * An object whose `{` falls inside what the failed one read as a string is not found
 * (`a {"b and {"password": …}`: its key is that string's end).
 */
export function findJsonObjects(text: string, from: number, to: number): [number, number][] {
  const found: [number, number][] = [];
  let i = text.indexOf('{', from);
  while (i >= 0 && i < to) {
    let j = i + 1;
    while (j < to && isSpace(text.charCodeAt(j))) j++;
    if (text.charCodeAt(j) !== 34) {
      i = text.indexOf('{', i + 1);
      continue;
    }
    const inner: [number, number][] = [];
    const end = objectEnd(text, i, to, inner);
    if (end >= 0) {
      found.push([i, end]);
      i = text.indexOf('{', end);
    } else {
      for (const object of inner) if (holdsMember(text, object[0])) found.push(object);
      i = text.indexOf('{', -1 - end);
    }
  }
  return found;
}

function holdsMember(text: string, start: number): boolean {
  let j = start + 1;
  while (isSpace(text.charCodeAt(j))) j++;
  return text.charCodeAt(j) === 34;
}

/**
 * The offset after the object that opens at `start` when the text there is strictly valid JSON up
 * to its `}`; else `-1 - f`, `f` where it stops being JSON, and `inner` gets the objects completed
 * before `f` (the outermost: a later one replaces those inside it).
 */
function objectEnd(text: string, start: number, to: number, inner: [number, number][]): number {
  const kinds: number[] = [];
  const starts: number[] = [];
  let state = VALUE;
  let i = start;
  for (;;) {
    while (i < to && isSpace(text.charCodeAt(i))) i++;
    if (i >= to) return -1 - i;
    const c = text.charCodeAt(i);
    let close = false;
    if (state === KEY || state === FIRST_KEY) {
      if (c === 125 && state === FIRST_KEY) close = true;
      else if (c === 34) {
        const end = stringEnd(text, i, to);
        if (end < 0) return end;
        i = end;
        state = COLON;
        continue;
      } else return -1 - i;
    } else if (state === COLON) {
      if (c !== 58) return -1 - i;
      i++;
      state = VALUE;
      continue;
    } else if (state === NEXT) {
      const kind = kinds[kinds.length - 1];
      if (c === 44) {
        i++;
        state = kind === OBJECT ? KEY : VALUE;
        continue;
      }
      if ((c === 125 && kind === OBJECT) || (c === 93 && kind === ARRAY)) close = true;
      else return -1 - i;
    } else if (c === 93 && state === FIRST_VALUE) {
      close = true;
    } else if (c === 123 || c === 91) {
      kinds.push(c === 123 ? OBJECT : ARRAY);
      starts.push(i);
      state = c === 123 ? FIRST_KEY : FIRST_VALUE;
      i++;
      continue;
    } else {
      const end = c === 34 ? stringEnd(text, i, to) : scalarEnd(text, i, to);
      if (end < 0) return end;
      i = end;
      state = NEXT;
      continue;
    }
    if (close) {
      const kind = kinds.pop();
      const open = starts.pop()!;
      i++;
      if (kinds.length === 0) return i;
      if (kind === OBJECT) {
        while (inner.length > 0 && inner[inner.length - 1]![0] > open) inner.pop();
        inner.push([open, i]);
      }
      state = NEXT;
    }
  }
}

/** The offset after the string that opens at `start`, or `-1 - f` at a control character, a bad escape or `to`. */
function stringEnd(text: string, start: number, to: number): number {
  for (let i = start + 1; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) return i + 1;
    if (c < 32) return -1 - i;
    if (c === 92) {
      const e = text.charCodeAt(i + 1);
      if (e === 117) {
        for (let k = i + 2; k < i + 6; k++) if (k >= to || !/[0-9A-Fa-f]/.test(text[k]!)) return -1 - k;
        i += 5;
      } else if (e === 34 || e === 92 || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) i++;
      else return -1 - i;
    }
  }
  return -1 - to;
}

/** The offset after a number, `true`, `false` or `null` at `start` (what follows is the caller's to check), or `-1 - f`. */
function scalarEnd(text: string, start: number, to: number): number {
  for (const word of ['true', 'false', 'null']) if (start + word.length <= to && text.startsWith(word, start)) return start + word.length;
  const at = (k: number): number => (k < to ? text.charCodeAt(k) : -1);
  const digits = (k: number): number => {
    if (!isDigit(at(k))) return -1 - k;
    while (isDigit(at(k))) k++;
    return k;
  };
  let i = start;
  if (at(i) === 45) i++;
  if (at(i) === 48) i++;
  else if ((i = digits(i)) < 0) return i;
  if (at(i) === 46 && (i = digits(i + 1)) < 0) return i;
  if ((at(i) | 0x20) === 101) {
    i++;
    if (at(i) === 43 || at(i) === 45) i++;
    i = digits(i);
  }
  return i;
}

/**
 * Whether each of `spans` (sorted, inside the valid JSON from `start` to `end`) falls within one
 * string's characters: the JSON walk applies spans to strings only, so an object holding one on a
 * number, a literal or its punctuation is better left to the text's own spans.
 */
export function spansInStrings(text: string, start: number, end: number, spans: readonly { start: number; end: number }[]): boolean {
  let q = start;
  let close = start;
  for (const span of spans) {
    while (close <= span.start) {
      q = text.indexOf('"', close);
      if (q < 0 || q >= end) return false;
      close = q + 1;
      while (text.charCodeAt(close) !== 34) close += text.charCodeAt(close) === 92 ? 2 : 1;
      close++;
    }
    if (span.start <= q || span.end > close - 1) return false;
  }
  return true;
}

/** How far before an object's `{` its name is looked for: `"secrets": ` with a few spaces. */
const OWNER_REACH = 96;

/**
 * The name an object found in text stands under, when the text names it right before its `{`
 * (`"secrets": {…}`, `secrets: {…}`, a member cut from a larger JSON document or YAML's flow map):
 * `[nameStart, name]`, or null. A quoted name must be a plain JSON string (no escapes); a bare one
 * a word that starts its token.
 */
export function objectOwner(text: string, objectStart: number): [number, string] | null {
  let i = objectStart - 1;
  while (i >= 0 && objectStart - i < OWNER_REACH && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i--;
  if (text.charCodeAt(i) !== 58) return null;
  i--;
  while (i >= 0 && objectStart - i < OWNER_REACH && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i--;
  const floor = Math.max(0, objectStart - OWNER_REACH);
  if (text.charCodeAt(i) === 34) {
    const close = i;
    let open = close - 1;
    while (open >= floor && text.charCodeAt(open) !== 34) {
      const c = text.charCodeAt(open);
      if (c === 92 || c < 32) return null;
      open--;
    }
    if (open < floor || open + 1 === close || text.charCodeAt(open - 1) === 92) return null;
    return [open, text.slice(open + 1, close)];
  }
  let start = i + 1;
  while (start > floor && /[\w.-]/.test(text[start - 1]!)) start--;
  if (start === i + 1 || !/[A-Za-z_]/.test(text[start]!) || (start > 0 && /[\w$.'"`]/.test(text[start - 1]!))) return null;
  return [start, text.slice(start, i + 1)];
}
