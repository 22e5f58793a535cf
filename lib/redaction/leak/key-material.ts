/** Private keys: PEM headers, PuTTY's private lines, JSON Web Keys' private members, base64 PEM and a Kubernetes Secret's data. */
import type { LeakHit } from '../leak-detector.js';
import { nextWord } from './lines.js';
import { MAX_RUN, hit, isPlaceholder, looksSecret } from './values.js';

/** A PuTTY key file's `Private-Lines: N` and the base64 line after it (the key in the clear, or encrypted). */
export function puttyKeys(text: string, hits: LeakHit[]): void {
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
export function kubernetesSecrets(text: string, hits: LeakHit[]): void {
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
export function encodedPem(text: string, hits: LeakHit[]): void {
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

export function jwkKeys(text: string, hits: LeakHit[]): void {
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

export function privateKeyHeaders(text: string, hits: LeakHit[]): void {
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
