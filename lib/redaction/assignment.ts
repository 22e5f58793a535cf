/**
 * `name = value` in all the ways an agent's workspace writes it: `.env` and shell (`export
 * API_TOKEN=…`), YAML (`password: …`, block scalars `password: >-` and the lines under them),
 * JSON and Python dicts (`"password": "…"`), PHP and Ruby hashes (`'api_key' => '…'`,
 * `:api_key => "…"`), `.netrc` (`login bob password …`), query strings (`?token=…`, and
 * URL-encoded inside another URL: `token%3D…`), XML elements (`<password>…</password>`),
 * command-line flags (`--password …`) and code (`const apiKey = "…"`). The scan starts at a
 * keyword anchor inside the name and reads a bounded stretch either side of it.
 */
import { CODE_ACCESS, CODE_VALUE, DOTTED_IDENTIFIER, TYPE_ANNOTATION, TYPE_UNION, VARIABLE, bracketsBalance, envFallback, flagHelp, generatedPart, inCode, iniLine } from './code-values.js';
import { ENV_DIRECTIVE, SET_COMMAND, afterNetrcToken, dockerEnvValue, listItemValue, netrcValue } from './keyword-values.js';
import { ANDROID_STRING, androidString, namedValue, plistValue, xmlElement } from './named-values.js';
import { isVersionSpec } from './names.js';
import { FILE_ARGUMENT, MASKED, NOT_A_VALUE, REFERENCE } from './not-a-value.js';
import { arrowValue, proseIs, prosePrefix, proseWord } from './prose-value.js';
import { looksRandom, runEnd, runStart } from './rule.js';
import { SQL_SET, sqlPassword } from './sql-password.js';
import { variableDefault } from './terraform-variable.js';
import { MAX_NAME, MAX_VALUE, NAME, isLineBreak, isQuote, isSpace, isWhitespace, lineStart, quotedValue, skipGap, skipSpaces, skipSpacesBack } from './text-scan.js';
import { BLOCK_SCALAR, blockScalar, encodedValueEnd, prefixedLiteral, readValue, structuralContext, valueBelow } from './value-readers.js';

export interface Assignment {
  readonly name: string;
  readonly nameEnd: number;
  readonly valueStart: number;
  readonly valueEnd: number;
  /** Where the scan goes on, when not after the value: a tuple's later targets stand before its values. */
  readonly resume?: number;
}

/** Prose after a flag's name (`use --token and the CLI`), not its value. */
const FLAG_PROSE = /^(?:and|or|the|a|an|to|for|is|in|of|on|with|flag|option|argument|parameter|switch|value|instead|here|as|if|when|only)$/i;
/** A type annotation and `=` before a quoted value: `string = `, `&str = `, `&'static str = `, `Option<String> = `. */
const TYPE_THEN_VALUE = /^(?:&(?:'\w+\s+)?)?[A-Za-z_][\w.]*(?:<[\w\s,.<>&']{0,40}>)?\??\s*=(?![=>])\s*(?=["'`])/;
/** After the first of a tuple's targets: `, user =`, `, user) =`, `, user] =` (not `==` or `=>`). */
const TUPLE_REST = /^,[ \t]*[A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)*[ \t]*[)\]]?[ \t]*=(?![=>])/;
/** Before the first of a tuple's targets: a line's start, a declaration's keyword, an opening bracket (`(user, password) =`, `const [user, password] =`). */
const TUPLE_START = /(?:^|\n|\\n)[ \t]*(?:(?:const|let|var|val|auto)[ \t]+)?[([]?[ \t]*$/;
/** The targets before a later one: `user, `, `(user, `, `const [user, `. */
const TUPLE_TARGETS = /(?:^|\n|\\n)[ \t]*(?:(?:const|let|var|val|auto)[ \t]+)?[([]?[ \t]*((?:[A-Za-z_][\w.]*[ \t]*,[ \t]*)+)$/;
/** A tuple of variables on the rest of a line: `un, pw`, `user, self.password  # x`. */
const IDENTIFIER_TUPLE = /^[A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)+[ \t]*[)\]]?[ \t]*;?[ \t]*(?:(?:#|\/\/).*)?$/;

/** Single-dash flags that take a password (keytool's, jarsigner's, PuTTY's, Java tools', PowerShell's `-Password`), in any case; other names need two dashes. */
export const SINGLE_DASH_FLAG = /^(?:password|passwd|(?:src|dest)?(?:store|key)pass|pw)$/i;

/** A setter's or builder's name, alone or after an object: `setPassword`, `ds.setApiKey`, `.withPassword`. */
const SETTER = /(?:^|\.)(?:set|with)[A-Z]\w*$/;

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
  } else if (dashes === 0 && i > right && !quote && /\b(?:configure|config|npm)\s+set\s+(?:\/\/[^\s:]{1,200}(?::\d+)?[^\s:]{0,200}:)?$/i.test(text.slice(Math.max(0, left - 420), left))) {
    // `aws configure set aws_secret_access_key …`, `npm config set _authToken …` (`npm set …`), redis' `CONFIG SET requirepass …`, `npm config set //registry.npmjs.org/:_authToken …`: the next word.
    return netrcValue(text, name, right, i);
  } else if (dashes === 0 && i > right && !quote && /password$/i.test(name) && (sql = sqlPassword(text, name, left, right)) !== null) {
    return sql;
  } else if (dashes === 0 && i > right && !quote && (SET_COMMAND.test(text.slice(Math.max(0, left - 40), left)) || ENV_DIRECTIVE.test(text.slice(lineStart(text, left), left)))) {
    // fish's `set -gx API_TOKEN …`, Windows' `setx API_KEY "…"`, `doppler secrets set NAME …`, `netlify env:set NAME …`,
    // a Dockerfile's `ENV NAME …`, Apache's `SetEnv NAME …`: the next word (not a command substitution `(cat f)` or `` `cat f` ``, nor a path).
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
    // `vault kv put secret/app password=@pw.txt`: the CLI reads the value from that file.
    if (form === 'equals' && FILE_ARGUMENT.test(raw)) return right;
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
