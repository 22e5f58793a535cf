/**
 * The leak scan's detector: a second, independent look at the serialised output for anything
 * that still looks like a credential. It shares no code and no pattern with the redaction rules,
 * so a mistake in one is not repeated in the other. It looks for: vendor token prefixes followed
 * by a random-looking body, PEM private-key headers, random-looking values assigned to names
 * that end in a secret word (`=`, `:`, `=>`, a YAML block's next line, a .netrc `password`),
 * passwords and tokens in URLs, passwords on curl, mysql, sshpass and registry-login command lines,
 * secrets given as command arguments, random values beside a `name`/`key` naming a secret,
 * Bearer and Basic credentials, and `.pgpass` lines; and, since the rules took them, key names
 * (`HMAC_KEY`), values below a YAML key or under a secret's section, a flag's next element in an
 * argument list, prefixed and bracketed literals, environment fallbacks, full-width separators and
 * names in other languages, C macros and Go MySQL DSNs; and SQL rows (`INSERT … VALUES`, a key/value
 * `UPDATE`), CSV/TSV columns under a secret's header, `DEFAULT` literals, `ENV`/`SetEnv`/`setenv` lines,
 * setters and credential calls, login commands' arguments, markup, Terraform defaults and JSON(C)
 * objects under a secret's section. Hits carry a fingerprint, never the value.
 */
import { createHash } from 'node:crypto';

export interface LeakHit {
  readonly detector: string;
  /** First 16 hex of sha256(detector + ':' + value): stable, shareable, and not reversible. */
  readonly fingerprint: string;
  readonly start: number;
  readonly end: number;
}

export interface LeakDetectorOptions {
  /** Fingerprints of reviewed false positives (`--allow-scan-hit`, `export.allow_scan_hits`). */
  readonly allow?: readonly string[];
}

export interface LeakDetector {
  /** Hits in `text` not allowed by fingerprint, in order of position. */
  scan(text: string): LeakHit[];
  /** No hit, with the context it was judged on, spans more than this many characters. */
  readonly reach: number;
  /** What it was made with: enough to make the same detector in a worker thread. */
  readonly options: LeakDetectorOptions;
}

const MAX_RUN = 2048;
const REACH = 4096;

export function fingerprint(detector: string, value: string): string {
  return createHash('sha256').update(`${detector}:${value}`).digest('hex').slice(0, 16);
}

const tally = new Uint32Array(128);
/** Characters an entropy or class check looks at: enough to judge, bounded so a crafted run costs little. */
const SAMPLE = 256;

/** Bits per character of (the first SAMPLE characters of) `s`: random credentials score 4 and more, words and counters much less. */
function entropy(s: string): number {
  const n = Math.min(s.length, SAMPLE);
  tally.fill(0);
  for (let i = 0; i < n; i++) tally[s.charCodeAt(i) & 127]!++;
  let bits = 0;
  for (let c = 0; c < 128; c++) {
    if (tally[c] === 0) continue;
    const p = tally[c]! / n;
    bits -= p * Math.log2(p);
  }
  return bits;
}

function classes(s: string): number {
  const head = s.slice(0, SAMPLE);
  return (/[a-z]/.test(head) ? 1 : 0) + (/[A-Z]/.test(head) ? 1 : 0) + (/[0-9]/.test(head) ? 1 : 0);
}

function isTokenChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 45 || code === 46;
}

function isValueChar(code: number): boolean {
  // Besides base64 and URL-safe characters, the punctuation generated passwords use: ! # % ^ *
  return isTokenChar(code) || code === 43 || code === 47 || code === 61 || code === 126 || code === 33 || code === 35 || code === 37 || code === 94 || code === 42;
}

/** End of the value starting at `from`: a run of value characters, at most MAX_RUN long. */
function valueEnd(text: string, from: number): number {
  let end = from;
  while (end < text.length && end - from < MAX_RUN && isValueChar(text.charCodeAt(end))) end++;
  return end;
}

/** Random enough to be a credential: long, mixed, and high in entropy. */
function looksSecret(value: string, minLength = 16, minBits = 3.5): boolean {
  return value.length >= minLength && classes(value) >= 2 && entropy(value) >= minBits;
}

function isAlnum(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** Random, as generated keys are: a digit among letters, or at least three of each case. */
function generated(body: string): boolean {
  const digits = /[0-9]/.test(body);
  const letters = (body.match(/[A-Za-z]/g) ?? []).length;
  return (digits && letters > 0) || ((body.match(/[A-Z]/g) ?? []).length >= 3 && (body.match(/[a-z]/g) ?? []).length >= 3);
}
const only = (chars: RegExp, min: number, max = Infinity, random = true) => (body: string): boolean =>
  chars.test(body) && body.length >= min && body.length <= max && (!random || generated(body));
const PLAIN = /^[A-Za-z0-9]+$/;
const TAILSCALE = /^(?:api|auth|client|scim|webhook)-[A-Za-z0-9]{4,40}-([A-Za-z0-9]{16,})$/;
const URL_SAFE = /^[A-Za-z0-9_-]+$/;
const WORD = /^\w+$/;
const DOTTED = /^[\w.-]+$/;
const HEX = /^[0-9a-f]+$/;
const HEX_ANY_CASE = /^[0-9a-fA-F]+$/;

/**
 * Vendor prefixes, the shortest body that makes a token, and what else the body must be: the
 * characters its vendor uses, its length when fixed, random-looking where the rules ask it (a
 * hit the rules would not redact fails the export, so none may be looser than its rule);
 * longest prefix first.
 */
const PREFIX_BODY: ReadonlyArray<readonly [string, number, ((body: string) => boolean)?]> = [
  ['pscale_tkn_', 32, only(URL_SAFE, 32)], ['pscale_pw_', 32, only(URL_SAFE, 32)], ['pscale_oauth_', 32, only(URL_SAFE, 32)], ['rubygems_', 48, only(HEX, 48, 48, false)],
  ['tgp_v1_', 40, only(URL_SAFE, 40)], ['CCIPAT_', 40, only(WORD, 40)], ['CFPAT-', 40, only(URL_SAFE, 40)], ['dt0c01.', 89, only(/^[A-Z0-9]{24}\.[A-Z0-9]{64}$/, 89, 89, false)],
  ['NRAK-', 27, only(/^[A-Z0-9]+$/, 27, 27, false)], ['bkua_', 40, only(/^[a-z0-9]+$/, 40, 40, false)], ['squ_', 40, only(HEX, 40, 40, false)], ['sqp_', 40, only(HEX, 40, 40, false)], ['sqa_', 40, only(HEX, 40, 40, false)],
  ['csk-', 40, only(PLAIN, 40)], ['nfp_', 36, only(PLAIN, 36)], ['pnu_', 36, only(PLAIN, 36)], ['ATBB', 28, only(/^[\w=-]+$/, 28)], ['AKCp', 60, only(PLAIN, 60)],
  ['github_pat_', 30], ['sk-or-v1-', 64, only(HEX, 64, 64, false)], ['sk-lf-', 36, only(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 36, 36, false)], ['sk-ant-', 30], ['sk_live_', 16], ['sk_test_', 16], ['rk_live_', 16], ['rk_test_', 16],
  ['pypi-Ag', 50], ['whsec_', 20], ['glpat-', 20], ['gldt-', 20], ['glrt-', 20], ['glptt-', 20],
  ['xoxb-', 12], ['xoxp-', 12], ['xoxa-', 12], ['xoxr-', 12], ['xoxs-', 12], ['xoxe-', 12], ['xapp-', 12],
  ['ghp_', 30], ['gho_', 30], ['ghu_', 30], ['ghs_', 30], ['ghr_', 30], ['npm_', 30, only(PLAIN, 36, 40)], ['hf_', 30, only(PLAIN, 30)],
  ['sk-', 20, (b) => only(URL_SAFE, 20)(b) && /[A-Z]/.test(b) && /[a-z]/.test(b)], ['SG.', 57, only(/^[\w-]{16,32}\.[\w-]{40,50}$/, 57)], ['AKIA', 16, only(/^[A-Z0-9]+$/, 16, 16, false)], ['ASIA', 16, only(/^[A-Z0-9]+$/, 16, 16, false)],
  ['AIza', 30], ['eyJ', 30],
  ['AGE-SECRET-KEY-1', 58, only(/^[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]+$/, 58, 58, false)], ['sb_secret_', 20, only(URL_SAFE, 20)],
  ['lsv2_pt_', 30, only(WORD, 30)], ['lsv2_sk_', 30, only(WORD, 30)], ['lin_api_', 32, only(PLAIN, 32)],
  ['pat-na1-', 36, only(/^[0-9a-f-]+$/, 36, 36, false)], ['pat-eu1-', 36, only(/^[0-9a-f-]+$/, 36, 36, false)],
  ['dop_v1_', 64, only(HEX, 64, 64, false)], ['doo_v1_', 64, only(HEX, 64, 64, false)], ['dor_v1_', 64, only(HEX, 64, 64, false)],
  ['sq0atp-', 22, only(URL_SAFE, 22)], ['sq0csp-', 40, only(URL_SAFE, 40)], ['sntrys_', 50], ['sntryu_', 64, only(HEX, 64, 64, false)],
  ['ops_eyJ', 50, only(DOTTED, 50)], ['shpat_', 32, only(HEX_ANY_CASE, 32, 32, false)], ['shpca_', 32, only(HEX_ANY_CASE, 32, 32, false)],
  ['shppa_', 32, only(HEX_ANY_CASE, 32, 32, false)], ['shpss_', 32, only(HEX_ANY_CASE, 32, 32, false)],
  ['dp.pt.', 40, only(PLAIN, 40)], ['dp.st.', 40, only(PLAIN, 40)], ['dp.sa.', 40, only(PLAIN, 40)],
  ['HRKU-', 40, only(URL_SAFE, 40)], ['PMAK-', 59, only(/^[0-9a-f]{24}-[0-9a-f]{34}$/, 59, 59, false)], ['pplx-', 40, only(PLAIN, 40)],
  ['tvly-', 24, only(URL_SAFE, 24)], ['pcsk_', 40, only(WORD, 40)], ['glsa_', 32, only(WORD, 32)], ['figd_', 40, only(URL_SAFE, 40)],
  ['ya29.', 30, only(DOTTED, 30)], ['ATATT', 100, only(/^[\w=-]+$/, 100)],
  ['gsk_', 40, only(PLAIN, 40)], ['xai-', 60, only(PLAIN, 60)], ['ntn_', 40, only(PLAIN, 40)], ['r8_', 30, only(PLAIN, 30)],
  ['fw_', 20, (b) => only(PLAIN, 20)(b) && /[0-9]/.test(b)], ['fc-', 32, only(HEX, 32, 32, false)], ['sk_', 48, only(HEX, 48, 48, false)],
  ['pul-', 40, only(HEX, 40, 40, false)], ['sbp_', 40, only(HEX, 40, Infinity, false)], ['dapi', 32, only(/^[0-9a-f]{32}(?:-\d)?$/, 32, 34, false)],
  ['glc_', 32], ['fo1_', 40, only(URL_SAFE, 40)], ['fm1a_', 50], ['fm1r_', 50], ['fm2_', 50], ['sk.eyJ', 60, only(DOTTED, 60)],
  ['1//0', 30, only(URL_SAFE, 30)], ['dckr_pat_', 20, only(URL_SAFE, 20)], ['nvapi-', 40, only(URL_SAFE, 40)], ['e2b_', 40, only(HEX, 40, 40, false)],
  ['phx_', 30, only(PLAIN, 30)], ['hvs.', 24, only(URL_SAFE, 24)], ['hvb.', 24, only(URL_SAFE, 24)],
  ['GOCSPX-', 24, only(URL_SAFE, 24)], ['key-', 32, only(HEX, 32, 32, false)], ['re_', 33, only(/^[A-Za-z0-9]{8}_[A-Za-z0-9]{24}$/, 33, 33)],
  ['xkeysib-', 81, only(/^[0-9a-f]{64}-[A-Za-z0-9]{16}$/, 81, 81, false)], ['shippo_live_', 40, only(HEX, 40, 40, false)], ['shippo_test_', 40, only(HEX, 40, 40, false)],
  ['pat', 79, only(/^[A-Za-z0-9]{14}\.[0-9a-f]{64}$/, 79, 79, false)],
  // Cloudflare's scannable tokens: 40 characters and a checksum; Tailscale's tskey-<type>-<id>-<secret>, its secret generated.
  ['cfk_', 40, only(PLAIN, 40)], ['cfut_', 40, only(PLAIN, 40)], ['cfat_', 40, only(PLAIN, 40)],
  ['tskey-', 30, (b) => { const m = TAILSCALE.exec(b); return m !== null && generated(m[1]!) && entropy(m[1]!) >= 3; }],
];
/**
 * Candidates start where the text is rare: a separator followed by ten random-looking characters
 * (the body after `sk-`, `ghp_`, `SG.`…), an `A` opening an AWS, Google, Bitbucket or JFrog key, the `yJ` of a
 * JWT, Databricks' `dapi`, Google's `1//0` and the `:AA` inside a Telegram bot token. Letter-led vendor prefixes would make the engine stop at most letters of ordinary text.
 */
const CANDIDATE = /[-_.](?=[A-Za-z0-9+/]{10})|A(?:KIA|SIA|Iza|TBB|KCp|TATT)|yJ|dapi|1\/\/0|:(?=AA[A-Za-z0-9_-]{33})/g;
const RUN_BACK = 256;

/** True right after `\n` `\t` `\r` `\b` `\f`, `\uXXXX` or `%XX`: text that stands for a separator. */
function afterEscape(text: string, p: number): boolean {
  if (text.charCodeAt(p - 2) === 92 && 'ntrbf'.includes(text[p - 1]!)) return true;
  if (afterCsi(text, p)) return true;
  return (p >= 3 && text.charCodeAt(p - 3) === 37 && /^[0-9A-Fa-f]{2}$/.test(text.slice(p - 2, p))) || (p >= 6 && /^\\u[0-9A-Fa-f]{4}$/.test(text.slice(p - 6, p)));
}

/**
 * True right after a terminal colour code (`ESC[32m`, `ESC[K`; in JSON `\u001b[32m`): tool output
 * captured with colours puts one before a token, and its final letter would glue to it.
 */
function afterCsi(text: string, p: number): boolean {
  const c = text.charCodeAt(p - 1);
  if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return false;
  let i = p - 2;
  while (i >= 0 && p - i < 24 && ((text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) || text.charCodeAt(i) === 59)) i--;
  if (text.charCodeAt(i) !== 91) return false;
  return text.charCodeAt(i - 1) === 27 || (i >= 6 && text.startsWith('\\u001b', i - 6)) || (i >= 6 && text.startsWith('\\u001B', i - 6));
}

function vendorTokens(text: string, hits: LeakHit[]): void {
  CANDIDATE.lastIndex = 0;
  for (let m = CANDIDATE.exec(text); m; m = CANDIDATE.exec(text)) {
    if (m[0] === ':') {
      telegramToken(text, m.index, hits);
      continue;
    }
    let from = m.index;
    while (from > 0 && m.index - from < RUN_BACK && isTokenChar(text.charCodeAt(from - 1))) from--;
    let end = m.index;
    while (end < text.length && end - from < MAX_RUN && (isTokenChar(text.charCodeAt(end)) || text.charCodeAt(end) === 43 || text.charCodeAt(end) === 47)) end++;
    // A token starts where its run does, right after a separator inside it (`api_key_sk-…`), or
    // right after an escape whose last character is a letter or digit (`\nghp_…`, `%20ghp_…`).
    for (let p = from; p <= m.index; p++) {
      if (p > from && isAlnum(text.charCodeAt(p - 1)) && !afterEscape(text, p)) continue;
      const found = tokenAt(text, p, end);
      if (found) {
        hits.push(found);
        break;
      }
    }
    CANDIDATE.lastIndex = Math.max(m.index + 1, end);
  }
}

const TERRAFORM = /^[A-Za-z0-9]{14}\.atlasv1\.[\w=-]{60,70}(?![\w=])/;

/** PREFIX_BODY by its prefixes' first character, in its order: a candidate is tried against a few prefixes, not all. */
const BY_FIRST = new Map<number, (typeof PREFIX_BODY)[number][]>();
for (const entry of PREFIX_BODY) {
  const code = entry[0].charCodeAt(0);
  BY_FIRST.set(code, [...(BY_FIRST.get(code) ?? []), entry]);
}

/** A Discord bot token: base64 of a 17–20 digit id, a dot, six characters, a dot, 27–38 characters. */
const DISCORD_BOT = /^([A-Za-z0-9_-]{23,27})\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38}$/;

