/**
 * Secrets known by where they stand rather than by their own shape: the value of a secret-named
 * assignment, an AWS secret key after its name, an Authorization header's credentials, and the
 * password inside a connection URL.
 */
import { SINGLE_DASH_FLAG, parseAssignment } from './assignment.js';
import { NOT_A_VALUE, REFERENCE } from './not-a-value.js';
import { sectionValues } from './section-values.js';
import { isSpace } from './text-scan.js';
import { commandOutput } from './command-output.js';
import { COMMAND_ANCHORS, commandPassword } from './command-line.js';
import { ARGUMENT_ANCHORS, argumentSecret } from './argument-secrets.js';
import { HTPASSWD_ANCHOR, STDIN_ANCHOR, SUDO_ANCHOR, WITH_TOKEN_ANCHOR, WITH_TOKEN_INNER, htpasswdPassword, stdinPassword, stdinReaderPassword } from './stdin-passwords.js';
import { CALL_ANCHORS, credentialCall } from './credential-calls.js';
import { ENV_ADD_ANCHOR, SECURE_STRING_ANCHOR, passInsertSecret, ssmParameterValue, storedSecret } from './secret-stores.js';
import { keyvaultSecret } from './keyvault.js';
import { vaultInputSecret } from './vault-input.js';
import { mysqladminPassword } from './mysqladmin-password.js';
import { LOGIN_ANCHORS, loginCommand, redisAuth } from './login-commands.js';
import { sqlColumnDefault, sqlInsertValues, sqlSettingUpdate } from './sql-rows.js';
import { classifyName, isAuthOnlyName, isKeyLikeName, isShortPasswordName, nameWords, shortNameNonPassword } from './names.js';
import {
  ALNUM, builtInRule, charTable, inTable, looksRandom, runEnd, runStart, startsAfterBoundary, startsWithIgnoreCase, type ContentRule, type Span,
} from './rule.js';


/** Keywords one of which sits inside every secret-ish name the column classifier accepts. */
export const NAME_KEYWORDS = ['pass', 'pwd', 'secret', 'token', 'key', 'cred', 'auth', 'cookie', 'bearer', 'otp', 'psk'];

