import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dataset } from './dataset.js';
import { sq, type CommandSpec } from './measure.js';
import type { PgDataset } from './postgres.js';
import { sedArgs } from './sed-redact.js';

export interface OpContext {
  readonly data: Dataset;
  /** The compiled CLI under test and the node that runs it. */
  readonly cli: string;
  readonly node: string;
  /** The node flags of the CLI's shebang, so the bench runs it as `acode` runs for a user. */
  readonly nodeFlags: readonly string[];
  /** A backup made once by `acode db backup`, for verify and restore; null until made. */
  backupFile: string | null;
  /** The dataset copied into PostgreSQL, for the pg-* operations; null without a server. */
  pg: PgDataset | null;
}

export interface Side {
  /** What it does, for the notes under the table. */
  readonly does: string;
  /** Untimed set-up in the run's fresh folder (e.g. the live database a restore overwrites). */
  readonly prepare?: (run: string) => Promise<void>;
  readonly command: (run: string) => CommandSpec;
}

export interface Operation {
  readonly name: string;
  readonly ours: Side;
  readonly peer: Side;
  /** Target for median(ours) / median(peer), or null when the issue sets none. */
  readonly ratioTarget: number | null;
  /** Rows the operation handles, for rows/s; null when not meaningful. */
  readonly rows: number | null;
  /** Bytes it reads, for MB/s: the database file unless given (a one-table operation: that table's pages). */
  readonly bytes?: number;
  /** Files read by both sides, read once before each run so the page cache is warm for both. */
  readonly inputs: (ctx: OpContext) => string[];
  readonly needsBackup?: boolean;
}

export const OPERATION_NAMES = [
  'backup', 'verify', 'restore',
  'export-json', 'export-ndjson', 'export-csv', 'export-csv-floor', 'export-sqlite',
  'export-json-redacted', 'export-ndjson-redacted', 'export-csv-redacted', 'export-sqlite-redacted', 'export-csv-gzip-stdout',
] as const;
export const PG_OPERATION_NAMES = ['pg-backup', 'pg-export-csv'] as const;

/** The flags after `node` on the CLI's shebang (`#!/usr/bin/env -S node --flag …`): the bench runs the CLI with them, as `acode` runs. */
export function shebangNodeFlags(firstLine: string): string[] {
  const m = /^#!\S*env(?:\s+-S)?\s+node\b(.*)$/.exec(firstLine);
  return m ? m[1]!.trim().split(/\s+/).filter(Boolean) : [];
}

/** Memory ceiling for every operation (issue 5). */
export const MEMORY_TARGET_BYTES = 150e6;
/** Peak memory at the larger size over the smaller one (issue 5: within 10%). */
export const SCALING_TARGET = 1.1;

/** The bare Node exporter compiled next to this file (bench/floor-csv.ts). */
const FLOOR_CSV = fileURLToPath(new URL('./floor-csv.js', import.meta.url));

/** bash rather than sh only for pipefail: a failing first stage must not pass as gzip's success. */
const sh = (cwd: string, script: string): CommandSpec => ({ file: '/bin/bash', args: ['-o', 'pipefail', '-c', script], cwd });

