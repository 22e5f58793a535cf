import { CommanderError } from 'commander';
import { AcodeError, describeCause, EXIT, isAbort } from '../lib/errors.js';
import type { Output } from './output.js';

const QUIET_EXITS = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version', 'commander.executeSubCommandAsync']);

/** The one place errors become output and an exit code. */
export function reportError(err: unknown, out: Output, env: NodeJS.ProcessEnv): number {
  // The reader went away (`| head`): what it wanted it has; end quietly, as Unix tools do.
  if (isBrokenPipe(err)) return EXIT.ok;
  if (err instanceof CommanderError) {
    if (QUIET_EXITS.has(err.code) && err.exitCode === 0) return EXIT.ok;
    // `acode` or `acode db` alone: commander has printed the help on stderr; say why the run failed.
    if (err.code === 'commander.help') {
      return reportError(new AcodeError('ACODE-USE-001', 'no command given', { hint: 'pick one of the commands listed above, e.g. `acode db backup`' }), out, env);
    }
    if (QUIET_EXITS.has(err.code)) return EXIT.usage;
    // Commander puts its suggestion on a line of its own: "unknown command 'backpu'\n(Did you mean backup?)".
    const message = err.message.replace(/^error:\s*/i, '').replace(/\s*\n\s*\(Did you mean/g, ' (did you mean').replace(/\s*\n\s*/g, ' ');
    return reportError(new AcodeError('ACODE-USE-001', message, { hint: 'see `acode --help` or `acode <command> --help`' }), out, env);
  }
  // A Ctrl-C in a command that reads only (list, prune's checks) reaches here bare: not a bug.
  const coded = err instanceof AcodeError ? err : isAbort(err) ? new AcodeError('ACODE-INT-002', describeCause(err), { cause: err }) : new AcodeError('ACODE-INT-001', describeCause(err), { cause: err });
  out.error(coded.toLine());
  out.emitJsonError(coded.toJSON());
  if (env['ACODE_DEBUG']) {
    for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  }
  return coded.exitCode;
}

function isBrokenPipe(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === 'EPIPE') return true;
  }
  return false;
}
