/**
 * Secrets a command takes as plain arguments, found from its name: `wandb login KEY`, `zip -P PW`,
 * `sqlplus user/PW@db`, curl's cookies and more, also as an argument array's elements.
 */
import { REFERENCE } from './not-a-value.js';
import { inTable, looksRandom, startsWithIgnoreCase } from './rule.js';
import { COMMAND_BEFORE, shellWord } from './shell-words.js';
import { MAX_VALUE, skipGap, skipSpaces } from './text-scan.js';

/**
 * Commands that take a secret as a plain argument, by name: the anchors of `argumentSecret`.
 * (`secret set` is gh's, merged into the `secret` keyword anchor; `zip` also finds `unzip`.)
 */
export const ARGUMENT_ANCHORS = ['wandb', 'ngrok', 'vault', 'secret set', 'qlplus', 'qlldr', 'xpdp', 'mpdp', 'zip', '7z', 'h-keygen', 'nssl', 'url'];
/**
 * Anchors that stand inside their command's name, and how far in: the pre-filter stops wherever an
 * anchor's first three letters are, and `exp`, `imp`, `ope` and `cur` start half the words of code
 * (export, import, operator, current) and `sql`, `ssh` much of an agent's, where `xpd`, `mpd`,
 * `nss`, `url`, `qlp`, `qll` and `h-k` are rare. (rman is left out: `rma` starts format and normal.)
 */
const INNER_ANCHORS: readonly (readonly [string, number])[] = [['xpdp', 1], ['mpdp', 1], ['nssl', 3], ['url', 1], ['qlplus', 1], ['qlldr', 1], ['h-keygen', 2]];

/** The commands of ARGUMENT_ANCHORS whose arguments hold a secret, as regex alternatives. */
const SECRET_ARGUMENT_COMMANDS = ['wandb', 'ngrok', 'vault', 'sqlplus', 'sqlldr', 'expdp', 'impdp', 'zip', '7z[arz]?', 'ssh-keygen', 'openssl', 'curl'];
const anyOf = (names: readonly string[]): string => names.join('|');
/** The command names of ARGUMENT_ANCHORS at a word's start (gh's as `secret set`); the words of one stop at the next. */
const ARGUMENT_COMMAND = new RegExp(String.raw`^(?:${anyOf([...SECRET_ARGUMENT_COMMANDS, String.raw`secret[ \t]+set`])})(?:\.exe)?(?=[ \t])`, 'i');
const COMMAND_WORD = new RegExp(String.raw`^(?:.*[\\/])?(?:${anyOf([...SECRET_ARGUMENT_COMMANDS, 'gh', 'rman', 'unzip'])})(?:\.exe)?$`, 'i');
/** A first word that makes the name prose, not a command: "zip the folder", "the sqlplus notes in…". */
const PROSE_WORD = /^(?:the|an|it|its|them|up|and|or|to|this|that|these|those|your|our|my|all|is|are|was|in|on|of|for|with|file|files|folder|notes?|docs?|command|tool|can|will|should|first|then)$/i;

/** The flags that take a secret, by command, and whether it may be glued to them (`-bPW`; 7z's `-p` alone prompts). */
const SECRET_FLAGS: Readonly<Record<string, readonly [readonly string[], boolean | 'only']>> = {
  'secret set': [['--body', '-b'], true],
  zip: [['-P'], false],
  '7z': [['-p'], 'only'],
  'ssh-keygen': [['-N', '-P'], false],
  openssl: [['-k'], false],
};

