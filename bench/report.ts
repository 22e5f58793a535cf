import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { MEMORY_METHODS, median, type MemoryMethod, type Sample } from './measure.js';
import { MEMORY_TARGET_BYTES, SCALING_TARGET } from './operations.js';
import { formatCount } from '../lib/numbers.js';

export interface TimedSample extends Sample {
  /** Bytes left in the run's folder afterwards (output, plus prepared inputs for restore). */
  readonly outputBytes: number;
}

export interface SideResult {
  readonly does: string;
  readonly command: string;
  readonly runs: readonly TimedSample[];
  readonly medianSeconds: number | null;
  readonly medianCpuSeconds: number | null;
  /** Highest peak over the timed runs. */
  readonly peakBytes: number | null;
  readonly method: MemoryMethod | null;
  readonly error: string | null;
}

export interface OperationResult {
  readonly name: string;
  readonly status: 'ok' | 'failed' | 'n/a';
  readonly note: string | null;
  readonly ours: SideResult | null;
  readonly peer: SideResult | null;
  readonly rows: number | null;
  readonly ratio: number | null;
  readonly mbPerSecond: number | null;
  readonly peerMbPerSecond: number | null;
  readonly rowsPerSecond: number | null;
  readonly ratioTarget: number | null;
  readonly memoryTargetBytes: number;
  readonly verdict: string;
  /** 1-minute load average when the race started and ended: other work on the machine skews wall times. */
  readonly load?: readonly [number, number];
}

export interface SizeResult {
  readonly dataset: {
    readonly label: string; readonly file: string; readonly requestedBytes: number; readonly bytes: number;
    readonly sha256: string; readonly rows: Readonly<Record<string, number>>; readonly totalRows: number;
    readonly source: unknown;
  };
  readonly operations: readonly OperationResult[];
}

export interface ScalingRow {
  readonly name: string;
  readonly small: { readonly label: string; readonly peakBytes: number | null; readonly seconds: number | null };
  readonly large: { readonly label: string; readonly peakBytes: number | null; readonly seconds: number | null };
  readonly ratio: number | null;
  readonly target: number;
  readonly verdict: string;
}

export interface Machine {
  readonly cpu: string; readonly cores: number; readonly memoryBytes: number; readonly os: string;
  readonly node: string; readonly sqlite3: string; readonly betterSqlite3: string;
}

export interface BenchReport {
  readonly commandLine: string;
  readonly cwd: string;
  readonly startedAt: string;
  readonly runs: number;
  readonly machine: Machine;
  readonly sizes: readonly SizeResult[];
  readonly scaling: readonly ScalingRow[] | null;
}

export function machineInfo(betterSqlite3: string): Machine {
  const cpus = os.cpus();
  let sqlite3 = 'not found';
  try {
    sqlite3 = execFileSync('sqlite3', ['--version'], { encoding: 'utf8' }).trim().split(' ').slice(0, 2).join(' ');
  } catch {
    // Reported as not found; the peers that need it fail on their own.
  }
  return {
    cpu: cpus[0]?.model ?? 'unknown', cores: os.availableParallelism(), memoryBytes: os.totalmem(),
    os: `${os.type()} ${os.release()} ${os.arch()}`, node: process.version, sqlite3, betterSqlite3,
  };
}

export function summarise(does: string, command: string, runs: readonly TimedSample[], error: string | null): SideResult {
  return {
    does, command, runs, error,
    medianSeconds: runs.length > 0 ? median(runs.map((r) => r.seconds)) : null,
    medianCpuSeconds: runs.length > 0 ? median(runs.map((r) => r.cpuSeconds)) : null,
    peakBytes: runs.length > 0 ? Math.max(...runs.map((r) => r.peakBytes)) : null,
    method: runs[0]?.method ?? null,
  };
}

