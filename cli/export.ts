import { Option, type Command } from 'commander';
import { EXPORT_FORMATS, type ExportFormat } from '../lib/config.js';
import type { ExportOptions, ExportPlan, ExportResult } from '../lib/export.js';
import { createContext, fingerprintList, pathArgument, tableList, type Context, type Runtime } from './context.js';
import { registerExportVerify } from './export-verify.js';
import { formatBytes, plural } from './format.js';

/** How the header names a format: SQLite as it spells itself, the others as acronyms. */
const FORMAT_NAMES: Readonly<Record<ExportFormat, string>> = { json: 'JSON', ndjson: 'NDJSON', csv: 'CSV', sqlite: 'SQLite' };

export interface ExportFlags {
  readonly format?: ExportFormat;
  readonly tables?: string[];
  readonly excludeTables?: string[];
  readonly since?: string;
  readonly until?: string;
  readonly schemaOnly?: boolean;
  readonly dryRun?: boolean;
  readonly plan?: boolean;
  readonly output?: string;
  readonly gzip?: boolean;
  readonly archive?: 'tar';
  readonly redact?: boolean;
  readonly force?: boolean;
  readonly manifest?: string;
  readonly allowScanHit?: string[];
}

export function registerExport(db: Command, runtime: Runtime): Command {
  const command = db
    .command('export')
    .description('export tables as JSON, NDJSON, CSV or SQLite — redacted by default — to a file, folder or stdout')
    .addOption(new Option('-f, --format <format>', 'output format (default: what the --output name says, else export.default_format)').choices([...EXPORT_FORMATS]))
    .option('-t, --tables <names>', 'only these tables (comma-separated, repeatable; \\, for a comma in a name)', tableList)
    .option('-x, --exclude-tables <names>', 'leave these tables out (comma-separated, repeatable; \\, for a comma in a name)', tableList)
    .option('--since <date>', 'rows at or after this ISO 8601 date/date-time (by created_at or export.date_columns)')
    .option('--until <date>', 'rows before this date-time; a date means through the end of that day')
    .option('--schema-only', 'table definitions only, no rows')
    .option('-n, --dry-run', 'print tables, row counts, output paths and the redaction plan; write nothing')
    .option('--plan', 'same as --dry-run')
    .option('-o, --output <path>', "file or folder to write; '-' for stdout (the default when stdout is not a terminal)", pathArgument)
    .option('-z, --gzip', 'gzip the output (implied by a .gz name)')
    .addOption(new Option('--archive <kind>', 'bundle one file per table plus manifest.json (implied by .tar, .tar.gz, .tgz)').choices(['tar']))
    .option('--redact', 'redact secrets, paths and e-mail addresses (default when export.redact_by_default)')
    .option('--no-redact', 'export everything as it is: the output will hold secrets')
    .option('--force', 'replace an existing output')
    .option('--manifest <file>', 'write the manifest here (for a stream to stdout)', pathArgument)
    .option('--allow-scan-hit <fingerprint>', 'accept a reviewed leak-scan false positive (repeatable)', fingerprintList)
    .addHelpText(
      'after',
      `
Examples:
  $ acode db export --format json --output export.json
  $ acode db export --format csv --tables conv_chats,conv_runs --output chats.csv
  $ acode db export --format csv --tables conv_chats | gzip > chats.csv.gz
  $ acode db export --format csv | gzip > all.tar.gz        # several tables: a tar stream, one CSV each
  $ acode db export --since 2024-01-01 --until 2024-01-31 --output january.ndjson.gz
  $ acode db export --plan`,
    )
    .action(async (flags: ExportFlags, cmd: Command) => {
      await runExport(await createContext(cmd, runtime), flags);
    });
  registerExportVerify(command, runtime);
  return command;
}

/**
 * Whether an export writes its data to stdout (`-`, or no --output when stdout is no terminal).
 * Settled before anything can fail, here and for errors before the command runs (cli/main.ts):
 * a --json document on stdout would end up inside the data's file (`… | gzip > out.gz`).
 */
export function dataGoesToStdout(output: string | undefined, stdout: { readonly isTTY?: boolean }): boolean {
  return output === '-' || (output === undefined && !stdout.isTTY);
}

