/**
 * Values given to a secret store's command: a literal piped into one that reads the secret from its
 * input (`echo PW | wrangler secret put NAME`, `printf '%s' PW | vercel env add NAME production`,
 * `| gh secret set NAME`, `| fly secrets import`, `| doppler secrets set NAME`, `| kubectl create
 * secret generic x --from-file=key=/dev/stdin`, `| docker secret create NAME -`, `| gcloud secrets
 * create NAME --data-file=-`) or fed by a here-doc (`cat <<EOF | wrangler secret put NAME`, then the
 * secret's line and `EOF`), and `aws ssm put-parameter`'s `--value` for a SecureString or a
 * parameter named like a secret (`--name /prod/db-password`).
 *
 * Anchors: the keyword `secret` (secret_assignment's already) stands in every store's command but
 * vercel's, whose `env add` shares its first two letters with localized_label's `enha`; the SSM
 * form is found from `securestring` (sharing `se` and its third letter with `secret`) or from the
 * secret word in the parameter's name. None takes a new pair of the pre-filter's screen.
 */
import { classifyName, isKeyLikeName, nameWords } from './names.js';
import { NOT_A_VALUE, REFERENCE } from './not-a-value.js';
import { looksRandom, startsWithIgnoreCase } from './rule.js';
import { inPrintfFormat, shellWord } from './shell-words.js';
import { producedLiteral } from './stdin-passwords.js';
import { lineStart } from './text-scan.js';
import { catHereDoc, hereDocAt, hereDocLines } from './here-docs.js';

export const ENV_ADD_ANCHOR = 'env add';
export const SECURE_STRING_ANCHOR = 'securestring';

/** What may stand before a store's command in its segment: spaces, a shell's prompt (`$ `), `sudo`, a package runner. */
const RUNNER = String.raw`^[ \t]*(?:\S{0,64}[$%>#][ \t]+)?(?:(?:sudo|npx|bunx|pnpm(?:[ \t]+dlx)?|yarn(?:[ \t]+dlx)?)[ \t]+)*`;
/**
 * The stores' commands that read a secret from their input, up to the word the anchor stands in
 * (`secret`, `secrets`, `env`), with the rest of the subcommand after it.
 */
const STORE = new RegExp(`${RUNNER}(?:(wrangler)(?:\\.cmd)?[ \\t]+secret[ \\t]+put|(gh)(?:\\.exe)?[ \\t]+secret[ \\t]+set|(fly(?:ctl)?)(?:\\.exe)?[ \\t]+secrets[ \\t]+import|(doppler)(?:\\.exe)?[ \\t]+secrets[ \\t]+set|(kubectl)(?:\\.exe)?[ \\t]+create[ \\t]+secret|(docker)(?:\\.exe)?[ \\t]+secret[ \\t]+create|(gcloud)(?:\\.cmd)?[ \\t]+secrets[ \\t]+(?:create|versions[ \\t]+add)|(vercel)(?:\\.cmd)?[ \\t]+env[ \\t]+add)(?=[ \\t]|$)`, 'i');
/** A store's name right before the anchor's word: the cheap test each `secret` of a text meets first. */
const STORE_BEFORE = /(?:wrangler|gh|fly|flyctl|doppler|create|docker|gcloud|vercel)(?:\.exe|\.cmd)?[ \t]+$/i;
/** Where a command's segment ends: a line's end (raw or JSON-escaped), a shell operator. */
export const SEGMENT_END = /[\n;&|]|\\n/;

/**
 * The literals a secret store's command is fed (`echo PW | wrangler secret put NAME`, a here-string
 * `wrangler secret put NAME <<< PW`, a here-doc's lines: `cat <<EOF | wrangler secret put NAME` or
 * `wrangler secret put NAME <<EOF`), when `at` is the anchor in that command's words; null when it
 * is no such command or its input is no literal (`echo $PW |`, `cat pw.txt |`, `gh secret set N --body V`).
 */
