import { stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig, type AcodeConfig } from '../lib/config.js';
import { databaseLabel } from '../lib/database-url.js';
import { AcodeError, shownString } from '../lib/errors.js';
import { Output } from './output.js';

/** What the process gives a command: streams, environment, clock and the abort signal. */
export interface Runtime {
  readonly signal: AbortSignal;
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** The clock; `ACODE_NOW` pins it for reproducible runs (golden output, same-second backups). */
  readonly now: () => Date;
}

export interface GlobalOptions {
  readonly workspace?: string;
  readonly config?: string;
  readonly database?: string;
  readonly quiet?: boolean;
  readonly json?: boolean;
}

export interface Context {
  readonly config: AcodeConfig;
  readonly out: Output;
  readonly runtime: Runtime;
  readonly signal: AbortSignal;
  readonly now: () => Date;
}

/** Output only, for when the config cannot be read yet (errors, help). */
export function outputFor(cmd: Command | null, runtime: Runtime): Output {
  const opts = (cmd?.optsWithGlobals() ?? {}) as GlobalOptions;
  return new Output({ quiet: Boolean(opts.quiet), json: Boolean(opts.json), stdout: runtime.stdout, stderr: runtime.stderr, cwd: runtime.cwd });
}

export async function createContext(cmd: Command, runtime: Runtime): Promise<Context> {
  const opts = cmd.optsWithGlobals() as GlobalOptions;
  // An empty value (`--database "$UNSET"`) would fall back to the configured file unnoticed.
  for (const [flag, value] of [['--workspace', opts.workspace], ['--config', opts.config], ['--database', opts.database]] as const) {
    if (value === '') throw new AcodeError('ACODE-USE-001', `${flag} needs a value, got an empty one`, { hint: `give ${flag} a path, or leave the flag out` });
  }
  const pinned = runtime.env['ACODE_NOW'];
  // Years outside 1970–9999 would name backups that list, prune and delete cannot parse.
  const date = pinned ? new Date(pinned) : null;
  const year = date ? date.getUTCFullYear() : 2000;
  if (!(year >= 1970 && year <= 9999)) {
    const got = Number.isNaN(year) ? shownString(pinned!) : date!.toISOString();
    throw new AcodeError('ACODE-USE-001', `ACODE_NOW must be an ISO 8601 date-time from 1970 to 9999 (2024-01-20T14:30:45Z), got ${got}`, { hint: 'fix ACODE_NOW, or unset it to use the clock' });
  }
  // A --workspace that exists must be a folder (one that does not is made, as import and migrate do).
  if (opts.workspace !== undefined) {
    const info = await stat(path.resolve(runtime.cwd, opts.workspace)).catch(() => null);
    if (info && !info.isDirectory()) throw new AcodeError('ACODE-USE-001', `--workspace ${opts.workspace} is not a folder`, { hint: 'give --workspace the folder that holds .agent/' });
  }
  const out = outputFor(cmd, runtime);
  const config = await loadConfig({ workspace: opts.workspace ?? runtime.cwd, file: opts.config, env: runtime.env, databasePath: opts.database, signal: runtime.signal });
  return { config, out, runtime, signal: runtime.signal, now: runtime.now };
}

/**
 * A subcommand's flags. Commander hands an option the parent defines too (`backup --full`,
 * `export --manifest`) to the parent even when it follows the subcommand's name, so those are
 * read from the parent when given there (lists joined).
 */
export function subcommandFlags<T extends object>(cmd: Command): T {
  const flags: Record<string, unknown> = { ...cmd.opts() };
  const parent = cmd.parent;
  for (const option of cmd.options) {
    const name = option.attributeName();
    if (!parent?.options.some((o) => o.attributeName() === name) || parent.getOptionValueSource(name) !== 'cli') continue;
    const theirs: unknown = parent.getOptionValue(name);
    const mine = flags[name];
    flags[name] = Array.isArray(mine) && Array.isArray(theirs) ? [...theirs, ...mine] : (mine ?? theirs);
  }
  return flags as T;
}

/** A folder an option names that must be there already (`--dir` of list and prune): a typo is a usage error, not an empty listing. */
export async function existingFolder(runtime: Runtime, flag: string, value: string): Promise<string> {
  const dir = path.resolve(runtime.cwd, value);
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) throw new AcodeError('ACODE-USE-001', `${flag} ${value}: ${info ? 'not a folder' : 'no such folder'}`, { hint: `give ${flag} the folder the backups are in` });
  return dir;
}

/** A path argument: an empty one (`acode db restore "$UNSET"`) would name the current folder. */
export function pathArgument(value: string): string {
  if (value === '') throw new InvalidArgumentError('expected a path, got an empty one');
  return value;
}

/** --allow-scan-hit's fingerprints, repeatable; an empty one (an unset variable) is a usage error. */
export function fingerprintList(value: string, previous: string[] = []): string[] {
  if (value.trim() === '') throw new InvalidArgumentError('expected a fingerprint from the leak scan, got an empty one');
  return [...previous, value];
}

/** Table names for --tables / --exclude-tables, comma-separated and repeatable; one naming none is a usage error. */
export function tableList(value: string, previous: string[] = []): string[] {
  // `\,` is a comma inside a name (a table may be called "a,b").
  const names = value
    .split(/(?<!\\),/)
    .map((s) => s.replaceAll('\\,', ',').trim())
    .filter(Boolean);
  if (names.length === 0) throw new InvalidArgumentError(`expected table names separated by commas, got '${value}'`);
  return [...previous, ...names];
}

/** Parses a whole number of at least `min` for an option; commander turns the throw into a usage error. */
export function intOption(min: number): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < min) throw new InvalidArgumentError(`expected a whole number of at least ${min}, got '${value}'`);
    return Number(value);
  };
}

/**
 * A backup the user named, for restore and verify: `latest` resolved here so that the first line
 * printed says which backup it is (`latest (acode_backup_….db)`); any other name passes as typed.
 */
export async function namedBackup(ctx: Context, ref: string): Promise<{ readonly file: string; readonly shown: string }> {
  const { LATEST_BACKUP, latestBackup } = await import('../lib/latest-backup.js');
  if (ref !== LATEST_BACKUP) return { file: ref, shown: ref };
  const file = await latestBackup(ctx.config, ctx.now());
  return { file, shown: `${ref} (${path.basename(file)})` };
}

/**
 * restore and backup verify take their backup as an optional argument, so that one left out is
 * answered with what to name (commander's own message named only the argument, 'file').
 */
export function requireBackupName(file: string | undefined, command: string): string {
  if (file !== undefined) return file;
  throw new AcodeError('ACODE-USE-001', `${command} needs a backup: its name in the backup folder, its path, or latest (the newest backup of this database)`, {
    hint: '`acode db backup list` shows the backups there are',
  });
}

/** The live database as the user should read it: a short path, or a URL without its password. */
export function liveDatabaseLabel(ctx: Context): string {
  const { database } = ctx.config;
  return database.type === 'sqlite' ? ctx.out.shortPath(database.path) : databaseLabel(database);
}
