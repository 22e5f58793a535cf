/**
 * A literal piped into a command that reads a password from its input (`--password-stdin`, gh's
 * `--with-token`, `sudo -S`, `passwd --stdin`, `chpasswd`), and `htpasswd -b`'s last argument.
 */
import { REGISTRY_LOGIN } from './command-line.js';
import { REFERENCE } from './not-a-value.js';
import { inTable, startsWithIgnoreCase } from './rule.js';
import { COMMAND_BEFORE, shellWord } from './shell-words.js';
import { isSpace, lineStart, skipSpaces } from './text-scan.js';

/** Anchors of the readers below: the flags that read a password or token from a pipe, and htpasswd's name. */
export const STDIN_ANCHOR = '--password-stdin';
export const WITH_TOKEN_ANCHOR = '--with-token';
/** Its anchor: `--w` starts --watch, --write and --workspace. */
export const WITH_TOKEN_INNER = 'th-token';
/** `gh auth login --with-token` reads a token from its input. */
const GH_AUTH_LOGIN = /(?:^|[\s/;&|("'`])gh(?:\.exe)?\s+auth\s+login\s/;
export const HTPASSWD_ANCHOR = 'htpasswd';

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

/** A shell word, or one quoted with quotes escaped as in a JSON string (`echo \\"PW\\" |` in text that is not JSON). */
function producedWord(text: string, from: number, limit: number): { start: number; end: number; quoted: boolean; next: number } | null {
  const i = skipSpaces(text, from, 64);
  if (text.charCodeAt(i) === 92 && text.charCodeAt(i + 1) === 34) {
    const close = text.indexOf('\\"', i + 2);
    if (close < 0 || close > limit || close - i > 258 || text.slice(i + 2, close).includes('\n')) return null;
    return { start: i + 2, end: close, quoted: true, next: close + 2 };
  }
  return shellWord(text, from, limit);
}

/** What `echo [-n] WORDS` or `printf FORMAT WORD` (or `printf WORD`) writes, between `from` and the pipe at `to`. */
export function producedLiteral(text: string, from: number, to: number, printf: boolean): [number, number] | null {
  const words: { start: number; end: number }[] = [];
  let next = from;
  for (let w = producedWord(text, from, to); w && w.start < to; w = producedWord(text, w.next, to)) {
    next = w.next;
    if (!printf && words.length === 0 && !w.quoted && /^-[neE]+$/.test(text.slice(w.start, w.end))) continue;
    words.push(w);
  }
  // Only words up to the pipe: `echo hi; cat pw.txt |` writes no literal into it.
  if (words.length === 0 || skipSpaces(text, next, 64) < to) return null;
  if (printf) {
    const format = words[0]!;
    if (/%[sb]/.test(text.slice(format.start, format.end))) return words[1] ? [words[1].start, words[1].end] : null;
    // `printf 'PW\n'`: the format is the literal, its newline is not (`\\n` in text that holds a JSON string).
    const escape = /\\+n$/.exec(text.slice(Math.max(format.start, format.end - 8), format.end));
    return [format.start, format.end - (escape ? escape[0].length : 0)];
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
