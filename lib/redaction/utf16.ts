/**
 * BLOBs of UTF-16 text (what Windows tools and PowerShell write): found by their byte order mark,
 * or by the zero bytes ASCII-range text has in every other place, so a secret in them is
 * redacted and leak-scanned like text instead of being read as "s\0k\0-\0…".
 */

export interface Utf16Text {
  readonly text: string;
  /** The text back as bytes in the same encoding, byte order mark included when there was one. */
  encode(text: string): Buffer;
}

const SAMPLE = 512;

export function decodeUtf16(bytes: Uint8Array): Utf16Text | null {
  if (bytes.length < 4 || bytes.length % 2 !== 0) return null;
  let order: 'le' | 'be' | null = null;
  let bom = false;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) [order, bom] = ['le', true];
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) [order, bom] = ['be', true];
  else order = zeroSide(bytes);
  if (order === null) return null;
  const body = Buffer.from(bytes.buffer, bytes.byteOffset + (bom ? 2 : 0), bytes.byteLength - (bom ? 2 : 0));
  const le = order === 'le' ? body : swapped(body);
  const text = le.toString('utf16le');
  return {
    text,
    encode(s: string): Buffer {
      const out = Buffer.from(s, 'utf16le');
      const bytesOut = order === 'le' ? out : swapped(out);
      return bom ? Buffer.concat([Buffer.from(order === 'le' ? [0xff, 0xfe] : [0xfe, 0xff]), bytesOut]) : bytesOut;
    },
  };
}

/** 'le' when most odd bytes of the start are zero and few even ones are ('be' the other way round). */
function zeroSide(bytes: Uint8Array): 'le' | 'be' | null {
  const n = Math.min(bytes.length, SAMPLE);
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