export function createOperations(ctx: OpContext): Operation[] {
  const { data } = ctx;
  const db = data.file;
  const acode = (run: string, args: readonly string[], database: string | null = db): CommandSpec => ({
    file: ctx.node, args: [...ctx.nodeFlags, ctx.cli, ...args, ...(database ? ['--database', database] : []), '--quiet'], cwd: run,
  });
  const acodeLine = (args: readonly string[]): string => [ctx.node, ...ctx.nodeFlags, ctx.cli, ...args, '--database', db, '--quiet'].map(sq).join(' ');
  const sqlite = (run: string, args: readonly string[], stdoutTo?: string): CommandSpec => ({ file: 'sqlite3', args: [...args], cwd: run, stdoutTo });
  const selects = data.tables.map((t) => `SELECT * FROM "${t.replaceAll('"', '""')}"`);
  const allRows = data.totalRows;
  const onlyDb = (): string[] => [db];
  const backup = (): string => {
    if (!ctx.backupFile) throw new Error('the shared backup was not made');
    return ctx.backupFile;
  };
  const exportOp = (name: string, format: string, output: string, ratioTarget: number | null, peer: Side): Operation => ({
    name, ratioTarget, rows: allRows, inputs: onlyDb, peer,
    ours: {
      does: `acode export ${format}, no redaction`,
      command: (run) => acode(run, ['db', 'export', '--format', format, '--no-redact', '--output', path.join(run, output)]),
    },
  });
  const redactedOp = (name: string, format: string, output: string, ratioTarget: number | null, peer: Side): Operation => ({
    name, ratioTarget, rows: allRows, inputs: onlyDb, peer,
    ours: {
      does: `acode export ${format} with the default redaction (rules, column rules, leak scan)`,
      command: (run) => acode(run, ['db', 'export', '--format', format, '--output', path.join(run, output)]),
    },
  });
  const sqliteJson: Side = {
    does: 'sqlite3 -json, every table into one file',
    command: (run) => sqlite(run, ['-json', db, ...selects], path.join(run, 'export.json')),
  };
  const sqliteCsv: Side = {
    does: 'sqlite3 -csv -header, one file per table (.output), one process',
    command: (run) => sqlite(run, ['-csv', '-header', db, ...data.tables.flatMap((t, i) => [`.output ${sq(path.join(run, `${t}.csv`))}`, selects[i]!])]),
  };

  return [
    {
      name: 'backup', ratioTarget: 1.5, rows: allRows, inputs: onlyDb,
      ours: { does: 'online copy to a temporary file, sha256, quick_check, row counts, manifest, rename', command: (run) => acode(run, ['db', 'backup', '--output-dir', path.join(run, 'backups')]) },
      peer: { does: 'sqlite3 .backup, sha256sum, sqlite3 PRAGMA quick_check', command: (run) => sh(run, `sqlite3 ${sq(db)} ".backup x.db" && sha256sum x.db && sqlite3 x.db "PRAGMA quick_check"`) },
    },
    {
      name: 'verify', ratioTarget: 1.5, rows: allRows, needsBackup: true, inputs: () => [backup()],
      ours: { does: 'manifest, sha256, quick_check, tables and row counts against the manifest', command: (run) => acode(run, ['db', 'backup', 'verify', backup()], null) },
      peer: { does: 'sha256sum, sqlite3 PRAGMA quick_check', command: (run) => sh(run, `sha256sum ${sq(backup())} && sqlite3 ${sq(backup())} "PRAGMA quick_check"`) },
    },
    {
      name: 'restore', ratioTarget: null, rows: allRows, needsBackup: true, inputs: () => [backup()],
      ours: {
        does: 'checksum and quick_check of the backup, safety backup of the live database, copy of every table into it in one transaction, check afterwards',
        prepare: (run) => copyFile(db, path.join(run, 'live.db')),
        command: (run) => acode(run, ['db', 'restore', backup(), '--yes'], path.join(run, 'live.db')),
      },
      peer: {
        does: 'sqlite3 .restore over the live database (no checksum, no safety copy, no check)',
        prepare: (run) => copyFile(db, path.join(run, 'live.db')),
        command: (run) => sqlite(run, [path.join(run, 'live.db'), `.restore ${sq(backup())}`]),
      },
    },
    exportOp('export-json', 'json', 'export.json', 1.5, sqliteJson),
    exportOp('export-ndjson', 'ndjson', 'export.ndjson', null, { ...sqliteJson, does: 'sqlite3 -json, every table into one file (sqlite3 has no NDJSON mode; -json is the nearest)' }),
    exportOp('export-csv', 'csv', 'export', 1.5, sqliteCsv),
    {
      // Not acode: the ratio export-csv could reach with Node and better-sqlite3 and nothing else.
      name: 'export-csv-floor', ratioTarget: null, rows: allRows, inputs: onlyDb, peer: sqliteCsv,
      ours: {
        does: 'not acode: a bare Node script (bench/floor-csv.ts) with better-sqlite3, acode\'s CSV encoder, sha256 and fsync, and nothing else',
        command: (run) => ({ file: ctx.node, args: [FLOOR_CSV, db, path.join(run, 'export')], cwd: run }),
      },
    },
    exportOp('export-sqlite', 'sqlite', 'export.db', null, {
      does: "sqlite3 VACUUM INTO (a fresh compact copy of every table; the nearest to a SQLite export)",
      command: (run) => sqlite(run, [db, `VACUUM INTO '${path.join(run, 'export.db').replaceAll("'", "''")}'`]),
    }),
    {
      name: 'export-json-redacted', ratioTarget: 1.25, rows: allRows, inputs: onlyDb,
      ours: {
        does: 'acode export json with the default redaction (rules, column rules, leak scan)',
        command: (run) => acode(run, ['db', 'export', '--format', 'json', '--output', path.join(run, 'export.json')]),
      },
      peer: {
        does: 'sqlite3 -json | sed -E with 13 token patterns (bench/sed-redact.ts)',
        command: (run) => sh(run, `sqlite3 -json ${sq(db)} ${selects.map(sq).join(' ')} | sed ${sedArgs().map(sq).join(' ')} > export.json`),
      },
    },
    redactedOp('export-ndjson-redacted', 'ndjson', 'export.ndjson', null, {
      does: 'sqlite3 -json | sed -E with 13 token patterns (sqlite3 has no NDJSON mode; the same pipeline as for JSON)',
      command: (run) => sh(run, `sqlite3 -json ${sq(db)} ${selects.map(sq).join(' ')} | sed ${sedArgs().map(sq).join(' ')} > export.ndjson`),
    }),
    redactedOp('export-csv-redacted', 'csv', 'export', 1.25, {
      does: 'sqlite3 -csv -header | sed -E with 13 token patterns, one file per table',
      command: (run) => sh(run, data.tables.map((t, i) => `sqlite3 -csv -header ${sq(db)} ${sq(selects[i]!)} | sed ${sedArgs().map(sq).join(' ')} > ${sq(`${t}.csv`)}`).join(' && ')),
    }),
    redactedOp('export-sqlite-redacted', 'sqlite', 'export.db', null, {
      does: 'sqlite3 VACUUM INTO (a copy, not redacted: there is no sed for a database file, so the ratio compares unlike work and has no target)',
      command: (run) => sqlite(run, [db, `VACUUM INTO '${path.join(run, 'export.db').replaceAll("'", "''")}'`]),
    }),
    ...(ctx.pg ? [pgBackup(ctx, ctx.pg), pgExportCsv(ctx, ctx.pg)] : []),
    {
      name: 'export-csv-gzip-stdout', ratioTarget: null, rows: data.rows['conv_messages'] ?? null, bytes: data.tableBytes['conv_messages'], inputs: onlyDb,
      ours: {
        does: 'acode export csv of conv_messages to stdout, no redaction, | gzip',
        command: (run) => sh(run, `${acodeLine(['db', 'export', '--format', 'csv', '--tables', 'conv_messages', '--no-redact'])} | gzip > out.csv.gz`),
      },
      peer: {
        does: 'sqlite3 -csv -header of conv_messages | gzip',
        command: (run) => sh(run, `sqlite3 -csv -header ${sq(db)} "SELECT * FROM conv_messages" | gzip > out.csv.gz`),
      },
    },
  ];
}

