import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { constants as zlib, createGzip } from 'node:zlib';
import { createHashTap } from '../transforms/hash.js';
import { sha256File } from './checksum.js';
import type { AcodeConfig } from './config.js';
import { backupFileKind, backupProviderFor, type BackupProvider, type SourceInfo } from './engine.js';
import { AcodeError, ERRORS, toAcodeError } from './errors.js';
import { createPrivateFile, ensureDir, exists, fsyncFile, publishUnique, removeQuietly, writeFileAtomic } from './fs-atomic.js';
import { tempPathFor } from './temp-names.js';
import { BACKUP_MANIFEST_FORMAT, BACKUP_MANIFEST_VERSION, serializeManifest, type BackupManifest } from './manifest.js';
import { backupFileName, manifestPathFor, type BackupKind } from './naming.js';
import { stage, type RunOptions } from './progress.js';
import { pruneBackups, type PruneResult } from './rotation.js';
import { TOOL_VERSION } from './version.js';
import { formatBytes, formatCount } from './numbers.js';
import { checkOptions, RUN_OPTIONS } from './options.js';

export interface BackupOptions extends RunOptions {
  readonly config: AcodeConfig;
  /** Folder for this backup instead of `backup.path`. */
  readonly outputDir?: string;
  /** Gzip the backup (streamed); default `backup.compress`. */
  readonly compress?: boolean;
  readonly tag?: string;
  readonly kind?: BackupKind;
  /** Run `integrity_check` instead of `quick_check` on the copy. */
  readonly full?: boolean;
  /** Check the copy before keeping it; default `backup.verify`. */
  readonly verify?: boolean;
  /** Apply `backup.max_backups`/`keep_days` afterwards; default true except for pre-restore backups. */
  readonly rotate?: boolean;
  /**
   * This backup's rotation keeps this many backups in its folder instead of `backup.max_backups`
   * (at least 1), and with `keepDays` none older than that many days instead of `backup.keep_days`:
   * a weekly backup into a folder of its own kept longer than the daily ones.
   */
  readonly keep?: number;
  readonly keepDays?: number;
  readonly now?: () => Date;
  readonly provider?: BackupProvider;
  /**
   * PostgreSQL: how long pg_dump and the row count may wait for another session's lock on a table
   * before the backup gives up as busy; default 30 s (PG_LOCK_WAIT_MS).
   */
  readonly busyTimeoutMs?: number;
}

export interface BackupResult {
  readonly path: string;
  readonly name: string;
  readonly manifestPath: string;
  readonly manifest: BackupManifest;
  readonly source: SourceInfo;
  readonly rotation: PruneResult | null;
  /** Rotation runs after the backup is safe; its failure is reported, not fatal. */
  readonly rotationError: AcodeError | null;
}

const GZIP_LEVEL = 6;
const MAX_TAG_LENGTH = 64;

/** The planned first name of a backup, for telling the user where it goes before it exists. */
export function plannedBackupPath(options: Pick<BackupOptions, 'config' | 'outputDir' | 'compress' | 'kind' | 'now'>): string {
  const dir = path.resolve(options.outputDir ?? options.config.backup.path);
  const { ext, gzipAllowed } = backupFileKind(options.config.database.type);
  const compressed = gzipAllowed && (options.compress ?? options.config.backup.compress);
  const stamp = (options.now ?? (() => new Date()))();
  // The same free-name rule as publishing: a name is taken when it or its .gz twin exists.
  for (let seq = 0; seq < 1000; seq++) {
    const name = backupFileName(stamp, { seq, kind: options.kind, compressed, ext });
    const twin = compressed ? name.slice(0, -3) : `${name}.gz`;
    if (!existsSync(path.join(dir, name)) && !existsSync(path.join(dir, twin))) return path.join(dir, name);
  }
  return path.join(dir, backupFileName(stamp, { kind: options.kind, compressed, ext }));
}

/** A tag goes into file listings and manifests: a short label, checked before any work (ACODE-USE-001). */
export function checkTag(tag: string | undefined): void {
  if (tag !== undefined && (tag.length > MAX_TAG_LENGTH || !/^[\w.:@+-]+$/.test(tag))) {
    throw new AcodeError('ACODE-USE-001', `tag must be 1–${MAX_TAG_LENGTH} letters, digits or . _ : @ + -, got ${JSON.stringify(tag)}`);
  }
}

/**
 * Creates a backup: copy under a temporary name, check, hash, rename into place, write the
 * manifest, then rotate. Any failure (or abort) removes what was written; nothing sits at a final
 * name unless it is complete, and the live database is only ever read.
 */
