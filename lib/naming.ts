/** What made a backup; rotation only ever deletes the first two. */
export type BackupKind = 'manual' | 'pre_migration' | 'pre_restore';

export const BACKUP_PREFIX = 'acode_backup_';
export const MANIFEST_SUFFIX = '.manifest.json';

export interface ParsedBackupName {
  readonly name: string;
  /** The UTC second in the name. */
  readonly stamp: Date;
  /** 0 for the first backup of a second, 1 for `_2`, and so on. */
  readonly seq: number;
  readonly kind: BackupKind;
  readonly compressed: boolean;
  /** `db` for a SQLite copy, `dump` for a pg_dump archive. */
  readonly ext: BackupExtension;
}

export type BackupExtension = 'db' | 'dump';

const NAME = /^acode_backup_(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})(?:_(\d+))?(?:_(pre_migration|pre_restore))?\.(db|db\.gz|dump)$/;

const two = (n: number): string => String(n).padStart(2, '0');

/** `YYYYMMDD_HHMMSS` in UTC, the stamp in backup and export file names. */
export function utcStamp(date: Date): string {
  return `${date.getUTCFullYear()}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}_${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}`;
}

/** `acode_backup_YYYYMMDD_HHMMSS[_N][_kind].db[.gz]` (`.dump` for PostgreSQL), in UTC so names sort the way time runs. */
export function backupFileName(stamp: Date, options: { seq?: number; kind?: BackupKind; compressed?: boolean; ext?: BackupExtension } = {}): string {
  const seq = options.seq ? `_${options.seq + 1}` : '';
  const kind = options.kind && options.kind !== 'manual' ? `_${options.kind}` : '';
  return `${BACKUP_PREFIX}${utcStamp(stamp)}${seq}${kind}.${options.ext ?? 'db'}${options.compressed ? '.gz' : ''}`;
}

export function parseBackupName(name: string): ParsedBackupName | null {
  const m = NAME.exec(name);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, seq, kind, suffix] = m;
  const stamp = new Date(Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!));
  // Date.UTC rolls month 13 or minute 60 over into a real time: such a name is no name of ours.
  if (backupFileName(stamp) !== `${BACKUP_PREFIX}${y}${mo}${d}_${h}${mi}${s}.db`) return null;
  // The first backup of a second has no number and the second one is _2: _0 and _1 are not made.
  if (seq !== undefined && Number(seq) < 2) return null;
  return {
    name,
    stamp,
    seq: seq ? Number(seq) - 1 : 0,
    kind: (kind as BackupKind | undefined) ?? 'manual',
    compressed: suffix === 'db.gz',
    ext: suffix === 'dump' ? 'dump' : 'db',
  };
}

/** Newest first: by the second in the name, then by sequence within that second. */
export function compareNewestFirst(a: ParsedBackupName, b: ParsedBackupName): number {
  return b.stamp.getTime() - a.stamp.getTime() || b.seq - a.seq || a.name.localeCompare(b.name);
}

export function manifestPathFor(backupPath: string): string {
  return `${backupPath}${MANIFEST_SUFFIX}`;
}
