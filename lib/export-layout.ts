import path from 'node:path';
import type { ExportFormat } from './config.js';
import { AcodeError } from './errors.js';
import { exists } from './fs-atomic.js';
import { utcStamp } from './naming.js';

/** Where and how an export is written; decided before anything is read. */
export interface OutputLayout {
  /** `file`: one document or bundle; `folder`: one file per table plus manifest.json; `stdout`: a stream. */
  readonly kind: 'file' | 'folder' | 'stdout';
  /** The final path (file or folder); null for stdout. */
  readonly path: string | null;
  readonly format: ExportFormat;
  readonly gzip: boolean;
  readonly archive: 'tar' | null;
  /** What the user should know about a choice made for them (printed on stderr). */
  readonly notes: readonly string[];
}

export interface LayoutInput {
  readonly format: ExportFormat;
  /** --output as given: a path, '-' for stdout, or undefined. */
  readonly output?: string;
  readonly gzip?: boolean;
  readonly archive?: 'tar';
  readonly tableCount: number;
  readonly stdoutIsTTY: boolean;
  /** Folder for exports when no --output is given on a terminal (export.path). */
  readonly defaultDir: string;
  readonly stamp: Date;
}

const EXTENSION: Record<ExportFormat, string> = { json: '.json', ndjson: '.ndjson', csv: '.csv', sqlite: '.db' };

/** The format an output's name says (`x.ndjson.gz`, `x.csv`, `x.db`); null when it names none (a .tar, a folder, stdout). */
export function formatNamedBy(output: string | undefined): ExportFormat | null {
  if (!output || output === '-') return null;
  const name = output.replace(/\.gz$/i, '');
  if (/\.(ndjson|jsonl)$/i.test(name)) return 'ndjson';
  if (/\.json$/i.test(name)) return 'json';
  if (/\.csv$/i.test(name)) return 'csv';
  if (/\.(db|sqlite|sqlite3)$/i.test(name)) return 'sqlite';
  return null;
}

export function resolveLayout(input: LayoutInput): OutputLayout {
  const notes: string[] = [];
  const named = formatNamedBy(input.output);
  if (named && named !== input.format) {
    notes.push(`${path.basename(input.output!)} will hold ${input.format === 'sqlite' ? 'a SQLite database' : input.format.toUpperCase()} (--format ${input.format}), not what its name says`);
  }
  const toStdout = input.output === '-' || (input.output === undefined && !input.stdoutIsTTY);
  const given = input.output && input.output !== '-' ? input.output : null;
  let archive: 'tar' | null = input.archive ?? null;
  let gzip = Boolean(input.gzip);
  if (given) {
    if (/\.(tar\.gz|tgz)$/i.test(given)) {
      archive = 'tar';
      gzip = true;
    } else if (/\.tar$/i.test(given)) {
      archive = 'tar';
    } else if (/\.gz$/i.test(given)) {
      gzip = true;
    }
  }
  if (archive && input.format === 'sqlite') {
    throw new AcodeError('ACODE-EXP-006', 'the sqlite format is a single database file; --archive tar applies to json, ndjson and csv');
  }
  // export verify and import open a SQLite export as the database file it is; a gzipped one
  // could pass neither, and gunzipped it no longer matches its manifest.
  if (gzip && input.format === 'sqlite') {
    throw new AcodeError('ACODE-EXP-006', `the sqlite format is a database file and is not gzipped${given && /\.gz$/i.test(given) ? ` (${path.basename(given)})` : ' (--gzip)'}`, {
      hint: 'export to a .db file and check it with `acode db export verify`; gzip is for json, ndjson and csv',
    });
  }
  const perTable = input.format === 'csv' && input.tableCount > 1;
  if (perTable && !archive && (toStdout || gzip)) {
    archive = 'tar';
    notes.push(toStdout
      ? `several tables in CSV: writing a tar stream with one <table>.csv per table and manifest.json (use --tables for one plain CSV)`
      : 'several tables in CSV with --gzip: writing a .tar.gz bundle with one <table>.csv per table');
  }
  const binary = gzip || archive !== null || input.format === 'sqlite';
  if (toStdout) {
    if (input.stdoutIsTTY && (binary || perTable)) {
      throw new AcodeError('ACODE-EXP-006', `refusing to write ${archive ? 'a tar stream' : gzip ? 'gzip data' : input.format === 'sqlite' ? 'a SQLite file' : 'several CSV tables'} to a terminal`, {
        hint: 'give --output FILE, or pipe the output into a file or program',
      });
    }
    return { kind: 'stdout', path: null, format: input.format, gzip, archive, notes };
  }
  let target = given ? path.resolve(given) : path.join(input.defaultDir, defaultExportName(input.format, input.stamp, { archive, gzip, perTable }));
  if (perTable && !archive) {
    if (/\.csv$/i.test(target)) {
      target = target.slice(0, -4);
      notes.push(`several tables in CSV: writing the folder ${path.basename(target)}/ with one <table>.csv per table and manifest.json`);
    }
    return { kind: 'folder', path: target, format: input.format, gzip: false, archive: null, notes };
  }
  if (given) {
    const note = containerNote(given, gzip, archive, input);
    if (note) notes.push(note);
  }
  return { kind: 'file', path: target, format: input.format, gzip, archive, notes };
}

/** A gzip or tar forced onto a name that does not say so (`--gzip -o s.json`): `jq . s.json` would meet binary. */
function containerNote(given: string, gzip: boolean, archive: 'tar' | null, input: LayoutInput): string | null {
  const tarNamed = /\.(tar|tar\.gz|tgz)$/i.test(given);
  const gzNamed = /\.(gz|tgz)$/i.test(given);
  if ((!archive || tarNamed) && (!gzip || gzNamed)) return null;
  const what = archive && gzip ? 'a gzipped tar bundle' : archive ? 'a tar bundle' : 'gzip data';
  const flags = [input.archive ? '--archive tar' : '', input.gzip ? '--gzip' : ''].filter(Boolean).join(' ');
  const better = archive ? `${given.replace(/\.gz$/i, '')}.tar${gzip ? '.gz' : ''}` : `${given}.gz`;
  return `${path.basename(given)} will hold ${what}${flags ? ` (${flags})` : ''}, not what its name says; ${path.basename(better)} would say it`;
}

/** The first default name not taken in `dir` (`_2`, `_3` … after it); `layout` says which kind of name. */
export async function freeDefaultPath(dir: string, format: ExportFormat, stamp: Date, layout: { archive?: 'tar' | null; gzip?: boolean; perTable?: boolean } = {}): Promise<string> {
  for (let seq = 0; seq < 1000; seq++) {
    const candidate = path.join(dir, defaultExportName(format, stamp, { ...layout, seq }));
    if (!(await exists(candidate)) && !(await exists(`${candidate}.manifest.json`))) return candidate;
  }
  throw new AcodeError('ACODE-EXP-007', `no free export name for ${utcStamp(stamp)} in ${dir}`, { context: { file: dir } });
}

/** The name an export gets when no --output names it: `acode_export_YYYYMMDD_HHMMSS[_N].<ext>`. */
export function defaultExportName(format: ExportFormat, stamp: Date, options: { archive?: 'tar' | null; gzip?: boolean; perTable?: boolean; seq?: number } = {}): string {
  const base = `acode_export_${utcStamp(stamp)}${options.seq ? `_${options.seq + 1}` : ''}`;
  if (options.archive) return `${base}_${format}.tar${options.gzip ? '.gz' : ''}`;
  if (options.perTable) return `${base}_csv`;
  return `${base}${EXTENSION[format]}${options.gzip ? '.gz' : ''}`;
}
