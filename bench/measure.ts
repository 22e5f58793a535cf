import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';

/** One command to time: a process and whatever it starts (a shell's pipeline, acode's pg_dump). */
export interface CommandSpec {
  readonly file: string;
  readonly args: readonly string[];
  /** Send stdout into this file (no shell needed); otherwise it is discarded. */
  readonly stdoutTo?: string;
  readonly cwd: string;
  /** Added to the environment (and never shown: it may hold a password). */
  readonly env?: Readonly<Record<string, string>>;
}

export type MemoryMethod = 'proc-tree-sum';

export const MEMORY_METHODS: Readonly<Record<MemoryMethod, string>> = {
  'proc-tree-sum': 'sum of VmRSS over every process of the tree, sampled from /proc every 20 ms; at least the largest single process (GNU time %M)',
};

export interface Sample {
  readonly seconds: number;
  /** User plus system CPU time of the whole tree (GNU time %U + %S): steadier than wall time on a busy machine. */
  readonly cpuSeconds: number;
  readonly peakBytes: number;
  readonly method: MemoryMethod;
  readonly exitCode: number;
  /** Last non-empty line of stderr, for a failed run. */
  readonly errorLine: string | null;
}

const SAMPLE_MS = 20;

export function isShell(spec: CommandSpec): boolean {
  return /(^|\/)(ba)?sh$/.test(spec.file);
}

/** Quotes one word for sh. */
export function sq(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

export function describeCommand(spec: CommandSpec): string {
  if (isShell(spec)) return spec.args[spec.args.length - 1]!;
  const line = [spec.file, ...spec.args].map(sq).join(' ');
  return spec.stdoutTo ? `${line} > ${sq(spec.stdoutTo)}` : line;
}

function children(pid: number): number[] {
  const found: number[] = [];
  try {
    for (const tid of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ')) if (tid.trim()) found.push(Number(tid));
  } catch {
    // The process ended between two reads.
  }
  return found;
}

function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Sum of RSS over the descendants of `root` (not `root` itself: that is GNU time). */
function treeRss(root: number): number {
  let total = 0;
  const stack = children(root);
  while (stack.length > 0) {
    const pid = stack.pop()!;
    total += rssBytes(pid);
    stack.push(...children(pid));
  }
  return total;
}

/**
 * Runs a command under GNU time (`%M`, the exact peak RSS of the largest process; `%U %S`, CPU
 * time including every waited-for descendant) and samples the summed RSS of its process tree:
 * pipeline stages, and acode with the pg_dump it starts, run at the same time, so their memory
 * adds up. Wall time is measured around the spawn with hrtime.
 */
export async function measure(spec: CommandSpec, scratch: string): Promise<Sample> {
  const timeFile = path.join(scratch, `.time-${process.pid}-${Date.now()}.txt`);
  const out = spec.stdoutTo ? openSync(spec.stdoutTo, 'w') : 'ignore';
  // Every command is measured as a tree: acode starts pg_dump and psql, a shell a pipeline.
  let stderr = '';
  let sampledPeak = 0;
  const started = process.hrtime.bigint();
  const child = spawn('/usr/bin/time', ['-f', '%M %U %S', '-o', timeFile, spec.file, ...spec.args], {
    cwd: spec.cwd,
    env: spec.env ? { ...process.env, ...spec.env } : undefined,
    stdio: ['ignore', out, 'pipe'],
  });
  const timer = child.pid ? setInterval(() => (sampledPeak = Math.max(sampledPeak, treeRss(child.pid!))), SAMPLE_MS) : null;
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-8192)));
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  }).finally(() => {
    if (timer) clearInterval(timer);
    if (typeof out === 'number') closeSync(out);
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const timeText = await readFile(timeFile, 'utf8').catch(() => '');
  await rm(timeFile, { force: true });
  const figures = /(\d+) ([\d.]+) ([\d.]+)\s*$/.exec(timeText);
  const maxKiB = Number(figures?.[1] ?? 0);
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  return {
    seconds,
    cpuSeconds: Number(figures?.[2] ?? NaN) + Number(figures?.[3] ?? NaN),
    peakBytes: Math.max(maxKiB * 1024, sampledPeak),
    method: 'proc-tree-sum',
    exitCode,
    errorLine: exitCode === 0 ? null : (lines[lines.length - 1] ?? `exit code ${exitCode}`),
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
