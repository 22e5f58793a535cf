/** A secret's name and its separator (`=`, `:`, `=>`, a table's `|`, .netrc's space), found by one expression, and the value after it. */
import { ENV_READ, FALLBACK_SEP, OPENER, callArgument, commaValue, flagListItem, literalAfter } from './calls.js';
import { isCode } from './code-shape.js';
import type { LeakHit } from '../leak-detector.js';
import { type SectionWalk, indentAt, lineBreakEnd, lineStartBefore } from './lines.js';
import { commandOutput } from './command-output.js';
import { spacedFlag } from './flags.js';
import { labelBelow } from './labels.js';
import { jsonSection, sectionLines, tomlSection } from './sections.js';
import { csvHeader, sqlPasswordClause } from './tables.js';
import { TABLE_DESCRIPTION, generated, hit, isAlnum, isTokenChar, looksSecret, valueEnd } from './values.js';
import { secretName } from './words.js';

/**
 * A secret word ending a name, then `=`, `:`, `=>` or a table's `|`; or `password` and a space, as .netrc writes it;
 * a number after it in a qualified name (`API_KEY2`, `authToken3`, `DB_PASSWORD_2`; not `token1`); `pw` as a word
 * (`DB_PW`), a one-time-password seed (`totp_seed`, `mfaSeed`), 2FA `recovery_codes`, a pre-shared key (`psk`, `wpa_psk`);
 * or redis.conf's `requirepass` and `masterauth` and a space; a flag's name and a space (`--api-key `, `-storepass `).
 * The name's closing quote may be escaped once per level of JSON inside JSON strings, to any depth.
 * (One expression: each pass over the whole output costs as much as the rest of the scan.)
 */
const SECRET_NAME_END = /passw(?:or)?[dt](?:s?(?:[-_]?\d{1,2})?["'\\*`]{0,2}(?:\\+")?\s{0,4}(?:=>|\?=|\((?=\\*["'])|[:=\uff1a\uff1d]|\xef\xbc[\x9a\x9d]|[ \t]\||\]|\)?\s{0,4}(?:\|\||\?\?|(?<=\s)or[ \t])|,|(?=\r?\n|\\[rn]))|[ \t])|(?:pass(?<=requirepass)|auth(?<=masterauth))[ \t]|(?:pass[-_]?phrase|pass|pwd|pw|secret|token|auth|api[-_ ]?key|apikey|access[-_ ]?key|secret[-_ ]?key|priv(?:ate)?[-_ ]?key|credentials?|senha|contrase(?:\xf1|\xc3\xb1)a|\u043f\u0430\u0440\u043e\u043b\u044c|\xd0\xbf\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb\xd1\x8c|\u5bc6[\u7801\u94a5]|\xe5\xaf\x86(?:\xe7\xa0\x81|\xe9\x92\xa5)|\u30d1\u30b9\u30ef\u30fc\u30c9|\xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf\xe3\x83\xbc\xe3\x83\x89|\ube44\ubc00\ubc88\ud638|\xeb\xb9\x84\xeb\xb0\x80\xeb\xb2\x88\xed\x98\xb8|seed(?<=(?:totp|otp|mfa|2fa)[-_]?seed)|codes(?<=recovery[-_]?codes)|psk(?<![a-z]psk))s?(?:[-_]?\d{1,2})?(?:[ \t](?:value|\[[^\]\n]{0,40}\]))?["'\\*`]{0,2}(?:\\+")?\s{0,4}(?:=>|\?=|\((?=\\*["'])|[:=\uff1a\uff1d]|\xef\xbc[\x9a\x9d]|[ \t]\||\]|\)?\s{0,4}(?:\|\||\?\?|(?<=\s)or[ \t])|,|(?=\r?\n|\\[rn])|[ \t](?<=(?:^|[^\w-]|\\[nrt])--?[A-Za-z][\w-]{0,62}[ \t]))/gi;

/** A YAML block scalar's header and the line break after it, raw or JSON-escaped: `>-\n    `. */
const BLOCK_HEADER = /^[|>][-+]?[1-9]?[ \t]*(?:\r?\n|\\r\\n|\\n)[ \t]*/;

const NETRC_REACH = 160;

