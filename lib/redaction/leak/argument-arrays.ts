/**
 * An argument array read as one command line (`["zip", "-P", "…"]`, `['sshpass', '-p', '…']`,
 * `execFileSync("zip", ["-P", "…"])`, an MCP server's `"command": "wandb", "args": ["login", "…"]`):
 * its quoted elements joined by spaces, for the command readers to read as they read a line.
 */
import type { LeakHit } from '../leak-detector.js';
import { skipSpaces } from './lines.js';

/** How far back from an element its array's `[` is looked for, elements read at most, an element's length at most. */
const ARRAY_REACH = 2048;
const MAX_ELEMENTS = 24;
const ELEMENT_MAX = 256;

/** Words that make a command's name prose, not a command, when they follow it: `["zip", "file", …]` (the rules keep these). */
const PROSE_WORD = /^(?:the|an|it|its|them|up|and|or|to|this|that|these|those|your|our|my|all|is|are|was|in|on|of|for|with|file|files|folder|notes?|docs?|command|tool|can|will|should|first|then)$/i;
/** The names whose arrays the rules read, as elements. */
const ELEMENT_COMMAND = /^(?:wandb|ngrok|vault|sqlplus|sqlldr|expdp|impdp|zip|unzip|7z[arz]?|ssh-keygen|openssl|curl|mysql\w*|mariadb\w*|sshpass|mongo\w*|docker|podman|buildah|nerdctl|skopeo|oras|crane|helm)(?:\.exe)?$/i;

/** One needle search's progress through a text: arrays are read once, and each stretch is searched back once for a `[`. */
export interface ArrayWalk {
  /** Where the last array read ends: needles before it were read with it. */
  read: number;
  /** How far back-searches have looked, and the last `[` they saw. */
  seen: number;
  open: number;
}

/** The arrays a text's scan has read (by where they start), shared by its needle searches. */
export type ArraysRead = Set<number>;

export function arrayWalk(): ArrayWalk {
  return { read: 0, seen: 0, open: -1 };
}

interface Element {
  readonly start: number;
  readonly end: number;
}

/** The quoted elements from `i` (past a `[`) to the `]`: raw, JSON-escaped (`\"`) or nested deeper, each on one line. Null when anything else stands between. */
function elements(text: string, i: number): { list: Element[]; end: number } | null {
  const list: Element[] = [];
  i = skipSpaces(text, i, i + 64);
  while (list.length < MAX_ELEMENTS) {
    let q = i;
    while (text.charCodeAt(q) === 92 && q - i < 8) q++;
    const quote = text[q];
    if (quote !== '"' && quote !== "'") return null;
    const slashes = q - i;
    // CSV's doubled quotes (`""zip""`): an element's quote is two.
    const doubled = slashes === 0 && text[q + 1] === quote && /[^\s,\]]/.test(text[q + 2] ?? ' ');
    const start = q + (doubled ? 2 : 1);
    let end = -1;
    for (let k = start; k < start + ELEMENT_MAX && k < text.length; k++) {
      const c = text.charCodeAt(k);
      if (c === 10 || c === 13) return null;
      if (doubled ? text[k] === quote && text[k + 1] === quote : text[k] === quote && k - start >= slashes && text.slice(k - slashes, k) === '\\'.repeat(slashes) && text.charCodeAt(k - slashes - 1) !== 92) {
        end = k - slashes;
        break;
      }
    }
    if (end < 0) return null;
    list.push({ start, end });
    i = skipSpaces(text, end + slashes + (doubled ? 2 : 1), end + slashes + 66);
    if (text[i] === ']') return { list, end: i + 1 };
    if (text[i] !== ',') return null;
    i = skipSpaces(text, i + 1, i + 65);
  }
  return null;
}

