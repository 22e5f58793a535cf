/**
 * Passwords given to login commands as arguments, found from the command's name: `sqlcmd`/`bcp
 * … -P PW`, the OpenLDAP tools' `-w PW` (`ldappasswd -a`/`-s` too), `smbclient -U user%PW`,
 * FreeRDP's `/p:PW`, Windows' `net use \\host\share PW /user:bob`, and redis' `AUTH [user] PW` at a
 * redis-cli prompt or on its command line. Windows' words keep their backslashes (`/user:CORP\bob`),
 * so these read their own words rather than shell-words.ts's shell words.
 */
import { NOT_A_VALUE, REFERENCE } from './not-a-value.js';
import { lineStart } from './text-scan.js';
import { argumentArray } from './argument-secrets.js';
import { arrayElementStarts } from './command-line.js';
import { charTable, inTable, startsWithIgnoreCase } from './rule.js';

/**
 * The anchors of `loginCommand`: `qlcmd` (in `sqlcmd`; `ql` already starts `qlplus`'s), and the flags
 * that carry the password (`-P`, `-w`, `-U`, `/p:`, `/user:`), from which the command is looked for
 * earlier on the line. Not the other commands' names: the pre-filter has room for 254 distinct first
 * two bytes of its anchors (`anchor-screen.ts`), and a word anchor takes four (both cases of each
 * letter): `ldap`, `smbclient`, `xfreerdp` and `net use` took it past that, and every value fell back to
 * the regex search (2.5 times the redaction time). Two-byte anchors take none; `/p:` and `/user:` one each.
 */
export const LOGIN_ANCHORS = ['qlcmd', '-P', '-w', '-U', '/p:', '/user:'];
/** The commands `loginCommandSecret` reads (one list for both patterns below). */
const LOGIN_COMMANDS = String.raw`(?:sqlcmd|bcp|ldap(?:search|modify|add|delete|whoami|passwd|compare|modrdn|exop)|smbclient|[xw]l?freerdp3?|net[ \t]+use)(?:\.exe)?`;
/** A piece of one of their names somewhere before a flag: the array reading below only then (a long array of flags read each back). */
const NAMED_BEFORE = /sqlcmd|bcp|ldap|smbclient|freerdp/i;
/** One of them anywhere on a line before one of their flags, as a word or an argument array's element (`["ldapsearch", "-w", …]`). */
const COMMAND_ON_LINE = new RegExp(String.raw`(?:^|[\s/\\;&|(\x60"'=])${LOGIN_COMMANDS}(?:[ \t]|["'][ \t]*,)`, 'gi');

/**
 * The passwords of the login command an anchor of LOGIN_ANCHORS belongs to: `qlcmd` stands in
 * `sqlcmd`'s name; a flag's command stands earlier on its line, with no `;`, `|` or `&` between.
 */
export function loginCommand(text: string, at: number): [number, number][] {
  if (startsWithIgnoreCase(text, 'qlcmd', at)) return loginCommandSecret(text, at);
  // An argument array, on one line or several: its command is an element before the flag's, or the call's argument before it.
  if ((text.charCodeAt(at - 1) === 34 || text.charCodeAt(at - 1) === 39) && NAMED_BEFORE.test(text.slice(Math.max(0, at - 1024), at))) {
    const name = arrayElementStarts(text, at).find((start) => LOGIN_COMMAND.test(text.slice(start, start + 24)));
    if (name !== undefined) return loginCommandSecret(text, name);
  }
  const from = lineStart(text, at);
  const line = text.slice(from, at);
  let last: RegExpExecArray | null = null;
  COMMAND_ON_LINE.lastIndex = 0;
  for (let m = COMMAND_ON_LINE.exec(line); m; m = COMMAND_ON_LINE.exec(line)) last = m;
  if (!last || /[;|&]/.test(line.slice(last.index + last[0].length))) return [];
  const name = from + last.index + (/^[a-z]/i.test(last[0]) ? 0 : 1);
  return loginCommandSecret(text, name);
}

