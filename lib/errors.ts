/** Exit codes from the spec, plus the BSD usage code. */
export const EXIT = {
  ok: 0,
  failed: 1,
  verifyFailed: 2,
  restoreFailed: 3,
  invalidBackup: 4,
  usage: 64,
} as const;

interface ErrorSpec {
  readonly title: string;
  readonly exit: number;
  readonly hint: string;
}

/** Every code the tool can fail with: title, exit code and what the user should do next. */
export const ERRORS = {
  'ACODE-BAK-001': { title: 'Backup failed', exit: EXIT.failed, hint: 'check disk space and write permissions of the backup folder, then run the backup again' },
  'ACODE-BAK-002': { title: 'Restore failed', exit: EXIT.restoreFailed, hint: 'the live database was left as it was; run `acode db backup verify <file>` on the backup first' },
  'ACODE-BAK-003': { title: 'Verification failed', exit: EXIT.verifyFailed, hint: 'do not rely on this backup; create a new one with `acode db backup`' },
  'ACODE-BAK-004': { title: 'Checksum mismatch', exit: EXIT.invalidBackup, hint: 'the backup changed after it was written; use another backup (`acode db backup list`)' },
  'ACODE-BAK-005': { title: 'Backup not found', exit: EXIT.invalidBackup, hint: 'run `acode db backup list` to see the backups there are' },
  'ACODE-BAK-006': { title: 'Not a valid backup', exit: EXIT.invalidBackup, hint: 'the file is not an intact acode backup; use another one (`acode db backup list`)' },
  'ACODE-BAK-007': { title: 'Backup manifest missing or unreadable', exit: EXIT.invalidBackup, hint: 'a backup is only trusted with its <name>.manifest.json beside it; use another backup' },
  'ACODE-BAK-008': { title: 'Backup folder not writable', exit: EXIT.failed, hint: 'fix the folder\'s permissions or choose another with --output-dir or backup.path' },
  'ACODE-BAK-009': { title: 'Not enough disk space', exit: EXIT.failed, hint: 'free some space or choose another folder with --output-dir' },
  'ACODE-BAK-010': { title: 'Database is busy', exit: EXIT.restoreFailed, hint: 'another process holds a lock on the database; stop it (or wait) and run the restore again' },
  'ACODE-BAK-011': { title: 'Confirmation required', exit: EXIT.usage, hint: 'run it again with --yes to confirm' },
  'ACODE-BAK-012': { title: 'Not an acode backup file', exit: EXIT.usage, hint: 'only files named acode_backup_*.db[.gz] or acode_backup_*.dump in the backup folder can be deleted this way' },
  'ACODE-BAK-013': { title: 'Restore cancelled', exit: EXIT.restoreFailed, hint: 'nothing was changed' },
  'ACODE-BAK-014': { title: 'Backup not readable', exit: EXIT.invalidBackup, hint: 'acode cannot read the backup file: give it read access to it, or use another backup (`acode db backup list`)' },
  'ACODE-BAK-015': { title: 'Temporary folder not usable', exit: EXIT.failed, hint: 'set TMPDIR to a folder acode may write, with room for an uncompressed copy of the backup' },
  'ACODE-BAK-016': { title: 'Backup not removed', exit: EXIT.failed, hint: 'acode may not delete it: check the permissions of the file and its folder (and `lsattr` for an immutable file), then run the command again' },
  'ACODE-DB-001': { title: 'Database not found', exit: EXIT.failed, hint: 'check database.path in .agent/config.yml or --workspace, or create it with `acode db migrate`' },
  'ACODE-DB-002': { title: 'Database path is not a file', exit: EXIT.failed, hint: 'database.path must name a SQLite file, not a folder' },
  'ACODE-DB-003': { title: 'Not a SQLite database', exit: EXIT.failed, hint: 'database.path must name a SQLite database file' },
  'ACODE-DB-004': { title: 'Database integrity check failed', exit: EXIT.failed, hint: 'the source database is damaged; restore a known good backup with `acode db restore`' },
  'ACODE-DB-005': { title: 'Cannot connect to PostgreSQL', exit: EXIT.failed, hint: 'check database.url (or ACODE_DATABASE_URL): host, port, user, password and database name' },
  'ACODE-DB-006': { title: 'PostgreSQL client tools not found', exit: EXIT.failed, hint: 'install pg_dump, pg_restore and psql (Debian: apt-get install postgresql-client) or point ACODE_PG_BIN at their folder' },
  'ACODE-DB-007': { title: 'Database not accessible', exit: EXIT.failed, hint: 'acode needs read and write access to the database file and its folder (a WAL database writes its -shm file even to be read)' },
  'ACODE-DB-008': { title: 'Database is busy', exit: EXIT.failed, hint: 'another process holds a lock on the database; wait for it to finish (or stop it) and run the command again' },
  'ACODE-CFG-001': { title: 'Config file is not valid YAML', exit: EXIT.failed, hint: 'fix the YAML at the line and column given' },
  'ACODE-CFG-002': { title: 'Unknown config key', exit: EXIT.failed, hint: 'fix the key\'s spelling; see the README for every key' },
  'ACODE-CFG-003': { title: 'Config value has the wrong type', exit: EXIT.failed, hint: 'set the value to the type named' },
  'ACODE-CFG-004': { title: 'Config file unreadable', exit: EXIT.failed, hint: 'check the file exists and can be read' },
  'ACODE-CFG-005': { title: 'Invalid config value', exit: EXIT.failed, hint: 'set the value to one the message allows' },
  'ACODE-CFG-006': { title: 'Invalid redaction rule', exit: EXIT.failed, hint: 'fix the rule named in export.redaction_patterns' },
  'ACODE-MIG-001': { title: 'Migration failed', exit: EXIT.failed, hint: 'the failed migration was rolled back; fix its cause and run `acode db migrate` again' },
  'ACODE-MIG-002': { title: 'Pre-migration backup failed', exit: EXIT.failed, hint: 'nothing was migrated; fix the backup problem or run with --no-backup' },
  'ACODE-USE-001': { title: 'Invalid usage', exit: EXIT.usage, hint: 'see `acode --help`' },
  'ACODE-EXP-001': { title: 'Export failed', exit: EXIT.failed, hint: 'no output was kept; fix the cause and run the export again' },
  'ACODE-EXP-002': { title: 'Redaction failed', exit: EXIT.failed, hint: 'no output was kept; fix the rule or value named and run the export again' },
  'ACODE-EXP-003': { title: 'Leak scan found a secret in the output', exit: EXIT.failed, hint: 'no output was kept; add a redaction rule for it, or accept a reviewed false positive with --allow-scan-hit <fingerprint>' },
  'ACODE-EXP-004': { title: 'Unknown table', exit: EXIT.usage, hint: 'use one of the tables listed' },
  'ACODE-EXP-005': { title: 'Export verification failed', exit: EXIT.verifyFailed, hint: 'do not share this export; export again' },
  'ACODE-EXP-006': { title: 'Invalid export options', exit: EXIT.usage, hint: 'see `acode db export --help`' },
  'ACODE-EXP-007': { title: 'Output already exists', exit: EXIT.failed, hint: 'choose another --output or add --force to replace it' },
  'ACODE-EXP-008': { title: 'Output location not writable', exit: EXIT.failed, hint: 'check the folder exists and can be written, or choose another --output' },
  'ACODE-EXP-009': { title: 'Not enough disk space for the export', exit: EXIT.failed, hint: 'no output was kept; free some space or choose another --output' },
  'ACODE-IMP-001': { title: 'Import failed', exit: EXIT.failed, hint: 'the database was left unchanged; fix the cause and import again' },
  'ACODE-IMP-002': { title: 'Not a valid export', exit: EXIT.invalidBackup, hint: 'the file is truncated, damaged or not an acode export; export it again' },
  'ACODE-IMP-003': { title: 'Export checksum mismatch', exit: EXIT.invalidBackup, hint: 'the export changed after it was written; get an intact copy' },
  'ACODE-IMP-004': { title: 'Primary key conflict', exit: EXIT.failed, hint: 'nothing was imported; use --mode replace or import into another database' },
  'ACODE-IMP-005': { title: 'Unsafe archive entry', exit: EXIT.invalidBackup, hint: 'the archive tries to write outside its folder or holds links; it was refused' },
  'ACODE-IMP-006': { title: 'Unique key conflict', exit: EXIT.failed, hint: 'nothing was imported; the target already holds a row with that unique value: use --mode replace or import into another database' },
  'ACODE-IMP-007': { title: 'Export not found', exit: EXIT.invalidBackup, hint: 'check the path: an export is a file, a CSV folder or a tar bundle' },
  'ACODE-IMP-008': { title: 'Import would break references', exit: EXIT.failed, hint: 'import the tables that refer to it as well (or every table), or use --mode append' },
  'ACODE-IMP-009': { title: 'Not enough disk space for the import', exit: EXIT.failed, hint: 'the database was left unchanged; free some space on its disk and import again' },
  'ACODE-INT-001': { title: 'Internal error', exit: EXIT.failed, hint: 'this is a bug in acode; please report it with the command you ran' },
  'ACODE-INT-002': { title: 'Interrupted', exit: EXIT.failed, hint: 'nothing was changed; run the command again when you are ready' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** Where an error happened, for messages and for programs that handle it. */
export interface ErrorContext {
  readonly file?: string;
  readonly table?: string;
  readonly column?: string;
  readonly key?: string;
  readonly [name: string]: unknown;
}

export interface AcodeErrorOptions {
  readonly cause?: unknown;
  readonly hint?: string;
  readonly context?: ErrorContext;
  /** The command's own exit code for this failure, where the spec gives the command one (a restore that fails for lack of space exits 3, not 1). */
  readonly exitCode?: number;
}

export class AcodeError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly hint: string;
  readonly detail: string;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, detail: string, options: AcodeErrorOptions = {}) {
    const spec: ErrorSpec = ERRORS[code];
    super(`${spec.title}: ${detail}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AcodeError';
    this.code = code;
    this.exitCode = options.exitCode ?? spec.exit;
    this.hint = options.hint ?? spec.hint;
    this.detail = detail;
    this.context = options.context ?? {};
  }

  /** The one line a user sees: code, what happened, what to do. */
  toLine(): string {
    return `${this.code} ${this.message} — ${this.hint}`;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, hint: this.hint, exitCode: this.exitCode, context: this.context };
  }
}

export function isAcodeError(err: unknown, code?: ErrorCode): err is AcodeError {
  return err instanceof AcodeError && (code === undefined || err.code === code);
}

/** The system error code of a Node or SQLite failure, if it has one. */
export function systemCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * True when an error (or its cause chain) is an abort from an AbortSignal: an AbortError, or the
 * TimeoutError DOMException that `AbortSignal.timeout()` aborts with (signal.throwIfAborted()
 * throws the reason as it is).
 */
export function isAbort(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    const name = (e as { name?: unknown }).name;
    if (name === 'AbortError' || systemCode(e) === 'ABORT_ERR' || (name === 'TimeoutError' && e instanceof DOMException)) return true;
  }
  return false;
}

/** A bare abort (a signal's DOMException) as ACODE-INT-002 naming what it interrupted; any other error as it is. */
export function interruptedAs(err: unknown, what: string): unknown {
  return isAbort(err) && !(err instanceof AcodeError) ? new AcodeError('ACODE-INT-002', `${what}: interrupted`, { cause: err }) : err;
}

/** A full disk or quota, as SQLite or the system says it. */
const DISK_FULL = ['ENOSPC', 'EDQUOT', 'SQLITE_FULL'] as const;
const NO_ACCESS = ['EACCES', 'EPERM', 'EROFS', 'SQLITE_READONLY', 'SQLITE_CANTOPEN'] as const;

const codesFor = (names: readonly string[], code: ErrorCode): Record<string, ErrorCode> => Object.fromEntries(names.map((n) => [n, code]));

/** Disk-full and permission failures get their own codes, per family of the operation that failed. */
const FILE_CODES: Readonly<Record<string, Readonly<Record<string, ErrorCode>>>> = {
  BAK: { ...codesFor(DISK_FULL, 'ACODE-BAK-009'), ...codesFor(NO_ACCESS, 'ACODE-BAK-008') },
  EXP: { ...codesFor(DISK_FULL, 'ACODE-EXP-009'), ...codesFor(NO_ACCESS, 'ACODE-EXP-008') },
  IMP: codesFor(DISK_FULL, 'ACODE-IMP-009'),
};

/** A disk-full failure anywhere in an error's cause chain (a loader's error wraps SQLite's), described; null when none. */
export function diskFullCause(err: unknown): string | null {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    const code = systemCode(e) ?? '';
    if (DISK_FULL.some((c) => code === c || code.startsWith(`${c}_`))) return describeCause(e);
  }
  return null;
}

/**
 * Turns any failure into an AcodeError: disk-full and permission problems get their own codes
 * (for backups and exports), everything else the operation's code. Coded errors pass through.
 */
export function toAcodeError(err: unknown, fallback: ErrorCode, what: string, context: ErrorContext = {}): AcodeError {
  if (err instanceof AcodeError) return err;
  if (isAbort(err)) return new AcodeError(fallback, `${what}: interrupted`, { cause: err, context, hint: 'nothing was kept; run the command again when you are ready' });
  const sys = systemCode(err) ?? '';
  const codes = FILE_CODES[fallback.split('-')[1]!] ?? {};
  const base = Object.keys(codes).find((c) => sys === c || sys.startsWith(`${c}_`));
  return new AcodeError(base ? codes[base]! : fallback, `${what}: ${describeCause(err)}`, { cause: err, context });
}

/** A short reason from a cause, without stack or multi-line detail. */
export function describeCause(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!.trim();
}

/**
 * A string value as an error may show it: a short plain word as it is (an option's typo, for
 * "did you mean"); anything else only by its length. A value in the wrong place may be a secret —
 * a .env file given as --config, a connection URL with its password under database.type.
 */
export function shownString(value: string): string {
  return plainWord(value) ? `'${value}'` : `a string of ${value.length} characters (not shown: it may hold a secret)`;
}

/** shownString in a sentence: `the string "sqllite"`, or `a string of 78 characters (not shown: …)`. */
export function describeString(value: string): string {
  return plainWord(value) ? `the string ${JSON.stringify(value)}` : shownString(value);
}

function plainWord(value: string): boolean {
  return /^[A-Za-z0-9_.-][A-Za-z0-9_. -]{0,31}$/.test(value) && !(value.length >= 12 && /[0-9]/.test(value) && /[A-Za-z]/.test(value));
}
