/**
 * SQL that stores a secret in a row: `INSERT INTO users (email, password) VALUES ('…', '…')` (the
 * literal under a secret-named column, in every row of the VALUES list) and a key/value table's
 * `UPDATE settings SET value = '…' WHERE key = 'smtp_password'`. Found from secret_assignment's
 * keyword anchors inside the column's name or the setting's; what a value must be to count is the
 * caller's (`judge`), as for any assignment. And a column definition's `DEFAULT '…'` under a
 * secret-named column (`api_key VARCHAR(64) NOT NULL DEFAULT '…'`), a table's DDL pasted in a chat.
 */
import { isTablePairKeyName, isTablePairValue, isSecretSettingName, squash } from './names.js';
import { charTable, inTable, runEnd, runStart } from './rule.js';

const NAME = charTable('A-Za-z0-9_');
const SETTING = charTable('A-Za-z0-9_.-');
/** Quotes around an identifier: `"name"`, `` `name` ``, `[name]`. */
const IDENT_QUOTE = charTable('"`[]');
/** How far back a column list's `(` and a statement's start are looked for. */
const MAX_LIST = 512;
const MAX_STATEMENT = 1024;
/** Rows and characters of a VALUES list read at most. */
const MAX_ROWS = 256;
const MAX_VALUES_TEXT = 65536;
const INSERT_HEAD = /\b(?:insert|replace)(?:\s+(?:or\s+\w+|ignore))?\s+into\s+[\w."`[\]]+\s*$/i;
const COLUMN_LIST = /^[\w\s"`[\],]*$/;
/** `ALTER TABLE t ADD [COLUMN]` before a column's definition. */
const ADD_COLUMN = /\badd(?:[ \t]+column)?$/i;
/**
 * After a column's name: its type (`TEXT`, `VARCHAR(64)`, `character varying`), up to four
 * constraints, then DEFAULT before a literal. Each part is bounded: the regex reads 160 characters.
 */
const COLUMN_DEFAULT = /^["`\]]?[ \t]+[A-Za-z]\w{0,30}(?:[ \t]+(?:varying|precision|unsigned))?(?:[ \t]*\([ \t]*\d{1,5}(?:[ \t]*,[ \t]*\d{1,3})?[ \t]*\))?(?:[ \t]+(?:not[ \t]+null|null|unique|collate[ \t]+\w{1,32}|constraint[ \t]+\w{1,64})){0,4}[ \t]+default[ \t]+(?=')/i;

/** A quoted SQL literal's contents, `'…'` with `''` (and `\'`) inside; null when it is not one. */
function sqlString(text: string, from: number, limit: number): [number, number] | null {
  if (text.charCodeAt(from) !== 39) return null;
  const close = literalClose(text, from, limit);
  return close < 0 ? null : [from + 1, close];
}

/** The closing quote of the literal opened at `from`, or -1 when it is not closed before `limit`. */
function literalClose(text: string, from: number, limit: number): number {
  for (let i = from + 1; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) i++;
    else if (c === 39) {
      if (text.charCodeAt(i + 1) === 39) i++;
      else return i;
    }
  }
  return -1;
}

/**
 * Where the literals and brackets that VALUES reads meet in one text close, each found once: read
 * again by each anchor, a repeated unclosed `INSERT … (…, password) VALUES (` had every occurrence
 * read the 64 KiB after it (1 MiB took 19 s). A literal's or bracket's close depends on where it
 * opens only, not on the read that meets it, so what one read found holds for the next.
 */
class Closes {
  readonly text: string;
  readonly #literals = new Map<number, number>();
  readonly #brackets = new Map<number, number>();

  constructor(text: string) {
    this.text = text;
  }

  /** The literal's closing quote (at `from`), or -1 when the text leaves it open. */
  literal(from: number): number {
    let close = this.#literals.get(from);
    if (close === undefined) {
      close = literalClose(this.text, from, this.text.length);
      this.#literals.set(from, close);
    }
    return close;
  }

  /**
   * The `)` closing the `(` at `from`, literals and inner brackets passed over; -1 when a `;`, a
   * literal left open or the text's end comes first. Inner brackets met are remembered too.
   */
  bracket(from: number): number {
    const known = this.#brackets.get(from);
    if (known !== undefined) return known;
    const text = this.text;
    const open = [from];
    let i = from + 1;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 39) {
        const close = this.literal(i);
        if (close < 0) break;
        i = close + 1;
        continue;
      }
      if (c === 40) {
        const inner = this.#brackets.get(i);
        if (inner === undefined) open.push(i);
        else if (inner < 0) break;
        else i = inner;
      } else if (c === 41) {
        this.#brackets.set(open.pop()!, i);
        if (open.length === 0) return i;
      } else if (c === 59) break;
      i++;
    }
    for (const at of open) this.#brackets.set(at, -1);
    return -1;
  }
}