/** One of them at `at`, its name's start: a word, or a quoted element (`"sqlcmd", "-P", …`; escaped as in a JSON string, `\"sqlcmd\"`). */
const LOGIN_COMMAND = new RegExp(String.raw`^${LOGIN_COMMANDS}(?=[ \t"'\\])`, 'i');
/** What may stand right before a command's name. */
const COMMAND_BEFORE = charTable(' \t\r\n/\\;&|(`"\'=');
/** Usage text's stand-ins for a password (`-P password`, `-w <secret>`, `/p:*`), and prose's words after a flag (`ldapsearch -w to pass …`). */
const PLACEHOLDER = /^(?:pass(?:word)?|passwd|pw|pwd|secret|(?:your|my)[-_]?\w*|<[^>]*>|\[[^\]]*\]|\{[^}]*\}|\*+|x+|\.{3}|…|to|the|and|or|for|with|as|if|flag|option|instead)$/i;

interface LineWord {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/**
 * Whitespace-separated words from `from` to the command's end (a line's end, `;`, `|`, `&`): quotes
 * hold spaces, backslashes are plain characters. Stops at an unclosed quote.
 */
function lineWords(text: string, from: number, max = 24): LineWord[] {
  const words: LineWord[] = [];
  const limit = Math.min(text.length, from + 1024);
  let i = from;
  while (words.length < max) {
    while (i < limit && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
    if (i >= limit) break;
    const first = text.charCodeAt(i);
    if (first === 10 || first === 13 || first === 59 || first === 124 || first === 38) break;
    const start = i;
    for (; i < limit; i++) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 59 || c === 124 || c === 38) break;
      if (c === 34 || c === 39) {
        // Within the line's limit: unbounded, each quote of a long text searched to its end.
        const found = text.slice(i + 1, limit).indexOf(text[i]!);
        const close = found < 0 ? -1 : i + 1 + found;
        if (close < 0 || text.slice(i, close).includes('\n')) return words;
        i = close;
      }
    }
    words.push({ start, end: i, text: text.slice(start, i) });
  }
  return words;
}

/** The span of a value from `start` to `end`, its quotes removed; null for a reference, a placeholder or nothing. */
function secretValue(text: string, start: number, end: number): [number, number] | null {
  const q = text.charCodeAt(start);
  if ((q === 34 || q === 39) && end - start >= 2 && text.charCodeAt(end - 1) === q) [start, end] = [start + 1, end - 1];
  const value = text.slice(start, end);
  if (end <= start || REFERENCE.test(value) || NOT_A_VALUE.test(value) || PLACEHOLDER.test(value) || value.startsWith('-')) return null;
  return [start, end];
}

/** The value of a short flag among `words`: the next word (`-P PW`; `-xw PW` clustered), or the rest of the word when `glued` (`-wPW`). */
function shortFlagValue(words: readonly LineWord[], k: number, flag: string, glued: boolean, text: string): [number, number] | null {
  const w = words[k]!;
  if (w.text === flag || (/^-[A-Za-z]{2,}$/.test(w.text) && w.text.endsWith(flag[1]!) && glued)) {
    const v = words[k + 1];
    return v ? secretValue(text, v.start, v.end) : null;
  }
  if (glued && w.text.startsWith(flag) && w.text.length > 2) return secretValue(text, w.start + 2, w.end);
  return null;
}

/**
 * The passwords of the login command whose name is at or just before `anchorAt` (`qlcmd` stands one
 * letter into `sqlcmd`). Empty when it is no such command, or it holds no literal password.
 */
