/**
 * Credentials given to a call as literals: Go's `req.SetBasicAuth("bob", "…")`, Rust's
 * `.basic_auth("bob", Some("…"))`, C#'s `new NetworkCredential("bob", "…")`, Python's
 * `server.login(user, "…")` (smtplib, ftplib, imaplib) and `keyring.set_password("svc", "bob", "…")`,
 * PowerShell's `ConvertTo-SecureString '…' -AsPlainText`, and the password of positional database
 * logins: PHP's `mysqli_connect(h, u, "…")`, `new mysqli(…)`, `new PDO(dsn, u, "…")`,
 * `curl_setopt($ch, CURLOPT_USERPWD, "u:…")`, `new Sequelize(db, u, "…")`, Java's
 * `DriverManager.getConnection(url, u, "…")`. Found from `secret_assignment`'s
 * keyword anchors inside the callee's name (`auth`, `cred`, `pass`) and from `ogin(` and
 * `asplaintext`, read with text-scan.ts's readers.
 */
import { MASKED, REFERENCE } from './not-a-value.js';
import { isQuote, lineStart, quotedValue, skipSpaces } from './text-scan.js';
import { charTable, runEnd, runStart, startsWithIgnoreCase } from './rule.js';

/** `.login(` (`log` and `lo` start too much) and `-AsPlainText` (`-a` is a flag of its own). */
export const CALL_ANCHORS = ['ogin(', 'asplaintext', 'ysqli', 'pdo(', 'uelize(', 'tconnection('];

const IDENT = charTable('A-Za-z0-9_');
const DOTTED = charTable('A-Za-z0-9_.');

/** The callees, by name: which argument is the secret, and what must stand before the name. */
const CALLS: ReadonlyMap<string, { readonly arg: number; readonly before: RegExp; readonly wordy?: boolean }> = new Map([
  ['SetBasicAuth', { arg: 1, before: /\.$/ }],
  ['basic_auth', { arg: 1, before: /\.$/ }],
  ['NetworkCredential', { arg: 1, before: /(?:\bnew\s+|\bNet\.)$/ }],
  ['login', { arg: 1, before: /[\w)\]]\.$/, wordy: true }],
  ['set_password', { arg: 2, before: /\bkeyring\.$/ }],
  // Positional database logins: (host, user, password, …) and (dsn|db, user, password, …).
  ['mysqli_connect', { arg: 2, before: /(?:^|[^\w$.>])$/ }],
  ['mysqli', { arg: 2, before: /\bnew\s+\\?$/ }],
  ['PDO', { arg: 2, before: /\bnew\s+\\?$/ }],
  ['Sequelize', { arg: 2, before: /\bnew\s+$/ }],
  ['getConnection', { arg: 2, before: /\bDriverManager\.$/ }],
  // Fluent builders named like the secret (Spring's User.withUsername("admin").password("…"),
  // OpenAI.builder().apiKey("…")): their only argument, after a name or a call's closing bracket;
  // wordy, as a form builder's .password("Enter your password") is a label.
  ['password', { arg: 0, before: /[\w)\]]\.$/, wordy: true }],
  ['apiKey', { arg: 0, before: /[\w)\]]\.$/, wordy: true }],
  ['apiToken', { arg: 0, before: /[\w)\]]\.$/, wordy: true }],
  ['accessToken', { arg: 0, before: /[\w)\]]\.$/, wordy: true }],
  ['clientSecret', { arg: 0, before: /[\w)\]]\.$/, wordy: true }],
]);

/**
 * A literal the way setters take one: six or more characters, not a plain word (`"password"`), no
 * reference or mask. `wordy`: the callee is also a method of message catalogs and test clients
 * (`login`), so not a sentence (`"Welcome back, friend!"`: a comma, or a space and a closing
 * stop) or a title (`"Log in to continue"`: a capital, then words), not an absolute path or URL
 * and not a template's file name (`"accounts/login.html"`). What stays a password: a Gmail app
 * password (`"abcd efgh ijkl mnop"`), a lower-case passphrase, base64 with `/`, a word-and-hyphen
 * slug (`"my-secret-pass"`).
 */
function literalSecret(text: string, start: number, end: number, wordy = false): boolean {
  const literal = text.slice(start, end);
  if (wordy) {
    if (/^(?:\/|[a-z][a-z+.-]*:\/\/)/i.test(literal) || /^[\w.-]+(?:\/[\w.-]+)*\.(?:html?|php|jsp|aspx?|erb|j2|jinja2?|hbs|tpl)$/i.test(literal)) return false;
    if (/\s/.test(literal) && (/, |[.!?:]$/.test(literal) || /^[A-Z][a-z]*(?: [A-Za-z]+)+$/.test(literal))) return false;
  }
  return literal.length >= 6 && !/^[A-Za-z_]+$/.test(literal) && !REFERENCE.test(literal) && !MASKED.test(literal);
}

