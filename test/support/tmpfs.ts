import { spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';

/**
 * Mounts a tmpfs of `bytes` (rounded up to 4 KiB pages) at `dir`, for "the disk is full" tests.
 * Returns null when mounted, else why it could not be (not root, no mount in a container, …):
 * the caller marks its test pending with that reason.
 */
export async function mountTmpfs(dir: string, bytes: number): Promise<string | null> {
  await mkdir(dir, { recursive: true });
  if (process.platform !== 'linux') return `tmpfs needs Linux, this is ${process.platform}`;
  const kib = Math.ceil(bytes / 4096) * 4;
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k,mode=0700`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.error) return `mount could not run: ${r.error.message}`;
  if (r.status !== 0) return `mount -t tmpfs was refused: ${(r.stderr || r.stdout).trim()}`;
  return null;
}

export function unmount(dir: string): void {
  spawnSync('umount', [dir]);
}
