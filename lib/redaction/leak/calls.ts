/** Secrets in calls and argument lists after a secret's name: setters, credential calls, environment reads' defaults, a flag's next element. */
import { isCode } from './code-shape.js';
import type { LeakHit } from '../leak-detector.js';
import { lineBreakEnd, lineStartBefore, skipSpaces } from './lines.js';
import { generated, hit, isTokenChar, looksSecret, valueEnd } from './values.js';

/** Callees that take a secret as a literal, and which argument: setters and builders (`setPassword("…")`, `.withApiKey("…")`, `.password("…")`), Go's `SetBasicAuth`, Rust's `basic_auth`, C#'s `NetworkCredential`, Python's `keyring.set_password`. */
const CALLEES: ReadonlyArray<readonly [RegExp, number]> = [
  [/\bkeyring\.set_password$/, 2],
  [/\.(?:SetBasicAuth|basic_auth)$|(?:\bnew\s+|\bNet\.)NetworkCredential$/, 1],
  [/(?:^|[^\w$])(?:set|with)_?[A-Za-z]\w{0,63}$/, 0],
  [/[\w)\]]\.(?:password|apiKey|apiToken|accessToken|secret|token)$/, 0],
];

/** `||`, `??` or ` or ` after a name: a fallback, read only after an environment read. */
export const FALLBACK_SEP = /(?:\|\||\?\?|\sor[ \t])$/i;

/** An environment read of the name that follows: `process.env.`, `os.environ.get("`, `getenv('`, `ENV.fetch("`, `Deno.env.get(`… */
export const ENV_READ = /(?:process\.env\.|import\.meta\.env\.|environ(?:\.get\(|\[)|getenv\(|Deno\.env\.get\(|ENV(?:\.fetch\(|\[)|env::var\(|GetEnvironmentVariable\()\\*["']?[\w.-]{0,64}$/;

export const OPENER = /^(?:(?:[bBrRuUfF]{1,2}|@|\$)(?=\\*["'])|R"\(|(?:vec!|String::from|SecretString::new|\[\]byte)?[[(][ \t]*(?=\\*["']))(?:\\*["']){0,2}/;

/** A quoted literal within `reach` characters of `from` (spaces and line breaks between): judged and reported. */
export function literalAfter(text: string, from: number, reach: number, hits: LeakHit[], mustBeGenerated: boolean): void {
  let i = from;
  while (i - from < reach && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9 || text.charCodeAt(i) === 10 || text.charCodeAt(i) === 13 || (text.charCodeAt(i) === 92 && (text[i + 1] === 'n' || text[i + 1] === 'r')))) i += text.charCodeAt(i) === 92 ? 2 : 1;
  while (text.charCodeAt(i) === 92) i++;
  if (text[i] !== '"' && text[i] !== "'" && text[i] !== '`') return;
  // CSV doubles the quotes inside a field.
  const start = text[i + 1] === text[i] ? i + 2 : i + 1;
  const end = valueEnd(text, start);
  const value = text.slice(start, end);
  if (mustBeGenerated ? looksSecret(value) && generated(value) : looksSecret(value, 10, 3) && !value.startsWith('-')) {
    if (!isCode(value, text.charCodeAt(end))) hits.push(hit('secret_assignment', value, start, end));
  }
}

/** A call of a secret's setter or a credential call (`at`: the secret word, `after`: past its `(`): the literal argument it takes, when generated-looking. */
export function callArgument(text: string, nameAt: number, after: number, hits: LeakHit[]): void {
  let end = nameAt;
  while (end < after && isTokenChar(text.charCodeAt(end))) end++;
  const head = text.slice(Math.max(0, nameAt - 80), end);
  const callee = CALLEES.find(([name]) => name.test(head));
  if (!callee) return;
  let i = after;
  // Past the arguments before it: each a quoted literal.
  for (let n = 0; n < callee[1]; n++) {
    i = skipSpaces(text, i, i + 16);
    while (text.charCodeAt(i) === 92) i++;
    const quote = text[i];
    if (quote !== '"' && quote !== "'") return;
    const close = text.slice(i + 1, i + 257).indexOf(quote);
    if (close < 0) return;
    i += close + 2;
    i = skipSpaces(text, i, i + 16);
    if (text[i] !== ',') return;
    i++;
  }
  // Rust's `Some("…")`.
  i = skipSpaces(text, i, i + 16);
  if (text.startsWith('Some(', i)) i += 5;
  literalAfter(text, i, 16, hits, true);
}

/** After a name and `,`: an environment read's default (`getenv('DB_PASSWORD', '…')`), or a flag's next element in an argument list (`"--api-key", "…"`). */
export function commaValue(text: string, nameAt: number, after: number, hits: LeakHit[]): void {
  const before = text.slice(Math.max(0, nameAt - 120), nameAt);
  if (ENV_READ.test(before)) literalAfter(text, after, 16, hits, true);
  else if (/\\*["']--?[\w-]{0,64}$/.test(before)) literalAfter(text, after, 64, hits, false);
}

/** A YAML block list's flag item (`- --db-password`) and the next item below it (`- …`: k8s `args:`, compose `command:`). */
export function flagListItem(text: string, nameAt: number, after: number, hits: LeakHit[]): void {
  const lineStart = lineStartBefore(text, nameAt);
  if (!/^[ \t]*-[ \t]+--?[\w-]{0,64}$/.test(text.slice(lineStart, nameAt))) return;
  const next = lineBreakEnd(text, text.charCodeAt(after) === 92 ? after + 1 : after);
  if (next < 0) return;
  const item = /^[ \t]*-[ \t]+(?=[^-\s])/.exec(text.slice(next, next + 64));
  if (item) literalOrWord(text, next + item[0].length, hits);
}

/** A value, quoted or not, at `at`: judged as a flag's. */
function literalOrWord(text: string, at: number, hits: LeakHit[]): void {
  let start = at;
  while (text.charCodeAt(start) === 92) start++;
  while (text[start] === '"' || text[start] === "'") start++;
  const end = valueEnd(text, start);
  const value = text.slice(start, end);
  if (looksSecret(value, 10, 3) && !isCode(value, text.charCodeAt(end))) hits.push(hit('secret_assignment', value, start, end));
}
