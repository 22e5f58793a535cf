/**
 * PostgreSQL container values as their output text: an array (`{a,"b c",NULL}`), a composite
 * (`(a,"b c",)`) or an hstore (`"k"=>"v", "k2"=>NULL`). Each element or field is parsed out,
 * handed to the redactor as a value of its own, and the value written back in the syntax
 * PostgreSQL's output function would give it, so a PostgreSQL reader still reads it. A value
 * nothing changed is returned as it came, byte for byte.
 */
import type { ColumnInfo } from '../records.js';

/** What a column's (or an element's, or a field's) value is made of, from the catalog. */
export type PgShape =
  /** A scalar whose output text is scanned as text (text, json, jsonb, xml, an enum…). */
  | { readonly kind: 'text' }
  /** bytea, printed `\x` and hex (the reader sets bytea_output = 'hex'). */
  | { readonly kind: 'bytea' }
  | { readonly kind: 'array'; readonly delimiter: string; readonly element: PgShape }
  /** A composite type; its field names are pg_attribute's of the type's typrelid. */
  | { readonly kind: 'record'; readonly fields: readonly { readonly name: string; readonly shape: PgShape }[] }
  | { readonly kind: 'hstore' };

/**
 * The PostgreSQL reader records the shape of each container column here, keyed by the very
 * ColumnInfo the plan is made from; a column from anywhere else has none and is text.
 */
const shapes = new WeakMap<ColumnInfo, PgShape>();

export function setPgShape(column: ColumnInfo, shape: PgShape): void {
  shapes.set(column, shape);
}

export function pgShapeOf(column: ColumnInfo): PgShape | null {
  return shapes.get(column) ?? null;
}

/**
 * What the plan says of a container column: what is really done to it. `ruleFor` names the
 * column rule that takes a composite's field by its name, if one does.
 */
export function describePgShape(shape: PgShape, ruleFor: (field: string) => string | null): string {
  switch (shape.kind) {
    case 'text':
      return 'text';
    case 'bytea':
      return 'bytea (decoded and scanned as a BLOB)';
    case 'array':
      return `an array of ${describePgShape(shape.element, ruleFor)}`;
    case 'record':
      return `a composite (${shape.fields.map((f) => `${f.name}: ${ruleFor(f.name) === null ? describePgShape(f.shape, ruleFor) : `replaced whole by column rule ${ruleFor(f.name)}`}`).join(', ')})`;
    case 'hstore':
      return 'an hstore';
  }
}

/** How the redactor treats the parts of a container value. */
export interface PgPartRedactor {
  text(value: string): string;
  blob(value: Buffer): Uint8Array;
  /**
   * A composite field's or an hstore key's value under the rules for that name: the replacement
   * when a rule takes it, else null. `field` is true for a composite's field, false for an hstore key.
   */
  named(name: string, value: string, field: boolean): string | null;
}

/** The output text could not be read as the catalog says it is written: the caller fails closed. */
export class PgValueSyntaxError extends Error {
  override readonly name = 'PgValueSyntaxError';
}

/** The value with every part redacted, in its own syntax; the same string when nothing changed. */
export function redactPgValue(value: string, shape: PgShape, parts: PgPartRedactor): string {
  switch (shape.kind) {
    case 'text':
      return parts.text(value);
    case 'bytea': {
      const m = /^\\x((?:[0-9a-fA-F]{2})*)$/.exec(value);
      if (!m) throw new PgValueSyntaxError('a bytea value is not in hex form');
      const bytes = Buffer.from(m[1]!, 'hex');
      const out = parts.blob(bytes);
      return out === bytes ? value : `\\x${Buffer.from(out.buffer, out.byteOffset, out.byteLength).toString('hex')}`;
    }
    case 'array':
      return redactArray(value, shape.delimiter, shape.element, parts);
    case 'record':
      return redactRecord(value, shape.fields, parts);
    case 'hstore':
      return redactHstore(value, parts);
  }
}

const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';

/** array_out's quoting: empty, NULL in any case, or holding a brace, a quote, a backslash, the delimiter or white space. */
function quoteElement(value: string, delimiter: string): string {
  let quote = value === '' || value.toLowerCase() === 'null';
  for (let i = 0; !quote && i < value.length; i++) {
    const c = value[i]!;
    quote = c === '{' || c === '}' || c === '"' || c === '\\' || c === delimiter || isSpace(c);
  }
  return quote ? `"${value.replace(/["\\]/g, '\\$&')}"` : value;
}

