import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** A fresh folder under the system temp folder; every test works in its own and removes it. */
export async function makeTempDir(label = 'test'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `acode-${label.replace(/[^\w-]/g, '-')}-`));
}

export async function removeTempDir(dir: string | undefined): Promise<void> {
  if (!dir) return;
  // A test that ran the CLI as another user may have left folders that user made 0700.
  await chmod(dir, 0o700).catch(() => {});
  await rm(dir, { recursive: true, force: true });
}

/** The names in a folder, sorted; [] when it does not exist. */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Temporary files of ours (`.…acode-tmp-…`) and SQLite companions left in a folder. */
export async function leftovers(dir: string): Promise<string[]> {
  return (await listDir(dir)).filter((n) => n.includes('.acode-tmp-') || /-(journal|wal|shm)$/.test(n));
}