const AUTH_TUPLE = /^\s*=\s*\(\s*(["'])[^"'\n]{1,64}\1\s*,\s*(["'])/;

/** Oracle's user or link before an unquoted `IDENTIFIED BY`: `CREATE|ALTER USER name`, `CONNECT TO name`. */
const ORACLE_USER = /\b(?:(?:create|alter)\s+user|connect\s+to)\s+[\w$#."]{1,128}\s+$/i;
/** An unquoted password after it, to a space, `;` or the line's end; not Oracle's `VALUES '…'` nor `EXTERNALLY`/`GLOBALLY`, nor a substitution or bind variable. */
const ORACLE_PASSWORD = /^(?!(?:values|externally|globally|password|[&:$<{]))[^\s;'"]{1,128}(?=[\s;]|$)/i;

/**
 * MySQL's `CREATE USER 'u'@'%' IDENTIFIED BY '…'` (and `ALTER USER`, `SET PASSWORD … BY`): the quoted
 * password; Oracle's `CREATE USER app IDENTIFIED BY Pw_2024;` (unquoted, right after the user's name).
 */
function identifiedBy(text: string, at: number, out: Span[], self: ContentRule): number {
  const from = at + 'identified by '.length;
  const quote = text[from];
  if (quote !== "'" && quote !== '"') {
    const bare = ORACLE_USER.test(text.slice(Math.max(0, at - 160), at)) ? ORACLE_PASSWORD.exec(text.slice(from, from + 129)) : null;
    if (!bare || NOT_A_VALUE.test(bare[0]) || REFERENCE.test(bare[0])) return from;
    out.push({ start: from, end: from + bare[0].length, rule: self });
    return from + bare[0].length;
  }
  // A statement about a user, role, link or keystore (`CREATE USER 'u'@'%' IDENTIFIED BY`, `GRANT … TO`,
  // Oracle's `CONNECT TO app IDENTIFIED BY`, `… KEYSTORE … IDENTIFIED BY`): not prose's "columns identified by \"x\"".
  const statement = text.slice(Math.max(0, at - 256), at).split(';').pop()!;
  if (!/\b(?:user|role|grant|login|connect\s+to|database\s+link|keystore|key\s+management|password|replication)\b|'@'/i.test(statement)) return from;
  let end = from + 1;
  while (end < text.length && end - from < 1024 && text[end] !== quote && text[end] !== '\n') end += text[end] === '\\' ? 2 : 1;
  if (text[end] !== quote || end === from + 1 || /^(?:\$|\{\{|<[^>]*>$|\*+$|\[REDACTED)/.test(text.slice(from + 1, end))) return end;
  out.push({ start: from + 1, end, rule: self });
  return end + 1;
}

/** One of LOGIN_ANCHORS stands at `at` (not `-p`, `-u`, `-a`, which share their first character). */
function isLoginAnchor(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  if (c === 45) {
    const flag = text.charCodeAt(at + 1);
    return flag === 80 || flag === 119 || flag === 85;
  }
  if (c === 47) return text.startsWith('/p:', at) || text.startsWith('/user:', at);
  return (c | 0x20) === 113 && startsWithIgnoreCase(text, 'qlcmd', at);
}

export function secretAssignment(): ContentRule {
  return builtInRule(
    'secret_assignment', 'secrets',
    'values assigned to secret-named keys in env, shell, YAML (block scalars too), JSON, PHP/Ruby hashes, .netrc, query strings, flags and code (password=…, "token": "…", export API_TOKEN=…), and command-line passwords (curl -u user:…, mysql -p…, sshpass -p …, echo … | docker login --password-stdin, htpasswd -b), and secrets given as arguments (wandb login KEY, ngrok authtoken, vault login, gh secret set --body, sqlplus user/PW@db, zip -P, 7z -p, ssh-keygen -N, openssl -k)',
    [...NAME_KEYWORDS, ...COMMAND_ANCHORS, STDIN_ANCHOR, WITH_TOKEN_INNER, HTPASSWD_ANCHOR, SUDO_ANCHOR, ...ARGUMENT_ANCHORS, ...LOGIN_ANCHORS, '_pat', '_pw', 'pw:', 'pw=', 'sig=', 'signature=', 'identified by ', ...CALL_ANCHORS, ENV_ADD_ANCHOR, SECURE_STRING_ANCHOR],
    (self) => (text, at, out) => {
      // `echo PW | wrangler secret put NAME`, `… | vercel env add NAME`: the literal a secret store reads from its input.
      const first = text.charCodeAt(at) | 0x20;
      const envAdd = first === 101 && startsWithIgnoreCase(text, ENV_ADD_ANCHOR, at);
      if (envAdd || (first === 115 && startsWithIgnoreCase(text, 'secret', at))) {
        // `az keyvault secret set … --value PW`: every value it sets is a secret.
        const vault = envAdd ? null : keyvaultSecret(text, at);
        const stored = vault ? [vault] : storedSecret(text, at);
        if (stored) {
          for (const [start, end] of stored) out.push({ start, end, rule: self });
          return Math.max(at + 1, stored[stored.length - 1]![1]);
        }
        if (envAdd) return at + 1;
      }
      // `echo PW | pass insert -e web/site`: the literal pass stores; `… | vault kv put secret/app password=-`: the key's value.
      const inserted = first === 112 ? passInsertSecret(text, at) : first === 118 ? vaultInputSecret(text, at) : null;
      if (inserted) {
        for (const [start, end] of inserted) out.push({ start, end, rule: self });
        return Math.max(at + 1, inserted[inserted.length - 1]![1]);
      }
      // `mysqladmin -u root password PW`: the new password.
      const admin = first === 112 ? mysqladminPassword(text, at) : null;
      if (admin) {
        out.push({ start: admin[0], end: admin[1], rule: self });
        return admin[1];
      }
      // `aws ssm put-parameter --name /x/db-password --value PW` (or `--type SecureString`): the value.
      const secure = first === 115 && startsWithIgnoreCase(text, SECURE_STRING_ANCHOR, at);
      const parameter = secure || text.charCodeAt(at - 1) !== 32 ? ssmParameterValue(text, at) : null;
      if (parameter) {
        out.push({ start: parameter[0], end: parameter[1], rule: self });
        return Math.max(at + 1, parameter[1]);
      }
      if (secure) return at + SECURE_STRING_ANCHOR.length;
      // `echo PW | docker login --password-stdin`, `htpasswd -b FILE USER PW`, `wandb login KEY`: the literal; otherwise the anchors inside them go on.
      const piped = text.startsWith(STDIN_ANCHOR, at) ? stdinPassword(text, at) : text.startsWith(WITH_TOKEN_ANCHOR, at - 4) ? stdinPassword(text, at - 4) : text.startsWith(HTPASSWD_ANCHOR, at) ? htpasswdPassword(text, at) : null;
      if (piped) {
        out.push({ start: piped[0], end: piped[1], rule: self });
        return Math.max(at + 1, piped[1]);
      }
      // `echo PW | sudo -S …`, `echo 'user:PW' | chpasswd`, `echo PW | passwd --stdin bob`.
      const sudo = startsWithIgnoreCase(text, SUDO_ANCHOR, at);
      if (sudo || text.startsWith('passwd', at)) {
        const fed = stdinReaderPassword(text, at);
        if (fed) {
          out.push({ start: fed[0], end: fed[1], rule: self });
          return Math.max(at + 1, fed[1]);
        }
        if (sudo) return at + 1;
      }
      // The other words of the command are read on: `curl -H "X-Api-Key: …" -b "s=…"` holds two secrets.
      for (const [start, end] of argumentSecret(text, at)) out.push({ start, end, rule: self });
      // `sqlcmd … -P PW`, `ldapsearch … -w PW`, `smbclient -U user%PW`, `xfreerdp /p:PW`, `net use \\h\s PW`, redis' `AUTH PW`.
      if (isLoginAnchor(text, at)) for (const [start, end] of loginCommand(text, at)) out.push({ start, end, rule: self });
      const auth = (text.charCodeAt(at) | 0x20) === 97 ? redisAuth(text, at) : null;
      if (auth) {
        out.push({ start: auth[0], end: auth[1], rule: self });
        return auth[1];
      }
      // `req.SetBasicAuth("bob", "…")`, `server.login(user, "…")`: the literal argument.
      const call = credentialCall(text, at);
      if (call) {
        out.push({ start: call[0], end: call[1], rule: self });
        return call[1];
      }
      if (text.charCodeAt(at) === 45) {
        const found = commandPassword(text, at);
        // PuTTY's `-pw …` holds no keyword: the `-p` anchor finds it.
        if (found === null && text.startsWith('-pw', at) && isSpace(text.charCodeAt(at + 3))) return takeAssignment(text, at + 1, out, self);
        // Nothing skipped: a keyword anchor may start right after the dash (`-password=…`, `--password …`).
        if (found === null) return at + 1;
        out.push({ start: found[0], end: found[1], rule: self });
        return found[1];
      }
      if (startsWithIgnoreCase(text, 'identified by ', at)) return identifiedBy(text, at, out, self);
      // `INSERT INTO users (email, password) VALUES (…, '…')`, `UPDATE settings SET value = '…' WHERE key = 'smtp_password'`.
      const rows = sqlInsertValues(text, at, secretRowValue);
      const setting = rows.length === 0 ? sqlSettingUpdate(text, at) : null;
      if (setting) rows.push(setting);
      if (rows.length > 0) {
        for (const [start, end] of rows) out.push({ start, end, rule: self });
        return runEnd(text, at, SETTING_NAME);
      }
      // `api_key VARCHAR(64) NOT NULL DEFAULT '…'` in a table's DDL pasted in a chat.
      const preset = sqlColumnDefault(text, at, secretRowValue);
      if (preset) {
        out.push({ start: preset[0], end: preset[1], rule: self });
        return preset[1];
      }
      // `$ echo $OPENAI_API_KEY`, `$ gh auth token`, `$ cat ~/.pgpass` in a pasted session: the output below.
      const printed = commandOutput(text, at);
      if (printed) {
        for (const [start, end] of printed) out.push({ start, end, rule: self });
        return Math.max(at + 1, printed[printed.length - 1]![1]);
      }
      return takeAssignment(text, at, out, self);
    },
  );
}

/**
 * A secret-named assignment's name: header values keep their scheme word (authorization_header
 * takes those); an ODBC/ADO connection string's `;Pwd=` is a password though `PWD` alone is the
 * shell's folder. A single-dash flag names one by itself: keytool's `-storepass`, PuTTY's `-pw`.
 * A bare `--key` does not: it is an object's key, a cache key or a key id as often (`aws s3api
 * get-object --key <uuid>`, `gpg --key <id>`).
 */
function secretName(text: string, name: string, start: number): boolean {
  if (classifyName(name) !== null || isKeyLikeName(name) || isShortPasswordName(name)) return !/^(?:proxy-)?authorization$/i.test(name);
  return text.charCodeAt(start - 1) === 45 && text.charCodeAt(start - 2) !== 45 && SINGLE_DASH_FLAG.test(name);
}

const SETTING_NAME = charTable('A-Za-z0-9_.-');

/**
 * A literal stored under a column or setting named `name` (SQL's VALUES and SET): a secret when the
 * name is one and the value holds no reference or placeholder, judged as an assignment's value is.
 */
function secretRowValue(name: string, value: string): boolean {
  if (classifyName(name) === null && !isKeyLikeName(name) && !isShortPasswordName(name)) return false;
  if (REFERENCE.test(value) || NOT_A_VALUE.test(value)) return false;
  if (isShortPasswordName(name) && shortNameNonPassword(value)) return false;
  if (classifyName(name) === null && isKeyLikeName(name) && !generatedValue(value)) return false;
  return !isAuthOnlyName(name) || (value.length >= 8 && looksRandom(value));
}

/** A value that looks generated: what a `*_key` name must hold (`sort_key = created_at` is none). */
function generatedValue(value: string): boolean {
  return value.length >= 16 && looksRandom(value) && /^[A-Za-z0-9+/=_%-]+$/.test(value);
}

/** The value of the secret-named assignment around `at`, pushed; returns where the scan goes on. */
function takeAssignment(text: string, at: number, out: Span[], self: ContentRule): number {
  const a = parseAssignment(text, at, (name, start) => secretName(text, name, start));
  if (typeof a === 'number') {
    // A secret's name over a YAML mapping or list, or a TOML/INI section's: the generated-looking values below it.
    // (The scan goes on from the name: the keys below are read on their own as well.)
    const below = text.charCodeAt(a) === 58 || text.charCodeAt(a) === 93 ? sectionValues(text, at, (name, start) => secretName(text, name, start)) : null;
    for (const [start, end] of below ?? []) out.push({ start, end, rule: self });
    return a;
  }
  const value = text.slice(a.valueStart, a.valueEnd);
  // `pass: …`, `pwd=…`, ODBC's `;Pwd=…`: a password unless a path (the shell's `PWD=/home/…`) or a flag-like word.
  if (isShortPasswordName(a.name) && shortNameNonPassword(value)) return Math.max(a.nameEnd, a.valueEnd);
  // `WANDB_KEY`, `?sig=`: only a value that looks generated.
  // (The scan goes on inside such a value: Azure's `SharedAccessSignature=sv=…&sig=…` holds its secret as a member.)
  if (classifyName(a.name) === null && isKeyLikeName(a.name) && !generatedValue(value)) return Math.max(a.nameEnd, a.valueStart);
  // `auth: basic` names a method; docker's `"auth": "<base64>"` is a credential.
  if (isAuthOnlyName(a.name)) {
    // requests' `auth=("admin", "…")`: the tuple's second member is the password.
    const pair = AUTH_TUPLE.exec(text.slice(a.nameEnd, a.nameEnd + 160));
    if (pair) {
      const start = a.nameEnd + pair[0].length;
      const close = text.indexOf(pair[2]!, start);
      if (close > start && close - start <= 256 && !text.slice(start, close).includes('\n')) out.push({ start, end: close, rule: self });
      return Math.max(a.nameEnd, close);
    }
    if (!(a.valueEnd - a.valueStart >= 8 && looksRandom(text.slice(a.valueStart, a.valueEnd)))) return Math.max(a.nameEnd, a.valueEnd);
  }
  out.push({ start: a.valueStart, end: a.valueEnd, rule: self });
  return a.resume ?? Math.max(a.nameEnd, a.valueEnd);
}

const AWS_SECRET = charTable('A-Za-z0-9/+');

/** An access key id (AKIA/ASIA + 16), the anchor for a secret key written beside it. */
const KEY_ID = /^(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/;
/** How far along the id's line its secret key is looked for. */
const KEY_PAIR_REACH = 160;

/** A 40-character run that can be a secret key rather than a hash: both cases, and a digit, `/` or `+`. */
function awsSecretShaped(run: string): boolean {
  return /[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9/+]/.test(run);
}

export function awsSecretKey(): ContentRule {
  return builtInRule(
    'aws_secret_access_key', 'secrets', 'AWS secret access keys (40 characters) after a name like aws_secret_access_key or SecretAccessKey, or beside their access key id on its line (the console\'s accessKeys.csv, a table row)',
    ['secret', 'AKIA', 'ASIA'],
    (self) => (text, at, out) => {
      if (text.startsWith('AKIA', at) || text.startsWith('ASIA', at)) {
        if (!KEY_ID.test(text.slice(at, at + 21)) || !startsAfterBoundary(text, at, ALNUM)) return at + 4;
        const limit = Math.min(text.length, at + 20 + KEY_PAIR_REACH);
        for (let i = at + 20; i < limit && text.charCodeAt(i) !== 10; ) {
          if (!inTable(AWS_SECRET, text.charCodeAt(i))) {
            i++;
            continue;
          }
          const end = runEnd(text, i, AWS_SECRET);
          if (end - i === 40 && awsSecretShaped(text.slice(i, end))) {
            out.push({ start: i, end, rule: self });
            return end;
          }
          i = end;
        }
        return at + 20;
      }
      // `akia`/`asia` in other case (Slovakia, Asia/Tokyo): the anchors are matched ignoring case.
      if (!startsWithIgnoreCase(text, 'secret', at)) return at + 4;
      const a = parseAssignment(text, at, (name) => /secret ?access ?key|aws ?secret ?key/.test(nameWords(name).join(' ')));
      if (typeof a === 'number') return a;
      const end = runEnd(text, a.valueStart, AWS_SECRET);
      if (end - a.valueStart !== 40 || end !== a.valueEnd) return a.valueEnd;
      out.push({ start: a.valueStart, end, rule: self });
      return end;
    },
  );
}

const TOKEN68 = charTable('A-Za-z0-9._~+/=-');
const SCHEME_WORD = charTable('A-Za-z-');
const SPACE = charTable(' \t');
const SCHEMES = new Set(['bearer', 'basic', 'token', 'bot', 'negotiate', 'ntlm', 'apikey', 'api-key', 'sso-key', 'key', 'ssws']);
/** AWS's signature scheme names an algorithm, not a credential; its Signature= is secret_assignment's. */
const AWS_SIGV4 = 'AWS4-HMAC-SHA256';

export function authorizationHeader(): ContentRule {
  return builtInRule(
    'authorization_header', 'tokens', 'credentials in Authorization / Proxy-Authorization headers (Bearer, Basic, Token, Digest, Api-Key, and a vendor\'s own scheme before a generated value) and bare "Bearer <token>"',
    // `asic` for Basic: `bas` starts base, bash and database, which the pre-filter would stop at.
    ['auth', 'bearer', 'asic'],
    (self) => (text, anchorAt, out) => {
      const at = startsWithIgnoreCase(text, 'asic', anchorAt) ? anchorAt - 1 : anchorAt;
      if (at < 0) return anchorAt + 1;
      if (!startsAfterBoundary(text, at, ALNUM)) return at + 1;
      if (startsWithIgnoreCase(text, 'authorization', at)) {
        let i = at + 13;
        if (text.startsWith('\\"', i)) i += 2;
        else if (text[i] === '"' || text[i] === "'") i++;
        while (text[i] === ' ' || text[i] === '\t') i++;
        if (text[i] !== ':' && text[i] !== '=') return at + 13;
        i++;
        while (text[i] === ' ' || text[i] === '\t') i++;
        if (text.startsWith('\\"', i)) i += 2;
        else if (text[i] === '"' || text[i] === "'") i++;
        const schemeEnd = runEnd(text, i, SCHEME_WORD, i + 16);
        const scheme = text.slice(i, schemeEnd).toLowerCase();
        if (scheme === 'digest' && (text[schemeEnd] === ' ' || text[schemeEnd] === '\t')) {
          let end = schemeEnd + 1;
          while (end < text.length && end - schemeEnd < 4096 && !'\n"\''.includes(text[end]!)) end++;
          if (end > schemeEnd + 1) out.push({ start: schemeEnd + 1, end, rule: self });
          return end;
        }
        if (SCHEMES.has(scheme) && (text[schemeEnd] === ' ' || text[schemeEnd] === '\t')) {
          const from = runEnd(text, schemeEnd, SPACE, schemeEnd + 4);
          const end = runEnd(text, from, TOKEN68);
          if (end - from >= 4) out.push({ start: from, end, rule: self });
          return end;
        }
        if (text.startsWith(AWS_SIGV4, i)) return i + AWS_SIGV4.length;
        // A vendor's own scheme (`SSWS …`, `DeepL-Auth-Key …`, `Klaviyo-API-Key …`, `GenieKey …`): the word after it, when generated.
        if (schemeEnd - i >= 2 && /[A-Z]/.test(text[i]!) && (text[schemeEnd] === ' ' || text[schemeEnd] === '\t')) {
          const from = runEnd(text, schemeEnd, SPACE, schemeEnd + 4);
          const end = runEnd(text, from, TOKEN68);
          // A vendor's key has no dot: `see docs/Guide2024.md` is prose.
          if (end - from >= 16 && looksRandom(text.slice(from, end)) && !text.slice(from, end).includes('.')) {
            out.push({ start: from, end, rule: self });
            return end;
          }
        }
        const end = runEnd(text, i, TOKEN68);
        if (end - i >= 16 && looksRandom(text.slice(i, end))) out.push({ start: i, end, rule: self });
        return end;
      }
      if (startsWithIgnoreCase(text, 'basic', at) && (text[at + 5] === ' ' || text[at + 5] === '\t')) {
        // A bare `Basic <base64>` (nginx's `proxy_set_header Authorization "Basic …"`): taken when it
        // decodes to user:password (an API key as the user has an empty password: `sk_live_…:`).
        const from = runEnd(text, at + 5, SPACE, at + 9);
        const end = runEnd(text, from, TOKEN68);
        const decoded = Buffer.from(text.slice(from, end), 'base64').toString('latin1');
        if (end - from >= 8 && /^[\x21-\x7e][\x20-\x7e]*:[\x20-\x7e]*$/.test(decoded)) out.push({ start: from, end, rule: self });
        return end;
      }
      if (startsWithIgnoreCase(text, 'bearer', at) && (text[at + 6] === ' ' || text[at + 6] === '\t')) {
        const from = runEnd(text, at + 6, SPACE, at + 9);
        const end = runEnd(text, from, TOKEN68);
        if (end - from >= 16 && looksRandom(text.slice(from, end))) out.push({ start: from, end, rule: self });
        return end;
      }
      return at + 1;
    },
  );
}

const SCHEME = charTable('A-Za-z0-9+.-');
// Not '?' or '#': a password may hold them unencoded; the user part is checked for them instead.
const AUTHORITY_STOP = charTable('/\\ \t\r\n"\'<>`');
const MAX_AUTHORITY = 2048;

/** GitHub's documented "token as the user" forms: `https://TOKEN:x-oauth-basic@github.com`. */
const TOKEN_USER_PASSWORDS = new Set(['x-oauth-basic', 'x-oauth-token']);

/** A URL's user part that is a credential: 20+ letters and digits that look random (`https://<40 hex>@github.com`). */
function tokenUser(user: string): boolean {
  return user.length >= 20 && runEnd(user, 0, ALNUM) === user.length && looksRandom(user);
}

const URL_USER = /^[A-Za-z0-9_%+-]+$/;
const URL_PASSWORD_STOP = charTable(' \t\r\n"\'<>`\\');

/**
 * `mysql://root:Zx8/Qw3@db:3306/x`: a password holding an unencoded `/`, which ends the authority
 * for a URL parser but not for the person who pasted it. Taken when the part before the `/` is a
 * user (no dot: not a host) and a password (not a port), and an `@` and a host follow within the
 * same word. Returns the password's stretch, or null.
 */
function passwordWithSlash(text: string, from: number, slash: number): [number, number] | null {
  if (text.charCodeAt(slash) !== 47) return null;
  const colon = text.indexOf(':', from);
  if (colon < 0 || colon >= slash || !URL_USER.test(text.slice(from, colon)) || /^[0-9]*$/.test(text.slice(colon + 1, slash))) return null;
  const limit = Math.min(text.length, slash + 256);
  for (let i = slash + 1; i < limit && !inTable(URL_PASSWORD_STOP, text.charCodeAt(i)); i++) {
    if (text.charCodeAt(i) === 64) return inTable(HOST, text.charCodeAt(i + 1)) ? [colon + 1, i] : null;
  }
  return null;
}

const HOST = charTable('A-Za-z0-9.-');

export function urlPassword(): ContentRule {
  return builtInRule(
    'url_password', 'passwords', 'passwords in URLs (scheme://user:PASSWORD@host): scheme, user and host are kept; a token used as the user (https://TOKEN@host, TOKEN:x-oauth-basic@) goes too',
    ['://'],
    (self) => (text, at, out) => {
      const schemeStart = runStart(text, at, SCHEME, 32);
      if (schemeStart === at || !/[A-Za-z]/.test(text[schemeStart]!)) return at + 1;
      const from = at + 3;
      let end = from;
      const limit = Math.min(text.length, from + MAX_AUTHORITY);
      while (end < limit && !inTable(AUTHORITY_STOP, text.charCodeAt(end))) end++;
      // Bounded searches: an unbounded lastIndexOf/indexOf per '://' would be quadratic on a crafted value.
      let atSign = end - 1;
      while (atSign >= from && text.charCodeAt(atSign) !== 64) atSign--;
      if (atSign < from) {
        const slashed = passwordWithSlash(text, from, end);
        if (slashed) out.push({ start: slashed[0], end: slashed[1], rule: self });
        return slashed ? slashed[1] : end;
      }
      let colon = from;
      while (colon < atSign && text.charCodeAt(colon) !== 58) colon++;
      if (/[?#]/.test(text.slice(from, colon))) return end;
      const user = text.slice(from, colon);
      const password = text.slice(colon + 1, atSign);
      if (colon < atSign && TOKEN_USER_PASSWORDS.has(password.toLowerCase())) {
        if (user !== '' && !/^(?:\$|\{\{|<[^>]*>$|\[REDACTED)/.test(user)) out.push({ start: from, end: colon, rule: self });
        return end;
      }
      // `http://localhost:3000?invite=jane@example.com`: a port, then a query holding an address.
      if (/^[0-9]{1,5}[/?#]/.test(password)) return end;
      const userIsToken = tokenUser(user);
      // Templates are no password: `${password}`, `{{ pw }}`, `<password>`, Python's `{password}`, `%s` and `%(password)s`.
      if (colon >= atSign || password === '' || /^(?:\$|\{\{|<[^>]*>$|\*+$|\[REDACTED|\{\w*\}$|%s$|%\(\w+\)s$)/.test(password)) {
        if (userIsToken) out.push({ start: from, end: colon, rule: self });
        return end;
      }
      out.push({ start: userIsToken ? from : colon + 1, end: atSign, rule: self });
      return end;
    },
  );
}

/** A `.pgpass` line's host: a name, an address or `*` (an IPv6 address has its colons escaped, and is not read). */
const PGPASS_HOST = charTable('A-Za-z0-9.*_-');
/** The database and user fields: a database is no number (`main.go:5432:12:` is a compiler's file:line:column). */
const PGPASS_FIELD = /^(?!\d+:)[^:\s\\"']{1,64}:[^:\s\\"']{1,64}:/;

/**
 * PostgreSQL's password file, `host:port:database:user:password` a line (`cat ~/.pgpass`): the
 * password, found from the port fields most files hold (5432, 5433, 6432 and `*`). A password's
 * own `:` or `\` is escaped with `\`; it runs to the line's end (or a literal `\n`, or a quote).
 */
export function pgpassPassword(): ContentRule {
  return builtInRule(
    'pgpass_password', 'passwords', 'passwords in PostgreSQL password-file lines (host:port:database:user:PASSWORD, port 5432, 5433, 6432 or *)',
    [':5432:', ':5433:', ':6432:', ':*:'],
    (self) => (text, at, out) => {
      const hostStart = runStart(text, at, PGPASS_HOST, 254);
      if (hostStart === at || !pgpassLineStart(text, hostStart)) return at + 1;
      const portEnd = text.indexOf(':', at + 1);
      const fields = PGPASS_FIELD.exec(text.slice(portEnd + 1, portEnd + 132));
      if (!fields) return at + 1;
      const start = portEnd + 1 + fields[0].length;
      let end = start;
      const limit = Math.min(text.length, start + 1024);
      while (end < limit) {
        const c = text.charCodeAt(end);
        if (c === 92) {
          // The file's escapes are `\:` and `\\`; any other backslash (an escaped `\n` or `\"` in JSON text) ends the line.
          const next = text.charCodeAt(end + 1);
          if (next !== 58 && next !== 92) break;
          end += 2;
          continue;
        }
        // A space ends it too: `echo host:5432:db:user:PW >> ~/.pgpass`.
        if (c === 10 || c === 13 || c === 34 || c === 39 || c === 32 || c === 9) break;
        end++;
      }
      const password = text.slice(start, end);
      if (end === start || /^(?:\$|\{\{|<[^>]*>$|\*+$|\[REDACTED)/.test(password)) return end;
      out.push({ start, end, rule: self });
      return end;
    },
  );
}

/**
 * A `.pgpass` line starts at `at`: the text's start, after a newline (raw or a literal `\n`) and
 * indentation, a quote opening a string, or `echo ` writing the line into the file.
 */
function pgpassLineStart(text: string, at: number): boolean {
  let i = at;
  while (i > 0 && at - i < 64 && (text.charCodeAt(i - 1) === 32 || text.charCodeAt(i - 1) === 9)) i--;
  if (i === 0) return true;
  const c = text.charCodeAt(i - 1);
  if (c === 10 || c === 13 || ((c === 34 || c === 39) && i === at) || (c === 110 && text.charCodeAt(i - 2) === 92)) return true;
  return i < at && /(?:^|[\s;&|])echo$/.test(text.slice(Math.max(0, i - 8), i));
}


/** Where a Go MySQL DSN's `user:password` part stops, read backwards: whitespace, quotes, `=`, brackets, commas. */
const DSN_STOP = charTable(' \t\r\n"\'`=(,<>;[{');

/**
 * The password of a Go MySQL driver DSN, `user:PASSWORD@tcp(host:3306)/db` or `…@unix(/path)/db`,
 * in a string, an environment value or a panic message: what follows the user's `:` up to the
 * `@` before `tcp(`/`unix(` (the user takes no `:`, the password may). `user@tcp(…)` holds none;
 * `git@github.com:org/repo` and `user@host` are no DSN.
 */
export function mysqlDsnPassword(): ContentRule {
  return builtInRule(
    'mysql_dsn_password', 'passwords', 'passwords in Go MySQL DSNs (user:PASSWORD@tcp(host:3306)/db, user:PASSWORD@unix(/path)/db): the user and address are kept',
    ['@tcp(', '@unix('],
    (self) => (text, at, out) => {
      // The anchors share the e-mail rule's `@`: this rule runs at every `@`.
      if (!text.startsWith('@tcp(', at) && !text.startsWith('@unix(', at)) return at + 1;
      let start = at;
      while (start > 0 && at - start < 256 && !inTable(DSN_STOP, text.charCodeAt(start - 1))) start--;
      // Both searches stay between start and the anchor (at most 256 characters): unbounded, each
      // `@tcp(` of a long log read it back to its start (1 MiB of Go MySQL errors: 4 s, 2 MiB: 15 s).
      const span = text.slice(start, at);
      const scheme = span.lastIndexOf('://');
      if (scheme >= 0) start += scheme + 3;
      const found = text.slice(start, at).indexOf(':');
      const colon = found < 0 ? -1 : start + found;
      if (colon < 0 || colon >= at - 1 || colon === start) return at + 1;
      const password = text.slice(colon + 1, at);
      if (REFERENCE.test(password) || /^(?:%s|%v|\*+|\{\w*\})$/.test(password)) return at + 1;
      out.push({ start: colon + 1, end: at, rule: self });
      return at + 1;
    },
  );
}
