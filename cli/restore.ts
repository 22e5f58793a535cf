import type { Command } from 'commander';
import { AcodeError } from '../lib/errors.js';
import type { ProgressEvent } from '../lib/progress.js';
import type { RestorePlan } from '../lib/restore.js';
import { createContext, intOption, liveDatabaseLabel, namedBackup, pathArgument, requireBackupName, type Context, type Runtime } from './context.js';
import { formatCount } from './format.js';

interface RestoreFlags {
  readonly yes?: boolean;
  readonly wait: number;
}

export function registerRestore(db: Command, runtime: Runtime): void {
  db.command('restore')
    .description('restore the workspace database from a backup (checksum first, safety backup of the current one)')
    .argument('[file]', 'backup name (in the backup folder), path, or latest (the newest backup of this database)', pathArgument)
    // Optional to commander, so that one left out gets requireBackupName's answer; required all the same.
    .usage('[options] <file>')
    .option('-y, --yes', 'do not ask for confirmation (needed when not on a terminal)')
    .option('--wait <seconds>', 'how long to wait for other processes to release the database', intOption(0), 5)
    .addHelpText(
      'after',
      '\nExit codes: 0 restored, 3 restore failed (database unchanged), 4 invalid backup, 64 confirmation needed.\n\nExamples:\n  $ acode db restore acode_backup_20240119_100000.db\n  $ acode db restore latest\n  $ acode db restore /mnt/usb/acode_backup_20240119_100000.db.gz --yes',
    )
    .action(async (named: string | undefined, flags: RestoreFlags, cmd: Command) => {
      const file = requireBackupName(named, 'acode db restore');
      const ctx = await createContext(cmd, runtime);
      const { out } = ctx;
      const interactive = Boolean(runtime.stdin.isTTY && runtime.stderr.isTTY);
      if (!flags.yes && !interactive) {
        throw new AcodeError('ACODE-BAK-011', 'restore replaces the live database and this is not a terminal to ask on; nothing was changed');
      }
      const source = await namedBackup(ctx, file);
      out.info('Restoring from backup...');
      out.info(`  Source: ${source.shown}`);
      out.info(`  Target: ${liveDatabaseLabel(ctx)}`);
      out.info();
      const { restoreBackup } = await import('../lib/restore.js');
      const result = await restoreBackup({
        config: ctx.config,
        file: source.file,
        busyTimeoutMs: flags.wait * 1000,
        confirm: flags.yes ? undefined : (plan) => ask(ctx, plan),
        signal: ctx.signal,
        now: ctx.now,
        onProgress: sectioned(ctx),
        onNotice: (text) => out.warn(text),
      });
      const records = result.after.tables.reduce((n, t) => n + t.rows, 0);
      out.info();
      out.result('Restore complete.');
      out.result(`  Restored: ${result.backup.name} (${result.after.tables.length} tables, ${formatCount(records)} records)`);
      if (result.damagedCopy) out.result(`The previous database was damaged; it is kept as it was: ${result.damagedCopy}`);
      else out.result(result.safetyBackup ? `Previous database saved as: ${result.safetyBackup.name}` : 'There was no database before; nothing to save.');
      for (const file of result.setAside) out.warn(`A file left by an earlier database was moved aside, not applied: ${file}`);
      for (const warning of result.warnings) out.warn(warning);
      out.emitJson({
        ok: true,
        restored: result.backup.path,
        target: result.target,
        safetyBackup: result.safetyBackup?.path ?? null,
        setAside: result.setAside,
        damagedCopy: result.damagedCopy,
        warnings: result.warnings,
        tables: result.after.tables,
      });
    });
}

/** Prints the spec's section headers as the restore reaches each part. */
function sectioned(ctx: Context): (event: ProgressEvent) => void {
  const { out } = ctx;
  let restoring = false;
  return (event) => {
    if (event.phase === 'start' && event.stage === 'checksum') out.info('  Verifying source backup...');
    if (event.phase === 'start' && event.stage === 'safety-backup') out.info('  Creating safety backup of current...');
    // The safety backup runs inside the restore stage, once the database is locked: the header
    // comes after its line; with no safety backup (no database, or a damaged one kept aside), before
    // the restore's first line.
    const header = (): void => {
      if (restoring) return;
      restoring = true;
      out.info('  Restoring...');
    };
    if (event.stage === 'restore' && event.phase !== 'start') header();
    out.withIndent('    ', () => out.progress(event));
    if (event.stage === 'safety-backup' && event.phase === 'end') header();
  };
}

async function ask(ctx: Context, plan: RestorePlan): Promise<boolean> {
  const { out, runtime } = ctx;
  if (!plan.replacesExisting) return true;
  out.warn(`Current database will be replaced: ${liveDatabaseLabel(ctx)}`);
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: runtime.stdin, output: runtime.stderr });
  // Ctrl-D (the input closed without an answer) is a no, as an empty answer is.
  let closed = false;
  rl.once('close', () => (closed = true));
  try {
    const answer = await rl.question(`  Replace it with ${plan.backup.name}? [y/N] `, { signal: ctx.signal }).catch((err: unknown) => {
      if (closed && !ctx.signal.aborted) return '';
      throw err;
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
