import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

const CHUNK = 1 << 20;

export interface FileDigest {
  readonly sha256: string;
  readonly size: number;
}

export interface HashFileOptions {
  readonly signal?: AbortSignal;
  readonly onBytes?: (bytes: number, totalBytes: number) => void;
  /**
   * Only a regular file is read: a FIFO, a device or a socket is refused at once ("not a regular
   * file") where reading it would wait forever (a FIFO without a writer) or never end (/dev/zero).
   * With `noFollow`, a symbolic link is refused too (a name inside a folder that must not leave it).
   */
  readonly regularFile?: boolean;
  readonly noFollow?: boolean;
}

/**
 * SHA-256 of a file in one pass. Two reused 1 MiB buffers: the next read runs while the last
 * chunk is hashed, and nothing is allocated per chunk (allocation, not hashing, was the cost).
 */
export async function sha256File(file: string, options: HashFileOptions = {}): Promise<FileDigest> {
  const checked = options.regularFile === true || options.noFollow === true;
  // O_NONBLOCK: opening a FIFO with no writer returns at once, to be refused by the stat below.
  const flags = constants.O_RDONLY | (checked ? constants.O_NONBLOCK : 0) | (options.noFollow ? constants.O_NOFOLLOW : 0);
  const handle = await open(file, flags).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP' && options.noFollow) throw new Error('a symbolic link, not a regular file');
    throw err;
  });
  try {
    const info = await handle.stat();
    if (checked && !info.isFile()) throw new Error('not a regular file');
    const total = info.size;
    const hash = createHash('sha256');
    const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
    let which = 0;
    let position = 0;
    let pending = handle.read(buffers[0]!, 0, CHUNK, 0);
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) break;
      options.signal?.throwIfAborted();
      const current = buffers[which]!;
      position += bytesRead;
      which ^= 1;
      pending = handle.read(buffers[which]!, 0, CHUNK, position);
      hash.update(current.subarray(0, bytesRead));
      options.onBytes?.(position, total);
    }
    return { sha256: hash.digest('hex'), size: position };
  } finally {
    await handle.close();
  }
}
