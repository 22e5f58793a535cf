/**
 * Calls given a password as a positional literal: PHP's `mysqli_connect(h, u, "…")`, `new mysqli(h,
 * u, "…")`, `new PDO(dsn, u, "…")`, Python's `server.login(user, "…")` (smtplib, ftplib, imaplib),
 * PowerShell's `ConvertTo-SecureString "…" -AsPlainText`. Found from their names' rarer parts.
 */
import type { LeakHit } from '../leak-detector.js';
import { isCode } from './code-shape.js';
import { nextWord } from './lines.js';
import { generated, hit, looksSecret, valueEnd } from './values.js';

/** An argument before the password: a quoted literal (CSV-doubled too), a variable or a member (no call: its commas are its own). */
const ARGUMENT = /^[ \t]*(?:\\*(["']{1,2})[^"'\\\n]{0,256}\\*\1|[$\w.>-]{1,128})[ \t]*,/;
/** A slug or a sentence's word list, as a message catalog's or a router's `login` takes. */
const SLUG = /^[a-z0-9]+(?:[-_.][a-z0-9]+)+$/;

/** The needle, what must stand right before it for the call to be the one meant, and which argument is the password. */
const CALLS: ReadonlyArray<readonly [string, RegExp, number]> = [
  ['mysqli_connect(', /(?:^|[^\w$.>])$/, 2],
  ['mysqli(', /\bnew[ \t]+\\*$/, 2],
  ['PDO(', /\bnew[ \t]+\\*$/, 2],
  ['.login(', /[\w)\]]$/, 1],
];
/**
 * What is searched for, by a rare piece at an offset (nextWord: V8's indexOf is slower for long
 * needles and common first characters; on the bench's 78 MB export `ysqli` takes 11 ms where
 * `mysqli` takes 20, `gin(` 18 where `.login(` takes 56), and the calls it may open.
 */
const NEEDLES: ReadonlyArray<readonly [string, string, number, ReadonlyArray<(typeof CALLS)[number]>]> = [
  ['mysqli', 'ysqli', 1, CALLS.slice(0, 2)],
  ['PDO(', 'PDO(', 0, CALLS.slice(2, 3)],
  ['.login(', 'gin(', 3, CALLS.slice(3)],
];

function literalArgument(text: string, open: number, index: number): [number, number] | null {
  let i = open;
  for (let n = 0; n < index; n++) {
    const arg = ARGUMENT.exec(text.slice(i, i + 300));
    if (!arg) return null;
    i += arg[0].length;
  }
  while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
  while (text.charCodeAt(i) === 92) i++;
  const quote = text[i];
  if (quote !== '"' && quote !== "'") return null;
  // CSV doubles the quotes inside a field.
  if (text[i + 1] === quote) i++;
  const start = i + 1;
  const end = valueEnd(text, start);
  let close = end;
  while (text.charCodeAt(close) === 92) close++;
  return text[close] === quote ? [start, end] : null;
}

export function credentialCalls(text: string, hits: LeakHit[]): void {
  for (const [needle, piece, offset, calls] of NEEDLES) {
    for (let at = nextWord(text, needle, piece, offset, 0); at >= 0; at = nextWord(text, needle, piece, offset, at + needle.length)) {
      const call = calls.find(([name]) => text.startsWith(name, at));
      if (!call || !call[1].test(text.slice(Math.max(0, at - 8), at))) continue;
      const span = literalArgument(text, at + call[0].length, call[2]);
      if (!span) continue;
      const value = text.slice(span[0], span[1]);
      if (looksSecret(value) && generated(value) && !SLUG.test(value) && !isCode(value, text.charCodeAt(span[1]))) hits.push(hit('secret_assignment', value, span[0], span[1]));
    }
  }
  // `ConvertTo-SecureString "…" -AsPlainText -Force`, or flags first (`-AsPlainText -Force -String "…"`).
  for (let at = nextWord(text, 'SecureString', 'ureSt', 3, 0); at >= 0; at = nextWord(text, 'SecureString', 'ureSt', 3, at + 12)) {
    if (!/convertto-$/i.test(text.slice(Math.max(0, at - 10), at))) continue;
    const call = /^SecureString((?:[ \t]+-(?:AsPlainText|Force|String))*)[ \t]+\\*(["'])\2?/i.exec(text.slice(at, at + 96));
    if (!call) continue;
    const start = at + call[0].length;
    const end = valueEnd(text, start);
    let close = end;
    while (text.charCodeAt(close) === 92) close++;
    if (text[close] !== call[2]) continue;
    const rest = text[close + 1] === call[2] ? close + 2 : close + 1;
    if (!/-AsPlainText\b/i.test(call[1]!) && !/^[ \t]+-AsPlainText\b/i.test(text.slice(rest, rest + 40))) continue;
    const value = text.slice(start, end);
    if (looksSecret(value) && generated(value) && !isCode(value, text.charCodeAt(end))) hits.push(hit('secret_assignment', value, start, end));
  }
}
