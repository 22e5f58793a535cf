import path from 'node:path';
import type { Command } from 'commander';
import { createContext, pathArgument, type Runtime } from './context.js';

export function registerBackupDelete(backup: Command, runtime: Runtime): void {
  backup
    .command('delete')
    .description('delete a backup and its manifest')
    .argument('<file>', 'backup name (in the backup folder) or path', pathArgument)
    .addHelpText('after', '\nOnly files named like backups (acode_backup_*.db[.gz], acode_backup_*.dump) are deleted.\n\nExample:\n  $ acode db backup delete acode_backup_20240118_100000.db')
    .action(async (file: string, _flags: object, cmd: Command) => {
      const ctx = await createContext(cmd, runtime);
      const { deleteBackup } = await import('../lib/rotation.js');
      const { path: found, manifest } = await deleteBackup({ config: ctx.config, backup: file });
      ctx.out.result(`Deleted ${path.basename(found)}${manifest ? ' and its manifest' : ' (it had no manifest)'}.`);
      ctx.out.emitJson({ ok: true, deleted: found });
    });
}
