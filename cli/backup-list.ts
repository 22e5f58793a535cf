import path from 'node:path';
import type { Command } from 'commander';
import type { StrayFile } from '../lib/catalog.js';
import type { BackupStatus } from '../lib/list.js';
import { createContext, existingFolder, pathArgument, type Context, type Runtime } from './context.js';
import { backupRef, formatBytes, formatDate, plural } from './format.js';

const STATUS: Record<BackupStatus, string> = {
  valid: '✓ valid',
  mismatch: '✗ mismatch',
  'no-manifest': '? no manifest',
  'bad-manifest': '? unreadable manifest',
  unchecked: '- not checked (size matches)',
  unreadable: '✗ unreadable',
};

const KIND: Record<string, string> = { manual: '', pre_migration: ' (before migration)', pre_restore: ' (before restore)' };

export function registerBackupList(backup: Command, runtime: Runtime): void {
  backup
    .command('list')
    .description('list backups, newest first, with the state of each checksum')
    .option('-d, --dir <dir>', 'backup folder to list, instead of backup.path', pathArgument)
    .option('--no-checksums', 'compare sizes only, do not hash every backup')
    .addHelpText('after', '\nExamples:\n  $ acode db backup list\n  $ acode db backup list --json')
    .action(async (flags: ListFlags, cmd: Command) => showBackupList(await createContext(cmd, runtime), flags));
}

interface ListFlags {
  readonly dir?: string;
  readonly checksums?: boolean;
}

export async function showBackupList(ctx: Context, flags: ListFlags = {}): Promise<void> {
    const { out } = ctx;
    const { listBackups } = await import('../lib/list.js');
    const dir = flags.dir === undefined ? undefined : await existingFolder(ctx.runtime, '--dir', flags.dir);
    const result = await listBackups({ config: ctx.config, dir, checksums: flags.checksums, signal: ctx.signal, onProgress: out.liveProgress });
    // A file named like a backup without a readable manifest is not counted as one.
    const untrusted = result.backups.filter((b) => b.status === 'no-manifest' || b.status === 'bad-manifest');
    const untrustedBytes = untrusted.reduce((n, b) => n + b.size, 0);
    out.emitJson({
      ok: true,
      dir: result.dir,
      backups: result.backups.map((b) => ({ ...b, createdAt: b.createdAt.toISOString() })),
      strays: result.strays,
      unreachable: result.unreachable,
      total: { count: result.backups.length - untrusted.length, bytes: result.totalBytes - untrustedBytes },
      withoutManifest: { count: untrusted.length, bytes: untrustedBytes },
    });
    if (out.json) return;
    if (result.backups.length === 0 && result.strays.length === 0 && result.unreachable.length === 0) {
      out.data(`No backups in ${out.shortPath(result.dir)}. Create one with: acode db backup`);
      return;
    }
    out.data('Available Backups');
    out.data('═══════════════════════════════════');
    result.backups.forEach((b, i) => {
      out.data(`  ${i + 1}. ${b.name}${KIND[b.kind] ?? ''}`);
      out.data(`       Size: ${formatBytes(b.size)}`);
      out.data(`       Created: ${formatDate(b.createdAt)}`);
      if (b.tag) out.data(`       Tag: ${b.tag}`);
      out.data(`       Checksum: ${STATUS[b.status]}${b.problem && b.status !== 'no-manifest' ? ` (${b.problem})` : ''}`);
      if (b.status === 'no-manifest' || b.status === 'bad-manifest') out.data(`       Not trusted as a backup: restore refuses it; ${untrustedRemoval(b, ctx.config.backup.path)}`);
      if (b.status === 'unreadable') out.data('       acode may not read it: run acode as the user who made it, or give it read access');
      out.data();
    });
    for (const u of result.unreachable) {
      out.data(`  ! ${u.name}`);
      out.data(`       ${u.problem}: not counted, never pruned; ${u.todo}`);
      out.data();
    }
    for (const s of result.strays) {
      out.data(`  ! ${s.name}`);
      out.data(`       ${strayLine(s)}`);
      out.data();
    }
    const also = untrusted.length ? `, and ${plural(untrusted.length, 'file')} without a readable manifest (${formatBytes(untrustedBytes)})` : '';
    out.data(`Total: ${plural(result.backups.length - untrusted.length, 'backup')} (${formatBytes(result.totalBytes - untrustedBytes)})${also}`);
}

/**
 * What removes a file without a trusted manifest. Outside the backup folder \`backup delete\` takes
 * only a file with a manifest beside it (a name there proves nothing).
 */
function untrustedRemoval(b: { readonly path: string; readonly status: BackupStatus }, backupDir: string): string {
  const ref = backupRef(b.path, backupDir);
  if (ref === path.basename(b.path) || b.status === 'bad-manifest') return `\`acode db backup delete ${ref}\` removes it`;
  return `remove it by hand if it is not wanted (\`rm ${ref}\`)`;
}

function strayLine(s: StrayFile): string {
  const what = s.kind === 'temporary' ? (s.inProgress ? 'backup in progress (it changed in the last 10 minutes, or in the last day and its process runs)' : 'incomplete: left by a backup that did not finish; `acode db backup prune` removes it') : 'manifest without its backup; `acode db backup prune` removes it';
  return `${what} (${formatBytes(s.size)})`;
}