/** The last text read (an export redacts one value at a time, each read by many anchors). */
let closes: Closes | null = null;

function skipSql(text: string, from: number, limit: number): number {
  let i = from;
  while (i < limit) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
    i++;
  }
  return i;
}

/** The word around `at` in `table`, and whether an identifier's quote or a list's punctuation (`before`, `after`) encloses it. */
function enclosed(text: string, at: number, table: Uint8Array, before: string, after: string): [number, number] | null {
  const start = runStart(text, at, table, 128);
  const end = runEnd(text, at, table, at + 128);
  let i = start;
  while (i > 0 && start - i < 8 && (inTable(IDENT_QUOTE, text.charCodeAt(i - 1)) || text.charCodeAt(i - 1) === 32)) i--;
  let j = end;
  while (j < text.length && j - end < 8 && (inTable(IDENT_QUOTE, text.charCodeAt(j)) || text.charCodeAt(j) === 32)) j++;
  return i > 0 && j < text.length && before.includes(text[i - 1]!) && after.includes(text[j]!) ? [start, end] : null;
}

/**
 * `INSERT INTO t (…, password, …) VALUES (…, '…', …), (…)`: the literals under the column whose
 * name holds `at`, when `judge(name, value)` takes them. Empty when `at` is no such column.
 */