export function storedSecret(text: string, at: number): [number, number][] | null {
  // A store's word follows its command after a space (`wrangler secret`): most `secret`s of a text (`client_secret`) stop here.
  const before = text.charCodeAt(at - 1);
  if ((before !== 32 && before !== 9) || !STORE_BEFORE.test(text.slice(Math.max(0, at - 24), at))) return null;
  // The command's segment starts after a pipe, an operator or a line's start; its input is the segment before a pipe.
  const from = segmentStart(text, at);
  const pipe = text.charCodeAt(from - 1) === 124 && text.charCodeAt(from - 2) !== 124 ? from - 1 : -1;
  const head = text.slice(from, at);
  const tailEnd = Math.min(text.length, at + 512);
  const stop = text.slice(at, tailEnd).search(SEGMENT_END);
  const segmentEnd = stop < 0 ? tailEnd : at + stop;
  const command = STORE.exec(head + text.slice(at, segmentEnd));
  // The anchor must stand in the command's own words (`… | gh secret set NAME`, not a later `secret` argument).
  if (!command || command[0].length <= head.length) return null;
  const store = command.slice(1).find((g) => g !== undefined)!.toLowerCase();
  const restStart = from + command[0].length;
  const rest = text.slice(restStart, segmentEnd);
  if (!readsInput(store, rest)) return null;
  const spans = storeInput(text, restStart, rest, pipe);
  if (spans.length === 0) return null;
  // `fly secrets import` reads `NAME=VALUE` lines: the values; a multi-line secret (a key's PEM) is one.
  const values = store.startsWith('fly') ? spans.map(([s, e]): [number, number] => [s + text.slice(s, e).indexOf('=') + 1, e]) : [[spans[0]![0], spans[spans.length - 1]![1]] as [number, number]];
  const taken = values.filter(([s, e]) => {
    const value = text.slice(s, e);
    if (e <= s || REFERENCE.test(value) || NOT_A_VALUE.test(value)) return false;
    // vercel's variables are settings as often as secrets: a value under a name that is no secret's must look generated.
    return store !== 'vercel' || secretNamed(/^[ \t]*([\w.-]+)/.exec(rest)?.[1] ?? '') || (value.length >= 16 && looksRandom(value));
  });
  return taken.length > 0 ? taken : null;
}

