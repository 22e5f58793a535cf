import { createHash, type Hash } from 'node:crypto';
import { Writable } from 'node:stream';
import { AcodeError } from '../lib/errors.js';
import type { Digest } from './hash.js';
import { takenDigest, type DigestSource, type HashingSink } from './hashing-sink.js';

type Callback = (error?: Error | null) => void;

/**
 * For standard output: hashes and counts the bytes and forwards them to `destination`, waiting
 * for 'drain' when it is full. The destination is not ended (stdout stays open); `_final` waits
 * until the last write has been handed over. An error of the destination (EPIPE when the reader
 * of a pipe went away) destroys this stream with that same error, code and all, so the CLI can
 * end quietly on EPIPE.
 */
export class HashingPassThrough extends Writable implements HashingSink {
  readonly #destination: Writable;
  readonly #hash: Hash | null;
  readonly #digestFrom: DigestSource | null;
  #bytes = 0;
  #digest: Digest | null = null;
  /** `digestFrom`: as for the file sink, the stage before it hashes these bytes already. */
  constructor(destination: Writable | NodeJS.WritableStream, options: { readonly digestFrom?: DigestSource } = {}) {
    super();
    this.#digestFrom = options.digestFrom ?? null;
    this.#hash = this.#digestFrom ? null : createHash('sha256');
    // process.stdout is typed as the old WritableStream interface; it is a Writable.
    this.#destination = destination as Writable;
    // Stays attached after this stream is done: an EPIPE reported late, after our last write
    // was handed over, must not become an unhandled 'error' on stdout (a crash with a trace).
    destination.on('error', (err: Error) => this.destroy(err));
  }

  get digest(): Digest | null {
    return this.#digest;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Nothing to publish: the bytes are already out. Returns the digest. */
  async commit(): Promise<Digest> {
    if (!this.#digest) throw new AcodeError('ACODE-INT-001', 'commit() of the output stream before it finished');
    return this.#digest;
  }

  /** Stops forwarding; what was written is out and cannot be taken back. */
  async discard(): Promise<void> {
    if (this.closed) return;
    const closed = new Promise<void>((resolve) => this.once('close', () => resolve()));
    this.destroy();
    await closed;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: Callback): void {
    this.#hash?.update(chunk);
    this.#bytes += chunk.length;
    if (this.#destination.write(chunk)) return callback();
    this.#whenWritable(callback);
  }

  override _final(callback: Callback): void {
    // An empty write's callback runs once every earlier write has been handed to the destination.
    if (this.#destination.destroyed) return callback(this.#gone());
    this.#destination.write(Buffer.alloc(0), (err) => {
      if (err) return callback(err);
      try {
        this.#digest = this.#hash ? { sha256: this.#hash.digest('hex'), bytes: this.#bytes } : takenDigest(this.#digestFrom!, this.#bytes);
      } catch (failure) {
        return callback(failure as Error);
      }
      callback();
    });
  }

  #whenWritable(callback: Callback): void {
    const dest = this.#destination;
    const done = (err?: Error | null): void => {
      dest.off('drain', onDrain);
      dest.off('close', onClose);
      callback(err);
    };
    const onDrain = (): void => done();
    const onClose = (): void => done(dest.errored ?? this.#gone());
    dest.on('drain', onDrain);
    dest.on('close', onClose);
  }

  #gone(): Error {
    return Object.assign(new Error('the output closed before the export was complete'), { code: 'EPIPE' });
  }
}

export function createHashingPassThrough(destination: Writable | NodeJS.WritableStream, options: { readonly digestFrom?: DigestSource } = {}): HashingPassThrough {
  return new HashingPassThrough(destination, options);
}
