/**
 * Passwords passed on a command line without a secret-named flag: curl's `-u user:PASSWORD`,
 * mysql's and mariadb's `-pPASSWORD`, `sshpass -p PASSWORD` and `docker login -p PASSWORD` (podman,
 * buildah, nerdctl, skopeo, oras, crane and `helm registry login` too), `redis-cli -a PASSWORD`,
 * a literal piped into a registry login's `--password-stdin`, and `htpasswd -b`'s last argument.
 * Found from literal anchors (`-u`, `-p`, `-a`, `--password-stdin`, `htpasswd`), read with
 * text-scan.ts's readers.
 */
import { REFERENCE } from './not-a-value.js';
import { MAX_VALUE, isQuote, isSpace, lineStart, quotedValue, skipGap, skipSpaces } from './text-scan.js';
import { charTable, inTable, looksRandom, startsWithIgnoreCase, type CharTable } from './rule.js';

/** Shell words end at whitespace, operators and quotes (a value inside a JSON string ends at its `"`). */
const SHELL_STOP = charTable(' \t\r\n;&|<>()`"\'');
const CURL = /(?:^|[\s/;&|("'`])curl(?:\.exe)?\s/;
const MYSQL = /(?:^|[\s/;&|("'`])(?:mysql|mariadb)[a-z-]*(?:\.exe)?\s/;
/** Where `-p PASSWORD` (spaced) is a password: sshpass, the container registry logins, the MongoDB tools and `az login`. */
const REGISTRY_LOGIN = /(?:^|[\s/;&|("'`])(?:docker|podman|buildah|nerdctl|skopeo|oras|crane(?:\s+auth)?|helm\s+registry)(?:\.exe)?\s+login\s/;
const SPACED_P = new RegExp(`${REGISTRY_LOGIN.source}|(?:^|[\\s/;&|("'\`])(?:sshpass|mongo(?:sh|dump|restore|export|import)?|az(?:\\.cmd)?\\s+login)\\s`);
/** `-a PASSWORD`: redis-cli's (and valkey-cli's) password flag; `-a` elsewhere is "all". */
const REDIS_CLI = /(?:^|[\s/;&|("'`])(?:redis|valkey)-cli(?:\.exe)?\s/;
/** HTTPie's (and xh's) `-a user:PASSWORD`. */
const HTTPIE = /(?:^|[\s/;&|("'`])(?:https?|xhs?)(?:\.exe)?\s/;
/** What may stand right before a command's name: a line's start, whitespace, a path's `/`, an operator or a quote. */
const COMMAND_BEFORE = charTable(' \t\r\n/;&|(`"\'=');
/** Glued `-pPASSWORD` (and docker's `-p=PASSWORD`): mysql, mariadb and the registry logins. */
const GLUED_P = new RegExp(`${MYSQL.source}|${REGISTRY_LOGIN.source}`);

/**
 * Literal anchors for `commandPassword`, found with indexOf (`--user` holds `-u`). Not ` -u`: an
 * indexOf led by a space stops at every space and costs eight times as much.
 */
export const COMMAND_ANCHORS = ['-u', '-p', '-a'];

/**
 * A password passed on a command line without a secret-named flag: curl's `-u user:PASSWORD`
 * (`-uuser:…`, `--user user:…`, `--user=user:…`, `--proxy-user user:…`), mysql's and mariadb's `-pPASSWORD` (glued: `-p`
 * alone prompts), `sshpass -p PASSWORD`, `docker login … -p PASSWORD`, `redis-cli -a PASSWORD` and HTTPie's `-a user:PASSWORD`. Only the password is returned; the user name stays.
 * The command must stand earlier on the same line: `docker -u 1000:1000` and `mkdir -p` are not it.
 * The flag may be an element of an argument array (`["mysql","-uroot","-pPW"]`, `["sshpass","-p","PW"]`):
 * the value is then the rest of its element or the next one, and the array's elements are the command line.
 * Null when there is none.
 */
export function commandPassword(text: string, at: number): [number, number] | null {
  let flagEnd: number;
  let command: RegExp;
  let userPart = false;
  let spaced: 'no' | 'optional' | 'required';
  // `--user` and curl's `--proxy-user` hold `-u` (the proxy's password, read as the server's).
  const flagStart = text.startsWith('--user', at - 1) ? at - 1 : text.startsWith('--proxy-user', at - 7) ? at - 7 : at;
  if (flagStart === 0) return null;
  // `["mysql","-uroot","-pPW"]`, `['sshpass', '-p', 'PW', …]`: an element of an argument array (an agent's tool call, subprocess.run).
  const element = isSpace(text.charCodeAt(flagStart - 1)) ? null : arrayElement(text, flagStart);
  if (!element && !isSpace(text.charCodeAt(flagStart - 1))) return null;
  if (flagStart < at) {
    flagEnd = at + 5;
    if (text.charCodeAt(flagEnd) === 61) flagEnd++;
    else if (!isSpace(text.charCodeAt(flagEnd)) && !(element && text.startsWith(element.quote, flagEnd))) return null;
    [command, userPart, spaced] = [CURL, true, 'optional'];
  } else if (text.startsWith('-u', at)) {
    flagEnd = at + 2;
    [command, userPart, spaced] = [CURL, true, 'optional'];
  } else if (text.startsWith('-p', at)) {
    flagEnd = at + 2;
    if (isSpace(text.charCodeAt(flagEnd)) || (element && text.startsWith(element.quote, flagEnd))) [command, spaced] = [SPACED_P, 'required'];
    // `-password X` (`–password` pasted with an en dash): a password flag and its value, secret_assignment's.
    else if (/^assword[ \t]+[^\s-]/.test(text.slice(flagEnd, flagEnd + 9))) return null;
    else {
      [command, spaced] = [GLUED_P, 'no'];
      if (text.charCodeAt(flagEnd) === 61) flagEnd++;
    }
  } else if (text.startsWith('-a', at) && (isSpace(text.charCodeAt(at + 2)) || (element && text.startsWith(element.quote, at + 2)))) {
    flagEnd = at + 2;
    const httpie = HTTPIE.test(currentCommand(element ? arrayCommandLine(text, element.arrayStart, flagStart) : text.slice(lineStart(text, flagStart), flagStart)));
    [command, spaced, userPart] = [httpie ? HTTPIE : REDIS_CLI, 'required', httpie];
  } else {
    return null;
  }
  let start: number;
  let end: number;
  if (element) {
    const value = elementValue(text, flagEnd, element.quote, spaced);
    if (!value) return null;
    [start, end] = value;
  } else {
    const valueStart = spaced === 'no' ? flagEnd : skipSpaces(text, flagEnd);
    const first = text.charCodeAt(valueStart);
    if ((spaced === 'required' && (valueStart === flagEnd || first === 45)) || valueStart >= text.length || (inTable(SHELL_STOP, first) && !isQuote(first))) return null;
    start = valueStart;
    if (isQuote(text.charCodeAt(valueStart))) {
      const q = quotedValue(text, valueStart + 1, text[valueStart]!);
      if (!q) return null;
      [start, end] = q;
    } else {
      end = runEndUntil(text, valueStart, SHELL_STOP, valueStart + MAX_VALUE);
    }
  }
  if (userPart) {
    let colon = start;
    while (colon < end && text.charCodeAt(colon) !== 58) colon++;
    if (colon >= end - 1) return null;
    start = colon + 1;
  }
  if (REFERENCE.test(text.slice(start, end))) return null;
  // Last, as the dearest check (for -a it was read above too): the line up to the flag must name the command.
  // Only the command the flag belongs to: `docker login x && docker run -p 80:80` is two.
  const line = element ? arrayCommandLine(text, element.arrayStart, flagStart) : text.slice(lineStart(text, flagStart), flagStart);
  return command.test(currentCommand(line)) ? [start, end] : null;
}

/** The last command of a line's commands (`a && b; c | d`: `d`). */
function currentCommand(line: string): string {
  return line.split(/&&|\|\||[;|]/).pop()!;
}

/** An element of an argument array: its quote (`"`, `'`, or `\"` in JSON text held in a string) and where the array opens. */
interface ArrayElement {
  readonly quote: string;
  readonly arrayStart: number;
}

/** How far back an argument array's `[` is looked for. */
const MAX_ARRAY = 1024;
/** The elements before a flag's: quoted strings and commas (the quotes made plain, escaped line breaks made spaces). */
const ARRAY_HEAD = /^\s*(?:(?:"[^"\n]*"|'[^'\n]*')\s*,\s*)*$/;

/**
 * The flag at `flagStart` opens an element of a bracketed argument array (`["mysql","-pPW"]`,
 * `['-p', 'PW']`, `[\"sshpass\",\"-p\",…]` in a JSON string): a quote before it, a `,` or `[`
 * before that, and only quoted elements between the array's `[` and it. Null otherwise.
 */
function arrayElement(text: string, flagStart: number): ArrayElement | null {
  const c = text.charCodeAt(flagStart - 1);
  if (c !== 34 && c !== 39) return null;
  const escaped = text.charCodeAt(flagStart - 2) === 92;
  const quote = escaped ? (c === 34 ? '\\"' : null) : text[flagStart - 1]!;
  if (quote === null) return null;
  const open = flagStart - quote.length;
  const before = text.charCodeAt(skipGap(text, open, -1) - 1);
  if (before !== 44 && before !== 91) return null;
  // Searched within MAX_ARRAY only: unbounded, each `"-p"` of a long array read it back to its start.
  const windowStart = Math.max(0, open - MAX_ARRAY);
  const bracket = text.slice(windowStart, open).lastIndexOf('[');
  if (bracket < 0) return null;
  const arrayStart = windowStart + bracket;
  let head = text.slice(arrayStart + 1, open);
  if (escaped) head = head.replace(/\\[nrt]/g, ' ').replaceAll('\\"', '"');
  return ARRAY_HEAD.test(head) ? { quote, arrayStart } : null;
}

/** How many of an argument array's first elements may be its command. */
const ARRAY_COMMAND_REACH = 4;

/**
 * Where a command's name may start for a flag at `flagStart` that is an element of an argument array
 * (`[\n  "sudo",\n  "ldapsearch",\n  "-w", …`): each of the array's first elements before the flag's, then the quoted first
 * argument of the call given the array (`execFileSync("ldapsearch", [\n "-w", …`). Empty when the
 * flag is no element.
 */
export function arrayElementStarts(text: string, flagStart: number): number[] {
  const element = arrayElement(text, flagStart);
  if (!element) return [];
  const { quote, arrayStart } = element;
  const starts: number[] = [];
  // ARRAY_HEAD checked that only quoted elements and commas stand before the flag's. The command is among
  // the first few (`["sudo", "-E", "ldapsearch", …]`): each flag reading every element before it made
  // a long array of flags quadratic (4 s a MiB of `"-w",`).
  for (let i = skipGap(text, arrayStart + 1, 1); starts.length < ARRAY_COMMAND_REACH && i < flagStart - quote.length && text.startsWith(quote, i); ) {
    starts.push(i + quote.length);
    const close = text.indexOf(quote, i + quote.length);
    if (close < 0 || close >= flagStart) break;
    i = skipGap(text, skipGap(text, close + quote.length, 1) + 1, 1);
  }
  const comma = skipGap(text, arrayStart, -1) - 1;
  const close = skipGap(text, comma, -1) - quote.length;
  if (text.charCodeAt(comma) === 44 && close >= 1 && text.startsWith(quote, close)) {
    const open = text.lastIndexOf(quote, close - 1);
    if (open >= 0 && close - open <= 32) starts.push(open + quote.length);
  }
  return starts;
}

/**
 * The value of an array element's flag ending at `flagEnd`: the rest of its element (`"-pPW"`)
 * when glued, or the next element (`"-p", "PW"`) when spaced; null when that is not allowed.
 */
function elementValue(text: string, flagEnd: number, quote: string, spaced: 'no' | 'optional' | 'required'): [number, number] | null {
  let start = flagEnd;
  if (text.startsWith(quote, flagEnd)) {
    if (spaced === 'no') return null;
    let i = skipGap(text, flagEnd + quote.length, 1);
    if (text.charCodeAt(i) !== 44) return null;
    i = skipGap(text, i + 1, 1);
    if (!text.startsWith(quote, i)) return null;
    start = i + quote.length;
    if (text.charCodeAt(start) === 45) return null;
  } else if (spaced === 'required') return null;
  const limit = Math.min(text.length, start + MAX_VALUE);
  for (let i = start; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return null;
    if (text.startsWith(quote, i)) return i > start ? [start, i] : null;
    // A backslash escapes the next character in JSON and Python strings (not the `\"` that closes an element).
    if (c === 92 && quote.length === 1) i++;
  }
  return null;
}

/** The text before an array's flag as a command line: what precedes the array on its line (`execFileSync("sshpass", [`), then its elements as words. */
function arrayCommandLine(text: string, arrayStart: number, flagStart: number): string {
  const before = text.slice(lineStart(text, arrayStart), arrayStart);
  return `${before} ${text.slice(arrayStart + 1, flagStart)}`.replace(/\\[nrt]/g, ' ').replace(/\\?["',\n\r]/g, ' ');
}

function runEndUntil(text: string, from: number, stop: CharTable, limit: number): number {
  let i = from;
  const max = Math.min(limit, text.length);
  while (i < max && !inTable(stop, text.charCodeAt(i))) i++;
  return i;
}

/** Anchors of the readers below: the flags that read a password or token from a pipe, and htpasswd's name. */
export const STDIN_ANCHOR = '--password-stdin';
export const WITH_TOKEN_ANCHOR = '--with-token';
/** Its anchor: `--w` starts --watch, --write and --workspace. */
export const WITH_TOKEN_INNER = 'th-token';
/** `gh auth login --with-token` reads a token from its input. */
const GH_AUTH_LOGIN = /(?:^|[\s/;&|("'`])gh(?:\.exe)?\s+auth\s+login\s/;
export const HTPASSWD_ANCHOR = 'htpasswd';

/** A shell word at `from` (after spaces): its text's span, whether it was quoted, and where the next word may start. */
function shellWord(text: string, from: number, limit: number): { start: number; end: number; quoted: boolean; next: number } | null {
  const i = skipSpaces(text, from, 64);
  if (i >= limit || (inTable(SHELL_STOP, text.charCodeAt(i)) && !isQuote(text.charCodeAt(i)))) return null;
  if (isQuote(text.charCodeAt(i))) {
    const q = quotedValue(text, i + 1, text[i]!);
    return q ? { start: q[0], end: q[1], quoted: true, next: q[1] + 1 } : null;
  }
  const end = runEndUntil(text, i, SHELL_STOP, Math.min(limit, i + MAX_VALUE));
  return { start: i, end, quoted: false, next: end };
}

/** The last single `|` in `line` (not `||`), or -1. */
function lastPipe(line: string): number {
  for (let i = line.length - 1; i >= 0; i--) {
    if (line.charCodeAt(i) !== 124) continue;
    if (line.charCodeAt(i - 1) === 124) i--;
    else if (line.charCodeAt(i + 1) !== 124) return i;
  }
  return -1;
}

/**
 * A registry login's `--password-stdin` (and gh's `auth login --with-token`) fed a literal: `echo "PW" | docker login -u bob
 * --password-stdin`, `printf '%s' PW | podman login …`, or a here-string `… --password-stdin <<< PW`.
 * The literal is returned (all of echo's words); `echo $CR_PAT |` and `cat token.txt |` hold none.
 */
export function stdinPassword(text: string, at: number): [number, number] | null {
  const flag = text.startsWith(STDIN_ANCHOR, at) ? STDIN_ANCHOR : text.startsWith(WITH_TOKEN_ANCHOR, at) ? WITH_TOKEN_ANCHOR : null;
  if (flag === null) return null;
  const from = lineStart(text, at);
  const line = text.slice(from, at);
  const pipe = lastPipe(line);
  if (!(flag === STDIN_ANCHOR ? REGISTRY_LOGIN : GH_AUTH_LOGIN).test(line.slice(pipe + 1))) return null;
  const flagEnd = at + flag.length;
  const here = /^[^\n|;&<]{0,128}<<<[ \t]*/.exec(text.slice(flagEnd, flagEnd + 160));
  let span: [number, number] | null = null;
  if (here) {
    const w = shellWord(text, flagEnd + here[0].length, text.length);
    if (w) span = [w.start, w.end];
  } else if (pipe >= 0) {
    // The last echo or printf before the pipe, after anything (`- run: echo …`, `then echo …`); its words must reach the pipe.
    const producer = line.slice(0, pipe);
    let command: RegExpExecArray | null = null;
    for (const m of producer.matchAll(/(?:^|[\s;&|(`])(echo|printf)\s+/g)) command = m;
    if (command) span = producedLiteral(text, from + command.index! + command[0].length, from + pipe, command[1] === 'printf');
  }
  return span && span[1] > span[0] && !REFERENCE.test(text.slice(span[0], span[1])) ? span : null;
}

/** Its anchor; `chpasswd` and `passwd --stdin` are found from secret_assignment's `pass`. */
export const SUDO_ANCHOR = 'sudo';
/** sudo's options that take an argument: the word after them is no command. */
const SUDO_VALUED = /^-[ugpChrtUDRT]$/;

/**
 * A literal fed to a command that reads a password from its input: `sudo -S` (`echo "PW" | sudo -S
 * …`, `printf '%s\n' PW | sudo -S -k true`, `sudo -S … <<< PW`), `passwd --stdin user`, and
 * `chpasswd` (`echo 'user:PW' | chpasswd`: only what follows the first `:`). `at` is the command's
 * name; null when it is no such command or its input is no literal (`echo $PW |`, `cat pw.txt |`).
 */
export function stdinReaderPassword(text: string, at: number): [number, number] | null {
  let name: 'sudo' | 'passwd' | 'chpasswd';
  let start = at;
  if (startsWithIgnoreCase(text, 'sudo', at)) name = 'sudo';
  else if (text.startsWith('passwd', at)) {
    name = text.startsWith('chpasswd', at - 2) ? 'chpasswd' : 'passwd';
    if (name === 'chpasswd') start = at - 2;
  } else return null;
  const end = at + (name === 'sudo' ? 4 : 6);
  if (start > 0 && !inTable(COMMAND_BEFORE, text.charCodeAt(start - 1))) return null;
  if (!isSpace(text.charCodeAt(end)) && text.charCodeAt(end) !== 10 && end < text.length) return null;
  const from = lineStart(text, start);
  // The line's end within 512 characters (unbounded, each `sudo` of a long line read to its end).
  const newline = text.slice(end, end + 513).indexOf('\n');
  const eol = newline < 0 ? Math.min(text.length, end + 512) : end + newline;
  const rest = text.slice(end, eol);
  const own = /^[^|;&<]*/.exec(rest)![0];
  const words = own.split(/[ \t]+/).filter((w) => w !== '');
  if (name === 'sudo') {
    let stdin = false;
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      if (!w.startsWith('-')) break;
      if (w === '--stdin' || /^-[A-Za-z]*S[A-Za-z]*$/.test(w)) stdin = true;
      else if (SUDO_VALUED.test(w)) i++;
    }
    if (!stdin) return null;
  } else if (name === 'passwd' && !words.includes('--stdin')) return null;
  let span: [number, number] | null = null;
  const here = /^[^\n|;&<]{0,128}<<<[ \t]*/.exec(rest);
  if (here) {
    const w = shellWord(text, end + here[0].length, text.length);
    if (w) span = [w.start, w.end];
  } else {
    const line = text.slice(from, start);
    const pipe = lastPipe(line);
    // The command takes the pipe itself, or through sudo: `echo … | sudo chpasswd`.
    if (pipe < 0 || !/^[ \t]*(?:sudo[ \t]+(?:-\S+[ \t]+)*)?$/.test(line.slice(pipe + 1))) return null;
    const producer = line.slice(0, pipe);
    let command: RegExpExecArray | null = null;
    for (const m of producer.matchAll(/(?:^|[\s;&|(`])(echo|printf)\s+/g)) command = m;
    if (command) span = producedLiteral(text, from + command.index! + command[0].length, from + pipe, command[1] === 'printf');
  }
  if (!span || span[1] <= span[0] || REFERENCE.test(text.slice(span[0], span[1]))) return null;
  if (name === 'chpasswd') {
    const colon = text.indexOf(':', span[0]);
    if (colon < 0 || colon >= span[1] - 1) return null;
    span = [colon + 1, span[1]];
    if (REFERENCE.test(text.slice(span[0], span[1]))) return null;
  }
  return span;
}

/** What `echo [-n] WORDS` or `printf FORMAT WORD` (or `printf WORD`) writes, between `from` and the pipe at `to`. */
function producedLiteral(text: string, from: number, to: number, printf: boolean): [number, number] | null {
  const words: { start: number; end: number }[] = [];
  let next = from;
  for (let w = shellWord(text, from, to); w && w.start < to; w = shellWord(text, w.next, to)) {
    next = w.next;
    if (!printf && words.length === 0 && !w.quoted && /^-[neE]+$/.test(text.slice(w.start, w.end))) continue;
    words.push(w);
  }
  // Only words up to the pipe: `echo hi; cat pw.txt |` writes no literal into it.
  if (words.length === 0 || skipSpaces(text, next, 64) < to) return null;
  if (printf) {
    const format = words[0]!;
    if (/%[sb]/.test(text.slice(format.start, format.end))) return words[1] ? [words[1].start, words[1].end] : null;
    // `printf 'PW\n'`: the format is the literal, its newline is not.
    return [format.start, text.endsWith('\\n', format.end) ? format.end - 2 : format.end];
  }
  return [words[0]!.start, words[words.length - 1]!.end];
}

/**
 * Apache's `htpasswd -b` takes the password as its last argument: `htpasswd -b[c|B|m…] FILE USER
 * PASSWORD`, or with `-n` (print, no file) `htpasswd -nb USER PASSWORD`. Without `-b` it prompts.
 */
export function htpasswdPassword(text: string, at: number): [number, number] | null {
  if (!text.startsWith(HTPASSWD_ANCHOR, at) || (at > 0 && !inTable(COMMAND_BEFORE, text.charCodeAt(at - 1)))) return null;
  if (!isSpace(text.charCodeAt(at + HTPASSWD_ANCHOR.length))) return null;
  let batch = false;
  let noFile = false;
  const args: { start: number; end: number }[] = [];
  // `docker run --entrypoint htpasswd httpd:2 -Bbn user PW`: the image comes first.
  let skipValue = /--entrypoint[ =]$/.test(text.slice(Math.max(0, at - 13), at));
  const limit = Math.min(text.length, at + 1024);
  // htpasswd takes a few flags and three arguments: twelve words are more than any command of it.
  let read = 0;
  for (let w = shellWord(text, at + HTPASSWD_ANCHOR.length, limit); w && args.length < 3 && read++ < 12; w = shellWord(text, w.next, limit)) {
    const word = text.slice(w.start, w.end);
    if (skipValue) skipValue = false;
    else if (args.length === 0 && !w.quoted && /^-[A-Za-z]+$/.test(word)) {
      batch ||= word.includes('b');
      noFile ||= word.includes('n');
      // `-C cost` and `-r rounds` take the next word.
      skipValue = /[Cr]$/.test(word);
    } else args.push(w);
  }
  const password = batch ? args[noFile ? 1 : 2] : undefined;
  return password && !REFERENCE.test(text.slice(password.start, password.end)) ? [password.start, password.end] : null;
}

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
  const quote = text[nameStart - 1]!;
  if (quote !== '"' && quote !== "'") return null;
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
 * array's `]` or the first that is not a quoted string, 16 at most, each on one line. Null when the
 * name is no such element.
 */
export function argumentArray(text: string, nameStart: number, nameEnd: number): Word[] | null {
  const quote = text[nameStart - 1]!;
  if ((quote !== '"' && quote !== "'") || text[nameEnd] !== quote) return null;
  const before = text.charCodeAt(skipGap(text, nameStart - 1, -1) - 1);
  if (before !== 91 && before !== 44 && before !== 40 && before !== 58) return null;
  const words: Word[] = [];
  let i = skipGap(text, nameEnd + 1, 1);
  if (text.charCodeAt(i) !== 44) return null;
  i = skipGap(text, i + 1, 1);
  if (before === 40 || before === 58) {
    // A call's first argument, then its array: `("zip", [`; an MCP server's `"command": "wandb", "args": [`.
    const open = (before === 40 ? /^\[/ : /^["']?args["']?[ \t]*:[ \t]*\[/).exec(text.slice(i, i + 16));
    if (!open) return null;
    i = skipGap(text, i + open[0].length, 1);
  }
  while (words.length < 16 && (text[i] === '"' || text[i] === "'")) {
    const q = text[i]!;
    const limit = Math.min(text.length, i + 1 + MAX_VALUE);
    let end = -1;
    for (let k = i + 1; k < limit; k++) {
      const c = text.charCodeAt(k);
      if (c === 10 || c === 13) break;
      if (text[k] === q) {
        end = k;
        break;
      }
      if (c === 92) k++;
    }
    if (end < 0) break;
    words.push({ start: i + 1, end, quoted: false, next: end + 1, text: text.slice(i + 1, end) });
    i = skipGap(text, end + 1, 1);
    if (text.charCodeAt(i) !== 44) break;
    i = skipGap(text, i + 1, 1);
  }
  return words;
}
