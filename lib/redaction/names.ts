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
  'strength', 'help', 'note', 'notes', 'ref', 'budget', 'label', 'placeholder', 'description', 'title', 'hint',
  'error', 'errors', 'message', 'messages', 'status', 'sent', 'remaining', 'left',
]);

/** Words that make a name a yes/no about a secret (`has_recovery_codes`, `hasPassword`, `is_token_valid`), not the secret. */
const FLAG_PREFIX = new Set(['has', 'is']);

/** JSON Schema's, OpenAPI's and forms' keywords: what an object under a secret-named key says about the secret, not it. */
const SCHEMA_KEYS = new Set([
  'type', 'format', 'description', 'title', 'pattern', '$ref', '$id', '$schema', '$comment', 'required', 'properties', 'items',
  'additionalproperties', 'patternproperties', 'enum', 'minlength', 'maxlength', 'minimum', 'maximum', 'nullable', 'readonly', 'writeonly',
  'deprecated', 'in', 'name', 'scheme', 'bearerformat', 'flows', 'scopes', 'authorizationurl', 'tokenurl', 'refreshurl', 'openidconnecturl',
  'label', 'placeholder', 'hint', 'help', 'helptext', 'tooltip', 'message', 'messages', 'errors', 'error', 'validation', 'rules', 'widget',
  'autocomplete', 'minitems', 'maxitems', 'oneof', 'anyof', 'allof', 'not', 'if', 'then', 'else', 'dependencies', 'const', 'multipleof', 'style', 'explode',
]);

/**
 * A key inside an object under a secret-named key that describes the secret rather than holds it:
 * a schema's or form's keyword (`type`, `minLength`, `label`) or a name ending like metadata (`created_at`).
 */
export function isMetadataKey(key: string): boolean {
  if (SCHEMA_KEYS.has(key.toLowerCase()) || SCHEMA_KEYS.has(squash(key))) return true;
  const words = nameWords(key);
  return words.length > 0 && METADATA_SUFFIX.has(words[words.length - 1]!);
}

const KEY_QUALIFIERS = new Set(['api', 'access', 'private', 'signing', 'encryption', 'master', 'client', 'app', 'license', 'subscription', 'service', 'account', 'auth']);

/**
 * The default column rule a name falls under, or null. Word-based, so `input_tokens`,
 * `max_tokens`, `primary_key` and `token_type` stay while `access_token`, `apiKey`,
 * `DB_PASSWORD`, `DB_PASS` and `clientSecret` are caught.
 */
export function classifyName(name: string): DefaultColumnRule | null {
  return classified(name).rule;
}

/**
 * True for names whose only secret word is a last `auth` (docker's and npm's `auth`, `_auth`):
 * the same word also names a method (`auth: basic`) or a section (`"auth": {…}`), so their values
 * count only when they look random, and an object under them is walked rather than taken whole.
 */
export function isAuthOnlyName(name: string): boolean {
  return classified(name).authOnly;
}

interface Classification {
  readonly rule: DefaultColumnRule | null;
  readonly authOnly: boolean;
  readonly keyLike: boolean;
}

function classified(name: string): Classification {
  let c = cache.get(name);
  if (c === undefined) {
    if (cache.size >= 4096) cache.clear();
    const words = numberless(nameWords(name));
    const rule = classifyWords(words);
    const authOnly = rule === null && words.length > 0 && words[words.length - 1] === 'auth';
    c = { rule: authOnly ? 'token' : rule, authOnly, keyLike: keyLikeWords(words) };
    cache.set(name, c);
  }
  return c;
}

// JSON keys and assignment names repeat row after row; classifying each once keeps the hot path cheap.
const cache = new Map<string, Classification>();

/** Words that keep their meaning with a number after them (`API_KEY2`, `authToken3`, `DB_PASSWORD_2`). */
const NUMBERED_STEM = /^(key|token|password|passwd|passphrase|secret|pass|pwd|pw|psk|seed)\d{1,2}$/;

/**
 * A name's words without a number ending it: `API_KEY2` reads as `API_KEY`, `db_password_2` as
 * `db_password`. Only a qualified name (two words or more): `token1`, `key2` and Django's
 * `password2` are a loop's or a form's variables as often as secrets.
 */
function numberless(words: string[]): string[] {
  if (words.length < 2) return words;
  const last = words[words.length - 1]!;
  if (/^\d{1,2}$/.test(last)) return words.length > 2 ? words.slice(0, -1) : words;
  const stem = NUMBERED_STEM.exec(last);
  return stem ? [...words.slice(0, -1), stem[1]!] : words;
}

/** What stands before `seed` in a one-time-password generator's seed: `totp_seed`, `mfaSeed`, `2fa_seed`. */
const OTP_WORDS = new Set(['otp', 'totp', 'hotp', 'mfa', '2fa', 'twofa']);

