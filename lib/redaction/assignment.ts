/**
 * `name = value` in all the ways an agent's workspace writes it: `.env` and shell (`export
 * API_TOKEN=…`), YAML (`password: …`, block scalars `password: >-` and the lines under them),
 * JSON and Python dicts (`"password": "…"`), PHP and Ruby hashes (`'api_key' => '…'`,
 * `:api_key => "…"`), `.netrc` (`login bob password …`), query strings (`?token=…`, and
 * URL-encoded inside another URL: `token%3D…`), XML elements (`<password>…</password>`),
 * command-line flags (`--password …`) and code (`const apiKey = "…"`). The scan starts at a
 * keyword anchor inside the name and reads a bounded stretch either side of it.
 */
import { attributeNamedElement, passwordInputValue } from './markup.js';
import { isVersionSpec } from './names.js';
import { variableDefault } from './terraform-variable.js';
import { proseIs, prosePrefix, proseWord } from './prose-value.js';
import { charTable, inTable, looksRandom, runEnd, runStart, type CharTable } from './rule.js';

const NAME = charTable('A-Za-z0-9_.-');
const MAX_NAME = 64;
export const MAX_VALUE = 4096;
const MAX_BLOCK = 64 * 1024;
const UNQUOTED_STOP = charTable(' \t\r\n"\'`,;&)]}<>|');
const FLOW_STOP = charTable(' \t\r\n"\'`,;&)]}<>|#');

export interface Assignment {
  readonly name: string;
  readonly nameEnd: number;
  readonly valueStart: number;
  readonly valueEnd: number;
  /** Where the scan goes on, when not after the value: a tuple's later targets stand before its values. */
  readonly resume?: number;
}

/** Values that name a secret without being one: references, types, empties, earlier placeholders. */
export const NOT_A_VALUE = /^(?:null|none|nil|undefined|true|false|yes|no|on|off|~|[|>][-+]?|\*+|x{3,}|\.{3}|…|str|string|int|integer|number|bool|boolean|bytes|any|unknown|object|optional|secretstr|secretstring|required|env|redacted)$/i;
/**
 * Values that name a secret without being one: references and templates (`$PW`, `%s`, `{{pw}}`,
 * `<password>`), and the inside of a string concatenation (`'" + pw + "'`, PHP's `'" . $pw . "'`,
 * VB's `'" & pw & "'`), whose quotes close one literal and open the next.
 */
