import { readlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { inspect } from 'node:util';
import type { Node as YamlNode } from 'yaml';
import { AcodeError, describeString, shownString, systemCode, type ErrorCode } from './errors.js';
import { readSmallTextFile } from './fs-atomic.js';
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

// The YAML parser costs a fifth of the CLI's start-up; most workspaces have no config file, so it
// is loaded on the first parse only.
type Yaml = typeof import('yaml');
let yamlModule: Yaml | null = null;
const yaml = (): Yaml => (yamlModule ??= createRequire(import.meta.url)('yaml') as Yaml);
const isMap = (node: unknown): node is import('yaml').YAMLMap => yaml().isMap(node);
const isSeq = (node: unknown): node is import('yaml').YAMLSeq => yaml().isSeq(node);
const isScalar = (node: unknown): node is import('yaml').Scalar => yaml().isScalar(node);

type Rule =
  | { readonly type: 'string' }
  | { readonly type: 'integer'; readonly min: number; readonly nullable?: boolean }
  | { readonly type: 'boolean' }
  | { readonly type: 'enum'; readonly values: readonly string[] }
  | { readonly type: 'list' }
  | { readonly type: 'string-list' }
  | { readonly type: 'string-map' }
  | { readonly type: 'section'; readonly fields: Readonly<Record<string, Rule>> };

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

/**
 * `postgresql://agent:pa/ss@host/db` is read (by libpq too) as host `agent`, port `pa` and a
 * database named `ss@host/db`; `agent:2024#Summer!@host/db` as host `agent`, port 2024 and a
 * fragment `#Summer!@host/db` (`?` likewise, as a query): with an unescaped '/' or '@' in its
 * database part, any fragment, or a query parameter libpq does not know, no part of a URL is
 * known not to be the password, so it is never shown.
 */
export function passwordMaySpill(url: URL): boolean {
  return /[@/]/.test(url.pathname.slice(1)) || url.href.includes('#') || [...url.searchParams].some(([key, value]) => !LIBPQ_PARAMS.has(key) && /@/.test(`${key}${value}`));
}

/**
 * Query parameters libpq reads (and node-postgres' uselibpqcompat). A password's tail after an
 * unescaped '?' (`agent:2024?Secret=pw@host/db`) always holds the '@' before the host: a
 * parameter outside these with an '@' in it is that tail, however plain it looks; one without
 * (`?ssl=true`, a newer libpq's `sslnegotiation`) is read, and `?user=admin@srv` is a user name.
 */
const LIBPQ_PARAMS = new Set(
  (
    'host hostaddr port dbname user password passfile require_auth channel_binding connect_timeout client_encoding options ' +
    'application_name fallback_application_name keepalives keepalives_idle keepalives_interval keepalives_count tcp_user_timeout ' +
    'replication gssencmode sslmode requiressl sslcompression sslcert sslkey sslcertmode sslpassword sslrootcert sslcrl sslcrldir ' +
    'sslsni requirepeer ssl_min_protocol_version ssl_max_protocol_version krbsrvname gsslib gssdelegation service ' +
    'target_session_attrs load_balance_hosts uselibpqcompat'
  ).split(' '),
);

/** The live database in words safe to print: the SQLite path, or the URL without its password. */
export function databaseLabel(database: DatabaseConfig): string {
  if (database.type === 'sqlite') return database.path;
  if (!database.url) return '(no database.url)';
  return urlLabel(database.url);
}

function urlLabel(text: string): string {
  try {
    const url = new URL(text);
    if (passwordMaySpill(url)) return '(database.url, not shown: it cannot be read as a URL and may hold a password)';
    url.password = '';
    // libpq also reads a password from the query string.
    for (const key of ['password', 'sslpassword']) url.searchParams.delete(key);
    return url.toString();
  } catch {
    return '(unparseable database.url)';
  }
}

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
}

/** A config file is a few KiB: anything over this is not one. */
const MAX_CONFIG_BYTES = 1 << 20;

