/** Credentials in connection strings and headers: URL passwords and tokens, Go MySQL DSNs, `.pgpass` lines, Bearer/Basic values and Discord and Teams webhooks. */
import { isCode } from './code-shape.js';
import type { LeakHit } from '../leak-detector.js';
import { lineStartBefore, nextWord } from './lines.js';
import { MAX_RUN, generated, hit, isAlnum, isPlaceholder, looksSecret, valueEnd } from './values.js';

const DISCORD_API = /discord(?:app)?\.com\/api(?:\/v\d{1,2})?$/i;

/** `discord.com/api/webhooks/<id>/<token>`: the token, found from `/webhooks/`. */
export function discordWebhooks(text: string, hits: LeakHit[]): void {
  for (let i = nextWord(text, '/webhooks/', 'bhook', 3, 0); i >= 0; i = nextWord(text, '/webhooks/', 'bhook', 3, i + 10)) {
    if (!DISCORD_API.test(text.slice(Math.max(0, i - 32), i))) continue;
    let idEnd = i + 10;
    while (idEnd < text.length && idEnd - i < 40 && text.charCodeAt(idEnd) >= 48 && text.charCodeAt(idEnd) <= 57) idEnd++;
    if (idEnd - i - 10 < 15 || text[idEnd] !== '/') continue;
    let end = idEnd + 1;
    while (end < text.length && end - idEnd < 128 && (isAlnum(text.charCodeAt(end)) || text.charCodeAt(end) === 95 || text.charCodeAt(end) === 45)) end++;
    if (end - idEnd - 1 >= 40) hits.push(hit('vendor_token', text.slice(idEnd + 1, end), idEnd + 1, end));
  }
}

/** Teams' `/IncomingWebhook/<32 hex>/<uuid>`: the secret pair, found from `Incomi`. */
export function teamsWebhooks(text: string, hits: LeakHit[]): void {
  for (let i = nextWord(text, '/IncomingWebhook', 'Incomi', 1, 0); i >= 0; i = nextWord(text, '/IncomingWebhook', 'Incomi', 1, i + 17)) {
    // `IncomingWebhook\/…` in JSON text: the secret starts one character later.
    if (text.startsWith('\\/', i + 16)) i++;
    else if (text[i + 16] !== '/') continue;
    const secret = /^[0-9a-fA-F]{32}\\?\/[0-9a-fA-F-]{36}/.exec(text.slice(i + 17, i + 88));
    if (secret) hits.push(hit('vendor_token', secret[0], i + 17, i + 17 + secret[0].length));
  }
}

