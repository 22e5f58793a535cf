import path from 'node:path';
import type { DatabaseType } from './config.js';
import type { IntegrityCheckKind } from './sqlite/inspect.js';
import { AcodeError, describeCause, systemCode } from './errors.js';
import { readSmallTextFile } from './fs-read.js';
import { manifestPathFor, type BackupKind } from './naming.js';

export const BACKUP_MANIFEST_FORMAT = 'acode-backup-manifest';
export const BACKUP_MANIFEST_VERSION = 1;

/** Written last, beside the backup, as `<backup name>.manifest.json`. */
export interface BackupManifest {
  readonly format: typeof BACKUP_MANIFEST_FORMAT;
  readonly formatVersion: number;
  readonly toolVersion: string;
  /** ISO 8601, UTC. */
  readonly createdAt: string;
  readonly kind: BackupKind;
  readonly tag: string | null;
  readonly database: {
    readonly type: DatabaseType;
    readonly source: string;
    /** SQLite: the database's path from the backup folder when the backup was made (a moved workspace's backups still rotate). */
    readonly fromBackups?: string;
    readonly engineVersion: string;
    readonly schemaVersion: number | null;
    readonly pageSize: number;
    readonly pageCount: number;
    /** SQLite: 'wal' when the database was in WAL mode (a restore as a new file gives it that mode back); absent otherwise. */
    readonly journalMode?: 'wal';
  };
  /** The file as stored (compressed when compression is gzip; a pg_dump archive compresses itself). */
  readonly file: { readonly name: string; readonly size: number; readonly sha256: string };
  readonly compression: 'none' | 'gzip' | 'pg_dump';
  /** The database inside a compressed backup; null when not compressed. */
  readonly uncompressed: { readonly size: number; readonly sha256: string } | null;
  /** The check the copy passed before it was kept; null when `backup.verify` is off. */
  readonly check: IntegrityCheckKind | null;
  readonly tables: readonly { readonly name: string; readonly rows: number }[];
}

export function serializeManifest(manifest: BackupManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** A manifest (a backup's or an export's) is a few KiB per table: anything larger is not one. */
export const MAX_MANIFEST_BYTES = 16 << 20;

/** Reads the manifest beside a backup; null when there is none. One acode may not read is ACODE-BAK-014; anything else unreadable ACODE-BAK-007. */
export async function readBackupManifest(backupPath: string): Promise<BackupManifest | null> {
  const file = manifestPathFor(backupPath);
  let text: string;
  try {
    text = await readSmallTextFile(file, MAX_MANIFEST_BYTES);
  } catch (err) {
    const code = systemCode(err);
    if (code === 'ENOENT') return null;
    // A manifest another user made (0600, as every backup's) is intact, only out of reach: the
    // backup is no less trusted, and deleting it is the wrong advice.
    if (code === 'EACCES' || code === 'EPERM') {
      throw new AcodeError('ACODE-BAK-014', `cannot read ${path.basename(file)}: ${describeCause(err)}`, {
        cause: err,
        context: { file },
        hint: 'acode cannot read the backup\'s manifest (backups and manifests are made 0600, for the user who made them): run acode as that user or give it read access, or use another backup (`acode db backup list`)',
      });
    }
    throw new AcodeError('ACODE-BAK-007', `${path.basename(file)}: ${describeCause(err)}`, { cause: err, context: { file } });
  }
  return parseBackupManifest(text, file);
}

export function parseBackupManifest(text: string, file: string): BackupManifest {
  const fail = (why: string): AcodeError =>
    new AcodeError('ACODE-BAK-007', `${path.basename(file)}: ${why}`, { context: { file } });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw fail(`not valid JSON (${describeCause(err)})`);
  }
  const m = value as Partial<BackupManifest> | null;
  if (typeof m !== 'object' || m === null || m.format !== BACKUP_MANIFEST_FORMAT) throw fail('not an acode backup manifest');
  if (typeof m.formatVersion !== 'number') throw fail('manifest format version missing');
  if (m.formatVersion > BACKUP_MANIFEST_VERSION) {
    throw fail(`manifest format version ${m.formatVersion} is newer than this tool understands (${BACKUP_MANIFEST_VERSION}): update acode to read it`);
  }
  const sha = /^[0-9a-f]{64}$/;
  const f = m.file;
  if (!f || typeof f.name !== 'string' || !Number.isSafeInteger(f.size) || !sha.test(String(f.sha256))) throw fail('file name, size or sha256 missing or malformed');
  if (m.compression !== 'none' && m.compression !== 'gzip' && m.compression !== 'pg_dump') throw fail(`unknown compression ${JSON.stringify(m.compression)}`);
  if (m.compression === 'gzip' && (!m.uncompressed || !sha.test(String(m.uncompressed.sha256)) || !Number.isSafeInteger(m.uncompressed.size))) {
    throw fail('a compressed backup needs the uncompressed size and sha256');
  }
  if (!Array.isArray(m.tables) || !m.tables.every((t) => typeof t?.name === 'string' && Number.isSafeInteger(t?.rows))) {
    throw fail('tables must be a list of names with row counts');
  }
  const db = m.database;
  if (!db || typeof db.type !== 'string' || typeof db.source !== 'string' || (db.fromBackups !== undefined && typeof db.fromBackups !== 'string')) {
    throw fail('database section missing or malformed (type and source must be strings)');
  }
  if (typeof m.createdAt !== 'string' || Number.isNaN(Date.parse(m.createdAt))) throw fail('createdAt missing or not a date');
  return m as BackupManifest;
}
