import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const buffer = Buffer.allocUnsafe(1 << 20);

/** Reads a whole file through one reused 1 MiB buffer (allocation, not reading, is what costs). */
async function readThrough(file: string, onChunk: (chunk: Buffer) => void): Promise<number> {
  const handle = await open(file, 'r');
  let total = 0;
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return total;
      onChunk(buffer.subarray(0, bytesRead));
      total += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await readThrough(file, (chunk) => hash.update(chunk));
  return hash.digest('hex');
}

/** Reads a file once so both sides of a race start with it in the page cache. */
export async function warmFile(file: string): Promise<number> {
  return readThrough(file, () => {});
}

/** Total size of the regular files under a folder (or of one file). */
export async function treeBytes(target: string): Promise<number> {
  const info = await stat(target).catch(() => null);
  if (!info) return 0;
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(target, { withFileTypes: true })) total += await treeBytes(path.join(target, entry.name));
  return total;
}

/**
 * Writes out every dirty page of the machine, so the writeback of one run's output does not land
 * in the timing of the next one.
 */
export async function flushDirtyPages(): Promise<void> {
  await promisify(execFile)('sync');
}
