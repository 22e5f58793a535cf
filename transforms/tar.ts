import { open } from 'node:fs/promises';
import { Readable, Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tarStream from 'tar-stream';
import tarStreamHeaders from 'tar-stream/headers.js';
import { AcodeError, describeCause, isAbort, systemCode } from '../lib/errors.js';
import { SAFE_ENTRY_TYPES, safeEntryName } from './tar-names.js';
import { checkOptions } from '../lib/options.js';

/** A ustar header's fields, as tar-stream's header codec reads and writes them. */
export interface TarHeaderFields {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: Date;
  type: string;
  uname: string;
  gname: string;
}

/** tar-stream's header codec (no streams in it), typed here: its published typings leave it out. */
export interface TarHeaderCodec {
  decode(block: Buffer, filenameEncoding: string, allowUnknownFormat: boolean): (Partial<TarHeaderFields> & { name: string; linkname?: string | null }) | null;
  encode(fields: TarHeaderFields): Buffer | null;
  decodePax(content: Buffer): Record<string, string>;
  encodePax(fields: { name: string }): Buffer;
}

/**
 * For the layout check of export verify (tar-layout.ts). A declared type, not a re-export: the
 * package's .d.ts must not name a module whose types only this repository declares.
 */
export const tarHeaders = tarStreamHeaders as TarHeaderCodec;

/**
 * The one adapter around tar-stream. tar-stream is built on streamx, whose streams look like
 * Node's but differ in events, destroy and error handling, so none of them leaves this file:
 * callers get Node streams that behave in pipeline() like any other.
 */

/** The few streamx methods used here (tar-stream's typings claim Node streams, which they are not). */
interface XStream {
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
  destroy(err?: Error): void;
}
interface XReadable extends XStream {
  pause(): unknown;
  resume(): unknown;
}
interface XWritable extends XStream {
  write(chunk: Buffer): boolean;
  end(): void;
}

interface XPack extends XReadable {
  entry(header: tarStream.Headers, callback: Callback): XWritable;
  finalize(): void;
}
type XEntry = XReadable & { readonly offset?: number };
interface XExtract extends XWritable {
  on(event: 'entry', listener: (header: tarStream.Headers, stream: XEntry, next: Callback) => void): unknown;
  on(event: string, listener: (...args: any[]) => void): unknown;
}

type Callback = (error?: Error | null) => void;

/** Settles on the first of `ok` (resolve) or 'error'/'close' (reject) of a streamx stream. */
function settleOn(stream: XStream, ok: string, closed: () => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      stream.off(ok, onOk);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onOk = (): void => done();
    const onError = (err: Error): void => done(err);
    const onClose = (): void => done(closed());
    stream.on(ok, onOk);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

export interface TarPackerOptions {
  /** The mtime of every entry: fixed, so the same files make the same bytes (default: the epoch). */
  readonly mtime?: Date;
}

export interface TarPacker {
  /** The archive's bytes, for pipeline(); errors of any entry end up here. */
  readonly readable: Readable;
  /** Appends a regular file; entries are written in call order. Tar needs the size first, so content of unknown size is spooled to a file before. */
  addFile(name: string, filePath: string): Promise<void>;
  /** Writes the end-of-archive marker after the files added so far, then ends `readable`. */
  finalize(): void;
  destroy(err?: Error): void;
}

class Packer implements TarPacker {
  readonly readable: Readable;
  readonly #pack: XPack;
  readonly #mtime: Date;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: TarPackerOptions) {
    this.#mtime = options.mtime ?? new Date(0);
    const pack = tarStream.pack() as unknown as XPack;
    this.#pack = pack;
    this.readable = new Readable({
      read: () => void pack.resume(),
      destroy: (err, cb) => {
        pack.destroy(err ?? undefined);
        cb(err);
      },
    });
    pack.on('data', (chunk: Buffer) => {
      if (!this.readable.push(chunk)) pack.pause();
    });
    pack.on('end', () => this.readable.push(null));
    pack.on('error', (err: Error) => this.readable.destroy(packError(err)));
  }

  addFile(name: string, filePath: string): Promise<void> {
    const run = this.#queue.then(() => this.#add(name, filePath));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #add(name: string, filePath: string): Promise<void> {
    if (this.readable.destroyed) throw new AcodeError('ACODE-EXP-001', `tar entry ${name}: the archive was destroyed`);
    try {
      const entryName = safeEntryName(name);
      const file = await open(filePath, 'r');
      // A destroyed archive (Ctrl-C, a closed output) need not close or call back its open entry:
      // every wait below also ends with the archive (an unended wait made the CLI exit 13, silent).
      const destroyed = this.#whenDestroyed(name);
      try {
        const { size } = await file.stat();
        const header = { name: entryName, size, mtime: this.#mtime, mode: 0o644, uid: 0, gid: 0, uname: '', gname: '', type: 'file' as const };
        let entry!: XWritable;
        const entryDone = new Promise<void>((ok, fail) => {
          entry = this.#pack.entry(header, (err) => (err ? fail(err) : ok()));
        });
        entryDone.catch(() => {});
        // A destroyed pack destroys its open entry with the same error; the entry's callback
        // (entryDone) already reports it, and an 'error' nobody listens to would crash the process.
        entry.on('error', () => {});
        // Only `size` bytes: a file that grows meanwhile still matches the size in the header.
        if (size > 0) {
          for await (const chunk of file.createReadStream({ start: 0, end: size - 1, autoClose: false })) {
            if (!entry.write(chunk as Buffer)) await Promise.race([settleOn(entry, 'drain', () => new Error('tar entry closed')), destroyed.promise]);
          }
        }
        entry.end();
        await Promise.race([entryDone, destroyed.promise]);
      } finally {
        destroyed.dispose();
        await file.close();
      }
    } catch (err) {
      const coded = err instanceof AcodeError && err.code !== 'ACODE-IMP-005' ? err : packError(err, name);
      this.destroy(coded);
      throw coded;
    }
  }

  /** A promise that rejects once `readable` is destroyed (at once when it already is), and its listener's removal. */
  #whenDestroyed(name: string): { promise: Promise<never>; dispose: () => void } {
    let gone = (): void => {};
    const promise = new Promise<never>((_ok, fail) => {
      gone = () => fail(new AcodeError('ACODE-EXP-001', `tar entry ${name}: the archive was destroyed`));
    });
    promise.catch(() => {});
    if (this.readable.destroyed) gone();
    else this.readable.once('close', gone);
    return { promise, dispose: () => this.readable.off('close', gone) };
  }

  finalize(): void {
    void this.#queue.then(() => {
      if (!this.readable.destroyed) this.#pack.finalize();
    });
  }

  destroy(err?: Error): void {
    this.readable.destroy(err);
  }
}

