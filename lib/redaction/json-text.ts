/**
 * Redaction of text that holds JSON. The text is validated with JSON.parse, then walked token by
 * token: a value under a secret-named key is replaced whole (an object or array under a built-in
 * rule's key is walked, each of its values replaced but a schema's keywords), every other string goes through the
 * content rules, and only changed tokens are rewritten. Formatting, key order and number
 * precision (JSON.parse would round 64-bit ids) survive untouched.
 */
import { CONCEALED_TYPES, isMetadataKey, PAIR_KEYS, PAIR_VALUES, squash } from './names.js';

export interface JsonHooks<R> {
  /** The rule a key names (the column rules applied to keys), or null. */
  keyRule(key: string): R | null;
  /**
   * A string through the content rules; the same string back when nothing matched. `start` and
   * `end` bound its characters in the JSON text, and `escaped` says whether it held escapes
   * (when not, those characters are the string itself).
   */
  text(value: string, start: number, end: number, escaped: boolean): string;
  /**
   * Whether a key rule takes this value (a string, a number's text, or an object's or array's JSON)
   * whole; when not, a string goes through the content rules and an object or array is walked.
   */
  takes(rule: R, value: string, container: boolean): boolean;
  /**
   * Whether an object or array the rule takes is walked instead (the built-in rules': a JSON Schema
   * under `password` keeps its shape), its strings and numbers taken one by one unless under a
   * keyword that describes the secret (`type`, `minLength`, `label`).
   */
  walks?(rule: R): boolean;
  /** The placeholder for a value a key rule takes whole (`secret`: the string, or the JSON of anything else); null keeps it. */
  whole(rule: R, secret: string): string | null;
}

const OBJECT = 1;
const ARRAY = 2;

/** First and last non-blank characters are `{…}` or `[…]`: worth a JSON.parse. */
export function looksLikeJson(text: string): boolean {
  let i = 0;
  while (i < text.length && text.charCodeAt(i) <= 32) i++;
  const first = text.charCodeAt(i);
  if (first !== 123 && first !== 91) return false;
  let j = text.length - 1;
  while (j > i && text.charCodeAt(j) <= 32) j--;
  return text.charCodeAt(j) === (first === 123 ? 125 : 93);
}

/**
 * JSONC (VS Code's settings.json, tsconfig.json, devcontainer.json): `text` with its `//` and `/* *\/`
 * comments and trailing commas made spaces (line breaks kept), so every other character keeps its
 * place; null when it holds neither, or a comment is left open.
 */
export function blankJsonc(text: string): string | null {
  const blanks: [number, number][] = [];
  let comma = -1;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      i = stringEnd(text, i);
      comma = -1;
    } else if (c === 47 && text.charCodeAt(i + 1) === 47) {
      const end = text.indexOf('\n', i);
      blanks.push([i, end < 0 ? text.length : end]);
      i = end < 0 ? text.length : end;
    } else if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return null;
      blanks.push([i, end + 2]);
      i = end + 2;
    } else {
      if (c === 125 || c === 93) {
        if (comma >= 0) blanks.push([comma, comma + 1]);
        comma = -1;
      } else if (c === 44) comma = i;
      else if (c > 32) comma = -1;
      i++;
    }
  }
  if (blanks.length === 0) return null;
  blanks.sort((a, b) => a[0] - b[0]);
  let out = '';
  let from = 0;
  for (const [start, end] of blanks) {
    out += text.slice(from, start) + text.slice(start, end).replace(/[^\n\r]/g, ' ');
    from = end;
  }
  return out + text.slice(from);
}

/**
 * The redacted JSON text, or null when `text` is not valid JSON. `copy`, when given, gives the text
 * between rewritten tokens in place of `text`'s own (JSONC: the original, comments and all).
 */
