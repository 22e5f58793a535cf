/**
 * SQL that stores a secret in a row: `INSERT INTO users (email, password) VALUES ('…', '…')` (the
 * literal under a secret-named column, in every row of the VALUES list) and a key/value table's
 * `UPDATE settings SET value = '…' WHERE key = 'smtp_password'`. Found from secret_assignment's
 * keyword anchors inside the column's name or the setting's; what a value must be to count is the
 * caller's (`judge`), as for any assignment.
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

/** A quoted SQL literal's contents, `'…'` with `''` (and `\'`) inside; null when it is not one. */
function sqlString(text: string, from: number, limit: number): [number, number] | null {
  if (text.charCodeAt(from) !== 39) return null;
  for (let i = from + 1; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) i++;
    else if (c === 39) {
      if (text.charCodeAt(i + 1) === 39) i++;
      else return [from + 1, i];
    }
  }
  return null;
}

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
  let i = close + 1 + values[0].length;
  for (let row = 0; row < MAX_ROWS; row++) {
    const items = rowItems(text, i, limit);
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
function rowItems(text: string, from: number, limit: number): { values: { start: number; end: number; quoted: boolean }[]; next: number } | null {
  const values: { start: number; end: number; quoted: boolean }[] = [];
  let i = from;
  while (values.length < 256) {
    i = skipSql(text, i, limit);
    const literal = sqlString(text, i, limit);
    let end: number;
    if (literal) {
      end = skipSql(text, literal[1] + 1, limit);
      const c = text.charCodeAt(end);
      // `'a' || 'b'` and `'x'::bytea` are expressions: their literal is no value of its own.
      values.push(c === 44 || c === 41 ? { start: literal[0], end: literal[1], quoted: true } : { start: i, end: i, quoted: false });
      if (c !== 44 && c !== 41) end = expressionEnd(text, end, limit);
    } else {
      end = expressionEnd(text, i, limit);
      values.push({ start: i, end, quoted: false });
    }
    if (end >= limit) return null;
    if (text.charCodeAt(end) === 41) return { values, next: end + 1 };
    if (text.charCodeAt(end) !== 44) return null;
    i = end + 1;
  }
  return null;
}

/** Where an expression item ends: its `,` or the row's `)` at depth 0, literals and brackets passed over. */
function expressionEnd(text: string, from: number, limit: number): number {
  let depth = 0;
  for (let i = from; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === 39) {
      const s = sqlString(text, i, limit);
      if (!s) return limit;
      i = s[1];
    } else if (c === 40) depth++;
    else if (c === 41) {
      if (depth === 0) return i;
      depth--;
    } else if ((c === 44 && depth === 0) || c === 59) return c === 59 ? limit : i;
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