/**
 * `pass`, `pwd` and `pw` alone: a password in a JSON object or a YAML mapping (nodemailer's
 * `auth: {user, pass}`, `{"user": …, "pwd": …}`, `pw: …`), but also the shell's working folder (`PWD=/…`)
 * and a test's verdict. Callers take their value only when it is no path and no flag-like word.
 */
export function isShortPasswordName(name: string): boolean {
  return /^(?:pass|pwd|pw)$/i.test(name);
}

/** A value a short password name (`pass`, `pwd`) can hold that is no password: a path, a boolean, a number. */
export function shortNameNonPassword(value: string): boolean {
  return value.length < 4 || /^(?:[~/.]|[A-Za-z]:[\\/]|\\\\)/.test(value) || /^(?:true|false|yes|no|null|none|on|off|[0-9.]+)$/i.test(value);
}

const SQUASHED_PASSWORD = /^(?:pg|db|root|admin|user|smtp|mysql|redis|ftp|mail|ldap|sql|vnc|mongo|rabbitmq|proxy|wifi)pass$/;

/** Short forms that mean a password only as a name's last word: `DB_PASS`, `MYSQL_PWD`, `ADMIN_PW`, not `pass_rate` or the shell's `PWD`. */
const SHORT_PASSWORD = new Set(['pass', 'pwd', 'pw']);

function classifyWords(words: readonly string[]): DefaultColumnRule | null {
  if (words.length === 0) return null;
  const last = words[words.length - 1]!;
  if (words.length > 1 && (METADATA_SUFFIX.has(last) || FLAG_PREFIX.has(words[0]!))) return null;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = words[i + 1];
    if (w === 'private' && next === 'key') return 'private_key';
    if (w === 'privatekey' || w.endsWith('privatekey')) return 'private_key';
    // PRIVKEY, SSL_PRIVKEY, priv_key as a name's last word; not gnutls' GNUTLS_PRIVKEY_IMPORT_COPY or gnutls_privkey_export_rsa_raw2.
    if ((w.endsWith('privkey') && next === undefined) || (w === 'priv' && (next === 'key' || next === 'keys') && i + 2 === words.length)) return 'private_key';
    if (w === 'pass' && next === 'phrase') return 'password';
    if (/(?:password|passwd|passphrase|passcode)s?$/.test(w)) return 'password';
    if (w === 'secret' || w === 'secrets' || w.endsWith('secret') || w === 'secretkey') return 'secret';
    // Squashed names standing alone: `PGPASS`, `DBPASS` (not `bypass`, `compass`, the package `node_modules/pgpass`), `MASTERKEY` (not HTML's `accesskey`).
    if (words.length === 1 && (SQUASHED_PASSWORD.test(w) || w === 'requirepass' || w === 'masterauth')) return 'password';
    if (/^(?:master|encryption|client)keys?$/.test(w)) return 'api_key';
    if (w === 'credential' || w === 'credentials' || w === 'creds') return 'credentials';
    // A TOTP seed and 2FA recovery codes are secrets; a WPA or IPsec pre-shared key (`psk`, `wpa_psk`; not `psk_identity`) a password.
    if ((w === 'seed' && i > 0 && OTP_WORDS.has(words[i - 1]!)) || (w === 'recovery' && (next === 'codes' || next === 'code'))) return 'secret';
    if (w === 'psk' && next === undefined) return 'password';
    if (/apikeys?$/.test(w) || ((next === 'key' || next === 'keys') && KEY_QUALIFIERS.has(w))) return 'api_key';
    if ((w === 'token' || w.endsWith('token')) && w !== 'tokens') return 'token';
    if (w === 'jwt' || w === 'authorization' || w === 'cookie' || w === 'cookies' || w === 'bearer') return 'token';
  }
  if (words.length > 1 && SHORT_PASSWORD.has(last)) return 'password';
  return null;
}

/** What stands before `user` or `login` in a user name's column: `os_user`, `ssh_login`, `git_user_name`. */
const USER_QUALIFIERS = new Set(['os', 'unix', 'linux', 'windows', 'system', 'sys', 'local', 'remote', 'host', 'shell', 'ssh', 'git', 'login', 'user', 'github', 'gitlab', 'author', 'committer', 'owner', 'account']);

/** `<verb>_by` names of who made a decision; `created_by` and the like hold ids as often as names, and are left alone. */
const DECIDERS = new Set(['decided', 'approved', 'denied', 'rejected', 'reviewed']);

/**
 * A column or JSON key holding a user name: `user_name`, `username`, `userName`, `login`,
 * `login_name`, `os_user`, `os_username`, `ssh_user`, `git_user_name`, `decided_by`; not an id, a role, an
 * agent or a time (`user_id`, `role`, `user_agent`, `author_id`, `last_login`, `login_count`).
 */
