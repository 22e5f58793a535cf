import path from 'node:path';
import type { Command } from 'commander';
import { AcodeError, isAcodeError } from '../lib/errors.js';
import { exists } from '../lib/fs-atomic.js';
import { manifestPathFor } from '../lib/naming.js';
import { createContext, pathArgument, type Runtime } from './context.js';

export function registerBackupDelete(backup: Command, runtime: Runtime): void {
  backup
    .command('delete')
    .description('delete a backup and its manifest')
    .argument('<file>', 'backup name (in the backup folder) or path', pathArgument)
    .addHelpText('after', '\nOnly files named like backups (acode_backup_*.db[.gz], acode_backup_*.dump) are deleted.\n\nExample:\n  $ acode db backup delete acode_backup_20240118_100000.db')
    .action(async (file: string, _flags: object, cmd: Command) => {
      const ctx = await createContext(cmd, runtime);
      const [{ resolveBackupRef }, { parseBackupName }, { deleteBackupFiles, removalError }] = await Promise.all([import('../lib/catalog.js'), import('../lib/naming.js'), import('../lib/rotation.js')]);
      if (file.endsWith('.manifest.json') && parseBackupName(path.basename(file).slice(0, -'.manifest.json'.length))) {
        throw new AcodeError('ACODE-BAK-012', `${file} is a backup's manifest; delete the backup itself (its manifest goes with it), or, when the backup is gone, \`acode db backup prune\` removes the manifest`, { context: { file } });
      }
      const found = await resolveBackupRef(file, ctx.config.backup.path).catch((err: unknown) => {
        // A folder named like a backup is not one to delete (restore's "use another one" hint does not fit).
        if (isAcodeError(err, 'ACODE-BAK-006')) throw new AcodeError('ACODE-BAK-012', `${file} is a folder, not a backup file; refusing to delete it`, { context: { file } });
        throw err;
      });
      if (!parseBackupName(path.basename(found)) || path.resolve(found) === path.resolve(ctx.config.database.path)) {
        throw new AcodeError('ACODE-BAK-012', `${file} is not named like an acode backup; refusing to delete it`, { context: { file: found } });
      }
      // Outside the backup folder a name proves nothing: only a backup with its manifest goes.
      const manifest = await exists(manifestPathFor(found));
      if (!manifest && path.dirname(path.resolve(found)) !== path.resolve(ctx.config.backup.path)) {
        throw new AcodeError('ACODE-BAK-012', `${file} is outside the backup folder and has no manifest beside it; refusing to delete it`, { context: { file: found } });
      }
      try {
        await deleteBackupFiles(found);
      } catch (err) {
        // The backup may be gone and its manifest not: say which file stays.
        throw removalError(await exists(found) ? found : manifestPathFor(found), err);
      }
      ctx.out.result(`Deleted ${path.basename(found)}${manifest ? ' and its manifest' : ' (it had no manifest)'}.`);
      ctx.out.emitJson({ ok: true, deleted: found });
    });
}