export async function createBackup(options: BackupOptions): Promise<BackupResult> {
  checkOptions<BackupOptions>('createBackup', 'BackupOptions', options, {
    ...RUN_OPTIONS,
    config: { kind: 'config', required: true },
    outputDir: 'string',
    compress: 'boolean',
    tag: 'string',
    kind: ['manual', 'pre_migration', 'pre_restore'],
    full: 'boolean',
    verify: 'boolean',
    rotate: 'boolean',
    keep: 'number',
    keepDays: 'number',
    now: 'function',
    provider: 'object',
    busyTimeoutMs: 'number',
  });
  for (const name of ['keep', 'keepDays'] as const) {
    const value = options[name];
    // Checked before anything is written: found by the rotation, it would fail after the backup.
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
      throw new AcodeError('ACODE-USE-001', `createBackup(): ${name} must be a whole number of at least 1, got ${value}`);
    }
  }
  const { config } = options;
  const kind = options.kind ?? 'manual';
  const { ext, gzipAllowed } = backupFileKind(config.database.type);
  const wantsCompression = options.compress ?? config.backup.compress;
  const compress = gzipAllowed && wantsCompression;
  const verify = options.verify ?? config.backup.verify;
  const dir = path.resolve(options.outputDir ?? config.backup.path);
  const now = options.now ?? (() => new Date());
  checkTag(options.tag);
  const provider = options.provider ?? (await backupProviderFor(config));
  // PostgreSQL is not connected to yet at this point: its first stage only reads the URL.
  const opened = config.database.type === 'postgres' ? 'Connection settings read' : 'Database opened';
  const source = await stage(options, { stage: 'open', label: opened }, () => provider.describeSource()).catch((err: unknown) => {
    throw toAcodeError(err, 'ACODE-BAK-001', `backing up ${provider.target}`, { file: provider.target });
  });

  const startedAt = now();
  const baseName = (seq: number): string => backupFileName(startedAt, { seq, kind, compressed: compress, ext });
  try {
    await ensureDir(dir);
  } catch (err) {
    throw toAcodeError(err, 'ACODE-BAK-008', `cannot create backup folder ${dir}`, { file: dir });
  }
  const rawTmp = tempPathFor(path.join(dir, baseName(0).replace(/\.gz$/, '')));
  const gzTmp = compress ? tempPathFor(path.join(dir, baseName(0))) : null;
  let published: string | null = null;
  try {
    try {
      await createPrivateFile(rawTmp);
    } catch (err) {
      throw toAcodeError(err, 'ACODE-BAK-008', `cannot write in ${dir}`, { file: dir });
    }
    const snap = await stage(options, { stage: 'copy', label: 'Copying data' }, () => provider.snapshot(rawTmp, { ...options, compress: wantsCompression }), (r) => r.detail ?? `${formatCount(r.pages)} pages`);
    const facts = await stage(
      options,
      { stage: 'check', label: verify ? 'Integrity checked' : 'Copy sealed (check skipped)' },
      () => provider.seal(rawTmp, verify ? (options.full ? 'full' : 'quick') : 'none'),
      (r) => r.integrity?.check,
    );
    await fsyncFile(rawTmp);
    options.signal?.throwIfAborted();

    let stored: { sha256: string; size: number };
    let uncompressed: { sha256: string; size: number } | null = null;
    if (gzTmp) {
      const digests = await stage(options, { stage: 'compress', label: 'Compressed' }, (update) => gzipFile(rawTmp, gzTmp, options, update));
      await removeQuietly(rawTmp);
      stored = digests.stored;
      uncompressed = digests.raw;
    } else {
      stored = await stage(options, { stage: 'checksum', label: 'Checksum computed' }, (update) =>
        sha256File(rawTmp, { signal: options.signal, onBytes: (bytes, totalBytes) => update({ bytes, totalBytes }) }),
      );
    }
    const finalTmp = gzTmp ?? rawTmp;
    const name = await publishUnique(finalTmp, dir, baseName, (candidate) => exists(path.join(dir, candidate.endsWith('.gz') ? candidate.slice(0, -3) : `${candidate}.gz`)));
    published = path.join(dir, name);

    const manifest: BackupManifest = {
      format: BACKUP_MANIFEST_FORMAT,
      formatVersion: BACKUP_MANIFEST_VERSION,
      toolVersion: TOOL_VERSION,
      createdAt: startedAt.toISOString(),
      kind,
      tag: options.tag ?? null,
      database: {
        type: source.type,
        source: source.location,
        ...(source.type === 'sqlite' ? { fromBackups: path.relative(dir, source.location) } : {}),
        engineVersion: facts.engineVersion,
        schemaVersion: facts.schemaVersion,
        pageSize: facts.pageSize,
        pageCount: facts.pageCount || snap.pages,
        ...(facts.wal ? { journalMode: 'wal' as const } : {}),
      },
      file: { name, size: stored.size, sha256: stored.sha256 },
      compression: compress ? 'gzip' : gzipAllowed ? 'none' : 'pg_dump',
      uncompressed,
      check: facts.integrity?.check ?? null,
      tables: facts.tables.map((t) => ({ name: t.name, rows: t.rows })),
    };
    const manifestPath = manifestPathFor(published);
    await stage(options, { stage: 'manifest', label: 'Manifest created' }, () => writeFileAtomic(manifestPath, serializeManifest(manifest)));

    const rotated = (options.rotate ?? kind !== 'pre_restore') ? await rotateBackups({ ...options, path: published, manifest, now }) : { rotation: null, rotationError: null };
    return { path: published, name, manifestPath, manifest, source, ...rotated };
  } catch (err) {
    if (published) await removeQuietly(published, manifestPathFor(published));
    const failure = toAcodeError(err, 'ACODE-BAK-001', `backing up ${source.location}`, { file: source.location });
    // "Free some space" misleads when the gzip alone would fit: say what the staged copy needs.
    if (gzTmp && failure.code === 'ACODE-BAK-009' && failure.hint === ERRORS['ACODE-BAK-009'].hint) {
      const size = await stat(source.location).then((s) => ` (${formatBytes(s.size)})`, () => '');
      throw new AcodeError(failure.code, failure.detail, {
        cause: err,
        context: failure.context,
        hint: `a compressed backup is first copied in full into ${dir}${size}, then gzipped beside it: it needs room for both; free space there, choose another folder with --output-dir, or back up without --compress`,
      });
    }
    throw failure;
  } finally {
    await removeQuietly(rawTmp, gzTmp);
  }
}

