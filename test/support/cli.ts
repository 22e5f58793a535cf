import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cliPath } from './paths.js';

export interface CliResult {
  /** Exit code; null when the process died of a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** Passed as `--workspace <dir>` before the command; also the working folder unless cwd is given. */
  readonly workspace?: string;
  readonly cwd?: string;
  /** Added to a copy of this process's environment without any ACODE_* variable. */
  readonly env?: Readonly<Record<string, string>>;
  readonly input?: string;
  readonly uid?: number;
  readonly gid?: number;
  /** Node flags before the CLI's path (the shebang's, to run it as `acode` runs). */
  readonly nodeFlags?: readonly string[];
  /** A safety net against a hung child, not an assertion: the child is killed after it. */
  readonly killAfterMs?: number;
}

function cliEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ACODE_')) env[k] = v;
  return { ...env, ...extra };
}

/** A running CLI process with its output collected as it comes. */
export interface CliProcess {
  readonly child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves once stderr contains `text` (rejects if the process ends first). */
  waitForStderr(text: string): Promise<void>;
  done: Promise<CliResult>;
}

export function spawnCli(args: readonly string[], options: CliOptions = {}): CliProcess {
  const argv = [...(options.nodeFlags ?? []), cliPath, ...(options.workspace ? ['--workspace', options.workspace] : []), ...args];
  const child = spawn(process.execPath, argv, {
    cwd: options.cwd ?? options.workspace ?? process.cwd(),
    env: cliEnv(options.env),
    uid: options.uid,
    gid: options.gid,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: { text: string; resolve: () => void; reject: (e: Error) => void }[] = [];
  const check = (): void => {
    for (const w of [...waiters]) {
      if (err.includes(w.text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    check();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 110_000);
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      for (const w of waiters.splice(0)) w.reject(new Error(`CLI ended (code ${code}) before stderr showed ${JSON.stringify(w.text)}; stderr:\n${err}`));
      resolve({ code, signal, stdout: out, stderr: err });
    });
  });
  if (options.input !== undefined) child.stdin.end(options.input);
  else child.stdin.end();
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitForStderr: (text) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ text, resolve, reject });
        check();
      }),
    done,
  };
}

/** Runs the built CLI to the end: `node <out>/cli/index.js [--workspace dir] ...args`. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return spawnCli(args, options).done;
}

/** Lines of an output, without the final empty one. */
export function lines(text: string): string[] {
  const all = text.split('\n');
  if (all.at(-1) === '') all.pop();
  return all;
}