export function isUserNameName(name: string): boolean {
  const words = nameWords(name);
  const squashed = words.join('');
  if (squashed === 'login' || squashed === 'username' || squashed === 'loginname') return true;
  const last = words[words.length - 1];
  if (words.length < 2 || last === undefined) return false;
  // Who decided an approval (the workspace's own appr_approvals.decided_by): a person's name.
  if (words.length === 2 && last === 'by' && DECIDERS.has(words[0]!)) return true;
  const qualified = (head: readonly string[]): boolean => head.every((w) => USER_QUALIFIERS.has(w));
  if (last === 'username' || (last === 'name' && (words[words.length - 2] === 'user' || words[words.length - 2] === 'login'))) {
    return qualified(words.slice(0, last === 'name' ? -2 : -1));
  }
  // WordPress' `user_login`, `os_user`; not a doubled word (`user_user`).
  return (last === 'user' || last === 'login') && words[words.length - 2] !== last && qualified(words.slice(0, -1));
}

/** `<something>_key` words that name no secret: database and cache keys, public keys, i18n. */
const PUBLIC_KEY_WORDS = new Set(['public', 'primary', 'foreign', 'sort', 'partition', 'range', 'cache', 'idempotency', 'lookup', 'i18n', 'translation', 'shortcut', 'hot', 'row', 'object', 'unique', 'composite', 'routing', 'dedup', 'dedupe', 'group', 'join', 'index', 'map', 'cursor', 'page', 'order', 'react', 'list', 'item', 'field', 'column', 'table', 'locale', 'message', 'label', 'sequence', 'natural', 'surrogate', 'candidate', 'shard', 'bucket']);

/**
 * Names that hold a secret only when their value looks like one: a last word `key`, `pat`, `sig`
 * or `signature` (`WANDB_KEY`, `AZURE_OPENAI_KEY`, `AZURE_DEVOPS_PAT`, `?sig=`), but not a
 * database's or a UI's keys (`sort_key`, `primary_key`, `public_key`, `cache_key`).
 */
export function isKeyLikeName(name: string): boolean {
  return classified(name).keyLike;
}

function keyLikeWords(words: readonly string[]): boolean {
  const last = words[words.length - 1];
  if (last === 'sig' || last === 'signature') return true;
  if ((last !== 'key' && last !== 'pat') || words.length < 2) return false;
  return !words.slice(0, -1).some((w) => PUBLIC_KEY_WORDS.has(w));
}

/**
 * Names (squashed) that make a key/value pair: a table's key and value columns, or a JSON object's
 * members (`{"name": "DB_PASSWORD", "value": "…"}` in Kubernetes and ECS env lists, CloudFormation's
 * `{"ParameterKey": "DBPassword", "ParameterValue": "…"}`). Keys most
 * telling first: `(id, name, key, value)` is keyed by key.
 */
export const PAIR_KEYS: readonly string[] = ['key', 'settingkey', 'setting', 'variable', 'envvar', 'var', 'name', 'parameterkey'];
export const PAIR_VALUES: ReadonlySet<string> = new Set(['value', 'val', 'settingvalue', 'parametervalue']);
/**
 * A 1Password field's `type` whose `value` is a secret whatever its label (`op item get --format json`,
 * an item template fed to `op item create`): a password or concealed text, or a one-time password's seed.
 */
export const CONCEALED_TYPES: ReadonlySet<string> = new Set(['CONCEALED', 'OTP']);

/**
 * A table's key and value columns (squashed), wider than JSON's: WordPress' `option_name` and
 * `meta_key`, `(k, v)`, `(property, val)`, `(env_name, env_value)`. Not document columns (`data`,
 * `json`, `content`): `file_cache(name, data)` holds a file under its path, `kv_cache(key, json)` a
 * response under its cache key; those are scanned, never replaced whole.
 */
const TABLE_PAIR_KEYS: readonly string[] = [
  'key', 'settingkey', 'settingname', 'setting', 'optionname', 'metakey', 'configkey', 'propertyname', 'envname', 'envkey',
  'variable', 'variablename', 'envvar', 'var', 'varname', 'property', 'attribute', 'attributename', 'field', 'fieldname',
  'paramname', 'parameter', 'k', 'name',
];
const TABLE_PAIR_VALUES: ReadonlySet<string> = new Set([
  'value', 'val', 'v', 'settingvalue', 'optionvalue', 'metavalue', 'configvalue', 'propertyvalue', 'envvalue', 'varvalue',
  'variablevalue', 'attributevalue', 'fieldvalue', 'paramvalue',
]);

/** The key column of a key/value table (index into `squashed` column names) and whether column `value` is its value; -1 when none. */
export function tablePairKey(squashed: readonly string[]): number {
  if (!squashed.some((c) => TABLE_PAIR_VALUES.has(c))) return -1;
  for (const k of TABLE_PAIR_KEYS) {
    const i = squashed.indexOf(k);
    if (i >= 0) return i;
  }
  return -1;
}