export function loginCommandSecret(text: string, anchorAt: number): [number, number][] {
  const at = startsWithIgnoreCase(text, 'qlcmd', anchorAt) ? anchorAt - 1 : anchorAt;
  if (at < 0 || (at > 0 && !inTable(COMMAND_BEFORE, text.charCodeAt(at - 1)))) return [];
  const m = LOGIN_COMMAND.exec(text.slice(at, at + 24));
  if (!m) return [];
  const command = m[0].toLowerCase().replace(/\.exe$/, '');
  const end = at + m[0].length;
  // `["sqlcmd", "-P", "…"]`, `execFileSync("ldapsearch", ["-w", "…"])`: the array's elements are its words.
  const words = text[end] === ' ' || text[end] === '\t' ? lineWords(text, end) : argumentArray(text, at, end);
  if (!words) return [];
  const spans: [number, number][] = [];
  const push = (span: [number, number] | null): void => {
    if (span) spans.push(span);
  };
  if (command === 'sqlcmd' || command === 'bcp') {
    for (let k = 0; k < words.length; k++) push(shortFlagValue(words, k, '-P', false, text));
  } else if (command.startsWith('ldap')) {
    // ldappasswd's `-a` is the old password and `-s` the new one; elsewhere `-a` is alias dereferencing and `-s` the scope.
    const flags = command === 'ldappasswd' ? ['-w', '-a', '-s'] : ['-w'];
    for (let k = 0; k < words.length; k++) {
      for (const flag of flags) {
        const span = shortFlagValue(words, k, flag, true, text);
        if (span) {
          spans.push(span);
          break;
        }
      }
    }
  } else if (command === 'smbclient') {
    // `-U user%PW`, `-Uuser%PW`, `--user=user%PW`: what follows the first `%`.
    for (let k = 0; k < words.length; k++) {
      const w = words[k]!;
      const value = w.text === '-U' || w.text === '--user' ? words[k + 1] : /^(?:-U|--user=)./.test(w.text) ? { ...w, start: w.start + (w.text[1] === 'U' ? 2 : 7) } : undefined;
      if (!value) continue;
      const q = text.charCodeAt(value.start) === 34 || text.charCodeAt(value.start) === 39 ? 1 : 0;
      // Within the word: unbounded, each -U of a long text searched to its end.
      const found = text.slice(value.start, value.end).indexOf('%');
      const percent = found < 0 ? -1 : value.start + found;
      if (percent >= 0 && percent < value.end - 1 - q) push(secretValue(text, percent + 1, value.end - q));
    }
  } else if (command.includes('freerdp')) {
    // `/p:PW`, `/p:"PW"`, a gateway's `/gp:PW`.
    for (const w of words) {
      const flag = /^[/-]g?p:/.exec(w.text);
      if (flag) push(secretValue(text, w.start + flag[0].length, w.end));
    }
  } else {
    // net use [device] \\host\share [PW | *] [/user:[domain\]name] [/persistent:…]: the one word after the share that is no option.
    let k = 0;
    if (words[k] && /^(?:[A-Za-z]:|\*|LPT\d:)$/i.test(words[k]!.text)) k++;
    if (!words[k] || !/^["']?\\\\[^\\\s]/.test(words[k]!.text)) return [];
    for (k++; k < words.length; k++) {
      const w = words[k]!;
      if (w.text.startsWith('/')) continue;
      push(secretValue(text, w.start, w.end));
      break;
    }
  }
  return spans;
}

/** A redis-cli prompt before a command: `127.0.0.1:6379>`, `[::1]:6379[2]>`, `redis>`, `not connected>`. */
const REDIS_PROMPT = /(?:^|[\s>])(?:[\w.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]):\d{1,5}(?:\[\d{1,5}\])?>[ \t]*$|^[ \t]*(?:redis|valkey|not connected)>[ \t]*$/;
/** redis-cli's command line up to its command: the program, then options and their values. */
const REDIS_CLI_LINE = /(?:^|[\s/;&|("'`])(?:redis|valkey)-cli(?:\.exe)?(?:[ \t]+--?\w[\w-]{0,31}(?:[ \t]+[^\s-][^\s]{0,255})?){0,12}[ \t]+$/;

/**
 * Redis' `AUTH PW` or `AUTH user PW` (`at` is the `auth`): after a redis-cli prompt (`127.0.0.1:6379> AUTH …`)
 * or on redis-cli's command line (`redis-cli -h h AUTH …`). Null otherwise: `auth` is a word of every kind of text.
 */
export function redisAuth(text: string, at: number): [number, number] | null {
  if (!startsWithIgnoreCase(text, 'auth', at) || (text.charCodeAt(at + 4) !== 32 && text.charCodeAt(at + 4) !== 9)) return null;
  const before = text.slice(lineStart(text, at), at);
  if (!REDIS_PROMPT.test(before) && !REDIS_CLI_LINE.test(before)) return null;
  const words = lineWords(text, at + 4, 3);
  if (words.length === 0 || words.length > 2) return null;
  const w = words[words.length - 1]!;
  return secretValue(text, w.start, w.end);
}