/** A run folder that is a PostgreSQL workspace: its config names the type, the URL comes from the environment. */
async function postgresWorkspace(run: string): Promise<void> {
  await mkdir(path.join(run, '.agent'));
  await writeFile(path.join(run, '.agent', 'config.yml'), 'database:\n  type: postgres\n');
}

const acodeOnPg = (ctx: OpContext, pg: PgDataset, run: string, args: readonly string[]): CommandSpec => ({
  file: ctx.node, args: [...ctx.nodeFlags, ctx.cli, ...args, '--quiet'], cwd: run, env: { ACODE_DATABASE_URL: pg.url },
});

/** Issue 5: a redacted CSV export at no less than half psql \copy's throughput, i.e. at most 2× its time. */
function pgExportCsv(ctx: OpContext, pg: PgDataset): Operation {
  const table = 'conv_messages';
  return {
    name: 'pg-export-csv', ratioTarget: 2, rows: ctx.data.rows[table] ?? null, bytes: pg.tableBytes[table], inputs: () => [],
    ours: {
      does: `acode export csv of ${table} with the default redaction and leak scan, into a file`,
      prepare: postgresWorkspace,
      command: (run) => acodeOnPg(ctx, pg, run, ['db', 'export', '--format', 'csv', '--tables', table, '--output', path.join(run, 'out.csv')]),
    },
    peer: {
      does: `psql \\copy ${table} to stdout csv header, into a file (no redaction)`,
      command: (run) => ({
        file: pg.psql, args: ['-X', '-q', `--dbname=${pg.shownUrl}`, '-c', `\\copy ${table} to stdout csv header`], cwd: run,
        stdoutTo: path.join(run, 'out.csv'), env: { PGPASSWORD: pg.password },
      }),
    },
  };
}

/** acode's PostgreSQL backup against bare pg_dump -Fc into a file, both on the same server. */
function pgBackup(ctx: OpContext, pg: PgDataset): Operation {
  return {
    name: 'pg-backup', ratioTarget: 1.1, rows: ctx.data.totalRows, inputs: () => [],
    ours: {
      does: 'pg_dump -Fc -Z1 (acode\'s default level) in an exported snapshot with row counts taken in it, sha256, pg_restore --list check, manifest, rename',
      prepare: postgresWorkspace,
      command: (run) => acodeOnPg(ctx, pg, run, ['db', 'backup', '--output-dir', path.join(run, 'backups')]),
    },
    peer: {
      does: 'pg_dump -Fc into a file at its default compression level 6 (no checksum, no check, no manifest)',
      command: (run) => ({ file: pg.pgDump, args: ['-Fc', '-f', path.join(run, 'x.dump'), `--dbname=${pg.shownUrl}`], cwd: run, env: { PGPASSWORD: pg.password } }),
    },
  };
}
