import { readlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Node as YamlNode } from 'yaml';
import { checkSection, isScalar, nodeStart, yaml, type Rule } from './config-check.js';
import { loggable } from './database-url.js';
import { AcodeError, isAbort, systemCode, toAcodeError, type ErrorCode } from './errors.js';
import { readSmallTextFile } from './fs-read.js';
import { checkOptions, describeValue } from './options.js';

export type DatabaseType = 'sqlite' | 'postgres';
export type ExportFormat = 'json' | 'ndjson' | 'csv' | 'sqlite';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['json', 'ndjson', 'csv', 'sqlite'];

export interface DatabaseConfig {
  readonly type: DatabaseType;
  /** Absolute path of the SQLite file. */
  readonly path: string;
  /** PostgreSQL connection URL (config or ACODE_DATABASE_URL). */
  readonly url: string | null;
}

export interface BackupConfig {
  /** Absolute path of the backup folder. */
  readonly path: string;
  readonly maxBackups: number;
  readonly keepDays: number | null;
  readonly preMigration: boolean;
  readonly verify: boolean;
  readonly compress: boolean;
}

export interface ExportConfig {
  /** Absolute path of the folder exports go to when no --output is given on a terminal. */
  readonly path: string;
  readonly defaultFormat: ExportFormat;
  readonly redactByDefault: boolean;
  /** Raw rule entries; lib/redaction validates them and reports by position. */
  readonly redactionPatterns: readonly unknown[];
  readonly defaultRules: boolean;
  readonly redactPaths: boolean;
  readonly redactEmails: boolean;
  readonly placeholder: 'plain' | 'typed';
  readonly pseudonymize: boolean;
  readonly allowScanHits: readonly string[];
  /** Timestamp column per table for --since/--until; `created_at` when not named. */
  readonly dateColumns: Readonly<Record<string, string>>;
}

export interface AcodeConfig {
  /** Absolute path of the workspace folder. */
  readonly workspace: string;
  /** The config file read, or null when none exists (defaults only). */
  readonly file: string | null;
  readonly database: DatabaseConfig;
  readonly backup: BackupConfig;
  readonly export: ExportConfig;
  /** Line and column of a config key, for messages that point into the file. */
  readonly locate: (keyPath: readonly (string | number)[]) => string;
}

const SCHEMA: Readonly<Record<string, Rule>> = {
  database: {
    type: 'section',
    fields: {
      type: { type: 'enum', values: ['sqlite', 'postgres'] },
      path: { type: 'string' },
      url: { type: 'string' },
    },
  },
  backup: {
    type: 'section',
    fields: {
      path: { type: 'string' },
      max_backups: { type: 'integer', min: 1 },
      keep_days: { type: 'integer', min: 1, nullable: true },
      pre_migration: { type: 'boolean' },
      verify: { type: 'boolean' },
      compress: { type: 'boolean' },
    },
  },
  export: {
    type: 'section',
    fields: {
      path: { type: 'string' },
      default_format: { type: 'enum', values: EXPORT_FORMATS },
      redact_by_default: { type: 'boolean' },
      redaction_patterns: { type: 'list' },
      default_rules: { type: 'boolean' },
      redact_paths: { type: 'boolean' },
      redact_emails: { type: 'boolean' },
      placeholder: { type: 'enum', values: ['plain', 'typed'] },
      pseudonymize: { type: 'boolean' },
      allow_scan_hits: { type: 'string-list' },
      date_columns: { type: 'string-map' },
    },
  },
};

export const CONFIG_FILE = path.join('.agent', 'config.yml');

export interface LoadConfigOptions {
  /** Workspace folder; default the current one. */
  readonly workspace?: string;
  /** Config file; default `<workspace>/.agent/config.yml`. A named file must exist. */
  readonly file?: string;
  /** Environment to read ACODE_DATABASE_URL from; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Overrides applied after the file, e.g. from command-line flags. */
  readonly databasePath?: string;
  /** Ends the wait for a config read from a pipe (`--config <(…)`). */
  readonly signal?: AbortSignal;
}

/** A config file is a few KiB: anything over this is not one. */
const MAX_CONFIG_BYTES = 1 << 20;

