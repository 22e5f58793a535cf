import type { Command } from 'commander';
import { AcodeError } from '../lib/errors.js';
import { createContext, namedBackup, pathArgument, requireBackupName, subcommandFlags, type Context, type Runtime } from './context.js';

export function registerBackupVerify(backup: Command, runtime: Runtime): void {
  backup
    .command('verify')
    .description('check a backup: checksum, structure, tables and record counts')
    .argument('[file]', 'backup name (in the backup folder), path, or latest (the newest backup of this database)', pathArgument)
    // Optional to commander, so that one left out gets requireBackupName's answer; required all the same.
    .usage('[options] <file>')
    .option('--full', 'run integrity_check instead of quick_check')
    .option('--test-restore', 'also restore into an isolated temporary database and check it there')
    .addHelpText('after', '\nExit codes: 0 valid, 2 verification failed, 4 not a backup / no manifest.\n\nExamples:\n  $ acode db backup verify acode_backup_20240119_100000.db\n  $ acode db backup verify latest\n  $ acode db backup verify ./old/acode_backup_20240119_100000.db.gz --test-restore')
    .action(async (file: string | undefined, _flags: VerifyFlags, cmd: Command) => {
      const named = requireBackupName(file, 'acode db backup verify');
      await showVerify(await createContext(cmd, runtime), named, subcommandFlags<VerifyFlags>(cmd));
    });
}

interface VerifyFlags {
  readonly full?: boolean;
  readonly testRestore?: boolean;
}

/** Verifies and prints the spec's report; an invalid backup throws ACODE-BAK-003 (exit 2). */
export async function showVerify(ctx: Context, file: string, flags: VerifyFlags = {}): Promise<void> {
    const { out } = ctx;
    const source = await namedBackup(ctx, file);
    out.info('Verifying backup...');
    out.info(`  File: ${source.file === file ? out.shortPath(file) : source.shown}`);
    out.info();
    const { verifyBackup } = await import('../lib/verify.js');
    const result = await verifyBackup({
      config: ctx.config,
      file: source.file,
      full: flags.full,
      testRestore: flags.testRestore,
      signal: ctx.signal,
      onProgress: out.liveProgress,
    });
    for (const check of result.checks) {
      out.result(`  ${check.ok ? '✓' : '✗'} ${check.label}${check.problem ? `: ${check.problem}` : ''}`);
    }
    out.result();
    out.result(result.valid ? 'Backup is valid.' : 'Backup is INVALID.');
    out.emitJson({ ok: result.valid, valid: result.valid, path: result.path, checks: result.checks, tables: result.tables, records: result.records });
    if (!result.valid) {
      const failed = result.checks.filter((c) => !c.ok).map((c) => c.name);
      throw new AcodeError('ACODE-BAK-003', `${result.name} failed: ${failed.join(', ')}`, { context: { file: result.path } });
    }
}
