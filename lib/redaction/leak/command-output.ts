/**
 * A secret printed below its command in a pasted terminal session: after a prompt (`$ `, `% `,
 * `user@host:~$ `), `gh auth token`, `heroku auth:token`, `gcloud auth print-access-token`, `aws
 * configure get aws_secret_access_key`, `echo $NAME`/`printenv NAME` of a secret's name, then the
 * value alone on the next line; `cat ~/.pgpass`, then `host:port:db:user:password` lines. Found
 * from the main expression's match of the secret word ending the command's line.
 */
import type { LeakHit } from '../leak-detector.js';
import { isCode } from './code-shape.js';
import { lineStartBefore } from './lines.js';
import { generated, hit, looksSecret, valueEnd } from './values.js';
import { secretName } from './words.js';

/** A prompt, then a command that prints one secret and nothing else (the whole command, to its line's end). */
const PROMPTED = /^[ \t]*(?:[\w.-]{1,32}@[\w.-]{1,64}(?::[^\s$#%"\\]{0,128})?[ \t]?[$#%]|[$%])[ \t]+(?:gh[ \t]+auth[ \t]+token|heroku[ \t]+auth:token|gcloud[ \t]+auth[ \t]+(?:application-default[ \t]+)?print-(?:access|identity)-token|aws[ \t]+configure[ \t]+get[ \t]+(?:[\w-]+\.)?(?:aws_secret_access_key|aws_session_token)|(?:echo|printenv)[ \t]+\$?([A-Za-z_][A-Za-z0-9_]{0,63})|cat[ \t]+(?:~?\/)?(?:[\w.-]+\/)*(\.pgpass))[ \t]*$/;
/** A .pgpass line's four fields before the password (no escapes: the scan reads the plain ones). */
const PGPASS_FIELDS = /^[\w.*-]{1,253}:(?:\d{1,5}|\*):[^:\s"'\\]{1,64}:[^:\s"'\\]{1,64}:/;
const PGPASS_LINES = 64;

/** A JSON string's or CSV field's opening quote before a prompt: after `:`, `: `, `,` or the line's start. */
const OPENING = /(?:^|[:,] ?)"(?=[ \t]*(?:[$%][ \t]|[\w.-]{1,32}@))/g;

/** Where a line (raw or JSON-escaped) starts after the one ending at `eol`, or -1. */
function nextLine(text: string, eol: number): number {
  if (text.charCodeAt(eol) === 13 && text.charCodeAt(eol + 1) === 10) return eol + 2;
  if (text.charCodeAt(eol) === 10) return eol + 1;
  if (text.startsWith('\\r\\n', eol)) return eol + 4;
  if (text.startsWith('\\n', eol)) return eol + 2;
  return -1;
}

/** The line at `from` holds one value and nothing else: it ends at a line break, the text's or a JSON string's end. */
function alone(text: string, end: number): boolean {
  let i = end;
  while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
  return i >= text.length || text.charCodeAt(i) === 10 || text.charCodeAt(i) === 13 || text.startsWith('\\n', i) || text.startsWith('\\r', i) || (text.charCodeAt(i) === 34 && text.charCodeAt(i - 1) !== 92);
}

/** `from` starts a line, raw or JSON-escaped (not where lineStartBefore gave up looking back). */
function lineOpens(text: string, from: number): boolean {
  return from === 0 || text.charCodeAt(from - 1) === 10 || text.startsWith('\\n', from - 2);
}

/** The secret word at `nameAt` ends its line (`after`): when the line is a prompt's printing command, the value below it. */
export function commandOutput(text: string, nameAt: number, after: number, hits: LeakHit[]): void {
  let from = lineStartBefore(text, nameAt);
  if (!lineOpens(text, from)) return;
  let line = text.slice(from, after);
  // An export's string opens on the line: `"content":"$ …`, a CSV field's `,"$ …`; the last such opening.
  let open = -1;
  OPENING.lastIndex = 0;
  for (let q = OPENING.exec(line); q; q = OPENING.exec(line)) open = q.index + q[0].length;
  if (open >= 0) {
    from += open;
    line = line.slice(open);
  }
  const m = PROMPTED.exec(line.replace(/\\r$|\r$/, ''));
  if (!m || (m[1] !== undefined && (!secretName(m[1]) || /tokens$/i.test(m[1])))) return;
  let eol = after;
  while (text.charCodeAt(eol) === 32 || text.charCodeAt(eol) === 9) eol++;
  let next = nextLine(text, eol);
  if (m[2] === undefined) {
    if (next < 0) return;
    while (text.charCodeAt(next) === 32 || text.charCodeAt(next) === 9) next++;
    const end = valueEnd(text, next);
    const value = text.slice(next, end);
    if (alone(text, end) && looksSecret(value) && generated(value) && !isCode(value, text.charCodeAt(end))) hits.push(hit('secret_assignment', value, next, end));
    return;
  }
  // `cat ~/.pgpass`: each line below up to a blank one, a prompt or the string's end.
  for (let n = 0; n < PGPASS_LINES && next >= 0; n++) {
    const fields = PGPASS_FIELDS.exec(text.slice(next, next + 600));
    if (!fields) return;
    // The usual ports are pgpassLines' already.
    const usual = /:(?:5432|5433|6432|\*):[^:]*:[^:]*:$/.test(fields[0]);
    const start = next + fields[0].length;
    const end = valueEnd(text, start);
    const value = text.slice(start, end);
    if (!alone(text, end)) return;
    if (!usual && looksSecret(value, 8, 2.5) && generated(value)) hits.push(hit('pgpass_password', value, start, end));
    let eolAt = end;
    while (text.charCodeAt(eolAt) === 32 || text.charCodeAt(eolAt) === 9) eolAt++;
    next = nextLine(text, eolAt);
  }
}
