import { Transform, type TransformCallback } from 'node:stream';
import { AcodeError } from '../lib/errors.js';
import { tarHeaders as headers } from './tar.js';

/**
 * The bytes of a tar archive outside its entries' contents, as acode's packer writes them: each
 * header exactly as tar-stream encodes its fields (nothing in linkname, the device numbers or
 * past a field's NUL), a PAX header only to carry a long or non-ASCII name, zero padding after
 * each entry and zeros after the end-of-archive marker. The extractor reads none of these bytes,
 * so the leak scan of the entries never sees them; a recipient's `tar` or hex editor does.
 */

const BLOCK = 512;
/** A PAX header acode writes holds one `path` record: a name, at most a few KiB. */
const MAX_PAX_BYTES = 64 * 1024;

type TarHeader = NonNullable<ReturnType<typeof headers.decode>>;

/** Why a header block is not one acode writes (null when it is); `afterPax`: the block that follows a PAX header. */
export function tarHeaderProblem(block: Buffer, afterPax: boolean): string | null {
  let header: TarHeader | null;
  try {
    header = headers.decode(block, 'utf-8', false) as TarHeader | null;
  } catch (err) {
    return `a damaged tar header (${(err as Error).message})`;
  }
  if (!header) return 'a damaged tar header';
  const type = header.type ?? 'unknown';
  if (type !== 'file' && type !== 'pax-header') return `a tar entry of type ${type}, which acode never writes`;
  if (afterPax && (type !== 'file' || header.name !== 'PaxHeader')) return 'a PAX header not followed by its entry';
  const fields = { name: header.name, mode: header.mode ?? 0, uid: header.uid ?? 0, gid: header.gid ?? 0, size: header.size ?? 0, mtime: header.mtime ?? new Date(0), type, uname: header.uname ?? '', gname: header.gname ?? '' };
  const expected = headers.encode(fields);
  if (!expected || !expected.equals(block)) return `a tar header with bytes acode never writes (in linkname, the device numbers, or past a field's end)`;
  return null;
}

/** Why a PAX header's content is not one acode writes: exactly one `path` record, as tar-stream encodes it. */
export function paxProblem(content: Buffer): string | null {
  let records: Record<string, string>;
  try {
    records = headers.decodePax(content) as Record<string, string>;
  } catch {
    return 'a damaged PAX header';
  }
  const keys = Object.keys(records);
  if (keys.length !== 1 || keys[0] !== 'path' || !headers.encodePax({ name: records.path }).equals(content)) return 'a PAX header with records acode never writes';
  return null;
}

/**
 * A pass-through that fails (ACODE-IMP-002) at the first byte of a tar stream outside its
 * entries' contents that acode's packer would not have written (entry names are the extractor's
 * to check and the caller's to scan).
 */
export class TarLayoutCheck extends Transform {
  readonly #block = Buffer.alloc(BLOCK);
  #filled = 0;
  #state: 'header' | 'content' | 'padding' | 'tail' = 'header';
  #remaining = 0;
  #pax: Buffer[] | null = null;
  #paxBytes = 0;
  #afterPax = false;
  #offset = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const problem = this.#walk(chunk);
    if (problem) return callback(new AcodeError('ACODE-IMP-002', `${problem} at byte ${this.#offset} of the tar stream`));
    callback(null, chunk);
  }

  #walk(chunk: Buffer): string | null {
    let i = 0;
    while (i < chunk.length) {
      if (this.#state === 'header') {
        const n = Math.min(BLOCK - this.#filled, chunk.length - i);
        chunk.copy(this.#block, this.#filled, i, i + n);
        this.#filled += n;
        i += n;
        if (this.#filled < BLOCK) break;
        this.#filled = 0;
        const problem = this.#header();
        if (problem) return problem;
        this.#offset += BLOCK;
        continue;
      }
      const n = this.#state === 'tail' ? chunk.length - i : Math.min(this.#remaining, chunk.length - i);
      const part = chunk.subarray(i, i + n);
      if (this.#state === 'content') {
        if (this.#pax) {
          this.#pax.push(Buffer.from(part));
          this.#paxBytes += n;
        }
      } else {
        const at = part.findIndex((b) => b !== 0);
        if (at >= 0) {
          this.#offset += at;
          return this.#state === 'tail' ? 'bytes after the end-of-archive marker' : 'bytes in the padding after an entry';
        }
      }
      i += n;
      this.#offset += n;
      if (this.#state === 'tail') continue;
      this.#remaining -= n;
      if (this.#remaining > 0) continue;
      if (this.#state === 'content') {
        if (this.#pax) {
          const problem = paxProblem(Buffer.concat(this.#pax, this.#paxBytes));
          if (problem) return problem;
          this.#pax = null;
        }
        this.#remaining = this.#padding;
        this.#state = this.#remaining > 0 ? 'padding' : 'header';
      } else {
        this.#state = 'header';
      }
    }
    return null;
  }

  #padding = 0;

  #header(): string | null {
    if (this.#block.every((b) => b === 0)) {
      if (this.#afterPax) return 'a PAX header not followed by its entry';
      this.#state = 'tail';
      return null;
    }
    const problem = tarHeaderProblem(this.#block, this.#afterPax);
    if (problem) return problem;
    const header = headers.decode(this.#block, 'utf-8', false) as TarHeader;
    const size = header.size ?? 0;
    this.#afterPax = header.type === 'pax-header';
    if (this.#afterPax) {
      if (size > MAX_PAX_BYTES) return 'a PAX header larger than acode writes';
      this.#pax = [];
      this.#paxBytes = 0;
    }
    this.#remaining = size;
    this.#padding = (BLOCK - (size % BLOCK)) % BLOCK;
    this.#state = size > 0 ? 'content' : this.#padding > 0 ? 'padding' : 'header';
    return null;
  }
}

export function createTarLayoutCheck(): TarLayoutCheck {
  return new TarLayoutCheck();
}
