/**
 * SQL that sets a user's password: `ALTER USER … PASSWORD '…'`, a foreign server's options
 * (`OPTIONS (password '…')`), MySQL's `SET PASSWORD = '…'` and `IDENTIFIED WITH … BY '…'`.
 */
import type { Assignment } from './assignment.js';
import { REFERENCE } from './not-a-value.js';
import { quotedValue, skipSpaces } from './text-scan.js';

/** `SET ` before MySQL's `PASSWORD [FOR user] = …`. */
export const SQL_SET = /\bset\s+$/i;
/** Where a `PASSWORD '…'` clause sets a user's password: after WITH, LOGIN, ENCRYPTED, or right after `ALTER|CREATE USER|ROLE name`. */
const SQL_PASSWORD_CLAUSE = /(?:\b(?:with|login|encrypted|unencrypted)|\b(?:alter|create)\s+(?:user|role)\s+(?:if\s+(?:not\s+)?exists\s+)?(?:"[^"\n]{1,64}"|'[^'\n]{1,64}'|[\w$.-]{1,64}))\s+$/i;
/** After MySQL's `SET PASSWORD`: `[FOR user] = ['…' | PASSWORD('…')]`, up to the literal's quote. */
const SQL_SET_VALUE = /^[ \t]*(?:for[ \t]+(?:'[^'\n]{1,64}'(?:@'[^'\n]{1,255}')?|`[^`\n]{1,64}`|[\w$.%-]{1,64}(?:@[\w$.%-]{1,255})?)[ \t]*)?=[ \t]*(?:password[ \t]*\([ \t]*)?['"]/i;
/** A foreign-data wrapper's options before `password '…'`: `OPTIONS (user 'x', `, `OPTIONS (ADD `, `OPTIONS (SET `. */
const SQL_OPTIONS = /\boptions[ \t]*\([ \t]*(?:(?:add|set)[ \t]+)?(?:[A-Za-z_]\w{0,63}[ \t]+'(?:[^'\n]|''){0,255}'[ \t]*,\s*(?:(?:add|set)[ \t]+)?){0,16}$/i;

/**
 * SQL that sets a password, the quoted literal: `ALTER USER app [WITH] PASSWORD '…'`, `CREATE ROLE
 * app LOGIN PASSWORD '…'`, a foreign-data wrapper's `OPTIONS (user 'x', password '…')`, MySQL's
 * `SET PASSWORD [FOR u] = '…'` (or `PASSWORD('…')`) and `IDENTIFIED WITH mysql_native_password BY
 * '…'` (not `AS 'hash'`), MySQL's with either quote. Null when the text reads as no such
 * statement (the name's other forms are tried); `PASSWORD NULL` holds no literal.
 */
export function sqlPassword(text: string, name: string, left: number, right: number): Assignment | number | null {
  let open = -1;
  const before = text.slice(Math.max(0, left - 160), left);
  if (/^password$/i.test(name)) {
    const i = skipSpaces(text, right);
    if (text.charCodeAt(i) === 39 && i > right && (SQL_PASSWORD_CLAUSE.test(before) || SQL_OPTIONS.test(before))) open = i;
    else if (SQL_SET.test(before.slice(-8))) {
      const m = SQL_SET_VALUE.exec(text.slice(right, right + 400));
      if (m) open = right + m[0].length - 1;
    }
  } else if (/_password$/i.test(name) && /\bidentified\s+with\s+$/i.test(before.slice(-32))) {
    // MySQL quotes strings with either quote: `BY '…'` or `BY "…"`.
    const m = /^[ \t]+by[ \t]+['"]/i.exec(text.slice(right, right + 16));
    if (m) open = right + m[0].length - 1;
  }
  if (open < 0) return null;
  const q = quotedValue(text, open + 1, text[open]!);
  return q && !REFERENCE.test(text.slice(q[0], q[1])) ? { name, nameEnd: right, valueStart: q[0], valueEnd: q[1] } : right;
}
