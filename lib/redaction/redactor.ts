/**
 * The per-export redactor: rewrites rows in place following a table plan, renders placeholders
 * (plain, typed, or HMAC pseudonyms under a key that lives only in this object), and counts what
 * it replaced — counts only, never a value or a fragment of one.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { AcodeError } from '../errors.js';
import type { SqlValue } from '../records.js';
import { findJsonObjects, objectOwner, spansInStrings } from './json-in-text.js';
import { blankJsonc, looksLikeJson, redactJson } from './json-text.js';
import { jsonFences, shift, spansWithin } from './text-spans.js';
import { decodeUtf16, guessUtf16 } from './utf16.js';
import { PgValueSyntaxError, redactPgValue, type PgShape } from './pg-values.js';
import type { CompiledColumn, PolicyCore, TablePlan, WholeValueRule } from './policy.js';
import type { Category, RuleInfo, Span } from './rule.js';
import { activeRule, applySpans, type RuleSet } from './scanner.js';

/** Values longer than this (characters of text, bytes of BLOB) are refused rather than half-scanned. */
export const MAX_SCAN_LENGTH = 16 * 1024 * 1024;
/**
 * JSON inside a JSON string inside…: deeper levels get the content rules only. Each level is a
 * substring of the one above, so a value costs at most this many scans of its length; at ten
 * levels a quote is escaped by 1023 backslashes, and the leak scan reads that deep too.
 */
const MAX_JSON_DEPTH = 10;

export interface RuleCount {
  readonly count: number;
  readonly category: Category;
}

export interface RedactionSummary {
  readonly total: number;
  readonly byRule: Readonly<Record<string, RuleCount>>;
  /** table → column → rule → replacements. */
  readonly byTable: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, number>>>>>>;
  /** Matches kept because an `allow` entry names them as reviewed false positives. */
  readonly exempted: number;
}

