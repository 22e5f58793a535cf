import { constants, createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

/** Reading small files and streams with a bound, so a FIFO, a device or a huge file fails at once. */

/**
 * A small text file (a manifest, the config), read only when it is a regular file of at most
 * `maxBytes`: a FIFO at that name (readFile waited for a writer forever, deaf to Ctrl-C), a device
 * or a huge file fails at once, with an Error whose message says which. `streams`: a pipe is read
 * too (a config named on the command line as `<(…)` or /dev/stdin), up to `maxBytes`.
 */
export async function readSmallTextFile(file: string, maxBytes: number, options: { readonly streams?: boolean } = {}): Promise<string> {
  // O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting.
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  let pipe = false;
  try {
    const info = await handle.stat();
    pipe = options.streams === true && (info.isFIFO() || info.isCharacterDevice() || info.isSocket());
    if (!info.isFile() && !pipe) throw new Error('not a regular file');
    if (info.size > maxBytes) throw new Error(`${info.size} bytes, more than the ${maxBytes} such a file may have`);
    if (!pipe) return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
  // Read as a stream (blocking: the writer may not have written yet), no further than maxBytes.
  const bytes = await readBounded(createReadStream(file) as AsyncIterable<Buffer>, maxBytes, () => new Error(`more than the ${maxBytes} bytes such a file may have`));
  return bytes.toString('utf8');
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
