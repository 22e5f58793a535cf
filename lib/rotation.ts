import { existsSync, realpathSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { compareNewestMade, resolveBackupRef, scanBackupDir, type CatalogEntry, type StrayFile, type UnreachableName } from './catalog.js';
import { checkStoredChecksum } from './backup-file.js';
import { AcodeError, describeCause, interruptedAs, isAcodeError, systemCode } from './errors.js';
import type { AcodeConfig } from './config.js';
import type { BackupManifest } from './manifest.js';
import { MANIFEST_SUFFIX, manifestPathFor, parseBackupName } from './naming.js';
import { checkOptions } from './options.js';

export interface RetentionPolicy {
  /** Keep at most this many backups (at least 1). */
  readonly keep: number;
  /** Also remove backups older than this many days; null for no age limit. */
  readonly keepDays: number | null;
  readonly now: Date;
  /** A backup name never removed: the one just made. */
  readonly protect?: string;
  /**
   * The database whose backups rotate (its type and the location its manifests name): backups of
   * other databases in the same folder are left alone. Without it, every backup counts.
   */
  readonly source?: { readonly type: string; readonly location: string };
}

/** Why rotation leaves a backup alone: it never removes it, and it never counts against `keep`. */
export type UntouchedReason = 'pre-restore' | 'no-manifest' | 'other-database' | 'future' | 'damaged' | 'unreadable';

export interface UntouchedBackup extends CatalogEntry {
  readonly why: UntouchedReason;
}

export interface RotationPlan {
  readonly keep: readonly CatalogEntry[];
  readonly remove: readonly CatalogEntry[];
  /**
   * Left alone: pre-restore safety backups, backups without a readable manifest, another
   * database's, backups dated in the future (a clock set wrong once would make one the newest for
   * ever, and every real backup older than it), and backups found damaged.
   */
  readonly untouched: readonly UntouchedBackup[];
}

const DAY_MS = 86_400_000;
/** A backup dated more than this after now was made by a clock set wrong (another host's skew is far less). */
const FUTURE_SLACK_MS = 3_600_000;

/**
 * Decides which backups go, oldest first. Only regular and pre-migration backups with a manifest,
 * of this database, dated no later than now and not set aside (damaged, unreadable), take part; the newest of them
 * and the protected one always stay.
 */
export function planRotation(backups: readonly CatalogEntry[], policy: RetentionPolicy, setAside: ReadonlyMap<string, 'damaged' | 'unreadable'> = new Map()): RotationPlan {
  if (!Number.isInteger(policy.keep) || policy.keep < 1) throw new AcodeError('ACODE-USE-001', `keep must be a whole number of at least 1, got ${policy.keep}`);
  const source = policy.source;
  const latest = policy.now.getTime() + FUTURE_SLACK_MS;
  const whyUntouched = (b: CatalogEntry): UntouchedReason | null => {
    if (b.name === policy.protect) return null;
    if (b.kind === 'pre_restore') return 'pre-restore';
    if (b.manifest === null) return 'no-manifest';
    if (source && !sameDatabase(b.manifest.database, source, path.dirname(b.path))) return 'other-database';
    const aside = setAside.get(b.name);
    if (aside) return aside;
    if (b.createdAt.getTime() > latest) return 'future';
    return null;
  };
  const untouched: UntouchedBackup[] = [];
  const eligible: CatalogEntry[] = [];
  for (const b of backups) {
    const why = whyUntouched(b);
    if (why) untouched.push({ ...b, why });
    else eligible.push(b);
  }
  eligible.sort(compareNewestMade);
  const cutoff = policy.keepDays === null ? null : policy.now.getTime() - policy.keepDays * DAY_MS;
  const keep: CatalogEntry[] = [];
  const remove: CatalogEntry[] = [];
  eligible.forEach((backup, index) => {
    const tooMany = index >= policy.keep;
    const tooOld = cutoff !== null && backup.createdAt.getTime() < cutoff;
    const protectedOne = index === 0 || backup.name === policy.protect;
    (protectedOne || !(tooMany || tooOld) ? keep : remove).push(backup);
  });
  remove.reverse();
  return { keep, remove, untouched };
}

/**
 * Whether a backup's manifest names the live database: the same file however it is reached (a
 * symlink; a workspace moved together with its backup folder, whose recorded path is gone and
 * whose path from the folder is the same), the same PostgreSQL database whatever the URL's other
 * options (`?sslmode=`). A path compared as text alone made rotation stop for good after a move:
 * every older backup counted as another database's and was never removed.
 */
export function sameDatabase(database: BackupManifest['database'], live: { readonly type: string; readonly location: string }, dir: string): boolean {
  if (database.type !== live.type) return false;
  if (database.source === live.location) return true;
  if (live.type === 'postgres') return pgIdentity(database.source) === pgIdentity(live.location);
  // Every workspace's backups say '../acode.db': that alone names no database while the recorded
  // one is still there (another workspace's backups copied in).
  if (database.fromBackups !== undefined && !existsSync(database.source) && database.fromBackups === path.relative(dir, live.location)) return true;
  return realPath(database.source) === realPath(live.location);
}

/** The URL's parts that choose the server, the database and the role; not its other options. */
const PG_IDENTITY_PARAMS = ['host', 'hostaddr', 'port', 'dbname', 'user', 'service'];

function pgIdentity(url: string): string {
  try {
    const u = new URL(url);
    const chosen = PG_IDENTITY_PARAMS.map((key) => `${key}=${u.searchParams.getAll(key).join(',')}`);
    // No port is PostgreSQL's own: a URL with :5432 and one without name the same server.
    return [u.username, u.hostname, u.port || '5432', decodeURIComponent(u.pathname), ...chosen].join('|');
  } catch {
    return url;
  }
}

/** The path with symlinks resolved; as given when it does not exist (a database moved or gone). */
function realPath(file: string): string {
  try {
    return realpathSync.native(file);
  } catch {
    return path.resolve(file);
  }
}

/**
 * Deletes a backup and then its manifest (a manifest left alone is harmless; a lone backup is not
 * trusted). unlink, not rm: rm reports a file it may not delete as "ENOTDIR: scandir".
 */
export async function deleteBackupFiles(backupPath: string): Promise<void> {
  await unlink(backupPath);
  await unlink(manifestPathFor(backupPath)).catch((err: unknown) => {
    if (systemCode(err) !== 'ENOENT') throw err;
  });
}

export interface DeleteBackupOptions {
  readonly config: AcodeConfig;
  /** A backup's name in the backup folder, or a path. */
  readonly backup: string;
}

/**
 * Deletes one backup and its manifest (`acode db backup delete`), refusing (ACODE-BAK-012) what is
 * not an acode backup: a name not shaped like one, the live database, a folder, a manifest, and
 * a file outside the backup folder without a manifest (there a name proves nothing).
 */
export async function deleteBackup(options: DeleteBackupOptions): Promise<{ readonly path: string; readonly manifest: boolean }> {
  checkOptions<DeleteBackupOptions>('deleteBackup', 'DeleteBackupOptions', options, { config: { kind: 'config', required: true }, backup: { kind: 'string', required: true } });
  const { config, backup: ref } = options;
  const refuse = (why: string, file = ref): AcodeError => new AcodeError('ACODE-BAK-012', `${ref} ${why}`, { context: { file } });
  if (ref.endsWith(MANIFEST_SUFFIX) && parseBackupName(path.basename(ref).slice(0, -MANIFEST_SUFFIX.length))) {
    throw refuse("is a backup's manifest; delete the backup itself (its manifest goes with it), or, when the backup is gone, `acode db backup prune` removes the manifest");
  }
  const found = await resolveBackupRef(ref, config.backup.path).catch((err: unknown) => {
    // A folder named like a backup is not one to delete (restore's "use another one" hint does not fit).
    if (isAcodeError(err, 'ACODE-BAK-006')) throw refuse('is a folder, not a backup file; refusing to delete it');
    throw err;
  });
  if (!parseBackupName(path.basename(found)) || path.resolve(found) === path.resolve(config.database.path)) {
    throw refuse('is not named like an acode backup; refusing to delete it', found);
  }
  const manifest = existsSync(manifestPathFor(found));
  if (!manifest && path.dirname(path.resolve(found)) !== path.resolve(config.backup.path)) {
    throw refuse('is outside the backup folder and has no manifest beside it; refusing to delete it', found);
  }
  try {
    await deleteBackupFiles(found);
  } catch (err) {
    // The backup may be gone and its manifest not: say which file stays.
    throw removalError(existsSync(found) ? found : manifestPathFor(found), err);
  }
  return { path: found, manifest };
}

/** A backup or leftover that could not be removed: the file and why, in one line. */
function removalError(file: string, err: unknown): AcodeError {
  return new AcodeError('ACODE-BAK-016', `cannot remove ${file}: ${describeCause(err)}`, { cause: err, context: { file } });
}

export interface PruneOptions {
  readonly dir: string;
  /** With `config` and no `policy.source`, only the configured database's backups count (as the CLI does). */
  readonly policy: RetentionPolicy;
  readonly config?: AcodeConfig;
  readonly dryRun?: boolean;
  /** Also remove temporary files of backups that died and manifests whose backup is gone. */
  readonly removeStrays?: boolean;
  /**
   * How the backups that stay are checked first: by their sha256 (default) or, `false`, their
   * size only (rotation after a backup, which keeps the backup it just checked in full). One found
   * damaged does not count as kept, so a damaged newest backup never leaves the good ones removed.
   */
  readonly checksums?: boolean;
  readonly signal?: AbortSignal;
}

export interface PruneResult {
  readonly removed: readonly CatalogEntry[];
  readonly kept: readonly CatalogEntry[];
  readonly untouched: readonly UntouchedBackup[];
  readonly straysRemoved: readonly StrayFile[];
  /** Names like a backup's that are no readable file (a link to a missing file): left alone. */
  readonly unreachable: readonly UnreachableName[];
  /** What could not be removed (its permissions, an immutable attribute); the rest was. */
  readonly failed: readonly AcodeError[];
  readonly dryRun: boolean;
}

export async function pruneBackups(options: PruneOptions): Promise<PruneResult> {
  checkOptions<PruneOptions>('pruneBackups', 'PruneOptions', options, {
    dir: { kind: 'string', required: true },
    policy: { kind: 'object', required: true },
    config: 'config',
    dryRun: 'boolean',
    removeStrays: 'boolean',
    checksums: 'boolean',
    signal: 'signal',
  });
  checkOptions<RetentionPolicy>('pruneBackups', 'RetentionPolicy', options.policy, {
    keep: { kind: 'number', required: true },
    keepDays: { kind: 'number', required: true, nullable: true },
    now: { kind: 'date', required: true },
    protect: 'string',
    source: 'object',
  }, 'policy.');
  try {
    return await prune(options);
  } catch (err) {
    // An abort comes only while the backups that stay are checked, before anything is removed.
    throw interruptedAs(err, `pruning the backups in ${options.dir}`);
  }
}

async function prune(options: PruneOptions): Promise<PruneResult> {
  const policy = !options.policy.source && options.config ? { ...options.policy, source: await (await import('./engine.js')).liveSource(options.config) } : options.policy;
  const catalog = await scanBackupDir(options.dir);
  const setAside = new Map<string, 'damaged' | 'unreadable'>();
  const checked = new Set<string>();
  let backups = catalog.backups;
  let plan: RotationPlan;
  // Each backup planned to stay is checked once; one found damaged is set aside and the plan made
  // again, so the next one in line takes its place.
  for (;;) {
    plan = planRotation(backups, policy, setAside);
    const unchecked = plan.keep.filter((b) => !checked.has(b.name) && b.name !== policy.protect);
    if (unchecked.length === 0) break;
    for (const backup of unchecked) {
      options.signal?.throwIfAborted();
      checked.add(backup.name);
      const state = await checkBackup(backup, options);
      // Gone while it was checked (another prune, a delete): nothing to keep or remove.
      if (state === 'gone') backups = backups.filter((b) => b !== backup);
      else if (state !== 'intact') setAside.set(backup.name, state);
    }
  }
  const removed: CatalogEntry[] = [];
  const straysRemoved: StrayFile[] = [];
  const failed: AcodeError[] = [];
  const strays = options.removeStrays ? catalog.strays.filter((s) => !s.inProgress) : [];
  if (options.dryRun) {
    removed.push(...plan.remove);
    straysRemoved.push(...strays);
  } else {
    // One file that may not be removed is reported; it does not stop the others going.
    for (const backup of plan.remove) {
      await deleteBackupFiles(backup.path).then(
        () => removed.push(backup),
        (err: unknown) => {
          // Gone already: another backup's rotation, running at the same time, took it first.
          if (systemCode(err) === 'ENOENT') removed.push(backup);
          else failed.push(removalError(backup.path, err));
        },
      );
    }
    for (const stray of strays) {
      await unlink(stray.path).then(
        () => straysRemoved.push(stray),
        (err: unknown) => {
          if (systemCode(err) === 'ENOENT') straysRemoved.push(stray);
          else failed.push(removalError(stray.path, err));
        },
      );
    }
  }
  return { removed, kept: plan.keep, untouched: plan.untouched, straysRemoved, unreachable: catalog.unreachable, failed, dryRun: Boolean(options.dryRun) };
}

/** Whether a backup is as its manifest says: its size, and unless `checksums` is false its sha256. */
async function checkBackup(backup: CatalogEntry, options: Pick<PruneOptions, 'checksums' | 'signal'>): Promise<'intact' | 'damaged' | 'unreadable' | 'gone'> {
  const manifest = backup.manifest!;
  if (backup.size !== manifest.file.size) return 'damaged';
  if (options.checksums === false) return 'intact';
  try {
    const outcome = await checkStoredChecksum({ path: backup.path, name: backup.name, manifest }, { signal: options.signal });
    return outcome.ok ? 'intact' : 'damaged';
  } catch (err) {
    if (systemCode(err) === 'ENOENT') return 'gone';
    // One acode may not read cannot be shown intact: it stays, and does not count as kept.
    if (isAcodeError(err, 'ACODE-BAK-014')) return 'unreadable';
    throw err;
  }
}