export function urlPasswords(text: string, hits: LeakHit[]): void {
  for (let i = text.indexOf('://'); i >= 0; i = text.indexOf('://', i + 3)) {
    let end = i + 3;
    // A pasted password may hold an unencoded `?` or `#`: the authority runs to the path, a space or a quote.
    while (end < text.length && end - i < MAX_RUN && !'/\\ \t\r\n"\'<>`'.includes(text[end]!)) end++;
    const auth = text.slice(i + 3, end);
    const at = auth.lastIndexOf('@');
    // A typed placeholder as the user (`[REDACTED:github_token]@host`) holds a colon of its own.
    const placeholder = /^\[REDACTED[^\]]{0,64}\]/.exec(auth);
    const colon = auth.indexOf(':', placeholder ? placeholder[0].length : 0);
    if (at < 0) continue;
    // A token as the user: `https://TOKEN@host`, `https://TOKEN:x-oauth-basic@host`.
    const user = auth.slice(0, colon < 0 || colon > at ? at : colon);
    if (/^[A-Za-z0-9]{20,}$/.test(user) && looksSecret(user, 20)) {
      hits.push(hit('url_token', user, i + 3, end));
      continue;
    }
    // The user's colon comes before any `?` or `#`: one after them is the query's or the fragment's.
    const query = auth.search(/[?#]/);
    if (colon < 0 || colon > at || (query >= 0 && colon > query)) continue;
    const password = auth.slice(colon + 1, at);
    // A port is no password: then the query or fragment (`localhost:3000?next=a@b`), or the next CSV field.
    if (/^\d{1,5}(?:[,?#]|$)/.test(password)) continue;
    // x-oauth-basic stands where a password would when the token is the user: not a secret.
    if (password === '' || /^(?:\[REDACTED|\$|\{|<|\*+$|%s|%\(|x-oauth-(?:basic|token)$)/i.test(password)) continue;
    // The hit runs to the end of the authority: until that end has arrived, a later '@' could change it.
    hits.push(hit('url_password', password, i + 4 + colon, end));
  }
}

/** `Authorization: Bearer …`, `Basic …`, a bare `Bearer …`: a random-looking credential after the scheme. */
export function bearerValues(text: string, hits: LeakHit[]): void {
  for (const scheme of ['Bearer', 'bearer', 'Basic ']) {
    for (let at = text.indexOf(scheme); at >= 0; at = text.indexOf(scheme, at + 6)) {
      if (at > 0 && isAlnum(text.charCodeAt(at - 1))) continue;
      let from = at + 6;
      while (text.charCodeAt(from) === 32 || text.charCodeAt(from) === 9) from++;
      if (from === at + 6 && scheme !== 'Basic ') continue;
      const end = valueEnd(text, from);
      const value = text.slice(from, end);
      // Generated, as credentials are: `my-token-for-Staging` is words.
      if (looksSecret(value) && generated(value) && !isCode(value, text.charCodeAt(end))) hits.push(hit('authorization_value', value, from, end));
    }
  }
}

/** PostgreSQL's password file: `host:5432:database:user:PASSWORD` (5433, 6432 or `*` for the port) a line, the password to the line's end. */
const PGPASS_LINE = /^[\w.*-]{1,253}:(?:\d{1,5}|\*):[^:\s"'\\]{1,64}:[^:\s"'\\]{1,64}:([^\s"'\\]{1,256})(?=$|[\r\n"']|\\n)/;

export function pgpassLines(text: string, hits: LeakHit[]): void {
  // `localhost:5432:*:…` holds both needles, `*:*:*:…` one twice: each line is reported once.
  const found = new Set<number>();
  let checked = -1;
  for (const port of ['5432:', '5433:', '6432:', ':*:']) {
    for (let at = text.indexOf(port); at >= 0; at = text.indexOf(port, at + 3)) {
      // The port is a field: `:5432:`, not `:15432:`.
      if (port !== ':*:' && text.charCodeAt(at - 1) !== 58) continue;
      const start = lineStartBefore(text, at);
      // The line may open a JSON string: `"stdout":"localhost:5432:…` (searched on the line only).
      const head = text.slice(start, at);
      const from = start + Math.max(head.lastIndexOf('"'), head.lastIndexOf("'")) + 1;
      // Each line once: a run of needles on one line reads it once.
      if (from === checked) continue;
      checked = from;
      const line = PGPASS_LINE.exec(text.slice(from, from + 700));
      if (!line || isPlaceholder(line[1]!) || !looksSecret(line[1]!, 8, 2.5)) continue;
      const end = from + line[0].length;
      if (found.has(end)) continue;
      found.add(end);
      hits.push(hit('pgpass_password', line[1]!, end - line[1]!.length, end));
    }
  }
}

/** A Go MySQL driver DSN's password: `user:PW@tcp(host:3306)/db`, `…@unix(/path)/db`, found from `@tcp(` and `@unix(`. */
export function mysqlDsns(text: string, hits: LeakHit[]): void {
  for (const needle of ['@tcp(', '@unix(']) {
    for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 5)) {
      // Back to where the DSN starts: a quote, a space, `=` or a line's start; the user is up to its first `:`.
      let from = at;
      while (from > 0 && at - from < 256 && !/[\s"'`=(,]/.test(text[from - 1]!)) from--;
      while (text.charCodeAt(from) === 92) from++;
      const dsn = text.slice(from, at);
      const colon = dsn.indexOf(':');
      if (colon < 1 || !/^[\w.-]{1,64}$/.test(dsn.slice(0, colon))) continue;
      const password = dsn.slice(colon + 1);
      // Templates and concatenations are no password: `%s`, `{pw}`, `$PW`, `" + pw + "`.
      if (/[%{}$+<>[\]]/.test(password) || !looksSecret(password, 10, 3)) continue;
      hits.push(hit('dsn_password', password, from + colon + 1, at));
    }
  }
}
