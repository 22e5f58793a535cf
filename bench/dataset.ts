import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../lib/config.js';
import { seedWorkspace } from '../lib/demo-data.js';
import { migrate } from '../lib/migrate.js';
import { openSqlite, quoteIdent, type SqliteDb } from '../lib/sqlite/open.js';
import { sizeLabel } from './args.js';
import { sha256File } from './files.js';

/** Bumped when the way this file builds a database changes; the generator's own code is hashed too. */
// -2: migrations applied at a fixed time (the same generator now makes the same bytes).
const RECIPE = 'bench-dataset-2 seed=42 messages=200-4000 calibrate=8MB applied_at=2026-01-01';
const CALIBRATION_BYTES = 8e6;

export interface Dataset {
  readonly file: string;
  readonly label: string;
  readonly requestedBytes: number;
  /** Actual file size. */
  readonly bytes: number;
  readonly sha256: string;
  readonly rows: Readonly<Record<string, number>>;
  /** Bytes of each table's own pages (dbstat), for the MB/s of one-table operations. */
  readonly tableBytes: Readonly<Record<string, number>>;
  readonly totalRows: number;
  /** Tables in schema order, without sqlite_* ones. */
  readonly tables: readonly string[];
  /** How it was obtained: generated in this run (with timings) or taken from the cache. */
  readonly source: { readonly kind: 'generated'; readonly seconds: number; readonly calibrationSeconds: number; readonly targetContentBytes: number; readonly kept: boolean } | { readonly kind: 'cached'; readonly checkSeconds: number };
  readonly cleanup: () => Promise<void>;
}

interface Sidecar {
  readonly recipe: string;
  readonly generator: string;
  readonly requestedBytes: number;
  readonly bytes: number;
  readonly sha256: string;
  readonly rows: Record<string, number>;
  /** Absent in sidecars written before it existed: computed then. */
  readonly tableBytes?: Record<string, number>;
  readonly tables: string[];
}

const here = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url));
/** bench/.cache in the source tree, whichever out dir this file was compiled to. */
export const CACHE_DIR = here('../../bench/.cache/');

async function generatorFingerprint(): Promise<string> {
  const hash = createHash('sha256').update(RECIPE);
  for (const file of ['../lib/demo-data.js', '../lib/migrations.js']) hash.update(await readFile(here(file)));
  return hash.digest('hex');
}

const seconds = (since: bigint): number => Number(process.hrtime.bigint() - since) / 1e9;

/**
 * One workspace database: migrate() makes the schema, seedWorkspace() fills it. Journal and
 * fsync are off while filling (a crash only loses a file we would regenerate) and everything is
 * one transaction; at the end the database is put back in WAL mode, as migrate() leaves a live one.
 */
async function build(file: string, targetContentBytes: number): Promise<void> {
  await Promise.all(['', '-wal', '-shm'].map((suffix) => rm(file + suffix, { force: true })));
  const config = parseConfig('', { workspace: path.dirname(file), file: null, databasePath: file, env: {} });
  // A fixed clock: the same generator makes the same bytes, applied_at included.
  await migrate({ config, backup: false, now: () => new Date('2026-01-01T00:00:00Z') });
  const db = openSqlite(file);
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -65536');
    db.transaction(() => seedWorkspace(db, { targetBytes: targetContentBytes }))();
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
}

/** File bytes per byte of message content, measured on a small database built the same way. */
async function calibrate(dir: string): Promise<number> {
  const file = path.join(dir, 'calibration.db');
  await build(file, CALIBRATION_BYTES);
  const { size } = await stat(file);
  await rm(file, { force: true });
  return size / CALIBRATION_BYTES;
}

function describe(file: string): Required<Pick<Sidecar, 'rows' | 'tables' | 'tableBytes'>> {
  const db = openSqlite(file, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid").pluck().all() as string[];
    const rows: Record<string, number> = {};
    for (const t of tables) rows[t] = Number(db.prepare(`SELECT count(*) FROM ${quoteIdent(t)}`).pluck().get());
    return { rows, tables, tableBytes: tableBytes(db, tables) };
  } finally {
    db.close();
  }
}

