/** The leak scan's own word lists: which names name a secret, which `*_key` words and section keys do not. */

/**
 * Words before `key` that make it a database's, a cache's, a UI's, a message's or a public key:
 * their values are hashes, ids and words, not secrets (the scan's own list; a hit here would fail
 * an export the rules pass, so it keeps at least every word they keep).
 */
export const NOT_SECRET_KEY = new Set(('public primary foreign sort partition range cache idempotency lookup i18n translation shortcut hot row object ' +
  'unique composite routing dedup dedupe group join index map cursor page order react list item field column table locale message label ' +
  'sequence natural surrogate candidate shard bucket hash etag s3 redis storage blob file path query search state store entity record ' +
  'dict json yaml config setting settings env host ssh gpg pgp verify verification validation jwks kid id idx tab menu button hotkey keyboard ' +
  'press event widget vue form prop props mapping').split(' '));

/** Names under a secret's section that describe it or point at it: their values are ids, places and words. */
export const DESCRIBES = /(?:^|[_.-])(?:name|id|type|kind|description|desc|label|url|uri|endpoint|host|hostname|port|region|user|username|login|email|provider|scope|scopes|path|file|image|version|at|enabled|format|algorithm|account|project|tenant|bucket|key_?id|arn|domain)$/i;

/**
 * A name ending in a secret word that starts a word of it (`DB_PASSWORD`, `dbPassword`,
 * `github.token`; not `BYPASS`, `GIT_ASKPASS` or the shell's `PWD`).
 */
const SECRET_WORD_END = /(?:^|[^A-Za-z])(?:passw(?:or)?d|passphrase|pass|secret|token|auth|api[-_]?key|apikey|access[-_]?key|private[-_]?key|credentials?)s?$/i;

const SECRET_CAMEL_END = /[a-z0-9](?:Passw(?:or)?d|Passphrase|Pass|Secret|Token|Auth|Api[-_]?Key|ApiKey|AccessKey|PrivateKey|Credentials?)s?$/;

export const secretName = (name: string): boolean => SECRET_WORD_END.test(name) || SECRET_CAMEL_END.test(name);

/** Words in a label that say something about a secret, not which it is: its reset, its age, where it is kept. */
export const NOT_A_LABEL = /\b(?:reset|forgot|forgotten|change|changed|policy|rotation|expiry|expires|length|id|name|file|path|hint|field|prompt|manager|usage|limit|count|type|store|backend|encoder|provider|hashing|scope)\b/i;
