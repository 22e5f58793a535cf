/**
 * Secrets and personal data known by the structure around them: multi-line PEM private keys,
 * PuTTY key files' private lines, JSON Web Keys' private members, the values of a Kubernetes
 * Secret, e-mail addresses and home-folder paths. Each is found from a literal anchor
 * (`-----BEGIN`, `e-Lines:`, `"kty"`, `Secret`, `@`, `/home/`…) by scanning outward with bounded reads.
 */
import { ALNUM, builtInRule, charTable, inTable, runEnd, runStart, startsAfterBoundary, startsWithIgnoreCase, type ContentRule } from './rule.js';


const LABEL = charTable('A-Za-z0-9 ');
/** Labels of secret blocks: private keys (PGP's `PRIVATE KEY BLOCK` too) and OpenVPN's static key (`tls-auth`, `secret`). */
const PRIVATE_LABEL = /(?:^|[ ])(?:PRIVATE KEY(?: BLOCK)?|OpenVPN Static key V1)$/;
const PEM_BODY = charTable('A-Za-z0-9+/= \t\r\n\\:,.-');
/** Farther than this from its BEGIN line, an END line belongs to something else. */
const MAX_PEM = 64 * 1024;

export function pemPrivateKey(): ContentRule {
  // One value can hold many BEGIN lines; remembering where the next END is keeps the search linear.
  let memo: { text: string; from: number; end: number } | null = null;
  const nextEnd = (text: string, from: number): number => {
    if (memo && memo.text === text && memo.from <= from && (memo.end < 0 || memo.end >= from)) return memo.end;
    const end = text.indexOf('-----END', from);
    memo = { text, from, end };
    return end;
  };
  return builtInRule(
    'pem_private_key', 'private keys', 'PEM private-key blocks, whole, from BEGIN to END (RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP, OpenVPN static keys); a block cut short loses its header and body',
    ['-----BEGIN '],
    (self) => (text, at, out) => {
      const labelStart = at + 11;
      const labelEnd = runEnd(text, labelStart, LABEL, labelStart + 48);
      const label = text.slice(labelStart, labelEnd);
      if (!PRIVATE_LABEL.test(label) || !text.startsWith('-----', labelEnd)) return labelEnd;
      const headerEnd = labelEnd + 5;
      const endLine = nextEnd(text, headerEnd);
      let end: number;
      // The END line closes this block only when it names a private key and no other block starts
      // first: a header quoted in code followed by a certificate is not a key running to the certificate's end.
      const endLabelEnd = endLine < 0 ? -1 : runEnd(text, endLine + 9, LABEL, endLine + 57);
      const closes = endLine >= 0 && endLine - headerEnd <= MAX_PEM && text.startsWith('-----END ', endLine)
        && PRIVATE_LABEL.test(text.slice(endLine + 9, endLabelEnd)) && !text.slice(headerEnd, endLine).includes('-----BEGIN ');
      if (closes) {
        const close = text.slice(endLine + 8, endLine + 80).indexOf('-----');
        end = close >= 0 ? endLine + 8 + close + 5 : runEnd(text, endLine + 8, LABEL);
      } else {
        end = runEnd(text, headerEnd, PEM_BODY, headerEnd + MAX_PEM);
      }
      out.push({ start: at, end, rule: self });
      return end;
    },
  );
}

