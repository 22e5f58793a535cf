import { createHash } from 'node:crypto';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { manifestPathFor } from '../../lib/naming.js';

/** Flips every bit of one byte of a file, in place. */
export async function flipByte(file: string, offset: number): Promise<void> {
  const bytes = await readFile(file);
  bytes[offset] = bytes[offset]! ^ 0xff;
  await writeFile(file, bytes);
}

export async function truncateTo(file: string, size: number): Promise<void> {
  await truncate(file, size);
}

/** Edits the manifest beside a backup as a person with an editor would. */
export async function editManifest(backup: string, change: (m: Record<string, any>) => void): Promise<void> {
  const file = manifestPathFor(backup);
  const m = JSON.parse(await readFile(file, 'utf8')) as Record<string, any>;
  change(m);
  await writeFile(file, `${JSON.stringify(m, null, 2)}\n`);
}

export async function sha256Of(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}
