/**
 * Azure Key Vault's `az keyvault secret set --vault-name V --name N --value PW`: every value it sets
 * is a secret, whatever the secret's name. Found from the anchor `secret` (secret_assignment's
 * already) in the command's words, so it takes no pair of the pre-filter's screen. `--file` reads a
 * file and `--value @pw.txt` too (az reads any `@` argument from a file): those hold no literal.
 */
import { valueFlag } from './secret-stores.js';

/** `az … keyvault ` right before the anchor's `secret`, global flags (`--subscription S`) between. */
const KEYVAULT_BEFORE = /(?:^|[\s;&|(`"'])az(?:\.cmd|\.exe)?[ \t]+(?:--?[\w-]+(?:[ =][^\s-]\S*)?[ \t]+)*keyvault[ \t]+$/;
/** The subcommand after the anchor: `set`, not `set-attributes` nor `show`. */
const SET = /^secret[ \t]+set(?=[ \t]|$)/;
/** A `\` that continues the command on the next line (raw, or as JSON text writes it: `\\\n`), and the next line's indent. */
const CONTINUED = /\\(?:\r?\n|\\\\n)[ \t]*/g;
/** `keyvault` then spaces or a continued line, right before the anchor. */
const KEYVAULT_WORD = /keyvault(?:[ \t]+|[ \t]*\\(?:\r?\n|\\\\n)[ \t]*)$/;
/** How far the command's words reach from the anchor, over its continuation lines too. */
const REACH = 1024;

/** The literal of `--value` when `at` is the `secret` of `az keyvault secret set`; null otherwise. */
export function keyvaultSecret(text: string, at: number): [number, number] | null {
  // Most `secret`s of a text (`client_secret`) stop at the cheap look at the word before.
  if (!KEYVAULT_WORD.test(text.slice(Math.max(0, at - 24), at))) return null;
  const set = SET.exec(text.slice(at, at + 24));
  // `az \` then `  keyvault secret set …`: the command's words over its continued lines, joined.
  if (!set || !KEYVAULT_BEFORE.test(text.slice(commandStart(text, at), at).replace(CONTINUED, ' '))) return null;
  return valueFlag(text, at + set[0].length, commandEnd(text, at), /^@/);
}

/**
 * Where the command holding `at` starts: after a line break (raw or JSON-escaped), 256 characters back
 * at most, or an earlier line's when the line before ends in a `\` that continues it (eight lines at most).
 */
function commandStart(text: string, at: number): number {
  let i = at;
  for (let lines = 0; ; lines++) {
    const from = i;
    while (i > 0 && from - i < 256 && text.charCodeAt(i - 1) !== 10 && !text.startsWith('\\n', i - 2)) i--;
    if (lines >= 8) return i;
    // Raw `\` then a line break (CRLF too), or JSON text's `\\\n`.
    const raw = text.charCodeAt(i - 1) === 10 ? (text.charCodeAt(i - 2) === 13 ? i - 2 : i - 1) : -1;
    if (raw > 0 && text.charCodeAt(raw - 1) === 92) i = raw - 1;
    else if (raw < 0 && text.startsWith('\\\\\\n', i - 4)) i -= 4;
    else return i;
  }
}

/**
 * Where the command from `at` ends: a shell operator or a line break (raw or JSON-escaped), but not a
 * line break after a `\`, which continues the command (`az keyvault secret set \` then `  --value …`).
 */
function commandEnd(text: string, at: number): number {
  const limit = Math.min(text.length, at + REACH);
  for (let i = at; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === 59 || c === 38 || c === 124) return i;
    if (c === 10 && text.charCodeAt(i - 1) !== 92 && !(text.charCodeAt(i - 1) === 13 && text.charCodeAt(i - 2) === 92)) return i;
    if (c === 92 && text[i + 1] === 'n') {
      // JSON text's `\n`; after an escaped backslash (`\\\n`) it is a continuation.
      if (text.charCodeAt(i - 1) !== 92 || text.charCodeAt(i - 2) !== 92) return i;
      i++;
    }
  }
  return limit;
}