/** How far around `kind: Secret` its YAML document or JSON object is read. */
const SECRET_REACH = 64 * 1024;
/** `kind: Secret` in YAML (quoted or not), JSON or a Python repr, at the anchor `kind`; not `SecretProviderClass`. */
const SECRET_KIND = /(?<![\w-])kind(["']?)[ \t]*:[ \t]*(["']?)$/;
/** After `Secret`: its closing quote, then the line's or the member's end (not `SecretProviderClass`). */
const SECRET_KIND_END = /^(["']?)(?=[ \t]*(?:[,}#\r\n]|$))/;
/** A YAML map key at `data:` or `stringData:` ending its line (a comment may follow), or opening a flow map. */
const SECRET_MAP = /^([ \t]*)(?:data|stringData):[ \t]*(?:(\{[^}\n]*\})[ \t]*)?(?:#[^\n]*)?\r?$/gm;
/** A JSON (or Python) `"data": {…}` or `"stringData": {…}` object (Secret values hold no braces). */
const SECRET_OBJECT = /(["'])(?:data|stringData)\1\s*:\s*\{([^{}]*)\}/g;
const MEMBER_VALUE = /(["'])(?:(?!\1)[^\\]|\\.)*\1\s*:\s*(["'])((?:(?!\2)[^\\]|\\.)+)\2/g;
/**
 * A flow map's entry: `key: value` up to `,` or `}`. The value starts and ends with a character
 * that is no space, so no run of spaces can be split between it and the `\s*` around it (a lazy
 * value there made 4,000 spaces before an odd quote take 37 s).
 */
const FLOW_VALUE = /(?:^|[{,])\s*(?:"[^"]*"|'[^']*'|[^\s:,{}]+)\s*:\s*(["']?)([^,{}"'\s](?:[^,{}"']*[^,{}"'\s])?)\1\s*(?=[,}])/g;

/**
 * A Kubernetes Secret as `kubectl get secret -o yaml` (or `-o json`) prints it: every value under
 * `data:` and `stringData:` is a secret, whatever its key (`DATABASE_URL`, `config.json`, `.env`).
 * Read in the YAML document around `kind: Secret` (between `---` lines; kubectl puts `data:` before
 * `kind:`), or the JSON object around `"kind": "Secret"`. Block scalars (`key: |`), continued
 * plain values and flow maps (`data: {a: b}`) go whole. Each stretch of text is read once.
 */
export function kubernetesSecret(): ContentRule {
  // How far a value was read, for the anchors after this one in the same value. A value with the
  // same text (a second row of the same tool output) starts again at its first anchor, no later
  // than the last one seen: `===` cannot tell two equal strings apart, the anchor's position can.
  let memo: { text: string; read: number; at: number } | null = null;
  return builtInRule(
    'kubernetes_secret', 'secrets', 'every value under data: and stringData: of a Kubernetes Secret (YAML or JSON, as kubectl get secret prints it)',
    // `Secret` as written, the kind's value: `kind` starts too many words (making, looking) to anchor on.
    ['Secret'],
    (self) => (text, secretAt, out) => {
      const kind = SECRET_KIND.exec(text.slice(Math.max(0, secretAt - 24), secretAt));
      const end = SECRET_KIND_END.exec(text.slice(secretAt + 6, secretAt + 8));
      if (!kind || !end || kind[2] !== end[1]) return secretAt + 6;
      const at = secretAt - kind[0].length;
      const read = memo && memo.text === text && secretAt > memo.at ? memo.read : 0;
      const quoted = kind[1] !== '' || (at > 0 && /["']/.test(text[at - 1]!));
      if (quoted) {
        const from = Math.max(0, at - SECRET_REACH, read);
        const to = Math.min(text.length, at + SECRET_REACH);
        memo = { text, read: to, at: secretAt };
        const window = text.slice(from, to);
        SECRET_OBJECT.lastIndex = 0;
        for (let m = SECRET_OBJECT.exec(window); m; m = SECRET_OBJECT.exec(window)) {
          const bodyAt = from + m.index + m[0].length - 1 - m[2]!.length;
          MEMBER_VALUE.lastIndex = 0;
          for (let v = MEMBER_VALUE.exec(m[2]!); v; v = MEMBER_VALUE.exec(m[2]!)) {
            const start = bodyAt + v.index + v[0].length - 1 - v[3]!.length;
            out.push({ start, end: start + v[3]!.length, rule: self });
          }
        }
        return to;
      }
      const before = text.slice(Math.max(0, at - SECRET_REACH, read), at).lastIndexOf('\n---');
      const docStart = before >= 0 ? Math.max(0, at - SECRET_REACH, read) + before + 4 : Math.max(0, at - SECRET_REACH, read);
      const after = text.slice(at, at + SECRET_REACH).indexOf('\n---');
      const docEnd = after >= 0 ? at + after : Math.min(text.length, at + SECRET_REACH);
      memo = { text, read: docEnd, at: secretAt };
      const doc = text.slice(docStart, docEnd);
      SECRET_MAP.lastIndex = 0;
      for (let m = SECRET_MAP.exec(doc); m; m = SECRET_MAP.exec(doc)) {
        if (m[2]) {
          const flowAt = docStart + m.index + m[0].indexOf(m[2]);
          FLOW_VALUE.lastIndex = 0;
          for (let v = FLOW_VALUE.exec(m[2]); v; v = FLOW_VALUE.exec(m[2])) {
            const value = v[2]!.trim();
            const start = flowAt + v.index + v[0].lastIndexOf(value);
            if (value !== '') out.push({ start, end: start + value.length, rule: self });
          }
        } else {
          secretMapValues(doc, m.index + m[0].length, m[1]!.length, docStart, out, self);
        }
      }
      return Math.max(docEnd, secretAt + 6);
    },
    true,
  );
}

/** The values of the map whose lines follow `from` in `doc`, indented deeper than `indent`. */
function secretMapValues(doc: string, from: number, indent: number, offset: number, out: { start: number; end: number; rule: ContentRule }[], rule: ContentRule): void {
  let i = doc.indexOf('\n', from) + 1;
  let blockIndent = -1;
  let entryIndent = -1;
  while (i > 0 && i < doc.length) {
    const eol = doc.indexOf('\n', i);
    const end = eol < 0 ? doc.length : eol;
    const line = doc.slice(i, end).replace(/\r$/, '');
    const depth = line.length - line.trimStart().length;
    const content = line.trim();
    if (content === '' || content.startsWith('#')) {
      // blank lines and comments go on a block scalar or the map
    } else if (blockIndent >= 0 && depth >= blockIndent) {
      out.push({ start: offset + i + depth, end: offset + i + depth + content.length, rule });
    } else if (depth <= indent) {
      return;
    } else {
      blockIndent = -1;
      // Matched on the line without its trailing spaces: a lazy value before `[ \t]*$` read the rest
      // of a long line at each character (8 Secret documents of 40 KB: 13.5 s).
      const trimmed = line.trimEnd();
      const entry = /^([ \t]*)(?:"[^"]*"|'[^']*'|[^\s:#][^:#]*?):[ \t]+(["']?)(.*?)\2$/.exec(trimmed);
      if (entry && (entryIndent < 0 || depth <= entryIndent)) {
        entryIndent = depth;
        const value = entry[3]!;
        if (/^[|>][-+]?[1-9]?$/.test(value)) blockIndent = depth + 1;
        else if (value !== '') {
          const start = offset + i + entry[0].length - value.length - entry[2]!.length;
          out.push({ start, end: start + value.length, rule });
        }
      } else if (entryIndent >= 0 && depth > entryIndent) {
        // A plain value continued on the next line, deeper than its key.
        out.push({ start: offset + i + depth, end: offset + i + depth + content.length, rule });
      }
    }
    i = eol < 0 ? -1 : eol + 1;
  }
}

/** A JWK's private members (RSA `d p q dp dq qi`, EC and OKP `d`, a symmetric key's `k`), raw or JSON-escaped quotes, or a Python dict's. */
const JWK_PRIVATE = /(\\*["'])(?:d|p|q|dp|dq|qi|k)\1\s*:\s*\1([A-Za-z0-9_-]{16,})\1/g;
const JWK_REACH = 16 * 1024;

/**
 * The `}` closing the object that holds `at`, braces of nested objects counted, within `reach`;
 * -1 when there is none there. (Braces inside strings are counted too: JWK values are base64url.)
 */
function closingBrace(text: string, at: number, reach: number): number {
  let depth = 0;
  const limit = Math.min(text.length, at + reach);
  for (let i = at; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === 123) depth++;
    else if (c === 125 && depth-- === 0) return i;
  }
  return -1;
}

/** The `{` opening the object that holds `at`, nested objects before it skipped, no earlier than `from`; -1 when there is none. */
function openingBrace(text: string, at: number, from: number): number {
  let depth = 0;
  for (let i = at - 1; i >= from; i--) {
    const c = text.charCodeAt(i);
    if (c === 125) depth++;
    else if (c === 123 && depth-- === 0) return i;
  }
  return -1;
}

/**
 * JSON Web Keys holding a private key: the private members of the object around `"kty"` (nested
 * objects counted); the public ones (`n`, `e`, `x`, `y`, `kid`) stay. The search back for the
 * object's `{` stops at the last object read, so a run of anchors reads the text once.
 */
export function jwkPrivateKey(): ContentRule {
  // As kubernetesSecret's: reused only for a later anchor of the same value.
  let memo: { text: string; read: number; at: number } | null = null;
  return builtInRule(
    'jwk_private_key', 'private keys', 'private members of JSON Web Keys (d, p, q, dp, dq, qi; k of symmetric keys) in an object with "kty"',
    ['"kty"', 'kty\\"', "'kty'"],
    (self) => (text, at, out) => {
      const read = memo && memo.text === text && at > memo.at ? memo.read : 0;
      const close = closingBrace(text, at, JWK_REACH);
      if (close < 0) {
        memo = { text, read: Math.min(text.length, at + JWK_REACH), at };
        return memo.read;
      }
      const open = openingBrace(text, at, Math.max(0, at - JWK_REACH, read));
      memo = { text, read: close, at };
      if (open < 0) return close;
      const object = text.slice(open, close);
      JWK_PRIVATE.lastIndex = 0;
      for (let m = JWK_PRIVATE.exec(object); m; m = JWK_PRIVATE.exec(object)) {
        const start = open + m.index + m[0].length - m[1]!.length - m[2]!.length;
        out.push({ start, end: start + m[2]!.length, rule: self });
      }
      return close;
    },
  );
}

const PUTTY_LINE = charTable('A-Za-z0-9+/=');

/**
 * PuTTY private-key files (`.ppk`): `Private-Lines: N` and the N base64 lines after it, the key
 * itself (in the clear under `Encryption: none`). Public lines, comment and MAC are kept.
 */
export function puttyPrivateKey(): ContentRule {
  return builtInRule(
    'putty_private_key', 'private keys', 'PuTTY private-key files (.ppk): the base64 lines after Private-Lines: N',
    // `e-Lines:` as written: `pri` starts print, private and primary, which the pre-filter would stop at.
    ['e-Lines:'],
    (self) => (text, anchorAt, out) => {
      const at = anchorAt - 6;
      if (at < 0) return anchorAt + 1;
      // The lines may be indented (a Markdown code block, a YAML block) and a blank line may follow the header.
      const header = /^Private-Lines:[ \t]*(\d{1,3})[ \t]*((?:\r?\n|\\r\\n|\\n)[ \t]*)+/.exec(text.slice(at, at + 64));
      if (!header) return at + 1;
      const start = at + header[0].length;
      let end = start;
      for (let line = 0; line < Number(header[1]); line++) {
        if (line > 0) {
          const next = /^(?:\r?\n|\\r\\n|\\n)[ \t]*/.exec(text.slice(end, end + 72));
          if (!next) break;
          end += next[0].length;
        }
        const lineEnd = runEnd(text, end, PUTTY_LINE, end + 256);
        if (lineEnd === end) break;
        end = lineEnd;
      }
      // One replacement from the first line to the last; the newline after it stays.
      if (end > start) out.push({ start, end, rule: self });
      return Math.max(end, at + 1);
    },
    true,
  );
}

const LOCAL_PART = charTable('A-Za-z0-9._%+-');
const DOMAIN = charTable('A-Za-z0-9.-');

export function emailAddress(): ContentRule {
  return builtInRule(
    'email', 'e-mail addresses', 'e-mail addresses (user@example.com, mailto: links, URL-encoded jane%40example.com); git@host SSH remotes and @2x image names are kept',
    ['@', '%40'],
    (self) => (text, at, out) => {
      // `?email=jane.doe%40example.com`: a URL-encoded '@'.
      const sign = text.charCodeAt(at) === 64 ? 1 : text.startsWith('%40', at) ? 3 : 0;
      if (sign === 0) return at + 1;
      let start = runStart(text, at, LOCAL_PART, 64);
      // Encoded, the local part starts after the last encoded separator (`%3Demail%3Djane%40…`: at `jane`).
      if (sign === 3) {
        const separator = /^.*%(?:3D|26|2F|3F|20|22|3A|2C|3B|0A)/i.exec(text.slice(start, at));
        if (separator) start += separator[0].length;
      }
      // `…\njane@…`: the escape's letter is not part of the address.
      if (start < at && text.charCodeAt(start - 1) === 92 && 'ntrbf'.includes(text[start]!)) start++;
      while (start < at && text.charCodeAt(start) === 46) start++;
      if (start === at) return at + 1;
      const before = text[start - 1];
      // After '//' or ':' the '@' is a URL's user part (ssh://git@host), except in a mailto: link;
      // after a single '/' it is a folder named after an address (GoogleDrive-jane@example.com/).
      if ((before === '/' && text[start - 2] === '/') || (before === ':' && !startsWithIgnoreCase(text, 'mailto:', start - 7))) return at + 1;
      // `mysql://root:Zx8/Qw3@db:3306`: a password holding '/', url_password's.
      if (before === '/' && /:\/\/[^\s/@]*:[^\s@]*$/.test(text.slice(Math.max(0, start - 256), start))) return at + 1;
      let end = runEnd(text, at + sign, DOMAIN, at + 256);
      while (end > at + sign && (text[end - 1] === '.' || text[end - 1] === '-')) end--;
      const domain = text.slice(at + sign, end);
      const dot = domain.lastIndexOf('.');
      if (dot <= 0 || domain.includes('..') || !/^[A-Za-z]{2,24}$/.test(domain.slice(dot + 1))) return end;
      if (/^\d+(?:\.\d+)?x\./.test(domain) || text.slice(start, at) === 'git') return end;
      out.push({ start, end, rule: self });
      return end;
    },
  );
}

const PATH_CHAR = charTable('A-Za-z0-9._~-');
const USER_STOP = charTable('/\\ \t\r\n"\'<>:|*?`,;)]}');
/** Words that end a path in prose ("/Users/bob and src/x"), so they never join a user name. */
const PROSE_WORDS = new Set(['and', 'or', 'in', 'to', 'the', 'then', 'of', 'for', 'with', 'on', 'at', 'from', 'into', 'is', 'was', 'as', 'but', 'not', 'see', 'via', 'under', 'by', 'if', 'so', 'also', 'an', 'vs']);
const MAX_USER = 64;

/**
 * macOS and Windows user folders may hold spaces (`/Users/John Smith/…`, `C:\Users\Jane Q Doe\…`).
 * From the space after the first word, up to two more words join the user name when the last is
 * followed by the path's own separator (or the quote that opened the path), none is a prose word
 * like "and", and the whole stays within MAX_USER. Returns the new end, or `end` unchanged.
 */
function spacedUserEnd(text: string, userStart: number, end: number, separator: string, quote: string): number {
  let i = end;
  for (let words = 0; words < 2 && text.charCodeAt(i) === 32; words++) {
    const wordStart = i + 1;
    let wordEnd = wordStart;
    while (wordEnd < text.length && wordEnd - userStart < MAX_USER && !inTable(USER_STOP, text.charCodeAt(wordEnd))) wordEnd++;
    if (wordEnd === wordStart || wordEnd - userStart >= MAX_USER || PROSE_WORDS.has(text.slice(wordStart, wordEnd).toLowerCase())) return end;
    if (text.startsWith(separator, wordEnd) || (quote !== '' && text[wordEnd] === quote)) return wordEnd;
    i = wordEnd;
  }
  return end;
}

/**
 * The scheme and host of a URL that names a file on a machine, right before its path
 * (`vscode-remote://wsl+Ubuntu`, `sftp://jane@build-box:22`): its `/home/<user>` is a home folder
 * on that machine, and becomes `/~`, the host kept. A web URL's /home/ is a page, not a folder.
 */
const REMOTE_AUTHORITY = /(?<![A-Za-z0-9+.-])(?:vscode-remote|vscode-vfs|ssh|sftp|scp|rsync|smb|nfs|fish|git\+ssh|ssh\+git|svn\+ssh):\/\/[^\s/"'<>\\]{1,253}$/i;

const MOUNTED_HOME = /(?:\/mnt|\/cygdrive)?\/[A-Za-z]$|\/System\/Volumes\/Data$|\/var$|\/export$/;

/**
 * The mount point right before a home anchor at `at` (`/mnt/c`, `/var`…), as the prefix it is
 * and the characters it takes in `text`: with JSON's escaped slashes (`\/var\/home\/…`) each `/` is two.
 */
function mountBefore(text: string, at: number, slashes: boolean): { prefix: string; length: number } | null {
  const window = text.slice(Math.max(0, at - 40), at);
  const m = MOUNTED_HOME.exec(slashes ? window.replace(/\\\//g, '/') : window);
  if (!m) return null;
  const length = slashes ? m[0].length + (m[0].match(/\//g) ?? []).length : m[0].length;
  // Escaped, every slash of the prefix must have been `\/`: a bare `/` among them is some other text.
  if (slashes && text.slice(at - length, at).replace(/\\\//g, '/') !== m[0]) return null;
  return { prefix: m[0], length };
}

const SHARED_FOLDERS = new Set(['public', 'default', 'default user', 'all users', 'shared', 'linuxbrew']);

export function homePath(): ContentRule {
  return builtInRule(
    'home_path', 'file paths', 'home folders normalised to ~: /home/<user>, /Users/<user>, C:\\Users\\<user>',
    ['/home/', '/Users/', '\\Users\\', '\\users\\', '\\\\Users\\\\', '\\\\users\\\\', '\\/home\\/', '\\/Users\\/'],
    (self) => (text, at, out) => {
      const escaped = text.startsWith('\\\\', at);
      // `\/home\/jdoe\/app`: JSON's escaped slashes, in text that holds JSON without being it.
      const slashes = text.startsWith('\\/', at);
      const linux = text.startsWith('/home/', at) || text.startsWith('\\/home\\/', at);
      const width = slashes ? (linux ? 8 : 9) : linux ? 6 : escaped ? 9 : 7;
      let start = at;
      const drive = at >= 2 && text[at - 1] === ':' && /[A-Za-z]/.test(text[at - 2]!);
      // The same home folders seen from WSL (/mnt/c/Users/<user>), Git Bash (/c/Users/<user>),
      // Cygwin (/cygdrive/c/Users/<user>), macOS's data volume (/System/Volumes/Data/Users/<user>),
      // Fedora Atomic (/var/home/<user>) and Solaris (/export/home/<user>).
      const mounted = mountBefore(text, at, slashes);
      if (drive) start = at - 2;
      else if (text[at] === '\\' && !slashes) return at + 1;
      else if (mounted && (linux === (mounted.prefix === '/var' || mounted.prefix === '/export'))) start = at - mounted.length;
      else if (REMOTE_AUTHORITY.test(text.slice(Math.max(0, at - 260), at))) start = at + 1;
      if (start <= at && !startsAfterBoundary(text, start, PATH_CHAR)) return at + 1;
      const userStart = at + width;
      let userEnd = userStart;
      const limit = Math.min(text.length, userStart + 64);
      while (userEnd < limit && !inTable(USER_STOP, text.charCodeAt(userEnd))) userEnd++;
      if (userEnd === userStart || (userEnd === limit && limit < text.length && !inTable(USER_STOP, text.charCodeAt(limit)))) return userEnd;
      if (!inTable(ALNUM, text.charCodeAt(userStart)) && text.charCodeAt(userStart) < 128) return userEnd;
      // Folders every machine has, named like users but holding no one's name.
      if (SHARED_FOLDERS.has(text.slice(userStart, userEnd).toLowerCase())) return userEnd;
      // Linux user names hold no spaces; /Users/ and C:\Users\ folders may.
      if (!linux && text.charCodeAt(userEnd) === 32) {
        const separator = escaped ? '\\\\' : slashes ? '\\/' : text[at]!;
        const quote = start > 0 && (text[start - 1] === '"' || text[start - 1] === "'") ? text[start - 1]! : '';
        userEnd = spacedUserEnd(text, userStart, userEnd, separator, quote);
      }
      out.push({ start, end: userEnd, rule: self, replacement: '~' });
      return userEnd;
    },
  );
}