/** Ratio, throughput and the verdict against the issue's targets, all from the measured runs. */
export function judge(name: string, ours: SideResult, peer: SideResult, dbBytes: number, rows: number | null, ratioTarget: number | null): OperationResult {
  const ratio = ours.medianSeconds !== null && peer.medianSeconds ? ours.medianSeconds / peer.medianSeconds : null;
  const misses: string[] = [];
  if (ratioTarget !== null && ratio !== null && ratio > ratioTarget) misses.push(`${fmt(ratio, 2)}× > ${ratioTarget}×`);
  if (ours.peakBytes !== null && ours.peakBytes >= MEMORY_TARGET_BYTES) misses.push(`${mb(ours.peakBytes)} MB ≥ ${mb(MEMORY_TARGET_BYTES)} MB`);
  const failed = ours.error ?? (peer.error ? `peer: ${peer.error}` : null);
  const verdict = ours.error ? `FAILED: ${ours.error}` : misses.length > 0 ? `MISS (${misses.join('; ')})` : peer.error && ratioTarget !== null ? `no ratio (peer failed: ${peer.error})` : 'PASS';
  return {
    name, status: failed ? 'failed' : 'ok', note: null, ours, peer, rows, ratio, ratioTarget, memoryTargetBytes: MEMORY_TARGET_BYTES, verdict,
    mbPerSecond: ours.medianSeconds ? dbBytes / 1e6 / ours.medianSeconds : null,
    peerMbPerSecond: peer.medianSeconds ? dbBytes / 1e6 / peer.medianSeconds : null,
    rowsPerSecond: rows !== null && ours.medianSeconds ? rows / ours.medianSeconds : null,
  };
}

export function notApplicable(name: string, note: string): OperationResult {
  return {
    name, status: 'n/a', note, ours: null, peer: null, rows: null, ratio: null, mbPerSecond: null, peerMbPerSecond: null,
    rowsPerSecond: null, ratioTarget: null, memoryTargetBytes: MEMORY_TARGET_BYTES, verdict: `n/a: ${note}`,
  };
}

export function scalingRows(small: SizeResult, large: SizeResult): ScalingRow[] {
  return small.operations.filter((o) => o.status !== 'n/a').map((s) => {
    const l = large.operations.find((o) => o.name === s.name);
    const a = s.ours?.peakBytes ?? null;
    const b = l?.ours?.peakBytes ?? null;
    const ratio = a && b ? b / a : null;
    return {
      name: s.name, target: SCALING_TARGET, ratio,
      small: { label: small.dataset.label, peakBytes: a, seconds: s.ours?.medianSeconds ?? null },
      large: { label: large.dataset.label, peakBytes: b, seconds: l?.ours?.medianSeconds ?? null },
      verdict: ratio === null ? 'no figure (a run failed)' : ratio <= SCALING_TARGET ? 'PASS' : `MISS (${fmt(ratio, 2)}× > ${SCALING_TARGET}×)`,
    };
  });
}

const fmt = (n: number | null, digits: number): string => (n === null ? '–' : n.toFixed(digits));
const mb = (bytes: number | null): string => (bytes === null ? '–' : (bytes / 1e6).toFixed(0));
const count = (n: number | null): string => (n === null ? '–' : formatCount(Math.round(n)));

function targetText(o: OperationResult): string {
  if (o.status === 'n/a') return '–';
  return `${o.ratioTarget !== null ? `≤ ${o.ratioTarget}×, ` : ''}< ${mb(o.memoryTargetBytes)} MB`;
}