/** The quoted name before an array's `[`: a call's first argument (`("zip", [`) or an MCP server's `"command": "zip", "args": [`. */
const CALL_NAME = /\((?:\s|\\[nrt])*(\\*["']{1,2})([\w./-]{1,64})\1(?:\s|\\[nrt])*,(?:\s|\\[nrt])*$/;
const MCP_NAME = /\\*["']{1,2}command\\*["']{1,2}(?:\s|\\[nrt])*:(?:\s|\\[nrt])*(\\*["']{1,2})([\w./-]{1,64})\1(?:\s|\\[nrt])*,(?:\s|\\[nrt])*\\*["']{1,2}args\\*["']{1,2}(?:\s|\\[nrt])*:(?:\s|\\[nrt])*$/;

/**
 * The argument array holding the quoted element at `at` (a needle inside it), or the one an MCP
 * server's `"command": "<at>"` is given next, as one line: read once per scan. `read` reads the
 * line; its hits are moved back to where their values stand in `text`.
 */
export function readArray(text: string, at: number, walk: ArrayWalk, done: ArraysRead, hits: LeakHit[], read: (line: string, found: LeakHit[]) => void): void {
  if (at < walk.read) return;
  let s = at;
  while (s > 0 && at - s < 24 && /[\w./-]/.test(text[s - 1]!)) s--;
  if (text[s - 1] !== '"' && text[s - 1] !== "'") return;
  let q = s - 1;
  // CSV doubles the quotes inside a field.
  if (text[q - 1] === text[q]) q--;
  while (text.charCodeAt(q - 1) === 92) q--;
  let open: number;
  const mcp = /\\*["']{1,2}command\\*["']{1,2}(?:\s|\\[nrt])*:(?:\s|\\[nrt])*$/.test(text.slice(Math.max(0, q - 32), q));
  if (mcp) {
    const args = /^[\w./-]{1,64}\\*["']{1,2}(?:\s|\\[nrt]){0,16},(?:\s|\\[nrt]){0,16}\\*["']{1,2}args\\*["']{1,2}(?:\s|\\[nrt]){0,16}:(?:\s|\\[nrt]){0,16}\[/.exec(text.slice(s, s + 160));
    if (!args) return;
    open = s + args[0].length - 1;
  } else {
    // The last `[` before the element, each stretch searched once.
    const from = Math.max(walk.seen, q - ARRAY_REACH);
    const found = from < q ? text.slice(from, q).lastIndexOf('[') : -1;
    if (found >= 0) walk.open = from + found;
    walk.seen = Math.max(walk.seen, q);
    open = walk.open;
    if (open < 0 || q - open > ARRAY_REACH) return;
  }
  if (done.has(open)) return;
  const parsed = elements(text, open + 1);
  if (!parsed || (!mcp && !parsed.list.some((e) => e.start === s))) return;
  done.add(open);
  walk.read = parsed.end;
  const parts: (readonly [number, number])[] = [];
  const before = text.slice(Math.max(0, open - 200), open);
  const name = MCP_NAME.exec(before) ?? CALL_NAME.exec(before);
  if (name) parts.push([Math.max(0, open - 200) + before.lastIndexOf(name[2]!), name[2]!.length]);
  for (const e of parsed.list) parts.push([e.start, e.end - e.start]);
  // A command's name followed by a prose word is prose (`["zip", "file", …]`).
  for (let k = 0; k + 1 < parts.length; k++) {
    if (ELEMENT_COMMAND.test(text.substr(parts[k]![0], parts[k]![1]).replace(/^.*\//, '')) && PROSE_WORD.test(text.substr(parts[k + 1]![0], parts[k + 1]![1]))) return;
  }
  let line = '';
  const starts: number[] = [];
  for (const [start, length] of parts) {
    starts.push(line.length);
    line += `${text.substr(start, length)} `;
  }
  const found: LeakHit[] = [];
  read(line, found);
  for (const h of found) {
    let k = starts.length - 1;
    while (k > 0 && starts[k]! > h.start) k--;
    const [start, length] = parts[k]!;
    if (h.end > starts[k]! + length) continue;
    hits.push({ ...h, start: start + h.start - starts[k]!, end: start + h.end - starts[k]! });
  }
}
