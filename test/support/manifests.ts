import type { CatalogEntry } from '../../lib/catalog.js';
import type { BackupManifest } from '../../lib/manifest.js';
import { parseBackupName } from '../../lib/naming.js';

/** A well-formed manifest for a backup name, with fields a test can override. */
export function sampleManifest(name: string, overrides: Partial<BackupManifest> = {}): BackupManifest {
  const parsed = parseBackupName(name);
  return {
    format: 'acode-backup-manifest',
    formatVersion: 1,
    toolVersion: '0.1.0',
    createdAt: (parsed?.stamp ?? new Date('2024-01-20T14:30:45Z')).toISOString(),
    kind: parsed?.kind ?? 'manual',
    tag: null,
    database: { type: 'sqlite', source: '/ws/.agent/acode.db', engineVersion: '3.50.0', schemaVersion: 3, pageSize: 4096, pageCount: 10 },
    file: { name, size: 40960, sha256: 'a'.repeat(64) },
    compression: parsed?.compressed ? 'gzip' : 'none',
    uncompressed: parsed?.compressed ? { size: 40960, sha256: 'b'.repeat(64) } : null,
    check: 'quick_check',
    tables: [{ name: 'conv_chats', rows: 3 }],
    ...overrides,
  };
}

/** A catalog entry as scanBackupDir would make it; `manifest: null` for a manifest-less file. */
export function entry(name: string, options: { manifest?: BackupManifest | null; createdAt?: string; dir?: string } = {}): CatalogEntry {
  const parsed = parseBackupName(name);
  if (!parsed) throw new Error(`not a backup name: ${name}`);
  const manifest = options.manifest === undefined ? sampleManifest(name, options.createdAt ? { createdAt: options.createdAt } : {}) : options.manifest;
  return {
    ...parsed,
    path: `${options.dir ?? '/b'}/${name}`,
    size: 40960,
    createdAt: manifest ? new Date(manifest.createdAt) : parsed.stamp,
    manifest,
    manifestError: null,
  };
}
