/** A secret-named flag and its value after a space: `--password …`, `--api-key …`, keytool's `-storepass …`, PuTTY's `-pw …`. */
import type { LeakHit } from '../leak-detector.js';
import { isCode } from './code-shape.js';
import { generated, hit, isPlaceholder, isTokenChar, looksSecret, valueEnd } from './values.js';
import { secretName } from './words.js';

/** One dash names a secret only as Java's and PuTTY's flags do, or as a name of words (Go's `-api-key`). */
const SINGLE_DASH = /^(?:password|passwd|(?:src|dest)?(?:store|key)pass|pw)$/;

/**
 * Where a flag may stand with one dash: a line's start, after a space, a JSON-escaped line break or
 * tab, or the opening quote of an export's JSON string or CSV field. A quote inside text
 * (`"cmd": "-storepass …"`, `echo "-pw …"`) is no flag's place for the rules.
 */
function singleDashPlace(text: string, dash: number): boolean {
  if (dash === 0) return true;
  const c = text.charCodeAt(dash - 1);
  if (c === 32 || c === 9 || c === 10 || c === 13) return true;
  if ((c === 110 || c === 116) && text.charCodeAt(dash - 2) === 92) return true;
  if (c !== 34) return false;
  const b = dash >= 2 ? text.charCodeAt(dash - 2) : 10;
  return b === 58 || b === 44 || b === 91 || b === 10;
}

/**
 * The secret word at `nameAt` ends a flag's name (`--db-password `, `-storepass `): the value after
 * the space, when generated-looking. True when the word is a flag's (read here, hit or not), false
 * when it is no flag (.netrc's `password …`, redis' `requirepass …`: the caller's).
 */
export function spacedFlag(text: string, nameAt: number, after: number, hits: LeakHit[]): boolean {
  let from = nameAt;
  while (from > 0 && nameAt - from < 64 && isTokenChar(text.charCodeAt(from - 1))) from--;
  if (text.charCodeAt(from) !== 45) return false;
  const dashes = text.charCodeAt(from + 1) === 45 ? 2 : 1;
  if (text.charCodeAt(from + dashes) === 45) return true;
  const name = text.slice(from + dashes, after - 1);
  if (/tokens$/i.test(name) || !(dashes === 2 ? secretName(name) : singleDashPlace(text, from) && (SINGLE_DASH.test(name) || (/^[A-Za-z]+[-_][A-Za-z]/.test(name) && secretName(name))))) return true;
  let i = after;
  while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
  // Quoted as the shell quotes (raw, JSON-escaped once, or CSV-doubled).
  if (text.charCodeAt(i) === 92 && text.charCodeAt(i + 1) === 34) i += 2;
  else if (text[i] === '"' || text[i] === "'") i += text[i + 1] === text[i] ? 2 : 1;
  const end = valueEnd(text, i);
  const value = text.slice(i, end);
  if (value.startsWith('-') || isPlaceholder(value) || !looksSecret(value) || !generated(value) || isCode(value, text.charCodeAt(end))) return true;
  hits.push(hit('secret_assignment', value, i, end));
  return true;
}