/** `user/password@db` (Oracle's tools), also as sqlldr's `userid=…`; not `/nolog` or `/ as sysdba`. */
const ORACLE_LOGIN = /^(?:userid=)?[A-Za-z_][\w$#]{0,63}\/([^/@\s"']{1,256})(?:@|$|\s)/i;

export interface Word {
  readonly start: number;
  readonly end: number;
  readonly quoted: boolean;
  readonly next: number;
  readonly text: string;
}

/**
 * A word of an argument command: a shell word, also `\"…\"` (quotes escaped in JSON text) as a
 * quoted word; a line continuation (`\` and a newline, raw or escaped) is passed over. Any other
 * backslash (an escaped `\n` ending a line in JSON text) ends the command, and ends a word.
 */
function argumentWord(text: string, from: number, limit: number): Word | null {
  let i = skipSpaces(text, from, 64);
  for (;;) {
    if (text.charCodeAt(i) !== 92) break;
    const after = text.charCodeAt(i + 1);
    if (after === 10) i = skipSpaces(text, i + 2, 64);
    else if (after === 13 && text.charCodeAt(i + 2) === 10) i = skipSpaces(text, i + 3, 64);
    else if (text.startsWith('\\\\\\n', i)) i = skipSpaces(text, i + 4, 64);
    else break;
  }
  if (i >= limit) return null;
  if (text.charCodeAt(i) === 92) {
    const quote = text[i + 1];
    if (quote !== '"' && quote !== "'") return null;
    const close = text.indexOf(`\\${quote}`, i + 2);
    if (close <= i + 2 || close - i > MAX_VALUE || text.slice(i + 2, close).includes('\n')) return null;
    return { start: i + 2, end: close, quoted: true, next: close + 2, text: text.slice(i + 2, close) };
  }
  const w = shellWord(text, i, limit);
  if (!w) return null;
  const raw = text.slice(w.start, w.end);
  const slash = w.quoted ? -1 : raw.indexOf('\\');
  if (slash === 0) return null;
  return slash < 0 ? { ...w, text: raw } : { start: w.start, end: w.start + slash, quoted: false, next: w.start + slash, text: raw.slice(0, slash) };
}

/**
 * The words of the command whose name ends at `from`, up to its end (`;`, `&`, `|`, a line's end)
 * or the next argument command's name: each anchor reads only its own command's words.
 */
function commandWords(text: string, from: number): Word[] {
  const words: Word[] = [];
  const limit = Math.min(text.length, from + 1024);
  for (let w = argumentWord(text, from, limit); w && words.length < 16; w = argumentWord(text, w.next, limit)) {
    if (!w.quoted && COMMAND_WORD.test(w.text)) break;
    words.push(w);
  }
  return words;
}

/**
 * Every value of one of `flags` among `words`: the next word (`-P PW`, also after clustered
 * letters: `-rP PW`) unless `glued` is 'only' (7z's `-p` alone prompts), the rest of the word
 * (`-bPW`, `-b=PW`, `"-pPW"`) when `glued`, and `--flag=PW` or `--flag="PW"`.
 */
function flagValues(words: readonly Word[], flags: readonly string[], glued: boolean | 'only'): [number, number][] {
  const spans: [number, number][] = [];
  for (let k = 0; k < words.length; k++) {
    const w = words[k]!;
    const v = words[k + 1];
    for (const flag of flags) {
      const short = flag.length === 2;
      const clustered = short && !w.quoted && glued !== 'only' && /^-[A-Za-z]{2,}$/.test(w.text) && w.text.endsWith(flag[1]!) && !w.text.startsWith(flag);
      if (!w.quoted && (w.text === flag || clustered)) {
        if (glued !== 'only' && v && (v.quoted || !v.text.startsWith('-'))) spans.push([v.start, v.end]);
      } else if (!w.quoted && w.text === `${flag}=` && v?.quoted && v.start <= w.end + 2) {
        spans.push([v.start, v.end]);
      } else if (glued && w.text.startsWith(flag) && w.text.length > flag.length + (w.text[flag.length] === '=' ? 1 : 0) && (short || w.text[flag.length] === '=')) {
        spans.push([w.start + flag.length + (w.text[flag.length] === '=' ? 1 : 0), w.end]);
      } else if (!w.quoted && flag.startsWith('--') && w.text.startsWith(`${flag}=`) && w.text.length > flag.length + 1) {
        spans.push([w.start + flag.length + 1, w.end]);
      } else {
        continue;
      }
      break;
    }
  }
  return spans;
}

/** The first word after `from` (an index in `words`) that is no flag, skipping the values of `valued` flags. */
function positional(words: readonly Word[], from: number, valued: readonly string[]): Word | null {
  for (let k = from; k < words.length; k++) {
    const w = words[k]!;
    if (!w.quoted && w.text.startsWith('-')) {
      if (valued.includes(w.text)) k++;
      continue;
    }
    return w;
  }
  return null;
}

/** The password of an Oracle `user/PW@db` word, or null. */
function oracleLogin(w: Word | null | undefined): [number, number] | null {
  const login = w ? ORACLE_LOGIN.exec(w.text) : null;
  if (!login) return null;
  const start = w!.start + login.index + login[0].indexOf('/') + 1;
  return [start, start + login[1]!.length];
}

/** Each cookie value of `name=v; name2=v2` that looks generated (`lang=en-US` and `$SESSION` stay). */
function cookieValues(w: Word): [number, number][] {
  const spans: [number, number][] = [];
  for (const m of w.text.matchAll(/(?:^|;)\s*[^=;\s]+=([^;]*)/g)) {
    const value = m[1]!.trim();
    if (value.length < 8 || !looksRandom(value) || REFERENCE.test(value)) continue;
    const start = w.start + m.index! + m[0].indexOf(value, m[0].indexOf('=') + 1);
    spans.push([start, start + value.length]);
  }
  return spans;
}

/** A command's name may follow a separator, a path's `/` or `\`, or an escaped `\n`/`\t` in JSON text. */
function commandBoundary(text: string, at: number): boolean {
  if (at === 0) return true;
  const before = text.charCodeAt(at - 1);
  return inTable(COMMAND_BEFORE, before) || before === 92 || (text.charCodeAt(at - 2) === 92 && (before === 110 || before === 116 || before === 114));
}

/**
 * Secrets passed as plain arguments: `wandb login KEY`, `ngrok authtoken T` / `ngrok config
 * add-authtoken T`, `vault login TOKEN`, `gh secret set NAME --body V` (`-b V`, `-bV`), Oracle's
 * `sqlplus user/PW@db` (sqlldr and expdp/impdp `userid=`), `zip`/`unzip -P PW`,
 * `7z -pPW`, `ssh-keygen -N PW` / `-P PW`, `openssl … -k PW`, curl's cookies (`-b 'session=…'`).
 * The command's name stands at `at`; empty when it is not one of these or holds no literal secret.
 */
export function argumentSecret(text: string, anchorAt: number): [number, number][] {
  const inner = INNER_ANCHORS.find(([a]) => startsWithIgnoreCase(text, a, anchorAt));
  const at = anchorAt - (inner ? inner[1] : 0);
  if (at < 0) return [];
  // The name must start a word (`gzip` holds `zip`, `bizip` too); `unzip` holds `zip`.
  const nameStart = (text.charCodeAt(at) | 0x20) === 122 && /^un$/i.test(text.slice(at - 2, at)) ? at - 2 : at;
  if (!commandBoundary(text, nameStart)) return [];
  // `["zip", "-P", "PW", …]`, `execFileSync('wandb', ['login', KEY])`: the name as an argument array's element.
  const array = nameStart > 0 ? arrayCommand(text, nameStart, at) : null;
  const m = array ? { 0: array.name } : ARGUMENT_COMMAND.exec(text.slice(at, at + 24));
  if (!m) return [];
  const command = m[0].toLowerCase().replace(/\.exe$/, '').replace(/[ \t]+/, ' ');
  // gh's `secret set` follows `gh`.
  if (command === 'secret set' && !/(?:^|[\s;&|(`\\/])gh(?:\.exe)?[ \t]+$/.test(text.slice(Math.max(0, at - 16), at))) return [];
  const words = array ? array.words : commandWords(text, at + m[0].length);
  if (words.length === 0 || (!words[0]!.quoted && PROSE_WORD.test(words[0]!.text))) return [];
  let spans: [number, number][] = [];
  switch (command) {
    case 'wandb': {
      const key = words[0]!.text === 'login' ? positional(words, 1, ['--host', '--cloud', '--base-url']) : null;
      if (key) spans = [[key.start, key.end]];
      break;
    }
    case 'ngrok': {
      const from = words[0]!.text === 'authtoken' ? 1 : words[0]!.text === 'config' && /^add-(?:authtoken|api-key)$/.test(words[1]?.text ?? '') ? 2 : -1;
      const token = from > 0 ? positional(words, from, ['--config']) : null;
      if (token) spans = [[token.start, token.end]];
      break;
    }
    case 'vault': {
      // `vault login -method=userpass username=bob password=…`: the assignment is secret_assignment's.
      const token = words[0]!.text === 'login' ? positional(words, 1, ['-method', '-path', '-address']) : null;
      if (token && !token.text.includes('=') && token.text !== '-') spans = [[token.start, token.end]];
      break;
    }
    case 'curl':
      // `-b 'session=…'` sends cookies; `-b cookies.txt` names a file of them.
      for (const [start, end] of flagValues(words, ['-b', '--cookie'], true)) {
        const w = words.find((x) => x.start <= start && end <= x.end)!;
        spans.push(...cookieValues({ ...w, start, end, text: text.slice(start, end) }));
      }
      break;
    case 'sqlplus': {
      // sqlplus [options] [logon] [@script]: the logon is the first word that is no flag.
      const login = oracleLogin(positional(words, 0, ['-M', '-R']));
      if (login) spans = [login];
      break;
    }
    case 'sqlldr':
    case 'expdp':
    case 'impdp': {
      const login = oracleLogin(words.find((w) => /^userid=/i.test(w.text)) ?? positional(words, 0, []));
      if (login) spans = [login];
      break;
    }
    default: {
      const [flags, glued] = SECRET_FLAGS[command.startsWith('7z') ? '7z' : command]!;
      spans = flagValues(words, flags, glued);
    }
  }
  return spans.filter(([start, end]) => end > start && !REFERENCE.test(text.slice(start, end)));
}

/** ARGUMENT_COMMAND's names (not gh's `secret set`: two words), whole, as an element's text; `unzip` too. */
const ELEMENT_COMMAND = new RegExp(`^(?:${anyOf([...SECRET_ARGUMENT_COMMANDS, 'unzip'])})$`, 'i');

/**
 * A command's name at `nameStart` standing as a quoted element of an argument array: the name from
 * `at` (`zip` in `unzip`, as ARGUMENT_COMMAND reads it) and the array's elements after it as words.
 * Null when the name is no element or no command of ELEMENT_COMMAND.
 */
function arrayCommand(text: string, nameStart: number, at: number): { name: string; words: Word[] } | null {
  const raw = text[nameStart - 1]!;
  if (raw !== '"' && raw !== "'") return null;
  // JSON's escaped quotes in text that is not JSON (a log line's `[\"zip\", \"-P\", \"…\"]`): an element's quote is `\"`.
  const quote = raw === '"' && text.charCodeAt(nameStart - 2) === 92 ? '\\"' : raw;
  const close = text.slice(nameStart, nameStart + 24).indexOf(quote);
  if (close <= 0 || !ELEMENT_COMMAND.test(text.slice(nameStart, nameStart + close).replace(/\.exe$/i, ''))) return null;
  const words = argumentArray(text, nameStart, nameStart + close);
  return words ? { name: text.slice(at, nameStart + close), words } : null;
}

/**
 * The elements after a command's name that stands quoted from `nameStart` to `nameEnd` as an
 * element of an argument array, as the quoted first argument of a call given the array next
 * (`execFileSync("zip", ["-P", …])`), or as a `command` given its `args` next (an MCP server's
 * `"command": "wandb", "args": [`): each element one word whatever it holds. The name must open
 * the array or follow quoted elements (`["sudo", "zip", …]`); the elements are read up to the
 * array's `]` or the first that is not a quoted string, 16 at most, each on one line. Quotes may be
 * escaped as in a JSON string (`[\"zip\", \"-P\", \"…\"]` in text that is not JSON): then every
 * element's are. Null when the name is no such element.
 */
export function argumentArray(text: string, nameStart: number, nameEnd: number): Word[] | null {
  const raw = text[nameStart - 1]!;
  const escaped = raw === '"' && text.charCodeAt(nameStart - 2) === 92;
  const quote = escaped ? '\\"' : raw;
  if ((raw !== '"' && raw !== "'") || !text.startsWith(quote, nameEnd)) return null;
  const before = text.charCodeAt(skipGap(text, nameStart - quote.length, -1) - 1);
  if (before !== 91 && before !== 44 && before !== 40 && before !== 58) return null;
  const words: Word[] = [];
  let i = skipGap(text, nameEnd + quote.length, 1);
  if (text.charCodeAt(i) !== 44) return null;
  i = skipGap(text, i + 1, 1);
  if (before === 40 || before === 58) {
    // A call's first argument, then its array: `("zip", [`; an MCP server's `"command": "wandb", "args": [`.
    const open = (before === 40 ? /^\[/ : /^(?:\\?["'])?args(?:\\?["'])?[ \t]*:[ \t]*\[/).exec(text.slice(i, i + 16));
    if (!open) return null;
    i = skipGap(text, i + open[0].length, 1);
  }
  while (words.length < 16 && (escaped ? text.startsWith(quote, i) : text[i] === '"' || text[i] === "'")) {
    const q = escaped ? quote : text[i]!;
    const from = i + q.length;
    const limit = Math.min(text.length, from + MAX_VALUE);
    let end = -1;
    for (let k = from; k < limit; k++) {
      const c = text.charCodeAt(k);
      if (c === 10 || c === 13) break;
      if (text.startsWith(q, k)) {
        end = k;
        break;
      }
      if (c === 92 && !escaped) k++;
    }
    if (end < 0) break;
    words.push({ start: from, end, quoted: false, next: end + q.length, text: text.slice(from, end) });
    i = skipGap(text, end + q.length, 1);
    if (text.charCodeAt(i) !== 44) break;
    i = skipGap(text, i + 1, 1);
  }
  return words;
}
