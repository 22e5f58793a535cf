/** Secrets in tabular text and SQL: CSV/TSV columns under a secret's header, SQL `INSERT … VALUES`, a key/value `UPDATE`, a column's `DEFAULT`, and the statements that set a user's password. */
import { literalAfter } from './calls.js';
import { isCode } from './code-shape.js';
import type { LeakHit } from '../leak-detector.js';
import { LINE_REACH, type SectionWalk, isSpace, lineBreakEnd, lineEndAfter, lineStartBefore, skipSpaces } from './lines.js';
import { REACH, TABLE_DESCRIPTION, generated, hit, isTokenChar, looksSecret, valueEnd } from './values.js';
import { secretName } from './words.js';

/** A key/value table's row named after the value: `WHERE key = 'smtp_password'` (or `name`), the statement's end not between. */
const SETTING_WHERE = /^'[^';\n]{0,256}?\bwhere\s+\\*["`]?(?:key|name|setting)\\*["`]?\s*=\s*'([\w.-]{1,64})'/i;

/** `UPDATE settings SET value = '…' WHERE key = 'smtp_password'`: the `value` at `at` is a literal set in a row keyed by a secret's name. */
export function settingUpdate(text: string, at: number, valueEnd_: number): boolean {
  if (!/\bset\s+\\*["`]?$/i.test(text.slice(Math.max(0, at - 8), at)) || text.charCodeAt(valueEnd_) !== 39) return false;
  const where = SETTING_WHERE.exec(text.slice(valueEnd_, valueEnd_ + 400));
  return where !== null && secretName(where[1]!);
}

/** A CSV or TSV header's cell: a name, maybe quoted. */
const HEADER_CELL = /^[A-Za-z_][\w.-]{0,63}$/;

/** Header cells that name words as often as secrets (a lexer's `token`, a table's `key`), and counts. */
const WORD_COLUMN = /^(?:tokens?|keys?)$|tokens$/i;

/** What makes a line code, not a CSV row: brackets, `=`, `;`, a pipe, an indent. */
const NOT_CSV = /^[ \t]|[(){}[\]=;|]/;

const CSV_ROWS = 64;

/**
 * A CSV or TSV header with a cell naming a secret (`name,api_key`, `user\tpassword`, at a line's or
 * a JSON string's start), and the rows below it (up to 64, within the scan's reach): the cells in
 * that column that look generated. Every secret column of a header at once, its rows read once.
 */
export function csvHeader(text: string, nameAt: number, hits: LeakHit[], tables: SectionWalk): void {
  // A header is a line of its own, read once: any other anchor on it (or in the rows read) would find the same.
  if (nameAt < tables.read) return;
  const lineStart = lineStartBefore(text, nameAt);
  const lineEnd = lineEndAfter(text, nameAt);
  tables.read = lineEnd;
  if (nameAt - lineStart >= LINE_REACH && lineStart > 0) return;
  // An export's JSON string: the header may open it (`"content":"name,api_key\n…`), its line breaks and tabs are escaped.
  const head = text.slice(lineStart, nameAt);
  const opening = Math.max(head.lastIndexOf('":"'), head.lastIndexOf('": "'));
  const from = opening < 0 ? lineStart : lineStart + head.indexOf('"', opening + 1) + 1;
  const escaped = text.charCodeAt(lineEnd) === 92;
  const line = text.slice(from, lineEnd).replace(/\r$|\\r$/, '');
  const sep = line.includes('\\t') ? '\\t' : line.includes('\t') ? '\t' : ',';
  if (NOT_CSV.test(line) || (sep === ',' && line.includes('\t'))) return;
  const names = line.split(sep).map((c) => c.replace(/^[ \t]*\\?"?|\\?"?[ \t]*$/g, ''));
  if (names.length < 2 || names.length > 64 || !names.every((n) => HEADER_CELL.test(n) && !(generated(n) && looksSecret(n, 10, 3)))) return;
  const columns = names.flatMap((n, i) => (secretName(n) && !WORD_COLUMN.test(n) ? [i] : []));
  if (columns.length === 0) return;
  let row = lineBreakEnd(text, escaped ? lineEnd + 1 : lineEnd);
  for (let n = 0; n < CSV_ROWS && row >= 0 && row - lineStart < REACH - 1024; n++) {
    let rowEnd = lineEndAfter(text, row);
    // In JSON, an unescaped quote ends the string and its table.
    const close = escaped ? unescapedQuote(text, row, rowEnd) : -1;
    if (close >= 0) rowEnd = close;
    const cells = text.slice(row, rowEnd).split(sep);
    if (cells.length !== names.length || NOT_CSV.test(text.slice(row, rowEnd)) || cells.some((c) => c.trim() === '')) return;
    let at = row;
    for (let i = 0; i < cells.length; i++) {
      if (columns.includes(i)) csvValue(text, at, at + cells[i]!.length, hits);
      at += cells[i]!.length + sep.length;
    }
    tables.read = rowEnd;
    if (close >= 0) return;
    row = lineBreakEnd(text, text.charCodeAt(rowEnd) === 92 ? rowEnd + 1 : rowEnd);
  }
}

