/**
 * A secret printed by a command in a pasted terminal session: the command after a shell prompt
 * (`$ `, `% `, `user@host:~$ `, `PS C:\> `), its output on the lines below. `$ aws configure get
 * aws_secret_access_key` then the key, `$ echo $OPENAI_API_KEY` then the key, `$ gh auth token`
 * then the token, `$ cat ~/.pgpass` then `host:port:db:user:PW` lines. Found from
 * secret_assignment's keywords on the command's line (`secret`, `key`, `token`, `auth`, `pass`):
 * no anchor of its own.
 */
import { REFERENCE } from './not-a-value.js';
import { lineStart } from './text-scan.js';
import { isSecretSettingName } from './names.js';

/** A prompt at a line's start, and the command after it. */
const PROMPT = /^[ \t]*(?:(?:\([\w.-]{1,32}\)[ \t]+)?(?:[\w.-]{1,32}@[\w.-]{1,64}(?::[^\s$#%]{0,128})?[ \t]?[$#%]|[$%❯])|PS(?: [^>\n]{0,128})?>)[ \t]+(?=\S)/;
/** A variable's value printed: `echo $NAME`, `echo "${NAME}"`, `printenv NAME`, PowerShell's `echo $env:NAME`. */
const PRINT_VARIABLE = /^(?:echo(?:[ \t]+-n)?|printf[ \t]+(?:'%s\\n'|"%s\\n"|%s)|printenv|(?:Write-Output|Write-Host|echo)[ \t]+\$env:)[ \t]*["']?(?:\$\{?)?([A-Za-z_][A-Za-z0-9_]{0,63})\}?["']?[ \t]*$/;
/** Commands that print one secret and nothing else (the whole command: `gh auth token | pbcopy` prints nothing). */
const PRINT_SECRET = new RegExp([
  String.raw`^aws[ \t]+configure[ \t]+get[ \t]+(?:[\w.-]+\.)?(aws_secret_access_key|aws_session_token)(?:[ \t]+--profile[ \t]+\S+)?`,
  String.raw`^gh[ \t]+auth[ \t]+token(?:[ \t]+(?:-h|--hostname)[ \t]+\S+)?`,
  String.raw`^gcloud[ \t]+auth[ \t]+(?:application-default[ \t]+)?print-(?:access|identity)-token(?:[ \t]+\S+){0,4}`,
  String.raw`^gcloud[ \t]+secrets[ \t]+versions[ \t]+access(?:[ \t]+\S+){1,6}`,
  String.raw`^aws[ \t]+secretsmanager[ \t]+get-secret-value(?:[ \t]+\S+){1,8}[ \t]+--output[ \t]+text(?:[ \t]+\S+){0,4}`,
  String.raw`^heroku[ \t]+auth:token`,
  String.raw`^kubectl[ \t]+get[ \t]+secrets?[ \t]+[^|\n]{1,256}\|[ \t]*base64[ \t]+(?:-d|--decode|-D)`,
  String.raw`^cat[ \t]+(?:\S*/)?(?:[\w.-]*[._-])?(?:token|secret|password|api[_-]?key)(?:\.txt)?`,
].map((c) => `(?:${c})`).join('|').replace(/^/, '(?:').concat(')[ \\t]*$'), 'i');
/** `cat ~/.pgpass`: every line below is `host:port:database:user:password`. */
const CAT_PGPASS = /^cat[ \t]+(?:\S*\/)?\.pgpass$/;
/** Output that is no secret: a shell's or tool's complaint, an empty or unset value's stand-in. */
const NO_SECRET = /^(?:$|None|null|undefined|\(none\)|\(empty\)|\*+|[^\s:]*:[ \t]|usage:|error\b|warning\b|-bash:|bash:|zsh:)/i;

/** How many output lines a command's block is read to (cat ~/.pgpass), and how long a line may be. */
const MAX_LINES = 64;
const MAX_LINE = 4096;

/**
 * The secrets a prompt's command at `at`'s line printed below it, or null when the line is no such
 * command. Only the first line below is read for a single secret (one word, no spaces); a
 * .pgpass's lines until a blank line or the next prompt.
 */
export function commandOutput(text: string, at: number): [number, number][] | null {
  const from = lineStart(text, at);
  // lineStart stops looking 256 characters back: a prompt must start the line itself.
  if (from > 0 && text.charCodeAt(from - 1) !== 10) return null;
  const prompt = PROMPT.exec(text.slice(from, Math.min(text.length, from + 192)));
  if (!prompt) return null;
  const start = from + prompt[0].length;
  const eol = lineEndWithin(text, start);
  if (eol < 0 || eol < at) return null;
  const command = text.slice(start, eol).replace(/[ \t\r]+$/, '');
  const next = eol + 1;
  if (CAT_PGPASS.test(command)) return pgpassLines(text, next);
  const variable = PRINT_VARIABLE.exec(command);
  if (variable ? !isSecretSettingName(variable[1]!) : !PRINT_SECRET.test(command)) return null;
  const end = lineEndWithin(text, next);
  const lineEnd = end < 0 ? Math.min(text.length, next + MAX_LINE) : end;
  let a = next;
  let b = lineEnd;
  while (a < b && (text.charCodeAt(a) === 32 || text.charCodeAt(a) === 9)) a++;
  while (b > a && (text.charCodeAt(b - 1) === 32 || text.charCodeAt(b - 1) === 9 || text.charCodeAt(b - 1) === 13)) b--;
  const value = text.slice(a, b);
  if (b - a > MAX_LINE || /\s/.test(value) || NO_SECRET.test(value) || PROMPT.test(value) || REFERENCE.test(value)) return null;
  return [[a, b]];
}

/** The end of the line starting at `from` (its `\n`), within MAX_LINE; -1 when it is longer. */
function lineEndWithin(text: string, from: number): number {
  const nl = text.slice(from, from + MAX_LINE + 1).indexOf('\n');
  return nl < 0 ? (text.length - from <= MAX_LINE ? text.length : -1) : from + nl;
}

/** The password of each `host:port:database:user:password` line from `from`, up to a blank line or a prompt. */
function pgpassLines(text: string, from: number): [number, number][] | null {
  const spans: [number, number][] = [];
  let i = from;
  for (let n = 0; n < MAX_LINES && i < text.length; n++) {
    const end = lineEndWithin(text, i);
    if (end < 0) break;
    const line = text.slice(i, end).replace(/\r$/, '');
    if (line.trim() === '' || PROMPT.test(line)) break;
    if (!line.startsWith('#')) {
      // Four fields, each with `\:` and `\\` escaped, then the password.
      const m = /^(?:(?:[^:\\\s]|\\.)+:){4}/.exec(line);
      if (m && m[0].length < line.length && !REFERENCE.test(line.slice(m[0].length))) spans.push([i + m[0].length, i + line.length]);
    }
    i = end + 1;
  }
  return spans.length === 0 ? null : spans;
}
