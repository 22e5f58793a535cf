/**
 * BLOBs of UTF-16 text (what Windows tools and PowerShell write): found by their byte order mark,
 * by the zero bytes ASCII-range text has in every other place, or (`guessUtf16`, for bytes that
 * are no UTF-8) by reading as text in one byte order: no unpaired surrogate, nearly every unit a
 * letter, digit, punctuation or space of a common script (CJK text has no zero bytes). A secret in
 * them is redacted and leak-scanned like text instead of being read as "s\0k\0-\0…". An odd
 * last byte (a truncated write) is kept as it is.
 */

export interface Utf16Text {
  readonly text: string;
  /** The text back as bytes in the same encoding, byte order mark included when there was one. */
  encode(text: string): Buffer;
}

const SAMPLE = 512;

export function decodeUtf16(bytes: Uint8Array): Utf16Text | null {
  if (bytes.length < 4) return null;
  let order: 'le' | 'be' | null = null;
  let bom = false;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) [order, bom] = ['le', true];
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) [order, bom] = ['be', true];
  else order = zeroSide(bytes);
  if (order === null) return null;
  return decoded(bytes, order, bom);
}

/** Bytes that are no UTF-8 read as UTF-16 without a byte order mark when one order reads as text (see `textLike`); null otherwise. */
export function guessUtf16(bytes: Uint8Array): Utf16Text | null {
  if (bytes.length < 32) return null;
  // The first kilobyte first: binary data fails there, without a decoding of all of it.
  const head = bytes.subarray(0, Math.min(bytes.length, 1024));
  for (const order of ['le', 'be'] as const) {
    if (!textLike(decoded(head, order, false).text)) continue;
    const wide = decoded(bytes, order, false);
    if (textLike(wide.text)) return wide;
  }
  return null;
}

function decoded(bytes: Uint8Array, order: 'le' | 'be', bom: boolean): Utf16Text {
  const from = bom ? 2 : 0;
  const even = from + ((bytes.byteLength - from) & ~1);
  const tail = Buffer.from(bytes.buffer, bytes.byteOffset + even, bytes.byteLength - even);
  const body = Buffer.from(bytes.buffer, bytes.byteOffset + from, even - from);
  const le = order === 'le' ? body : swapped(body);
  const text = le.toString('utf16le');
  return {
    text,
    encode(s: string): Buffer {
      const out = Buffer.from(s, 'utf16le');
      const bytesOut = order === 'le' ? out : swapped(out);
      const parts = bom ? [Buffer.from(order === 'le' ? [0xff, 0xfe] : [0xfe, 0xff]), bytesOut] : [bytesOut];
      return tail.length > 0 ? Buffer.concat([...parts, Buffer.from(tail)]) : parts.length === 1 ? bytesOut : Buffer.concat(parts);
    },
  };
}

/**
 * Text, not binary read as UTF-16: no unpaired surrogate (random bytes hold one in 32 units), and
 * 95% of units printable ASCII, whitespace, Latin, Greek, Cyrillic, general or CJK punctuation,
 * kana, CJK ideographs, Hangul or full-width forms (random units fall there about 60% of the time).
 */
function textLike(text: string): boolean {
  const rareLimit = text.length * 0.05;
  let rare = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return false;
    if (((c >= 0x20 && c < 0x7f) || c === 9 || c === 10 || c === 13 || (c >= 0xa0 && c < 0x250) || (c >= 0x370 && c < 0x530) || (c >= 0x2000 && c < 0x2070) || (c >= 0x3000 && c < 0x3100) || (c >= 0x4e00 && c < 0xa000) || (c >= 0xac00 && c < 0xd7a4) || (c >= 0xff00 && c < 0xfff0))) continue;
    if (++rare > rareLimit) return false;
  }
  return true;
}

/** 'le' when most odd bytes of the start are zero and few even ones are ('be' the other way round). */
function zeroSide(bytes: Uint8Array): 'le' | 'be' | null {
  const n = Math.min(bytes.length & ~1, SAMPLE);
  let even = 0;
  let odd = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) even++;
    if (bytes[i + 1] === 0) odd++;
  }
  const pairs = n / 2;
  if (odd >= pairs * 0.6 && even <= pairs * 0.1) return 'le';
  if (even >= pairs * 0.6 && odd <= pairs * 0.1) return 'be';
  return null;
}

function swapped(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  return out.swap16();
}
