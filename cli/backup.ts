import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { BackupResult } from '../lib/backup.js';
import { AcodeError } from '../lib/errors.js';
import { createContext, intOption, liveDatabaseLabel, pathArgument, type Context, type Runtime } from './context.js';
import { formatBytes, formatCount } from './format.js';

export interface BackupFlags {
  readonly outputDir?: string;
  readonly compress?: boolean;
  readonly tag?: string;
  readonly full?: boolean;
  readonly verify?: boolean;
  readonly keep?: number;
  readonly keepDays?: number;
}

export function registerBackup(db: Command, runtime: Runtime): Command {
  return db
    .command('backup')
    .description('create a backup of the workspace database (online, consistent, checked, with a manifest)')
    .option('-o, --output-dir <dir>', 'backup folder for this backup, instead of backup.path', pathArgument)
    .option('-z, --compress', 'gzip the backup; PostgreSQL: pg_dump -Z6 instead of -Z1 (default backup.compress)')
    .option('--no-compress', 'do not gzip (PostgreSQL: -Z1), whatever backup.compress says')
    .option('-t, --tag <tag>', 'a label stored in the manifest')
    .option('--full', 'run integrity_check instead of quick_check on the copy (PostgreSQL: read every row of the archive back)')
    .option('--no-verify', 'skip the check of the copy (not recommended)')
    .option('-k, --keep <n>', 'backups to keep in the folder after this one (default backup.max_backups)', intOption(1))
    .option('--keep-days <days>', 'also rotate out backups older than this (default backup.keep_days)', intOption(1))
    .addHelpText('after', '\nExamples:\n  $ acode db backup\n  $ acode db backup --compress --tag before-upgrade\n  $ acode db backup --output-dir /mnt/usb/acode\n  $ acode db backup --quiet --output-dir .agent/backups/weekly --keep 8   # weekly, from cron')
    .action(async (flags: BackupFlags, cmd: Command) => {
      // --full asks for a check --no-verify skips: the check silently did not run.
      if (flags.full && flags.verify === false) {
        throw new AcodeError('ACODE-USE-001', '--full and --no-verify contradict each other', { hint: 'give --full for the thorough check, or --no-verify for none' });
      }
      const ctx = await createContext(cmd, runtime);
      const result = await runBackup(ctx, flags);
      printBackupResult(ctx, result);
    });
}

export async function runBackup(ctx: Context, flags: BackupFlags): Promise<BackupResult> {
  const { config, out } = ctx;
  const { checkTag, createBackup, plannedBackupPath } = await import('../lib/backup.js');
  checkTag(flags.tag);
  const planned = plannedBackupPath({ config, outputDir: flags.outputDir, compress: flags.compress, now: ctx.now });
  const sqlite = config.database.type === 'sqlite';
  const found = sqlite ? await stat(config.database.path).catch(() => null) : null;
  // No SQLite file: createBackup says so (ACODE-DB-001) without a backup announced first.
  if (!sqlite || found) {
    out.info('Creating backup...');
    out.info(`  Source: ${liveDatabaseLabel(ctx)}${found?.isFile() ? ` (${formatBytes(found.size)})` : ''}`);
    out.info(`  Target: ${out.shortPath(planned)}`);
    out.info();
  }
  const result = await createBackup({
    config,
    outputDir: flags.outputDir,
    compress: flags.compress,
    tag: flags.tag,
    full: flags.full,
    // --no-verify alone exists, so commander sets verify true by default: only false is the user's.
    // --full asks for a check, whatever backup.verify says.
    verify: flags.verify === false ? false : flags.full ? true : undefined,
    keep: flags.keep,
    keepDays: flags.keepDays,
    signal: ctx.signal,
    onProgress: out.progress,
    now: ctx.now,
  });
  if (result.rotationError) out.warn(`backup kept, but rotation failed: ${result.rotationError.toLine()}`);
  return result;
}

export function printBackupResult(ctx: Context, result: BackupResult): void {
  const { out } = ctx;
  const m = result.manifest;
  const records = m.tables.reduce((n, t) => n + t.rows, 0);
  out.info();
  out.result(`Backup complete: ${result.name}`);
  out.result(`  Location: ${out.shortPath(path.dirname(result.path))}`);
  out.result(`  Size: ${formatBytes(m.file.size)}${m.uncompressed ? ` (${formatBytes(m.uncompressed.size)} uncompressed)` : ''}`);
  out.result(`  Checksum: sha256:${m.file.sha256}`);
  out.result(`  Tables: ${m.tables.length}, records: ${formatCount(records)}`);
  for (const removed of result.rotation?.removed ?? []) out.result(`  Rotated out: ${removed.name}`);
  out.emitJson({
    ok: true,
    backup: { name: result.name, path: result.path, manifest: result.manifestPath },
    manifest: m,
    rotated: (result.rotation?.removed ?? []).map((b) => b.name),
    rotationError: result.rotationError?.toJSON() ?? null,
  });
}