/** A quote as a character reference or a curly quote (UTF-8 bytes read as Latin-1, or the character). */
const QUOTE_WRITTEN = /^(?:&(?:quot|apos|#3[49]|#x2[27]);|\xe2\x80[\x98\x9c]|[\u2018\u201c])/i;

export function secretAssignments(text: string, hits: LeakHit[]): void {
  SECRET_NAME_END.lastIndex = 0;
  // Where the section walks of this text stopped: no line is read by two (`secrets:` nested in `secrets:`…).
  const walked: SectionWalk = { read: 0 };
  // Where the CSV tables read so far end: a header's rows are read once, whatever its secret columns.
  const tables: SectionWalk = { read: 0 };
  for (let m = SECRET_NAME_END.exec(text); m; m = SECRET_NAME_END.exec(text)) {
    const after = m.index + m[0].length;
    const last = text.charCodeAt(after - 1);
    // An environment read's fallback (`process.env.JWT_SECRET || '…'`), an argument list's flag and its next element
    // (`"--api-key",\n "…"`, `- --db-password` then `- …`): read on their own terms, whatever the target.
    if (FALLBACK_SEP.test(m[0])) {
      if (ENV_READ.test(text.slice(Math.max(0, m.index - 120), m.index))) literalAfter(text, after, 16, hits, true);
      continue;
    }
    if (last === 40) {
      callArgument(text, m.index, after, hits);
      continue;
    }
    if (last === 44) {
      commaValue(text, m.index, after, hits);
      csvHeader(text, m.index, hits, tables);
      continue;
    }
    if (!SEPARATOR_END.test(m[0])) {
      flagListItem(text, m.index, after, hits);
      commandOutput(text, m.index, after, hits);
      csvHeader(text, m.index, hits, tables);
      continue;
    }
    // `$ heroku auth:token` then the token below: `auth:` reads as a name and its value, which hides the `token` ending the line.
    if (last === 58 && text.startsWith('token', after) && (m[0] === 'auth:' || m[0] === 'AUTH:')) commandOutput(text, m.index, after + 5, hits);
    // A flag's value after a space (`--api-key …`, `-storepass …`): the flag's own reading, not .netrc's.
    if ((last === 32 || last === 9) && spacedFlag(text, m.index, after, hits)) continue;
    // SQL's `ALTER USER app WITH PASSWORD '…'`.
    if ((last === 32 || last === 9) && sqlPasswordClause(text, m.index, after, hits)) continue;
    // redis.conf's `requirepass …` is no .netrc.
    const netrc = (last === 32 || last === 9) && (m[0].charCodeAt(4) | 0x20) === 119;
    // `password VALUE` is .netrc only after its `login` or `machine`; elsewhere it is prose.
    if (netrc) {
      const before = text.slice(Math.max(0, m.index - NETRC_REACH), m.index);
      if (!before.includes('login') && !before.includes('machine')) {
        if (last === 9) csvHeader(text, m.index, hits, tables);
        continue;
      }
    }
    // A table's `name | value`: the name alone in its cell, at a line's start or after a `|` (not a type union's `Token | Other`).
    if (last === 124 && !tableCellName(text, m.index, m[0])) continue;
    if (!wordOfName(text, m.index, m[0])) continue;
    // Values under a secret-named key or section: not under `tokens:` (counts) or `auth:` (a method and its settings).
    const section = /^(?:token|auth|pw|seed|codes|psk)/i.test(m[0]) ? undefined : walked;
    if (last === 93) {
      if (section) tomlSection(text, m.index, after, hits, section);
      continue;
    }
    const end = assignedValue(text, m.index, after, hits, { netrc, table: last === 124, colon: last === 58, section });
    SECRET_NAME_END.lastIndex = Math.max(SECRET_NAME_END.lastIndex, end);
  }
}

interface AssignedOptions {
  /** `password VALUE` in a .netrc: no YAML block after it. */
  readonly netrc?: boolean;
  /** A table's `name | value`: what tables say about a secret stays. */
  readonly table?: boolean;
  /** Only a generated-looking value (a digit among letters, or both cases): names that are often no secret's (`HMAC_KEY`, `cache_key`). */
  readonly generated?: boolean;
  /** A YAML key's `:`: its value may stand on the line below. */
  readonly colon?: boolean;
  /** The name is a secret's section's (`secrets:`, `credentials:`): a mapping or list below it is read too, as far as the text's walks have not. */
  readonly section?: SectionWalk;
}

/** The value after a secret's name and separator (`after`), judged and reported; returns where it ends. */
export function assignedValue(text: string, nameAt: number, after: number, hits: LeakHit[], options: AssignedOptions): number {
  const { netrc = false } = options;
  let i = after;
  // Quotes escaped once per level of JSON inside JSON strings, however deep (the rules stop at ten levels; this fails those closed).
  // And markdown's bold and code around a label's value: `**Password:** \`…\``.
  while (i < text.length && i - after < 65536 && ' \t"\'\\*`'.includes(text[i]!)) i++;
  // A quote written as a character reference (`password=&quot;…&quot;`, HTML-escaped text) or a curly one (`api_key: “…”`,
  // its UTF-8 bytes as the scan reads them, or the character itself): the value ends at the `&` or the closing quote's bytes.
  const quote = QUOTE_WRITTEN.exec(text.slice(i, i + 8));
  if (quote) i += quote[0].length;
  if (!netrc && (text[i] === '|' || text[i] === '>')) {
    const header = BLOCK_HEADER.exec(text.slice(i, i + 32));
    if (header) i += header[0].length;
  }
  // A string prefix or brackets before the literal: `b'…'`, `r"…"`, C#'s `@"…"`, bash's `$'…'`, C++'s `R"(…)"`, `["…"]`, `("…")`, `vec!["…"]`.
  // Not `{`: an object's first key (`"auth": {"token": …}`) is read by its own match.
  // A secret section's JSON object (JSONC's too: comments and trailing commas): its members' values.
  if (text[i] === '{' && options.colon && options.section) {
    // The whole key names a secret (`credentials`, `db_secrets`; not `node_modules/minipass`).
    let k = nameAt;
    while (k > 0 && nameAt - k < 64 && isTokenChar(text.charCodeAt(k - 1))) k--;
    let e = nameAt;
    while (e < i && isTokenChar(text.charCodeAt(e))) e++;
    if (secretName(text.slice(k, e))) jsonSection(text, i, hits, options.section);
    return i + 1;
  }
  const opener = OPENER.exec(text.slice(i, i + 16));
  if (opener) i += opener[0].length;
  if (options.colon) {
    const below = lineBreakEnd(text, i);
    if (below >= 0) return belowKey(text, nameAt, below, hits, options);
  }
  const end = valueEnd(text, i);
  const value = text.slice(i, end);
  // What the rules' tables keep beside a secret's name: a type, a regex, a UUID, a lowercase path or cache key.
  if (options.table && TABLE_DESCRIPTION.test(value)) return end;
  if (looksSecret(value) && isCode(value, text.charCodeAt(end))) {
    // `process.env.DB_PASSWORD || "…"`: the code is no secret, its fallback may be.
    const fallback = FALLBACK.exec(text.slice(end, end + 480));
    if (fallback && looksSecret(fallback[1]!) && (!options.generated || generated(fallback[1]!))) {
      const at = end + fallback[0].length - fallback[1]!.length - (fallback[0].endsWith('\\"') || fallback[0].endsWith("\\'") ? 2 : 1);
      hits.push(hit('secret_assignment', fallback[1]!, at, at + fallback[1]!.length));
    }
    return end;
  }
  if (!looksSecret(value) || (options.generated && !generated(value)) || selfAssigned(text, nameAt, i, value)) return end;
  hits.push(hit(netrc ? 'netrc_password' : 'secret_assignment', value, i, end));
  return end;
}

/** What ends a match that is a name's separator (the rest are a line's end: a flag alone on its line). */
const SEPARATOR_END = /(?:[:=>|\],\]]|\uff1a|\uff1d|\x9a|\x9d|[ \t])$/;

