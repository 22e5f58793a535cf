import path from 'node:path';
import { AcodeError, describeCause, systemCode } from './errors.js';
import { readBounded, readSmallTextFile } from './fs-read.js';
import { MAX_MANIFEST_BYTES } from './manifest.js';
import type { ExportHeader, TableSchema } from './records.js';

export const EXPORT_MANIFEST_FORMAT = 'acode-export-manifest';
export const EXPORT_MANIFEST_VERSION = 1;
/** The manifest's name inside a CSV folder or a tar bundle. */
export const BUNDLE_MANIFEST_NAME = 'manifest.json';

export interface ExportFileEntry {
  /** Name relative to the export (a file in the folder or bundle), or the export file itself. */
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
  /** The table the file holds, for per-table files. */
  readonly table?: string;
}

/**
 * Beside a single-file export (`<file>.manifest.json`), inside a CSV folder or tar bundle
 * (`manifest.json`), or wherever --manifest says for a stream to stdout.
 */
export interface ExportManifest {
  readonly format: typeof EXPORT_MANIFEST_FORMAT;
  readonly formatVersion: number;
  readonly header: ExportHeader;
  readonly layout: {
    /** `file`: one document; `folder`: one file per table; `tar`: a bundle of them. */
    readonly kind: 'file' | 'folder' | 'tar';
    readonly compression: 'none' | 'gzip';
  };
  /** The definitions of exported tables, so a CSV import can create them. */
  readonly schemas: readonly TableSchema[];
  readonly tables: readonly { readonly name: string; readonly rows: number; readonly dateColumn: string | null; readonly file?: string }[];
  readonly skippedTables: readonly string[];
  readonly redaction: {
    readonly enabled: boolean;
    readonly rules: readonly { readonly name: string; readonly kind: string }[];
    /** Counts per rule, table and column; never a value. */
    readonly summary: unknown;
  };
  /** Checksums of what was written, computed as the bytes streamed past. */
  readonly files: readonly ExportFileEntry[];
}

export function serializeExportManifest(manifest: ExportManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/**
 * An export's metadata as an import relies on it (redaction flag, tables, schema version), or
 * ACODE-IMP-002 naming what is wrong: checked as the header arrives, before anything commits.
 */
export function checkExportHeader(value: unknown, where?: string): ExportHeader {
  const fail = (why: string): AcodeError => new AcodeError('ACODE-IMP-002', `${where ? `${where}: ` : ''}the export's metadata ${why}; export it again`, { context: where ? { file: where } : {} });
  const h = value as Partial<ExportHeader> | null;
  if (!h || typeof h !== 'object' || Array.isArray(h)) throw fail('is not an object');
  if (!h.redaction || typeof h.redaction !== 'object' || typeof h.redaction.enabled !== 'boolean') throw fail('does not say whether it was redacted (redaction.enabled)');
  if (!Array.isArray(h.tables) || !h.tables.every((t) => t && typeof t === 'object' && typeof t.name === 'string' && Number.isSafeInteger(t.rows) && t.rows >= 0)) {
    throw fail('does not list its tables with their row counts');
  }
  if (h.schemaVersion !== null && h.schemaVersion !== undefined && !Number.isSafeInteger(h.schemaVersion)) throw fail('has a schema version that is not a number');
  return h as ExportHeader;
}

export function parseExportManifest(text: string, file: string): ExportManifest {
  const fail = (why: string): AcodeError => new AcodeError('ACODE-IMP-002', `${path.basename(file)}: ${why}`, { context: { file } });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw fail(`manifest is not valid JSON (${describeCause(err)})`);
  }
  const m = value as Partial<ExportManifest> | null;
  if (!m || typeof m !== 'object' || m.format !== EXPORT_MANIFEST_FORMAT) throw fail('not an acode export manifest');
  if (typeof m.formatVersion !== 'number' || m.formatVersion > EXPORT_MANIFEST_VERSION) throw fail(`manifest version ${String(m.formatVersion)} is newer than this tool`);
  if (!Array.isArray(m.files) || !m.files.every((f) => typeof f?.name === 'string' && /^[0-9a-f]{64}$/.test(String(f?.sha256)) && Number.isSafeInteger(f?.bytes))) {
    throw fail('files must list name, bytes and sha256');
  }
  if (!Array.isArray(m.schemas) || !Array.isArray(m.tables) || !m.header || !m.layout) throw fail('header, layout, schemas or tables missing');
  checkExportHeader(m.header, path.basename(file));
  return m as ExportManifest;
}

/** Reads a manifest file; null when it does not exist. */
export async function readExportManifest(file: string): Promise<ExportManifest | null> {
  let text: string;
  try {
    text = await readSmallTextFile(file, MAX_MANIFEST_BYTES);
  } catch (err) {
    if (systemCode(err) === 'ENOENT') return null;
    throw new AcodeError('ACODE-IMP-002', `${file}: ${describeCause(err)}`, { cause: err, context: { file } });
  }
  return parseExportManifest(text, file);
}

/** A bundle's manifest.json entry as text (it is small: read whole, up to 16 MiB). */
export async function entryText(entry: AsyncIterable<Buffer>): Promise<string> {
  const tooLarge = (): AcodeError => new AcodeError('ACODE-IMP-002', `the bundle's ${BUNDLE_MANIFEST_NAME} is larger than ${MAX_MANIFEST_BYTES >> 20} MiB: not an acode manifest`);
  return (await readBounded(entry, MAX_MANIFEST_BYTES, tooLarge)).toString('utf8');
}
