/** Vendor tokens by prefix and body (`ghp_…`, `sk-…`, `AKIA…`), Discord bot tokens, Telegram bot tokens and base64 JSON holding a credential. */
import type { LeakHit } from '../leak-detector.js';
import { MAX_RUN, SAMPLE, classes, entropy, generated, hit, isAlnum, isTokenChar, looksSecret } from './values.js';

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

export function vendorTokens(text: string, hits: LeakHit[]): void {
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
