import { existsSync, realpathSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { scanBackupDir, type CatalogEntry, type StrayFile } from './catalog.js';
import { AcodeError, systemCode, toAcodeError } from './errors.js';
import type { BackupManifest } from './manifest.js';
import { manifestPathFor } from './naming.js';

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

export interface RotationPlan {
  readonly keep: readonly CatalogEntry[];
  readonly remove: readonly CatalogEntry[];
  /** Pre-restore safety backups and backups without a readable manifest: rotation leaves them alone. */
  readonly untouched: readonly CatalogEntry[];
}

const DAY_MS = 86_400_000;

/**
 * Decides which backups go, oldest first. Only regular and pre-migration backups with a manifest
 * take part; the newest of them and the protected one always stay.
 */
export function planRotation(backups: readonly CatalogEntry[], policy: RetentionPolicy): RotationPlan {
  if (!Number.isInteger(policy.keep) || policy.keep < 1) throw new AcodeError('ACODE-USE-001', `keep must be a whole number of at least 1, got ${policy.keep}`);
  const source = policy.source;
  const eligible = [...backups]
    .filter((b) => b.kind !== 'pre_restore' && b.manifest !== null)
    .filter((b) => !source || sameDatabase(b.manifest!.database, source, path.dirname(b.path)))
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.stamp.getTime() - a.stamp.getTime() || b.seq - a.seq);
  const untouched = backups.filter((b) => !eligible.includes(b));
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
    return [u.username, u.hostname, u.port, decodeURIComponent(u.pathname), ...chosen].join('|');
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

/** Deletes a backup and then its manifest (a manifest left alone is harmless; a lone backup is not trusted). */
export async function deleteBackupFiles(backupPath: string): Promise<void> {
  await rm(backupPath);
  await rm(manifestPathFor(backupPath), { force: true });
}

export interface PruneOptions {
  readonly dir: string;
  readonly policy: RetentionPolicy;
  readonly dryRun?: boolean;
  /** Also remove temporary files of backups that died and manifests whose backup is gone. */
  readonly removeStrays?: boolean;
}

export interface PruneResult {
  readonly removed: readonly CatalogEntry[];
  readonly kept: readonly CatalogEntry[];
  readonly untouched: readonly CatalogEntry[];
  readonly straysRemoved: readonly StrayFile[];
  readonly dryRun: boolean;
}

export async function pruneBackups(options: PruneOptions): Promise<PruneResult> {
  const catalog = await scanBackupDir(options.dir);
  const plan = planRotation(catalog.backups, options.policy);
  const strays = options.removeStrays ? catalog.strays.filter((s) => !s.inProgress) : [];
  if (!options.dryRun) {
    try {
      for (const backup of plan.remove) {
        // Gone already: another backup's rotation, running at the same time, took it first.
        await deleteBackupFiles(backup.path).catch((err: unknown) => {
          if (systemCode(err) !== 'ENOENT') throw err;
        });
      }
      for (const stray of strays) await rm(stray.path, { force: true });
    } catch (err) {
      throw toAcodeError(err, 'ACODE-BAK-001', `removing old backups in ${options.dir}`);
    }
  }
  return { removed: plan.remove, kept: plan.keep, untouched: plan.untouched, straysRemoved: strays, dryRun: Boolean(options.dryRun) };
}
