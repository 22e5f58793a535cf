/**
 * Names of columns, JSON keys and `KEY=value` assignments: split into words, classified by the
 * default column rules, and matched by users' column globs.
 */

/** The default column rules, by the rule name that counts and labels what they redact. */
export type DefaultColumnRule = 'api_key' | 'password' | 'token' | 'secret' | 'private_key' | 'credentials';

/** Splits `apiKey`, `API_KEY`, `api-key`, `APIKey` and `x.api.key` alike into lowercase words. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

/** Words that make a name describe a secret rather than hold one (`password_changed_at`, `token_type`). */
const METADATA_SUFFIX = new Set([
  'at', 'on', 'date', 'time', 'timestamp', 'count', 'counts', 'length', 'len', 'min', 'max', 'limit',
  'required', 'enabled', 'disabled', 'expires', 'expiry', 'expiration', 'type', 'kind', 'id', 'ids',
  'name', 'names', 'policy', 'hint', 'updated', 'changed', 'created', 'rotated', 'reset', 'version',
  'ttl', 'algorithm', 'algo', 'scheme', 'format', 'url', 'uri', 'endpoint', 'path', 'file', 'env',
  'header', 'prefix', 'suffix', 'fingerprint', 'last4', 'present', 'set', 'valid', 'ok', 'usage', 'used',
]);

const KEY_QUALIFIERS = new Set(['api', 'access', 'private', 'signing', 'encryption', 'master', 'client', 'app', 'license', 'subscription', 'service', 'account', 'auth']);

/**
 * The default column rule a name falls under, or null. Word-based, so `input_tokens`,
 * `max_tokens`, `primary_key` and `token_type` stay while `access_token`, `apiKey`,
 * `DB_PASSWORD` and `clientSecret` are caught.
 */
export function classifyName(name: string): DefaultColumnRule | null {
  let rule = cache.get(name);
  if (rule === undefined) {
    if (cache.size >= 4096) cache.clear();
    rule = classifyWords(nameWords(name));
    cache.set(name, rule);
  }
  return rule;
}

// JSON keys and assignment names repeat row after row; classifying each once keeps the hot path cheap.
const cache = new Map<string, DefaultColumnRule | null>();

function classifyWords(words: readonly string[]): DefaultColumnRule | null {
  if (words.length === 0) return null;
  const last = words[words.length - 1]!;
  if (words.length > 1 && METADATA_SUFFIX.has(last)) return null;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = words[i + 1];
    if (w === 'private' && next === 'key') return 'private_key';
    if (w === 'privatekey' || w.endsWith('privatekey')) return 'private_key';
    if (/(?:password|passwd|passphrase)s?$/.test(w)) return 'password';
    if (w === 'secret' || w === 'secrets' || w.endsWith('secret')) return 'secret';
    if (w === 'credential' || w === 'credentials' || w === 'creds') return 'credentials';
    if (/apikeys?$/.test(w) || ((next === 'key' || next === 'keys') && KEY_QUALIFIERS.has(w))) return 'api_key';
    if ((w === 'token' || w.endsWith('token')) && w !== 'tokens') return 'token';
    if (w === 'jwt' || w === 'authorization' || w === 'cookie' || w === 'cookies' || w === 'bearer') return 'token';
  }
  return null;
}

/** Lowercase with separators removed: how globs and names are compared. */
export function squash(name: string): string {
  return name.toLowerCase().replace(/[\s_\-.]+/g, '');
}

/** Characters a column glob may hold: name characters, separators, `*` and `?`. */
export const GLOB_SYNTAX = /^[A-Za-z0-9_\-. *?]+$/;

/**
 * A column glob matched case- and separator-insensitively: `*_key` matches `api_key`, `apiKey`,
 * `API-KEY` and `apikey`. A `*` written next to a separator must match at least one character,
 * so `*_key` does not match `key` itself.
 */
export function compileGlob(glob: string): (name: string) => boolean {
  let source = '';
  const chars = [...glob.trim()];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (/[\s_\-.]/.test(c)) continue;
    if (c === '*') {
      const nearSeparator = /[\s_\-.]/.test(chars[i - 1] ?? '') || /[\s_\-.]/.test(chars[i + 1] ?? '');
      source += nearSeparator ? '.+' : '.*';
    } else if (c === '?') {
      source += '.';
    } else {
      source += c.toLowerCase();
    }
  }
  const re = new RegExp(`^${source}$`);
  return (name) => re.test(squash(name));
}
