import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { AcodeError, describeCause } from '../lib/errors.js';
import type { LeakDetector } from '../lib/redaction/leak-detector.js';
import { createLeakScanner, type LeakFinding, type LeakScanner } from '../lib/redaction/leak-scanner.js';
import type { LeakScanMessage, LeakScanReply, LeakScanWorkerData } from '../lib/redaction/leak-scan-worker.js';
import type { Digest } from './hash.js';
import { checkOptions } from '../lib/options.js';

export interface LeakLocation {
  readonly table?: string;
  readonly column?: string;
}

export interface LeakScanTransformOptions {
  readonly detector: LeakDetector;
  /**
   * Which table and column a byte offset of the output belongs to; `lineText` is the output line
   * around the hit (latin1; it holds the secret, so keep it in memory only). Without it the
   * column is guessed from the nearest JSON key on the line.
   */
  readonly locate?: (offset: number, lineText: string, lineOffset: number) => LeakLocation;
  /** Scan on a worker thread, overlapping the rest of the export (default true). */
  readonly parallel?: boolean;
  /**
   * The chunks written are the transform's to keep (the export's serializers make each one
   * afresh): one that owns its whole ArrayBuffer moves to the worker as it is, uncopied, and
   * is unusable for the writer afterwards. Default false: every chunk is copied.
   */
  readonly ownsChunks?: boolean;
  /**
   * Also compute the sha256 and size of the bytes passed on (`digest`, once flushed), for a
   * hashing sink right behind this stage to take instead of hashing them again on the export's
   * thread (`createHashingSink({ digestFrom })`). Default false.
   */
  readonly hash?: boolean;
  /** A CSV stream of one table: its BLOB-declared fields, whose bare base64 the scan leaves out (as it does `{"$blob"}` and `"base64:…"`). */
  readonly csvBlobColumns?: readonly number[];
}

const WHAT: Readonly<Record<string, string>> = {
  vendor_token: 'a token with a known vendor prefix',
  private_key_block: 'a PEM private key',
  secret_assignment: 'a random-looking value assigned to a secret-named key',
  url_password: 'a password in a URL',
};

/** Bytes accepted but not yet taken by the reader (still being scanned, or scanned and buffered) before the writer waits. */
const MAX_IN_FLIGHT = 4 * 1024 * 1024;
const READABLE_HIGH_WATER_MARK = 1024 * 1024;
/**
 * The scan worker's young generation, in MiB. The scanner makes short-lived strings at a high
 * rate and little survives a scavenge, so a small young generation costs no speed; left
 * unbounded, V8 grows it with the export's length. A process-wide --max-semi-space-size (the
 * CLI's shebang sets 4) takes precedence over this limit; it holds for library callers.
 */
const WORKER_YOUNG_GENERATION_MB = 4;

/**
 * A byte pass-through that runs the leak detector over the serialised export, just before the
 * hashing sink. Bytes pass on only once scanned — the last few KiB of each chunk wait for the
 * next, where a secret cut in two is found whole — so not even a stdout export lets part of a
 * secret through. The first hit fails the stream with ACODE-EXP-003 naming the detector, the
 * fingerprint for --allow-scan-hit after review, and where it is: never the value.
 */
export class LeakScanTransform extends Transform {
  readonly #detector: LeakDetector;
  readonly #locate: LeakScanTransformOptions['locate'];
  readonly #parallel: boolean;
  readonly #ownsChunks: boolean;
  readonly #hash: boolean;
  readonly #csvBlobColumns: readonly number[];
  /** Hashing on this thread (a scan without a worker). */
  #localHash: Hash | null = null;
  #digest: Digest | null = null;
  #scanner: LeakScanner | null = null;
  #worker: Worker | null = null;
  /** Scanned bytes not yet passed on, from stream offset #heldStart on. */
  readonly #held: Buffer[] = [];
  #heldStart = 0;
  #received = 0;
  #settled = 0;
  #waiting: TransformCallback | null = null;
  #flushed: TransformCallback | null = null;
  #failure: AcodeError | null = null;

  constructor(options: LeakScanTransformOptions) {
    super({ readableHighWaterMark: READABLE_HIGH_WATER_MARK });
    this.#detector = options.detector;
    this.#locate = options.locate;
    this.#parallel = options.parallel ?? true;
    this.#ownsChunks = options.ownsChunks ?? false;
    this.#hash = options.hash ?? false;
    this.#csvBlobColumns = options.csvBlobColumns ?? [];
  }

  /** With `hash`: sha256 and size of every byte passed on, once the stream is flushed; else null. */
  get digest(): Digest | null {
    return this.#digest;
  }

