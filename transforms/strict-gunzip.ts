import { Transform, type TransformCallback } from 'node:stream';
import { crc32, createInflateRaw, type InflateRaw } from 'node:zlib';
import { AcodeError } from '../lib/errors.js';

/**
 * gunzip for a file that must hold exactly what acode's gzip writes: one member, its header
 * without a file name, comment or extra field (FLG 0), nothing after its trailer. Node's gunzip
 * skips those header fields, reads on into a second member and ignores what follows it: bytes
 * a recipient gets with the file that no scan of the decompressed data would see.
 */
export interface StrictGunzip {
  /** For pipeline(), in order, between the file's bytes and their reader. */
  readonly stages: readonly Transform[];
  /** After the pipeline: ACODE-IMP-002 when the file is more than the one member, or its trailer disagrees. */
  check(): void;
}

const HEADER = 10;
const TRAILER = 8;

class GzipHeaderStrip extends Transform {
  readonly #head = Buffer.alloc(HEADER);
  #headBytes = 0;
  /** Every byte of the file, and the last TRAILER of them. */
  total = 0;
  readonly last = Buffer.alloc(TRAILER);

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.total += chunk.length;
    this.#keepLast(chunk);
    let rest = chunk;
    if (this.#headBytes < HEADER) {
      const n = Math.min(HEADER - this.#headBytes, chunk.length);
      chunk.copy(this.#head, this.#headBytes, 0, n);
      this.#headBytes += n;
      rest = chunk.subarray(n);
      if (this.#headBytes === HEADER) {
        const h = this.#head;
        if (h[0] !== 0x1f || h[1] !== 0x8b || h[2] !== 8) return callback(new AcodeError('ACODE-IMP-002', 'not valid gzip data: a damaged gzip header'));
        if (h[3] !== 0) return callback(new AcodeError('ACODE-IMP-002', 'a gzip header with a file name, comment or extra field (flags 0x' + h[3]!.toString(16) + '), which acode never writes'));
      }
    }
    callback(null, rest.length > 0 ? rest : undefined);
  }

  #keepLast(chunk: Buffer): void {
    if (chunk.length >= TRAILER) chunk.copy(this.last, 0, chunk.length - TRAILER);
    else {
      this.last.copyWithin(0, chunk.length);
      chunk.copy(this.last, TRAILER - chunk.length);
    }
  }
}

class Crc32Tap extends Transform {
  crc = 0;
  size = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.crc = crc32(chunk, this.crc);
    this.size += chunk.length;
    callback(null, chunk);
  }
}

export function createStrictGunzip(): StrictGunzip {
  const strip = new GzipHeaderStrip();
  const inflate: InflateRaw = createInflateRaw();
  const tap = new Crc32Tap();
  return {
    stages: [strip, inflate, tap],
    check: () => {
      const member = HEADER + inflate.bytesWritten + TRAILER;
      if (strip.total > member) throw new AcodeError('ACODE-IMP-002', `${strip.total - member} bytes after the gzip stream, which acode never writes`);
      if (strip.total < member || strip.last.readUInt32LE(0) !== tap.crc || strip.last.readUInt32LE(4) !== tap.size % 2 ** 32) {
        throw new AcodeError('ACODE-IMP-002', 'the gzip stream ends early or fails its CRC (truncated?)');
      }
    },
  };
}
