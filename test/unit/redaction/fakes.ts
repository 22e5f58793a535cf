/**
 * Fake credentials built at test time from each provider's documented shape, with a seeded
 * generator: the repository holds no key, nothing here was ever valid, and every run plants the
 * same values. Each maker forces a digit into random bodies so that none of them is, by chance,
 * a plain word.
 */
import { createRandom } from '../../../lib/demo-data.js';
import type { ColumnInfo, TableSchema } from '../../../lib/records.js';

export type Random = () => number;

export const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const URLSAFE = `${ALNUM}-_`;
const UPPER_DIGIT = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const HEX = '0123456789abcdef';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';

export function chars(rand: Random, alphabet: string, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
  return s;
}

/** Random characters with a digit and both cases somewhere in the first eight. */
export function body(rand: Random, alphabet: string, n: number): string {
  const s = chars(rand, alphabet, n);
  return `${String(Math.floor(rand() * 10))}${chars(rand, 'ABCDEFGHJKMNPQRSTUVWXYZ', 1)}${chars(rand, LOWER, 1)}${s}`.slice(0, n);
}

const b64url = (rand: Random, bytes: number): string => Buffer.from(Array.from({ length: bytes }, () => Math.floor(rand() * 256))).toString('base64url');

/** One maker per default content rule, named as the rule is. */
export const FAKE: Readonly<Record<string, (rand: Random) => string>> = {
  openai_api_key: (r) => (r() < 0.5 ? `sk-proj-${body(r, URLSAFE, 156)}` : `sk-${body(r, ALNUM, 48)}`),
  anthropic_api_key: (r) => `sk-ant-api03-${body(r, URLSAFE, 93)}AA`,
  github_token: (r) => `${['ghp', 'gho', 'ghu', 'ghs', 'ghr'][Math.floor(r() * 5)]}_${body(r, ALNUM, 36)}`,
  github_pat: (r) => `github_pat_${body(r, ALNUM, 22)}_${body(r, ALNUM, 59)}`,
  gitlab_token: (r) => `glpat-${body(r, URLSAFE, 20)}`,
  slack_token: (r) => `xox${'bpars'[Math.floor(r() * 5)]}-${chars(r, '0123456789', 11)}-${chars(r, '0123456789', 12)}-${body(r, ALNUM, 24)}`,
  stripe_key: (r) => `${['sk_live_', 'rk_live_', 'sk_test_'][Math.floor(r() * 3)]}${body(r, ALNUM, 24)}`,
  aws_access_key_id: (r) => `${r() < 0.5 ? 'AKIA' : 'ASIA'}${chars(r, UPPER_DIGIT, 16)}`,
  google_api_key: (r) => `AIza${body(r, URLSAFE, 35)}`,
  huggingface_token: (r) => `hf_${body(r, `${LOWER}ABCDEFGHIJKLMNOPQRSTUVWXYZ`, 34)}`,
  npm_token: (r) => `npm_${body(r, ALNUM, 36)}`,
  pypi_token: (r) => `pypi-AgEIcHlwaS5vcmc${body(r, URLSAFE, 120)}`,
  sendgrid_api_key: (r) => `SG.${body(r, URLSAFE, 22)}.${body(r, URLSAFE, 43)}`,
  jwt: (r) => `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: chars(r, HEX, 12), iat: 1767225600 })).toString('base64url')}.${b64url(r, 32)}`,
};

/** A multi-line PEM private key of the given label ("RSA", "EC", "OPENSSH", "ENCRYPTED", ""). */
export function fakePem(rand: Random, label = 'RSA'): string {
  const name = `${label ? `${label} ` : ''}PRIVATE KEY`;
  const lines = Array.from({ length: 6 }, () => Buffer.from(Array.from({ length: 48 }, () => Math.floor(rand() * 256))).toString('base64'));
  return `-----BEGIN ${name}-----\n${lines.join('\n')}\n-----END ${name}-----`;
}

export function fakePassword(rand: Random): string {
  return `${body(rand, ALNUM, 14)}!${chars(rand, '#%^*', 1)}`;
}

export const fakeAwsSecret = (r: Random): string => `${body(r, `${ALNUM}/+`, 40)}`;
export const fakeTwilioSid = (r: Random): string => `${r() < 0.5 ? 'SK' : 'AC'}${chars(r, HEX, 32)}`;
export const fakeSlackWebhook = (r: Random): string => `https://hooks.slack.com/services/T${chars(r, UPPER_DIGIT, 8)}/B${chars(r, UPPER_DIGIT, 8)}/${body(r, ALNUM, 24)}`;

export function seeded(seed = 7): Random {
  return createRandom(seed);
}

/** Random hex of a length: git SHAs, sha256 digests. */
export const hex = (r: Random, n: number): string => chars(r, HEX, n);
export const uuid = (r: Random): string => `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`;

export function column(name: string, type = 'TEXT'): ColumnInfo {
  return { name, type, notNull: false, primaryKey: 0 };
}

export function table(name: string, columns: readonly (string | ColumnInfo)[]): TableSchema {
  return { name, sql: null, indexes: [], columns: columns.map((c) => (typeof c === 'string' ? column(c) : c)) };
}

/** Every window of `n` characters of a secret: none may appear in anything written about it. */
export function fragments(secret: string, n = 8): string[] {
  const out: string[] = [];
  for (let i = 0; i + n <= secret.length; i++) out.push(secret.slice(i, i + n));
  return out;
}