export function sqlInsertValues(text: string, at: number, judge: (name: string, value: string) => boolean): [number, number][] {
  const name = enclosed(text, at, NAME, '(,', ',)');
  if (!name || name[1] === name[0]) return [];
  // Both searches stay within MAX_LIST: unbounded, each of a long value's anchors read the text
  // back to its start (1 MiB of `token,token,…` took 80 s).
  const listStart = Math.max(0, name[0] - MAX_LIST - 1);
  const before = text.slice(listStart, name[0]).lastIndexOf('(');
  const open = before < 0 ? -1 : listStart + before;
  if (open < 0 || !COLUMN_LIST.test(text.slice(open + 1, name[0]))) return [];
  if (!INSERT_HEAD.test(text.slice(Math.max(0, open - 128), open))) return [];
  const after = text.slice(name[1], name[1] + MAX_LIST + 1).indexOf(')');
  const close = after < 0 ? -1 : name[1] + after;
  if (close < 0 || !COLUMN_LIST.test(text.slice(name[1], close))) return [];
  const columns = text.slice(open + 1, close).split(',').map((c) => c.trim().replace(/^["`[]|["`\]]$/g, ''));
  const column = text.slice(name[0], name[1]);
  const index = columns.indexOf(column);
  const values = /^\s*values?\s*\(/i.exec(text.slice(close + 1, close + 64));
  if (index < 0 || !values) return [];
  const spans: [number, number][] = [];
  const limit = Math.min(text.length, close + MAX_VALUES_TEXT);
  if (closes?.text !== text) closes = new Closes(text);
  let i = close + 1 + values[0].length;
  for (let row = 0; row < MAX_ROWS; row++) {
    const items = rowItems(closes, i, limit);
    if (!items) break;
    const item = items.values[index];
    if (item && item.quoted && item.end > item.start && judge(column, text.slice(item.start, item.end))) spans.push([item.start, item.end]);
    i = skipSql(text, items.next, limit);
    if (text.charCodeAt(i) !== 44) break;
    i = skipSql(text, i + 1, limit);
    if (text.charCodeAt(i) !== 40) break;
    i++;
  }
  return spans;
}

/** The items of one VALUES row from just after its `(`: each a quoted literal's contents or an expression's text; `next` is after its `)`. */
function rowItems(closes: Closes, from: number, limit: number): { values: { start: number; end: number; quoted: boolean }[]; next: number } | null {
  const text = closes.text;
  const values: { start: number; end: number; quoted: boolean }[] = [];
  let i = from;
  while (values.length < 256) {
    i = skipSql(text, i, limit);
    const close = text.charCodeAt(i) === 39 ? closes.literal(i) : -1;
    let end: number;
    if (close >= 0 && close < limit) {
      end = skipSql(text, close + 1, limit);
      const c = text.charCodeAt(end);
      // `'a' || 'b'` and `'x'::bytea` are expressions: their literal is no value of its own.
      values.push(c === 44 || c === 41 ? { start: i + 1, end: close, quoted: true } : { start: i, end: i, quoted: false });
      if (c !== 44 && c !== 41) end = expressionEnd(closes, end, limit);
    } else {
      end = expressionEnd(closes, i, limit);
      values.push({ start: i, end, quoted: false });
    }
    if (end >= limit) return null;
    if (text.charCodeAt(end) === 41) return { values, next: end + 1 };
    if (text.charCodeAt(end) !== 44) return null;
    i = end + 1;
  }
  return null;
}

/** Where an expression item ends: its `,` or the row's `)` at depth 0, literals and brackets passed over (`limit` when one closes at or past it). */
function expressionEnd(closes: Closes, from: number, limit: number): number {
  const text = closes.text;
  for (let i = from; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === 39 || c === 40) {
      const close = c === 39 ? closes.literal(i) : closes.bracket(i);
      if (close < 0 || close >= limit) return limit;
      i = close;
    } else if (c === 41 || c === 44) return i;
    else if (c === 59) return limit;
  }
  return limit;
}

const UPDATE_HEAD = /\bupdate\s+[\w."`[\]]+\s+set\s/i;
/** A SET list's assignment of a value column: its name (group 1), then `= '`. */
const SET_VALUE = /(?:\bset\s+|,\s*)["`[]?(\w+)["`\]]?\s*=\s*(?=')/gi;

/**
 * A key/value table's `UPDATE settings SET value = '…' WHERE key = 'smtp_password'`: the literal
 * set into the value column when the setting's name (holding `at`, in the WHERE's quotes) is a
 * secret's. Null when `at` is no such name.
 */
export function sqlSettingUpdate(text: string, at: number): [number, number] | null {
  const name = enclosed(text, at, SETTING, "'", "'");
  if (!name || text.charCodeAt(name[0] - 1) !== 39 || text.charCodeAt(name[1]) !== 39) return null;
  const key = /(\w+)["`\]]?\s*=\s*$/.exec(text.slice(Math.max(0, name[0] - 48), name[0] - 1));
  if (!key || !isTablePairKeyName(squash(key[1]!)) || !isSecretSettingName(text.slice(name[0], name[1]))) return null;
  const from = Math.max(0, name[0] - MAX_STATEMENT);
  const statement = text.slice(from, name[0]).split(';').pop()!;
  const start = name[0] - statement.length;
  const head = UPDATE_HEAD.exec(statement);
  const where = statement.search(/\bwhere\b[^]*$/i);
  if (!head || where < head.index) return null;
  for (const m of statement.slice(0, where).matchAll(SET_VALUE)) {
    if (m.index! < head.index || !isTablePairValue('', squash(m[1]!))) continue;
    const literal = sqlString(text, start + m.index! + m[0].length, start + where);
    return literal && literal[1] > literal[0] ? literal : null;
  }
  return null;
}

/**
 * `password TEXT DEFAULT '…'` in a column definition (a line's first word, or after `(` or `,`):
 * the literal, when `judge(name, value)` takes it; null when `at` is in no such column's name.
 */
export function sqlColumnDefault(text: string, at: number, judge: (name: string, value: string) => boolean): [number, number] | null {
  const start = runStart(text, at, NAME, 128);
  const end = runEnd(text, at, NAME, at + 128);
  if (end === start) return null;
  let i = start;
  if (i > 0 && inTable(IDENT_QUOTE, text.charCodeAt(i - 1))) i--;
  while (i > 0 && start - i < 64 && (text.charCodeAt(i - 1) === 32 || text.charCodeAt(i - 1) === 9)) i--;
  const before = i === 0 ? 10 : text.charCodeAt(i - 1);
  if (before !== 10 && before !== 40 && before !== 44 && !ADD_COLUMN.test(text.slice(Math.max(0, i - 16), i))) return null;
  const m = COLUMN_DEFAULT.exec(text.slice(end, end + 160));
  if (!m) return null;
  const from = end + m[0].length;
  const literal = sqlString(text, from, Math.min(text.length, from + MAX_STATEMENT));
  if (!literal || literal[1] === literal[0]) return null;
  return judge(text.slice(start, end), text.slice(literal[0], literal[1])) ? literal : null;
}
