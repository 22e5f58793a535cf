/**
 * Passwords passed on a command line without a secret-named flag: curl's `-u user:PASSWORD`,
 * mysql's and mariadb's `-pPASSWORD`, `sshpass -p PASSWORD` and `docker login -p PASSWORD` (podman,
 * buildah, nerdctl, skopeo, oras, crane and `helm registry login` too) and `redis-cli -a PASSWORD`.
 * Found from the literal anchors `-u`, `-p` and `-a`, read with assignment.ts's value readers.
 */
import { MAX_VALUE, REFERENCE, isQuote, isSpace, lineStart, quotedValue, skipSpaces } from './assignment.js';
import { charTable, inTable, type CharTable } from './rule.js';

/** Shell words end at whitespace, operators and quotes (a value inside a JSON string ends at its `"`). */
const SHELL_STOP = charTable(' \t\r\n;&|<>()`"\'');
const CURL = /(?:^|[\s/;&|("'`])curl(?:\.exe)?\s/;
const MYSQL = /(?:^|[\s/;&|("'`])(?:mysql|mariadb)[a-z-]*(?:\.exe)?\s/;
/** Where `-p PASSWORD` (spaced) is a password: sshpass, the container registry logins, the MongoDB tools and `az login`. */
const REGISTRY_LOGIN = /(?:^|[\s/;&|("'`])(?:docker|podman|buildah|nerdctl|skopeo|oras|crane(?:\s+auth)?|helm\s+registry)(?:\.exe)?\s+login\s/;
const SPACED_P = new RegExp(`${REGISTRY_LOGIN.source}|(?:^|[\\s/;&|("'\`])(?:sshpass|mongo(?:sh|dump|restore|export|import)?|az(?:\\.cmd)?\\s+login)\\s`);
/** `-a PASSWORD`: redis-cli's (and valkey-cli's) password flag; `-a` elsewhere is "all". */
const REDIS_CLI = /(?:^|[\s/;&|("'`])(?:redis|valkey)-cli(?:\.exe)?\s/;
/** Glued `-pPASSWORD` (and docker's `-p=PASSWORD`): mysql, mariadb and the registry logins. */
const GLUED_P = new RegExp(`${MYSQL.source}|${REGISTRY_LOGIN.source}`);

/**
 * Literal anchors for `commandPassword`, found with indexOf (`--user` holds `-u`). Not ` -u`: an
 * indexOf led by a space stops at every space and costs eight times as much.
 */
export const COMMAND_ANCHORS = ['-u', '-p', '-a'];

/**
 * A password passed on a command line without a secret-named flag: curl's `-u user:PASSWORD`
 * (`-uuser:…`, `--user user:…`, `--user=user:…`), mysql's and mariadb's `-pPASSWORD` (glued: `-p`
 * alone prompts), `sshpass -p PASSWORD`, `docker login … -p PASSWORD` and `redis-cli -a PASSWORD`. Only the password is returned; the user name stays.
 * The command must stand earlier on the same line: `docker -u 1000:1000` and `mkdir -p` are not it.
 * Null when there is none.
 */
export function commandPassword(text: string, at: number): [number, number] | null {
  let flagEnd: number;
  let command: RegExp;
  let userPart = false;
  let spaced: 'no' | 'optional' | 'required';
  const flagStart = text.startsWith('--user', at - 1) ? at - 1 : at;
  if (flagStart === 0 || !isSpace(text.charCodeAt(flagStart - 1))) return null;
  if (flagStart < at) {
    flagEnd = at + 5;
    if (text.charCodeAt(flagEnd) === 61) flagEnd++;
    else if (!isSpace(text.charCodeAt(flagEnd))) return null;
    [command, userPart, spaced] = [CURL, true, 'optional'];
  } else if (text.startsWith('-u', at)) {
    flagEnd = at + 2;
    [command, userPart, spaced] = [CURL, true, 'optional'];
  } else if (text.startsWith('-p', at)) {
    flagEnd = at + 2;
    if (isSpace(text.charCodeAt(flagEnd))) [command, spaced] = [SPACED_P, 'required'];
    else {
      [command, spaced] = [GLUED_P, 'no'];
      if (text.charCodeAt(flagEnd) === 61) flagEnd++;
    }
  } else if (text.startsWith('-a', at) && isSpace(text.charCodeAt(at + 2))) {
    flagEnd = at + 2;
    [command, spaced] = [REDIS_CLI, 'required'];
  } else {
    return null;
  }
  const valueStart = spaced === 'no' ? flagEnd : skipSpaces(text, flagEnd);
  const first = text.charCodeAt(valueStart);
  if ((spaced === 'required' && (valueStart === flagEnd || first === 45)) || valueStart >= text.length || (inTable(SHELL_STOP, first) && !isQuote(first))) return null;
  let start = valueStart;
  let end: number;
  if (isQuote(text.charCodeAt(valueStart))) {
    const q = quotedValue(text, valueStart + 1, text[valueStart]!);
    if (!q) return null;
    [start, end] = q;
  } else {
    end = runEndUntil(text, valueStart, SHELL_STOP, valueStart + MAX_VALUE);
  }
  if (userPart) {
    let colon = start;
    while (colon < end && text.charCodeAt(colon) !== 58) colon++;
    if (colon >= end - 1) return null;
    start = colon + 1;
  }
  if (REFERENCE.test(text.slice(start, end))) return null;
  // Last, as the dearest check: the line up to the flag must name the command.
  // Only the command the flag belongs to: `docker login x && docker run -p 80:80` is two.
  const current = text.slice(lineStart(text, flagStart), flagStart).split(/&&|\|\||[;|]/).pop()!;
  return command.test(current) ? [start, end] : null;
}

function runEndUntil(text: string, from: number, stop: CharTable, limit: number): number {
  let i = from;
  const max = Math.min(limit, text.length);
  while (i < max && !inTable(stop, text.charCodeAt(i))) i++;
  return i;
}
