import { createHash, type Hash } from 'node:crypto';
import { close, constants, fdatasync, fsync, openSync, rmSync, write } from 'node:fs';
import { link, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { AcodeError, describeCause, systemCode, toAcodeError } from '../lib/errors.js';
import { fsyncDir, PRIVATE_FILE_MODE } from '../lib/fs-atomic.js';
import { tempPathFor } from '../lib/temp-names.js';
import type { Digest } from './hash.js';
import { checkOptions } from '../lib/options.js';

export interface HashingSinkOptions {
  /** Where the output ends up once `commit()` is called. */
  readonly file: string;
  /** Replace an existing `file` on commit (default false: ACODE-EXP-007). */
  readonly force?: boolean;
  /**
   * The stage right before this sink, when it hashes the same bytes already (a leak scan with
   * `hash`, on its worker): its digest is taken at the end, checked against the bytes counted
   * here, instead of hashing them again on this thread.
   */
  readonly digestFrom?: DigestSource;
}

/** A stage whose `digest` covers every byte it passed on, known once it has flushed. */
export interface DigestSource {
  readonly digest: Digest | null;
}

/** The digest a sink takes from the stage before it: it must cover exactly the bytes the sink got. */
export function takenDigest(source: DigestSource, bytes: number): Digest {
  const digest = source.digest;
  if (!digest || digest.bytes !== bytes) {
    throw new AcodeError('ACODE-INT-001', `the digest from the stage before the sink covers ${digest ? `${digest.bytes} bytes` : 'nothing'}, the sink got ${bytes}`);
  }
  return digest;
}

type Callback = (error?: Error | null) => void;

const writeAsync = promisify(write);
const fsyncAsync = promisify(fsync);
const fdatasyncAsync = promisify(fdatasync);
const closeAsync = promisify(close);

/**
 * Written bytes are flushed to disk in the background every this many bytes, while the pipeline
 * goes on producing: the fsync at the end then finds little left to write. Without it, that one
 * fsync of a 100 MB export stalls the finish for about 0.2 s with nothing else to do.
 */
const EARLY_SYNC_BYTES = 16 << 20;

/**
 * Incoming chunks are copied into one of two blocks of this size, and a full block is written
 * while the other fills. The chunks themselves are then free at once: chunks that stay queued
 * across two scavenges are promoted, and their off-heap bytes pile up (tens of MiB on a long
 * redacted export) until V8's external-memory limit forces a full collection.
 */
const BLOCK_BYTES = 1 << 20;

/**
 * Every this many blocks the sink asks V8 for a scavenge, when the process exposes `gc` (the CLI
 * runs with --expose-gc). The chunks copied since are garbage, but their bytes live outside V8's
 * heap: an export that allocates little on the heap (rows encoded by SQLite) scavenges rarely,
 * and tens of MiB of dead chunks waited for one — more the longer the export. With this and the
 * CLI's flags a plain NDJSON export peaked at 94 MB on a 100 MB database and 97 MB on 1 GB (121
 * and 126 MB before). Every 2 MiB was worse: chunks still in flight survived two scavenges and
 * were promoted, out of a scavenge's reach.
 */
const BLOCKS_PER_SCAVENGE = 4;
const gc = (globalThis as { gc?: (options: { type: 'minor' }) => void }).gc;

/**
 * What both hashing sinks offer, so callers can hold either: the digest once the stream has
 * finished, and commit/discard (which only the file sink has real work for).
 */
export interface HashingSink extends Writable {
  /** sha256 and size of every byte written; null until the stream has finished. */
  readonly digest: Digest | null;
  /** Bytes written so far, for progress. */
  readonly bytes: number;
  /** Publishes the output; returns its digest. */
  commit(): Promise<Digest>;
  /** Gives the output up after a failure elsewhere; removes what can be removed. */
  discard(): Promise<void>;
}

/**
 * The last stage of a file export: writes to `.<name>.acode-tmp-<pid>-<random>` beside `file`
 * (created exclusively, mode 0600), hashing and counting every byte on the way. `_final` flushes,
 * fsyncs and closes, then `digest` is set; the file is still temporary. `commit()` moves it to
 * `file` and syncs the folder; any error or destroy before that, or `discard()`, removes it.
 */
export class FileHashingSink extends Writable implements HashingSink {
  readonly file: string;
  readonly tempPath: string;
  readonly #force: boolean;
  readonly #hash: Hash | null;
  readonly #digestFrom: DigestSource | null;
  #fd: number | null;
  #bytes = 0;
  #digest: Digest | null = null;
  #unsynced = 0;
  readonly #blocks = [Buffer.allocUnsafeSlow(BLOCK_BYTES), Buffer.allocUnsafeSlow(BLOCK_BYTES)];
  /** The block being filled, and how far. */
  #block = 0;
  #fill = 0;
  #blocksWritten = 0;
  /** The write of the other block in flight, if any; it never rejects (its error is kept instead). */
  #writing: Promise<void> | null = null;
  #writeError: unknown = null;
  /** The background data sync in flight, if any; it never rejects (its error is kept instead). */
  #syncing: Promise<void> | null = null;
  #syncError: unknown = null;
  /** The descriptor's close, once started (see #closeFd). */
  #closing: Promise<void> | null = null;
  #state: 'writing' | 'closed' | 'committed' | 'discarded' = 'writing';

  constructor(options: HashingSinkOptions) {
    super({ decodeStrings: true, highWaterMark: BLOCK_BYTES });
    this.file = path.resolve(options.file);
    this.tempPath = tempPathFor(this.file);
    this.#force = options.force ?? false;
    this.#digestFrom = options.digestFrom ?? null;
    this.#hash = this.#digestFrom ? null : createHash('sha256');
    // Opened at once rather than in _construct: the file exists from the start, so a destroy,
    // whenever it comes, can unlink it before anyone sees the pipeline fail.
    try {
      this.#fd = openSync(this.tempPath, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, PRIVATE_FILE_MODE);
    } catch (err) {
      throw new AcodeError('ACODE-EXP-008', `cannot create a file in ${path.dirname(this.file)}: ${describeCause(err)}`, { cause: err, context: { file: this.file } });
    }
  }

  /** The checksum and size of everything written; null until the stream has finished. */
  get digest(): Digest | null {
    return this.#digest;
  }

  /** Bytes written so far, for progress. */
  get bytes(): number {
    return this.#bytes;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: Callback): void {
    this.#hash?.update(chunk);
    this.#bytes += chunk.length;
    let offset = 0;
    const copy = (): void => {
      if (this.#writeError !== null) return callback(this.#coded(this.#writeError));
      // Destroyed while waiting for the other block: the descriptor is _destroy's to close.
      if (this.#state !== 'writing') return callback();
      while (offset < chunk.length) {
        const block = this.#blocks[this.#block]!;
        const n = chunk.copy(block, this.#fill, offset);
        offset += n;
        this.#fill += n;
        if (this.#fill < BLOCK_BYTES) break;
        // The other block is still being written: wait for it before filling it.
        if (this.#writing !== null) return void this.#writing.then(copy);
        this.#writeBlock();
      }
      callback();
    };
    copy();
  }

  #coded(err: unknown): AcodeError {
    return toAcodeError(err, 'ACODE-EXP-001', `writing ${this.file}`, { file: this.file });
  }

  /** Starts writing the block being filled, and fills the other one from now on. */
  #writeBlock(): void {
    if (++this.#blocksWritten % BLOCKS_PER_SCAVENGE === 0) gc?.({ type: 'minor' });
    const bytes = this.#blocks[this.#block]!.subarray(0, this.#fill);
    this.#block ^= 1;
    this.#fill = 0;
    this.#writing = this.#writeFully(this.#fd!, bytes).then(
      () => {
        this.#writing = null;
      },
      (err: unknown) => {
        this.#writing = null;
        this.#writeError = err;
      },
    );
  }

  async #writeFully(fd: number, bytes: Buffer): Promise<void> {
    // write may write less than asked (a signal, a full disk's last blocks): write the rest again.
    for (let done = 0; done < bytes.length; ) {
      const { bytesWritten } = await writeAsync(fd, bytes, done, bytes.length - done);
      done += bytesWritten;
    }
    this.#unsynced += bytes.length;
    if (this.#syncError !== null) throw this.#syncError;
    if (this.#unsynced >= EARLY_SYNC_BYTES && this.#syncing === null) this.#syncInBackground(fd);
  }

  /** A data sync (`full`: fsync, metadata too) in flight until it ends; its error is kept. */
  #syncInBackground(fd: number, full = false): void {
    this.#unsynced = 0;
    this.#syncing = (full ? fsyncAsync : fdatasyncAsync)(fd).then(
      () => {
        this.#syncing = null;
      },
      (err: unknown) => {
        this.#syncing = null;
        this.#syncError = err;
      },
    );
  }

  /** Waits for the block write and the background sync in flight, so the descriptor is not closed under them. */
  async #settled(): Promise<void> {
    while (this.#writing !== null || this.#syncing !== null) await (this.#writing ?? this.#syncing);
  }

  override _final(callback: Callback): void {
    const fd = this.#fd!;
    this.#settled()
      .then(() => {
        if (this.#fill > 0 && this.#state === 'writing') this.#writeBlock();
        return this.#settled();
      })
      .then(() => {
        if (this.#writeError !== null) throw this.#writeError;
        if (this.#syncError !== null) throw this.#syncError;
        // The last sync is tracked like the others: a destroy meanwhile waits for it before closing.
        if (this.#state === 'writing') this.#syncInBackground(fd, true);
        return this.#settled();
      })
      .then(() => {
        if (this.#syncError !== null) throw this.#syncError;
        return this.#closeFd();
      })
      .then(() => {
        // Destroyed on the way: _destroy owns the file now, and it is not a finished one.
        if (this.#state !== 'writing') return callback(new AcodeError('ACODE-EXP-001', `writing ${this.file}: the stream was destroyed`));
        let digest: Digest;
        try {
          digest = this.#hash ? { sha256: this.#hash.digest('hex'), bytes: this.#bytes } : takenDigest(this.#digestFrom!, this.#bytes);
        } catch (err) {
          return callback(err as Error);
        }
        this.#digest = digest;
        this.#state = 'closed';
        callback();
      }, (err: unknown) => callback(this.#coded(err)));
  }

  /**
   * Closes the descriptor once, whoever asks first. A destroy during _final used to close it a
   * second time, and by then its number could be another file's (a scandir's, under Ctrl-C: EBADF).
   */
  #closeFd(): Promise<void> {
    if (this.#closing === null) {
      const fd = this.#fd;
      this.#fd = null;
      this.#closing = fd === null ? Promise.resolve() : closeAsync(fd);
    }
    return this.#closing;
  }

  override _destroy(error: Error | null, callback: Callback): void {
    // autoDestroy runs this after a clean finish too: the finished file waits for commit().
    if ((error === null && this.#state !== 'writing') || this.#state === 'committed') return callback(error);
    this.#state = 'discarded';
    // Unlinked at once (an open file can be on POSIX): pipeline() may settle before this
    // stream's 'close', and the caller must find no partial file when it does.
    try {
      rmSync(this.tempPath, { force: true });
    } catch {
      // Removed again below, once closed (Windows cannot unlink an open file).
    }
    this.#settled()
      .then(() => this.#closeFd())
      .catch(() => {})
      .then(() => rm(this.tempPath, { force: true }))
      .then(() => callback(error), () => callback(error));
  }

  /**
   * Moves the finished file into place. Without `force` an existing file is never replaced: a
   * hard link fails atomically when the name is taken (ACODE-EXP-007). Publishes or removes the
   * temporary file, whichever way it ends.
   */
  async commit(): Promise<Digest> {
    if (this.#state !== 'closed' || !this.#digest) {
      throw new AcodeError('ACODE-INT-001', `commit() of ${path.basename(this.file)} in state '${this.#state}', before the stream finished`);
    }
    try {
      if (this.#force) await rename(this.tempPath, this.file);
      else await linkNoClobber(this.tempPath, this.file);
      this.#state = 'committed';
      await fsyncDir(path.dirname(this.file));
    } catch (err) {
      if (this.#state !== 'committed') await this.discard();
      if (systemCode(err) === 'EEXIST') {
        throw new AcodeError('ACODE-EXP-007', this.file, { cause: err, context: { file: this.file } });
      }
      throw toAcodeError(err, 'ACODE-EXP-001', `moving the finished output to ${this.file}`, { file: this.file });
    }
    return this.#digest;
  }

  /** Removes the temporary file (after a failure elsewhere in the pipeline); a no-op once committed. */
  async discard(): Promise<void> {
    if (this.#state === 'committed') return;
    if (!this.closed) {
      const closed = new Promise<void>((resolve) => this.once('close', () => resolve()));
      this.destroy();
      await closed;
    }
    this.#state = 'discarded';
    await rm(this.tempPath, { force: true });
  }
}

async function linkNoClobber(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (err) {
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV'].includes(systemCode(err) ?? '')) throw err;
    // No hard links on this file system (some network and FAT ones): check, then rename.
    const taken = await stat(to).then(() => true, () => false);
    if (taken) throw Object.assign(new Error(`${to} exists`), { code: 'EEXIST' });
    await rename(from, to);
    return;
  }
  await unlink(from);
}

/** Throws ACODE-EXP-008 at once when the temporary file cannot be created there. */
export function createHashingSink(options: HashingSinkOptions): FileHashingSink {
  checkOptions<HashingSinkOptions>('createHashingSink', 'HashingSinkOptions', options, { file: { kind: 'string', required: true }, force: 'boolean', digestFrom: 'object' });
  return new FileHashingSink(options);
}
