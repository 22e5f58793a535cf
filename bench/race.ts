import { mkdir, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { flushDirtyPages, treeBytes, warmFile } from './files.js';
import { describeCommand, measure } from './measure.js';
import type { OpContext, Operation, Side } from './operations.js';
import { judge, summarise, type OperationResult, type TimedSample } from './report.js';

let serial = 0;

async function freshFolder(work: string, label: string): Promise<string> {
  const dir = path.join(work, `${String(++serial).padStart(4, '0')}-${label}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** One run of one side in a fresh folder: untimed set-up, writeback and page-cache warm-up, then the timed command. */
async function runOnce(op: Operation, side: Side, ctx: OpContext, work: string, label: string): Promise<TimedSample> {
  const run = await freshFolder(work, `${op.name}-${label}`);
  try {
    await side.prepare?.(run);
    await flushDirtyPages();
    for (const file of op.inputs(ctx)) await warmFile(file);
    const sample = await measure(side.command(run), work);
    return { ...sample, outputBytes: await treeBytes(run) };
  } finally {
    await rm(run, { recursive: true, force: true });
  }
}

/**
 * Races ours against the peer: one warm-up each, then `runs` timed runs, alternating ours, peer,
 * ours, peer so drift on the machine hits both. A side that fails stops being run and is
 * reported with its error line; the other side still gets its figures.
 */
export async function race(op: Operation, ctx: OpContext, runs: number, work: string, log: (line: string) => void): Promise<OperationResult> {
  const loadStart = os.loadavg()[0]!;
  const sides = { ours: op.ours, peer: op.peer } as const;
  const samples: Record<keyof typeof sides, TimedSample[]> = { ours: [], peer: [] };
  const errors: Record<keyof typeof sides, string | null> = { ours: null, peer: null };
  for (let i = 0; i <= runs; i++) {
    const parts: string[] = [];
    for (const name of ['ours', 'peer'] as const) {
      if (errors[name]) continue;
      const s = await runOnce(op, sides[name], ctx, work, `${name}-${i}`);
      if (s.exitCode !== 0) {
        errors[name] = s.errorLine;
        parts.push(`${name} FAILED (${s.errorLine})`);
        continue;
      }
      if (i > 0) samples[name].push(s);
      parts.push(`${name} ${s.seconds.toFixed(3)} s (cpu ${s.cpuSeconds.toFixed(2)}) ${(s.peakBytes / 1e6).toFixed(0)} MB`);
    }
    log(`  ${op.name} ${i === 0 ? 'warm-up' : `run ${i}/${runs}`}: ${parts.join(', ')}`);
    if (errors.ours && errors.peer) break;
  }
  const show = (side: Side): string => describeCommand(side.command('<run>'));
  const result = judge(
    op.name,
    summarise(op.ours.does, show(op.ours), samples.ours, errors.ours),
    summarise(op.peer.does, show(op.peer), samples.peer, errors.peer),
    op.bytes ?? ctx.data.bytes, op.rows, op.ratioTarget,
  );
  return { ...result, load: [loadStart, os.loadavg()[0]!] };
}

/** The backup verify and restore work on, made once by `acode db backup`; null with the error when that fails. */
export async function makeSharedBackup(ctx: OpContext, work: string): Promise<{ file: string | null; error: string | null }> {
  const dir = await freshFolder(work, 'shared-backup');
  const s = await measure({ file: ctx.node, args: [...ctx.nodeFlags, ctx.cli, 'db', 'backup', '--output-dir', dir, '--database', ctx.data.file, '--quiet'], cwd: dir }, work);
  if (s.exitCode !== 0) return { file: null, error: s.errorLine };
  const made = (await readdir(dir)).filter((f) => /\.db(\.gz)?$/.test(f));
  return made.length === 1 ? { file: path.join(dir, made[0]!), error: null } : { file: null, error: `expected one backup in ${dir}, found ${made.length}` };
}
