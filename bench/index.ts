import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { parseBenchArgs, UsageError, USAGE } from './args.js';
import { ensureDataset } from './dataset.js';
import { sq } from './measure.js';
import { createOperations, OPERATION_NAMES, PG_OPERATION_NAMES, shebangNodeFlags, type OpContext } from './operations.js';
import { loadIntoPostgres } from './postgres.js';
import { makeSharedBackup, race } from './race.js';
import { machineInfo, notApplicable, scalingRows, summarise, toMarkdown, type BenchReport, type OperationResult, type SizeResult } from './report.js';

const KNOWN: readonly string[] = [...OPERATION_NAMES, ...PG_OPERATION_NAMES];
const SCALING_DEFAULT = ['backup', 'export-json', 'export-ndjson', 'export-csv', 'export-sqlite', 'export-json-redacted', 'export-csv-gzip-stdout'];
const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** The CLI compiled next to this file: `<out>/cli/index.js` for `<out>/bench/index.js`. */
const CLI = fileURLToPath(new URL('../cli/index.js', import.meta.url));

/** Why a PostgreSQL row could not be raced, with its peer. */
const NO_SERVER = 'no PostgreSQL server (neither ACODE_TEST_PG_URL nor initdb under /usr/lib/postgresql/*/bin)';
const PG_NOT_RACED: Readonly<Record<string, string>> = {
  'pg-backup': `${NO_SERVER}; peer pg_dump -Fc`,
  'pg-export-csv': `${NO_SERVER}; peer psql \\copy … to stdout csv`,
};

async function benchSize(bytes: number, only: readonly string[], runs: number, keep: boolean, work: string): Promise<SizeResult> {
  const data = await ensureDataset(bytes, keep, log);
  let ctx: OpContext | null = null;
  try {
    const src = data.source;
    log(src.kind === 'generated'
      ? `dataset ${data.label}: ${data.bytes} bytes, ${data.totalRows} rows, generated in ${src.seconds.toFixed(1)} s (+${src.calibrationSeconds.toFixed(1)} s calibration)`
      : `dataset ${data.label}: ${data.bytes} bytes, ${data.totalRows} rows, from the cache (checksum verified in ${src.checkSeconds.toFixed(2)} s)`);
    const nodeFlags = shebangNodeFlags(readFileSync(CLI, 'utf8').split('\n', 1)[0]!);
    ctx = { data, cli: CLI, node: process.execPath, nodeFlags, backupFile: null, pg: null };
    if (only.some((name) => name.startsWith('pg-'))) ctx.pg = await loadIntoPostgres(data, log);
    const ops = createOperations(ctx).filter((o) => only.includes(o.name));
    let backupError: string | null = null;
    if (ops.some((o) => o.needsBackup)) {
      const made = await makeSharedBackup(ctx, work);
      ctx.backupFile = made.file;
      backupError = made.error;
    }
    const results: OperationResult[] = [];
    for (const op of ops) {
      log(`${op.name}:`);
      if (op.needsBackup && backupError) {
        const failed = summarise(op.ours.does, '', [], `the backup to work on could not be made: ${backupError}`);
        results.push({ ...notApplicable(op.name, ''), status: 'failed', ours: failed, verdict: `FAILED: ${failed.error}` });
        continue;
      }
      results.push(await race(op, ctx, runs, work, log));
    }
    for (const name of PG_OPERATION_NAMES) {
      if (only.includes(name) && !ops.some((o) => o.name === name)) results.push(notApplicable(name, PG_NOT_RACED[name]!));
    }
    const { file, label, requestedBytes, sha256, rows, totalRows, source } = data;
    return { dataset: { file, label, requestedBytes, bytes: data.bytes, sha256, rows, totalRows, source }, operations: results };
  } finally {
    await ctx?.pg?.stop();
    await data.cleanup();
  }
}

function betterSqliteVersion(): string {
  const db = new Database(':memory:');
  try {
    return String(db.prepare('SELECT sqlite_version()').pluck().get());
  } finally {
    db.close();
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let opts;
  try {
    opts = parseBenchArgs(argv, KNOWN);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    log(`bench: ${err.message}\n\n${USAGE}`);
    return 64;
  }
  if (opts === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!existsSync(CLI)) {
    log(`bench: the CLI under test is not built: ${CLI}`);
    return 1;
  }
  const only = opts.only ?? (opts.scaling ? SCALING_DEFAULT : KNOWN);
  const startedAt = new Date().toISOString();
  const work = await mkdtemp(path.join(os.tmpdir(), 'acode-bench-'));
  const sizes: SizeResult[] = [];
  try {
    for (const bytes of opts.sizes) sizes.push(await benchSize(bytes, only, opts.runs, opts.keep, work));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const report: BenchReport = {
    commandLine: [path.basename(process.argv0), path.relative(process.cwd(), process.argv[1]!), ...argv].map(sq).join(' '),
    cwd: process.cwd(),
    startedAt,
    runs: opts.runs,
    machine: machineInfo(betterSqliteVersion()),
    sizes,
    scaling: opts.scaling && sizes.length === 2 ? scalingRows(sizes[0]!, sizes[1]!) : null,
  };
  process.stdout.write(toMarkdown(report));
  if (opts.json) {
    await writeFile(opts.json, `${JSON.stringify(report, null, 2)}\n`);
    log(`figures written to ${opts.json}`);
  }
  return sizes.some((s) => s.operations.some((o) => o.status === 'failed')) ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