/**
 * Rotation after a backup: its folder pruned by `backup.max_backups` and `keep_days` (or the
 * backup's own `keep`/`keepDays`), the backup
 * itself (and backups of other databases) protected. A failure is returned, not thrown: the
 * backup stands whatever happens here.
 */
export async function rotateBackups(
  options: RunOptions & Pick<BackupOptions, 'keep' | 'keepDays'> & { readonly config: AcodeConfig; readonly path: string; readonly manifest: BackupManifest; readonly now?: () => Date },
): Promise<Pick<BackupResult, 'rotation' | 'rotationError'>> {
  const { config, manifest } = options;
  try {
    const rotation = await stage(
      options,
      { stage: 'rotate', label: 'Old backups rotated' },
      () =>
        pruneBackups({
          dir: path.dirname(options.path),
          // Sizes only: the backup just made was checked in full, and it is kept whatever happens.
          checksums: false,
          policy: {
            keep: options.keep ?? config.backup.maxBackups,
            keepDays: options.keepDays ?? config.backup.keepDays,
            now: (options.now ?? (() => new Date()))(),
            protect: path.basename(options.path),
            source: { type: manifest.database.type, location: manifest.database.source },
          },
        }),
      (r) => `${r.removed.length} removed, ${r.kept.length} kept`,
    );
    // What could not be removed is named; the rest of the rotation stands.
    const [first, ...more] = rotation.failed;
    const rotationError = first ? (more.length ? new AcodeError(first.code, `${first.detail} (and ${more.length} more)`, { cause: first, context: first.context }) : first) : null;
    return { rotation, rotationError };
  } catch (err) {
    return { rotation: null, rotationError: toAcodeError(err, 'ACODE-BAK-001', 'rotating old backups') };
  }
}

interface GzipDigests {
  readonly raw: { sha256: string; size: number };
  readonly stored: { sha256: string; size: number };
}

/** Streams a file through gzip into another, hashing the bytes on both sides as they pass. */
async function gzipFile(
  from: string,
  to: string,
  options: RunOptions,
  update: (event: { bytes: number; totalBytes: number }) => void,
): Promise<GzipDigests> {
  const totalBytes = (await stat(from)).size;
  const rawTap = createHashTap();
  const storedTap = createHashTap();
  const output = createWriteStream(to, { flags: 'wx', mode: 0o600 });
  const timer = setInterval(() => update({ bytes: rawTap.bytes, totalBytes }), 200);
  try {
    await pipeline(
      createReadStream(from, { highWaterMark: 1 << 20 }),
      rawTap,
      createGzip({ level: GZIP_LEVEL, chunkSize: 1 << 16, flush: zlib.Z_NO_FLUSH }),
      storedTap,
      output,
      { signal: options.signal },
    );
  } finally {
    clearInterval(timer);
  }
  update({ bytes: totalBytes, totalBytes });
  await fsyncFile(to);
  const raw = rawTap.digest();
  const stored = storedTap.digest();
  return { raw: { sha256: raw.sha256, size: raw.bytes }, stored: { sha256: stored.sha256, size: stored.bytes } };
}
