/** Names whose last word is `key` besides the API, access, secret and private ones (`HMAC_KEY`, `signingKey`): a generated value only. */
import { assignedValue } from './assignments.js';
import type { LeakHit } from '../leak-detector.js';
import { isAlnum, isTokenChar } from './values.js';
import { NOT_SECRET_KEY } from './words.js';

/** After a name's last word `key`: a number, the name's closing quotes, then `=`, `:` or `=>`. */
const KEY_TAIL = /(?:[-_]?\d{1,2})?["'\\*`]{0,2}(?:\\+")?[ \t]{0,4}(?:=>|[:=])/y;

/** Names the pass below leaves to the main expression: the rules' and its own two-word key names. */
const NAMED_KEY = /(?:api|access|secret|priv(?:ate)?)[-_]?key$/i;

/**
 * Names whose last word is `key` besides the API, access, secret and private ones (`HMAC_KEY=`,
 * `AZURE_OPENAI_KEY=`, `stripeKey:`, `signing-key:`), found with indexOf (`_key`, `_KEY`, `-key`,
 * `Key`: each a few milliseconds a 100 MB export, where a `k` in the main expression would stop it
 * at every k): a generated-looking value only, and not under a database's or UI's key.
 */
export function keyAssignments(text: string, hits: LeakHit[]): void {
  for (const needle of ['_key', '_KEY', '-key', 'Key']) {
    let read = 0;
    for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, Math.max(at + 3, read))) {
      const keyEnd = at + needle.length;
      KEY_TAIL.lastIndex = keyEnd;
      const tail = KEY_TAIL.exec(text);
      // `key` must end the name: `_keys`, `_keyboard`, `KeyError`, `Key.ENTER` go on.
      if (!tail) continue;
      let from = at;
      while (from > 0 && at - from < 64 && isTokenChar(text.charCodeAt(from - 1))) from--;
      // `Key:` or `_key=` alone: no qualifier, no secret's name.
      if (from === at || (needle === 'Key' && !isAlnum(text.charCodeAt(at - 1)))) continue;
      const name = text.slice(from, keyEnd);
      if (NAMED_KEY.test(name)) continue;
      const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
      if (words.length < 2 || words.slice(0, -1).some((w) => NOT_SECRET_KEY.has(w))) continue;
      read = assignedValue(text, from, keyEnd + tail[0].length, hits, { generated: true, colon: tail[0].endsWith(':') });
    }
  }
}
