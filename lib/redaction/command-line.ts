/**
 * Passwords passed on a command line without a secret-named flag: curl's `-u user:PASSWORD`,
 * mysql's and mariadb's `-pPASSWORD`, `sshpass -p PASSWORD` and `docker login -p PASSWORD` (podman,
 * buildah, nerdctl, skopeo, oras, crane and `helm registry login` too), `redis-cli -a PASSWORD`,
 * also as an argument array's elements. Found from literal anchors (`-u`, `-p`, `-a`), read with
 * text-scan.ts's readers. A literal piped into `--password-stdin` and `htpasswd -b`'s last argument
 * are stdin-passwords.ts's; secrets given as a command's arguments, argument-secrets.ts's.
 */
import { REFERENCE } from './not-a-value.js';
import { inTable } from './rule.js';
import { SHELL_STOP, runEndUntil } from './shell-words.js';
import { MAX_VALUE, isQuote, isSpace, lineStart, quotedValue, skipGap, skipSpaces } from './text-scan.js';

const CURL = /(?:^|[\s/;&|("'`])curl(?:\.exe)?\s/;
const MYSQL = /(?:^|[\s/;&|("'`])(?:mysql|mariadb)[a-z-]*(?:\.exe)?\s/;
/** Where `-p PASSWORD` (spaced) is a password: sshpass, the container registry logins, the MongoDB tools and `az login`. */
export const REGISTRY_LOGIN = /(?:^|[\s/;&|("'`])(?:docker|podman|buildah|nerdctl|skopeo|oras|crane(?:\s+auth)?|helm\s+registry)(?:\.exe)?\s+login\s/;
const SPACED_P = new RegExp(`${REGISTRY_LOGIN.source}|(?:^|[\\s/;&|("'\`])(?:sshpass|mongo(?:sh|dump|restore|export|import)?|az(?:\\.cmd)?\\s+login)\\s`);
/** `-a PASSWORD`: redis-cli's (and valkey-cli's) password flag; `-a` elsewhere is "all". */
const REDIS_CLI = /(?:^|[\s/;&|("'`])(?:redis|valkey)-cli(?:\.exe)?\s/;
/** HTTPie's (and xh's) `-a user:PASSWORD`. */
const HTTPIE = /(?:^|[\s/;&|("'`])(?:https?|xhs?)(?:\.exe)?\s/;
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
