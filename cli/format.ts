import path from 'node:path';
import { formatCount } from '../lib/numbers.js';

export { formatBytes, formatCount } from '../lib/numbers.js';

/** `2024-01-20 14:30:45 UTC`: backup names are in UTC, so their listing is too. */
export function formatDate(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/**
 * How a suggested command names a backup: its bare name finds it only in the backup folder
 * (backup.path). One listed in another folder (--dir) is named by its path, quoted for a shell:
 * its bare name would find a backup of that name in backup.path, or none.
 */
export function backupRef(file: string, backupDir: string): string {
  if (path.resolve(path.dirname(file)) === path.resolve(backupDir)) return path.basename(file);
  return /^[\w@%+=:,./-]+$/.test(file) ? file : `'${file.replace(/'/g, "'\\''")}'`;
}