/** Reads `.agent/config.yml` (a missing file means defaults) and checks every key and type. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<AcodeConfig> {
  checkOptions<LoadConfigOptions>('loadConfig', 'LoadConfigOptions', options, { workspace: 'string', file: 'string', env: 'object', databasePath: 'string', signal: 'signal' });
  const workspace = path.resolve(options.workspace ?? '.');
  const file = options.file ? path.resolve(options.file) : path.join(workspace, CONFIG_FILE);
  let text: string | null = null;
  try {
    text = await readSmallTextFile(file, MAX_CONFIG_BYTES, { streams: options.file !== undefined, signal: options.signal });
  } catch (err) {
    if (isAbort(err)) throw toAcodeError(err, 'ACODE-CFG-004', `reading ${file}`, { file });
    const missing = systemCode(err) === 'ENOENT';
    if (!missing || options.file) {
      throw new AcodeError('ACODE-CFG-004', `${file}: ${missing ? 'no such file' : (err as Error).message}`, { cause: err, context: { file } });
    }
    // A link whose target is gone is a config moved or unmounted, not no config: its rules (a
    // redaction pattern, the database's path) must not silently fall back to the defaults.
    const link = await readlink(file).catch(() => null);
    if (link !== null) {
      throw new AcodeError('ACODE-CFG-004', `${file} is a symbolic link to ${link}, which does not exist`, { cause: err, context: { file } });
    }
  }
  const { signal: _signal, ...parseOptions } = options;
  return parseConfig(text ?? '', { ...parseOptions, workspace, file: text === null ? null : file });
}

export interface ParseConfigOptions extends Omit<LoadConfigOptions, 'file' | 'signal'> {
  readonly workspace: string;
  readonly file: string | null;
}

/** Validates config text; exported for tests and for programs that hold config in memory. */
export function parseConfig(text: string, options: ParseConfigOptions): AcodeConfig {
  if (typeof text !== 'string') {
    throw new AcodeError('ACODE-USE-001', `parseConfig(): the config text must be a string (the YAML of a config file), got ${describeValue(text)}`, {
      hint: 'pass the YAML text first and { workspace, file: null } second (acode-db\'s type declarations; the README\'s Library section)',
    });
  }
  checkOptions<ParseConfigOptions>('parseConfig', 'ParseConfigOptions', options, { workspace: { kind: 'string', required: true }, file: { kind: 'string', required: true, nullable: true }, env: 'object', databasePath: 'string' });
  if (text.trim() === '') return buildConfig({}, options, () => options.file ?? '<config>');
  const { LineCounter, parseDocument } = yaml();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  // Relative to the workspace when inside it; a file elsewhere (/dev/stdin, ~/acode.yml) as it is.
  const inside = options.file ? path.relative(options.workspace, options.file) : '';
  const shown = options.file ? (inside && !inside.startsWith('..') && !path.isAbsolute(inside) ? inside : options.file) : '<config>';
  // UTF-16 (Notepad's "Unicode") read as UTF-8 is NULs between letters: say that, not a YAML error.
  if (text.includes('\u0000')) {
    throw new AcodeError('ACODE-CFG-001', `${shown}: not UTF-8 text (UTF-16?): save it as UTF-8`, { context: { file: options.file ?? undefined } });
  }
  const at = (offset: number | undefined): string => {
    if (offset === undefined) return shown;
    const { line, col } = lines.linePos(offset);
    return `${shown}:${line}:${col}`;
  };
  const firstError = doc.errors[0];
  if (firstError) {
    // linePos is only filled in with prettyErrors; pos (offsets) always is.
    const where = at(firstError.pos?.[0]);
    throw new AcodeError('ACODE-CFG-001', `${where}: ${firstError.message.split('\n')[0]}`, { context: { file: options.file ?? undefined } });
  }
  let alias: YamlNode | null = null;
  yaml().visit(doc, { Alias: (_key, node) => ((alias ??= node), yaml().visit.BREAK) });
  if (alias) {
    throw new AcodeError('ACODE-CFG-001', `${at(nodeStart(alias))}: an alias (*name) — acode does not read YAML anchors and aliases: write the value out`, { context: { file: options.file ?? undefined } });
  }
  const raw: Record<string, unknown> = {};
  if (doc.contents !== null && !(isScalar(doc.contents) && doc.contents.value === null)) {
    Object.assign(raw, checkSection(doc.contents, SCHEMA, [], at));
  }
  const locate = (keyPath: readonly (string | number)[]): string => {
    const node = doc.getIn(keyPath, true) as YamlNode | undefined;
    return at(node?.range?.[0]);
  };
  return buildConfig(raw, options, locate);
}

