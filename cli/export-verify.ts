import type { Command } from 'commander';
import { AcodeError } from '../lib/errors.js';
import { createContext, fingerprintList, pathArgument, subcommandFlags, type Context, type Runtime } from './context.js';

export function registerExportVerify(exportCommand: Command, runtime: Runtime): void {
  exportCommand
    .command('verify')
    .description('check an export before sharing it: manifest, checksums, the leak scan and redaction')
    .argument('<path>', 'export file (JSON, NDJSON, SQLite), CSV folder or tar bundle', pathArgument)
    .option('--allow-scan-hit <fingerprint>', 'accept a reviewed leak-scan false positive (repeatable)', fingerprintList)
    .option('--manifest <file>', 'the manifest of an export streamed to stdout (written with `export --manifest`)', pathArgument)
    .addHelpText('after', '\nExit codes: 0 safe to share as far as the checks go, 2 a check failed.\n\nExample:\n  $ acode db export verify export.json')
    .action(async (target: string, _flags: unknown, cmd: Command) => showExportVerify(await createContext(cmd, runtime), target, subcommandFlags(cmd)));
}

/** Verifies an export and prints the report; a failed check throws ACODE-EXP-005 (exit 2). */
export async function showExportVerify(ctx: Context, target: string, flags: { allowScanHit?: string[]; manifest?: string } = {}): Promise<void> {
  const { out } = ctx;
  out.info('Verifying export...');
  out.info(`  Path: ${target}`);
  out.info();
  const { verifyExport } = await import('../lib/export-verify.js');
  const result = await verifyExport({
    path: target,
    allowScanHits: [...ctx.config.export.allowScanHits, ...(flags.allowScanHit ?? [])],
    ...(flags.manifest ? { manifest: flags.manifest } : {}),
    signal: ctx.signal,
    onProgress: out.liveProgress,
  });
  for (const check of result.checks) out.result(`  ${check.ok ? '✓' : '✗'} ${check.label}${check.problem ? `: ${check.problem}` : ''}`);
  out.result();
  out.result(result.valid ? 'Export is valid and the leak scan found nothing.' : 'Export FAILED verification: do not share it.');
  out.emitJson({ ok: result.valid, ...result });
  if (!result.valid) {
    throw new AcodeError('ACODE-EXP-005', `${target}: ${result.checks.filter((c) => !c.ok).map((c) => c.name).join(', ')} failed`, { context: { file: result.path } });
  }
}