export function redactJson<R>(text: string, hooks: JsonHooks<R>, copy?: (start: number, end: number) => string): string | null {
  try {
    JSON.parse(text);
  } catch {
    return null;
  }
  const ends = new ContainerEnds(text);
  const stack: number[] = [];
  // Per open object: the rule its key/value pair names (`{"name": "DB_PASSWORD", "value": …}`).
  const pairs: (R | null)[] = [];
  // Per open container: the rule of the secret-named key it stands under, when walked rather than taken whole.
  const inherited: (R | null)[] = [];
  let out = '';
  let copied = 0;
  let expectKey = false;
  let pending: R | null = null;
  // Inside a walked container: the outer key's rule, for a value its own key's rule leaves (`{"credentials": {"pass": "x"}}`).
  let fallback: R | null = null;
  const between = copy ?? ((start: number, end: number): string => text.slice(start, end));
  const replace = (start: number, end: number, json: string): void => {
    out += between(copied, start) + json;
    copied = end;
  };
  const takeWhole = (rule: R, start: number, end: number, secret: string): void => {
    const placeholder = hooks.whole(rule, secret);
    if (placeholder !== null) replace(start, end, JSON.stringify(placeholder));
  };
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 123 || c === 91) {
      let inherit: R | null = null;
      if (pending === null && stack[stack.length - 1] === ARRAY) pending = inherited[inherited.length - 1] ?? null;
      if (pending !== null) {
        const end = ends.of(i);
        const json = text.slice(i, end);
        if (hooks.takes(pending, json, true)) {
          if (hooks.walks?.(pending)) {
            inherit = pending;
          } else {
            takeWhole(pending, i, end, json);
            pending = null;
            i = end;
            continue;
          }
        }
      }
      pending = null;
      fallback = null;
      inherited.push(inherit);
      stack.push(c === 123 ? OBJECT : ARRAY);
      pairs.push(c === 123 ? pairRule(text, i, hooks, ends) : null);
      expectKey = c === 123;
      i++;
    } else if (c === 125 || c === 93) {
      stack.pop();
      pairs.pop();
      inherited.pop();
      expectKey = false;
      i++;
    } else if (c === 44) {
      fallback = null;
      expectKey = stack[stack.length - 1] === OBJECT;
      i++;
    } else if (c === 34) {
      const end = stringEnd(text, i);
      const value = decode(text, i, end);
      const escaped = value.length !== end - i - 2;
      const inArray = !expectKey && pending === null && stack[stack.length - 1] === ARRAY ? (inherited[inherited.length - 1] ?? null) : null;
      if (inArray !== null) pending = inArray;
      if (expectKey) {
        expectKey = false;
        const outer = inherited[inherited.length - 1] ?? null;
        fallback = outer !== null && !isMetadataKey(value) ? outer : null;
        pending = hooks.keyRule(value) ?? (PAIR_VALUES.has(squash(value)) ? (pairs[pairs.length - 1] ?? null) : null) ?? fallback;
        const key = hooks.text(value, i + 1, end - 1, escaped);
        if (key !== value) replace(i, end, JSON.stringify(key));
      } else if (pending !== null && hooks.takes(pending, value, false)) {
        takeWhole(pending, i, end, value);
        pending = null;
      } else if (fallback !== null && fallback !== pending && hooks.takes(fallback, value, false)) {
        takeWhole(fallback, i, end, value);
        pending = null;
      } else {
        pending = null;
        const redacted = hooks.text(value, i + 1, end - 1, escaped);
        if (redacted !== value) replace(i, end, JSON.stringify(redacted));
      }
      i = end;
    } else if (c === 58 || c <= 32) {
      i++;
    } else {
      if (pending === null && stack[stack.length - 1] === ARRAY) pending = inherited[inherited.length - 1] ?? null;
      let end = i;
      while (end < text.length && !isDelimiter(text.charCodeAt(end))) end++;
      // A secret-named key over a number takes it (a PIN); over true/false/null there is nothing to hide.
      if (pending !== null && c !== 116 && c !== 102 && c !== 110 && hooks.takes(pending, text.slice(i, end), false)) takeWhole(pending, i, end, text.slice(i, end));
      pending = null;
      i = end;
    }
  }
  return copied === 0 && copy === undefined ? text : out + between(copied, text.length);
}

/** Only an object's members within this many characters of its `{` are looked at for a key/value pair: an env entry is small. */
const MAX_PAIR_OBJECT = 64 * 1024;

