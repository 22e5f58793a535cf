/**
 * Secrets in tables printed as text: markdown tables and psql's output (`| DB_PASSWORD | … |`,
 * ` smtp_password | …`, `\x`'s `password | …`), CSV and TSV lines (`DB_PASSWORD,…`), and the
 * column under a header cell naming a secret (`| user | password |` or `username,password`, then
 * rows). The anchor must stand in a cell of its own; a cell's value must look generated.
 */
import { REFERENCE } from './not-a-value.js';
import { classifyName, isKeyLikeName, isShortPasswordName } from './names.js';
import { builtInRule, looksRandom, type ContentRule, type Span } from './rule.js';

const MAX_LINE = 1024;
/** Rows read under a header, and how far. */
const MAX_ROWS = 64;
const MAX_TABLE = 64 * 1024;
const NAME = /^[A-Za-z_][\w-]{0,63}$/;
/** A separator line under a header: `|---|:--:|`, psql's `------+------`, mysql's `+----+----+`; tested on the trimmed line (spaces around it made it cubic). */
const RULE_LINE = /^[|+]?[ \t]*:?-{3,}:?[ \t]*(?:[|+][ \t]*:?-{3,}:?[ \t]*)*[|+]?$/;
const NOT_A_VALUE = /^(?:null|none|nil|undefined|true|false|yes|no|required|optional|string|str|int|integer|number|bool|boolean|bytes|object|secret|password|token|redacted|n\/a|-+|\*+|x{3,}|\.{3}|…)$/i;

type Separator = '|' | ',' | ';' | '\t';

/**
 * A line's cells, trimmed and without backticks, bold or CSV's quotes (markdown's outer pipes
 * dropped), or [] when the line reads as code: an empty cell outside markdown (`self.key,` then a
 * newline), `|` without a space beside it (a regex's alternation), a CSV line indented or holding
 * brackets, `=` or (but for a `;`-separated one) `;`.
 */
function cells(line: string, sep: Separator, row = false): string[] {
  let body = line.replace(/\r$/, '');
  let markdown = false;
  if (sep === '|') {
    markdown = /^[ \t]*\|/.test(body);
    body = body.replace(/^[ \t]*\|/, '').replace(/\|[ \t]*$/, '');
    if (/[^ \t]\|[^ \t]|\|\|/.test(body)) return [];
    // psql's rows start with a plain cell (a key, an id); a type union (`key: KeyLike | Other`) does not.
    if (!markdown && !/^[ \t]*[\w.-]+[ \t]*\|/.test(body)) return [];
  } else {
    // A row under a header judges its quoted cells' insides as text: Firefox's export quotes a `{guid}`.
    const probe = row ? body.replace(/"[^"]*"/g, '""') : body;
    if (/^[ \t]|[(){}[\]=]/.test(probe) || (sep !== ';' && probe.includes(';'))) return [];
  }
  const out = body.split(sep).map(bare);
  // Markdown leaves a cell empty (a row's notes), and so do the rows under a CSV header (password
  // managers' exports: `name,url,username,password,note`); elsewhere an empty cell is code's trailing comma.
  return !markdown && !row && out.some((c) => c === '') ? [] : out;
}

