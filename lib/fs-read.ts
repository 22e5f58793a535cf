import { closeSync, constants, createReadStream, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { Socket } from 'node:net';
import { systemCode } from './errors.js';

/** Reading small files and streams with a bound, so a FIFO, a device or a huge file fails at once. */

/**
 * A small text file (a manifest, the config), read only when it is a regular file of at most
 * `maxBytes`: a FIFO at that name (readFile waited for a writer forever, deaf to Ctrl-C), a device
 * or a huge file fails at once, with an Error whose message says which. `streams`: a pipe is read
 * too (a config named on the command line as `<(…)` or /dev/stdin), up to `maxBytes`, until
 * `signal` aborts.
 */
export async function readSmallTextFile(file: string, maxBytes: number, options: { readonly streams?: boolean; readonly signal?: AbortSignal } = {}): Promise<string> {
  // O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting.
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  let info: Stats;
  try {
    info = await handle.stat();
    const stream = options.streams === true && (info.isFIFO() || info.isSocket() || info.isCharacterDevice());
    if (!info.isFile() && !stream) throw new Error('not a regular file');
    if (info.size > maxBytes) throw new Error(`${info.size} bytes, more than the ${maxBytes} such a file may have`);
    if (!stream) return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
  const tooLarge = (): Error => new Error(`more than the ${maxBytes} bytes such a file may have`);
  if (info.isCharacterDevice()) return (await readBounded(createReadStream(file) as AsyncIterable<Buffer>, maxBytes, tooLarge)).toString('utf8');
  return (await readPipe(file, maxBytes, tooLarge, options.signal)).toString('utf8');
}

/**
 * A pipe read through the event loop, from a descriptor opened without waiting: a blocking open on
 * libuv's thread pool waited for a writer that might never come, deaf to Ctrl-C, and exit then
 * waited for that thread. A FIFO no process has open for writing reads as empty at once (and
 * would never wake the event loop): that is an error, not an empty file.
 */
async function readPipe(file: string, maxBytes: number, tooLarge: () => Error, signal?: AbortSignal): Promise<Buffer> {
  signal?.throwIfAborted();
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  const first = Buffer.alloc(64 * 1024);
  let got: number;
  try {
    got = readSync(fd, first);
  } catch (err) {
    if (systemCode(err) !== 'EAGAIN') {
      closeSync(fd);
      throw err;
    }
    got = -1;
  }
  if (got === 0) {
    closeSync(fd);
    throw new Error('a pipe nothing writes to');
  }
  const socket = new Socket({ fd, readable: true, writable: false });
  // A writer that never finishes (`<(sleep …)`) must not hold Ctrl-C off.
  const stop = (): void => void socket.destroy(signal?.reason as Error);
  signal?.addEventListener('abort', stop, { once: true });
  try {
    const head = got > 0 ? [first.subarray(0, got)] : [];
    async function* all(): AsyncIterable<Buffer> {
      yield* head;
      yield* socket as AsyncIterable<Buffer>;
    }
    return await readBounded(all(), maxBytes, tooLarge);
  } finally {
    signal?.removeEventListener('abort', stop);
    socket.destroy();
  }
}

/** All of `source`'s bytes, failing with `tooLarge()` as soon as they pass `maxBytes`. */
export async function readBounded(source: AsyncIterable<Buffer>, maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}