/** In decoded JSON: a secret-named key and a string value. */
const DECODED_SECRET = /"(?:password|passwd|auth|token|access_token|refresh_token|secret|client_secret|api_?key|private_key|credentials?)"\s*:\s*"([^"\\]{8,})"/gi;

/** Base64 of JSON (`eyJ…`, not a JWT) holding a random-looking value under a secret-named key: `.dockerconfigjson`. */
function encodedJson(text: string, start: number, runEnd: number): LeakHit | null {
  const encoded = text.slice(start, runEnd);
  if (encoded.length < 32 || encoded.length > 1024 * 1024) return null;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  DECODED_SECRET.lastIndex = 0;
  for (let m = DECODED_SECRET.exec(decoded); m; m = DECODED_SECRET.exec(decoded)) {
    if (looksSecret(m[1]!, 10, 3)) return hit('encoded_secret', encoded, start, runEnd);
  }
  return null;
}

function tokenAt(text: string, start: number, runEnd: number): LeakHit | null {
  // Airtable's `pat` has its `.` 17 characters in: other runs starting `pat` (a Terraform id) go on to the checks below.
  const entry = BY_FIRST.get(text.charCodeAt(start))?.find(([p]) => text.startsWith(p, start) && (p !== 'pat' || text.charCodeAt(start + 17) === 46));
  // `cache-key-<md5>`: a `key-` inside a hyphenated name is no Mailgun key; a `fw_` inside a
  // base64 digest (pip's RECORD: `sha256=qaN-fw_…`) no Fireworks key (the rules want a boundary too).
  if ((entry?.[0] === 'key-' || entry?.[0] === 'fw_') && start > 0 && /[\w-]/.test(text[start - 1]!)) return null;
  if (!entry) {
    // Terraform Cloud: 14 characters, `.atlasv1.`, 60 to 70 more.
    if (text.charCodeAt(start + 14) === 46 && text.startsWith('atlasv1.', start + 15)) {
      const token = TERRAFORM.exec(text.slice(start, runEnd));
      return token && entropy(token[0]) >= 3 ? hit('vendor_token', token[0], start, start + token[0].length) : null;
    }
    // Cheap first: a Discord token is 58–73 characters and starts M, N or O.
    const first = text.charCodeAt(start);
    if (runEnd - start < 58 || runEnd - start > 73 || first < 77 || first > 79) return null;
    const run = text.slice(start, runEnd);
    const bot = DISCORD_BOT.exec(run);
    return bot && /^\d{17,20}$/.test(Buffer.from(bot[1]!, 'base64url').toString('latin1')) && entropy(run) >= 3 ? hit('vendor_token', run, start, runEnd) : null;
  }
  // A token ends where its run does, but for punctuation after it (a sentence's full stop); a
  // URL-safe body may itself end in - or _ (glpat-…-), so the run is tried with those kept first.
  const run = text.slice(start + entry[0].length, runEnd).replace(/[.+/]+$/, '');
  const bodies = /[-_]$/.test(run) ? [run, run.replace(/[-_]+$/, '')] : [run];
  const body = bodies.find((b) => vendorBody(entry, b));
  if (body === undefined) return null;
  if (entry[0] === 'eyJ' && !/^[^.]+\.eyJ[^.]+/.test(body.slice(0, SAMPLE * 8))) return encodedJson(text, start, runEnd);
  return hit('vendor_token', text.slice(start, start + entry[0].length + body.length), start, runEnd);
}

/**
 * Whether `body` is the body of a token with this prefix: long enough, random enough, and what
 * the vendor's own check says. An AWS key ID's body (16 of A–Z and 2–7 in practice) may have no
 * digit: one character class is enough after AKIA or ASIA, where the length is exact.
 */
function vendorBody(entry: (typeof PREFIX_BODY)[number], body: string): boolean {
  const oneClass = entry[0] === 'AKIA' || entry[0] === 'ASIA';
  return body.length >= entry[1] && (oneClass || classes(body) >= 2) && entropy(body) >= 3 && (!entry[2] || entry[2](body));
}

/** `<bot id>:AA<33 characters>`, found from its colon: 8 to 11 digits before it, nothing word-like before them. */
function telegramToken(text: string, colon: number, hits: LeakHit[]): void {
  let from = colon;
  while (from > 0 && colon - from < 12 && text.charCodeAt(from - 1) >= 48 && text.charCodeAt(from - 1) <= 57) from--;
  const botPath = from >= 4 && text.startsWith('/bot', from - 4);
  if (colon - from < 8 || colon - from > 11 || (from > 0 && !botPath && isTokenChar(text.charCodeAt(from - 1)))) return;
  let end = colon + 1;
  while (end < text.length && end - colon < 64 && (isAlnum(text.charCodeAt(end)) || text.charCodeAt(end) === 95 || text.charCodeAt(end) === 45)) end++;
  const body = text.slice(colon + 3, end);
  if (body.length >= 33 && classes(body) >= 2 && entropy(body) >= 3) hits.push(hit('vendor_token', text.slice(from, end), from, end));
}

const DISCORD_API = /discord(?:app)?\.com\/api(?:\/v\d{1,2})?$/i;