/** Reads `.agent/config.yml` (a missing file means defaults) and checks every key and type. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<AcodeConfig> {
  checkOptions<LoadConfigOptions>('loadConfig', 'LoadConfigOptions', options, { workspace: 'string', file: 'string', env: 'object', databasePath: 'string' });
  const workspace = path.resolve(options.workspace ?? '.');
  const file = options.file ? path.resolve(options.file) : path.join(workspace, CONFIG_FILE);
  let text: string | null = null;
  try {
    text = await readSmallTextFile(file, MAX_CONFIG_BYTES, { streams: options.file !== undefined });
  } catch (err) {
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
  return parseConfig(text ?? '', { ...options, workspace, file: text === null ? null : file });
}

export interface ParseConfigOptions extends Omit<LoadConfigOptions, 'file'> {
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

type At = (offset: number | undefined) => string;

function checkSection(node: unknown, fields: Readonly<Record<string, Rule>>, keyPath: string[], at: At): Record<string, unknown> {
  const name = keyPath.join('.') || 'the top level';
  if (!isMap(node)) {
    throw new AcodeError('ACODE-CFG-003', `${at(nodeStart(node))}: ${name} must be a mapping of keys, got ${describe(node)}`, { context: { key: name } });
  }
  const out: Record<string, unknown> = {};
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const full = [...keyPath, key];
    // Own keys only: `toString` or `__proto__` must not find Object.prototype's and pass.
    const rule = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (!rule) {
      const near = closest(key, Object.keys(fields));
      const suggestion = near ? `did you mean '${[...keyPath, near].join('.')}'?` : `valid keys: ${Object.keys(fields).join(', ')}`;
      // A key can be a pasted secret (a URL with its password): shown only when it is a plain word.
      const plain = shownString(key).startsWith("'");
      const label = plain ? `'${full.join('.')}'` : `in ${name}: ${shownString(key).replace(/^a string/, 'a key')}`;
      throw new AcodeError('ACODE-CFG-002', `${at(nodeStart(pair.key))}: unknown key ${label} — ${suggestion}`, { context: { key: plain ? full.join('.') : `${name}.…` } });
    }
    out[key] = checkValue(pair.value, rule, full, at);
  }
  return out;
}

function checkValue(node: unknown, rule: Rule, keyPath: string[], at: At): unknown {
  const key = keyPath.join('.');
  const where = at(nodeStart(node));
  const wrongType = (expected: string): AcodeError =>
    new AcodeError('ACODE-CFG-003', `${where}: ${key} must be ${expected}, got ${describe(node)}`, { context: { key } });
  const value = isScalar(node) ? node.value : undefined;
  switch (rule.type) {
    case 'section':
      return checkSection(node, rule.fields, keyPath, at);
    case 'string':
      if (typeof value !== 'string' || value === '') throw wrongType('a non-empty string');
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw wrongType('true or false');
      return value;
    case 'integer':
      if (rule.nullable && isScalar(node) && value === null) return null;
      if (typeof value !== 'number' || !Number.isInteger(value)) throw wrongType(`an integer${rule.nullable ? ' (or empty)' : ''}`);
      if (value < rule.min) {
        throw new AcodeError('ACODE-CFG-005', `${where}: ${key} must be at least ${rule.min}, got ${value}`, { context: { key } });
      }
      return value;
    case 'enum':
      if (typeof value !== 'string') throw wrongType(`one of ${rule.values.join(', ')}`);
      if (!rule.values.includes(value)) {
        const near = closest(value, rule.values);
        throw new AcodeError('ACODE-CFG-005', `${where}: ${key} must be one of ${rule.values.join(', ')}, got ${typeof value === 'string' ? shownString(value) : String(value)}${near ? ` — did you mean '${near}'?` : ''}`, { context: { key } });
      }
      return value;
    case 'list':
      if (!isSeq(node)) throw wrongType('a list');
      return node.toJSON() as unknown[];
    case 'string-list':
      if (!isSeq(node)) throw wrongType('a list of strings');
      return node.items.map((item, i) => checkValue(item, { type: 'string' }, [...keyPath, String(i)], at));
    case 'string-map': {
      if (!isMap(node)) throw wrongType('a mapping of names to strings');
      // Table names are keys: one named __proto__ must be a key like any other, not the prototype.
      const out: Record<string, string> = Object.create(null) as Record<string, string>;
      for (const pair of node.items) {
        const name = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        out[name] = checkValue(pair.value, { type: 'string' }, [...keyPath, name], at) as string;
      }
      return out;
    }
  }
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
 * The database section with database.url as given (password included, for the connection), that
 * prints without its password: `JSON.stringify(config)`, `console.log(config)` and
 * `util.inspect` show the URL as databaseLabel does. The two methods are not enumerable, so the
 * section still reads and compares as { type, path, url }.
 */
function loggable(database: DatabaseConfig): DatabaseConfig {
  const shown = (): Record<string, unknown> => ({ type: database.type, path: database.path, url: database.url === null ? null : urlLabel(database.url) });
  return Object.defineProperties(database, { toJSON: { value: shown }, [inspect.custom]: { value: shown } });
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

function nodeStart(node: unknown): number | undefined {
  return (node as YamlNode | null)?.range?.[0];
}

function describe(node: unknown): string {
  if (node === null || node === undefined) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'nothing (null)';
    if (typeof v === 'string') return describeString(v);
    return `the ${typeof v} ${typeof v === 'number' ? String(v) : JSON.stringify(v)}`;
  }
  return 'an unsupported value';
}

/** The candidate nearest to a misspelled word, when it is near enough to be what was meant. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/[-_\s]/g, '');
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(norm(word), norm(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** The code a config problem reports under, for callers that validate parts of the config themselves. */
export type ConfigErrorCode = Extract<ErrorCode, `ACODE-CFG-${string}`>;