export const REFERENCE = /^(?:["'`][ \t]*(?:\+|\.{1,2}|\|\||&)[ \t]*[\w$@(]|\$|%\(|%s$|%\w+%$|\{\{|<%|<[^>]*>$|\[REDACTED|\{[\w.]*(?:![rsa])?(?::[^{}]{0,32})?\}$)/;
const DOTTED_IDENTIFIER = /^[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)+$/;
/** `os.environ[…]`, `getenv(…)`, `Optional[str]`, `req.headers.authorization?.split(…)`, Rust's `String::from(…)`: code that fetches, builds or types a secret. */
const CODE_ACCESS = /^[A-Za-z_$][\w$.?]*(?:::[A-Za-z_$][\w$]*)*(?:::)?[([]/;
const VARIABLE = /^[A-Za-z_$][\w$]*$/;
/** Prose after a flag's name (`use --token and the CLI`), not its value. */
const FLAG_PROSE = /^(?:and|or|the|a|an|to|for|is|in|of|on|with|flag|option|argument|parameter|switch|value|instead|here|as|if|when|only)$/i;
/** A type annotation and `=` before a quoted value: `string = `, `&str = `, `&'static str = `, `Option<String> = `. */
const TYPE_THEN_VALUE = /^(?:&(?:'\w+\s+)?)?[A-Za-z_][\w.]*(?:<[\w\s,.<>&']{0,40}>)?\??\s*=(?![=>])\s*(?=["'`])/;
export const MASKED = /^(?:\*+|x{3,}|\.{3}|…)$/i;
/** After the first of a tuple's targets: `, user =`, `, user) =`, `, user] =` (not `==` or `=>`). */
const TUPLE_REST = /^,[ \t]*[A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)*[ \t]*[)\]]?[ \t]*=(?![=>])/;
/** Before the first of a tuple's targets: a line's start, a declaration's keyword, an opening bracket (`(user, password) =`, `const [user, password] =`). */
const TUPLE_START = /(?:^|\n|\\n)[ \t]*(?:(?:const|let|var|val|auto)[ \t]+)?[([]?[ \t]*$/;
/** The targets before a later one: `user, `, `(user, `, `const [user, `. */
const TUPLE_TARGETS = /(?:^|\n|\\n)[ \t]*(?:(?:const|let|var|val|auto)[ \t]+)?[([]?[ \t]*((?:[A-Za-z_][\w.]*[ \t]*,[ \t]*)+)$/;
/** A tuple of variables on the rest of a line: `un, pw`, `user, self.password  # x`. */
const IDENTIFIER_TUPLE = /^[A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)+[ \t]*[)\]]?[ \t]*;?[ \t]*(?:(?:#|\/\/).*)?$/;
/**
 * Code where a value would stand: a function (`function (n) {`, `async (x) =>`, `(password) => {`), a Go conversion (`[]byte(…)`),
 * an awaited or constructed value, an object or array opening on the line's end, `this.…` and the
 * environment (`process.env.X`, `import.meta.env.X`).
 */
const CODE_VALUE = /^(?:\[\][A-Za-z_]\w*\(|function\s*[\w$]*\s*\(|async\s+(?:function\b|\(|[\w$]+\s*=>)|(?:await|new|yield|typeof)\s+[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*\s*(?:[(.[;,)]|$)|\([^()]{0,200}\)\s*(?::\s*[\w<>[\], |.]{1,60})?\s*=>|[A-Za-z_$][\w$]*\s*=>|[{[(]$|process\.env\.|import\.meta\.env\.)/;
/** A union or intersection of TypeScript types: `KeyLike | SignKeyObjectInput,`, `RsaPrivateKey | KeyLike, buffer…`. */
const TYPE_UNION = /^[A-Z][\w$.]*(?:<[^<>]{0,80}>)?(?:\[\])?(?:\s+[|&]\s+(?:[A-Z][\w$.]*(?:<[^<>]{0,80}>)?(?:\[\])?|null|undefined|string|number|boolean))+\s*(?:[;,)].*)?$/;
/** A type, or a union of types, with an array or optional mark. */
const TYPE = String.raw`(?:string|str|int|integer|number|float|bool|boolean|bytes|any|unknown|object|null|none|undefined|secretstr|secretstring|(?:Optional|Option|Nullable)\[\w+\]|Option<\w+>)(?:\[\])?\??`;
/**
 * A declaration's type where a value would stand, then the end of the statement or a default that
 * is code: `password: string;`, `token: string | null,`, pydantic's `api_key: str = Field(...)`.
 */
const TYPE_ANNOTATION = new RegExp(String.raw`^${TYPE}(?:\s*\|\s*${TYPE})*\s*(?:[;,)].*|=\s*(?:[A-Za-z_][\w.]*\(.*|None|null|undefined|nil|true|false|\d{1,3}|""|'')[;,)]?)?$`, 'i');

/** Single-dash flags that take a password (keytool's, jarsigner's, PuTTY's, Java tools', PowerShell's `-Password`), in any case; other names need two dashes. */
export const SINGLE_DASH_FLAG = /^(?:password|passwd|(?:src|dest)?(?:store|key)pass|pw)$/i;

/** A setter's or builder's name, alone or after an object: `setPassword`, `ds.setApiKey`, `.withPassword`. */
const SETTER = /(?:^|\.)(?:set|with)[A-Z]\w*$/;

/** The index of the last non-space character at or before `at`. */
function skipSpacesBack(text: string, at: number): number {
  let i = at;
  while (i >= 0 && at - i < 8 && isSpace(text.charCodeAt(i))) i--;
  return i;
}

export function isSpace(code: number): boolean {
  return code === 32 || code === 9;
}

/**
 * Past spaces, tabs and line breaks, raw or JSON-escaped (`\\n`, `\\r`, `\\t`): the gap between an
 * argument list's elements, read forwards (`step` 1) or backwards (-1) from `from`, up to 64 of them.
 * Returns where it ends (backwards: the index after the last character that is no gap).
 */
export function skipGap(text: string, from: number, step: 1 | -1 = 1): number {
  let i = from;
  for (let n = 0; n < 64; n++) {
    const c = text.charCodeAt(step > 0 ? i : i - 1);
    if (c === 32 || c === 9 || c === 10 || c === 13) i += step;
    else if (step > 0 && c === 92 && /[nrt]/.test(text[i + 1] ?? '')) i += 2;
    else if (step < 0 && text.charCodeAt(i - 2) === 92 && (c === 110 || c === 114 || c === 116)) i -= 2;
    else break;
  }
  return i;
}

/**
 * The item after a YAML block list's flag (`- --api-key` then `- …` on the next line, at the same
 * indentation): quoted, or plain to the line's end (a comment aside). Not the next flag, a
 * reference, a mapping or a masked value.
 */
function listItemValue(text: string, name: string, itemStart: number, right: number, eol: number): Assignment | number {
  const start = lineStart(text, itemStart);
  const dash = /^([ \t]*)-[ \t]+$/.exec(text.slice(start, itemStart));
  if (!dash) return right;
  const next = eol + (text.charCodeAt(eol) === 13 ? 2 : 1);
  if (text.charCodeAt(next - 1) !== 10) return right;
  const item = /^([ \t]*)-[ \t]+/.exec(text.slice(next, next + 300));
  if (!item || item[1]!.length !== dash[1]!.length) return right;
  const at = next + item[0].length;
  let value: [number, number];
  if (isQuote(text.charCodeAt(at))) {
    const q = quotedValue(text, at + 1, text[at]!);
    if (!q || !/^[ \t]*(?:#.*)?\r?(?:\n|$)/.test(text.slice(q[1] + 1, q[1] + 256))) return right;
    value = [q[0], q[1]];
  } else {
    const v = readValue(text, at, 'line');
    if (!v) return right;
    value = [v[0], v[1]];
  }
  const raw = text.slice(value[0], value[1]);
  if (raw.charCodeAt(0) === 45 || /^[\w.-]+:(?:\s|$)/.test(raw) || NOT_A_VALUE.test(raw) || REFERENCE.test(raw) || MASKED.test(raw)) return right;
  return { name, nameEnd: right, valueStart: value[0], valueEnd: value[1] };
}

export function skipSpaces(text: string, from: number, max = 8): number {
  let i = from;
  while (i < text.length && i - from < max && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/**
 * Reads the assignment whose name holds position `at`. Returns the resume index (the end of the
 * name) when there is none: every other anchor inside the same name would find the same thing.
 */
export function parseAssignment(text: string, at: number, accept: (name: string, start: number) => boolean): Assignment | number {
  const left = runStart(text, at, NAME, MAX_NAME + 1);
  const right = runEnd(text, at, NAME, at + MAX_NAME + 1);
  if (at - left > MAX_NAME || right - at > MAX_NAME) return right;
  let nameStart = left;
  while (nameStart < right && text.charCodeAt(nameStart) === 45) nameStart++;
  const dashes = nameStart - left;
  // `%3Fapi_key%3D…`: the name starts after the escape's two hex digits, and only `%3D` can follow.
  const encoded = dashes === 0 && text.charCodeAt(left - 1) === 37 && right - left > 2 && /^[0-9A-Fa-f]{2}$/.test(text.slice(left, left + 2));
  if (encoded) nameStart = left + 2;
  // `scheme://user:password@host` is url_password's: the user part is not a name.
  if (nameStart === right || text.startsWith('://', left - 3)) return right;
  const name = text.slice(nameStart, right);
  if (!accept(name, nameStart)) return right;
  // A TypeScript type's name (`type CookieSameSite = "lax" | …`, `interface TokenResponse {`): code.
  if (/(?:^|[\n;{}])[ \t]*(?:export[ \t]+|declare[ \t]+)?(?:type|interface)[ \t]+$/.test(text.slice(Math.max(0, left - 40), left))) return right;

  const before = text.charCodeAt(left - 1);
  // Ruby's `:api_key => "…"`: a symbol is as good as a quoted name.
  const symbol = before === 58 && text.charCodeAt(left - 2) !== 58;
  let quote = '';
  if ((before === 34 || before === 39) && text.charCodeAt(right) === before) quote = text[right]!;
  else if (before === 34 && text.charCodeAt(left - 2) === 92 && text.startsWith('\\"', right)) quote = '\\"';
  if (before === 60 && text.charCodeAt(right) === 62 && left === nameStart) return xmlElement(text, name, right);
  if (before === 62 && text.startsWith('</key>', right) && text.startsWith('<key>', left - 5)) return plistValue(text, name, right);
  if (quote.length === 1 && text.charCodeAt(left - 2) === 61 && ANDROID_STRING.test(text.slice(Math.max(0, left - 96), left - 1))) return androidString(text, name, right + 1);
  let i = skipSpaces(text, right + quote.length);
  // `os.environ["API_KEY"] = "…"`, `app.config['SECRET_KEY'] = '…'`: a subscript, then `=`.
  if (quote.length === 1 && text.charCodeAt(i) === 93) i = skipSpaces(text, i + 1);
  const sep = text.charCodeAt(i);
  if (sep === 123 && (quote === '"' || quote === '\\"') && dashes === 0) {
    // Terraform's `variable "db_password" {` and its `default = "…"` lines below.
    const d = variableDefault(text, left - quote.length, right);
    if (!d) return right;
    const raw = text.slice(d[0], d[1]);
    return REFERENCE.test(raw) || NOT_A_VALUE.test(raw) || MASKED.test(raw) ? right : { name, nameEnd: right, valueStart: d[0], valueEnd: d[1] };
  }
  // An environment read of a secret's name (`process.env.JWT_SECRET || '…'`, `getenv('DB_PASSWORD') ?: '…'`): its fallback literal.
  if (dashes === 0 && (name.startsWith('process.env.') || name.startsWith('import.meta.env.') || (quote.length === 1 && (text.charCodeAt(left - 2) === 40 || text.charCodeAt(left - 2) === 91 || isSpace(text.charCodeAt(left - 2)))))) {
    const fallback = envFallback(text, name, left - quote.length, right + quote.length, quote.length === 1);
    if (fallback) return fallback;
  }
  let form: 'equals' | 'colon' | 'flag';
  let tuple = false;
  if (encoded && !(sep === 37 && /^%3d/i.test(text.slice(i, i + 3)))) return right;
  // `os.Setenv("API_KEY", "…")`, `headers.set("X-Api-Key", "…")`: the next argument, one quoted word;
  // and an argument list's flag (an MCP server's `"args": ["--api-key", "…"]`): the next element.
  if (quote.length === 1 && sep === 44 && (text.charCodeAt(skipSpacesBack(text, left - 2)) === 40 || dashes === 2)) {
    // A flag's next element may stand on the next line (pretty-printed JSON, black's lists).
    const v = dashes === 2 ? skipGap(text, i + 1) : skipSpaces(text, i + 1);
    const q = isQuote(text.charCodeAt(v)) ? quotedValue(text, v + 1, text[v]!) : null;
    if (!q || text.charCodeAt(q[0]) === 45 || /\s/.test(text.slice(q[0], q[1])) || REFERENCE.test(text.slice(q[0], q[1])) || MASKED.test(text.slice(q[0], q[1]))) return right;
    return { name, nameEnd: right, valueStart: q[0], valueEnd: q[1] };
  }
  // A YAML block list's `- --api-key` item: the next item is its value.
  if (dashes === 2 && (sep === 10 || sep === 13) && quote.length < 2) return listItemValue(text, name, left - quote.length, right, i);
  if (sep === 40 && !quote && i === right && SETTER.test(name)) {
    // A setter or builder given a literal: `ds.setPassword("…")`, `.withPassword("…")`, `client.setApiKey("…")`.
    const v = skipSpaces(text, i + 1);
    const q = isQuote(text.charCodeAt(v)) || text.charCodeAt(v) === 96 ? quotedValue(text, v + 1, text[v]!) : null;
    if (!q || !/^[ \t]*\)/.test(text.slice(q[1] + 1, q[1] + 8))) return right;
    const literal = text.slice(q[0], q[1]);
    if (literal.length < 6 || /^[A-Za-z_]+$/.test(literal) || REFERENCE.test(literal) || MASKED.test(literal)) return right;
    return { name, nameEnd: right, valueStart: q[0], valueEnd: q[1] };
  }
  let sql: Assignment | number | null = null;
  if (sep === 61 && !quote && dashes === 0 && /^password$/i.test(name) && SQL_SET.test(text.slice(Math.max(0, left - 8), left)) && (sql = sqlPassword(text, name, left, right)) !== null) return sql;
  if (sep === 37 && !quote && /^%3d/i.test(text.slice(i, i + 3))) {
    // A query string inside a URL-encoded one (`redirect_uri=…%3Faccess_token%3D…`): the value ends where an encoded separator starts.
    const valueStart = i + 3;
    const end = encodedValueEnd(text, valueStart);
    const raw = text.slice(valueStart, end);
    // Encoded, a template (`%7Btoken%7D`) or a search (`forgot+password%3Dhelp`) is no token: only random-looking values count.
    if (end - valueStart < 8 || !looksRandom(raw) || /^%(?:7b|24|3c)/i.test(raw) || NOT_A_VALUE.test(raw) || REFERENCE.test(raw)) return right;
    return { name, nameEnd: right, valueStart, valueEnd: end };
  } else if (sep === 61) {
    const next = text.charCodeAt(i + 1);
    if (next === 61 || next === 126) return right;
    if (next === 62) {
      // `'api_key' => '…'` (PHP, Ruby, Perl); a bare `name =>` is also a JavaScript arrow function, so it needs a quoted value.
      const v = skipSpaces(text, i + 2);
      if (!quote && !symbol && !isQuote(text.charCodeAt(v))) return right;
      i++;
    }
    form = 'equals';
    i++;
  } else if (sep === 63 && text.charCodeAt(i + 1) === 61 && !quote && dashes === 0) {
    // make's conditional `DB_PASSWORD ?= …`.
    form = 'equals';
    i += 2;
  } else if (sep === 58) {
    const next = text.charCodeAt(i + 1);
    if (next === 58 || next === 47) return right;
    form = 'colon';
    i += next === 61 ? 2 : 1;
  } else if (sep === 44 && !quote && dashes === 0 && TUPLE_START.test(text.slice(Math.max(0, left - 128), left)) && TUPLE_REST.test(text.slice(i, i + 160))) {
    // The first of Python's tuple targets (`password, user = "…", "bob"`): its value is the first item.
    i += TUPLE_REST.exec(text.slice(i, i + 160))![0].length;
    i = openingBracket(text, i);
    if (IDENTIFIER_TUPLE.test(text.slice(skipSpaces(text, i), i + 256).split('\n', 1)[0]!)) return right;
    form = 'equals';
    tuple = true;
  } else if ((sep === 41 || sep === 93) && !quote && dashes === 0 && /^[ \t]*=(?![=>])/.test(text.slice(i + 1, i + 8)) && TUPLE_TARGETS.test(text.slice(Math.max(0, left - 128), left))) {
    // The last of bracketed targets (`(user, password) = …`, `const [user, password] = […]`).
    i = skipSpaces(text, i + 1) + 1;
    form = 'equals';
  } else if (dashes === 2 && i > right && !quote) {
    form = 'flag';
  } else if (dashes === 1 && i > right && !quote && (SINGLE_DASH_FLAG.test(name) || /^[A-Za-z]+[-_][A-Za-z]/.test(name)) && (left === 0 || isWhitespace(text.charCodeAt(left - 1)))) {
    // Java's and PuTTY's single-dash flags: `keytool -storepass …`, `plink -pw …`, `-password …`; Go's flag package's
    // `-api-key …` (and `–api-key` with an en dash, read as one dash).
    form = 'flag';
  } else if (dashes === 0 && i > right && !quote && /^(?:requirepass|masterauth)$/i.test(name) && lineStart(text, left) === skipSpacesBack(text, left - 1) + 1) {
    // redis.conf's `requirepass …` and `masterauth …` at a line's start: the next word.
    return netrcValue(text, name, right, i);
  } else if (dashes === 0 && i > right && !quote && /^passw(?:or)?d$/i.test(name) && afterNetrcToken(text, left)) {
    return netrcValue(text, name, right, i);
  } else if (dashes === 0 && i > right && !quote && /\b(?:configure|config)\s+set\s+(?:\/\/[^\s:]{1,200}(?::\d+)?[^\s:]{0,200}:)?$/i.test(text.slice(Math.max(0, left - 420), left))) {
    // `aws configure set aws_secret_access_key …`, `npm config set _authToken …`, redis' `CONFIG SET requirepass …`, `npm config set //registry.npmjs.org/:_authToken …`: the next word.
    return netrcValue(text, name, right, i);
  } else if (dashes === 0 && i > right && !quote && /password$/i.test(name) && (sql = sqlPassword(text, name, left, right)) !== null) {
    return sql;
  } else if (dashes === 0 && i > right && !quote && (SET_COMMAND.test(text.slice(Math.max(0, left - 40), left)) || ENV_DIRECTIVE.test(text.slice(lineStart(text, left), left)))) {
    // fish's `set -gx API_TOKEN …`, Windows' `setx API_KEY "…"`, a Dockerfile's `ENV NAME …`, Apache's
    // `SetEnv NAME …`: the next word (not a command substitution `(cat f)` or `` `cat f` ``, nor a path).
    if (/[(/~.`]/.test(text[i]!)) return right;
    return /^[ \t]*ENV[ \t]+$/.test(text.slice(lineStart(text, left), left)) ? dockerEnvValue(text, name, right, i) : netrcValue(text, name, right, i);
  } else if (dashes === 0 && i > right && !quote && (sep === 105 || sep === 73) && /^is:?[ \t]/i.test(text.slice(i, i + 4))) {
    // Prose: `The new password is: letmein`, `the token is "…"`.
    const word = proseIs(text, name, left, i);
    return word ? { name, nameEnd: right, valueStart: word[0], valueEnd: word[1] } : right;
  } else if (sep === 0x2192 && dashes === 0 && !quote && !symbol && i > right) {
    // A summary's arrow: `password → …`, `New API key → \`…\``: one generated-looking word.
    return arrowValue(text, name, right, i + 1);
  } else {
    return dashes === 0 ? namedValue(text, name, left, right, quote) : right;
  }
  let valueStart = skipSpaces(text, i);
  // A YAML key alone on its line, its value indented on the next (`password:` then `  …`).
  if (form === 'colon' && !quote && !symbol && isLineBreak(text, valueStart) && structuralContext(text, left) === 'line') {
    const below = valueBelow(text, valueStart, left - lineStart(text, left));
    if (below < 0) return right;
    valueStart = below;
  }
  // A typed declaration (`const apiKey: string = '…'`, Rust's `API_KEY: &str = "…"`): the value follows the type.
  if (form === 'colon') {
    const typed = TYPE_THEN_VALUE.exec(text.slice(valueStart, valueStart + 64));
    if (typed) valueStart += typed[0].length;
  }
  // Python's tuple assignment (`username, password = "bob", "…"`): the item at the name's place.
  if (form === 'equals' && (sep === 61 || sep === 41 || sep === 93) && !quote) {
    // The targets start their line: `def f(user, password="…")` is a parameter's default, not a tuple,
    // and so is a destructuring default (`const [user, password = "…"] = args`).
    const targets = TUPLE_TARGETS.exec(text.slice(Math.max(0, left - 128), left));
    if (targets && !(sep === 61 && /[([]/.test(targets[0]!))) {
      tuple = true;
      valueStart = openingBracket(text, valueStart);
      // `username, password = un, pw`: variables, not values.
      if (IDENTIFIER_TUPLE.test(text.slice(valueStart, valueStart + 256).split('\n', 1)[0]!)) return right;
      const item = tupleItem(text, valueStart, (targets[1]!.match(/,/g) ?? []).length);
      if (item < 0) {
        // Earlier items that are calls or expressions (`user, password = get_user(), "…"`): the last
        // target's value is the line's last item, when that is a quoted literal.
        const last = /,[ \t]*(["'])((?:(?!\1)[^\\\n]){1,256})\1[ \t]*\)?[ \t]*(?:#.*)?$/.exec(text.slice(valueStart, valueStart + 512).split('\n', 1)[0]!);
        if (!last || !/^[ \t]*[)\]]?[ \t]*=/.test(text.slice(right, right + 8)) || REFERENCE.test(last[2]!)) return right;
        const at = valueStart + last.index + last[0].indexOf(last[1]!) + 1;
        return { name, nameEnd: right, valueStart: at, valueEnd: at + last[2]!.length, resume: right };
      }
      valueStart = item;
    }
  }
  // `.env` and shell: `DB_PASSWORD=aB3$d&e;f,g` as a word of its own runs to whitespace, not to
  // the first `&`, `;` or `,` (generated passwords hold them); a query string's `&` still ends it.
  const glued = form === 'equals' && !quote && !symbol && sep === 61 && i === right + 1 && valueStart === i && dashes === 0;
  // `"POSTGRES_PASSWORD=a&b;c"` (docker's Env, `docker run -e "…"`, a YAML list's `- "DB_PASSWORD=…"`): an
  // opening quote before the name, so the value runs to its closing quote, not to the first `&` or `;`.
  const inQuotes = glued && (before === 34 || before === 39);
  // A flag's value that is itself an assignment (`--from-literal=password=…`, `--build-arg=TOKEN=…`): a word.
  const flagWord = glued && before === 61 && /(?:^|\s)--?[A-Za-z][\w-]{0,40}=$/.test(text.slice(Math.max(0, left - 48), left));
  const shellWord = glued && (left === 0 || isWhitespace(text.charCodeAt(left - 1)) || flagWord);
  // A connection string's `;Password=…;` (ADO.NET, JDBC's `;password=`): the value runs to the next `;`, whatever punctuation it holds.
  const connection = glued && before === 59;
  const context = form === 'colon' && !quote ? structuralContext(text, left) : inQuotes ? 'quoted' : connection ? 'conn' : shellWord || (form === 'equals' && sep === 61 && !quote && iniLine(text, left, valueStart)) ? 'word' : null;
  // A string's prefix or an opening bracket before the literal (`b'…'`, `r"…"`, `@"…"`, `R"(…)"`, `"""…"""`, `["…"]`, `("…",)`): the literal.
  const literal = context === 'line' || context === 'quoted' ? null : prefixedLiteral(text, valueStart);
  if (literal === 'template') return right;
  const value = literal ?? readValue(text, valueStart, context);
  if (!value) return right;
  // After `--password`, a word starting with '-' is the next flag; a contraction (`--generate-privkey wouldn't`) is prose.
  // `-Password (ConvertTo-SecureString …)`, fish's `--password (cat f)`: a subexpression, whose literal its own rule reads.
  if (form === 'flag' && (text.charCodeAt(value[0]) === 45 || (!value[2] && /^\([A-Za-z][\w-]*[ \t]/.test(text.slice(value[0], value[0] + 48))) || FLAG_PROSE.test(text.slice(value[0], value[1])) || /^[A-Za-z]+'(?:t|s|ll|re|ve|d)\b/.test(text.slice(value[0], value[1] + 4)))) return right;
  if (form === 'flag' && !value[2] && flagHelp(text, name, right, value[0], value[1])) return right;
  const [start, end, quoted] = value;
  const raw = text.slice(start, end);
  if (!quoted && form === 'colon' && BLOCK_SCALAR.test(raw) && structuralContext(text, left) === 'line') {
    const block = blockScalar(text, end, left - lineStart(text, left) - quote.length);
    return block ? { name, nameEnd: right, valueStart: block[0], valueEnd: block[1] } : right;
  }
  if (!quoted) {
    // Code, not a value: a reference (`process.env.X,`), a call, or a variable (`= hashedPassword;`, `password=password`).
    let codeEnd = raw.length;
    while (codeEnd > 0 && (raw.charCodeAt(codeEnd - 1) === 44 || raw.charCodeAt(codeEnd - 1) === 59)) codeEnd--;
    const code = raw.slice(0, codeEnd);
    // A tuple's item that is a variable (`[token, secret] = [a, "…"]`) holds no value.
    if (tuple && VARIABLE.test(code)) return right;
    const spaced = form === 'equals' && isSpace(text.charCodeAt(start - 1));
    // A trailing `,`/`;`, or the value ending an argument list (`OpenAI(api_key=settings.KEY)`): code.
    const trailing = code !== raw || text.charCodeAt(end) === 41 || text.charCodeAt(end) === 44;
    // A call or subscript is code unless what precedes the bracket looks generated (`POSTGRES_PASSWORD=Tq8vZr2m(Lw5Xn!c`, Django's keys hold brackets).
    const access = CODE_ACCESS.exec(raw);
    // Read to the line's or word's end, a call closes its brackets (or opens one ending the line): `Dc(Q7=Yo!Em` is a password.
    // (A word cut at a space, `pw=os.getenv("X", "…")`, holds part of a call: only a word ending its line.)
    const whole = context === 'line' || context === 'conn' || (context === 'word' && /^[ \t]*\r?(?:\n|$)/.test(text.slice(end, end + 16)));
    const openCall = whole && !/[([{]$|\s/.test(code) && (!bracketsBalance(code) || !/[)\]](?:\??\.[A-Za-z_$][\w$]*)*$/.test(code));
    if (access && !openCall && !access[0].slice(0, -1).split(/\??\./).some(generatedPart)) return inCode(text, start, name, right);
    if (NOT_A_VALUE.test(raw) || REFERENCE.test(raw) || (form === 'colon' && TYPE_UNION.test(raw))) return right;
    // pydantic's `api_key: str = Field(default="…")`: the type is code, a literal in its default may be the secret.
    if (TYPE_ANNOTATION.test(raw)) return inCode(text, start, name, right);
    // The value read stops at a space or a bracket: code is judged on what follows it on the line.
    const ahead = text.slice(start, Math.min(text.length, start + 256)).split('\n', 1)[0]!;
    if (CODE_VALUE.test(ahead)) return inCode(text, start, name, right);
    // `this.password`, `self.token`: a member, unless the member looks generated (`this.Xk9vQ2mLp7Rt`).
    const member = /^(?:this|self)\.([A-Za-z_$][\w$]*)/.exec(ahead);
    if (member && !looksRandom(member[1]!)) return right;
    // A format field: Python's `{password!r}`, `{token}`, `{0}` in an f-string or a template.
    if (/^\{[\w.]*(?:![rsa])?(?::[^{}]{0,32})?\}/.test(ahead)) return right;
    // `x = x;`, `exports.Name = Name;`, `self._token = token`: the variable itself; `DHPrivateKeyWithSerialization = DHPrivateKey`: an alias.
    if (VARIABLE.test(code) && (code === name || name.endsWith(`.${code}`) || name.endsWith(`._${code}`) || (/[a-z][A-Z]/.test(code) && name.startsWith(code)))) return right;
    // An empty literal: `cookies = []`, `self._cookies = {}`, `password = b""`.
    if (/^(?:\{\}|\[\]|\(\)|b?""|b?'')\s*[;,)]?\s*(?:(?:#|\/\/).*)?$/.test(ahead)) return right;
    // In code, `name = word;` (spaces around `=`, a `;` after) reads a variable, and `= error ?? …`, `= a || b` an expression.
    if (spaced && VARIABLE.test(code) && !looksRandom(code) && (/;$/.test(raw) || text.charCodeAt(end) === 59 || /^\s+(?:\?\?|\|\||&&|===?|!==?|\?|instanceof|in)\s/.test(text.slice(end, end + 13)))) return right;
    // Terraform's plan shows a sensitive attribute as `password = (sensitive value)`.
    if (text.startsWith('(sensitive', start)) return right;
    // Dotted values are references in code, and values in `.env` (`DB_PASSWORD=ab.cd.ef`) and YAML lines.
    // (A part that looks generated makes it a value: Vault's legacy `s.Kx9vQ2mLp7RtYb3N…`, my.cnf's `Xq7.Wm3pLz9.Kt`.)
    if (DOTTED_IDENTIFIER.test(code) && !code.split(/\??\./).some(generatedPart) && (spaced || trailing || form === 'flag' || (form === 'colon' && structuralContext(text, left) !== 'line'))) return inCode(text, start, name, right);
    if ((spaced || trailing) && VARIABLE.test(code) && (code.toLowerCase() === name.toLowerCase() || /[a-z][A-Z]|_/.test(code)) && !looksRandom(code)) return right;
    // An object literal's member given a camelCase variable (`{ token: tokenFromEnv }`): code, not a YAML value.
    if (form === 'colon' && /^[a-z]+(?:[A-Z][a-z]+)+$/.test(code) && !looksRandom(code) && structuralContext(text, left) === 'flow') return right;
    // A type after a member's colon, ending a statement or a parameter list or joined to another type
    // (`cookies: CookieStoreManager;`, `token: QuestionDotToken | undefined`): code even with capitals;
    // a digit makes it a value, and so does a comma (a YAML flow map's `{password: Abc, …}`).
    if (form === 'colon' && VARIABLE.test(code) && /[a-z][A-Z]/.test(code) && !/[0-9]/.test(code) && /^(?:;|\)|\s+[|&]\s)/.test(text.slice(start + code.length, start + code.length + 3))) return right;
    // A small number ending an enum member (`QuestionToken = 58,`) is no credential; `mysql_password: 007` is one.
    if (form === 'equals' && trailing && /^\d{1,3}$/.test(code)) return right;
    const after = text.charCodeAt(end);
    if (after === 40 || after === 91) return right;
    // "The password: it expires" is prose, not YAML: mid-line `name: value` needs a credential-looking
    // value, or one plain word ending a sentence whose words read as prose (`The new password: letmein.`).
    if (form === 'colon' && structuralContext(text, left) === 'prose' && !(raw.length >= 8 && looksRandom(raw))) {
      const word = i === right + 1 && prosePrefix(text, name, left) ? proseWord(text, name, start, end) : null;
      return word ? { name, nameEnd: right, valueStart: word[0], valueEnd: word[1] } : right;
    }
  } else if (REFERENCE.test(raw) || MASKED.test(raw)) {
    return right;
  }
  if (isVersionSpec(raw)) return right;
  // A value never ends right at an opening quote: `x'…'` is a prefix not known here, `('a' % b)` or `{"k": v}` code; the prefix is no value.
  if (!quoted && context !== 'quoted' && isQuote(text.charCodeAt(end)) && !raw.includes(text[end]!) && quotedValue(text, end + 1, text[end]!)) return right;
  return { name, nameEnd: right, valueStart: start, valueEnd: end, ...(tuple ? { resume: right } : {}) };
}

/** A string literal's prefix: Python's `b`, `r`, `u`, `f`, `rb`…, C#'s `@`, bash's `$`; C++'s `R"(`; `"""`; an opening bracket (Rust's `vec![`). */
const LITERAL_PREFIX = /^(?:R"\(|"""|([bBrRuUfF]{1,2}|@|\$)(?=["'])|(?:vec!)?[[({])/;
const CLOSER: Readonly<Record<string, string>> = { '[': ']', '(': ')', '{': '}' };

/**
 * The literal after a string prefix or an opening bracket at `at`: `b'…'`, `r"…"`, `@"…"`, `$'…'`,
 * `R"(…)"`, `"""…"""`, and a bracket holding only quoted literals (`["…"]`, `('…',)`, `{'…'}`,
 * `vec!["…"]`, pretty-printed too), whose first to last literal is the value (of several, when one looks
 * generated). `'template'` for an
 * f-string with a field (`f"{name}"`), null when there is no such literal (a bracket holding code).
 */
function prefixedLiteral(text: string, at: number): [number, number, boolean] | 'template' | null {
  const m = LITERAL_PREFIX.exec(text.slice(at, at + 8));
  if (!m) return null;
  const lead = m[0];
  if (lead === 'R"(' || lead === '"""') {
    const close = lead === 'R"(' ? ')"' : '"""';
    const end = text.slice(at + 3, at + 3 + MAX_VALUE).indexOf(close);
    return end > 0 ? [at + 3, at + 3 + end, true] : null;
  }
  if (m[1] !== undefined) {
    const q = quotedValue(text, at + lead.length + 1, text[at + lead.length]!);
    if (!q) return null;
    if (/f/i.test(m[1]) && text.slice(q[0], q[1]).includes('{')) return 'template';
    return q;
  }
  // An opening bracket: quoted literals (each with a prefix or none) separated by commas, up to the closing bracket.
  const closer = CLOSER[lead[lead.length - 1]!]!;
  let i = skipGap(text, at + lead.length);
  let first = -1;
  let generated = false;
  for (let n = 0; n < 64; n++) {
    const p = /^(?:[bBrRuU]{1,2}|@)?["']/.exec(text.slice(i, i + 3));
    if (!p) return null;
    const q = quotedValue(text, i + p[0].length, text[i + p[0].length - 1]!);
    if (!q) return null;
    if (first < 0) first = q[0];
    if (q[1] - q[0] >= 8 && looksRandom(text.slice(q[0], q[1]))) generated = true;
    i = skipGap(text, q[1] + 1);
    const comma = text.charCodeAt(i) === 44;
    if (comma) i = skipGap(text, i + 1);
    // Several items are taken when one looks generated: `['read', 'write']` is a list of words.
    if (text[i] === closer) return n === 0 || generated ? [first, q[1], true] : null;
    if (!comma) return null;
  }
  return null;
}

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
function flagHelp(text: string, name: string, nameEnd: number, start: number, end: number): boolean {
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
function iniLine(text: string, left: number, valueStart: number): boolean {
  const start = lineStart(text, left);
  if (!/^[ \t]*$/.test(text.slice(start, left))) return false;
  const m = /^([^\s]+)[ \t\r]*(?:[#;][^\n]*)?(?:\n|$)/.exec(text.slice(valueStart, valueStart + MAX_VALUE));
  // Code's calls, subscripts and string literals (`creds = b64encode(x).decode()`, `token = r'\w+'`) are no INI value.
  // A password's punctuation is no code: `Qw>fr(GW)Zb~Xf,F`, `xj[aF!j9<pJ?K2{C` (a call shape with unbalanced brackets).
  return m !== null && !/[;,]$|['"]/.test(m[1]!) && !(/^[A-Za-z_$][\w$.]*[([]/.test(m[1]!) && bracketsBalance(m[1]!) && /[)\]](?:\??\.[A-Za-z_$][\w$]*)*$/.test(m[1]!));
}

/** A name's part that reads generated, not written: six or more characters with digits between letters (`Kx9vQ2mL`), not `sha256`, `int32`, `test_buffers_1`, `authenticationMD5Password`. */
function generatedPart(part: string): boolean {
  return part.length >= 6 && /[0-9][A-Za-z]/.test(part) && /[A-Za-z][0-9]/.test(part) && /[a-z][0-9]|[0-9][a-z]/.test(part);
}

/**
 * A value that is code (`process.env.DB_PASSWORD || "…"`, `Field("…", env=…)`, `Buffer.from("…")`):
 * the code is kept, but a literal on the rest of its line is the secret when it follows `||`,
 * `??` or `or` (a fallback) or looks generated (twelve or more characters, no spaces).
 */
function inCode(text: string, start: number, name: string, right: number): Assignment | number {
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
function envFallback(text: string, name: string, nameStart: number, after: number, quoted: boolean): Assignment | null {
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

/** A line's directive that sets the variable named next: a Dockerfile's `ENV NAME value`, Apache's `SetEnv`, csh's `setenv`. */
const ENV_DIRECTIVE = /^[ \t]*(?:ENV|SetEnv|setenv)[ \t]+$/;
/**
 * The value of a Dockerfile's legacy `ENV NAME value`: everything after the name, to the line's end,
 * and on through the lines a `\` continues it to (`ENV DB_PASSWORD correct horse battery staple`
 * is one value). A quoted value alone on its line is its quotes' contents.
 */
function dockerEnvValue(text: string, name: string, nameEnd: number, at: number): Assignment | number {
  // `ENV NAME \` and the value on the next line.
  const lead = /^\\[ \t\r]*\n[ \t]*/.exec(text.slice(at, at + 64));
  if (lead) at += lead[0].length;
  if (at >= text.length || /[(/~.`\s]/.test(text[at]!)) return nameEnd;
  if (isQuote(text.charCodeAt(at))) {
    const q = quotedValue(text, at + 1, text[at]!);
    if (q && /^[ \t\r]*(?:\n|$)/.test(text.slice(q[1] + 1, q[1] + 1 + 64))) return REFERENCE.test(text.slice(q[0], q[1])) ? nameEnd : { name, nameEnd, valueStart: q[0], valueEnd: q[1] };
  }
  const limit = Math.min(text.length, at + MAX_VALUE);
  let end = at;
  for (let i = at; ; ) {
    let eol = i;
    while (eol < limit && text.charCodeAt(eol) !== 10) eol++;
    let last = eol;
    while (last > i && (isSpace(text.charCodeAt(last - 1)) || text.charCodeAt(last - 1) === 13)) last--;
    // A line ending in `\` goes on below it (an empty or missing next line ends the value before the `\`).
    const continued = last > i && text.charCodeAt(last - 1) === 92 && text.charCodeAt(last - 2) !== 92;
    if (!continued) {
      if (last > i) end = last;
      break;
    }
    let stop = last - 1;
    while (stop > i && isSpace(text.charCodeAt(stop - 1))) stop--;
    if (stop > i) end = stop;
    if (eol >= limit || !/[^ \t\r]/.test(text.slice(eol + 1, text.indexOf('\n', eol + 1) < 0 ? limit : Math.min(limit, text.indexOf('\n', eol + 1))))) break;
    i = eol + 1;
  }
  const raw = text.slice(at, end);
  if (end === at || REFERENCE.test(raw) || NOT_A_VALUE.test(raw)) return nameEnd;
  return { name, nameEnd, valueStart: at, valueEnd: end };
}

/** `SET ` before MySQL's `PASSWORD [FOR user] = …`. */
const SQL_SET = /\bset\s+$/i;
/** Where a `PASSWORD '…'` clause sets a user's password: after WITH, LOGIN, ENCRYPTED, or right after `ALTER|CREATE USER|ROLE name`. */
const SQL_PASSWORD_CLAUSE = /(?:\b(?:with|login|encrypted|unencrypted)|\b(?:alter|create)\s+(?:user|role)\s+(?:if\s+(?:not\s+)?exists\s+)?(?:"[^"\n]{1,64}"|'[^'\n]{1,64}'|[\w$.-]{1,64}))\s+$/i;
/** After MySQL's `SET PASSWORD`: `[FOR user] = ['…' | PASSWORD('…')]`, up to the literal's quote. */
const SQL_SET_VALUE = /^[ \t]*(?:for[ \t]+(?:'[^'\n]{1,64}'(?:@'[^'\n]{1,255}')?|`[^`\n]{1,64}`|[\w$.%-]{1,64}(?:@[\w$.%-]{1,255})?)[ \t]*)?=[ \t]*(?:password[ \t]*\([ \t]*)?['"]/i;
/** A foreign-data wrapper's options before `password '…'`: `OPTIONS (user 'x', `, `OPTIONS (ADD `, `OPTIONS (SET `. */
const SQL_OPTIONS = /\boptions[ \t]*\([ \t]*(?:(?:add|set)[ \t]+)?(?:[A-Za-z_]\w{0,63}[ \t]+'(?:[^'\n]|''){0,255}'[ \t]*,\s*(?:(?:add|set)[ \t]+)?){0,16}$/i;

/**
 * SQL that sets a password, the quoted literal: `ALTER USER app [WITH] PASSWORD '…'`, `CREATE ROLE
 * app LOGIN PASSWORD '…'`, a foreign-data wrapper's `OPTIONS (user 'x', password '…')`, MySQL's
 * `SET PASSWORD [FOR u] = '…'` (or `PASSWORD('…')`) and `IDENTIFIED WITH mysql_native_password BY
 * '…'` (not `AS 'hash'`), MySQL's with either quote. Null when the text reads as no such
 * statement (the name's other forms are tried); `PASSWORD NULL` holds no literal.
 */
function sqlPassword(text: string, name: string, left: number, right: number): Assignment | number | null {
  let open = -1;
  const before = text.slice(Math.max(0, left - 160), left);
  if (/^password$/i.test(name)) {
    const i = skipSpaces(text, right);
    if (text.charCodeAt(i) === 39 && i > right && (SQL_PASSWORD_CLAUSE.test(before) || SQL_OPTIONS.test(before))) open = i;
    else if (SQL_SET.test(before.slice(-8))) {
      const m = SQL_SET_VALUE.exec(text.slice(right, right + 400));
      if (m) open = right + m[0].length - 1;
    }
  } else if (/_password$/i.test(name) && /\bidentified\s+with\s+$/i.test(before.slice(-32))) {
    // MySQL quotes strings with either quote: `BY '…'` or `BY "…"`.
    const m = /^[ \t]+by[ \t]+['"]/i.exec(text.slice(right, right + 16));
    if (m) open = right + m[0].length - 1;
  }
  if (open < 0) return null;
  const q = quotedValue(text, open + 1, text[open]!);
  return q && !REFERENCE.test(text.slice(q[0], q[1])) ? { name, nameEnd: right, valueStart: q[0], valueEnd: q[1] } : right;
}

/** fish's `set` with flags (`set -x`, `set -gx`, `set --export`) and Windows' `setx`, right before a name. */
const SET_COMMAND = /(?:^|[\s;&|(`\\])(?:setx(?:\.exe)?(?:[ \t]+\/[A-Za-z])*|set(?:[ \t]+-[lgUxu]{1,4}|[ \t]+--(?:export|global|universal|local))+)[ \t]+$/;
/** The key a name stands under, right before it: `name: `, `- name: `, `key="`, `"name":"`, `\"name\":\"`. */
const NAME_KEY = /(?<![\w.-])\\?["']?(?:name|key)\\?["']?[ \t]*[:=][ \t]*\\?["']?(?:[\w.-]{1,32}:)?$/i;
/** Its sibling `value` key on the same line: `, value: `, ` value="`, `","value":"`. */
const VALUE_KEY = /^(?:\\?["'])?[ \t]*[,;]?[ \t]*\\?["']?value\\?["']?[ \t]*[:=][ \t]*/i;

/**
 * A secret's name given as the value of a `name` or `key` key, and its value under the sibling
 * `value` key: Kubernetes' and CI's env lists (`- name: DB_PASSWORD` then `  value: …` on the
 * next line), .NET's `<add key="ApiKey" value="…"/>`, Spring's `<property name="password"
 * value="…"/>`, `{"name": "API_TOKEN", "value": "…"}` in text (`valueFrom:` holds no value); an element
 * named by its attribute (`<entry key="password">…</entry>`, Spring's `<property name="password"><value>…`)
 * and an HTML password field's value (`markup.ts`).
 */
function namedValue(text: string, name: string, left: number, right: number, quote: string): Assignment | number {
  // Cheap first: a `:` or `=` (of `name:`, `key="`, or a prefix's `ida:`) right before the name, past quotes and spaces.
  let j = left - 1;
  while (j >= 0 && left - j < 8 && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9 || text.charCodeAt(j) === 34 || text.charCodeAt(j) === 39 || text.charCodeAt(j) === 92)) j--;
  const c = text.charCodeAt(j);
  if (c !== 58 && c !== 61) return right;
  if (c === 61 && quote.length === 1 && /^password$/i.test(name) && /(?:^|\s)type\s*=\s*["']$/i.test(text.slice(Math.max(0, left - 16), left))) {
    // `<input type="password" … value="…">`: the field's value, wherever it stands in the tag.
    const input = passwordInputValue(text, left);
    return input ? { name, nameEnd: right, valueStart: input[0], valueEnd: input[1] } : right;
  }
  if (!NAME_KEY.test(text.slice(Math.max(0, left - 64), left))) return right;
  const after = right + quote.length;
  let valueAt: number;
  let element: [number, number] | null;
  const sameLine = VALUE_KEY.exec(text.slice(after, after + 48));
  if (sameLine) {
    valueAt = after + sameLine[0].length;
  } else if (quote.length === 1 && (text.charCodeAt(after) === 62 || isSpace(text.charCodeAt(after))) && (element = attributeNamedElement(text, left, after))) {
    // `<entry key="password">…</entry>`, `<property name="password"><value>…</value>`.
    return { name, nameEnd: right, valueStart: element[0], valueEnd: element[1] };
  } else {
    // The next line (raw or JSON-escaped), after a comment: `- name: DB_PASSWORD  # prod`.
    const next = /^[ \t]*(?:#[^\n]{0,128}?)?(?:\r?\n|\\n)[ \t]*value:[ \t]*/.exec(text.slice(after, after + 256));
    if (!next) return right;
    valueAt = after + next[0].length;
  }
  const value = readValue(text, valueAt, sameLine ? null : 'line');
  if (!value) return right;
  let [start, end] = value;
  const raw = text.slice(start, end);
  if (!value[2] && BLOCK_SCALAR.test(raw)) {
    // `value: |` and the lines under it.
    const keyAt = text.lastIndexOf('value', valueAt);
    const block = blockScalar(text, end, keyAt - lineStart(text, keyAt));
    if (!block) return right;
    [start, end] = block;
  } else if (NOT_A_VALUE.test(raw) || REFERENCE.test(raw) || MASKED.test(raw)) {
    return right;
  } else if (!value[2]) {
    // Code, not a value: `value: getSecret()`, `value: process.env.API_KEY`.
    const code = raw.replace(/[,;]+$/, '');
    if (CODE_ACCESS.test(code) || DOTTED_IDENTIFIER.test(code) || text.charCodeAt(end) === 40 || CODE_VALUE.test(text.slice(start, start + 256).split('\n', 1)[0]!)) return right;
  }
  return { name, nameEnd: right, valueStart: start, valueEnd: end };
}

/** After a tuple's opening bracket at `at` (and the spaces after it), or `at`. */
function openingBracket(text: string, at: number): number {
  const i = skipSpaces(text, at);
  return text.charCodeAt(i) === 40 || text.charCodeAt(i) === 91 ? skipSpaces(text, i + 1) : at;
}

/** Start of item `index` of a comma-separated list of quoted strings and words at `from`, or -1. */
function tupleItem(text: string, from: number, index: number): number {
  let i = from;
  for (let k = 0; k < index; k++) {
    if (isQuote(text.charCodeAt(i))) {
      const q = quotedValue(text, i + 1, text[i]!);
      if (!q) return -1;
      i = q[1] + 1;
    } else {
      while (i < text.length && i - from < MAX_VALUE && /[\w.]/.test(text[i]!)) i++;
    }
    i = skipSpaces(text, i);
    if (text.charCodeAt(i) !== 44) return -1;
    i = skipSpaces(text, i + 1);
  }
  return i;
}

/** `<password>…</password>`: an XML or HTML element named like a secret, its text on one line, up to the element's closing tag. */
function xmlElement(text: string, name: string, nameEnd: number): Assignment | number {
  const from = nameEnd + 1;
  let window = text.slice(from, from + MAX_VALUE);
  const eol = window.indexOf('\n');
  if (eol >= 0) window = window.slice(0, eol);
  const close = window.indexOf(`</${name}>`);
  if (close < 0) return nameEnd;
  let start = from;
  let end = from + close;
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  if (text.startsWith('<![CDATA[', start) && text.startsWith(']]>', end - 3) && end - start > 12) {
    start += 9;
    end -= 3;
  }
  const raw = text.slice(start, end);
  if (end === start || raw.includes('<') || NOT_A_VALUE.test(raw) || REFERENCE.test(raw) || MASKED.test(raw)) return nameEnd;
  return { name, nameEnd, valueStart: start, valueEnd: end };
}

/** A plist's `<key>NAME</key>` then, after whitespace (raw or JSON-escaped) and comments, its `<string>…</string>`. */
function plistValue(text: string, name: string, nameEnd: number): Assignment | number {
  const m = /^(?:\s|\\[nrt]|<!--(?:(?!-->)[^]){0,160}-->){0,64}<string>/.exec(text.slice(nameEnd + 6, nameEnd + 6 + 400));
  if (!m) return nameEnd;
  const a = xmlElement(text, 'string', nameEnd + 6 + m[0].length - 1);
  return typeof a === 'number' ? nameEnd : { ...a, name, nameEnd };
}

/** Android's `<string name="` (other attributes may stand before `name`) right before a resource's name. */
const ANDROID_STRING = /<string\s(?:[^<>"']{0,40}(?:"[^<>"]{0,40}"|'[^<>']{0,40}')\s)*\s*name=$/;

/**
 * An Android string resource named like a secret (`<string name="api_key">…</string>`): its text
 * when it looks generated, since most such resources are a form's labels (`Password`, `Enter your password`).
 */
function androidString(text: string, name: string, from: number): Assignment | number {
  const gt = /^[^<>\n]{0,80}>/.exec(text.slice(from, from + 82));
  if (!gt) return from;
  const a = xmlElement(text, 'string', from + gt[0].length - 1);
  if (typeof a === 'number') return from;
  const value = text.slice(a.valueStart, a.valueEnd);
  return value.length >= 8 && looksRandom(value) && !/\s/.test(value) ? { ...a, name, nameEnd: from } : from;
}

/** Escapes that end a URL-encoded value: &, %, space, quotes, comma, semicolon, #, newlines, <, > and closing brackets. */
const ENCODED_STOP = /%(?:26|25|20|22|27|2c|3b|23|0a|0d|3c|3e|5d|7d)/i;

function encodedValueEnd(text: string, from: number): number {
  let end = from;
  const limit = Math.min(text.length, from + MAX_VALUE);
  while (end < limit && !inTable(UNQUOTED_STOP, text.charCodeAt(end))) end++;
  const stop = text.slice(from, end).search(ENCODED_STOP);
  return stop < 0 ? end : from + stop;
}

function isLineBreak(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  return c === 10 || (c === 13 && text.charCodeAt(at + 1) === 10);
}

/** Indentation of the line starting at `at`, or -1 when it is blank. */
function indentAt(text: string, at: number): number {
  let p = at;
  while (p < text.length && p - at < 256 && isSpace(text.charCodeAt(p))) p++;
  return p >= text.length || isLineBreak(text, p) ? -1 : p - at;
}

/** One plain or quoted scalar alone on a line: no mapping key (`a: b`, `a:`), list item, comment, anchor, tag, block header or statement. */
const SCALAR_LINE = /^(?:"[^"\n]+"|'[^'\n]+'|[^\s"'#\-[\]{}&*!|>%@`,;][^\s]*)[ \t]*\r?$/;

/**
 * The value of a YAML key ending its line (at `eol`, the line break), when the next line holds one
 * scalar indented deeper than the key (`keyIndent`) and the line after it is no deeper (a wrapped
 * sentence or a nested block is no value). Its start, or -1.
 */
function valueBelow(text: string, eol: number, keyIndent: number): number {
  const next = eol + (text.charCodeAt(eol) === 13 ? 2 : 1);
  const indent = indentAt(text, next);
  if (indent <= keyIndent) return -1;
  const start = next + indent;
  let end = start;
  while (end < text.length && end - start < MAX_VALUE && text.charCodeAt(end) !== 10) end++;
  const line = text.slice(start, end);
  if (!SCALAR_LINE.test(line) || /:\r?$/.test(line)) return -1;
  if (end < text.length) {
    const after = indentAt(text, end + 1);
    if (after > keyIndent) return -1;
  }
  return start;
}

/** The word after an arrow (`password → …`), when it looks generated and no further arrow follows (`Password → Settings → Security`). */
function arrowValue(text: string, name: string, right: number, from: number): Assignment | number {
  const at = skipSpaces(text, from);
  if (at === from) return right;
  let start = at;
  let end: number;
  if (isQuote(text.charCodeAt(at)) || text.charCodeAt(at) === 96) {
    const q = quotedValue(text, at + 1, text[at]!);
    if (!q) return right;
    [start, end] = q;
  } else {
    end = at;
    while (end < text.length && end - at < 256 && text.charCodeAt(end) > 32 && text.charCodeAt(end) < 127) end++;
    while (end > at && /[.,;:!?)]/.test(text[end - 1]!)) end--;
  }
  const value = text.slice(start, end);
  if (text.charCodeAt(skipSpaces(text, end + (start > at ? 1 : 0))) === 0x2192) return right;
  if (value.length < 6 || !/^[\x21-\x7e]+$/.test(value) || REFERENCE.test(value) || MASKED.test(value)) return right;
  // A plain word (`password → hunter2x`) ends its line, a full stop aside, and is no UI label (`Settings`), a name of
  // words (`access_token`, `user.password`) or a type or state the arrow maps to.
  if (!looksRandom(value)) {
    const after = skipSpaces(text, end + (start > at ? 1 : 0));
    const c = text.charCodeAt(after);
    const ends = after >= text.length || c === 10 || c === 13 || ((c === 46 || c === 33) && /^[.!][ \t]*(?:\r?\n|$)/.test(text.slice(after, after + 4)));
    if (!ends || (start === at && !/^[a-z0-9][\w!@#$%^&*+=.-]*$/.test(value)) || /^[a-z]+(?:[_.-][a-z]+)+$/.test(value) || ARROW_NOT_A_VALUE.test(value)) return right;
  }
  return { name, nameEnd: right, valueStart: start, valueEnd: end };
}

/** What an arrow after a secret's name maps it to when describing it, not its value: types, states, treatments. */
const ARROW_NOT_A_VALUE = /^(?:string|str|number|int|integer|boolean|bool|bytes|object|any|null|none|undefined|true|false|hash(?:ed)?|bcrypt|argon2|sha\d*|md5|reset|rotated|revoked|expired|valid|invalid|required|optional|redacted|masked|hidden|encrypted|secret|changed|updated|removed|deleted|empty|unset)$/i;

/** A YAML block scalar's header: `|` or `>`, a chomping indicator, an indentation indicator. */
const BLOCK_SCALAR = /^[|>](?:[-+]?[1-9]?|[1-9][-+])$/;

export function isQuote(code: number): boolean {
  return code === 34 || code === 39;
}

/** Start of the line holding `at`, looking back no further than 256 characters. */
export function lineStart(text: string, at: number): number {
  let i = at;
  while (i > 0 && at - i < MAX_NAME * 4 && text.charCodeAt(i - 1) !== 10) i--;
  return i;
}

/**
 * The lines of a YAML block scalar: from the end of its header line, every line indented deeper
 * than its key (blank lines included), up to MAX_BLOCK characters (a PEM key fits). Returns the
 * stretch from the first character of the first line to the last of the last, or null when no
 * line follows.
 */
function blockScalar(text: string, headerEnd: number, keyIndent: number): [number, number] | null {
  let i = headerEnd;
  while (i < text.length && i - headerEnd < MAX_VALUE && text.charCodeAt(i) !== 10) i++;
  if (text.charCodeAt(i) !== 10) return null;
  i++;
  const limit = Math.min(text.length, i + MAX_BLOCK);
  let start = -1;
  let end = -1;
  while (i < limit) {
    let p = i;
    while (p < limit && isSpace(text.charCodeAt(p))) p++;
    let eol = p;
    while (eol < limit && text.charCodeAt(eol) !== 10) eol++;
    let last = eol;
    while (last > p && (isSpace(text.charCodeAt(last - 1)) || text.charCodeAt(last - 1) === 13)) last--;
    if (last > p) {
      if (p - i <= keyIndent) break;
      if (start < 0) start = p;
      end = last;
    }
    i = eol + 1;
  }
  return start < 0 ? null : [start, end];
}

/**
 * `.netrc` (`machine host login bob password …`): `password` is a keyword followed by its value
 * after whitespace, with no `=` or `:`. Prose says "password" too, so the token two before it must
 * be one of netrc's keywords: `login bob`, `account x` or `machine host`.
 */
function afterNetrcToken(text: string, nameStart: number): boolean {
  const value = tokenBefore(text, nameStart, 256);
  const keyword = value < 0 ? -1 : tokenBefore(text, value, 8);
  return keyword >= 0 && /^(?:login|account|machine)\s/.test(text.slice(keyword, keyword + 8));
}

function isWhitespace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/** Start of the whitespace-delimited token that ends (after some whitespace) before `at`, or -1. */
function tokenBefore(text: string, at: number, maxToken: number): number {
  let end = at;
  while (end > 0 && at - end < 64 && isWhitespace(text.charCodeAt(end - 1))) end--;
  if (end === at) return -1;
  let start = end;
  while (start > 0 && end - start <= maxToken && !isWhitespace(text.charCodeAt(start - 1))) start--;
  return start === end || end - start > maxToken || (start > 0 && !isWhitespace(text.charCodeAt(start - 1))) ? -1 : start;
}

/** The value after a netrc `password`: one whitespace-free token (or a quoted string) on the same line. */
function netrcValue(text: string, name: string, nameEnd: number, at: number): Assignment | number {
  if (isQuote(text.charCodeAt(at))) {
    const q = quotedValue(text, at + 1, text[at]!);
    return q && !REFERENCE.test(text.slice(q[0], q[1])) ? { name, nameEnd, valueStart: q[0], valueEnd: q[1] } : nameEnd;
  }
  let end = at;
  const limit = Math.min(text.length, at + MAX_VALUE);
  while (end < limit && !isWhitespace(text.charCodeAt(end))) end++;
  const raw = text.slice(at, end);
  if (end === at || REFERENCE.test(raw) || NOT_A_VALUE.test(raw)) return nameEnd;
  return { name, nameEnd, valueStart: at, valueEnd: end };
}

type Context = 'line' | 'quoted' | 'flow' | 'prose' | 'word' | 'conn';

/** As many closing brackets as opening ones, of each kind: a call or subscript written whole (`getenv("X")`, `a[0]`). */
function bracketsBalance(code: string): boolean {
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

/**
 * Where an unquoted `name:` stands: at a line's start (YAML, headers) or a quoted string's start
 * (`"password: …"`), inside `{…}`/`[…]`, or in prose.
 */
function structuralContext(text: string, nameStart: number): Context {
  let p = nameStart - 1;
  while (p >= 0 && isSpace(text.charCodeAt(p))) p--;
  if (p < 0) return 'line';
  const c = text.charCodeAt(p);
  if (c === 10 || c === 13) return 'line';
  if (c === 34 || c === 39) return 'quoted';
  if (c === 45 && (p === 0 || text.charCodeAt(p - 1) === 10 || isSpace(text.charCodeAt(p - 1)))) return 'line';
  // curl -v marks request and response headers with `> ` and `< `.
  if ((c === 62 || c === 60) && (p === 0 || text.charCodeAt(p - 1) === 10)) return 'line';
  if (c === 123 || c === 44 || c === 91) return 'flow';
  return 'prose';
}

/** The value's stretch, or null when there is none. YAML lines take the rest of the line, comments aside. */
function readValue(text: string, at: number, context: Context | null): [number, number, boolean] | null {
  const c = text.charCodeAt(at);
  if (c === 34 || c === 39 || c === 96) return quotedValue(text, at + 1, text[at]!);
  if (c === 92 && text.charCodeAt(at + 1) === 34) {
    // Searched in a bounded window: an open-ended indexOf per anchor would be quadratic.
    const window = text.slice(at + 2, at + 2 + MAX_VALUE);
    const close = window.indexOf('\\"');
    if (close <= 0 || window.lastIndexOf('\n', close) >= 0) return null;
    return [at + 2, at + 2 + close, true];
  }
  if (c === 38) {
    // HTML-escaped quotes (`password=&quot;…&quot;`, `&#39;…&#39;`): the value runs to the same reference on its line.
    const quote = /^&(?:quot|apos|#(?:34|39|x2[27]));/i.exec(text.slice(at, at + 7));
    if (quote) {
      const window = text.slice(at + quote[0].length, at + quote[0].length + MAX_VALUE);
      const close = window.indexOf(quote[0]);
      if (close <= 0 || window.lastIndexOf('\n', close) >= 0) return null;
      return [at + quote[0].length, at + quote[0].length + close, true];
    }
  }
  let end: number;
  if (context === 'quoted') {
    // `"password: a b c"`: the value runs to the closing quote.
    const open = quoteBefore(text, at);
    const quote = text[open] ?? '"';
    const rest = text.slice(at, at + MAX_VALUE);
    // Inside JSON text the quotes are escaped (`\"DB_PASSWORD=…\"`): the value ends at `\"` or an escaped newline.
    const escaped = open > 0 && text.charCodeAt(open - 1) === 92;
    let close = escaped ? rest.search(quote === "'" ? /\\'|\\n|\n/ : /\\"|\\n|\n/) : rest.search(quote === "'" ? /['\n]/ : /["\n]/);
    // A query string in quotes (`"token=abc&user=bob"`): the next parameter is no part of the value.
    const param = rest.slice(0, close < 0 ? rest.length : close).search(/&[A-Za-z_][\w.-]{0,32}=/);
    if (param > 0) close = param;
    end = at + (close < 0 ? rest.length : close);
    while (end > at && isSpace(text.charCodeAt(end - 1))) end--;
  } else if (context === 'line') {
    const window = text.slice(at, at + MAX_VALUE);
    const nl = window.indexOf('\n');
    const line = nl < 0 ? window : window.slice(0, nl);
    end = at + line.length;
    const comment = line.indexOf(' #');
    if (comment >= 0 && at + comment < end) end = at + comment;
    while (end > at && (isSpace(text.charCodeAt(end - 1)) || text.charCodeAt(end - 1) === 13)) end--;
  } else if (context === 'conn') {
    end = at;
    const limit = Math.min(text.length, at + MAX_VALUE);
    while (end < limit && !isWhitespace(text.charCodeAt(end)) && !isQuote(text.charCodeAt(end)) && text.charCodeAt(end) !== 59 && text.charCodeAt(end) !== 96) end++;
  } else if (context === 'word') {
    end = at;
    const limit = Math.min(text.length, at + MAX_VALUE);
    while (end < limit && !isWhitespace(text.charCodeAt(end))) end++;
    end = trimClosers(text, at, end);
  } else {
    end = stopAt(text, at, context === 'flow' ? FLOW_STOP : UNQUOTED_STOP, Math.min(text.length, at + MAX_VALUE));
  }
  return end > at ? [at, end, false] : null;
}

/** What the last stopAt learned: no stop character in [from, end) of text; `found`: text[end] is one (or the text ends there). */
let stops: { text: string; table: CharTable; from: number; end: number; found: boolean } | null = null;

/**
 * The first stop character at or after `at`, before `limit`. Remembers how far it read, so the
 * anchors of a run without one (`token:token:token:…`) do not each read it again: a value
 * costs its length once, not once per anchor inside it.
 */
function stopAt(text: string, at: number, table: CharTable, limit: number): number {
  let i = at;
  let from = at;
  if (stops !== null && stops.table === table && stops.text === text && stops.from <= at && at <= stops.end) {
    if (stops.found) return Math.min(stops.end, limit);
    i = Math.min(stops.end, limit);
    from = stops.from;
  }
  while (i < limit && !inTable(table, text.charCodeAt(i))) i++;
  stops = { text, table, from, end: i, found: i < limit || i >= text.length };
  return i;
}

const OPENER: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' };

/**
 * A word's end without what closes around it: a trailing `,` or `;`, a bracket it never opened,
 * a quote left unpaired (`f(password=hashed);` gives `hashed`; `aB3)x(` keeps its own brackets).
 */
function trimClosers(text: string, start: number, end: number): number {
  for (;;) {
    const last = text[end - 1];
    if (end <= start || last === undefined) return end;
    const word = text.slice(start, end);
    const opener = OPENER[last];
    const unpaired =
      last === ',' || last === ';' ||
      (opener !== undefined && word.split(opener).length < word.split(last).length) ||
      ((last === '"' || last === "'" || last === '`') && word.split(last).length % 2 === 0);
    if (!unpaired) return end;
    end--;
  }
}

/** Index of the quote that opens the string holding position `at` on its line (the name's opening quote). */
function quoteBefore(text: string, at: number): number {
  for (let i = at - 1; i >= 0 && at - i < MAX_NAME + 16; i--) {
    const c = text.charCodeAt(i);
    if (c === 34 || c === 39) return i;
    if (c === 10) break;
  }
  return -1;
}

export function quotedValue(text: string, from: number, quote: string): [number, number, boolean] | null {
  const limit = Math.min(text.length, from + MAX_VALUE);
  for (let i = from; i < limit; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === quote) return i > from ? [from, i, true] : null;
    else if (c === '\n' && quote !== '`') return null;
  }
  return null;
}

/** Keys below a secret's name that describe it (`name`, `type`, `region`…): their values are no secret. */
const SECTION_METADATA = /^(?:name|id|type|kind|description|desc|label|url|uri|endpoint|host|hostname|port|region|user|username|login|email|provider|scope|scopes|path|file|image|version|created_at|updated_at|expires_at|enabled|format|algorithm)$/i;
/** Matched on a line without its trailing spaces (a lazy value before them read the rest of a long line at each character). */
const SECTION_YAML_LINE = /^[ \t]*(?:-[ \t]+)?(?:(["']?)([\w.@-]{1,64})\1[ \t]*:(?:[ \t]+|$))?(.*)$/;
const SECTION_TOML_LINE = /^[ \t]*(["']?)([\w.@-]{1,64})\1[ \t]*=[ \t]*(.*)$/;
const SECTION_LINES = 64;

/**
 * The values under a secret-named YAML key alone on its line (`secrets:`, `api_keys:` and the
 * deeper-indented mapping or list below: Helm values, `credentials:` → `default:` → `value: …`) or
 * under a TOML/INI section named like one (`[passwords]`, `[credentials]`: Streamlit's
 * secrets.toml), up to 64 lines: each scalar that looks generated (eight or more characters, no
 * spaces), not under a key that describes it (`name`, `type`, `region`…). Conservative: a word
 * or a short password there is kept. Null when `at` is in no such key.
 */
export function sectionValues(text: string, at: number, accept: (name: string, start: number) => boolean): [number, number][] | null {
  const left = runStart(text, at, NAME, MAX_NAME + 1);
  const right = runEnd(text, at, NAME, at + MAX_NAME + 1);
  if (at - left > MAX_NAME || right - at > MAX_NAME || right === left) return null;
  const close = text.charCodeAt(right);
  const toml = close === 93 && text.charCodeAt(left - 1) === 91;
  if (close !== 58 && !toml) return null;
  const start = lineStart(text, left);
  if (!(toml ? /^[ \t]*$/ : /^[ \t]*(?:-[ \t]+)?$/).test(text.slice(start, toml ? left - 1 : left))) return null;
  const eol = /^[ \t]*(?:#[^\n]{0,200})?\r?\n/.exec(text.slice(right + 1, right + 256));
  if (!eol || !accept(text.slice(left, right), left)) return null;
  const keyIndent = left - start;
  const values: [number, number][] = [];
  let line = right + 1 + eol[0].length;
  for (let n = 0; n < SECTION_LINES && line < text.length; n++) {
    const newline = text.slice(line, line + MAX_VALUE + 1).indexOf('\n');
    const next = newline < 0 ? Math.min(text.length, line + MAX_VALUE) : line + newline;
    const raw = text.slice(line, next);
    const indent = indentAt(text, line);
    if (indent >= 0 && !/^[ \t]*#/.test(raw)) {
      if (toml ? /^[ \t]*\[/.test(raw) : indent <= keyIndent) break;
      const m = (toml ? SECTION_TOML_LINE : SECTION_YAML_LINE).exec(raw.trimEnd());
      if (m && m[3] && !(m[2] && SECTION_METADATA.test(m[2]))) {
        let from = line + m[0].lastIndexOf(m[3]);
        let value = m[3];
        if (isQuote(value.charCodeAt(0))) {
          const q = quotedValue(text, from + 1, value[0]!);
          [from, value] = q && q[1] <= next ? [q[0], text.slice(q[0], q[1])] : [from, ''];
        } else if (value.includes(' #')) {
          value = value.slice(0, value.indexOf(' #')).trimEnd();
        }
        if (value.length >= 8 && !/\s/.test(value) && looksRandom(value) && !value.includes('://') && !REFERENCE.test(value) && !NOT_A_VALUE.test(value) && !MASKED.test(value)) values.push([from, from + value.length]);
      }
    }
    line = next + 1;
  }
  return values;
}