function packError(err: unknown, name?: string): AcodeError {
  if (err instanceof AcodeError && err.code !== 'ACODE-IMP-005') return err;
  const what = name === undefined ? 'writing the tar archive' : `adding ${name} to the tar archive`;
  return new AcodeError('ACODE-EXP-001', `${what}: ${describeCause(err)}`, { cause: err });
}

export function createTarPacker(options: TarPackerOptions = {}): TarPacker {
  checkOptions<TarPackerOptions>('createTarPacker', 'TarPackerOptions', options, { mtime: 'date' });
  return new Packer(options);
}

/** Receives one regular file of an archive; must consume (or may abandon) `stream` before resolving. */
export type TarEntryHandler = (name: string, stream: Readable) => Promise<void>;

/** A streamx entry stream as a Node Readable. Destroying it early skips the rest of the entry. */
class EntryReadable extends Readable {
  readonly #source: XReadable;
  #ended = false;

  constructor(source: XReadable) {
    super();
    this.#source = source;
    source.on('data', this.#onData);
    source.on('end', () => {
      this.#ended = true;
      this.push(null);
    });
    // The extractor destroys the entry when it fails (truncation, abort); streamx throws an
    // 'error' nobody listens to.
    source.on('error', (err: Error) => this.destroy(invalidTar(err)));
  }

  #onData = (chunk: Buffer): void => {
    if (!this.push(chunk)) this.#source.pause();
  };

  override _read(): void {
    this.#source.resume();
  }

  override _destroy(error: Error | null, callback: Callback): void {
    if (!this.#ended) {
      this.#source.off('data', this.#onData);
      this.#source.on('data', () => {});
      this.#source.resume();
    }
    callback(error);
  }
}

/**
 * A Writable that takes a tar archive's bytes and hands each regular file to `onEntry`, one at a
 * time. Refused with ACODE-IMP-005: absolute names, `..`, links, devices, FIFOs, a name seen
 * twice. ACODE-IMP-002: a damaged header, or an archive cut short anywhere, including between
 * entries (the two zero blocks that end every archive must be there).
 */
export class TarExtractor extends Writable {
  readonly #extract: XExtract;
  readonly #onEntry: TarEntryHandler;
  readonly #names = new Set<string>();
  #total = 0;
  #lastNonZero = -1;
  #dataEnd = 0;