function sizeTable(size: SizeResult): string[] {
  const d = size.dataset;
  const lines = [
    `### ${d.label} workspace: ${count(d.bytes)} bytes, ${count(d.totalRows)} rows (${Object.entries(d.rows).map(([t, n]) => `${t} ${count(n)}`).join(', ')})`,
    '',
    '| operation | ours s | peer s | ratio | MB/s | rows/s | peak MB ours / peer | CPU s ours / peer | load | target | verdict |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|',
  ];
  for (const o of size.operations) {
    lines.push(`| ${o.name} | ${fmt(o.ours?.medianSeconds ?? null, 3)} | ${fmt(o.peer?.medianSeconds ?? null, 3)} | ${o.ratio === null ? '–' : `${o.ratio.toFixed(2)}×`} | ${fmt(o.mbPerSecond, 0)} | ${count(o.rowsPerSecond)} | ${mb(o.ours?.peakBytes ?? null)} / ${mb(o.peer?.peakBytes ?? null)} | ${fmt(o.ours?.medianCpuSeconds ?? null, 2)} / ${fmt(o.peer?.medianCpuSeconds ?? null, 2)} | ${o.load ? o.load.map((l) => l.toFixed(1)).join('→') : '–'} | ${targetText(o)} | ${o.verdict.replaceAll('|', '\\|')} |`);
  }
  return lines;
}

function sideNotes(size: SizeResult): string[] {
  const lines = [
    '',
    'Seconds are medians of the timed runs (wall clock; CPU = user + system of the whole process tree); ratio = ours / peer on the wall medians; MB/s and rows/s are ours, over the bytes read (the database file; a one-table operation: the pages of that table, from dbstat) and the rows handled; peak memory is the highest over the runs; load is the 1-minute load average at the start and end of the race.',
    '',
    'What each side does (pipelines run under `bash -o pipefail -c` so a failing first stage is not hidden by gzip or sed):',
    '',
  ];
  for (const o of size.operations) {
    if (!o.ours || !o.peer) continue;
    lines.push(`- **${o.name}**: ours ${o.ours.does} [memory: ${o.ours.method ?? '–'}]; peer ${o.peer.does} [memory: ${o.peer.method ?? '–'}]`);
    lines.push(`  - ours: \`${o.ours.command}\``);
    lines.push(`  - peer: \`${o.peer.command}\``);
  }
  return lines;
}

export function toMarkdown(report: BenchReport): string {
  const m = report.machine;
  const lines = [
    `## acode db benchmark`,
    '',
    `Command: \`${report.commandLine}\` (in ${report.cwd}), ${report.runs} timed run(s) per side after one warm-up, ours and peer alternating, started ${report.startedAt}.`,
    `Machine: ${m.cpu}, ${m.cores} cores, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB RAM, ${m.os}; Node ${m.node}; sqlite3 CLI ${m.sqlite3}; better-sqlite3 SQLite ${m.betterSqlite3}.`,
  ];
  for (const size of report.sizes) {
    const src = size.dataset.source as { kind: string; seconds?: number; calibrationSeconds?: number; checkSeconds?: number };
    lines.push('', src.kind === 'generated'
      ? `Dataset generated in ${fmt(src.seconds ?? null, 1)} s (+ ${fmt(src.calibrationSeconds ?? null, 1)} s size calibration), sha256 ${size.dataset.sha256.slice(0, 16)}…`
      : `Dataset from the cache, checksum verified in ${fmt(src.checkSeconds ?? null, 2)} s, sha256 ${size.dataset.sha256.slice(0, 16)}…`, '');
    lines.push(...sizeTable(size), ...sideNotes(size));
  }
  lines.push('', 'Memory methods:', ...Object.entries(MEMORY_METHODS).map(([k, v]) => `- ${k}: ${v}`));
  if (report.scaling) {
    const [a, b] = [report.scaling[0]?.small.label ?? '', report.scaling[0]?.large.label ?? ''];
    lines.push('', `### Memory scaling: peak memory of ours, ${b} over ${a}`, '', `| operation | peak MB ${a} | peak MB ${b} | ratio | s ${a} | s ${b} | target | verdict |`, '|---|---:|---:|---:|---:|---:|---|---|');
    for (const r of report.scaling) {
      lines.push(`| ${r.name} | ${mb(r.small.peakBytes)} | ${mb(r.large.peakBytes)} | ${r.ratio === null ? '–' : `${r.ratio.toFixed(2)}×`} | ${fmt(r.small.seconds, 2)} | ${fmt(r.large.seconds, 2)} | ≤ ${r.target}× | ${r.verdict} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