function buildConfig(raw: Record<string, unknown>, options: ParseConfigOptions, locate: AcodeConfig['locate']): AcodeConfig {
  const section = (name: string): Record<string, unknown> => (raw[name] as Record<string, unknown> | undefined) ?? {};
  const db = section('database');
  const bak = section('backup');
  const exp = section('export');
  // `~/backups` is the home folder's, as in a shell (it was a folder named ~ in the workspace).
  const resolve = (p: unknown, fallback: string): string => path.resolve(options.workspace, expandHome((p as string | undefined) ?? fallback, options.env ?? process.env));
  const env = options.env ?? process.env;
  const rawUrl = (db['url'] as string | undefined) ?? env['ACODE_DATABASE_URL'] ?? null;
  const url = rawUrl === '' ? null : rawUrl;
  if (!options.databasePath) checkUrlSources(db['url'] as string | undefined, env['ACODE_DATABASE_URL'], locate);
  return {
    workspace: options.workspace,
    file: options.file,
    locate,
    database: loggable({
      // --database names a SQLite file: it is the database whatever database.type says.
      type: options.databasePath ? 'sqlite' : databaseType(db['type'] as DatabaseType | undefined, url, db['url'] !== undefined, locate),
      path: options.databasePath ? path.resolve(options.databasePath) : resolve(db['path'], path.join('.agent', 'acode.db')),
      url,
    }),
    backup: {
      path: resolve(bak['path'], path.join('.agent', 'backups')),
      maxBackups: (bak['max_backups'] as number | undefined) ?? 7,
      keepDays: (bak['keep_days'] as number | null | undefined) ?? null,
      preMigration: (bak['pre_migration'] as boolean | undefined) ?? true,
      verify: (bak['verify'] as boolean | undefined) ?? true,
      compress: (bak['compress'] as boolean | undefined) ?? false,
    },
    export: {
      path: resolve(exp['path'], path.join('.agent', 'exports')),
      defaultFormat: (exp['default_format'] as ExportFormat | undefined) ?? 'json',
      redactByDefault: (exp['redact_by_default'] as boolean | undefined) ?? true,
      redactionPatterns: (exp['redaction_patterns'] as unknown[] | undefined) ?? [],
      defaultRules: (exp['default_rules'] as boolean | undefined) ?? true,
      redactPaths: (exp['redact_paths'] as boolean | undefined) ?? true,
      redactEmails: (exp['redact_emails'] as boolean | undefined) ?? true,
      placeholder: (exp['placeholder'] as 'plain' | 'typed' | undefined) ?? 'plain',
      pseudonymize: (exp['pseudonymize'] as boolean | undefined) ?? false,
      allowScanHits: (exp['allow_scan_hits'] as string[] | undefined) ?? [],
      dateColumns: (exp['date_columns'] as Record<string, string> | undefined) ?? {},
    },
  };
}

/**
 * database.url and ACODE_DATABASE_URL both set, to different URLs: the file's won without a word,
 * so `ACODE_DATABASE_URL=…/staging acode db restore … --yes` replaced the database the config
 * names. Which one is meant is the user's to say; neither URL is shown (they may hold a password).
 */
function checkUrlSources(fromFile: string | undefined, fromEnv: string | undefined, locate: AcodeConfig['locate']): void {
  if (!fromFile || !fromEnv || fromFile === fromEnv) return;
  throw new AcodeError('ACODE-CFG-005', `${locate(['database', 'url'])}: database.url and ACODE_DATABASE_URL are both set, to different URLs: which database is meant is not clear; nothing was done`, {
    context: { key: 'database.url' },
    hint: 'unset ACODE_DATABASE_URL to use database.url, or remove database.url from the config file to use ACODE_DATABASE_URL',
  });
}

/**
 * The database a workspace means. A PostgreSQL URL with no database.type is PostgreSQL: taking the
 * SQLite file instead would back up (or export) another database than the one named, without a word.
 * A URL beside an explicit `type: sqlite`, or one that is not postgres://, is a contradiction the
 * user must settle; the URL is never shown, it may hold a password.
 */
function databaseType(type: DatabaseType | undefined, url: string | null, fromFile: boolean, locate: AcodeConfig['locate']): DatabaseType {
  if (url === null || type === 'postgres') return type ?? 'sqlite';
  const source = fromFile ? 'database.url' : 'ACODE_DATABASE_URL';
  if (type === 'sqlite') {
    throw new AcodeError('ACODE-CFG-005', `${locate(['database', 'type'])}: database.type is sqlite but ${source} is set too: which database is meant is not clear; nothing was done`, {
      context: { key: 'database.type' },
      hint: `${fromFile ? 'remove database.url' : 'unset ACODE_DATABASE_URL'} to use the SQLite file, or set database.type: postgres`,
    });
  }
  if (/^postgres(?:ql)?:\/\//i.test(url)) return 'postgres';
  throw new AcodeError('ACODE-CFG-005', `${fromFile ? `${locate(['database', 'url'])}: ` : ''}${source} is set but is not a postgresql:// URL, and no database.type says what it is; nothing was done`, {
    context: { key: 'database.url' },
    hint: `give a postgresql://user@host:port/database URL (database.type postgres is then implied), or ${fromFile ? 'remove database.url' : 'unset ACODE_DATABASE_URL'} to use the SQLite file`,
  });
}

/** `~` and `~/…` as the home folder; `~user` and everything else as written. */
function expandHome(p: string, env: NodeJS.ProcessEnv): string {
  if (p !== '~' && !p.startsWith('~/')) return p;
  return path.join(env['HOME'] || os.homedir(), p.slice(1));
}

/** The code a config problem reports under, for callers that validate parts of the config themselves. */
export type ConfigErrorCode = Extract<ErrorCode, `ACODE-CFG-${string}`>;
