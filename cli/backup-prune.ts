import type { Command } from 'commander';
import { createContext, existingFolder, intOption, pathArgument, subcommandFlags, type Runtime } from './context.js';
import { backupRef, formatBytes, plural } from './format.js';
import type { UntouchedBackup, UntouchedReason } from '../lib/rotation.js';

const UNTOUCHED_LABELS: Record<UntouchedReason, string> = {
  'pre-restore': 'pre-restore',
  'no-manifest': 'without a readable manifest',
  'other-database': 'of another database',
  future: 'dated in the future',
  damaged: 'damaged',
  unreadable: 'acode may not read',
};

/** "3 backups of another database, 1 pre-restore": what rotation did not count, and why. */
function leftAlone(untouched: readonly UntouchedBackup[]): string {
  const counts = new Map<UntouchedReason, number>();
  for (const b of untouched) counts.set(b.why, (counts.get(b.why) ?? 0) + 1);
  return [...counts].map(([why, n]) => `${plural(n, 'backup')} ${UNTOUCHED_LABELS[why]}`).join(', ');
}

interface PruneFlags {
  readonly keep?: number;
  readonly keepDays?: number;
  readonly dryRun?: boolean;
  readonly dir?: string;
}

export function registerBackupPrune(backup: Command, runtime: Runtime): void {
  backup
    .command('prune')
    .description('apply retention: keep the newest backups, remove older ones and leftovers of failed backups')
    .option('-k, --keep <n>', 'backups to keep (default backup.max_backups)', intOption(1))
    .option('--keep-days <days>', 'also remove backups older than this (default backup.keep_days)', intOption(1))
    .option('-n, --dry-run', 'list what would be removed, remove nothing')
    .option('-d, --dir <dir>', 'backup folder to prune, instead of backup.path (backups made with --output-dir)', pathArgument)
    .addHelpText('after', '\nPre-restore safety backups, backups without a manifest and backups of another database in the same folder are never pruned.\n\nExamples:\n  $ acode db backup prune --keep 3 --dry-run\n  $ acode db backup prune --keep-days 30')
    .action(async (_flags: PruneFlags, cmd: Command) => {
      // backup's own --keep/--keep-days would take these from the command line otherwise.
      const flags = subcommandFlags<PruneFlags>(cmd);
      const ctx = await createContext(cmd, runtime);
      const { out, config } = ctx;
      const { pruneBackups } = await import('../lib/rotation.js');
      const result = await pruneBackups({
        dir: flags.dir ? await existingFolder(runtime, '--dir', flags.dir) : config.backup.path,
        policy: { keep: flags.keep ?? config.backup.maxBackups, keepDays: flags.keepDays ?? config.backup.keepDays, now: ctx.now() },
        config,
        dryRun: flags.dryRun,
        removeStrays: true,
        signal: ctx.signal,
      });
      const verb = result.dryRun ? 'Would remove' : 'Removed';
      // A dry run's list is what was asked for: printed with --quiet too.
      const say = (line: string): void => (result.dryRun ? out.data(line) : out.result(line));
      for (const b of result.removed) say(`  ${verb}: ${b.name} (${formatBytes(b.size)})`);
      for (const s of result.straysRemoved) say(`  ${verb}: ${s.name} (${s.kind === 'temporary' ? 'left by a failed backup' : 'manifest without backup'})`);
      const ref = (b: UntouchedBackup): string => backupRef(b.path, config.backup.path);
      const WARNINGS: Partial<Record<UntouchedReason, (b: UntouchedBackup) => string>> = {
        damaged: (b) => `${b.name} does not match its manifest: left alone and not counted as kept; check it with \`acode db backup verify ${ref(b)}\`, delete it with \`acode db backup delete ${ref(b)}\``,
        unreadable: (b) => `${b.name} cannot be read by acode, so it cannot be checked: left alone and not counted as kept; give acode read access to it`,
        future: (b) => `${b.name} is dated ${b.createdAt.toISOString()}, after now (a clock set wrong?): left alone and not counted as kept; delete it with \`acode db backup delete ${ref(b)}\` if it is not wanted`,
      };
      for (const b of result.untouched) {
        const warning = WARNINGS[b.why];
        if (warning) out.warn(warning(b));
      }
      for (const u of result.unreachable) out.warn(`${u.name} is ${u.problem}: left alone; ${u.todo}`);
      const freed = result.removed.reduce((n, b) => n + b.size, 0) + result.straysRemoved.reduce((n, s) => n + s.size, 0);
      say(`${verb} ${plural(result.removed.length, 'backup')}${result.straysRemoved.length ? ` and ${plural(result.straysRemoved.length, 'leftover file')}` : ''} (${formatBytes(freed)}); kept ${plural(result.kept.length, 'backup')}.`);
      const alone = leftAlone(result.untouched);
      if (alone) out.result(`Left alone: ${alone}.`);
      // With --json a failure still reports what was removed: a script must not think nothing went.
      out.emitJson({
        ok: result.failed.length === 0,
        dryRun: result.dryRun,
        removed: result.removed.map((b) => b.name),
        strays: result.straysRemoved.map((s) => s.name),
        kept: result.kept.map((b) => b.name),
        untouched: result.untouched.map((b) => b.name),
        leftAlone: result.untouched.map((b) => ({ name: b.name, why: b.why })),
        unreachable: result.unreachable.map((s) => ({ name: s.name, problem: s.problem })),
        failed: result.failed.map((f) => f.toJSON()),
      });
      const [failure, ...more] = result.failed;
      if (failure) {
        for (const f of more) out.warn(f.toLine());
        throw failure;
      }
    });
}