/** The first `"` in [from, to) no backslash escapes, or -1. */
function unescapedQuote(text: string, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) i++;
    else if (c === 34) return i;
  }
  return -1;
}

/**
 * A CSV cell in [from, to) under a secret's header: the whole cell one value (quotes and spaces
 * around it aside), generated as keys are (digits in two places, or a digit among three capitals
 * and three small letters), not a type, a UUID, a path or a slug.
 */
function csvValue(text: string, from: number, to: number, hits: LeakHit[]): void {
  let start = from;
  while (start < to && (text.charCodeAt(start) === 32 || text.charCodeAt(start) === 92 || text.charCodeAt(start) === 34)) start++;
  const end = valueEnd(text, start);
  if (!/^\\?"?[ \t]*(?:\r|\\r)?$/.test(text.slice(end, to))) return;
  const value = text.slice(start, end);
  const digitRuns = value.match(/\d+/g)?.length ?? 0;
  const keyLike = digitRuns >= 2 || (digitRuns === 1 && /(?:[A-Z].*){3}/.test(value) && /(?:[a-z].*){3}/.test(value) && !/^[A-Za-z]+\d+[A-Za-z]*$/.test(value));
  if (value.length > 512 || !keyLike || !looksSecret(value, 12, 3) || !generated(value) || TABLE_DESCRIPTION.test(value) || /^[A-Za-z]+(?:[-_](?:[A-Za-z]+|\d{1,4}[a-z]{0,3}))+$/.test(value)) return;
  hits.push(hit('secret_assignment', value, start, end));
}

/** Before an INSERT's column list: `INTO` and the table's name (quoted as SQL quotes, or JSON-escaped). */
const INSERT_INTO = /\binto\s+[\w."`[\]\\]{1,128}\s*$/i;

/** A column list's names: words, SQL's identifier quotes and JSON's escapes. */
const COLUMN_NAMES = /^[\w\s"`[\],\\]{1,512}$/;

/** Rows and characters of a VALUES list read at most. */
const MAX_SQL_ROWS = 256;

const MAX_SQL_TEXT = 65536;

/**
 * `INSERT INTO t (…, password, …) VALUES (…, '…', …), (…)`: the literals under a secret-named
 * column, found from `VALUES` after a column list's `)`. Each row is read once: the next search
 * starts past the list read.
 */
export function sqlInserts(text: string, hits: LeakHit[]): void {
  for (const needle of ['VALUES', 'values']) {
    let read = 0;
    for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, Math.max(at + 6, read))) {
      // `) VALUES`, `)\nVALUES`, JSON's `)\\nVALUES`.
      let close = at;
      while (close > 0 && at - close < 8 && (isSpace(text.charCodeAt(close - 1)) || (text.charCodeAt(close - 2) === 92 && 'nrt'.includes(text[close - 1]!)))) close -= isSpace(text.charCodeAt(close - 1)) ? 1 : 2;
      if (close === at || text.charCodeAt(close - 1) !== 41) continue;
      const head = text.slice(Math.max(0, close - 1 - 512), close - 1);
      const open = head.lastIndexOf('(');
      if (open < 0) continue;
      const list = head.slice(open + 1);
      if (!COLUMN_NAMES.test(list) || !INSERT_INTO.test(text.slice(Math.max(0, close - 1 - list.length - 1 - 160), close - 1 - list.length - 1))) continue;
      const columns = list.split(',').map((c) => c.replace(/[\s"`[\]\\]+/g, ''));
      const secret = columns.map((c) => secretName(c) && !/tokens$/i.test(c));
      if (!secret.includes(true)) continue;
      read = valueRows(text, at + needle.length, columns.length, secret, hits);
    }
  }
}

/** A VALUES list's rows from `from`: each field a quoted literal or a bare word; the literals in `secret` columns judged. Returns where reading stopped. */
function valueRows(text: string, from: number, width: number, secret: readonly boolean[], hits: LeakHit[]): number {
  const limit = Math.min(text.length, from + MAX_SQL_TEXT);
  let i = from;
  for (let row = 0; row < MAX_SQL_ROWS; row++) {
    i = skipSpaces(text, i, limit);
    if (text.charCodeAt(i) !== 40) return i;
    i++;
    for (let field = 0; field < width; field++) {
      i = skipSpaces(text, i, limit);
      const quote = text.charCodeAt(i);
      if (quote === 39) {
        const start = i + 1;
        let end = start;
        // '' inside a literal is a quote; a backslash escapes (MySQL, and JSON's escaped quote).
        for (; end < limit; end++) {
          const c = text.charCodeAt(end);
          if (c === 92) end++;
          else if (c === 39) {
            if (text.charCodeAt(end + 1) !== 39) break;
            end++;
          }
        }
        if (end >= limit) return end;
        if (secret[field]) {
          const valueStop = valueEnd(text, start);
          const value = text.slice(start, valueStop);
          if (valueStop === end && looksSecret(value) && generated(value) && !isCode(value, 39)) hits.push(hit('secret_assignment', value, start, end));
        }
        i = end + 1;
      } else {
        // A number, NULL, a parameter, a call (its brackets skipped): no literal of its own.
        let depth = 0;
        while (i < limit) {
          const c = text.charCodeAt(i);
          if (c === 40) depth++;
          else if (c === 41 && depth-- === 0) break;
          else if (c === 44 && depth === 0) break;
          else if (c === 39) return i;
          i++;
        }
      }
      i = skipSpaces(text, i, limit);
      const c = text.charCodeAt(i);
      if (c !== (field === width - 1 ? 41 : 44)) return i;
      i++;
    }
    i = skipSpaces(text, i, limit);
    if (text.charCodeAt(i) !== 44) return i;
    i++;
  }
  return i;
}

/** A column definition before `DEFAULT`: its name (quoted as SQL quotes, or JSON-escaped), a type and constraints. */
const COLUMN_DEFINITION = /^[ \t]*\\*["`[]?([A-Za-z_]\w{0,63})\\*["`\]]?[ \t]+[A-Za-z][\w \t(),]{0,160}$/;

/** A table definition's `password TEXT NOT NULL DEFAULT '…'`: the literal, when the column names a secret and it looks generated. */
export function columnDefaults(text: string, hits: LeakHit[]): void {
  // From the literal's quote: one pass over a rare character (`DEFAULT ` and `default ` are slow needles for indexOf).
  for (let quote = text.indexOf("'"); quote >= 0; quote = text.indexOf("'", quote + 1)) {
    let at = quote;
    while (at > 0 && quote - at < 8 && text.charCodeAt(at - 1) === 32) at--;
    if (at === quote || at < 7) continue;
    at -= 7;
    const word = text.slice(at, at + 7);
    if ((word !== 'DEFAULT' && word !== 'default') || (at > 0 && isTokenChar(text.charCodeAt(at - 1)))) continue;
    // Back to the definition's start: a `(` or `,` outside the type's brackets, a line break, or a JSON string's opening quote (`"content":"`).
    let from = at;
    for (let depth = 0; from > 0 && at - from < 256; from--) {
      const c = text.charCodeAt(from - 1);
      if (c === 41) depth++;
      else if (c === 40 && depth-- === 0) break;
      else if ((c === 44 && depth === 0) || c === 10 || (c === 110 && text.charCodeAt(from - 2) === 92) || (c === 34 && text.charCodeAt(from - 2) === 58)) break;
    }
    const column = COLUMN_DEFINITION.exec(text.slice(from, at));
    if (!column || !secretName(column[1]!) || /tokens$/i.test(column[1]!)) continue;
    const start = quote + 1;
    const end = valueEnd(text, start);
    const value = text.slice(start, end);
    if (text.charCodeAt(end) === 39 && looksSecret(value) && generated(value)) hits.push(hit('secret_assignment', value, start, end));
  }
}

/** Before a `PASSWORD '…'` clause that sets a role's password: WITH, LOGIN, ENCRYPTED, or `ALTER|CREATE USER|ROLE name` (quoted raw or JSON-escaped). */
const PASSWORD_CLAUSE = /(?:\b(?:with|login|encrypted)|\b(?:alter|create)\s+(?:user|role)\s+(?:if\s+(?:not\s+)?exists\s+)?(?:\\?"[\w$.-]{1,64}\\?"|'[\w$.@%-]{1,64}'|[\w$.-]{1,64}))\s+$/i;

/**
 * `ALTER USER app WITH PASSWORD '…'`, `CREATE ROLE app LOGIN PASSWORD '…'`: the literal after the
 * word `password` at `nameAt` (a space after it, `after`), when generated-looking. False when
 * the word is no such clause's (the caller reads it on).
 */
export function sqlPasswordClause(text: string, nameAt: number, after: number, hits: LeakHit[]): boolean {
  if (after - nameAt !== 9 || (nameAt > 0 && isTokenChar(text.charCodeAt(nameAt - 1)))) return false;
  let i = after;
  while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
  // MySQL's `SET PASSWORD FOR 'bob'@'%' = '…'` (`SET PASSWORD = '…'` is an assignment the caller reads).
  const user = /^for\s+(?:'[^'\n]{1,64}'(?:@'[^'\n]{1,255}')?|[\w$.@%-]{1,64})\s*=\s*(?=')/i.exec(text.slice(i, i + 360));
  if (user && /\bset\s+$/i.test(text.slice(Math.max(0, nameAt - 8), nameAt))) i += user[0].length;
  else if (text.charCodeAt(i) !== 39 || !PASSWORD_CLAUSE.test(text.slice(Math.max(0, nameAt - 160), nameAt))) return false;
  const start = i + 1;
  const end = valueEnd(text, start);
  const value = text.slice(start, end);
  if (text.charCodeAt(end) === 39 && looksSecret(value) && generated(value)) hits.push(hit('secret_assignment', value, start, end));
  return true;
}

/** Before `IDENTIFIED BY '…'`: a statement about a user, role, link or keystore, as the rules read it (not prose's "columns identified by"). */
const IDENTIFIED_STATEMENT = /\b(?:user|role|grant|login|connect\s+to|database\s+link|keystore|key\s+management|password|replication)\b|'@'/i;
/** Before an unquoted password (Oracle's): `CREATE|ALTER USER name`, `CONNECT TO name`. */
const ORACLE_USER = /\b(?:(?:create|alter)\s+user|connect\s+to)\s+\\*["']?[\w$#.]{1,128}\\*["']?\s+$/i;

/** The clause, in any case, with MySQL's plugin (`IDENTIFIED WITH caching_sha2_password BY`): one expression is half the time of two `indexOf` passes (capitals, small letters) on the bench's export. */
const IDENTIFIED_BY = /identified (?:with \\*["'`]?[\w-]{1,64}\\*["'`]? )?by /gi;

/**
 * MySQL's `CREATE USER 'bob'@'%' IDENTIFIED [WITH plugin] BY '…'` (`ALTER USER`, `GRANT … TO`) and Oracle's `CREATE USER app IDENTIFIED BY …` unquoted: the password when
 * generated-looking.
 */
export function identifiedBy(text: string, hits: LeakHit[]): void {
  IDENTIFIED_BY.lastIndex = 0;
  for (let m = IDENTIFIED_BY.exec(text); m; m = IDENTIFIED_BY.exec(text)) {
    const at = m.index;
    const before = text.slice(Math.max(0, at - 256), at);
    const from = at + m[0].length;
    let i = from;
    while (text.charCodeAt(i) === 92) i++;
    if (text[i] === '"' || text[i] === "'") {
      if (IDENTIFIED_STATEMENT.test(before.split(';').pop()!)) literalAfter(text, from, 1, hits, true);
    } else if (ORACLE_USER.test(before)) {
      let end = from;
      while (end < text.length && end - from < 128 && !/[\s;'",\\]/.test(text[end]!)) end++;
      const value = text.slice(from, end);
      if (looksSecret(value) && generated(value)) hits.push(hit('secret_assignment', value, from, end));
    }
  }
}
