/**
 * What an export may write over, decided before any work: every path it will write (the output,
 * its `<file>.manifest.json`, a `--manifest` file) is refused when it exists, unless `--force`;
 * and even with `--force` only an earlier export is replaced — never the database being
 * exported (or its journal), never a folder that holds anything but an export.
 */
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { AcodeError, systemCode } from './errors.js';
import type { OutputLayout } from './export-layout.js';
import { BUNDLE_MANIFEST_NAME, readExportManifest, type ExportManifest } from './export-manifest.js';

export interface ExportTargets {
  readonly layout: OutputLayout;
  readonly force: boolean;
  /** --manifest, resolved; null when not given. */
  readonly manifestFile: string | null;
  /** The SQLite database being exported; null for PostgreSQL. */
  readonly source: string | null;
  /** A folder the export creates when missing (the config's export folder): not required to exist. */
  readonly creates?: string;
}

/** Where an export's manifest goes: `<file>.manifest.json`, manifest.json in the folder, or --manifest (null: none, for stdout). */
export function manifestPathFor(layout: OutputLayout, manifestFile: string | null): string | null {
  if (layout.kind === 'folder') return path.join(layout.path!, BUNDLE_MANIFEST_NAME);
  if (layout.kind === 'file') return `${layout.path!}.manifest.json`;
  return manifestFile;
}

/** The paths an export writes: the output, then its manifest when that is a file of its own. */
function targetPaths(layout: OutputLayout, manifestFile: string | null): string[] {
  if (layout.kind === 'folder') return [layout.path!];
  const manifest = manifestPathFor(layout, manifestFile);
  return [...(layout.path ? [layout.path] : []), ...(manifest ? [manifest] : [])];
}

/** --manifest names where a stream's manifest goes: a file or folder export writes its own (ACODE-EXP-006). */
export function checkManifestOption(layout: OutputLayout, manifestFile: string | null | undefined): void {
  if (manifestFile && layout.kind !== 'stdout') {
    throw new AcodeError('ACODE-EXP-006', `--manifest is for an export to standard output; this one writes its manifest ${layout.kind === 'file' ? `beside it, as ${path.basename(layout.path!)}.manifest.json` : `into ${layout.path}`}`);
  }
}

export async function checkTargets(targets: ExportTargets): Promise<void> {
  const { layout, force, manifestFile } = targets;
  checkManifestOption(layout, manifestFile);
  const source = targets.source ? await sourceFiles(targets.source) : new Set<string>();
  for (const target of targetPaths(layout, manifestFile)) {
    const info = await lstat(target).catch((err: unknown) => {
      if (systemCode(err) === 'ENOENT') return null;
      throw err;
    });
    if (!info) {
      if (path.dirname(target) !== targets.creates) await checkFolder(path.dirname(target));
      continue;
    }
    if (!force) {
      // `--output outdir/` for a one-file export: --force, which the usual hint offers, would refuse a folder too.
      if (info.isDirectory() && layout.kind === 'file' && target === layout.path) {
        throw new AcodeError('ACODE-EXP-007', `${target} is a folder, and this export is one file`, {
          context: { file: target },
          hint: `give --output the file to write: a name inside ${path.basename(target)}/, or elsewhere`,
        });
      }
      throw new AcodeError('ACODE-EXP-007', `${target} exists`, { context: { file: target } });
    }
    const real = await realpath(target);
    if ([...source].some((s) => s === real || s.startsWith(`${real}${path.sep}`))) {
      throw refuse(target, `${info.isDirectory() ? 'holds' : 'is'} the database being exported`);
    }
    const folder = layout.kind === 'folder' && target === layout.path;
    if (folder && !info.isDirectory()) throw refuse(target, 'is not a folder');
    if (!folder && !info.isFile()) throw refuse(target, info.isDirectory() ? 'is a folder' : 'is not a regular file');
    if (folder) await checkExportFolder(target);
    else if (target === manifestFile) await checkManifestOf(target, '-', null);
    else if (layout.kind === 'file' && target !== layout.path) await checkManifestOf(target, path.basename(layout.path!), null);
    else await checkManifestOf(`${target}.manifest.json`, path.basename(target), info.size);
  }
}

/**
 * A file is an earlier export when its manifest says so. `manifest` must parse as an acode export
 * manifest listing `name` (the export file it sits beside, or '-' for a stream's manifest given
 * with --manifest); for the export file itself, with the size it was written with (a file edited
 * since is no longer the export). A backup's manifest, a config file or any other file is refused.
 */
async function checkManifestOf(manifest: string, name: string, size: number | null): Promise<void> {
  const entry = (await exportManifestAt(manifest))?.files.find((f) => f.name === name);
  if (size === null) {
    if (!entry) throw refuse(manifest, name === '-' ? 'is not the manifest of an export to standard output' : `is not the export manifest of ${name}`);
    return;
  }
  const target = path.join(path.dirname(manifest), name);
  if (!entry) throw refuse(target, `is not an earlier export (no export manifest ${path.basename(manifest)} lists it)`);
  if (entry.bytes !== size) throw refuse(target, `is not the earlier export ${path.basename(manifest)} lists (${size} bytes, not ${entry.bytes})`);
}

/** The export manifest at `file`, or null when there is none or it is not one (unreadable, not JSON, another format). */
function exportManifestAt(file: string): Promise<ExportManifest | null> {
  return readExportManifest(file).catch(() => null);
}

function refuse(target: string, why: string): AcodeError {
  return new AcodeError('ACODE-EXP-007', `${target} ${why}; --force replaces only an earlier export`, {
    context: { file: target },
    hint: 'choose another --output',
  });
}

/** The database file and the journal files beside it, symlinks resolved (a missing one by its absolute path). */
async function sourceFiles(database: string): Promise<Set<string>> {
  const files = new Set<string>();
  for (const suffix of ['', '-wal', '-shm', '-journal']) {
    files.add(await realpath(database + suffix).catch(() => path.resolve(database + suffix)));
  }
  return files;
}

/** A folder to be replaced must be an export folder: its manifest.json and the files it lists, nothing else. */
async function checkExportFolder(folder: string): Promise<void> {
  const names = await readdir(folder);
  // An empty folder holds nothing to lose (one made for the export).
  if (names.length === 0) return;
  const manifest = await exportManifestAt(path.join(folder, BUNDLE_MANIFEST_NAME));
  if (!manifest) throw refuse(folder, 'is not an export folder (no acode manifest.json in it)');
  const listed = new Set([BUNDLE_MANIFEST_NAME, ...manifest.files.map((f) => f.name)]);
  const others = names.filter((name) => !listed.has(name));
  if (others.length > 0) throw refuse(folder, `holds files that are not part of its export (${others.slice(0, 3).join(', ')}${others.length > 3 ? ', …' : ''})`);
}

/** The folder a new file goes into must exist (the export does not create folders it was not asked to). */
async function checkFolder(folder: string): Promise<void> {
  const info = await stat(folder).catch(() => null);
  if (!info?.isDirectory()) {
    throw new AcodeError('ACODE-EXP-008', `no folder ${folder} to write into`, { context: { file: folder } });
  }
}