/**
 * A YAML key's value on the line below it (`password:` then `  …`, a plain scalar wrapped there),
 * or, under a secret's section (`secrets:` then `  stripe: …`, `api_keys:` then `  - …`), the
 * mapping or list below it: the lines indented deeper than the key.
 */
function belowKey(text: string, nameAt: number, next: number, hits: LeakHit[], options: AssignedOptions): number {
  const keyIndent = indentAt(text, lineStartBefore(text, nameAt));
  const indent = indentAt(text, next);
  const at = next + indent;
  if (text[at] === '#') return at;
  if (indent <= keyIndent) {
    // Not YAML's: a label's value on the line below it.
    labelBelow(text, nameAt, next, hits);
    return at;
  }
  // The section's lines are read for their values; the main expression still reads the secret-named keys among them.
  if (MAPPING_LINE.test(text.slice(at, at + 80))) {
    if (options.section) sectionLines(text, next, keyIndent, false, hits, options.section);
    return at;
  }
  return assignedValue(text, nameAt, at, hits, { ...options, colon: false });
}

/** A list item or a `name:` below a key: a mapping or a list, no scalar. */
const MAPPING_LINE = /^(?:-[ \t]|\\*["']?[\w.@-]{1,64}\\*["']?[ \t]*:(?:[ \t]|\\n|\r?\n|$))/;

/**
 * Whether the secret word matched at `at` stands as a word of its name: `pw` after a separator or
 * as a camelCase word (`DB_PW`, `dbPw`; not `npw`), and a numbered word in a qualified name
 * (`DB_PASSWORD_2`, `authToken3`; `token1`, `password2` alone are a form's or a list's fields).
 */
function wordOfName(text: string, at: number, word: string): boolean {
  const before = at > 0 ? text.charCodeAt(at - 1) : 32;
  if (/^pw(?!d)/i.test(word) && isAlnum(before) && !(word.charCodeAt(0) === 80 && ((before >= 97 && before <= 122) || (before >= 48 && before <= 57)))) return false;
  // Two-word names (`API_KEY2`, `secret_key2`) are qualified already.
  if (/\d/.test(word) && !/^(?:api|access|secret[-_ ]?key|priv)/i.test(word) && !isTokenChar(before)) return false;
  return true;
}

/**
 * The name holding `at` stands alone in a table's cell: only spaces, a backtick and a `|` or a line's start before it.
 * And it is one the rules' tables read: no `auth` (`OAuth`, `BasicAuth`: a provider, a method), no `tokens` (a count),
 * no name of several words (`api key`), and `pass`, `pwd`, `key`, `credentials` as a word of their own (not `bypass`);
 * `token`, `secret`, `password` end any name.
 */
function tableCellName(text: string, at: number, word: string): boolean {
  if (/^(?:auth|tokens\b)/i.test(word)) return false;
  // A name of words (`api key |`, `password value |`): the rules' tables read one-word names only.
  if (/[ \t]/.test(word.replace(/[\s"'\\*`]*\|$/, ''))) return false;
  let i = at;
  while (i > 0 && at - i < 64 && /[\w.-]/.test(text[i - 1]!)) i--;
  if (i < at && !/^(?:passw|token|secret)/i.test(word)) {
    const before = text[at - 1]!;
    if (!/[_.-]/.test(before) && !(/[a-z0-9]/.test(before) && /[A-Z]/.test(text[at]!))) return false;
  }
  // JSON's escaped line break (`\npassword |`): the walk above took its `n`.
  if (text[i - 1] === '\\' && text[i] === 'n') return true;
  while (i > 0 && (text[i - 1] === ' ' || text[i - 1] === '\t' || text[i - 1] === '`')) i--;
  if (text[i - 1] === 'n' && text[i - 2] === '\\') return true;
  // A line's start, a cell's `|`, or a JSON string's opening quote.
  return i === 0 || text[i - 1] === '|' || text[i - 1] === '\n' || text[i - 1] === '"';
}

/** `exports.AuthenticationMD5Password = AuthenticationMD5Password;`: the name's last part, assigned to itself. */
function selfAssigned(text: string, nameAt: number, valueAt: number, value: string): boolean {
  const head = text.slice(Math.max(0, nameAt - value.length), valueAt).replace(/[\s"'\\:=>]+$/, '');
  return head.endsWith(value) && !/[\w$]/.test(head[head.length - value.length - 1] ?? '');
}

/** A literal after `||`, `??` or `or` on a line of code that read a secret name: its fallback value. */
const FALLBACK = /^[^\n]{0,200}?(?:\|\||\?\?|\sor)\s*\\?["'`]([^"'`\\\s]{8,256})\\?["'`]/;