/** `discord.com/api/webhooks/<id>/<token>`: the token, found from `/webhooks/`. */
function discordWebhooks(text: string, hits: LeakHit[]): void {
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

/**
 * The next `word` in `text` at or after `from`, found by `piece`, its part at `offset`: V8's indexOf
 * is several times slower for needles of seven characters or more, and for needles led by a
 * common letter, than for a short one led by a rare character (`-stdin` for `--password-stdin`).
 */
function nextWord(text: string, word: string, piece: string, offset: number, from: number): number {
  for (let i = text.indexOf(piece, from + offset); i >= 0; i = text.indexOf(piece, i + 1)) {
    if (i >= offset && text.startsWith(word, i - offset)) return i - offset;
  }
  return -1;
}

/** Teams' `/IncomingWebhook/<32 hex>/<uuid>`: the secret pair, found from `Incomi`. */
function teamsWebhooks(text: string, hits: LeakHit[]): void {
  for (let i = nextWord(text, '/IncomingWebhook', 'Incomi', 1, 0); i >= 0; i = nextWord(text, '/IncomingWebhook', 'Incomi', 1, i + 17)) {
    // `IncomingWebhook\/…` in JSON text: the secret starts one character later.
    if (text.startsWith('\\/', i + 16)) i++;
    else if (text[i + 16] !== '/') continue;
    const secret = /^[0-9a-fA-F]{32}\\?\/[0-9a-fA-F-]{36}/.exec(text.slice(i + 17, i + 88));
    if (secret) hits.push(hit('vendor_token', secret[0], i + 17, i + 17 + secret[0].length));
  }
}

/** A PuTTY key file's `Private-Lines: N` and the base64 line after it (the key in the clear, or encrypted). */
function puttyKeys(text: string, hits: LeakHit[]): void {
  for (let i = nextWord(text, 'Private-Lines:', '-Lines', 7, 0); i >= 0; i = nextWord(text, 'Private-Lines:', '-Lines', 7, i + 14)) {
    const key = /^Private-Lines:[ \t]*\d+(?:\s|\\r|\\n)*([A-Za-z0-9+/=]{16,})/.exec(text.slice(i, i + 160));
    if (key) hits.push(hit('private_key_block', key[1]!, i + key[0].length - key[1]!.length, i + key[0].length));
  }
}

/** A YAML `data:`/`stringData:` map and its deeper-indented lines; a JSON `"data": {…}` object. */
const SECRET_DATA_YAML = /(?:^|\n|\\n)([ \t]*)(?:data|stringData):[ \t]*(?:#[^\n\\]*)?(?:\r?\n|\\r\\n|\\n)((?:\1[ \t]+(?:[^\n\\]|\\[^n])*(?:\r?\n|\\r\\n|\\n)?)+)/g;
const SECRET_DATA_JSON = /\\*["'](?:data|stringData)\\*["']\s*:\s*\{([^{}]{0,65536})\}/g;
/** A map value after `key: ` or `"key": "`: never inside a placeholder (`[REDACTED:rule:1a2b…]` holds colons). */
const MAP_VALUE = /:(?:[ \t]+\\*["']?|[ \t]*\\*["'])([A-Za-z0-9+/=_.@-]{16,})/g;
const SECRET_KIND = /kind\\*["']?[ \t]*:[ \t]*\\*["']?$/;

/** A Kubernetes Secret (`kind: Secret`, `"kind": "Secret"`): random-looking values under its `data:` or `stringData:`, whatever their keys. */
function kubernetesSecrets(text: string, hits: LeakHit[]): void {
  // Windows never overlap: a run of Secrets reads each stretch of text once.
  let read = 0;
  for (let i = text.indexOf('Secret'); i >= 0; i = text.indexOf('Secret', i + 6)) {
    const kind = SECRET_KIND.exec(text.slice(Math.max(0, i - 16), i));
    if (!kind || /[A-Za-z]/.test(text[i + 6] ?? '')) continue;
    // YAML unless the key is quoted: `kind: Secret`, `kind: "Secret"`; JSON and Python: `"kind": "Secret"`.
    const yaml = !/^kind\\*["']/.test(kind[0]);
    // The Secret's own YAML document: between `---` lines (a ConfigMap beside it is no secret).
    let from = Math.max(0, i - 8192, read);
    let to = Math.min(text.length, i + 8192);
    if (yaml) {
      // Searched within the window only: an unbounded search per needle would be quadratic.
      // `---` after a newline, raw or JSON-escaped.
      const head = text.slice(from, i);
      const before = Math.max(head.lastIndexOf('\n---'), head.lastIndexOf('\\n---'));
      const tail = text.slice(i, to);
      const afters = [tail.indexOf('\n---'), tail.indexOf('\\n---')].filter((x) => x >= 0);
      if (before >= 0) from += before + 4;
      if (afters.length > 0) to = i + Math.min(...afters);
    }
    if (to <= from) continue;
    read = to;
    const window = text.slice(from, to);
    const maps = yaml ? SECRET_DATA_YAML : SECRET_DATA_JSON;
    maps.lastIndex = 0;
    for (let m = maps.exec(window); m; m = maps.exec(window)) {
      const body = yaml ? m[2]! : m[1]!;
      const bodyAt = from + m.index + m[0].length - body.length - (yaml ? 0 : 1);
      MAP_VALUE.lastIndex = 0;
      for (let v = MAP_VALUE.exec(body); v; v = MAP_VALUE.exec(body)) {
        if (!looksSecret(v[1]!) || isPlaceholder(v[1]!)) continue;
        const at = bodyAt + v.index + v[0].length - v[1]!.length;
        hits.push(hit('secret_assignment', v[1]!, at, at + v[1]!.length));
      }
    }
  }
}

/** A PEM private key encoded in base64 whole (`LS0tLS1CRUdJTi` is `-----BEGIN `): kubeconfig's `client-key-data`, a Secret's `tls.key`. */
function encodedPem(text: string, hits: LeakHit[]): void {
  for (let i = nextWord(text, 'LS0tLS1CRUdJTi', 'LS0tLS', 0, 0); i >= 0; i = nextWord(text, 'LS0tLS1CRUdJTi', 'LS0tLS', 0, i + 14)) {
    const head = Buffer.from(text.slice(i, i + 64), 'base64').toString('latin1');
    if (!/^-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(head)) continue;
    let end = i;
    while (end < text.length && end - i < MAX_RUN * 64 && /[A-Za-z0-9+/=]/.test(text[end]!)) end++;
    hits.push(hit('private_key_block', text.slice(i, Math.min(end, i + 200)), i, end));
    i = end;
  }
}

/** A JSON Web Key's private exponent or key (`"d"`, `"k"`), in the object around its `"kty"`: found from `kty`. */
const JWK_SECRET = /\\*["'](?:d|k)\\*["']\s*:\s*\\*["']([A-Za-z0-9_-]{32,})/;

function jwkKeys(text: string, hits: LeakHit[]): void {
  let read = 0;
  for (let i = text.indexOf('kty'); i >= 0; i = text.indexOf('kty', i + 3)) {
    const after = text.charCodeAt(i + 3);
    if (after !== 34 && after !== 39 && after !== 92) continue;
    // The object around it, braces of nested objects counted, within 16 KiB each way.
    let close = -1;
    for (let j = i, depth = 0; j < text.length && j - i < 16384; j++) {
      const c = text.charCodeAt(j);
      if (c === 123) depth++;
      else if (c === 125 && depth-- === 0) {
        close = j;
        break;
      }
    }
    if (close < 0) {
      read = i;
      i += 16384;
      continue;
    }
    // Its `{`: back from `kty`, nested objects skipped, no further than the last object read.
    let open = -1;
    for (let j = i - 1, depth = 0; j >= Math.max(read, i - 16384); j--) {
      const c = text.charCodeAt(j);
      if (c === 125) depth++;
      else if (c === 123 && depth-- === 0) {
        open = j;
        break;
      }
    }
    read = close;
    const key = open < 0 ? null : JWK_SECRET.exec(text.slice(open, close));
    if (key && looksSecret(key[1]!)) {
      const at = open + key.index + key[0].length - key[1]!.length;
      hits.push(hit('private_key_block', key[1]!, at, at + key[1]!.length));
    }
    // The object is read: its other `kty`s find the same.
    i = close;
  }
}

const PEM_LABEL = /^[A-Z0-9 ]*$/;

function privateKeyHeaders(text: string, hits: LeakHit[]): void {
  for (let i = nextWord(text, 'PRIVATE KEY', 'PRIVAT', 0, 0); i >= 0; i = nextWord(text, 'PRIVATE KEY', 'PRIVAT', 0, i + 11)) {
    // `-----BEGIN `, a label of capitals, digits and spaces, then PRIVATE KEY: as the rule reads
    // it, so code that builds a header (`-----BEGIN ${label} PRIVATE KEY-----`) is not a key.
    const from = Math.max(0, i - 48);
    const near = text.slice(from, i).lastIndexOf('-----BEGIN ');
    if (near < 0 || !PEM_LABEL.test(text.slice(from + near + 11, i))) continue;
    const begin = from + near;
    let after = i + 11;
    if (text.startsWith(' BLOCK', after)) after += 6;
    if (!text.startsWith('-----', after)) continue;
    // The header alone is the same for every key: the first body characters tell keys apart.
    const bodyFrom = after + 5;
    const end = Math.min(text.length, bodyFrom + 72);
    hits.push(hit('private_key_block', text.slice(begin, end), begin, end));
  }
}

/**
 * A secret word ending a name, then `=`, `:`, `=>` or a table's `|`; or `password` and a space, as .netrc writes it;
 * a number after it in a qualified name (`API_KEY2`, `authToken3`, `DB_PASSWORD_2`; not `token1`); `pw` as a word
 * (`DB_PW`), a one-time-password seed (`totp_seed`, `mfaSeed`), 2FA `recovery_codes`, a pre-shared key (`psk`, `wpa_psk`);
 * or redis.conf's `requirepass` and `masterauth` and a space.
 * The name's closing quote may be escaped once per level of JSON inside JSON strings, to any depth.
 * (One expression: each pass over the whole output costs as much as the rest of the scan.)
 */
const SECRET_NAME_END = /passw(?:or)?[dt](?:s?(?:[-_]?\d{1,2})?["'\\*`]{0,2}(?:\\+")?\s{0,4}(?:=>|\?=|\((?=\\*["'])|[:=\uff1a\uff1d]|\xef\xbc[\x9a\x9d]|[ \t]\||\]|\)?\s{0,4}(?:\|\||\?\?|(?<=\s)or[ \t])|,|(?=\r?\n|\\[rn]))|[ \t])|(?:pass(?<=requirepass)|auth(?<=masterauth))[ \t]|(?:pass[-_]?phrase|pass|pwd|pw|secret|token|auth|api[-_ ]?key|apikey|access[-_ ]?key|secret[-_ ]?key|priv(?:ate)?[-_ ]?key|credentials?|senha|contrase(?:\xf1|\xc3\xb1)a|\u043f\u0430\u0440\u043e\u043b\u044c|\xd0\xbf\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb\xd1\x8c|\u5bc6[\u7801\u94a5]|\xe5\xaf\x86(?:\xe7\xa0\x81|\xe9\x92\xa5)|\u30d1\u30b9\u30ef\u30fc\u30c9|\xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf\xe3\x83\xbc\xe3\x83\x89|\ube44\ubc00\ubc88\ud638|\xeb\xb9\x84\xeb\xb0\x80\xeb\xb2\x88\xed\x98\xb8|seed(?<=(?:totp|otp|mfa|2fa)[-_]?seed)|codes(?<=recovery[-_]?codes)|psk(?<![a-z]psk))s?(?:[-_]?\d{1,2})?(?:[ \t](?:value|\[[^\]\n]{0,40}\]))?["'\\*`]{0,2}(?:\\+")?\s{0,4}(?:=>|\?=|\((?=\\*["'])|[:=\uff1a\uff1d]|\xef\xbc[\x9a\x9d]|[ \t]\||\]|\)?\s{0,4}(?:\|\||\?\?|(?<=\s)or[ \t])|,|(?=\r?\n|\\[rn]))/gi;
/** A YAML block scalar's header and the line break after it, raw or JSON-escaped: `>-\n    `. */
const BLOCK_HEADER = /^[|>][-+]?[1-9]?[ \t]*(?:\r?\n|\\r\\n|\\n)[ \t]*/;
const NETRC_REACH = 160;

function secretAssignments(text: string, hits: LeakHit[]): void {
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
      csvHeader(text, m.index, hits, tables);
      continue;
    }
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
function assignedValue(text: string, nameAt: number, after: number, hits: LeakHit[], options: AssignedOptions): number {
  const { netrc = false } = options;
  let i = after;
  // Quotes escaped once per level of JSON inside JSON strings, however deep (the rules stop at ten levels; this fails those closed).
  // And markdown's bold and code around a label's value: `**Password:** \`…\``.
  while (i < text.length && i - after < 65536 && ' \t"\'\\*`'.includes(text[i]!)) i++;
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

/** After a name's last word `key`: a number, the name's closing quotes, then `=`, `:` or `=>`. */
const KEY_TAIL = /(?:[-_]?\d{1,2})?["'\\*`]{0,2}(?:\\+")?[ \t]{0,4}(?:=>|[:=])/y;
/** Names the pass below leaves to the main expression: the rules' and its own two-word key names. */
const NAMED_KEY = /(?:api|access|secret|priv(?:ate)?)[-_]?key$/i;
/**
 * Words before `key` that make it a database's, a cache's, a UI's, a message's or a public key:
 * their values are hashes, ids and words, not secrets (the scan's own list; a hit here would fail
 * an export the rules pass, so it keeps at least every word they keep).
 */
const NOT_SECRET_KEY = new Set(('public primary foreign sort partition range cache idempotency lookup i18n translation shortcut hot row object ' +
  'unique composite routing dedup dedupe group join index map cursor page order react list item field column table locale message label ' +
  'sequence natural surrogate candidate shard bucket hash etag s3 redis storage blob file path query search state store entity record ' +
  'dict json yaml config setting settings env host ssh gpg pgp verify verification validation jwks kid id idx tab menu button hotkey keyboard ' +
  'press event widget vue form prop props mapping').split(' '));

/**
 * Names whose last word is `key` besides the API, access, secret and private ones (`HMAC_KEY=`,
 * `AZURE_OPENAI_KEY=`, `stripeKey:`, `signing-key:`), found with indexOf (`_key`, `_KEY`, `-key`,
 * `Key`: each a few milliseconds a 100 MB export, where a `k` in the main expression would stop it
 * at every k): a generated-looking value only, and not under a database's or UI's key.
 */
function keyAssignments(text: string, hits: LeakHit[]): void {
  for (const needle of ['_key', '_KEY', '-key', 'Key']) {
    let read = 0;
    for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, Math.max(at + 3, read))) {
      const keyEnd = at + needle.length;
      KEY_TAIL.lastIndex = keyEnd;
      const tail = KEY_TAIL.exec(text);
      // `key` must end the name: `_keys`, `_keyboard`, `KeyError`, `Key.ENTER` go on.
      if (!tail) continue;
      let from = at;
      while (from > 0 && at - from < 64 && isTokenChar(text.charCodeAt(from - 1))) from--;
      // `Key:` or `_key=` alone: no qualifier, no secret's name.
      if (from === at || (needle === 'Key' && !isAlnum(text.charCodeAt(at - 1)))) continue;
      const name = text.slice(from, keyEnd);
      if (NAMED_KEY.test(name)) continue;
      const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
      if (words.length < 2 || words.slice(0, -1).some((w) => NOT_SECRET_KEY.has(w))) continue;
      read = assignedValue(text, from, keyEnd + tail[0].length, hits, { generated: true, colon: tail[0].endsWith(':') });
    }
  }
}

/** What ends a match that is a name's separator (the rest are a line's end: a flag alone on its line). */
const SEPARATOR_END = /(?:[:=>|\],\]]|\uff1a|\uff1d|\x9a|\x9d|[ \t])$/;
/** Callees that take a secret as a literal, and which argument: setters and builders (`setPassword("…")`, `.withApiKey("…")`, `.password("…")`), Go's `SetBasicAuth`, Rust's `basic_auth`, C#'s `NetworkCredential`, Python's `keyring.set_password`. */
const CALLEES: ReadonlyArray<readonly [RegExp, number]> = [
  [/\bkeyring\.set_password$/, 2],
  [/\.(?:SetBasicAuth|basic_auth)$|(?:\bnew\s+|\bNet\.)NetworkCredential$/, 1],
  [/(?:^|[^\w$])(?:set|with)_?[A-Za-z]\w{0,63}$/, 0],
  [/[\w)\]]\.(?:password|apiKey|apiToken|accessToken|secret|token)$/, 0],
];
/** `||`, `??` or ` or ` after a name: a fallback, read only after an environment read. */
const FALLBACK_SEP = /(?:\|\||\?\?|\sor[ \t])$/i;
/** An environment read of the name that follows: `process.env.`, `os.environ.get("`, `getenv('`, `ENV.fetch("`, `Deno.env.get(`… */
const ENV_READ = /(?:process\.env\.|import\.meta\.env\.|environ(?:\.get\(|\[)|getenv\(|Deno\.env\.get\(|ENV(?:\.fetch\(|\[)|env::var\(|GetEnvironmentVariable\()\\*["']?[\w.-]{0,64}$/;
const OPENER = /^(?:(?:[bBrRuUfF]{1,2}|@|\$)(?=\\*["'])|R"\(|(?:vec!|String::from|SecretString::new|\[\]byte)?[[(][ \t]*(?=\\*["']))(?:\\*["']){0,2}/;

/** A quoted literal within `reach` characters of `from` (spaces and line breaks between): judged and reported. */
function literalAfter(text: string, from: number, reach: number, hits: LeakHit[], mustBeGenerated: boolean): void {
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
function callArgument(text: string, nameAt: number, after: number, hits: LeakHit[]): void {
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
function commaValue(text: string, nameAt: number, after: number, hits: LeakHit[]): void {
  const before = text.slice(Math.max(0, nameAt - 120), nameAt);
  if (ENV_READ.test(before)) literalAfter(text, after, 16, hits, true);
  else if (/\\*["']--?[\w-]{0,64}$/.test(before)) literalAfter(text, after, 64, hits, false);
}

/** A YAML block list's flag item (`- --db-password`) and the next item below it (`- …`: k8s `args:`, compose `command:`). */
function flagListItem(text: string, nameAt: number, after: number, hits: LeakHit[]): void {
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

/** Where the line break at `i` ends (`\n`, `\r\n`, JSON's `\n` whose backslash the quote skip took), or -1. */
function lineBreakEnd(text: string, i: number): number {
  if (text.charCodeAt(i) === 10) return i + 1;
  if (text.charCodeAt(i) === 13 && text.charCodeAt(i + 1) === 10) return i + 2;
  if (text.charCodeAt(i - 1) === 92 && text[i] === 'n') return i + 1;
  if (text.charCodeAt(i - 1) === 92 && text[i] === 'r' && text.startsWith('\\n', i + 1)) return i + 3;
  return -1;
}

/** Where the line from `from` ends: its raw or JSON-escaped line break, or LINE_REACH * 4 on. */
function lineEndAfter(text: string, from: number): number {
  let i = from;
  while (i < text.length && i - from < LINE_REACH * 4 && text.charCodeAt(i) !== 10 && !(text.charCodeAt(i) === 92 && text[i + 1] === 'n')) i++;
  return i;
}

/** Spaces and tabs from `from`. */
function indentAt(text: string, from: number): number {
  let i = from;
  while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
  return i - from;
}

/**
 * A YAML key's value on the line below it (`password:` then `  …`, a plain scalar wrapped there),
 * or, under a secret's section (`secrets:` then `  stripe: …`, `api_keys:` then `  - …`), the
 * mapping or list below it: the lines indented deeper than the key.
 */
function belowKey(text: string, nameAt: number, next: number, hits: LeakHit[], options: AssignedOptions): number {
  const keyIndent = indentAt(text, lineStartBefore(text, nameAt));
  const indent = indentAt(text, next);
  const at = next + indent;
  if (indent <= keyIndent || text[at] === '#') return at;
  // The section's lines are read for their values; the main expression still reads the secret-named keys among them.
  if (MAPPING_LINE.test(text.slice(at, at + 80))) {
    if (options.section) sectionLines(text, next, keyIndent, false, hits, options.section);
    return at;
  }
  return assignedValue(text, nameAt, at, hits, { ...options, colon: false });
}

/** A line of a secret's section: a list item, a `name:` or `name =`, then the value (quotes, raw or JSON-escaped, after). */
const SECTION_LINE = /^(?:-[ \t]+)?(?:(?:\\*["']){0,2}([\w.@-]{1,64})(?:\\*["']){0,2}[ \t]*[:=](?:[ \t]+|(?=\\n|\r?\n|$)))?(?:\\*["']){0,2}/;
/** A list item or a `name:` below a key: a mapping or a list, no scalar. */
const MAPPING_LINE = /^(?:-[ \t]|\\*["']?[\w.@-]{1,64}\\*["']?[ \t]*:(?:[ \t]|\\n|\r?\n|$))/;
/** Names under a secret's section that describe it or point at it: their values are ids, places and words. */
const DESCRIBES = /(?:^|[_.-])(?:name|id|type|kind|description|desc|label|url|uri|endpoint|host|hostname|port|region|user|username|login|email|provider|scope|scopes|path|file|image|version|at|enabled|format|algorithm|account|project|tenant|bucket|key_?id|arn|domain)$/i;
const SECTION_REACH = 64;

/**
 * The generated-looking values of up to 64 lines of a secret's section from `from`: YAML's
 * deeper-indented lines (a shallower one ends it), or TOML's lines up to the next `[section]`.
 * Lines a section around this one read already are not read again; `walked` is moved to where this walk stopped.
 */
function sectionLines(text: string, from: number, keyIndent: number, toml: boolean, hits: LeakHit[], walked: SectionWalk): void {
  let line = Math.max(from, walked.read);
  // Within the scan's reach of the key: a hit's context must fit in what the stream scanner carries across chunks.
  for (let n = 0; n < SECTION_REACH && line < text.length && line - from < REACH - 1024; n++) {
    const lineEnd = lineEndAfter(text, line);
    const indent = indentAt(text, line);
    const at = line + indent;
    if (at < lineEnd && (toml ? text[at] === '[' : indent <= keyIndent)) break;
    const item = SECTION_LINE.exec(text.slice(at, lineEnd));
    // A secret-named key's value is the main expression's.
    if (item && at + item[0].length < lineEnd && !(item[1] && (DESCRIBES.test(item[1]) || secretName(item[1])))) {
      const start = at + item[0].length;
      const end = valueEnd(text, start);
      const value = text.slice(start, end);
      // A nested key (`stripe:` then its own lines) is no value; its lines are read as the section's.
      if (text[end] !== ':' && looksSecret(value) && generated(value) && !isCode(value, text.charCodeAt(end))) hits.push(hit('secret_assignment', value, start, end));
    }
    line = lineEnd + (text.charCodeAt(lineEnd) === 10 ? 1 : 2);
  }
  walked.read = Math.max(walked.read, line);
}

/** How far one text's section walks have read. */
interface SectionWalk {
  read: number;
}

/** A JSON member with a string value: its quoted name (raw or escaped), `:`, the value's opening quote. */
const JSON_MEMBER = /(?:\\*"){1,2}([\w.@-]{1,64})(?:\\*"){1,2}[ \t]*:[ \t]*(?:\\*"){1,2}/g;

/**
 * The object at `open` under a secret section's name (`"credentials": {"default": "…"}`,
 * `"secrets": {"db": "…",}`), nested objects included, within the scan's reach: its string
 * members' generated-looking values, but for names that describe (ids, hosts) or name a secret
 * (the main expression reads those). No stretch is read by two walks.
 */
function jsonSection(text: string, open: number, hits: LeakHit[], walked: SectionWalk): void {
  const from = Math.max(open + 1, walked.read);
  const limit = Math.min(text.length, open + REACH - 1024);
  let close = from;
  for (let depth = 0; close < limit; close++) {
    const c = text.charCodeAt(close);
    if (c === 123) depth++;
    else if (c === 125 && depth-- === 0) break;
  }
  walked.read = Math.max(walked.read, close);
  const body = text.slice(from, close);
  JSON_MEMBER.lastIndex = 0;
  for (let m = JSON_MEMBER.exec(body); m; m = JSON_MEMBER.exec(body)) {
    if (DESCRIBES.test(m[1]!) || secretName(m[1]!)) continue;
    const start = from + m.index + m[0].length;
    const end = valueEnd(text, start);
    const value = text.slice(start, end);
    if ((text[end] === '"' || text.startsWith('\\"', end)) && looksSecret(value) && generated(value) && !isCode(value, text.charCodeAt(end))) hits.push(hit('secret_assignment', value, start, end));
  }
}

/** A TOML or INI section named like a secret's (`[credentials]`, `[passwords]`) alone on its line: its values. */
function tomlSection(text: string, nameAt: number, after: number, hits: LeakHit[], walked: SectionWalk): void {
  let open = nameAt;
  while (open > 0 && nameAt - open < 64 && isTokenChar(text.charCodeAt(open - 1))) open--;
  if (text[open - 1] !== '[') return;
  // At a line's start, or a JSON string's.
  if (!/(?:^|")[ \t]*$/.test(text.slice(lineStartBefore(text, open - 1), open - 1))) return;
  let i = after;
  while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
  const next = lineBreakEnd(text, text.charCodeAt(i) === 92 ? i + 1 : i);
  if (next >= 0) sectionLines(text, next, -1, true, hits, walked);
}

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

const TABLE_DESCRIPTION = /^(?:[A-Za-z]\w*\(\d+(?:,\s*\d+)?\)|(?:Big)?(?:Uint|Int|Float)\d+(?:Clamped)?Array|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[a-z0-9_.-]+(?:[/:][a-z0-9_.-]+)+|[^\s|]*(?:\[[^\]\s]*\]|\\[dwsDWSbB.])[^\s|]*)$/;

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

/**
 * Code and paths, not values: `process.env.OPENAI_API_KEY`, `settings.GITHUB_TOKEN`, a call
 * (`generatePassword(24)`), `PWD=/workspace/app2`, `GIT_ASKPASS=/opt/…/askpass.sh`.
 */
function isCode(value: string, next: number): boolean {
  // A call or a subscript, a dotted reference: unless a part reads generated (a digit among letters, eight or more long).
  // Identifiers spelled in words with a version or size in them (`step2_exchange`, `load_pkcs1`,
  // `AWS_IMDSV2_SESSION_TOKEN`, `SHA224PasswordProperty`) are not generated.
  const machineMade = value.split('.').some((part) => part.length >= 8 && /[0-9]/.test(part) && /[A-Za-z]/.test(part) && !spelledWithDigits(part));
  if ((next === 40 || next === 91 || /^[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)+$/.test(value)) && !machineMade) return true;
  // A PowerShell cmdlet (`$pw = ConvertTo-SecureString …`): Verb-Noun, letters only.
  if (/^[A-Z][a-z]+[A-Za-z]*-[A-Z][a-z]+[A-Za-z]*$/.test(value)) return true;
  // `Ec2InstanceMetadataCredentials`, `OAuth2Client`: a version digit after a word is still spelled.
  return /^[~.]?\//.test(value) || camelWords(value.replace(/(?<=[A-Za-z])\d{1,2}(?=[A-Z]|$)/g, ''));
}

/**
 * An identifier whose pieces between digits and underscores are each one case (`oauth2_client`,
 * `IMDSV2`) or words (`S3HmacAuthV4Handler`): a random body has pieces of mixed case within a few
 * characters.
 */
function spelledWithDigits(part: string): boolean {
  if (!/^[A-Za-z_$][\w$]*$/.test(part)) return false;
  return part.split(/[_$\d]+/).every((p) => p.length <= 1 || /^(?:[a-z]+|[A-Z]+)$/.test(p) || camelWords(p) || camelWords(p.replace(/[A-Z]$/, '')));
}

/** A literal after `||`, `??` or `or` on a line of code that read a secret name: its fallback value. */
const FALLBACK = /^[^\n]{0,200}?(?:\|\||\?\?|\sor)\s*\\?["'`]([^"'`\\\s]{8,256})\\?["'`]/;

/** Vowelless words code spells identifiers with (`validateJwtSignature`, `parseSqlCtx`). */
const ABBREVIATIONS = new Set('jwt sql xml html http url uri css rpc tcp udp dns pdf svg png ctx cfg msg pkg btn fmt mgr svc src dst std tmp str num len idx cnt ptr ssh ssl tls crc md db id js ts rx tx kv gql px'.split(' '));

/**
 * An identifier spelled in words, not generated: `RequestCredentials`, `validateJwtSignature`,
 * `AuthenticationService`, `parseJSONToken`. Letters only; each word has three or more letters
 * and a vowel or is a known abbreviation (the first may have two: `isValid`); at most one
 * all-capital acronym. Random letters break these rules within a few characters: about one
 * random 16-letter string in 200 passes, one in 50 000 of 32 letters.
 */
function camelWords(value: string): boolean {
  if (!/^[A-Za-z]+$/.test(value)) return false;
  const words = value.match(/[A-Z]{2,5}(?![a-z])|[A-Z]?[a-z]+/g);
  if (!words || words.join('') !== value || words.filter((w) => /^[A-Z]+$/.test(w)).length > 1) return false;
  return words.every((w, i) => /^[A-Z]+$/.test(w) || ((w.length >= 3 || (i === 0 && w.length === 2)) && (/[aeiouy]/i.test(w) || ABBREVIATIONS.has(w.toLowerCase()))));
}

const COMMAND = /(?:^|[\s/;&|("'`])(?:(?:curl|mysql|mariadb|sshpass|mongo)[\w.-]{0,16}\s|az\s+login\s|(?:docker|podman|buildah|nerdctl|skopeo|oras|crane(?:\s+auth)?|helm\s+registry)(?:\.exe)?\s+login\s)/;
/** Where a spaced `-p PW` is a password: not mysql's or mariadb's, whose spaced `-p` prompts and the next word is the database. */
const SPACED_P_COMMAND = /(?:^|[\s/;&|("'`])(?:(?:sshpass|mongo)[\w.-]{0,16}\s|az\s+login\s|(?:docker|podman|buildah|nerdctl|skopeo|oras|crane(?:\s+auth)?|helm\s+registry)(?:\.exe)?\s+login\s)/;
const LINE_REACH = 256;

/** Start of the line holding `at` (after a newline, or a literal `\n` in JSON), looking back at most LINE_REACH. */
function lineStartBefore(text: string, at: number): number {
  let i = at;
  while (i > 0 && at - i < LINE_REACH && text.charCodeAt(i - 1) !== 10 && !text.startsWith('\\n', i - 2)) i--;
  return i;
}

/**
 * curl's `-u user:PW` (`--user`), mysql's `-pPW`, sshpass's and docker login's `-p PW`, found from the `-u` and
 * `-p` (indexOf costs a fraction of a regex pass), judged by the value, then by the command
 * earlier on the same line.
 */
function commandPasswords(text: string, hits: LeakHit[]): void {
  for (const flag of ['-u', '-p']) {
    for (let at = text.indexOf(flag); at >= 0; at = text.indexOf(flag, at + 2)) {
      let from = at + 2;
      let flagStart = at;
      if (flag === '-u' && text.startsWith('--user', at - 1)) {
        from = at + 5;
        flagStart = at - 1;
        if (text[from] !== '=' && text[from] !== ' ') continue;
        from++;
      } else if (flag === '-u' && text[from] === ' ') {
        from++;
      }
      const before = text.charCodeAt(flagStart - 1);
      if (before !== 32 && before !== 9) continue;
      const spacedP = flag === '-p' && text[from] === ' ';
      if (spacedP) {
        while (text[from] === ' ') from++;
        if (text[from] === '-') continue;
      }
      if (text[from] === '"' || text[from] === "'") from++;
      if (flag === '-u') {
        let colon = from;
        while (colon < text.length && colon - from < 64 && isValueChar(text.charCodeAt(colon))) colon++;
        if (text[colon] !== ':') continue;
        from = colon + 1;
      }
      const end = valueEnd(text, from);
      const value = text.slice(from, end);
      if (!looksSecret(value, 10, 3)) continue;
      const lineStart = lineStartBefore(text, flagStart);
      // The command the flag belongs to: `docker login x && docker run -p 80:80` is two.
      const command = text.slice(lineStart, flagStart).split(/&&|\|\||[;|]/).pop()!;
      if ((spacedP ? SPACED_P_COMMAND : COMMAND).test(command)) hits.push(hit('command_password', value, from, end));
    }
  }
}

/** A literal written into a registry login's `--password-stdin`: `echo PW |`, `printf '%s' PW |`, then `… login …` on the same line. */
const PIPED_LITERAL = /(?:^|[\s;&("'])(?:echo(?:\s+-[neE]+)*|printf(?:\s+(["'])%[sb](?:\\n)?\1)?)\s+(\\?["']?)([^\s"'|;&<>$`\\]{1,256})(?:\\n)?\2\s*\|(?!\|)[^|\n]*?(?:docker|podman|buildah|nerdctl|skopeo|oras|crane(?:\s+auth)?|helm\s+registry)(?:\.exe)?\s+login\s[^|\n]*$/;

/** `echo PW | docker login --password-stdin` and a here-string (`--password-stdin <<< PW`). */
function pipedPasswords(text: string, hits: LeakHit[]): void {
  for (let at = nextWord(text, '--password-stdin', '-stdin', 10, 0); at >= 0; at = nextWord(text, '--password-stdin', '-stdin', 10, at + 16)) {
    const lineStart = lineStartBefore(text, at);
    const piped = PIPED_LITERAL.exec(text.slice(lineStart, at));
    const here = piped ? null : /^[^\n|;&<]{0,128}<<<[ \t]*(\\?["']?)([^\s"'|;&<>$`\\]{1,256})\1/.exec(text.slice(at + 16, at + 420));
    const value = piped?.[3] ?? here?.[2];
    if (value === undefined || !looksSecret(value, 10, 3)) continue;
    const start = piped ? lineStart + piped.index + piped[0].lastIndexOf(value) : at + 16 + here!.index + here![0].length - value.length - here![1]!.length;
    hits.push(hit('command_password', value, start, start + value.length));
  }
}

/** A shell word, quoted or not; it ends at a quote too: in JSON output the next one closes the string the command is in. */
const SHELL_WORD = /[ \t]*(\\?(["'])[^"'\\\n]{1,256}\\?\2|[^\s;&|"'\\]+)/y;

/** `htpasswd -b FILE USER PW`, `htpasswd -nb USER PW`: the word after the user. */
function htpasswdPasswords(text: string, hits: LeakHit[]): void {
  for (let at = nextWord(text, 'htpasswd ', 'wd ', 6, 0); at >= 0; at = nextWord(text, 'htpasswd ', 'wd ', 6, at)) {
    const before = at > 0 ? text[at - 1]! : ' ';
    // `docker run --entrypoint htpasswd httpd:2 -Bbn user PW`: the image comes first.
    const entrypoint = /--entrypoint[ =]$/.test(text.slice(Math.max(0, at - 13), at));
    at += 9;
    if (!/[\s/;&|(`"'=]/.test(before)) continue;
    // Flags, then the file (unless -n), the user and the password: the words read are this command's, so the next search starts after them.
    let flags = '';
    let want = -1;
    let image = entrypoint;
    const words: [number, string][] = [];
    let pos = at;
    for (;;) {
      SHELL_WORD.lastIndex = pos;
      const m = SHELL_WORD.exec(text);
      if (!m || m.index - pos >= 256) break;
      pos = SHELL_WORD.lastIndex;
      if (image) {
        image = false;
      } else if (want < 0 && /^-[A-Za-z]+$/.test(m[1]!)) {
        flags += m[1];
        // `-C cost`, `-r rounds`: the next word is the flag's.
        if (/[Cr]$/.test(m[1]!)) {
          SHELL_WORD.lastIndex = pos;
          if (!SHELL_WORD.exec(text)) break;
          pos = SHELL_WORD.lastIndex;
        }
      } else {
        if (want < 0) want = flags.includes('n') ? 1 : 2;
        words.push([pos - m[1]!.length, m[1]!]);
        if (words.length > want) break;
      }
    }
    at = Math.max(at, pos);
    const word = words[want];
    if (!flags.includes('b') || word === undefined) continue;
    const quoted = /^(\\?["'])(.*)\1$/.exec(word[1]);
    const value = quoted ? quoted[2]! : word[1];
    const start = word[0] + (quoted ? quoted[1]!.length : 0);
    // `"$(openssl rand -hex 16)"`, `$PW`: made when it runs, not written here.
    if (looksSecret(value, 10, 3) && !/^(?:\[REDACTED|\$)/.test(value)) hits.push(hit('command_password', value, start, start + value.length));
  }
}

function urlPasswords(text: string, hits: LeakHit[]): void {
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

/**
 * A name ending in a secret word that starts a word of it (`DB_PASSWORD`, `dbPassword`,
 * `github.token`; not `BYPASS`, `GIT_ASKPASS` or the shell's `PWD`).
 */
const SECRET_WORD_END = /(?:^|[^A-Za-z])(?:passw(?:or)?d|passphrase|pass|secret|token|auth|api[-_]?key|apikey|access[-_]?key|private[-_]?key|credentials?)s?$/i;
const SECRET_CAMEL_END = /[a-z0-9](?:Passw(?:or)?d|Passphrase|Pass|Secret|Token|Auth|Api[-_]?Key|ApiKey|AccessKey|PrivateKey|Credentials?)s?$/;
const secretName = (name: string): boolean => SECRET_WORD_END.test(name) || SECRET_CAMEL_END.test(name);
/** Before `value`: a `name` or `key` naming a secret, on the same line or the line before (`- name: X` / `  value: …`). */
const NAMED_BEFORE = /(?:^|[^\w.-])\\*["']?(?:name|key)\\*["']?[ \t]*[:=][ \t]*\\*["']?([\w.-]{1,64})\\*["']?[ \t]*[,;]?[ \t]*(?:\r?\n[ \t]*|\\n[ \t]*)?\\*["']?$/i;
const VALUE_KEY = /^value\\*["']?[ \t]*[:=][ \t]*\\*["']?/i;

/** `{"name": "API_TOKEN", "value": "…"}`, `- name: DB_PASSWORD` then `value: …`, `<add key="ApiKey" value="…"/>`: the value, found from `value`. */
function namedValues(text: string, hits: LeakHit[]): void {
  for (let at = text.indexOf('value'); at >= 0; at = text.indexOf('value', at + 5)) {
    if (at > 0 && isTokenChar(text.charCodeAt(at - 1))) continue;
    const key = VALUE_KEY.exec(text.slice(at, at + 24));
    if (!key) continue;
    const named = NAMED_BEFORE.exec(text.slice(Math.max(0, at - 160), at));
    const from = at + key[0].length;
    const end = valueEnd(text, from);
    const value = text.slice(from, end);
    if (!named || !secretName(named[1]!)) {
      // SQL's `SET value = '…'` and an attribute's `value="…"`: an `=` only.
      if (!key[0].includes('=')) continue;
      if (settingUpdate(text, at, end)) {
        if (looksSecret(value) && generated(value)) hits.push(hit('secret_assignment', value, from, end));
      } else if (passwordInput(text, at)) {
        // CSV doubles the attribute's quotes: `value=""…""`.
        const inner = text[from] === '"' ? from + 1 : from;
        const innerEnd = valueEnd(text, inner);
        const attribute = text.slice(inner, innerEnd);
        if (looksSecret(attribute) && generated(attribute)) hits.push(hit('secret_assignment', attribute, inner, innerEnd));
      }
      continue;
    }
    if (looksSecret(value, 10, 3) && !isCode(value, text.charCodeAt(end))) hits.push(hit('secret_assignment', value, from, end));
  }
}

/** A key/value table's row named after the value: `WHERE key = 'smtp_password'` (or `name`), the statement's end not between. */
const SETTING_WHERE = /^'[^';\n]{0,256}?\bwhere\s+\\*["`]?(?:key|name|setting)\\*["`]?\s*=\s*'([\w.-]{1,64})'/i;

/** `UPDATE settings SET value = '…' WHERE key = 'smtp_password'`: the `value` at `at` is a literal set in a row keyed by a secret's name. */
function settingUpdate(text: string, at: number, valueEnd_: number): boolean {
  if (!/\bset\s+\\*["`]?$/i.test(text.slice(Math.max(0, at - 8), at)) || text.charCodeAt(valueEnd_) !== 39) return false;
  const where = SETTING_WHERE.exec(text.slice(valueEnd_, valueEnd_ + 400));
  return where !== null && secretName(where[1]!);
}

/** `Authorization: Bearer …`, `Basic …`, a bare `Bearer …`: a random-looking credential after the scheme. */
function bearerValues(text: string, hits: LeakHit[]): void {
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

/** What the redaction left (`[REDACTED:…]`, a pseudonym): the readers below take any word, brackets too. */
function isPlaceholder(value: string): boolean {
  return value.startsWith('[');
}

/** PostgreSQL's password file: `host:5432:database:user:PASSWORD` (5433, 6432 or `*` for the port) a line, the password to the line's end. */
const PGPASS_LINE = /^[\w.*-]{1,253}:(?:\d{1,5}|\*):[^:\s"'\\]{1,64}:[^:\s"'\\]{1,64}:([^\s"'\\]{1,256})(?=$|[\r\n"']|\\n)/;

function pgpassLines(text: string, hits: LeakHit[]): void {
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

/**
 * Commands that take a secret as a plain argument (`wandb login KEY`, `ngrok authtoken T`, `vault
 * login T`, `gh secret set N --body V`, `sqlplus user/PW@db`, `zip -P PW`, `ssh-keygen -N PW`,
 * `openssl -k PW`, curl's `-b 'session=V'`): a rare piece of the command or its flag to search
 * for, the names one of which a flag's line must hold, and the command read on its segment.
 */
const ARGUMENT_COMMANDS: ReadonlyArray<readonly [string, readonly string[], RegExp]> = [
  ['wandb', [], /\bwandb(?:\.exe)?\s+login\s+(?:--(?:host|cloud|base-url)[ =]\S+\s+|--?[\w-]+\s+)*\\*["']?([A-Za-z0-9_]{20,})(?=[\s"'\\]|$)/],
  ['grok', [], /\bngrok(?:\.exe)?\s+(?:authtoken|config\s+add-authtoken)\s+\\*["']?([^\s"'\\]+)/],
  ['vault', [], /\bvault(?:\.exe)?\s+login\s+\\*["']?([^\s"'\\=-][^\s"'\\=]*)(?=[\s"'\\]|$)/],
  ['qlplus', [], /\bsqlplus(?:\.exe)?\s+(?:-\w+\s+)*\\*["']?[A-Za-z_][\w$#]*\/([^\s/@"'\\]+)/],
  ['-b', ['secret', 'curl'], /\bgh(?:\.exe)?\s+secret\s+set\s(?:.*?\s)?(?:--body[ =]|-b\s*)\\*["']?([^\s"'\\]+)|\bcurl(?:\.exe)?\s(?:.*?\s)?(?:-b\s*|--cookie[ =])\\*["']?[^\s"'\\=]+=([^\s"'\\;]+)/],
  ['-P', ['zip', 'keygen', 'sqlcmd', 'bcp'], /\b(?:un)?zip(?:\.exe)?\s(?:.*?\s)?-P\s+\\*["']?([^\s"'\\]+)|\bssh-keygen(?:\.exe)?\s(?:.*?\s)?-P\s+\\*["']?([^\s"'\\]+)|\b(?:sqlcmd|bcp)(?:\.exe)?\s(?:.*?\s)?-P[ \t]*\\*["']?([^\s"'\\]+)/],
  // The login commands: OpenLDAP's -w, smbclient's -U user%PW, FreeRDP's /p:, HTTPie's -a user:PW, redis' AUTH at its prompt or on redis-cli's line.
  ['-w', ['ldap'], /\bldap\w{0,16}(?:\.exe)?\s(?:.*?\s)?-w\s+\\*["']?([^\s"'\\]+)/],
  ['-U', ['smbclient'], /\bsmbclient(?:\.exe)?\s(?:.*?\s)?-U[ \t]*\\*["']?[^\s%"']{1,64}%([^\s"'\\]+)/],
  ['/p:', ['freerdp'], /\b[wx]l?freerdp\w{0,8}(?:\.exe)?\s(?:.*?\s)?\/p:\\*["']?([^\s"'\\]+)/],
  ['-a', ['http', 'xh'], /\b(?:https?|xh)(?:\.exe)?\s(?:.*?\s)?(?:-a|--auth)[ =]\\*["']?[^\s:"'\\]{1,64}:([^\s"'\\]+)/],
  // Windows' `net use [device] \\\\host\\share PW /user:…`, found from the share's backslashes: the first word after the share that is no option (JSON doubles the backslashes).
  ['\\\\', ['net use', 'NET USE'], /\b(?:net|NET)\s+(?:use|USE)\s+(?:(?:[A-Za-z]:|LPT\d:)\s+)?\\*["']?\\{2,4}[^\\\s"']\S*\s+(?:\/\S+\s+)*\\*["']?([^\s"'\\/*][^\s"'\\]*)/],
  ['AUTH ', [], /(?:(?:^|[\s>"])(?:[\w.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]):\d{1,5}(?:\[\d{1,5}\])?>[ \t]*|\b(?:redis|valkey)-cli(?:\.exe)?\s(?:.*?\s)?)AUTH[ \t]+(?:[\w.-]{1,64}[ \t]+)?\\*["']?([^\s"'\\]+)/],
  ['-N', ['keygen'], /\bssh-keygen(?:\.exe)?\s(?:.*?\s)?-N\s+\\*["']?([^\s"'\\]+)/],
  ['-k', ['openssl'], /\bopenssl(?:\.exe)?\s(?:.*?\s)?-k\s+\\*["']?([^\s"'\\]+)/],
];
/** Where a command ends: a newline (raw or JSON-escaped) or a shell operator. */
const COMMAND_END = /[\n;|&<>]|\\n/;

/**
 * Secrets given as plain arguments, found from the command's name or its flag (then only on a
 * line that names the command: a flag is common, its command is not), and judged on the
 * command's own segment of the line.
 */
function argumentSecrets(text: string, hits: LeakHit[]): void {
  for (const [needle, hints, pattern] of ARGUMENT_COMMANDS) {
    const command = new RegExp(pattern.source, 'g');
    // Each segment is read whole, once: the needles inside one already read are passed over.
    let read = 0;
    for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, Math.max(at + needle.length, read))) {
      // A flag stands after a space (gh's `--body` after a dash).
      if (hints.length > 0 && text.charCodeAt(at - 1) !== 32 && !(needle === '-b' && text.startsWith(' --body', at - 2))) continue;
      let head = text.slice(Math.max(0, at - LINE_REACH), at);
      const raw = head.lastIndexOf('\n');
      const escaped = head.lastIndexOf('\\n');
      head = head.slice(Math.max(raw + 1, escaped < 0 ? 0 : escaped + 2));
      if (hints.length > 0 && !hints.some((h) => head.includes(h))) continue;
      // The segment of the line the needle is in: from its command's separator to the next.
      head = head.split(/&&|\|\||[;|]/).pop()!;
      const from = at - head.length;
      const tail = text.slice(at, at + LINE_REACH);
      const stop = tail.search(COMMAND_END);
      read = stop < 0 ? at + tail.length : at + stop;
      const segment = text.slice(from, read);
      command.lastIndex = 0;
      for (let m = command.exec(segment); m; m = command.exec(segment)) {
        const value = m.slice(1).find((g) => g !== undefined);
        if (value === undefined || isPlaceholder(value) || !looksSecret(value, 10, 3)) continue;
        const start = from + m.index + m[0].lastIndexOf(value);
        hits.push(hit('command_password', value, start, start + value.length));
      }
    }
  }
}

/** A CSV or TSV header's cell: a name, maybe quoted. */
const HEADER_CELL = /^[A-Za-z_][\w.-]{0,63}$/;
/** Header cells that name words as often as secrets (a lexer's `token`, a table's `key`), and counts. */
const WORD_COLUMN = /^(?:tokens?|keys?)$|tokens$/i;
/** What makes a line code, not a CSV row: brackets, `=`, `;`, a pipe, an indent. */
const NOT_CSV = /^[ \t]|[(){}[\]=;|]/;
const CSV_ROWS = 64;

/**
 * A CSV or TSV header with a cell naming a secret (`name,api_key`, `user\tpassword`, at a line's or
 * a JSON string's start), and the rows below it (up to 64, within the scan's reach): the cells in
 * that column that look generated. Every secret column of a header at once, its rows read once.
 */
function csvHeader(text: string, nameAt: number, hits: LeakHit[], tables: SectionWalk): void {
  // A header is a line of its own, read once: any other anchor on it (or in the rows read) would find the same.
  if (nameAt < tables.read) return;
  const lineStart = lineStartBefore(text, nameAt);
  const lineEnd = lineEndAfter(text, nameAt);
  tables.read = lineEnd;
  if (nameAt - lineStart >= LINE_REACH && lineStart > 0) return;
  // An export's JSON string: the header may open it (`"content":"name,api_key\n…`), its line breaks and tabs are escaped.
  const head = text.slice(lineStart, nameAt);
  const opening = Math.max(head.lastIndexOf('":"'), head.lastIndexOf('": "'));
  const from = opening < 0 ? lineStart : lineStart + head.indexOf('"', opening + 1) + 1;
  const escaped = text.charCodeAt(lineEnd) === 92;
  const line = text.slice(from, lineEnd).replace(/\r$|\\r$/, '');
  const sep = line.includes('\\t') ? '\\t' : line.includes('\t') ? '\t' : ',';
  if (NOT_CSV.test(line) || (sep === ',' && line.includes('\t'))) return;
  const names = line.split(sep).map((c) => c.replace(/^[ \t]*\\?"?|\\?"?[ \t]*$/g, ''));
  if (names.length < 2 || names.length > 64 || !names.every((n) => HEADER_CELL.test(n) && !(generated(n) && looksSecret(n, 10, 3)))) return;
  const columns = names.flatMap((n, i) => (secretName(n) && !WORD_COLUMN.test(n) ? [i] : []));
  if (columns.length === 0) return;
  let row = lineBreakEnd(text, escaped ? lineEnd + 1 : lineEnd);
  for (let n = 0; n < CSV_ROWS && row >= 0 && row - lineStart < REACH - 1024; n++) {
    let rowEnd = lineEndAfter(text, row);
    // In JSON, an unescaped quote ends the string and its table.
    const close = escaped ? unescapedQuote(text, row, rowEnd) : -1;
    if (close >= 0) rowEnd = close;
    const cells = text.slice(row, rowEnd).split(sep);
    if (cells.length !== names.length || NOT_CSV.test(text.slice(row, rowEnd)) || cells.some((c) => c.trim() === '')) return;
    let at = row;
    for (let i = 0; i < cells.length; i++) {
      if (columns.includes(i)) csvValue(text, at, at + cells[i]!.length, hits);
      at += cells[i]!.length + sep.length;
    }
    tables.read = rowEnd;
    if (close >= 0) return;
    row = lineBreakEnd(text, text.charCodeAt(rowEnd) === 92 ? rowEnd + 1 : rowEnd);
  }
}

/** The first `"` in [from, to) no backslash escapes, or -1. */
function unescapedQuote(text: string, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) i++;
    else if (c === 34) return i;
  }
  return -1;
}

/**
 * A CSV cell in [from, to) under a secret's header: the whole cell one value (quotes and spaces
 * around it aside), generated as keys are (digits in two places, or a digit among three capitals
 * and three small letters), not a type, a UUID, a path or a slug.
 */
function csvValue(text: string, from: number, to: number, hits: LeakHit[]): void {
  let start = from;
  while (start < to && (text.charCodeAt(start) === 32 || text.charCodeAt(start) === 92 || text.charCodeAt(start) === 34)) start++;
  const end = valueEnd(text, start);
  if (!/^\\?"?[ \t]*(?:\r|\\r)?$/.test(text.slice(end, to))) return;
  const value = text.slice(start, end);
  const digitRuns = value.match(/\d+/g)?.length ?? 0;
  const keyLike = digitRuns >= 2 || (digitRuns === 1 && /(?:[A-Z].*){3}/.test(value) && /(?:[a-z].*){3}/.test(value) && !/^[A-Za-z]+\d+[A-Za-z]*$/.test(value));
  if (value.length > 512 || !keyLike || !looksSecret(value, 12, 3) || !generated(value) || TABLE_DESCRIPTION.test(value) || /^[A-Za-z]+(?:[-_](?:[A-Za-z]+|\d{1,4}[a-z]{0,3}))+$/.test(value)) return;
  hits.push(hit('secret_assignment', value, start, end));
}

/** Before an INSERT's column list: `INTO` and the table's name (quoted as SQL quotes, or JSON-escaped). */
const INSERT_INTO = /\binto\s+[\w."`[\]\\]{1,128}\s*$/i;
/** A column list's names: words, SQL's identifier quotes and JSON's escapes. */
const COLUMN_NAMES = /^[\w\s"`[\],\\]{1,512}$/;
/** Rows and characters of a VALUES list read at most. */
const MAX_SQL_ROWS = 256;
const MAX_SQL_TEXT = 65536;

/**
 * `INSERT INTO t (…, password, …) VALUES (…, '…', …), (…)`: the literals under a secret-named
 * column, found from `VALUES` after a column list's `)`. Each row is read once: the next search
 * starts past the list read.
 */
function sqlInserts(text: string, hits: LeakHit[]): void {
  for (const needle of ['VALUES', 'values']) {
    let read = 0;
    for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, Math.max(at + 6, read))) {
      // `) VALUES`, `)\nVALUES`, JSON's `)\\nVALUES`.
      let close = at;
      while (close > 0 && at - close < 8 && (isSpace(text.charCodeAt(close - 1)) || (text.charCodeAt(close - 2) === 92 && 'nrt'.includes(text[close - 1]!)))) close -= isSpace(text.charCodeAt(close - 1)) ? 1 : 2;
      if (close === at || text.charCodeAt(close - 1) !== 41) continue;
      const head = text.slice(Math.max(0, close - 1 - 512), close - 1);
      const open = head.lastIndexOf('(');
      if (open < 0) continue;
      const list = head.slice(open + 1);
      if (!COLUMN_NAMES.test(list) || !INSERT_INTO.test(text.slice(Math.max(0, close - 1 - list.length - 1 - 160), close - 1 - list.length - 1))) continue;
      const columns = list.split(',').map((c) => c.replace(/[\s"`[\]\\]+/g, ''));
      const secret = columns.map((c) => secretName(c) && !/tokens$/i.test(c));
      if (!secret.includes(true)) continue;
      read = valueRows(text, at + needle.length, columns.length, secret, hits);
    }
  }
}

/** A VALUES list's rows from `from`: each field a quoted literal or a bare word; the literals in `secret` columns judged. Returns where reading stopped. */
function valueRows(text: string, from: number, width: number, secret: readonly boolean[], hits: LeakHit[]): number {
  const limit = Math.min(text.length, from + MAX_SQL_TEXT);
  let i = from;
  for (let row = 0; row < MAX_SQL_ROWS; row++) {
    i = skipSpaces(text, i, limit);
    if (text.charCodeAt(i) !== 40) return i;
    i++;
    for (let field = 0; field < width; field++) {
      i = skipSpaces(text, i, limit);
      const quote = text.charCodeAt(i);
      if (quote === 39) {
        const start = i + 1;
        let end = start;
        // '' inside a literal is a quote; a backslash escapes (MySQL, and JSON's escaped quote).
        for (; end < limit; end++) {
          const c = text.charCodeAt(end);
          if (c === 92) end++;
          else if (c === 39) {
            if (text.charCodeAt(end + 1) !== 39) break;
            end++;
          }
        }
        if (end >= limit) return end;
        if (secret[field]) {
          const valueStop = valueEnd(text, start);
          const value = text.slice(start, valueStop);
          if (valueStop === end && looksSecret(value) && generated(value) && !isCode(value, 39)) hits.push(hit('secret_assignment', value, start, end));
        }
        i = end + 1;
      } else {
        // A number, NULL, a parameter, a call (its brackets skipped): no literal of its own.
        let depth = 0;
        while (i < limit) {
          const c = text.charCodeAt(i);
          if (c === 40) depth++;
          else if (c === 41 && depth-- === 0) break;
          else if (c === 44 && depth === 0) break;
          else if (c === 39) return i;
          i++;
        }
      }
      i = skipSpaces(text, i, limit);
      const c = text.charCodeAt(i);
      if (c !== (field === width - 1 ? 41 : 44)) return i;
      i++;
    }
    i = skipSpaces(text, i, limit);
    if (text.charCodeAt(i) !== 44) return i;
    i++;
  }
  return i;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/** Past spaces, tabs and line breaks from `i`, raw or JSON-escaped (`\n`, `\t`): an export's JSON string holds the statement. */
function skipSpaces(text: string, i: number, limit: number): number {
  for (;;) {
    if (i < limit && isSpace(text.charCodeAt(i))) i++;
    else if (i + 1 < limit && text.charCodeAt(i) === 92 && 'nrt'.includes(text[i + 1]!)) i += 2;
    else return i;
  }
}

/** A column definition before `DEFAULT`: its name (quoted as SQL quotes, or JSON-escaped), a type and constraints. */
const COLUMN_DEFINITION = /^[ \t]*\\*["`[]?([A-Za-z_]\w{0,63})\\*["`\]]?[ \t]+[A-Za-z][\w \t(),]{0,160}$/;

/** A table definition's `password TEXT NOT NULL DEFAULT '…'`: the literal, when the column names a secret and it looks generated. */
function columnDefaults(text: string, hits: LeakHit[]): void {
  // From the literal's quote: one pass over a rare character (`DEFAULT ` and `default ` are slow needles for indexOf).
  for (let quote = text.indexOf("'"); quote >= 0; quote = text.indexOf("'", quote + 1)) {
    let at = quote;
    while (at > 0 && quote - at < 8 && text.charCodeAt(at - 1) === 32) at--;
    if (at === quote || at < 7) continue;
    at -= 7;
    const word = text.slice(at, at + 7);
    if ((word !== 'DEFAULT' && word !== 'default') || (at > 0 && isTokenChar(text.charCodeAt(at - 1)))) continue;
    // Back to the definition's start: a `(` or `,` outside the type's brackets, a line break, or a JSON string's opening quote (`"content":"`).
    let from = at;
    for (let depth = 0; from > 0 && at - from < 256; from--) {
      const c = text.charCodeAt(from - 1);
      if (c === 41) depth++;
      else if (c === 40 && depth-- === 0) break;
      else if ((c === 44 && depth === 0) || c === 10 || (c === 110 && text.charCodeAt(from - 2) === 92) || (c === 34 && text.charCodeAt(from - 2) === 58)) break;
    }
    const column = COLUMN_DEFINITION.exec(text.slice(from, at));
    if (!column || !secretName(column[1]!) || /tokens$/i.test(column[1]!)) continue;
    const start = quote + 1;
    const end = valueEnd(text, start);
    const value = text.slice(start, end);
    if (text.charCodeAt(end) === 39 && looksSecret(value) && generated(value)) hits.push(hit('secret_assignment', value, start, end));
  }
}

/** A Dockerfile's `ENV NAME value`, Apache's `SetEnv NAME value`, csh's `setenv NAME value`: the directive, a name, a space, the value. */
const ENV_DIRECTIVE = /^(?:ENV|SetEnv|setenv)[ \t]+([A-Za-z_][\w.-]{0,63})[ \t]+(?:\\*["'])?/;

/** `ENV DB_PASSWORD …`, `SetEnv API_KEY …`, `setenv API_TOKEN …` at a line's start (or a JSON string's): a generated-looking value after a secret's name. */
function envDirectives(text: string, hits: LeakHit[]): void {
  // Found from their last letter and the space (`v `, `V `: rare; the whole words are slow needles for indexOf).
  for (const [needle, words] of [['v ', ['setenv', 'SetEnv']], ['V ', ['ENV']]] as const) {
    for (let v = text.indexOf(needle); v >= 0; v = text.indexOf(needle, v + 2)) {
      const word = words.find((w) => text.startsWith(w, v + 1 - w.length));
      if (word === undefined) continue;
      const at = v + 1 - word.length;
      // At a line's start (raw or JSON-escaped) or a JSON string's.
      if (!/(?:^|"|\\n|\n)[ \t]*$/.test(text.slice(Math.max(0, lineStartBefore(text, at) - 2), at))) continue;
      const m = ENV_DIRECTIVE.exec(text.slice(at, at + 100));
      if (!m || !secretName(m[1]!)) continue;
      const start = at + m[0].length;
      const end = valueEnd(text, start);
      const value = text.slice(start, end);
      if (looksSecret(value) && generated(value) && !isCode(value, text.charCodeAt(end))) hits.push(hit('secret_assignment', value, start, end));
    }
  }
}

/** A secret's name in markup: `<entry key="password">…</entry>` (Java's properties XML), `<property name="password"><value>…</value>` (Spring), `<setting name="Password" …><value>…</value>` (.NET). */
const MARKUP_NAME = /<(?:entry[ \t]+key|property[ \t]+name|setting[ \t]+name)[ \t]*=[ \t]*(?:\\*["']){1,2}([\w.-]{1,64})(?:\\*["']){1,2}[^<>]{0,128}>(?:[ \t\r\n]|\\[nrt])*(?:<value>)?$/;

/** Markup's secret values, found from `<value>` and `<entry key=`: the element's text, when generated-looking. */
function markupValues(text: string, hits: LeakHit[]): void {
  for (const needle of ['<value>', '<entry key=']) {
    for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) {
      let start = at;
      if (needle === '<entry key=') {
        const close = text.slice(at, at + 160).indexOf('>');
        if (close < 0) continue;
        start = at + close + 1;
      } else {
        start = at + needle.length;
      }
      const named = MARKUP_NAME.exec(text.slice(Math.max(0, at - 192), start));
      if (!named || !secretName(named[1]!)) continue;
      const end = valueEnd(text, start);
      const value = text.slice(start, end);
      if (text[end] === '<' && looksSecret(value) && generated(value)) hits.push(hit('secret_assignment', value, start, end));
    }
  }
}

/** An HTML password field's value (`<input type="password" value="…">`, in either order), the `value` at `at`. */
function passwordInput(text: string, at: number): boolean {
  const before = text.slice(Math.max(0, at - 256), at);
  const open = before.lastIndexOf('<');
  if (open < 0 || before.includes('>', open) || !/^<input\b/i.test(before.slice(open))) return false;
  const tail = text.slice(at, at + 512);
  const close = tail.indexOf('>');
  const tag = before.slice(open) + (close < 0 ? tail : tail.slice(0, close));
  return /\btype[ \t]*=[ \t]*(?:\\*["']){0,2}password\b/i.test(tag);
}

/** A Terraform variable named like a secret: `variable "db_password" {` then its `default = "…"` line, within the block. */
const TERRAFORM_VARIABLE = /^variable[ \t]+(?:\\*"){1,2}([\w-]{1,64})(?:\\*"){1,2}[ \t]*\{/;
const TERRAFORM_DEFAULT = /(?:^|\n|\\n)[ \t]*default[ \t]*=[ \t]*(?:\\*"){1,2}/;

function terraformDefaults(text: string, hits: LeakHit[]): void {
  // Found from the name's closing quote and the block's brace (`" {`: rare; `variable ` is a slow needle for indexOf).
  for (let brace = text.indexOf('" {'); brace >= 0; brace = text.indexOf('" {', brace + 3)) {
    const head = text.slice(Math.max(0, brace - 90), brace + 3);
    const at = head.lastIndexOf('variable');
    if (at < 0) continue;
    const m = TERRAFORM_VARIABLE.exec(head.slice(at));
    if (!m || !secretName(m[1]!)) continue;
    // The block: up to a `}` at a line's start, within 1 KiB.
    const from = brace + 3;
    let block = text.slice(from, from + 1024);
    const close = block.search(/(?:\n|\\n)\}/);
    if (close >= 0) block = block.slice(0, close);
    const d = TERRAFORM_DEFAULT.exec(block);
    if (!d) continue;
    const start = from + d.index + d[0].length;
    const end = valueEnd(text, start);
    const value = text.slice(start, end);
    if (looksSecret(value) && generated(value) && !isCode(value, text.charCodeAt(end))) hits.push(hit('secret_assignment', value, start, end));
  }
}

/** C's `#define API_KEY "…"`: a secret-named macro and its literal (or a bare word). */
const DEFINE = /^#[ \t]*define[ \t]+([A-Za-z_]\w{0,63})[ \t]+(?:\\*["']){0,2}/;

function defines(text: string, hits: LeakHit[]): void {
  for (let d = text.indexOf('define'); d >= 0; d = text.indexOf('define', d + 6)) {
    let at = d;
    while (at > 0 && d - at < 8 && (text.charCodeAt(at - 1) === 32 || text.charCodeAt(at - 1) === 9)) at--;
    if (text[--at] !== '#') continue;
    const m = DEFINE.exec(text.slice(at, at + 120));
    if (!m) continue;
    const name = m[1]!;
    // A key name's value must look generated, as after `=` (`CACHE_KEY "v2"` stays); `MAX_TOKENS` is a count.
    const keyName = /(?:_KEY|_key|Key)$/.test(name) && !/(?:api|access|secret|priv(?:ate)?)[-_]?key$/i.test(name);
    if ((!secretName(name) && !keyName) || /tokens$/i.test(name)) continue;
    if (keyName && name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).slice(0, -1).some((w) => NOT_SECRET_KEY.has(w))) continue;
    const start = at + m[0].length;
    const end = valueEnd(text, start);
    const value = text.slice(start, end);
    if (looksSecret(value) && (!keyName || generated(value)) && !isCode(value, text.charCodeAt(end))) hits.push(hit('secret_assignment', value, start, end));
  }
}

/** A Go MySQL driver DSN's password: `user:PW@tcp(host:3306)/db`, `…@unix(/path)/db`, found from `@tcp(` and `@unix(`. */
function mysqlDsns(text: string, hits: LeakHit[]): void {
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

function hit(detector: string, value: string, start: number, end: number): LeakHit {
  return { detector, fingerprint: fingerprint(detector, value), start, end };
}

export function createLeakDetector(options: LeakDetectorOptions = {}): LeakDetector {
  const allowed = new Set((options.allow ?? []).map((f) => f.toLowerCase()));
  return {
    reach: REACH,
    options: { allow: [...allowed] },
    scan(text: string): LeakHit[] {
      const hits: LeakHit[] = [];
      vendorTokens(text, hits);
      privateKeyHeaders(text, hits);
      secretAssignments(text, hits);
      keyAssignments(text, hits);
      defines(text, hits);
      sqlInserts(text, hits);
      envDirectives(text, hits);
      columnDefaults(text, hits);
      markupValues(text, hits);
      terraformDefaults(text, hits);
      mysqlDsns(text, hits);
      commandPasswords(text, hits);
      pipedPasswords(text, hits);
      htpasswdPasswords(text, hits);
      argumentSecrets(text, hits);
      namedValues(text, hits);
      bearerValues(text, hits);
      pgpassLines(text, hits);
      teamsWebhooks(text, hits);
      puttyKeys(text, hits);
      jwkKeys(text, hits);
      encodedPem(text, hits);
      kubernetesSecrets(text, hits);
      discordWebhooks(text, hits);
      urlPasswords(text, hits);
      return hits.filter((h) => !allowed.has(h.fingerprint)).sort((a, b) => a.start - b.start);
    },
  };
}