/** A cell's text: trimmed, without backticks, markdown's bold or CSV's quotes around it. */
function bare(cell: string): string {
  return cell.trim().replace(/^`([^`]*)`$/, '$1').replace(/^\*\*([^*]+)\*\*$/, '$1').replace(/^"([^"]*)"$/, '$1');
}

function namesSecret(name: string): boolean {
  return NAME.test(name) && (classifyName(name) !== null || isKeyLikeName(name) || isShortPasswordName(name));
}

/** A cell that holds a credential: one word, generated-looking, not a type or a placeholder. */
function valueCell(value: string): boolean {
  return value.length >= 6 && value.length <= 512 && !/[\s|]|[,;]$/.test(value) && looksRandom(value) && !NOT_A_VALUE.test(value) && !REFERENCE.test(value) && !/^<.*>$|^\{.*\}$|(?:\.{3}|…)$/.test(value) && !described(value);
}

/**
 * What a schema's, a lexer's or a design system's table holds beside a secret's name: a type
 * (`varchar(255)`, `CHAR(64)`, `Uint8Array`), a regex (`[0-9]+`, `0x[0-9a-fA-F]+`), a slug with a
 * number (`color-primary-500`, `font-size-2xl`), a UUID, a path or a cache key (`uploads/2024/img_01.png`,
 * `lock:job:42`: lowercase parts; an AWS secret's `/` parts are mixed-case).
 */
function described(value: string): boolean {
  return /^[A-Za-z]\w*\(\d+(?:,\s*\d+)?\)$/.test(value)
    || /^(?:Big)?(?:Uint|Int|Float)\d+(?:Clamped)?Array$/.test(value)
    || /\[[^\]]*\]|\\[dwsDWSbB.]|\(.*\)[?*+]?$|[.)\]}][+*?]$|^\w{0,6}[+*?]$/.test(value)
    || /^[A-Za-z]+(?:[-_](?:[A-Za-z]+|\d{1,4}[a-z]{0,3}))+$/.test(value)
    || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)
    || /^[a-z0-9_.-]+(?:[/:][a-z0-9_.-]+)+$/.test(value);
}

/**
 * A value in a header's column, where nothing beside it says what it is: generated-looking beyond
 * a word with a number (`covid19`, `Float32Lit`): digits in two places or more, or three capitals
 * and three small letters among digits.
 */
function columnValue(value: string): boolean {
  if (!valueCell(value)) return false;
  const digitRuns = value.match(/\d+/g)?.length ?? 0;
  return value.length >= 8 && (digitRuns >= 2 || (digitRuns >= 1 && /(?:[A-Z].*){3}/.test(value) && /(?:[a-z].*){3}/.test(value) && !/^[A-Za-z]+\d+[A-Za-z]*$/.test(value)));
}

/** Header cells that name a column of words as often as of secrets: a lexer's `Token`, a design system's `Token`, a table's `key`. */
const WORD_COLUMNS = /^(?:tokens?|keys?)$/i;

/** Where `cell` (trimmed, maybe in backticks) lies in `line`, searching from `from`. */
function cellSpan(line: string, value: string, from: number): [number, number] | null {
  const at = line.indexOf(value, from);
  return at < 0 ? null : [at, at + value.length];
}

export function tableCell(): ContentRule {
  return builtInRule(
    'table_cell', 'secrets',
    'values in tables printed as text: a cell after a cell naming a secret (| DB_PASSWORD | … |, psql\'s smtp_password | …, CSV DB_PASSWORD,…) and the column under a header cell naming one (| user | password |, username,password), when they look generated',
    ['pass', 'pwd', 'secret', 'token', 'key', 'cred'],
    (self) => (text, at, out) => {
      let start = at;
      while (start > 0 && at - start < 96 && text.charCodeAt(start - 1) !== 10) start--;
      if (start > 0 && text.charCodeAt(start - 1) !== 10) return at + 1;
      let end = text.indexOf('\n', at);
      if (end < 0) end = text.length;
      if (end - start > MAX_LINE) return end;
      // A CRLF line's \r is no cell's: `name,api_key\r` ends with the secret's name.
      const line = text.slice(start, text.charCodeAt(end - 1) === 13 ? end - 1 : end);
      // Cheap first: the anchor's word is a cell of its own, between separators.
      let l = at - start;
      while (l > 0 && /[\w.`*"-]/.test(line[l - 1]!)) l--;
      let r = at - start;
      while (r < line.length && /[\w.`*"-]/.test(line[r]!)) r++;
      // Spaces only: a tab before the name is TSV's separator, the character to check.
      let a = l;
      while (a > 0 && line[a - 1] === ' ') a--;
      let b = r;
      while (b < line.length && line[b] === ' ') b++;
      const after = line[b];
      const beforeSep = a === 0 ? '' : line[a - 1]!;
      const sep: Separator | null = after === '|' || beforeSep === '|' ? '|' : after === '\t' || beforeSep === '\t' ? '\t' : after === ',' || beforeSep === ',' ? ',' : after === ';' || beforeSep === ';' ? ';' : null;
      if (sep === null || (beforeSep !== '' && beforeSep !== sep) || (after !== undefined && after !== sep)) return start + r;
      const row = cells(line, sep);
      if (row.length < 2 || row.length > 64) return start + r;
      const name = bare(line.slice(l, r));
      if (!namesSecret(name) || row.indexOf(name) < 0) return start + r;
      // The whole line at once, and the rows under it once: every other anchor on this line or in
      // the rows read below would only read them again (64 anchors a line, 64 rows each).
      const columns = rowValues(line, start, sep, row, out, self);
      if (columns.length === 0) return end;
      return header(text, end, sep, row.length, columns, out, self);
    },
  );
}

/** Where cell `index` of `line` starts: after `index` separators (and markdown's leading pipe). */
function cellFrom(line: string, sep: Separator, index: number): number {
  let from = sep === '|' && /^[ \t]*\|/.test(line) ? line.indexOf('|') + 1 : 0;
  for (let k = 0; k < index; k++) from = line.indexOf(sep, from) + 1;
  return from;
}

/**
 * A row's cells naming a secret: the value in the next cell is taken; the indexes of those with no
 * value beside them (a header's cells) are returned.
 */
function rowValues(line: string, lineStart: number, sep: Separator, row: readonly string[], out: Span[], self: ContentRule): number[] {
  const columns: number[] = [];
  for (let i = 0; i < row.length; i++) {
    const cell = row[i]!;
    if (!namesSecret(cell)) continue;
    const next = row[i + 1];
    if (next !== undefined && valueCell(next) && !namesSecret(next)) {
      const span = cellSpan(line, next, cellFrom(line, sep, i + 1));
      if (span) out.push({ start: lineStart + span[0], end: lineStart + span[1], rule: self });
      i++;
    } else if (!WORD_COLUMNS.test(cell)) {
      columns.push(i);
    }
  }
  return columns;
}

/**
 * A header's columns in the rows below, up to a blank line or a line of another shape (each row's
 * own name/value pairs too). Returns where the rows read end: no anchor before it is read again.
 */
function header(text: string, lineEnd: number, sep: Separator, width: number, columns: readonly number[], out: Span[], self: ContentRule): number {
  let i = lineEnd + 1;
  const limit = Math.min(text.length, lineEnd + MAX_TABLE);
  let read = lineEnd;
  for (let n = 0; n < MAX_ROWS && i < limit; n++) {
    let e = text.indexOf('\n', i);
    if (e < 0) e = text.length;
    if (e - i > MAX_LINE) break;
    const line = text.slice(i, e);
    if (n === 0 && RULE_LINE.test(line.trim())) {
      read = e;
      i = e + 1;
      continue;
    }
    const row = line.includes(sep) ? cells(line, sep, true) : [];
    if (row.length !== width) break;
    for (const index of columns) {
      const value = row[index]!;
      if (!columnValue(value)) continue;
      const span = cellSpan(line, value, cellFrom(line, sep, index));
      if (span) out.push({ start: i + span[0], end: i + span[1], rule: self });
    }
    rowValues(line, i, sep, row, out, self);
    read = e;
    i = e + 1;
  }
  return read;
}
