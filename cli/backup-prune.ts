import path from 'node:path';
import type { Command } from 'commander';
import { createContext, intOption, type Runtime } from './context.js';
import { formatBytes, plural } from './format.js';

export function registerBackupPrune(backup: Command, runtime: Runtime): void {
  backup
    .command('prune')
    .description('apply retention: keep the newest backups, remove older ones and leftovers of failed backups')
    .option('-k, --keep <n>', 'backups to keep (default backup.max_backups)', intOption(1))
    .option('--keep-days <days>', 'also remove backups older than this (default backup.keep_days)', intOption(1))
    .option('-n, --dry-run', 'list what would be removed, remove nothing')
    .option('-d, --dir <dir>', 'backup folder to prune, instead of backup.path (backups made with --output-dir)')
    .addHelpText('after', '\nPre-restore safety backups, backups without a manifest and backups of another database in the same folder are never pruned.\n\nExamples:\n  $ acode db backup prune --keep 3 --dry-run\n  $ acode db backup prune --keep-days 30')
    .action(async (flags: { keep?: number; keepDays?: number; dryRun?: boolean; dir?: string }, cmd: Command) => {
      const ctx = await createContext(cmd, runtime);
      const { out, config } = ctx;
      const { pruneBackups } = await import('../lib/rotation.js');
      const { liveSource } = await import('../lib/engine.js');
      const result = await pruneBackups({
        dir: flags.dir ? path.resolve(runtime.cwd, flags.dir) : config.backup.path,
        policy: { keep: flags.keep ?? config.backup.maxBackups, keepDays: flags.keepDays ?? config.backup.keepDays, now: ctx.now(), source: await liveSource(config) },
        dryRun: flags.dryRun,
        removeStrays: true,
      });
      const verb = result.dryRun ? 'Would remove' : 'Removed';
      for (const b of result.removed) out.result(`  ${verb}: ${b.name} (${formatBytes(b.size)})`);
      for (const s of result.straysRemoved) out.result(`  ${verb}: ${s.name} (${s.kind === 'temporary' ? 'left by a failed backup' : 'manifest without backup'})`);
      const freed = result.removed.reduce((n, b) => n + b.size, 0) + result.straysRemoved.reduce((n, s) => n + s.size, 0);
      out.result(`${verb} ${plural(result.removed.length, 'backup')}${result.straysRemoved.length ? ` and ${plural(result.straysRemoved.length, 'leftover file')}` : ''} (${formatBytes(freed)}); kept ${plural(result.kept.length + result.untouched.length, 'backup')}.`);
      out.emitJson({
        ok: true,
        dryRun: result.dryRun,
        removed: result.removed.map((b) => b.name),
        strays: result.straysRemoved.map((s) => s.name),
        kept: result.kept.map((b) => b.name),
        untouched: result.untouched.map((b) => b.name),
      });
    });
}
