/**
 * Code and usage text where an assignment's value would stand (`= process.env.X`, `: string;`,
 * `--password arg`), and the literal such code may still hold (a fallback, a default).
 */
import type { Assignment } from './assignment.js';
import { MASKED, NOT_A_VALUE, REFERENCE } from './not-a-value.js';
import { looksRandom } from './rule.js';
import { MAX_VALUE, lineStart, quotedValue } from './text-scan.js';

export const DOTTED_IDENTIFIER = /^[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)+$/;
/** `os.environ[…]`, `getenv(…)`, `Optional[str]`, `req.headers.authorization?.split(…)`, Rust's `String::from(…)`: code that fetches, builds or types a secret. */
export const CODE_ACCESS = /^[A-Za-z_$][\w$.?]*(?:::[A-Za-z_$][\w$]*)*(?:::)?[([]/;
export const VARIABLE = /^[A-Za-z_$][\w$]*$/;
/**
 * Code where a value would stand: a function (`function (n) {`, `async (x) =>`, `(password) => {`), a Go conversion (`[]byte(…)`),
 * an awaited or constructed value, an object or array opening on the line's end, `this.…` and the
 * environment (`process.env.X`, `import.meta.env.X`).
 */
export const CODE_VALUE = /^(?:\[\][A-Za-z_]\w*\(|function\s*[\w$]*\s*\(|async\s+(?:function\b|\(|[\w$]+\s*=>)|(?:await|new|yield|typeof)\s+[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*\s*(?:[(.[;,)]|$)|\([^()]{0,200}\)\s*(?::\s*[\w<>[\], |.]{1,60})?\s*=>|[A-Za-z_$][\w$]*\s*=>|[{[(]$|process\.env\.|import\.meta\.env\.)/;
/** A union or intersection of TypeScript types: `KeyLike | SignKeyObjectInput,`, `RsaPrivateKey | KeyLike, buffer…`. */
export const TYPE_UNION = /^[A-Z][\w$.]*(?:<[^<>]{0,80}>)?(?:\[\])?(?:\s+[|&]\s+(?:[A-Z][\w$.]*(?:<[^<>]{0,80}>)?(?:\[\])?|null|undefined|string|number|boolean))+\s*(?:[;,)].*)?$/;
/** A type, or a union of types, with an array or optional mark. */
const TYPE = String.raw`(?:string|str|int|integer|number|float|bool|boolean|bytes|any|unknown|object|null|none|undefined|secretstr|secretstring|(?:Optional|Option|Nullable)\[\w+\]|Option<\w+>)(?:\[\])?\??`;
/**
 * A declaration's type where a value would stand, then the end of the statement or a default that
 * is code: `password: string;`, `token: string | null,`, pydantic's `api_key: str = Field(...)`.
 */
export const TYPE_ANNOTATION = new RegExp(String.raw`^${TYPE}(?:\s*\|\s*${TYPE})*\s*(?:[;,)].*|=\s*(?:[A-Za-z_][\w.]*\(.*|None|null|undefined|nil|true|false|\d{1,3}|""|'')[;,)]?)?$`, 'i');

/**
 * What a usage line writes for a password flag's value (`-storepass arg`, `--password PASSWORD`):
 * no password. Generic words in lower case, a secret's name in capitals only: `--password secret`,
 * `--pass Pass` and `psql --password Password` are how people type real (weak) passwords.
 */
const FLAG_PLACEHOLDER = /^(?:args?|value|val|str|string|text|PASSWORD|PASSWD|PASSW|PASS|PW|PWD|PASSPHRASE|SECRET|STOREPASS|KEYPASS)$/;
/** Two or more words of prose: a usage table's description (`keystore password`, `login with specified password`). */
const HELP_PROSE = /^[A-Za-z][A-Za-z'-]*[.,;:)]?(?:[ \t]+\(?[A-Za-z][A-Za-z'-]*[.,;:)]?)+(?=[ \t]|$)/;

/**
 * A flag's value as a usage text shows it: a placeholder (`arg`, `password`, `[pass]`, the flag's
 * own name), a word ending in `:` (`-storepass storepass: The password…`), or the column of a help
 * table: the value, two or more spaces and prose (`-storepass arg   keystore password`), or the
 * flag, a wide gap and prose (`-password               Prompt for a password`).
 */
export function flagHelp(text: string, name: string, nameEnd: number, start: number, end: number): boolean {
  const raw = text.slice(start, end);
  if (FLAG_PLACEHOLDER.test(raw) || raw === name || /^[A-Za-z][A-Za-z_-]*:$/.test(raw)) return true;
  if (text.charCodeAt(start) === 91 && /^\[[^\]\s]{1,40}\]/.test(text.slice(start, start + 48))) return true;
  // A generated-looking value is a value, whatever follows it.
  if (looksRandom(raw)) return false;
  // A help table's columns only where the flag starts its line (after indentation): in a command
  // or a sentence (`mysql --password  swordfish mydb`, `I used --password swordfish  as you told me`)
  // two spaces and words after the value say nothing.
  if (!/^[ \t]*-{1,2}[\w-]+[ \t]*$/.test(text.slice(lineStart(text, nameEnd), nameEnd + (text.slice(nameEnd, start).match(/^[ \t=]*/)?.[0].length ?? 0)))) return false;
  const line = text.slice(end, end + 256).split('\n', 1)[0]!;
  const gap = /^(?:[ \t]{2,}|\t)/.exec(line);
  if (gap && HELP_PROSE.test(line.slice(gap[0].length))) return true;
  return start - nameEnd >= 2 && /^[A-Za-z][A-Za-z'-]*$/.test(raw) && HELP_PROSE.test(text.slice(start, start + 256).split('\n', 1)[0]!);
}

/**
 * An INI or properties line (`password = a&b;c`): the name starts its line, and the value is the
 * line's only word after the `=` (a comment aside), with no bracket or quote. Code's `password = a && b` has spaces.
 */
export function iniLine(text: string, left: number, valueStart: number): boolean {
  const start = lineStart(text, left);
  if (!/^[ \t]*$/.test(text.slice(start, left))) return false;
  const m = /^([^\s]+)[ \t\r]*(?:[#;][^\n]*)?(?:\n|$)/.exec(text.slice(valueStart, valueStart + MAX_VALUE));
  // Code's calls, subscripts and string literals (`creds = b64encode(x).decode()`, `token = r'\w+'`) are no INI value.
  // A password's punctuation is no code: `Qw>fr(GW)Zb~Xf,F`, `xj[aF!j9<pJ?K2{C` (a call shape with unbalanced brackets).
  return m !== null && !/[;,]$|['"]/.test(m[1]!) && !(/^[A-Za-z_$][\w$.]*[([]/.test(m[1]!) && bracketsBalance(m[1]!) && /[)\]](?:\??\.[A-Za-z_$][\w$]*)*$/.test(m[1]!));
}

/** A name's part that reads generated, not written: six or more characters with digits between letters (`Kx9vQ2mL`), not `sha256`, `int32`, `test_buffers_1`, `authenticationMD5Password`. */
export function generatedPart(part: string): boolean {
  return part.length >= 6 && /[0-9][A-Za-z]/.test(part) && /[A-Za-z][0-9]/.test(part) && /[a-z][0-9]|[0-9][a-z]/.test(part);
}

/**
 * A value that is code (`process.env.DB_PASSWORD || "…"`, `Field("…", env=…)`, `Buffer.from("…")`):
 * the code is kept, but a literal on the rest of its line is the secret when it follows `||`,
 * `??` or `or` (a fallback) or looks generated (twelve or more characters, no spaces).
 */
export function inCode(text: string, start: number, name: string, right: number): Assignment | number {
  const line = text.slice(start, start + 256).split('\n', 1)[0]!;
  for (const m of line.matchAll(/(\|\||\?\?|\bor\b)?\s*(["'`])((?:(?!\2)[^\\\n]){1,200})\2/g)) {
    const literal = m[3]!;
    if (REFERENCE.test(literal) || MASKED.test(literal)) continue;
    if (m[1] || (literal.length >= 12 && !/\s/.test(literal) && looksRandom(literal))) {
      const valueStart = start + m.index! + m[0].length - 1 - literal.length;
      return { name, nameEnd: right, valueStart, valueEnd: valueStart + literal.length };
    }
  }
  return right;
}

/** Code that reads an environment variable whose quoted name follows: Python's, PHP's, Ruby's, Java's, C#'s, Deno's, Rust's, Go's. */
const ENV_READ = /(?:\benviron(?:\.get)?\(|\benviron\[|\bgetenv\(|\bGetenv\(|\bENV(?:\.fetch)?[[(]|\$_ENV\[|\bDeno\.env\.get\(|GetEnvironmentVariable\(|\benv::var\(|\benv\()[ \t]*$/;
/**
 * The fallback after an environment read (`|| '…'`, `?? "…"`, `?: '…'`, ` or "…"`, `.orElse("…")`,
 * `.unwrap_or("…")`, Ruby's `{ "…" }`, a call's default `getenv("X", "…")`): one quoted literal on the line.
 */
const ENV_FALLBACK = /^[ \t]*[)\]]{0,3}[ \t]*(?:\|\||\?\?|\?:|or(?=[ \t])|\.orElse\(|\.unwrap_or\(|\{|(,))[ \t]*(?=["'`])/;

/** The literal a secret-named environment read falls back to, or null: the name's quote and call are code. */
export function envFallback(text: string, name: string, nameStart: number, after: number, quoted: boolean): Assignment | null {
  if (quoted && !ENV_READ.test(text.slice(Math.max(0, nameStart - 40), nameStart))) return null;
  const m = ENV_FALLBACK.exec(text.slice(after, after + 64));
  // A call's second argument is a default only inside the read's own call: `getenv("X", "…")`, `ENV.fetch("X", "…")`.
  if (!m || (!quoted && m[0].includes('{')) || (m[1] !== undefined && (!quoted || /[)\]]/.test(m[0])))) return null;
  const at = after + m[0].length;
  const q = quotedValue(text, at + 1, text[at]!);
  if (!q) return null;
  const literal = text.slice(q[0], q[1]);
  if (REFERENCE.test(literal) || MASKED.test(literal) || NOT_A_VALUE.test(literal)) return null;
  return { name, nameEnd: after, valueStart: q[0], valueEnd: q[1] };
}

/** As many closing brackets as opening ones, of each kind: a call or subscript written whole (`getenv("X")`, `a[0]`). */
export function bracketsBalance(code: string): boolean {
  let round = 0;
  let square = 0;
  for (let k = 0; k < code.length; k++) {
    const c = code.charCodeAt(k);
    if (c === 40) round++;
    else if (c === 41) round--;
    else if (c === 91) square++;
    else if (c === 93) square--;
  }
  return round === 0 && square === 0;
}
