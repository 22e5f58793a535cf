/**
 * The leak scan's detector: a second, independent look at the serialised output for anything
 * that still looks like a credential. It shares no code and no pattern with the redaction rules,
 * so a mistake in one is not repeated in the other. It looks for: vendor token prefixes followed
 * by a random-looking body, PEM private-key headers, random-looking values assigned to names
 * that end in a secret word, and passwords in URLs. Hits carry a fingerprint, never the value.
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
  return isTokenChar(code) || code === 43 || code === 47 || code === 61 || code === 126;
}

function isAlnum(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** Vendor prefixes and the shortest body that makes a token; longest prefix first. */
const PREFIX_BODY: ReadonlyArray<readonly [string, number]> = [
  ['github_pat_', 30], ['sk-ant-', 30], ['sk_live_', 16], ['sk_test_', 16], ['rk_live_', 16], ['rk_test_', 16],
  ['pypi-Ag', 50], ['whsec_', 20], ['glpat-', 20], ['gldt-', 20], ['glrt-', 20], ['glptt-', 20],
  ['xoxb-', 12], ['xoxp-', 12], ['xoxa-', 12], ['xoxr-', 12], ['xoxs-', 12], ['xoxe-', 12], ['xapp-', 12],
  ['ghp_', 30], ['gho_', 30], ['ghu_', 30], ['ghs_', 30], ['ghr_', 30], ['npm_', 30], ['hf_', 30],
  ['sk-', 20], ['SG.', 40], ['AKIA', 16], ['ASIA', 16], ['AIza', 30], ['eyJ', 30],
];
/**
 * Candidates start where the text is rare: a separator followed by ten random-looking characters
 * (the body after `sk-`, `ghp_`, `SG.`…), an `A` opening an AWS or Google key, or the `yJ` of a
 * JWT. Letter-led vendor prefixes would make the engine stop at most letters of ordinary text.
 */
const CANDIDATE = /[-_.](?=[A-Za-z0-9+/]{10})|A(?:KIA|SIA|Iza)|yJ/g;
const RUN_BACK = 256;

function vendorTokens(text: string, hits: LeakHit[]): void {
  CANDIDATE.lastIndex = 0;
  for (let m = CANDIDATE.exec(text); m; m = CANDIDATE.exec(text)) {
    let from = m.index;
    while (from > 0 && m.index - from < RUN_BACK && isTokenChar(text.charCodeAt(from - 1))) from--;
    let end = m.index;
    while (end < text.length && end - from < MAX_RUN && (isTokenChar(text.charCodeAt(end)) || text.charCodeAt(end) === 43 || text.charCodeAt(end) === 47)) end++;
    // A token starts where its run does, or right after a separator inside it (`api_key_sk-…`).
    for (let p = from; p <= m.index; p++) {
      if (p > from && isAlnum(text.charCodeAt(p - 1))) continue;
      const found = tokenAt(text, p, end);
      if (found) {
        hits.push(found);
        break;
      }
    }
    CANDIDATE.lastIndex = Math.max(m.index + 1, end);
  }
}

function tokenAt(text: string, start: number, runEnd: number): LeakHit | null {
  const entry = PREFIX_BODY.find(([p]) => text.startsWith(p, start));
  if (!entry) return null;
  const body = text.slice(start + entry[0].length, runEnd).replace(/[.\-_+/]+$/, '');
  if (body.length < entry[1] || classes(body) < 2 || entropy(body) < 3) return null;
  if (entry[0] === 'eyJ' && !/^[^.]+\.eyJ[^.]+/.test(body.slice(0, SAMPLE * 8))) return null;
  return hit('vendor_token', text.slice(start, start + entry[0].length + body.length), start, runEnd);
}

function privateKeyHeaders(text: string, hits: LeakHit[]): void {
  for (let i = text.indexOf('PRIVATE KEY'); i >= 0; i = text.indexOf('PRIVATE KEY', i + 11)) {
    const from = Math.max(0, i - 40);
    const near = text.slice(from, i).lastIndexOf('-----BEGIN');
    if (near < 0) continue;
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

const SECRET_NAME_END = /(?:passw(?:or)?d|passphrase|secret|token|api[-_]?key|apikey|access[-_]?key|secret[-_]?key|private[-_]?key|credentials?)s?["'\\]{0,2}\s{0,4}[:=]/gi;

function secretAssignments(text: string, hits: LeakHit[]): void {
  SECRET_NAME_END.lastIndex = 0;
  for (let m = SECRET_NAME_END.exec(text); m; m = SECRET_NAME_END.exec(text)) {
    const after = m.index + m[0].length;
    let i = after;
    while (i < text.length && i - after < 8 && ' \t"\'\\'.includes(text[i]!)) i++;
    let end = i;
    while (end < text.length && end - i < MAX_RUN && isValueChar(text.charCodeAt(end))) end++;
    SECRET_NAME_END.lastIndex = Math.max(SECRET_NAME_END.lastIndex, end);
    const value = text.slice(i, end);
    if (value.length < 16 || classes(value) < 2 || entropy(value) < 3.5) continue;
    hits.push(hit('secret_assignment', value, i, end));
  }
}

function urlPasswords(text: string, hits: LeakHit[]): void {
  for (let i = text.indexOf('://'); i >= 0; i = text.indexOf('://', i + 3)) {
    let end = i + 3;
    while (end < text.length && end - i < MAX_RUN && !'/?#\\ \t\r\n"\'<>`'.includes(text[end]!)) end++;
    const auth = text.slice(i + 3, end);
    const at = auth.lastIndexOf('@');
    const colon = auth.indexOf(':');
    if (at < 0 || colon < 0 || colon > at) continue;
    const password = auth.slice(colon + 1, at);
    if (password === '' || /^(?:\[REDACTED|\$|\{|<|\*+$|%s)/.test(password)) continue;
    // The hit runs to the end of the authority: until that end has arrived, a later '@' could change it.
    hits.push(hit('url_password', password, i + 4 + colon, end));
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
      urlPasswords(text, hits);
      return hits.filter((h) => !allowed.has(h.fingerprint)).sort((a, b) => a.start - b.start);
    },
  };
}