/** A key/value table's key column (squashed): `key`, `name`, `option_name`, `setting_name`… */
export function isTablePairKeyName(squashed: string): boolean {
  return TABLE_PAIR_KEYS.includes(squashed);
}

export function isTablePairValue(_key: string, value: string): boolean {
  return TABLE_PAIR_VALUES.has(value);
}

/** A setting's name: an identifier, dotted or not (`smtp_password`, `mail.smtp.password`); no path, URL or cache key. */
const SETTING_NAME = /^[A-Za-z_][\w.-]{0,127}$/;

/**
 * A key/value row's key that names a secret the way a setting does: a setting's name whose last
 * word (or last two: `api_key`, `db_pass`, `secret_key_base`) names the secret. Not
 * `password_strength_meter`, `token_refresh_interval`, `password_rules`, `github:token_scopes` or
 * `src/auth/password-reset.tsx`: they are about a secret, or are paths and cache keys.
 */
export function isSecretSettingName(name: string): boolean {
  if (!SETTING_NAME.test(name)) return false;
  const words = numberless(nameWords(name));
  // Rails' SECRET_KEY_BASE is the key itself.
  const n = words.length > 2 && words[words.length - 1] === 'base' && words[words.length - 2] === 'key' ? words.length - 1 : words.length;
  if (n === 0) return false;
  const last = words[n - 1]!;
  if (last === 'auth' || classifyWords([last]) !== null) return true;
  return n > 1 && /^(?:keys?|phrase|pass|pwd|pw|seed|codes?)$/.test(last) && classifyWords(words.slice(n - 2, n)) !== null;
}

/** Lowercase with separators removed: how globs and names are compared. */
export function squash(name: string): string {
  return name.toLowerCase().replace(/[\s_\-.]+/g, '');
}

/** Characters a column glob may hold: name characters, separators, `*` and `?`. */
export const GLOB_SYNTAX = /^[A-Za-z0-9_\-. *?]+$/;

/**
 * A column glob matched on name words, ignoring case and separators: a `*` standing as a word of
 * its own stands for one or more whole words, so `*_key` matches `api_key`, `apiKey`, `API-KEY`
 * and `signing_key` (a name whose last word is `key`) but not `key`, `monkey` or `apikey`. A `*` or
 * `?` inside a word works on characters: `api*` matches `api_key` and `apikey`, `*key` also `monkey`.
 */
export function compileGlob(glob: string): (name: string) => boolean {
  const words = glob
    .trim()
    .replace(/([a-z0-9*?])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9*?]+/)
    .filter((w) => w !== '');
  // Runs of '*' are one '*': `**` would only add ways for the regex to split a name.
  const source = words.map((w) => (/^\*+$/.test(w) ? '.+' : w.replace(/\*+/g, '.*').replace(/\?/g, '[^ ]'))).join(' ');
  const re = new RegExp(`^${source}$`);
  return (name) => re.test(spacedWords(name));
}

const spaced = new Map<string, string>();

/** `apiKey` → `api key`: what globs are matched against, cached as JSON keys repeat row after row. */
function spacedWords(name: string): string {
  let s = spaced.get(name);
  if (s === undefined) {
    if (spaced.size >= 4096) spaced.clear();
    s = nameWords(name).join(' ');
    spaced.set(name, s);
  }
  return s;
}

/** A pre-release as packages name them (`-beta.2`, `-rc1`, `-0`), not any suffix: `1.0.0-Kx9vQ2` could be a password. */
const PRERELEASE = String.raw`(?:-(?:alpha|beta|rc|canary|next|dev|pre|preview|nightly|insiders|\d+)(?:[.-]?\d+)*)?`;
const VERSION_PART = String.raw`(?:[~^]|[<>]=?|=)?v?\d+(?:\.(?:\d+|[xX*])){0,2}${PRERELEASE}`;
const VERSION_SPEC = new RegExp(String.raw`^(?:(?:[~^]|[<>]=?|=)?v?\d+(?:\.(?:\d+|[xX*])){2}${PRERELEASE}(?:\+[\d.]+)?|[~^]\d+(?:\.(?:\d+|[xX*]))?)(?:(?:\s+|\s*\|\|\s*|\s+-\s+)${VERSION_PART})*$`);

/**
 * A package version or range (`^9.0.0`, `~1.4.6`, `9.0.2`, `>=1.2.0 <2.0.0`): what a manifest or
 * lockfile puts under a package's name, and `jsonwebtoken`, `cookie-parser`, `generate-password`
 * read like secrets' names. No secret is shaped like this.
 */
export function isVersionSpec(value: string): boolean {
  return value.length <= 64 && VERSION_SPEC.test(value);
}
