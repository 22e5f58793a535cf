import path from 'node:path';
import { scanBackupDir } from './catalog.js';
import type { AcodeConfig } from './config.js';
import { liveSource } from './engine.js';
import { AcodeError } from './errors.js';
import { planRotation } from './rotation.js';

/**
 * `latest`, where restore and verify take a backup's name: the newest backup of the configured
 * database in the backup folder, as rotation counts them — a regular or pre-migration backup
 * with a manifest, dated no later than an hour from now. Never a pre-restore safety copy (the
 * state a restore replaced), another database's backup, or one without a manifest. A file that is
 * itself named latest is reached as a path: `./latest`.
 */
export const LATEST_BACKUP = 'latest';

/** The backup a reference names: `latest` resolved to its path, any other reference as it is. */
export async function backupRef(ref: string, config: AcodeConfig, now?: Date): Promise<string> {
  return ref === LATEST_BACKUP ? latestBackup(config, now) : ref;
}

/** The path of the newest backup of the configured database (see LATEST_BACKUP); none is ACODE-BAK-005. */
export async function latestBackup(config: AcodeConfig, now = new Date()): Promise<string> {
  const dir = config.backup.path;
  const catalog = await scanBackupDir(dir);
  const plan = planRotation(catalog.backups, { keep: Number.MAX_SAFE_INTEGER, keepDays: null, now, source: await liveSource(config) });
  const newest = plan.keep[0];
  if (newest) return newest.path;
  const others = plan.untouched.length;
  const aside = others === 0 ? '' : ` (${others} other backup${others === 1 ? '' : 's'} there: pre-restore copies, another database's, dated in the future or without a manifest)`;
  throw new AcodeError('ACODE-BAK-005', `latest: no backup of this database in ${path.resolve(dir)}${aside}`, {
    context: { file: LATEST_BACKUP },
    hint: 'run `acode db backup list` to see the backups there are and name one, or make one with `acode db backup`',
  });
}