/** `db export` (not `export verify`, not a plan) in raw arguments, and the --output they give. */
export function exportOutputIn(argv: readonly string[]): { output: string | undefined } | null {
  const at = argv.findIndex((a, i) => a === 'export' && argv[i - 1] === 'db');
  if (at < 0 || argv.slice(at + 1).some((a) => a === 'verify' || a === '--plan' || a === '--dry-run' || a === '-n')) return null;
  let output: string | undefined;
  argv.slice(at + 1).forEach((a, i, rest) => {
    if (a === '-o' || a === '--output') output = rest[i + 1];
    else if (a.startsWith('--output=')) output = a.slice('--output='.length);
  });
  return { output };
}

/** The export command's work, also used by `acode demo`. */
export async function runExport(ctx: Context, flags: ExportFlags): Promise<ExportResult | null> {
  // Loaded here, not at start-up: the export stack (tar, CSV and JSON parsers, redaction) is
  // the largest part of the tool and no other command needs it.
  const { openExport, planExport } = await import('../lib/export.js');
  const options = toOptions(ctx, flags);
  if (flags.dryRun || flags.plan) {
    printPlan(ctx, await planExport(options));
    return null;
  }
  if (dataGoesToStdout(flags.output, ctx.runtime.stdout)) ctx.out.stdoutCarriesData();
  const job = await openExport({ ...options, onProgress: (event) => ctx.out.withIndent('    ', () => ctx.out.progress(event)) });
  if (!job.plan.header.redaction.enabled) {
    const why = options.redact === false ? '--no-redact' : 'export.redact_by_default: false';
    ctx.out.warn(`redaction is OFF (${why}): the output holds secrets as they are in the database; do not share it`);
  }
  for (const rule of job.plan.unmatchedRules) ctx.out.warn(unmatched(rule));
  printHeader(ctx, job.plan);
  const result = await job.run();
  printResult(ctx, result, result.redaction ? (await import('../lib/redaction/index.js')).summaryLines(result.redaction, placeholderShape(ctx.config.export)) : []);
  return result;
}

function toOptions(ctx: Context, flags: ExportFlags): ExportOptions {
  return {
    config: ctx.config,
    format: flags.format,
    tables: flags.tables,
    excludeTables: flags.excludeTables,
    since: flags.since,
    until: flags.until,
    schemaOnly: flags.schemaOnly,
    output: flags.output,
    stdout: ctx.runtime.stdout,
    gzip: flags.gzip,
    archive: flags.archive,
    redact: flags.redact,
    force: flags.force,
    manifestFile: flags.manifest,
    allowScanHits: flags.allowScanHit,
    signal: ctx.signal,
    now: ctx.now,
  };
}

function unmatched(rule: string): string {
  return `column ${rule} matches no column of the exported tables`;
}

function where(ctx: Context, plan: Pick<ExportPlan, 'layout'>): string {
  const { layout } = plan;
  if (layout.kind === 'stdout') return 'standard output';
  return ctx.out.shortPath(layout.path!) + (layout.kind === 'folder' ? '/' : '');
}

function printPlan(ctx: Context, plan: ExportPlan): void {
  const { out } = ctx;
  const { layout } = plan;
  const lines: string[] = [];
  lines.push('Export plan (dry run: nothing is written)');
  lines.push(`  Format: ${FORMAT_NAMES[layout.format]}${layout.archive ? ' in a tar bundle' : ''}${layout.gzip ? ', gzip' : ''}`);
  lines.push(`  Output: ${where(ctx, plan)}`);
  if (plan.manifest) lines.push(`  Manifest: ${ctx.out.shortPath(plan.manifest)}`);
  lines.push(`  Redaction: ${plan.header.redaction.enabled ? `enabled (${plural(plan.header.redaction.rules.length, 'rule')})` : 'DISABLED — the output would hold secrets'}`);
  for (const note of layout.notes) lines.push(`  Note: ${note}`);
  lines.push('');
  for (const table of plan.tables) {
    const undated = table.undated ? `; ${plural(table.undated, 'row')} without a date left out` : '';
    const filter = plan.header.filters['since'] || plan.header.filters['until'] ? (table.dateColumn ? ` (filtered on ${table.dateColumn}${undated})` : ' (no date column: exported whole)') : '';
    lines.push(`  ${table.name}: ${plural(table.rows, 'record')}${filter}${layout.kind === 'folder' || layout.archive ? ` → ${table.name}.${layout.format}` : ''}`);
    for (const c of table.columns) {
      const what = c.action === 'redact' ? `redacted by column rule ${c.rule}` : c.action === 'scan' ? (c.parts ? `${c.parts}, each part scanned by content rules` : 'scanned by content rules') : 'kept';
      lines.push(`      ${c.column}: ${what}`);
    }
  }
  for (const skipped of plan.skippedTables) lines.push(`  ${skipped}: skipped (${skippedWhy(plan)})`);
  for (const rule of plan.unmatchedRules) lines.push(`  ⚠ ${unmatched(rule)}`);
  if (out.json) out.emitJson({ ok: true, dryRun: true, ...plan });
  else for (const line of lines) out.data(line);
}