/** Each table's pages (its b-tree with overflow pages; indexes not counted), from SQLite's dbstat. */
function tableBytes(db: SqliteDb, tables: readonly string[]): Record<string, number> {
  const bytes: Record<string, number> = {};
  for (const t of tables) bytes[t] = Number(db.prepare("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = ? AND aggregate = FALSE").pluck().get(t));
  return bytes;
}

async function readSidecar(file: string): Promise<Sidecar | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Sidecar;
  } catch {
    return null;
  }
}

/**
 * The database for a size: the cached one when its generator and checksum still match (the
 * check also reads it into the page cache), else a new one. With `keep` (the default) a new one is
 * written to the cache (under a temporary name, renamed when complete, sidecar last); with
 * --no-cache, to a temporary folder removed by `cleanup()`.
 */
export async function ensureDataset(requestedBytes: number, keep: boolean, log: (line: string) => void): Promise<Dataset> {
  const label = sizeLabel(requestedBytes);
  const cached = path.join(CACHE_DIR, `${label}.db`);
  const sidecarFile = `${cached}.json`;
  const generator = await generatorFingerprint();
  const noop = async (): Promise<void> => {};

  const sidecar = await readSidecar(sidecarFile);
  if (sidecar && sidecar.recipe === RECIPE && sidecar.generator === generator && sidecar.requestedBytes === requestedBytes) {
    const size = await stat(cached).then((s) => s.size, () => -1);
    if (size === sidecar.bytes) {
      const started = process.hrtime.bigint();
      const sum = await sha256File(cached);
      if (sum === sidecar.sha256) {
        const total = Object.values(sidecar.rows).reduce((a, b) => a + b, 0);
        let perTable = sidecar.tableBytes;
        if (!perTable) {
          // A sidecar from before tableBytes existed: measured once and written back.
          perTable = describe(cached).tableBytes;
          await writeFile(sidecarFile, `${JSON.stringify({ ...sidecar, tableBytes: perTable }, null, 2)}\n`);
        }
        return { file: cached, label, requestedBytes, bytes: size, sha256: sum, rows: sidecar.rows, tableBytes: perTable, totalRows: total, tables: sidecar.tables, source: { kind: 'cached', checkSeconds: seconds(started) }, cleanup: noop };
      }
      log(`cache ${cached}: checksum differs from its sidecar; rebuilding`);
    }
  } else if (sidecar) {
    log(`cache ${cached}: made by another generator or recipe; rebuilding`);
  }

  const dir = keep ? CACHE_DIR : await mkdtemp(path.join(os.tmpdir(), 'acode-bench-data-'));
  await mkdir(dir, { recursive: true });
  const final = keep ? cached : path.join(dir, `${label}.db`);
  const building = path.join(dir, `${label}.db.building`);
  if (keep) await rm(sidecarFile, { force: true });
  log(`generating a ${label} workspace database (${keep ? 'cached in ' + CACHE_DIR : 'temporary (--no-cache)'})...`);
  const calStarted = process.hrtime.bigint();
  const ratio = await calibrate(dir);
  const calibrationSeconds = seconds(calStarted);
  const targetContentBytes = Math.round(requestedBytes / ratio);
  const started = process.hrtime.bigint();
  await build(building, targetContentBytes);
  const genSeconds = seconds(started);
  await rename(building, final);
  const bytes = (await stat(final)).size;
  const sha256 = await sha256File(final);
  const { rows, tables, tableBytes: perTable } = describe(final);
  if (keep) {
    const out: Sidecar = { recipe: RECIPE, generator, requestedBytes, bytes, sha256, rows, tableBytes: perTable, tables };
    await writeFile(sidecarFile, `${JSON.stringify(out, null, 2)}\n`);
  }
  const total = Object.values(rows).reduce((a, b) => a + b, 0);
  return {
    file: final, label, requestedBytes, bytes, sha256, rows, tableBytes: perTable, totalRows: total, tables,
    source: { kind: 'generated', seconds: genSeconds, calibrationSeconds, targetContentBytes, kept: keep },
    cleanup: keep ? noop : () => rm(dir, { recursive: true, force: true }),
  };
}
