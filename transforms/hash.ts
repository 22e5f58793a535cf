import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export interface Digest {
  readonly sha256: string;
  readonly bytes: number;
}

export interface HashTapOptions {
  /** More bytes than this fail the stream with `tooLarge()`'s error, before they go on. */
  readonly maxBytes?: number;
  readonly tooLarge?: () => Error;
}

/** A pass-through stage that hashes every byte going past; `digest()` is ready once it has flushed. */
export class HashTap extends Transform {
  #hash: Hash = createHash('sha256');
  #bytes = 0;
  #digest: Digest | null = null;
  readonly #options: HashTapOptions;

  constructor(options: HashTapOptions = {}) {
    super();
    this.#options = options;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const { maxBytes, tooLarge } = this.#options;
    if (maxBytes !== undefined && this.#bytes + chunk.length > maxBytes) {
      return callback(tooLarge?.() ?? new Error(`more than ${maxBytes} bytes`));
    }
    this.#hash.update(chunk);
    this.#bytes += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.#digest = { sha256: this.#hash.digest('hex'), bytes: this.#bytes };
    callback();
  }

  /** Bytes seen so far, for progress. */
  get bytes(): number {
    return this.#bytes;
  }

  digest(): Digest {
    if (!this.#digest) throw new Error('HashTap: digest() before the stream finished');
    return this.#digest;
  }
}

export function createHashTap(options: HashTapOptions = {}): HashTap {
  return new HashTap(options);
}