export interface Redactor {
  /** Redacts a batch in place. On error the batch is half-done and must be dropped with the export. */
  redactRows(table: string, plan: TablePlan, rows: SqlValue[][]): void;
  summary(): RedactionSummary;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A conditional whole-value rule (`HMAC_KEY`'s) on a text or BLOB value: BLOBs read byte for byte. */
function takesWhole(rule: WholeValueRule, value: SqlValue): boolean {
  if (typeof value === 'string') return rule.takes!(value, false);
  if (value instanceof Uint8Array) return rule.takes!(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1'), false);
  return false;
}

export class RowRedactor implements Redactor {
  readonly #policy: PolicyCore;
  readonly #key: Buffer | null;
  readonly #plain = new Map<string, string>();
  readonly #byRule = new Map<string, { count: number; category: Category }>();
  readonly #byTable = new Map<string, Map<string, Map<string, number>>>();
  #total = 0;
  #exempted = 0;
  #counts: Map<string, number> | null = null;
  #table = '';
  #column = '';

  constructor(policy: PolicyCore) {
    this.#policy = policy;
    // Made here, used for HMACs, never written anywhere: without it no pseudonym can be traced back.
    this.#key = policy.pseudonymize ? randomBytes(32) : null;
  }

  redactRows(table: string, plan: TablePlan, rows: SqlValue[][]): void {
    const columns = this.#policy.compiled(plan);
    this.#table = table;
    let c = 0;
    try {
      for (c = 0; c < columns.length; c++) {
        const column = columns[c]!;
        if (column.action === 'keep') continue;
        this.#column = plan.columns[c]!.column;
        this.#counts = null;
        for (const row of rows) {
          const value = row[c];
          if (value === null || value === undefined) continue;
          if (column.action === 'redact') row[c] = this.#whole(column.rule, value);
          else row[c] = this.#scanValue(column, value, row);
        }
      }
    } catch (err) {
      if (err instanceof AcodeError) throw err;
      const rule = activeRule?.info.name;
      throw new AcodeError('ACODE-EXP-002', `table ${table}, column ${plan.columns[c]?.column ?? '?'}${rule ? `, rule '${rule}'` : ''}: ${err instanceof Error ? err.name : 'Error'} while redacting (the value is not shown)`, {
        cause: err,
        context: { table, column: plan.columns[c]?.column, rule },
      });
    }
  }

  summary(): RedactionSummary {
    const byRule: Record<string, RuleCount> = {};
    for (const [name, v] of this.#byRule) byRule[name] = { count: v.count, category: v.category };
    const byTable: Record<string, Record<string, Record<string, number>>> = {};
    for (const [table, columns] of this.#byTable) {
      byTable[table] = {};
      for (const [column, rules] of columns) byTable[table]![column] = Object.fromEntries(rules);
    }
    return { total: this.#total, byRule, byTable, exempted: this.#exempted };
  }

  #scanValue(column: Extract<CompiledColumn, { action: 'scan' }>, value: SqlValue, row: SqlValue[]): SqlValue {
    if (column.pairKey >= 0) {
      const key = row[column.pairKey];
      const rule = typeof key === 'string' ? this.#policy.pairKeyRule(key) : null;
      if (rule) return this.#whole(rule, value);
      const keyLike = typeof key === 'string' ? this.#policy.pairKeyLikeRule(key) : null;
      if (keyLike && takesWhole(keyLike, value)) return this.#whole(keyLike, value);
    }
    if (column.keyLike !== null && takesWhole(column.keyLike, value)) return this.#whole(column.keyLike, value);
    if (typeof value === 'string') return column.shape ? this.#pgValue(value, column.shape, column.rules) : this.#text(value, column.rules, 0);
    if (value instanceof Uint8Array) return this.#blob(value, column.rules);
    return value;
  }

  /** A PostgreSQL array, composite or hstore: each part redacted as a value of its own (pg-values.ts). */
  #pgValue(value: string, shape: PgShape, rules: RuleSet): string {
    if (value.length > MAX_SCAN_LENGTH) throw this.#tooLarge(value.length, 'characters');
    try {
      return redactPgValue(value, shape, {
        text: (s) => this.#text(s, rules, 0),
        blob: (b) => this.#blob(b, rules),
        named: (name, s, field) => {
          const rule = field ? this.#policy.keyRule(name) : this.#policy.jsonKeyRule(name);
          if (rule && (field || (rule.takes?.(s, false) ?? true))) return this.#whole(rule, s) as string;
          const keyLike = field ? this.#policy.keyLikeRule(name) : this.#policy.pairKeyLikeRule(name);
          return keyLike && takesWhole(keyLike, s) ? (this.#whole(keyLike, s) as string) : null;
        },
      });
    } catch (err) {
      if (!(err instanceof PgValueSyntaxError)) throw err;
      throw new AcodeError('ACODE-EXP-002', `table ${this.#table}, column ${this.#column}: a value could not be read as its PostgreSQL type prints it (${err.message}), so it cannot be redacted part by part (the value is not shown)`, {
        cause: err,
        context: { table: this.#table, column: this.#column },
        hint: 'no output was kept; leave the table out with --exclude-tables, or add a column rule that replaces the column whole',
      });
    }
  }

  #tooLarge(length: number, unit: string): AcodeError {
    return new AcodeError('ACODE-EXP-002', `table ${this.#table}, column ${this.#column}: a value of ${length} ${unit} is larger than the ${MAX_SCAN_LENGTH / 1024 / 1024} MiB that redaction scans; it cannot be exported redacted`, {
      context: { table: this.#table, column: this.#column },
      hint: 'no output was kept; exclude the column or table from the export, or shorten the value',
    });
  }

  #text(value: string, rules: RuleSet, depth: number): string {
    if (value.length > MAX_SCAN_LENGTH) throw this.#tooLarge(value.length, 'characters');
    const spans = rules.find(value);
    this.#exempted += rules.exempted;
    if (depth < MAX_JSON_DEPTH && looksLikeJson(value)) {
      const json = this.#json(value, spans, rules, depth) ?? this.#jsonc(value, spans, rules, depth);
      if (json !== null) return json;
    }
    if (depth < MAX_JSON_DEPTH && (value.indexOf('{') >= 0 || value.indexOf('```') >= 0)) {
      const embedded = this.#embedded(value, spans, rules, depth);
      if (embedded !== null) return embedded;
    }
    if (spans === null) return value;
    return applySpans(value, spans, (span, secret) => this.#render(span, secret));
  }

  /**
   * Text holding JSON: in markdown code fences (a chat message's ```json block) and as strictly valid
   * objects in the text around them (`Here is my config: {"credentials": {…}}`, a JSON Lines log).
   * Each is walked as JSON text is (a secret-named key's object or array gives up its values), the
   * rest given its spans. Null when the text holds no such JSON.
   */
  #embedded(value: string, spans: readonly Span[] | null, rules: RuleSet, depth: number): string | null {
    // rules.find gives spans sorted, overlaps merged.
    const sorted = spans ?? [];
    const blocks: [number, number, string][] = [];
    const objects = (from: number, to: number): void => {
      for (const [a, b] of findJsonObjects(value, from, to)) {
        const inside = spansWithin(sorted, a, b);
        // A span across the object's edge, or on its punctuation, numbers or literals, stays the text's.
        if (inside.some((sp) => sp.start < a || sp.end > b) || !spansInStrings(value, a, b, inside)) continue;
        const json = this.#owned(value, a, b, inside, rules, depth) ?? this.#json(value.slice(a, b), shift(inside, a, b), rules, depth + 1);
        if (json !== null) blocks.push([a, b, json]);
      }
    };
    let from = 0;
    for (const [start, end] of jsonFences(value)) {
      objects(from, start);
      const content = value.slice(start, end);
      const inside = shift(spansWithin(sorted, start, end), start, end);
      const json = this.#json(content, inside, rules, depth + 1) ?? this.#jsonc(content, inside, rules, depth + 1);
      if (json !== null) blocks.push([start, end, json]);
      else objects(start, end);
      from = end;
    }
    objects(from, value.length);
    if (blocks.length === 0) return null;
    let out = '';
    from = 0;
    for (const [start, end, json] of blocks) {
      out += this.#between(value, spansWithin(sorted, from, start), from, start) + json;
      from = end;
    }
    return out + this.#between(value, spansWithin(sorted, from, value.length), from, value.length);
  }

  /**
   * An object cut from a larger document under a secret's name (`"secrets": {"prod": {"db": "…"}}`
   * in prose, a fence or a log line): walked as that key's member is in JSON, so its values go as
   * they would in the whole document. Null when no secret-named key stands before it.
   */
  #owned(value: string, a: number, b: number, inside: readonly Span[], rules: RuleSet, depth: number): string | null {
    const owner = objectOwner(value, a);
    if (owner === null || this.#policy.jsonKeyRule(owner[1]) === null) return null;
    const head = `{${JSON.stringify(owner[1])}:`;
    const shifted = (shift(inside, a, b) ?? []).map((sp) => ({ ...sp, start: sp.start + head.length, end: sp.end + head.length }));
    const json = this.#json(`${head}${value.slice(a, b)}}`, shifted.length === 0 ? null : shifted, rules, depth + 1);
    return json !== null && json.startsWith(head) && json.endsWith('}') ? json.slice(head.length, -1) : null;
  }

  /** `value` from `a` to `b`, the spans that fall there applied. */
  #between(value: string, spans: readonly Span[] | null, a: number, b: number): string {
    const part = value.slice(a, b);
    const within = (spans ?? []).filter((sp) => sp.end > a && sp.start < b).map((sp) => ({ ...sp, start: Math.max(sp.start, a) - a, end: Math.min(sp.end, b) - a }));
    return within.length === 0 ? part : applySpans(part, within, (span, secret) => this.#render(span, secret));
  }

  /**
   * JSONC (comments, trailing commas: VS Code's settings, tsconfig, devcontainer.json) walked as JSON
   * is, through a copy with those made spaces; the comments are kept, given the spans found in them.
   * Null when it is no JSONC either.
   */
  #jsonc(value: string, spans: readonly Span[] | null, rules: RuleSet, depth: number): string | null {
    const blank = blankJsonc(value);
    return blank === null ? null : this.#json(blank, spans, rules, depth, this.#betweenInOrder(value, spans));
  }

  /**
   * #between for calls in order (the JSON walk's copies between rewritten tokens): each call looks
   * at the spans from where the last left off, not at all of them (64k secrets took 5.8 s).
   */
  #betweenInOrder(value: string, spans: readonly Span[] | null): (a: number, b: number) => string {
    const sorted = [...(spans ?? [])].sort((x, y) => x.start - y.start);
    let first = 0;
    return (a, b) => {
      while (first < sorted.length && sorted[first]!.end <= a) first++;
      const near: Span[] = [];
      for (let k = first; k < sorted.length && sorted[k]!.start < b; k++) if (sorted[k]!.end > a) near.push(sorted[k]!);
      return this.#between(value, near, a, b);
    };
  }

  /**
   * JSON text: key rules by name at any depth, and the content rules' findings on the whole text
   * applied to the strings they fall in. A string with escapes reads differently decoded, so it is
   * decoded and scanned on its own (which also reaches JSON nested inside it).
   */
  #json(value: string, spans: readonly Span[] | null, rules: RuleSet, depth: number, copy?: (start: number, end: number) => string): string | null {
    let next = 0;
    return redactJson<WholeValueRule>(value, {
      keyRule: (key) => this.#policy.jsonKeyRule(key),
      text: (s, start, end, escaped) => {
        if (escaped) return this.#text(s, rules, depth + 1);
        if (spans === null) return s;
        while (next < spans.length && spans[next]!.end <= start) next++;
        const inside: Span[] = [];
        for (let k = next; k < spans.length && spans[k]!.start < end; k++) {
          const sp = spans[k]!;
          inside.push({ start: Math.max(sp.start, start) - start, end: Math.min(sp.end, end) - start, rule: sp.rule, replacement: sp.replacement });
        }
        return inside.length === 0 ? s : applySpans(s, inside, (span, secret) => this.#render(span, secret));
      },
      takes: (rule, secret, container) => rule.takes?.(secret, container) ?? true,
      walks: (rule) => rule.info.source === 'default',
      whole: (rule, secret) => {
        const out = this.#whole(rule, secret);
        return out === secret ? null : (out as string);
      },
    }, copy);
  }

  /** A BLOB of UTF-8 or UTF-16 text is redacted as text (and written back in its encoding); any other BLOB is read byte for byte (latin1) so ASCII secrets inside binary data are still found. Either way it stays a BLOB. */
  #blob(value: Uint8Array, rules: RuleSet): Uint8Array {
    if (value.length > MAX_SCAN_LENGTH) throw this.#tooLarge(value.length, 'bytes');
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    // UTF-16 first: its ASCII range is valid UTF-8 too, with a NUL after every letter.
    const wide = decodeUtf16(value);
    if (wide) {
      const redacted = this.#text(wide.text, rules, 0);
      return redacted === wide.text ? value : wide.encode(redacted);
    }
    let text: string;
    try {
      text = utf8.decode(value);
    } catch {
      const latin1 = bytes.toString('latin1');
      const spans = rules.find(latin1);
      this.#exempted += rules.exempted;
      if (spans !== null) return Buffer.from(applySpans(latin1, spans, (span, secret) => this.#render(span, secret)), 'latin1');
      // UTF-16 with no byte order mark and few zero bytes (CJK text from Windows tools): as text, when it reads as text.
      const guessed = guessUtf16(value);
      if (guessed === null) return value;
      const redacted = this.#text(guessed.text, rules, 0);
      return redacted === guessed.text ? value : guessed.encode(redacted);
    }
    const redacted = this.#text(text, rules, 0);
    return redacted === text ? value : Buffer.from(redacted, 'utf8');
  }

  #render(span: Span, secret: string): string {
    if (span.replacement !== undefined) {
      this.#count(span.rule.info);
      return span.replacement;
    }
    return this.#placeholder(span.rule.info, span.rule.replacement, secret);
  }

  /** A whole value under a column rule: text becomes the placeholder, a BLOB its UTF-8 bytes, a number the placeholder text. */
  #whole(rule: WholeValueRule, value: SqlValue): SqlValue {
    const blob = value instanceof Uint8Array;
    const secret = blob ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1') : String(value);
    if (secret === '') return value;
    if ((rule.allow?.(secret) ?? false) || (this.#policy.allow?.(secret) ?? false)) {
      this.#exempted++;
      return value;
    }
    const placeholder = this.#placeholder(rule.info, rule.replacement, secret);
    return blob ? Buffer.from(placeholder, 'utf8') : placeholder;
  }

  #placeholder(info: RuleInfo, replacement: string | null, secret: string): string {
    this.#count(info);
    if (replacement !== null) return replacement;
    const typed = this.#policy.placeholder === 'typed';
    if (this.#key) {
      const tag = createHmac('sha256', this.#key).update(secret).digest('hex').slice(0, 12);
      return typed ? `[REDACTED:${info.name}:${tag}]` : `[REDACTED:${tag}]`;
    }
    if (!typed) return '[REDACTED]';
    let text = this.#plain.get(info.name);
    if (text === undefined) {
      text = `[REDACTED:${info.name}]`;
      this.#plain.set(info.name, text);
    }
    return text;
  }

  #count(info: RuleInfo): void {
    this.#total++;
    const r = this.#byRule.get(info.name);
    if (r) r.count++;
    else this.#byRule.set(info.name, { count: 1, category: info.category });
    let counts = this.#counts;
    if (!counts) {
      let columns = this.#byTable.get(this.#table);
      if (!columns) this.#byTable.set(this.#table, (columns = new Map()));
      counts = columns.get(this.#column) ?? null;
      if (!counts) columns.set(this.#column, (counts = new Map()));
      this.#counts = counts;
    }
    counts.set(info.name, (counts.get(info.name) ?? 0) + 1);
  }
}