/**
 * The rule an object's key/value pair names: a member named like a pair key (`name`, `key`,
 * `variable`…) whose string value the key rules take (`DB_PASSWORD`), or a 1Password field's `type`
 * `CONCEALED` or `OTP`, when the object also has a value member. Its value member is then taken as
 * a value under that name would be.
 */
function pairRule<R>(text: string, at: number, hooks: JsonHooks<R>, ends: ContainerEnds): R | null {
  const limit = Math.min(text.length, at + MAX_PAIR_OBJECT);
  let named: R | null = null;
  let concealed: R | null = null;
  let hasValue = false;
  let i = at + 1;
  while (i < limit) {
    while (i < limit && text.charCodeAt(i) <= 32) i++;
    if (i >= limit || text.charCodeAt(i) !== 34) break;
    const keyEnd = stringEnd(text, i);
    const key = squash(decode(text, i, keyEnd));
    i = keyEnd;
    while (i < text.length && (text.charCodeAt(i) <= 32 || text.charCodeAt(i) === 58)) i++;
    const c = text.charCodeAt(i);
    let end: number;
    if (c === 34) {
      end = stringEnd(text, i);
      if (PAIR_KEYS.includes(key) && named === null) named = hooks.keyRule(decode(text, i, end));
      // A 1Password field (`{"id": "…", "type": "CONCEALED", "label": "db-conn", "value": "…"}`): its value is a password's.
      else if (key === 'type' && concealed === null && CONCEALED_TYPES.has(decode(text, i, end))) concealed = hooks.keyRule('password');
    } else if (c === 123 || c === 91) {
      // A nested container is stepped over by its known end: reading it here made every level of
      // deep nesting read up to 64 KiB (1 MiB of `{"a": {"a": …}}` took 56 s).
      end = ends.of(i);
    } else {
      end = i;
      while (end < text.length && !isDelimiter(text.charCodeAt(end))) end++;
    }
    if (PAIR_VALUES.has(key)) hasValue = true;
    i = end;
    while (i < text.length && text.charCodeAt(i) <= 32) i++;
    if (text.charCodeAt(i) !== 44) break;
    i++;
  }
  return hasValue ? (named ?? concealed) : null;
}

/**
 * Where each object or array of a JSON text ends, found in one pass with a stack the first time one
 * is asked for. Finding a container's end by reading to it, at each level, was quadratic in the
 * nesting (256 KiB nested under `password` took 70 s).
 */
class ContainerEnds {
  readonly #text: string;
  #starts: number[] | null = null;
  #ends: number[] = [];

  constructor(text: string) {
    this.#text = text;
  }

  /** The offset after the `}` or `]` closing the container opened at `start` (the text's end if none does). */
  of(start: number): number {
    const starts = this.#starts ?? this.#index();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const s = starts[mid]!;
      if (s === start) return this.#ends[mid]!;
      if (s < start) lo = mid + 1;
      else hi = mid - 1;
    }
    return this.#text.length;
  }

  #index(): number[] {
    const text = this.#text;
    const starts: number[] = [];
    const ends = this.#ends;
    const open: number[] = [];
    let i = 0;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i = stringEnd(text, i);
        continue;
      }
      if (c === 123 || c === 91) {
        open.push(starts.length);
        starts.push(i);
        ends.push(text.length);
      } else if ((c === 125 || c === 93) && open.length > 0) {
        ends[open.pop()!] = i + 1;
      }
      i++;
    }
    this.#starts = starts;
    return starts;
  }
}

function isDelimiter(c: number): boolean {
  return c === 44 || c === 93 || c === 125 || c <= 32;
}

function stringEnd(text: string, start: number): number {
  let from = start + 1;
  for (;;) {
    const q = text.indexOf('"', from);
    // Unterminated (only in text blankJsonc reads before JSON.parse has checked it).
    if (q < 0) return text.length;
    let slashes = 0;
    while (text.charCodeAt(q - 1 - slashes) === 92) slashes++;
    if (slashes % 2 === 0) return q + 1;
    from = q + 1;
  }
}

function decode(text: string, start: number, end: number): string {
  const inner = text.slice(start + 1, end - 1);
  return inner.includes('\\') ? (JSON.parse(text.slice(start, end)) as string) : inner;
}
