import { closeSync, createReadStream, existsSync, openSync, readSync, statSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { sha256File } from './checksum.js';
import type { ExportFormat } from './config.js';
import { AcodeError, describeCause, isAbort, systemCode } from './errors.js';
import { BUNDLE_MANIFEST_NAME, readExportManifest, type ExportManifest } from './export-manifest.js';
import { EXPORT_META_TABLE } from './sqlite/export-writer.js';
import { openSqlite, type SqliteDb } from './sqlite/open.js';
import { stage, type RunOptions } from './progress.js';

export type ExportKind = 'json' | 'ndjson' | 'csv-file' | 'csv-folder' | 'tar' | 'sqlite';

/** What an export on disk is, and the manifest that vouches for it (a tar's own comes later). */
export interface LocatedExport {
  readonly path: string;
  readonly kind: ExportKind;
  readonly gzip: boolean;
  readonly manifest: ExportManifest | null;
}

const GZIP_MAGIC = 0x1f8b;

/**
 * Why a SQLite export is not the file alone, as its recipient gets it: a -wal or -journal beside
 * it (SQLite would read it with the file, and a connection that may write merge it in, so what is
 * read is not what the checksum vouched for), or WAL mode (reading needs a -wal and -shm beside
 * it). acode writes an export as one file in rollback mode.
 */
export function notOnItsOwn(file: string): string[] {
  const name = path.basename(file);
  const problems: string[] = [];
  const beside = ['-wal', '-journal'].filter((suffix) => existsSync(`${file}${suffix}`)).map((suffix) => `${name}${suffix}`);
  if (beside.length > 0) problems.push(`${beside.join(' and ')} beside it: SQLite would read ${beside.length > 1 ? 'them' : 'it'} with the export, which acode writes as one file (remove ${beside.length > 1 ? 'them' : 'it'}, or export again)`);
  const header = Buffer.alloc(2);
  const fd = openSync(file, 'r');
  try {
    // Bytes 18 and 19: 2 is WAL mode.
    if (readSync(fd, header, 0, 2, 18) === 2 && (header[0] !== 1 || header[1] !== 1)) problems.push(`${name} is in WAL mode; acode writes exports in rollback mode`);
  } finally {
    closeSync(fd);
  }
  return problems;
}

/**
 * A SQLite file must hold the metadata table every SQLite export has: a workspace database or a
 * backup is not an export (ACODE-IMP-002). Checked after its checksum, which fails first when cut.
 */
export function checkSqliteExport(file: string): void {
  const [alone] = notOnItsOwn(file);
  if (alone) throw new AcodeError('ACODE-IMP-002', alone, { context: { file } });
  let db: SqliteDb | null = null;
  try {
    db = openSqlite(file, { readonly: true, role: 'export', notDatabaseCode: 'ACODE-IMP-002' });
    // An export is one self-contained file: shorter than its header's page count, it was cut (with --no-verify, nothing else would notice).
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    const pages = Number(db.pragma('page_count', { simple: true })) * pageSize;
    const size = statSync(file).size;
    if (size < pages || size % pageSize !== 0) {
      throw new AcodeError('ACODE-IMP-002', `${path.basename(file)} is truncated: ${size} bytes, where its pages take ${pages}`, { context: { file } });
    }
    if (db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").pluck().get(EXPORT_META_TABLE) === undefined) {
      throw new AcodeError('ACODE-IMP-002', `${path.basename(file)} is a SQLite database but not an acode export (it has no ${EXPORT_META_TABLE} table); a backup is restored with \`acode db restore\``, {
        context: { file },
      });
    }
  } finally {
    db?.close();
  }
}

/** Works out what an export is from its manifest, its name and its first bytes. */
/**
 * What kind of export `source` is, with its manifest: `<file>.manifest.json` beside a file, or
 * `manifestFile` when given (a stream's manifest written with `export --manifest`).
 */
export async function locateExport(source: string, manifestFile?: string): Promise<LocatedExport> {
  const info = await stat(source).catch((err: unknown) => {
    const code = systemCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new AcodeError('ACODE-IMP-007', `no file or folder ${source}`, { cause: err, context: { file: source } });
    throw new AcodeError('ACODE-IMP-002', `${source}: ${describeCause(err)}`, { cause: err, context: { file: source } });
  });
  // A FIFO or a device named as the export: reading its first bytes would wait for ever.
  if (!info.isDirectory() && !info.isFile()) throw new AcodeError('ACODE-IMP-002', `${source} is not a regular file or a folder`, { context: { file: source } });
  if (info.isDirectory()) {
    if (manifestFile) throw new AcodeError('ACODE-USE-001', `${source} is a folder: its manifest is the ${BUNDLE_MANIFEST_NAME} inside it, not --manifest`, { context: { file: source } });
    const manifest = await readExportManifest(path.join(source, BUNDLE_MANIFEST_NAME));
    if (!manifest) throw new AcodeError('ACODE-IMP-002', `${source} is a folder without ${BUNDLE_MANIFEST_NAME}: not an acode export folder`, { context: { file: source } });
    return { path: source, kind: 'csv-folder', gzip: false, manifest };
  }
  const manifest = await readExportManifest(manifestFile ?? `${source}.manifest.json`);
  if (manifestFile && !manifest) throw new AcodeError('ACODE-IMP-002', `no manifest ${manifestFile}`, { context: { file: manifestFile } });
  const head = await firstBytes(source, 512);
  const gzip = head.length >= 2 && head.readUInt16BE(0) === GZIP_MAGIC;
  const inner = gzip ? await gunzippedHead(source) : head;
  if (inner.length >= 262 && inner.subarray(257, 262).toString('latin1') === 'ustar') return { path: source, kind: 'tar', gzip, manifest };
  if (inner.subarray(0, 16).toString('latin1') === 'SQLite format 3\0') {
    if (gzip) throw new AcodeError('ACODE-IMP-002', `${path.basename(source)}: a gzipped SQLite export; gunzip it first`);
    return { path: source, kind: 'sqlite', gzip, manifest };
  }
  const format = manifest?.header.exportFormat as ExportFormat | undefined;
  // One table as CSV: only its manifest says which table and which column types.
  if (format === 'csv' && manifest?.layout.kind === 'file') return { path: source, kind: 'csv-file', gzip, manifest };
  if (inner.toString('utf8').trimStart().startsWith('{')) {
    if (format === 'json' || format === 'ndjson') return { path: source, kind: format, gzip, manifest };
    if (/\.(ndjson|jsonl)(\.gz)?$/i.test(source)) return { path: source, kind: 'ndjson', gzip, manifest };
    if (/\.json(\.gz)?$/i.test(source)) return { path: source, kind: 'json', gzip, manifest };
    // Both start with {"metadata":…}; only NDJSON's first line is a whole object by itself.
    return { path: source, kind: (await firstLineIsObject(source, gzip)) ? 'ndjson' : 'json', gzip, manifest };
  }
  const csvHint = /\.csv(\.gz)?$/i.test(source) ? `; a CSV file imports only with its ${path.basename(source)}.manifest.json` : '';
  throw new AcodeError('ACODE-IMP-002', `${path.basename(source)} is not an acode export (JSON, NDJSON, CSV, tar bundle or SQLite)${csvHint}`, { context: { file: source } });
}

async function firstLineIsObject(file: string, gzip: boolean): Promise<boolean> {
  let line = '';
  const input = createReadStream(file);
  const text = gzip ? input.pipe(createGunzip()) : input;
  try {
    for await (const chunk of text as AsyncIterable<Buffer>) {
      line += chunk.toString('utf8');
      const nl = line.indexOf('\n');
      if (nl >= 0 || line.length > 1 << 20) {
        line = nl >= 0 ? line.slice(0, nl) : line;
        break;
      }
    }
  } catch {
    return false;
  } finally {
    input.destroy();
  }
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

/** The first `n` bytes of a file (fewer when it is shorter). */
async function firstBytes(file: string, n: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(n);
    const { bytesRead } = await handle.read(buffer, 0, n, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function gunzippedHead(file: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const input = createReadStream(file, { start: 0, end: 64 * 1024 });
  const gunzip = createGunzip();
  try {
    for await (const chunk of input.pipe(gunzip) as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= 512) break;
    }
  } catch {
    // A short read of a gzip stream ends with an error; what was read is all we need.
  } finally {
    input.destroy();
    gunzip.destroy();
  }
  return Buffer.concat(chunks);
}

/** Compares every file the manifest lists with its checksum; a mismatch refuses the import. */
/** `forImport`: the message says the import did not happen; a verify report says nothing of imports. */
/** A name that stays in its folder: no separator, not `.` or `..`, not empty. */
export function isPlainFileName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

export async function checkExportChecksums(source: string, located: LocatedExport, options: RunOptions, forImport = true): Promise<void> {
  const { manifest } = located;
  if (!manifest) {
    throw new AcodeError('ACODE-IMP-002', `${path.basename(source)} has no manifest to check it against (${path.basename(source)}.manifest.json)`, {
      hint: 'a stream saved from `--output -` has its manifest where `--manifest FILE` put it: give that with --manifest FILE; else import only exports with their manifest, or pass --no-verify to import it unchecked',
      context: { file: source },
    });
  }
  const folder = located.kind === 'csv-folder';
  const refuse = (why: string): AcodeError => new AcodeError('ACODE-IMP-002', `${path.basename(source)}: ${why}`, { context: { file: source } });
  // A manifest that lists nothing, or not this file alone, vouches for nothing.
  if (!folder && manifest.files.length !== 1) throw refuse(`its manifest must list this one file, and it lists ${manifest.files.length}`);
  if (folder) {
    const odd = manifest.files.find((f) => !isPlainFileName(f.name));
    if (odd) throw new AcodeError('ACODE-IMP-002', `manifest lists ${JSON.stringify(odd.name)}, which is not a file of the export folder`, { context: { file: source } });
    // Every table has its file among those checked: the import reads no other.
    const names = new Set(manifest.files.map((f) => f.name));
    const bare = manifest.tables.find((t) => !t.file || !names.has(t.file));
    if (bare) throw refuse(`manifest gives table ${bare.name} ${bare.file ? `the file ${JSON.stringify(bare.file)}, which is not one of the folder's checksummed files` : 'no file'}`);
  }
  await stage(options, { stage: 'checksum', label: 'Checksums match the manifest' }, async () => {
    for (const entry of manifest.files) {
      const file = located.kind === 'csv-folder' ? path.join(source, entry.name) : source;
      // A folder's file is read only as a regular file of its own, never through a link (/dev/zero, a FIFO: an endless read).
      const digest = await sha256File(file, { signal: options.signal, regularFile: true, noFollow: folder }).catch((err: unknown) => {
        if (isAbort(err)) throw err;
        throw new AcodeError('ACODE-IMP-002', `${entry.name}: ${describeCause(err)}`, { cause: err, context: { file } });
      });
      if (digest.sha256 !== entry.sha256 || digest.size !== entry.bytes) {
        throw new AcodeError('ACODE-IMP-003', `${entry.name}: sha256 is ${digest.sha256.slice(0, 16)}…, manifest says ${entry.sha256.slice(0, 16)}…${forImport ? '; nothing was imported' : ''}`, { context: { file } });
      }
    }
  });
}