/** pass's `insert` at the anchor (`pass`), in a command of its own: spaces, `sudo` or a prompt before it. */
const PASS_INSERT = /^pass[ \t]+insert(?=[ \t])/;
const PASS_BEFORE = /^[ \t]*(?:\S{0,64}[$%>#][ \t]+)?(?:sudo[ \t]+)?$/;

/**
 * `echo PW | pass insert -e web/site` (or a here-doc, or `<<< PW`): pass stores what its input holds,
 * when `at` is the anchor `pass` starting the command; null otherwise.
 */
export function passInsertSecret(text: string, at: number): [number, number][] | null {
  const command = PASS_INSERT.exec(text.slice(at, at + 24));
  if (!command) return null;
  const from = segmentStart(text, at);
  if (!PASS_BEFORE.test(text.slice(from, at))) return null;
  const pipe = text.charCodeAt(from - 1) === 124 && text.charCodeAt(from - 2) !== 124 ? from - 1 : -1;
  const restStart = at + command[0].length;
  const stop = text.slice(restStart, restStart + 512).search(SEGMENT_END);
  const spans = storeInput(text, restStart, text.slice(restStart, stop < 0 ? restStart + 512 : restStart + stop), pipe);
  if (spans.length === 0) return null;
  const span: [number, number] = [spans[0]![0], spans[spans.length - 1]![1]];
  const value = text.slice(span[0], span[1]);
  return REFERENCE.test(value) || NOT_A_VALUE.test(value) ? null : [span];
}

/**
 * What a store's command reads, `rest` its words after the subcommand (from `restStart`) and `pipe`
 * the `|` before it or -1: a here-string's word (`<<< PW`), a here-doc's lines (`<<EOF` after the
 * command, or `cat <<EOF |` before it), or what `echo`/`printf` write into the pipe.
 */
export function storeInput(text: string, restStart: number, rest: string, pipe: number): [number, number][] {
  const here = /^[^\n|;&<]{0,128}<<(<?)[ \t]*/.exec(rest);
  if (here?.[1] === '<') {
    const w = shellWord(text, restStart + here[0].length, text.length);
    return w && w.end > w.start ? [[w.start, w.end]] : [];
  }
  if (here) {
    const operator = restStart + here[0].indexOf('<<');
    const doc = hereDocAt(text, operator);
    return doc ? hereDocLines(text, operator, doc.marker, doc.tabs) ?? [] : [];
  }
  if (pipe < 0) return [];
  const producerFrom = segmentStart(text, pipe);
  const cat = catHereDoc(text, producerFrom, pipe);
  if (cat >= 0) {
    const doc = hereDocAt(text, cat);
    return doc ? hereDocLines(text, pipe, doc.marker, doc.tabs) ?? [] : [];
  }
  const producer = text.slice(producerFrom, pipe);
  let echo: RegExpExecArray | null = null;
  for (const m of producer.matchAll(/(?:^|[\s;&|(`])(echo|printf)\s+/g)) echo = m;
  const span = echo ? producedLiteral(text, producerFrom + echo.index! + echo[0].length, pipe, echo[1] === 'printf') : null;
  return span && span[1] > span[0] ? [span] : [];
}

/**
 * Where the shell segment holding `at` starts: after a `|`, `;`, `&` or line break (raw or JSON-escaped)
 * before it, 256 characters back at most; a printf format's `\n` (`printf 'PW\n' |`) is no line break.
 */
export function segmentStart(text: string, at: number): number {
  let i = at;
  // Four formats' escapes at most: each is judged by reading back up to 300 characters.
  for (let formats = 0; i > 0 && at - i < 256; i--) {
    const c = text.charCodeAt(i - 1);
    if (c === 124 || c === 10 || c === 59 || c === 38) break;
    if (c === 110 && text.charCodeAt(i - 2) === 92 && (formats++ >= 4 || !inPrintfFormat(text, i - 2))) break;
  }
  return i;
}

/** Whether the store's command, given the words after its subcommand, reads the secret from its input. */
function readsInput(store: string, rest: string): boolean {
  switch (store) {
    case 'gh':
      return !/(?:^|[ \t])(?:--body\b|-b)/.test(rest);
    case 'kubectl':
      return /=\/dev\/stdin(?:[ \t]|$)/.test(rest);
    case 'docker':
      return /(?:^|[ \t])-(?:[ \t]|$)/.test(rest);
    case 'gcloud':
      return /--data-file[= ]-(?:[ \t]|$)/.test(rest);
    default:
      return true;
  }
}

/** A name whose words name a secret (`DB_PASSWORD`, `/prod/api-key`, `stripe-secret`). */
function secretNamed(name: string): boolean {
  const last = name.split('/').pop()!;
  if (last === '') return false;
  const words = nameWords(last).join('_');
  return classifyName(words) !== null || isKeyLikeName(words);
}

/** `aws ssm put-parameter` before a position on its line, in the same command. */
const SSM_PUT = /(?:^|[\s;&|(`])aws(?:\.exe|\.cmd)?[ \t]+(?:--?[\w-]+(?:[ =][^\s-]\S*)?[ \t]+)*ssm[ \t]+put-parameter[ \t]/;
const SSM_REACH = 1024;

/**
 * `aws ssm put-parameter --name /x/db-password --value PW --type SecureString`: the value, in either
 * order, when the parameter is a SecureString or its name's last part names a secret. `at` is the
 * anchor: `SecureString` (after `--type`) or a secret's word inside `--name`'s value. A bare `--value`
 * elsewhere names an ordinary value (`--value 42`, a tag's) and stays.
 */
export function ssmParameterValue(text: string, at: number): [number, number] | null {
  const secure = startsWithIgnoreCase(text, SECURE_STRING_ANCHOR, at);
  // The word the anchor stands in (bounded: a crafted run of anchors must not read far back each), and the flag before it.
  let start = at;
  for (; start > 0 && at - start < 128; start--) {
    const c = text.charCodeAt(start - 1);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 34 || c === 39 || c === 61) break;
  }
  if (text[start - 1] === '"' || text[start - 1] === "'") start--;
  if (text.charCodeAt(start - 1) !== 32 && text.charCodeAt(start - 1) !== 61) return null;
  const flag = /--(type|name)[ \t]*[= \t]$/.exec(text.slice(Math.max(0, start - 10), start));
  if (!flag || (flag[1] === 'type') !== secure) return null;
  const from = lineStart(text, at);
  const before = text.slice(Math.max(from, at - SSM_REACH), start);
  const segmentStart = Math.max(before.lastIndexOf(';'), before.lastIndexOf('|'), before.lastIndexOf('&'));
  const command = before.slice(segmentStart + 1);
  if (!SSM_PUT.test(command)) return null;
  const tailEnd = Math.min(text.length, at + SSM_REACH);
  const stop = text.slice(at, tailEnd).search(SEGMENT_END);
  const segmentEnd = stop < 0 ? tailEnd : at + stop;
  const segmentFrom = start - command.length;
  if (!secure) {
    const name = /^["']?([^\s"']+)/.exec(text.slice(start, start + 256));
    if (!name || !secretNamed(name[1]!)) return null;
  }
  // `--value file://pw.txt` reads a file.
  return valueFlag(text, segmentFrom, segmentEnd, /^fileb?:\/\//);
}

/**
 * The literal after `--value` (a space or `=`) in the command's words from `from` to `end`: quoted as
 * the shell does or as JSON text escapes it (`--value \"…\"`); null for a reference (`"$PW"`, `$(…)`:
 * made when it runs), `-`, or what `file` says names a file.
 */
export function valueFlag(text: string, from: number, end: number, file: RegExp): [number, number] | null {
  const value = /(?:^|\s)--value(?:[ \t]+|=)/.exec(text.slice(from, end));
  if (!value) return null;
  const valueAt = from + value.index + value[0].length;
  const escaped = text.startsWith('\\"', valueAt) ? text.indexOf('\\"', valueAt + 2) : -1;
  const w = escaped > valueAt + 2 && escaped < end ? { start: valueAt + 2, end: escaped } : shellWord(text, valueAt, end);
  if (!w || w.end <= w.start || text.charCodeAt(w.start) === 92) return null;
  const raw = text.slice(w.start, w.end);
  if (REFERENCE.test(raw) || NOT_A_VALUE.test(raw) || raw.startsWith('-') || file.test(raw)) return null;
  return [w.start, w.end];
}
