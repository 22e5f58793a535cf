import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, readdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { AcodeError, isAbort } from '../errors.js';
import type { PgTarget } from './connection.js';

/**
 * PostgreSQL's own tools (pg_dump, pg_restore, psql): where they are, and each run as a child
 * process with the password in its environment only, ended with acode (a parent-death signal),
 * its failure a PgToolError with what the tool said.
 */

export type PgTool = 'pg_dump' | 'pg_restore' | 'psql';

/**
 * Where pg_dump and pg_restore are: ACODE_PG_BIN, then PATH, then the newest Debian-style
 * /usr/lib/postgresql/<version>/bin (where the server package puts them without a PATH entry).
 * Debian's /usr/bin/pg_dump is pg_wrapper, a Perl script that picks the newest of those same
 * folders: it costs ~50 ms per call, so it is used only when nothing else is there.
 */
export function pgToolPath(tool: PgTool, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env['ACODE_PG_BIN'];
  // A folder the user named and the tool is not in: searching on would run another version of it without a word.
  if (chosen && !isExecutable(path.join(chosen, tool))) {
    throw new AcodeError('ACODE-DB-006', `${tool} is not in ACODE_PG_BIN (${chosen}), and acode does not look elsewhere when it is set`, {
      hint: 'point ACODE_PG_BIN at the folder holding pg_dump, pg_restore and psql, or unset it to search PATH',
    });
  }
  const dirs = [
    ...(env['ACODE_PG_BIN'] ? [env['ACODE_PG_BIN']] : []),
    ...(env['PATH'] ?? '').split(path.delimiter).filter(Boolean),
    ...debianBinDirs(),
  ];
  let wrapper: string | null = null;
  for (const dir of dirs) {
    const file = path.join(dir, tool);
    if (!isExecutable(file)) continue;
    if (!realpathSync(file).endsWith('/pg_wrapper')) return file;
    wrapper ??= file;
  }
  // pg_wrapper runs the tool from /usr/lib/postgresql/<version>/bin, searched above already: found
  // there, it would have been taken; not found, the wrapper can only fail ("Error: … not installed").
  if (wrapper) throw new AcodeError('ACODE-DB-006', `${tool} at ${wrapper} is Debian's pg_wrapper, and no PostgreSQL client is installed behind it (no /usr/lib/postgresql/<version>/bin/${tool})`);
  throw new AcodeError('ACODE-DB-006', `${tool} not found (looked in ACODE_PG_BIN, PATH and /usr/lib/postgresql/*/bin); acode needs pg_dump, pg_restore and psql`);
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function debianBinDirs(): string[] {
  try {
    return readdirSync('/usr/lib/postgresql')
      // 9.6 and older are named by two numbers.
      .filter((v) => /^\d+(?:\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a))
      .map((v) => `/usr/lib/postgresql/${v}/bin`);
  } catch {
    return [];
  }
}

export interface ToolRun {
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  /** Receives stdout; without it stdout is ignored. */
  readonly onStdout?: (stdout: Readable) => Promise<void>;
  /** Called with each stderr line (pg_dump -v reports tables there). */
  readonly onStderrLine?: (line: string) => void;
  /** Receives stdin, which is then open (otherwise it is closed). */
  readonly onStdin?: (stdin: Writable) => void;
}

/**
 * Runs pg_dump or pg_restore to the end. A non-zero exit rejects with the tool's last error lines
 * (its own words: which table, which lock, which version), which never hold the password.
 */
export async function runPgTool(tool: PgTool, run: ToolRun): Promise<void> {
  const file = pgToolPath(tool, run.env);
  const setpriv = setprivPath();
  const [command, args] = setpriv ? [setpriv, ['--pdeathsig', 'TERM', '--', file, ...run.args]] : [file, run.args];
  const child = spawn(command, args, { env: run.env, stdio: ['pipe', 'pipe', 'pipe'], signal: run.signal });
  // A write to a tool that has died fails here; the tool's own exit reports why.
  child.stdin.on('error', () => undefined);
  if (run.onStdin) run.onStdin(child.stdin);
  else child.stdin.end();
  const errors: string[] = [];
  let pending = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    const lines = (pending + text).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) take(line);
  });
  const take = (line: string): void => {
    run.onStderrLine?.(line);
    // "pg_dump: error: …", "pg_restore: error: …", the server's "ERROR:"/"DETAIL:" lines and
    // pg_wrapper's "Error: …", not verbose lines that merely name a table called error_log.
    // libpq's words for a connection the server dropped come with no such prefix ("connection to
    // server was lost", which follows them, adds nothing).
    if (/(?:^|: )(?:error|fatal|detail|Error|ERROR|FATAL|DETAIL):|(?:^|: )(?:server closed the connection unexpectedly|WARNING:\s+terminating connection)/.test(line)) {
      errors.push(line.replace(new RegExp(`^${tool}: `), '').trim());
    }
  };
  const reading = run.onStdout ? run.onStdout(child.stdout) : (child.stdout.resume(), Promise.resolve());
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    // Ctrl-C kills the tool and reports an AbortError at once: its exit, which follows, says
    // whether it had finished (a pg_restore that had committed exits 0).
    child.on('error', (err) => {
      if (!isAbort(err)) reject(err);
    });
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const [result] = await Promise.all([exit, reading]);
  if (pending) take(pending);
  // A tool that exited 0 did its work, even when Ctrl-C came as it ended: a pg_restore that had
  // committed reported as interrupted made restore drop its safety backup as if nothing changed.
  if (result.code !== 0) {
    run.signal?.throwIfAborted();
    const why = errors.slice(-2).join('; ') || `exit ${result.code ?? result.signal}`;
    throw new PgToolError(tool, why);
  }
}

