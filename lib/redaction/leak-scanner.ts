/**
 * The leak detector over a byte stream cut into arbitrary chunks. Bytes are read as latin1 (one
 * character per byte, so positions are byte offsets and ASCII secrets read the same in UTF-8 and
 * in SQLite pages). The last `reach` characters are carried into the next chunk, and a hit that
 * touches the end of what has arrived waits for more: a secret split across chunks is found
 * whole, with the same fingerprint however the stream was cut.
 */
import type { LeakDetector, LeakHit } from './leak-detector.js';

export interface LeakFinding extends LeakHit {
  /** The line around the hit (latin1), for telling which table and column it is in. It holds the secret: never print it. */
  readonly line: string;
  /** Where the hit starts within `line`. */
  readonly lineOffset: number;
}

export interface LeakScanner {
  /** Scans one more chunk; returns the hits now certain. */
  write(chunk: Uint8Array): LeakFinding[];
  /** The same, for a chunk already read as latin1 (one character per byte). */
  writeLatin1(text: string): LeakFinding[];
  /** The stream has ended: returns the hits still waiting. */
  end(): LeakFinding[];
  /** Bytes scanned so far. */
  readonly bytes: number;
  /** Bytes before this offset can hold no hit not yet returned: safe to pass on. */
  readonly settled: number;
}

const MAX_LINE = 4096;

/**
 * How acode writes a BLOB in JSON and NDJSON: `{"$blob":"` and its base64. Nothing else in an
 * export holds these bytes as they are (a quote inside JSON text is `\"`, inside CSV `""`).
 */
const BLOB_OPEN = '{"$blob":"';

/** Base64's characters, by code: a BLOB's encoding is blanked up to the first character outside them. */
const BASE64 = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=') BASE64[c.charCodeAt(0)] = 1;

/**
 * A BLOB's base64 is bytes acode encoded, not data: a token's shape turns up there by chance
 * (the base64 of 300 MB of random bytes holds a few `AIza…` runs), and a secret inside the BLOB
 * cannot be read from it. The BLOB itself was read byte for byte by the redaction rules and the
 * row scan before it was encoded. So the encoding is blanked (spaces, the length kept) for this
 * scan; the bytes passed on are untouched. Blanks from `from` on, where the text is inside an
 * encoding when `open`; returns the text and whether it ends inside one.
 */
function blankBlobs(text: string, from: number, open: boolean): { text: string; open: boolean } {
  let out = '';
  let copied = 0;
  let at = open ? from : -1;
  for (;;) {
    if (at < 0) {
      const mark = text.indexOf(BLOB_OPEN, Math.max(from, copied));
      if (mark < 0) break;
      at = mark + BLOB_OPEN.length;
    }
    let end = at;
    while (end < text.length && BASE64[text.charCodeAt(end)] === 1) end++;
    out += text.slice(copied, at) + ' '.repeat(end - at);
    copied = end;
    if (end === text.length) return { text: out, open: true };
    at = -1;
  }
  return { text: copied === 0 ? text : out + text.slice(copied), open: false };
}

export function createLeakScanner(detector: LeakDetector): LeakScanner {
  let carry = '';
  let base = 0;
  let bytes = 0;
  let ended = false;
  let inBlob = false;
  const reported = new Set<string>();

  const take = (text: string, final: boolean): LeakFinding[] => {
    const found: LeakFinding[] = [];
    for (const h of detector.scan(text)) {
      if (!final && h.end >= text.length) continue;
      const start = base + h.start;
      const key = `${start}:${h.detector}`;
      if (reported.has(key)) continue;
      reported.add(key);
      found.push({ ...h, start, end: base + h.end, ...lineAround(text, h.start, h.end) });
    }
    return found;
  };

  const writeLatin1 = (chunk: string): LeakFinding[] => {
    bytes += chunk.length;
    // The carry was blanked already; an opening it ends in the first part of is found whole here.
    const blanked = blankBlobs(carry + chunk, inBlob ? carry.length : Math.max(0, carry.length - BLOB_OPEN.length + 1), inBlob);
    inBlob = blanked.open;
    const text = blanked.text;
    const found = take(text, false);
    const keep = Math.min(text.length, detector.reach);
    carry = text.slice(text.length - keep);
    base += text.length - keep;
    for (const key of reported) {
      if (Number(key.slice(0, key.indexOf(':'))) < base) reported.delete(key);
    }
    return found;
  };

  return {
    get bytes() {
      return bytes;
    },
    get settled() {
      return ended ? bytes : base;
    },
    write: (chunk) => writeLatin1(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1')),
    writeLatin1,
    end() {
      const found = take(carry, true);
      carry = '';
      ended = true;
      return found;
    },
  };
}

function lineAround(text: string, start: number, end: number): { line: string; lineOffset: number } {
  const from = Math.max(text.lastIndexOf('\n', start) + 1, start - MAX_LINE);
  const nl = text.indexOf('\n', end);
  const to = Math.min(nl < 0 ? text.length : nl, end + MAX_LINE);
  return { line: text.slice(from, to), lineOffset: start - from };
}
