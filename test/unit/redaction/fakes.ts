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
  google_oauth_token: (r) => (r() < 0.5 ? `ya29.a0${body(r, URLSAFE, 150)}` : `1//0${body(r, URLSAFE, 100)}`),
  groq_api_key: (r) => `gsk_${body(r, ALNUM, 52)}`,
  xai_api_key: (r) => `xai-${body(r, ALNUM, 80)}`,
  perplexity_api_key: (r) => `pplx-${body(r, ALNUM, 48)}`,
  replicate_api_token: (r) => `r8_${body(r, ALNUM, 37)}`,
  langsmith_api_key: (r) => `lsv2_${r() < 0.5 ? 'pt' : 'sk'}_${body(r, ALNUM, 32)}_${chars(r, HEX, 10)}`,
  tavily_api_key: (r) => `tvly-${r() < 0.5 ? 'dev-' : ''}${body(r, ALNUM, 32)}`,
  pinecone_api_key: (r) => `pcsk_${body(r, ALNUM, 5)}_${body(r, ALNUM, 60)}`,
  fireworks_api_key: (r) => `fw_${body(r, ALNUM, 24)}`,
  firecrawl_api_key: (r) => `fc-${chars(r, HEX, 31)}7`,
  elevenlabs_api_key: (r) => `sk_${chars(r, HEX, 47)}3`,
  digitalocean_token: (r) => `${['dop', 'doo', 'dor'][Math.floor(r() * 3)]}_v1_${chars(r, HEX, 63)}5`,
  grafana_token: (r) => (r() < 0.5 ? `glc_${body(r, `${ALNUM}+/`, 80)}==` : `glsa_${body(r, ALNUM, 32)}_${chars(r, HEX, 8)}`),
  shopify_token: (r) => `${['shpat', 'shpca', 'shppa', 'shpss'][Math.floor(r() * 4)]}_${chars(r, HEX, 31)}9`,
  square_token: (r) => (r() < 0.5 ? `sq0atp-${body(r, URLSAFE, 22)}` : `sq0csp-${body(r, URLSAFE, 43)}`),
  heroku_api_key: (r) => `HRKU-AA${body(r, URLSAFE, 58)}`,
  linear_api_key: (r) => `lin_api_${body(r, ALNUM, 40)}`,
  notion_token: (r) => `ntn_${chars(r, '0123456789', 11)}${body(r, ALNUM, 35)}`,
  hubspot_token: (r) => `pat-${r() < 0.5 ? 'na1' : 'eu1'}-${chars(r, HEX, 8)}-${chars(r, HEX, 4)}-4${chars(r, HEX, 3)}-a${chars(r, HEX, 3)}-${chars(r, HEX, 12)}`,
  databricks_token: (r) => `dapi${chars(r, HEX, 31)}1`,
  doppler_token: (r) => `dp.${['pt', 'st', 'sa'][Math.floor(r() * 3)]}.${body(r, ALNUM, 43)}`,
  postman_api_key: (r) => `PMAK-${chars(r, HEX, 24)}-${chars(r, HEX, 33)}6`,
  sentry_token: (r) => (r() < 0.5 ? `sntryu_${chars(r, HEX, 63)}2` : `sntrys_${Buffer.from(JSON.stringify({ iat: 1767225600, url: 'https://sentry.io', org: chars(r, HEX, 8) })).toString('base64')}_${body(r, ALNUM, 43)}`),
  pulumi_token: (r) => `pul-${chars(r, HEX, 39)}8`,
  onepassword_service_token: (r) => `ops_eyJ${body(r, URLSAFE, 200)}`,
  supabase_token: (r) => (r() < 0.5 ? `sbp_${chars(r, HEX, 39)}4` : `sb_secret_${body(r, URLSAFE, 31)}`),
  figma_token: (r) => `figd_${body(r, URLSAFE, 40)}`,
  flyio_token: (r) => (r() < 0.5 ? `fo1_${body(r, URLSAFE, 43)}` : `fm2_${body(r, `${ALNUM}+/`, 120)}`),
  atlassian_api_token: (r) => `ATATT3${body(r, URLSAFE, 180)}=${chars(r, UPPER_DIGIT, 8)}`,
  mapbox_secret_token: (r) => `sk.eyJ${body(r, ALNUM, 40)}.${body(r, URLSAFE, 22)}`,
  age_secret_key: (r) => `AGE-SECRET-KEY-1${chars(r, 'QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L', 58)}`,
  google_oauth_client_secret: (r) => `GOCSPX-${body(r, URLSAFE, 28)}`,
  mailgun_api_key: (r) => `key-${chars(r, HEX, 31)}4`,
  resend_api_key: (r) => `re_${body(r, ALNUM, 8)}_${body(r, ALNUM, 24)}`,
  brevo_api_key: (r) => `xkeysib-${chars(r, HEX, 63)}1-${body(r, ALNUM, 16)}`,
  shippo_api_token: (r) => `shippo_${r() < 0.5 ? 'live' : 'test'}_${chars(r, HEX, 39)}2`,
  airtable_token: (r) => `pat${body(r, ALNUM, 14)}.${chars(r, HEX, 63)}3`,
  telegram_bot_token: (r) => `${chars(r, '123456789', 1)}${chars(r, '0123456789', 9)}:AA${body(r, URLSAFE, 33)}`,
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

/** A Discord bot token: the base64 of a user id, a timestamp and an HMAC. */
export const fakeDiscordBotToken = (r: Random): string => `${Buffer.from(`${chars(r, '123456789', 1)}${chars(r, '0123456789', 17)}`).toString('base64url')}.${body(r, URLSAFE, 6)}.${body(r, URLSAFE, 38)}`;
