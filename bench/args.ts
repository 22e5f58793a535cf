import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** Database sizes in bytes: one for a normal run, two with --scaling. */
  readonly sizes: readonly number[];
  readonly scaling: boolean;
  /** Operation names to run; null for all. */
  readonly only: readonly string[] | null;
  readonly runs: number;
  readonly json: string | null;
  /** Keep a generated database in bench/.cache for the next run (default; --no-cache: a temporary one). */
  readonly keep: boolean;
}

/** The issue's floor: every median is of at least this many timed runs. */
export const MIN_RUNS = 3;

export const USAGE = `Usage: node dist/bench/index.js [options]

  --size SIZE        workspace database size, e.g. 20MB, 100MB, 1GB (default 100MB)
  --scaling A,B      run backup and export on two sizes and compare peak memory (e.g. 100MB,1GB)
  --only NAMES       comma-separated operations (default all): see the list below
  --runs N           timed runs of each side after one warm-up (default and minimum 3)
  --json FILE        also write every figure as JSON (its folder must exist)
  --no-cache         generate into a temporary folder instead of bench/.cache
  -h, --help         this text

Sizes are decimal (kB = 1000 B, MB = 10^6 B, GB = 10^9 B); KiB, MiB and GiB are binary.
A generated database is cached in bench/.cache; a valid cached one (checksum and generator
unchanged) is reused.

Examples:
  npm run bench -- --size 100MB --runs 3 --json bench-100MB.json
  npm run bench -- --size 1GB --only backup,export-json
  npm run bench -- --scaling 100MB,1GB`;

const UNITS: Readonly<Record<string, number>> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3,
};

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses "100MB", "1.5GB", "512KiB" into bytes. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = UNITS[(m?.[2] || 'b').toLowerCase()];
  if (!m || unit === undefined) throw new UsageError(`--size: expected a size such as 100MB or 1GB, got '${text}'`);
  const bytes = Math.round(Number(m[1]) * unit);
  if (bytes < 1e6) throw new UsageError(`--size: at least 1MB, got '${text}'`);
  return bytes;
}

/** A short label for a size, also the cache file name: 100MB, 1GB, 1.5GB. */
export function sizeLabel(bytes: number): string {
  if (bytes >= 1e9) return `${+(bytes / 1e9).toFixed(2)}GB`;
  return `${+(bytes / 1e6).toFixed(2)}MB`;
}

export function parseBenchArgs(argv: readonly string[], known: readonly string[]): BenchOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        size: { type: 'string' },
        scaling: { type: 'string' },
        only: { type: 'string' },
        runs: { type: 'string' },
        json: { type: 'string' },
        keep: { type: 'boolean' },
        'no-cache': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return 'help';
  if (values.size && values.scaling) throw new UsageError('--size and --scaling exclude each other');
  const sizes = values.scaling ? values.scaling.split(',').map(parseSize) : [parseSize(values.size ?? '100MB')];
  if (values.scaling && sizes.length !== 2) throw new UsageError(`--scaling: expected two sizes such as 100MB,1GB, got '${values.scaling}'`);
  let only: string[] | null = null;
  if (values.only !== undefined) {
    only = values.only.split(',').map((s) => s.trim()).filter(Boolean);
    if (only.length === 0) throw new UsageError(`--only: expected operation names separated by commas, got '${values.only}'`);
    const unknown = only.filter((name) => !known.includes(name));
    if (unknown.length > 0) throw new UsageError(`--only: unknown operation ${unknown.map((u) => `'${u}'`).join(', ')}; known: ${known.join(', ')}`);
  }
  const runs = values.runs === undefined ? MIN_RUNS : Number(values.runs);
  if (!Number.isInteger(runs) || runs < MIN_RUNS) throw new UsageError(`--runs: expected a whole number of at least ${MIN_RUNS} (a median of fewer says little), got '${values.runs}'`);
  if (values.json !== undefined) checkJsonTarget(values.json);
  // --keep (the old default-off flag) is accepted and changes nothing: caching is the default.
  return { sizes, scaling: Boolean(values.scaling), only, runs, json: values.json ?? null, keep: !values['no-cache'] };
}

/** --json is checked before a run that may take many minutes, not after it. */
function checkJsonTarget(file: string): void {
  const folder = path.dirname(path.resolve(file));
  try {
    if (!statSync(folder).isDirectory()) throw new Error('not a folder');
    accessSync(folder, constants.W_OK);
  } catch {
    throw new UsageError(`--json: cannot write ${file}: its folder ${folder} does not exist or is not writable`);
  }
  if (statSync(path.resolve(file), { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--json: ${file} is a folder`);
}
