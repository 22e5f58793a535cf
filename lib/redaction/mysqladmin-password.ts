/**
 * `mysqladmin [options] password NEW`: the command that sets a MySQL account's password takes the
 * new one as the word after `password` (`mysqladmin -u root password 'PW'`). Found from the anchor
 * `pass` (secret_assignment's), only where `password` is a word of a mysqladmin command line.
 */
import { NOT_A_VALUE, REFERENCE } from './not-a-value.js';
import { shellWord } from './shell-words.js';

/** mysqladmin and its options (`-u root`, `-pOLD`, `--user=root`) right before the anchor: prose about it (`mysqladmin to change the password of …`) is none. */
const MYSQLADMIN = /(?:^|[\s/;&|(`"'])mysqladmin(?:\.exe)?(?:[ \t]+(?:-[A-Za-z][ \t]+[^\s-]\S*|-\S+))*[ \t]+$/;

/** The new password after `password` when `at` is that word of a mysqladmin command; null otherwise. */
export function mysqladminPassword(text: string, at: number): [number, number] | null {
  // A word of its own (`--password=…`, `old_password` are assignments): spaces on both sides.
  const before = text.charCodeAt(at - 1);
  const after = text.charCodeAt(at + 8);
  if ((before !== 32 && before !== 9) || (after !== 32 && after !== 9) || !text.startsWith('password', at)) return null;
  // The segment before it: back to a line break (raw or JSON-escaped) or a shell operator, 256 characters at most.
  let from = at;
  for (; from > 0 && at - from < 256; from--) {
    const c = text.charCodeAt(from - 1);
    if (c === 10 || c === 59 || c === 124 || c === 38 || (c === 110 && text.charCodeAt(from - 2) === 92)) break;
  }
  if (!MYSQLADMIN.test(text.slice(from, at))) return null;
  const w = shellWord(text, at + 8, Math.min(text.length, at + 8 + 320));
  if (!w || w.end <= w.start || (!w.quoted && text.charCodeAt(w.start) === 45)) return null;
  const value = text.slice(w.start, w.end);
  return REFERENCE.test(value) || NOT_A_VALUE.test(value) ? null : [w.start, w.end];
}