let setpriv: string | null | undefined;

/**
 * util-linux's setpriv, which gives a tool a parent-death signal before it runs: when acode is
 * killed outright (SIGKILL, the OOM killer), its pg_dump, pg_restore or psql gets SIGTERM rather
 * than run on with no one to judge its result (a pg_restore could still commit). Linux only;
 * without it a tool runs bare, as README says.
 */
function setprivPath(): string | null {
  if (setpriv !== undefined) return setpriv;
  setpriv = null;
  if (process.platform !== 'linux') return setpriv;
  for (const file of ['/usr/bin/setpriv', '/bin/setpriv']) {
    try {
      accessSync(file, fsConstants.X_OK);
      return (setpriv = file);
    } catch {
      // next
    }
  }
  return setpriv;
}

export class PgToolError extends Error {
  constructor(
    readonly tool: PgTool,
    readonly reason: string,
  ) {
    super(`${tool} failed: ${reason}`);
    this.name = 'PgToolError';
  }
}

/** A psql session fed SQL on stdin; its output is unaligned, tuples only, each field ended by a NUL. */
export interface PsqlSession {
  send(sql: string): void;
  /** The next `count` fields of output; rejects with psql's error when it ends first. */
  fields(count: number): Promise<string[]>;
  /** Sends the last SQL, closes stdin and waits for psql to end. */
  close(sql?: string): Promise<void>;
}

/**
 * Starts psql on the target. psql starts in ~15 ms where loading the `pg` client takes ~90 ms,
 * which counts in a backup of about a second. No value holds a NUL, so NUL-ended fields are exact.
 */
export function openPsql(target: PgTarget, signal?: AbortSignal): PsqlSession {
  // Thrown here, not inside the run: no psql must be ACODE-DB-006, not a write to a missing stdin.
  pgToolPath('psql', target.childEnv());
  let stdin: Writable | null = null;
  let buffer = '';
  let ended = false;
  let wake: (() => void) | null = null;
  const done = runPgTool('psql', {
    args: ['-X', '-q', '-A', '-t', '-z', '-0', '-v', 'ON_ERROR_STOP=1', `--dbname=${target.dbnameArg}`],
    env: target.childEnv(),
    signal,
    onStdin: (s) => (stdin = s),
    onStdout: async (stdout) => {
      stdout.setEncoding('utf8');
      for await (const text of stdout) {
        buffer += text as string;
        wake?.();
      }
    },
  }).finally(() => {
    ended = true;
    wake?.();
  });
  // Observed by fields() and close(); an unobserved failure must not crash the process meanwhile.
  done.catch(() => undefined);
  return {
    send: (sql) => void stdin!.write(sql),
    async fields(count) {
      for (;;) {
        const parts = buffer.split('\0');
        if (parts.length > count) {
          buffer = parts.slice(count).join('\0');
          return parts.slice(0, count);
        }
        if (ended) {
          await done;
          throw new PgToolError('psql', 'ended before it answered');
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
    },
    async close(sql = '') {
      stdin!.end(sql);
      await done;
    },
  };
}

