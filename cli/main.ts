import { createProgram } from './program.js';
import { outputFor, type Runtime } from './context.js';
import { reportError } from './errors.js';
import { dataGoesToStdout, exportOutputIn } from './export.js';
import { flushJson } from './output.js';

export interface MainOptions {
  readonly stdin?: NodeJS.ReadStream;
  readonly stdout?: NodeJS.WriteStream;
  readonly stderr?: NodeJS.WriteStream;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

let stoppedBy: NodeJS.Signals | null = null;

/** The signal that stopped the last run, if one did. */
export function stopSignal(): NodeJS.Signals | null {
  return stoppedBy;
}

/**
 * Runs the CLI and returns the exit code. One AbortController for the whole run: the first
 * Ctrl-C (or SIGTERM, or SIGHUP) aborts it so every stage is destroyed and temporary files are removed in
 * `finally` blocks; a second Ctrl-C leaves at once.
 */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const controller = new AbortController();
  const env = options.env ?? process.env;
  const fixed = env['ACODE_NOW'] ? new Date(env['ACODE_NOW']) : null;
  const runtime: Runtime = {
    signal: controller.signal,
    stdin: options.stdin ?? process.stdin,
    stdout: options.stdout ?? process.stdout,
    stderr: options.stderr ?? process.stderr,
    env,
    cwd: options.cwd ?? process.cwd(),
    now: fixed && !Number.isNaN(fixed.getTime()) ? () => new Date(fixed) : () => new Date(),
  };
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    stoppedBy ??= signal;
    if (++interrupts > 1) process.exit(130);
    controller.abort(Object.assign(new Error(`interrupted by ${signal}`), { name: 'AbortError' }));
  };
  // SIGHUP (the terminal closed, an ssh session dropped) would otherwise end the process at once,
  // leaving a temporary file behind and pg_dump running on.
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  const program = createProgram(runtime);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    flushJson(runtime.stdout);
    return 0;
  } catch (err) {
    const leaf = findLeaf(program, argv);
    const out = outputFor(leaf, runtime);
    // A failure before the export ran (a bad option, a broken config) with its data bound for stdout.
    const exporting = exportOutputIn(argv);
    if (exporting && dataGoesToStdout(exporting.output, runtime.stdout)) out.stdoutCarriesData();
    return reportError(err, out, env);
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  }
}

/** The command the user ran, so error output honours its --json and --quiet. */
function findLeaf(program: ReturnType<typeof createProgram>, argv: readonly string[]) {
  let cmd = program;
  for (const arg of argv) {
    const sub = cmd.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (sub) cmd = sub;
  }
  return cmd;
}