  override _transform(chunk: Buffer | string, encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#failure) return callback(this.#failure);
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
    this.#received += bytes.length;
    if (!this.#parallel) {
      if (this.#hash) (this.#localHash ??= createHash('sha256')).update(bytes);
      // Held until scanned past: the next chunk at the latest.
      this.#held.push(bytes);
      this.#scanner ??= createLeakScanner(this.#detector, { csvBlobColumns: this.#csvBlobColumns });
      const found = this.#scanner.write(bytes);
      if (found.length > 0) return callback(this.#error(found[0]!));
      this.#release(this.#scanner.settled);
      return callback();
    }
    // The worker gets bytes of its own (moving a pooled Buffer would empty its whole pool; a
    // chunk that owns its ArrayBuffer moves as it is when the writer gave it away), moved to it
    // and moved back once scanned, then passed on: nothing is held here meanwhile (Buffers that
    // wait out a scavenge pile up outside the heap until V8's external-memory limit forces a
    // full collection).
    const own = bytes.buffer;
    const whole = this.#ownsChunks && own instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === own.byteLength;
    const moved = whole ? new Uint8Array(own) : new Uint8Array(bytes);
    this.#startWorker().postMessage(moved, [moved.buffer as ArrayBuffer]);
    if (this.#mustWait()) this.#waiting = callback;
    else callback();
  }

  /**
   * Scanned bytes are pushed when the worker answers, after `_transform` has returned, so the
   * Transform's own backpressure does not see them: the writer waits while too many bytes are
   * in flight — accepted but not yet scanned, or scanned but not yet taken by the reader.
   */
  #mustWait(): boolean {
    return this.#received - this.#settled + this.readableLength > MAX_IN_FLIGHT;
  }

  #resume(): void {
    const resume = this.#waiting;
    this.#waiting = null;
    resume?.();
  }

  override _read(size: number): void {
    // The reader wants more: only the scan's lag can hold the writer now (waiting on the buffer
    // here would never end: no push is pending to wake us). Resume first: Transform may park the
    // resumed callback until the buffer drains, and super._read is what releases it.
    if (this.#waiting && this.#received - this.#settled <= MAX_IN_FLIGHT) this.#resume();
    super._read(size);
  }

  override _flush(callback: TransformCallback): void {
    if (this.#failure) return callback(this.#failure);
    if (!this.#parallel) {
      this.#scanner ??= createLeakScanner(this.#detector, { csvBlobColumns: this.#csvBlobColumns });
      const found = this.#scanner.end();
      if (found.length > 0) return callback(this.#error(found[0]!));
      this.#release(this.#scanner.settled);
      if (this.#hash) this.#digest = { sha256: (this.#localHash ?? createHash('sha256')).digest('hex'), bytes: this.#received };
      return callback();
    }
    this.#flushed = callback;
    this.#startWorker().postMessage(null satisfies LeakScanMessage);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    void this.#worker?.terminate();
    this.#worker = null;
    callback(err);
  }

  #startWorker(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL('../lib/redaction/leak-scan-worker.js', import.meta.url), {
      workerData: { detector: this.#detector.options, hash: this.#hash, csvBlobColumns: [...this.#csvBlobColumns] } satisfies LeakScanWorkerData,
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    });
    worker.on('message', (reply: LeakScanReply) => this.#onReply(reply));
    worker.on('error', (err) => this.#fail(new AcodeError('ACODE-EXP-001', `leak scan failed: ${describeCause(err)}`, { cause: err })));
    this.#worker = worker;
    return worker;
  }

  #onReply(reply: LeakScanReply): void {
    if (this.#failure) return;
    if (reply.found.length > 0) return this.#fail(this.#error(reply.found[0]!));
    if (reply.chunk) this.#held.push(Buffer.from(reply.chunk.buffer, reply.chunk.byteOffset, reply.chunk.byteLength));
    this.#settled = reply.settled;
    this.#release(this.#settled);
    if (this.#waiting && !this.#mustWait()) this.#resume();
    if (reply.done) {
      this.#digest = reply.digest;
      void this.#worker?.terminate();
      this.#worker = null;
      const done = this.#flushed;
      this.#flushed = null;
      done?.();
    }
  }

  #fail(err: AcodeError): void {
    if (this.#failure) return;
    this.#failure = err;
    void this.#worker?.terminate();
    this.#worker = null;
    const pending = this.#waiting ?? this.#flushed;
    this.#waiting = null;
    this.#flushed = null;
    if (pending) pending(err);
    else this.destroy(err);
  }

  /** Passes on the held bytes before `settled`. */
  #release(settled: number): void {
    while (this.#held.length > 0 && this.#heldStart < settled) {
      const head = this.#held[0]!;
      const n = Math.min(head.length, settled - this.#heldStart);
      if (n === head.length) {
        this.#held.shift();
        this.push(head);
      } else {
        this.push(head.subarray(0, n));
        this.#held[0] = head.subarray(n);
      }
      this.#heldStart += n;
    }
  }

  #error(f: LeakFinding): AcodeError {
    const where = this.#locate?.(f.start, f.line, f.lineOffset) ?? { column: nearestJsonKey(f.line, f.lineOffset) };
    const place = [where.table && `table ${where.table}`, where.column && `column ${where.column}`].filter(Boolean).join(', ');
    return new AcodeError('ACODE-EXP-003', `${WHAT[f.detector] ?? f.detector} (detector ${f.detector}) at byte ${f.start}${place ? ` in ${place}` : ''}; fingerprint ${f.fingerprint}`, {
      context: { table: where.table, column: where.column, detector: f.detector, fingerprint: f.fingerprint, offset: f.start },
    });
  }
}

/** The last unescaped `"key":` before the hit on its line: the column, in JSON and NDJSON output. */
function nearestJsonKey(line: string, offset: number): string | undefined {
  const keys = /(?<!\\)"([^"\\]{1,64})"\s*:/g;
  let last: string | undefined;
  for (let m = keys.exec(line); m && m.index < offset; m = keys.exec(line)) last = m[1];
  return last;
}

export function createLeakScanTransform(options: LeakScanTransformOptions): LeakScanTransform {
  checkOptions<LeakScanTransformOptions>('createLeakScanTransform', 'LeakScanTransformOptions', options, {
    detector: { kind: 'object', required: true },
    locate: 'function',
    parallel: 'boolean',
    ownsChunks: 'boolean',
    hash: 'boolean',
    csvBlobColumns: 'object',
  });
  return new LeakScanTransform(options);
}