/** What the skipped tables are: SQLite's virtual tables, PostgreSQL's tables with no columns. */
function skippedWhy(plan: ExportPlan, many = false): string {
  return plan.header.source.type === 'postgres' ? (many ? 'tables with no columns' : 'table with no columns') : many ? 'virtual tables' : 'virtual table';
}

function printHeader(ctx: Context, plan: ExportPlan): void {
  const { out } = ctx;
  const { layout } = plan;
  for (const note of layout.notes) out.info(`Note: ${note}`);
  // Left out without a word, an FTS index looked exported; a backup copies it.
  // Only when every table was asked for: --tables names what the user wants, and nothing else is missing.
  const chosen = (plan.header.filters['tables'] as readonly string[] | undefined)?.length ?? 0;
  // Nor the ones --exclude-tables left out on purpose.
  const excluded = new Set((plan.header.filters['excludeTables'] as readonly string[] | undefined) ?? []);
  const unasked = plan.skippedTables.filter((t) => !excluded.has(t));
  if (unasked.length > 0 && chosen === 0) out.warn(`${skippedWhy(plan, unasked.length > 1)} ${unasked.length > 1 ? 'are' : 'is'} not exported: ${unasked.join(', ')} (a backup keeps ${unasked.length > 1 ? 'them' : 'it'})`);
  for (const t of plan.tables) {
    if (t.undated) out.warn(`${t.name}: ${plural(t.undated, 'row')} whose ${t.dateColumn} holds no date (empty, an epoch number, or text not shaped like 2024-01-20 or 2024-01-20T14:30:45Z) ${t.undated === 1 ? 'is' : 'are'} left out by --since/--until`);
  }
  out.info('Exporting database...');
  out.info(`  Format: ${FORMAT_NAMES[layout.format]}${layout.archive ? ' (tar bundle)' : ''}${layout.gzip ? ', gzip' : ''}`);
  out.info(`  Redaction: ${plan.header.redaction.enabled ? 'enabled' : 'DISABLED'}`);
  out.info(`  Output: ${where(ctx, plan)}`);
  out.info();
  out.info('  Processing tables...');
}

/** How the summary names what a secret became: the placeholder the config chose. */
function placeholderShape(exp: { readonly placeholder: 'plain' | 'typed'; readonly pseudonymize: boolean }): string {
  if (exp.pseudonymize) return 'pseudonyms ([REDACTED:<12 hex digits>], one per secret)';
  return exp.placeholder === 'typed' ? '[REDACTED:<rule>]' : '[REDACTED]';
}

/** `redaction`: the summary's lines ("15 API keys replaced with [REDACTED]"). */
function printResult(ctx: Context, result: ExportResult, redaction: readonly string[]): void {
  const { out } = ctx;
  const { layout, manifest } = result;
  if (manifest.redaction.enabled) {
    out.info();
    out.info('  Applying redaction...');
    for (const line of redaction) out.info(`    ✓ ${line}`);
    if (redaction.length === 0) out.info('    ✓ nothing needed redacting');
  }
  const total = manifest.files.reduce((n, f) => n + f.bytes, 0);
  out.info();
  out.info('  Writing output...');
  for (const f of manifest.files) out.info(`    ✓ ${f.name === '-' ? 'standard output' : f.name} (${formatBytes(f.bytes)})`);
  out.info();
  if (layout.kind === 'stdout') {
    out.info(`Export complete: ${formatBytes(total)} to standard output${result.manifestPath ? `; manifest in ${out.shortPath(result.manifestPath)}` : ''}.`);
  } else {
    out.result(`Export complete: ${where(ctx, result)} (${formatBytes(total)}${manifest.files.length > 1 ? `, ${plural(manifest.files.length, 'file')}` : ''})`);
    if (result.manifestPath) out.result(`  Manifest: ${out.shortPath(result.manifestPath)}`);
    if (manifest.redaction.enabled) {
      out.result('Redaction summary:');
      for (const line of redaction) out.result(`  - ${line}`);
      if (redaction.length === 0) out.result('  - nothing needed redacting');
    }
  }
  out.emitJson({ ok: true, output: layout.path, manifest: result.manifestPath, files: manifest.files, tables: manifest.tables, redaction: manifest.redaction });
}