/** The end of a call's argument at `from` that is no literal (`user`, `&cfg.user`, `os.environ["X"]`): up to `,` or `)` on the line, brackets balanced. */
function otherArgumentEnd(text: string, from: number, limit: number): number {
  let depth = 0;
  for (let i = from; i < limit; i++) {
    const c = text[i]!;
    if (c === '\n') return -1;
    if (isQuote(text.charCodeAt(i)) || c === '`') {
      const q = quotedValue(text, i + 1, c);
      if (!q) return -1;
      i = q[1];
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if ((c === ')' || c === ']' || c === '}') && depth > 0) depth--;
    else if ((c === ',' || c === ')') && depth === 0) return i;
  }
  return -1;
}

/** Past spaces and one line break among them: gofmt and rustfmt wrap a call's arguments (`SetBasicAuth("bob",⏎\t"…")`). */
function skipBlank(text: string, from: number): number {
  let i = skipSpaces(text, from);
  if (text.charCodeAt(i) === 13) i++;
  if (text.charCodeAt(i) === 10) i = skipSpaces(text, i + 1, 32);
  return i;
}

/** The literal at argument `arg` of the call whose `(` is at `open`: quoted, or Rust's `Some("…")` / `String::from("…")`. */
function literalArgument(text: string, open: number, arg: number, wordy = false): [number, number] | null {
  const limit = Math.min(text.length, open + 512);
  let i = open + 1;
  for (let k = 0; k < arg; k++) {
    const end = otherArgumentEnd(text, skipBlank(text, i), limit);
    if (end < 0 || text[end] !== ',') return null;
    i = end + 1;
  }
  i = skipBlank(text, i);
  const wrap = /^(Some\(\s*)?(&?String::from\(\s*)?/.exec(text.slice(i, i + 24))!;
  const closers = (wrap[1] ? 1 : 0) + (wrap[2] ? 1 : 0);
  i += wrap[0].length;
  const quote = text[i];
  if (quote === undefined || (!isQuote(text.charCodeAt(i)) && quote !== '`')) return null;
  const q = quotedValue(text, i + 1, quote);
  if (!q) return null;
  let after = q[1] + 1;
  if (text.startsWith('.to_string()', after)) after += 12;
  for (let k = 0; k < closers; k++) {
    after = skipBlank(text, after);
    if (text[after] !== ')') return null;
    after++;
  }
  after = skipBlank(text, after);
  return (text[after] === ',' || text[after] === ')') && literalSecret(text, q[0], q[1], wordy) ? [q[0], q[1]] : null;
}

/** PowerShell's `ConvertTo-SecureString '…' -AsPlainText` (or `-String '…'`), from the `AsPlainText` at `at`. */
function plainTextSecureString(text: string, at: number): [number, number] | null {
  const from = lineStart(text, at);
  // The line on both sides of the flag: the literal may follow it (`-AsPlainText -Force -String "…"`, `-AsPlainText '…'`).
  const line = text.slice(from, at + 256).split('\n', 1)[0]!;
  const cmdlet = line.slice(0, at - from).toLowerCase().lastIndexOf('convertto-securestring');
  if (cmdlet < 0 || /[|;]/.test(line.slice(cmdlet, at - from))) return null;
  const m = /^convertto-securestring(?:\s+-(?:asplaintext|force))*\s+(?:-string\s+)?(["'])/i.exec(line.slice(cmdlet));
  if (!m) return null;
  const open = from + cmdlet + m[0].length;
  const q = quotedValue(text, open, m[1]!);
  return q && literalSecret(text, q[0], q[1]) ? [q[0], q[1]] : null;
}

/** The secret literal of a credential call around the anchor at `at`, or null. */
export function credentialCall(text: string, at: number): [number, number] | null {
  if (startsWithIgnoreCase(text, 'asplaintext', at)) return text.charCodeAt(at - 1) === 45 ? plainTextSecureString(text, at - 1) : null;
  // From `pwd`, or from the `url` of `CURLOPT` (curl's anchor), whose resume skips the `pwd`.
  if (text.startsWith('CURLOPT_USERPWD', at - 12)) return curlUserPwd(text, at + 3);
  if (text.startsWith('CURLOPT_USERPWD', at - 1)) return curlUserPwd(text, at + 14);
  // To the end of a dotted name: `keyring.set_password(` is read from the `key` of keyring too, whose scan skips the name.
  const right = runEnd(text, at, DOTTED, at + 64);
  if (text.charCodeAt(right) !== 40) return null;
  const left = runStart(text, right, IDENT, 48);
  const call = CALLS.get(text.slice(left, right));
  if (call === undefined || !call.before.test(text.slice(Math.max(0, left - 16), left))) return null;
  // A route's definition (`router.login("/login", "home-page")`): its first argument is a path.
  if (call.wordy && /^\s*["'`]\//.test(text.slice(right + 1, right + 16))) return null;
  return literalArgument(text, right, call.arg, call.wordy);
}

/** PHP's `curl_setopt($ch, CURLOPT_USERPWD, "user:…")`: the literal's part after the user's `:`, from the end of the constant's name. */
function curlUserPwd(text: string, from: number): [number, number] | null {
  const m = /^\s*,\s*(["'])/.exec(text.slice(from, from + 64));
  if (!m) return null;
  const q = quotedValue(text, from + m[0].length, m[1]!);
  if (!q) return null;
  const colon = text.indexOf(':', q[0]);
  if (colon < 0 || colon >= q[1] - 1) return null;
  const after = skipBlank(text, q[1] + 1);
  return text[after] === ')' && literalSecret(text, colon + 1, q[1]) ? [colon + 1, q[1]] : null;
}