function redactArray(value: string, delimiter: string, element: PgShape, parts: PgPartRedactor): string {
  let at = 0;
  // Bounds other than 1 are printed first: [0:2]={…}, [1:2][3:4]={{…},{…}}.
  if (value[0] === '[') {
    const eq = value.indexOf('=');
    if (eq < 0 || !/^(?:\[-?\d+:-?\d+\])+$/.test(value.slice(0, eq))) throw new PgValueSyntaxError('an array has malformed bounds');
    at = eq + 1;
  }
  let changed = false;
  let out = value.slice(0, at);
  const joined = element.kind === 'text' && at === 0 ? joinedElements(value, delimiter, parts) : null;
  let leaf = 0;
  /** An element's text, first redacted with its neighbours when the array was read as one argument list. */
  const seen = (s: string): string => {
    const r = joined?.[leaf++] ?? s;
    if (r !== s) changed = true;
    return r;
  };
  const level = (): void => {
    if (value[at] !== '{') throw new PgValueSyntaxError('an array does not open with {');
    out += '{';
    at++;
    if (value[at] === '}') {
      out += '}';
      at++;
      return;
    }
    for (;;) {
      if (value[at] === '{') level();
      else if (value[at] === '"') {
        let s = '';
        for (at++; ; at++) {
          if (at >= value.length) throw new PgValueSyntaxError('an array element has no closing quote');
          const c = value[at]!;
          if (c === '\\') s += value[++at] ?? '';
          else if (c === '"') break;
          else s += c;
        }
        at++;
        const t = seen(s);
        const r = redactPgValue(t, element, parts);
        if (r !== t) changed = true;
        out += quoteElement(r, delimiter);
      } else {
        const start = at;
        while (at < value.length && value[at] !== delimiter && value[at] !== '}') at++;
        const s = value.slice(start, at);
        if (s === '' || /["\\{]/.test(s)) throw new PgValueSyntaxError('an array has a malformed element');
        if (s === 'NULL') {
          out += s;
          leaf++;
        } else {
          const t = seen(s);
          const r = redactPgValue(t, element, parts);
          if (r !== t) changed = true;
          out += quoteElement(r, delimiter);
        }
      }
      const c = value[at];
      at++;
      if (c === '}') {
        out += '}';
        return;
      }
      if (c !== delimiter) throw new PgValueSyntaxError('an array element is not followed by the delimiter or }');
      out += delimiter;
    }
  };
  level();
  if (at !== value.length) throw new PgValueSyntaxError('an array has text after its closing }');
  return changed ? out : value;
}

/**
 * A one-dimensional array of two or more text elements read as one argument list, as an agent's
 * tool call writes a command line (`{mysql,-u,root,-pPW}`, `{zip,-P,PW,out.zip}`): its elements as
 * a JSON array of strings, redacted as one text, then parsed back. Each element's text after that
 * (null for NULL), or null when nothing changed, the array nests, or the redacted text is no such
 * array any more. Each element is then scanned alone as well.
 */
function joinedElements(value: string, delimiter: string, parts: PgPartRedactor): (string | null)[] | null {
  const elements: (string | null)[] = [];
  let at = 1;
  if (value[0] !== '{' || value[1] === '}') return null;
  for (;;) {
    if (value[at] === '"') {
      let s = '';
      for (at++; ; at++) {
        if (at >= value.length) return null;
        const c = value[at]!;
        if (c === '\\') s += value[++at] ?? '';
        else if (c === '"') break;
        else s += c;
      }
      at++;
      elements.push(s);
    } else {
      const start = at;
      while (at < value.length && value[at] !== delimiter && value[at] !== '}') at++;
      const s = value.slice(start, at);
      if (s === '' || /["\\{]/.test(s)) return null;
      elements.push(s === 'NULL' ? null : s);
    }
    const c = value[at++];
    if (c === '}') break;
    if (c !== delimiter) return null;
  }
  const strings = elements.filter((e): e is string => e !== null);
  if (strings.length < 2 || at !== value.length) return null;
  const text = JSON.stringify(strings);
  const redacted = parts.text(text);
  if (redacted === text) return null;
  let back: unknown;
  try {
    back = JSON.parse(redacted);
  } catch {
    return null;
  }
  if (!Array.isArray(back) || back.length !== strings.length || !back.every((e) => typeof e === 'string')) return null;
  let k = 0;
  return elements.map((e) => (e === null ? null : (back as string[])[k++]!));
}

/** record_out's quoting: empty (NULL prints as nothing), or holding a parenthesis, a comma, a quote, a backslash or white space; quotes and backslashes doubled. */
function quoteField(value: string): string {
  let quote = value === '';
  for (let i = 0; !quote && i < value.length; i++) {
    const c = value[i]!;
    quote = c === '(' || c === ')' || c === ',' || c === '"' || c === '\\' || isSpace(c);
  }
  return quote ? `"${value.replace(/["\\]/g, '$&$&')}"` : value;
}

function redactRecord(value: string, fields: readonly { readonly name: string; readonly shape: PgShape }[], parts: PgPartRedactor): string {
  if (value[0] !== '(' || value[value.length - 1] !== ')') throw new PgValueSyntaxError('a composite value is not in parentheses');
  let at = 1;
  let changed = false;
  const out: string[] = [];
  for (let f = 0; f < fields.length; f++) {
    let s = '';
    let quoted = false;
    for (;;) {
      const c = value[at];
      if (c === undefined) throw new PgValueSyntaxError('a composite value ends inside a field');
      if (c === '"') {
        quoted = true;
        for (at++; ; at++) {
          const q = value[at];
          if (q === undefined) throw new PgValueSyntaxError('a composite field has no closing quote');
          if (q === '\\') s += value[++at] ?? '';
          else if (q === '"') {
            if (value[at + 1] !== '"') break;
            s += '"';
            at++;
          } else s += q;
        }
        at++;
      } else if (c === ',' || c === ')') break;
      else if (c === '\\') {
        s += value[at + 1] ?? '';
        at += 2;
      } else {
        s += c;
        at++;
      }
    }
    const last = f === fields.length - 1;
    if (value[at] !== (last ? ')' : ',') || (last && at !== value.length - 1)) throw new PgValueSyntaxError(`a composite value does not have the ${fields.length} fields its type has`);
    at++;
    if (s === '' && !quoted) {
      out.push('');
      continue;
    }
    const field = fields[f]!;
    const r = parts.named(field.name, s, true) ?? redactPgValue(s, field.shape, parts);
    if (r !== s) changed = true;
    out.push(quoteField(r));
  }
  return changed ? `(${out.join(',')})` : value;
}

const quoteHstore = (s: string): string => `"${s.replace(/["\\]/g, '\\$&')}"`;

function redactHstore(value: string, parts: PgPartRedactor): string {
  if (value === '') return value;
  let at = 0;
  const quoted = (): string => {
    if (value[at] !== '"') throw new PgValueSyntaxError('an hstore key or value is not quoted');
    let s = '';
    for (at++; ; at++) {
      const c = value[at];
      if (c === undefined) throw new PgValueSyntaxError('an hstore string has no closing quote');
      if (c === '\\') s += value[++at] ?? '';
      else if (c === '"') break;
      else s += c;
    }
    at++;
    return s;
  };
  let changed = false;
  const out: string[] = [];
  for (;;) {
    const key = quoted();
    if (value.slice(at, at + 2) !== '=>') throw new PgValueSyntaxError('an hstore pair has no =>');
    at += 2;
    let v: string | null = null;
    if (value.startsWith('NULL', at)) at += 4;
    else v = quoted();
    const k = parts.text(key);
    let r = v;
    if (v !== null) {
      // A key that held a secret takes its value along, as a JSON key does.
      r = k !== key ? parts.named('secret', v, false) ?? parts.text(v) : parts.named(key, v, false) ?? parts.text(v);
    }
    if (k !== key || r !== v) changed = true;
    out.push(`${quoteHstore(k)}=>${r === null ? 'NULL' : quoteHstore(r)}`);
    if (at === value.length) break;
    if (value.slice(at, at + 2) !== ', ') throw new PgValueSyntaxError('hstore pairs are not separated by ", "');
    at += 2;
  }
  return changed ? out.join(', ') : value;
}