  constructor(onEntry: TarEntryHandler) {
    super();
    this.#onEntry = onEntry;
    this.#extract = tarStream.extract() as unknown as XExtract;
    this.#extract.on('entry', (header, stream, next) => {
      this.#entry(header, stream).then(() => next(), (err: unknown) => this.destroy(err as Error));
    });
    this.#extract.on('error', (err: Error) => this.destroy(invalidTar(err)));
  }

  async #entry(header: tarStream.Headers, stream: XEntry): Promise<void> {
    const size = header.size ?? 0;
    if (typeof stream.offset === 'number') this.#dataEnd = stream.offset + 512 + Math.ceil(size / 512) * 512;
    const type = header.type ?? 'unknown';
    if (!SAFE_ENTRY_TYPES.has(type)) {
      throw new AcodeError('ACODE-IMP-005', `entry ${JSON.stringify(header.name)} is a ${type}${header.linkname ? ` to ${JSON.stringify(header.linkname)}` : ''}; only regular files are accepted`, { context: { entry: header.name } });
    }
    const name = safeEntryName(header.name, type === 'directory');
    const entry = new EntryReadable(stream);
    try {
      if (type === 'directory') return;
      if (this.#names.has(name)) throw new AcodeError('ACODE-IMP-005', `entry ${JSON.stringify(name)} appears twice`, { context: { entry: name } });
      this.#names.add(name);
      await this.#onEntry(name, entry);
    } finally {
      entry.destroy();
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: Callback): void {
    for (let i = chunk.length - 1; i >= 0; i--) {
      if (chunk[i] !== 0) {
        this.#lastNonZero = this.#total + i;
        break;
      }
    }
    this.#total += chunk.length;
    if (this.#extract.write(chunk)) return callback();
    settleOn(this.#extract, 'drain', () => invalidTar(new Error('closed'))).then(() => callback(), (err: Error) => callback(invalidTar(err)));
  }

  override _final(callback: Callback): void {
    const finished = settleOn(this.#extract, 'finish', () => this.errored ?? invalidTar(new Error('closed')));
    this.#extract.end();
    finished.then(() => {
      const tail = this.#total - this.#dataEnd;
      if (this.#lastNonZero >= this.#dataEnd || tail < 1024) {
        return callback(new AcodeError('ACODE-IMP-002', `the tar archive ends without its end-of-archive marker after ${this.#total} bytes (truncated?)`));
      }
      callback();
    }, (err: Error) => callback(invalidTar(err)));
  }

  override _destroy(error: Error | null, callback: Callback): void {
    this.#extract.destroy(error ?? undefined);
    callback(error);
  }
}

function invalidTar(err: unknown): Error {
  if (err instanceof AcodeError || isAbort(err)) return err as Error;
  const reason = describeCause(err);
  const detail = /Unexpected end of data/.test(reason) ? 'the tar archive ends inside an entry (truncated?)' : `not a valid tar archive: ${reason}`;
  return new AcodeError('ACODE-IMP-002', detail, { cause: err });
}

export function createTarExtractor(onEntry: TarEntryHandler): TarExtractor {
  return new TarExtractor(onEntry);
}

export interface ReadTarOptions {
  readonly signal?: AbortSignal;
  /** The source is gzip-compressed (.tar.gz, .tgz); a cut-short gzip stream is ACODE-IMP-002. */
  readonly gzip?: boolean;
  /** Stages between the source (or its gunzip) and the extractor: export verify's own gunzip and layout check. */
  readonly through?: readonly Transform[];
}

/** Reads a whole tar stream, calling `onEntry` for each regular file, one at a time. */
export async function readTar(source: Readable, onEntry: TarEntryHandler, options: ReadTarOptions = {}): Promise<void> {
  const extractor = createTarExtractor(onEntry);
  const opts = options.signal ? { signal: options.signal } : {};
  const through = options.through ?? [];
  // zlib's own errors (Z_BUF_ERROR for a cut .gz, Z_DATA_ERROR for damage) get the import's code.
  return pipeline([source, ...(options.gzip ? [createGunzip()] : []), ...through, extractor], opts).catch((err: unknown) => {
    throw systemCode(err)?.startsWith('Z_') ? gzipError(err) : err;
  });
}

function gzipError(err: unknown): AcodeError {
  const reason = describeCause(err);
  return new AcodeError('ACODE-IMP-002', /unexpected end of file/i.test(reason) ? 'the gzip stream ends early (truncated?)' : `not valid gzip data: ${reason}`, { cause: err });
}
