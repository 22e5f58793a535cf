import path from 'node:path';
import { Readable } from 'node:stream';
import type { AcodeConfig, ExportFormat } from './config.js';
import { EXPORT_FORMATS } from './config.js';
import { databaseLabel } from './database-url.js';
import { AcodeError, toAcodeError } from './errors.js';
import { ensureDir } from './fs-atomic.js';
import { checkTargets, manifestPathFor, type ExportTargets } from './export-targets.js';
import { formatNamedBy, freeDefaultPath, resolveLayout, type OutputLayout } from './export-layout.js';
import { EXPORT_MANIFEST_FORMAT, EXPORT_MANIFEST_VERSION, type ExportFileEntry, type ExportManifest } from './export-manifest.js';
import { createSelection, openSnapshot, type Snapshot } from './export-source.js';
import { writeOutput } from './export-writers.js';
import type { RunOptions } from './progress.js';
import { RECORD_HIGH_WATER_MARK, type ExportHeader, type ExportRecord, type ExportSummary, type RowTextFormat, type TableSchema } from './records.js';
import type { ColumnPlan, RedactionPolicy, Redactor, RedactionSummary, TablePlan } from './redaction/index.js';
import { TOOL_VERSION } from './version.js';
import { checkKeys, checkNames, redactSchema, sourceLocation } from './export-redaction.js';
import { checkOptions, RUN_OPTIONS } from './options.js';

export interface ExportOptions extends RunOptions {
  readonly config: AcodeConfig;
  /** Default `export.default_format`. */
  readonly format?: ExportFormat;
  readonly tables?: readonly string[];
  readonly excludeTables?: readonly string[];
  /** ISO 8601 date or date-time; rows at or after it (by each table's date column). */
  readonly since?: string;
  /** ISO 8601 date or date-time; rows before it (a date means through the end of that day). */
  readonly until?: string;
  /** Table definitions only, no rows. */
  readonly schemaOnly?: boolean;
  /** PostgreSQL: how long to wait for another session's lock on a table before failing as busy (ms; default 30 s, PG_LOCK_WAIT_MS). */
  readonly busyTimeoutMs?: number;
  /** A path, '-' for `stdout`, or nothing: stdout when it is not a terminal, else a file in export.path. */
  readonly output?: string;
  /** Where '-' goes; default process.stdout. */
  readonly stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  readonly gzip?: boolean;
  readonly archive?: 'tar';
  /** Default `export.redact_by_default`. */
  readonly redact?: boolean;
  /** Fingerprints of reviewed leak-scan false positives, on top of `export.allow_scan_hits`. */
  readonly allowScanHits?: readonly string[];
  /** Replace an existing output. */
  readonly force?: boolean;
  /** Where to write the manifest of a stream to stdout. */
  readonly manifestFile?: string;
  readonly now?: () => Date;
}

export interface ExportPlan {
  readonly layout: OutputLayout;
  readonly header: ExportHeader;
  readonly tables: readonly { readonly name: string; readonly rows: number; readonly dateColumn: string | null; readonly undated?: number; readonly columns: readonly ColumnPlan[] }[];
  readonly skippedTables: readonly string[];
  /** Where the manifest goes: `<file>.manifest.json`, the --manifest file, manifest.json in the folder; null for stdout without --manifest. */
  readonly manifest: string | null;
  /** Column rules that matched no column of the exported tables. */
  readonly unmatchedRules: readonly string[];
}

export interface ExportResult {
  readonly layout: OutputLayout;
  readonly manifest: ExportManifest;
  /** Where the manifest was written; null for stdout without --manifest. */
  readonly manifestPath: string | null;
  readonly files: readonly ExportFileEntry[];
  readonly redaction: RedactionSummary | null;
}

interface Prepared {
  readonly options: ExportOptions;
  readonly format: ExportFormat;
  readonly snapshot: Snapshot;
  readonly layout: OutputLayout;
  readonly policy: RedactionPolicy | null;
  readonly header: ExportHeader;
  readonly plans: ReadonlyMap<string, TablePlan>;
  /** Table definitions as they go out: through the content rules when redacting (a DEFAULT can hold a key). */
  readonly schemas: ReadonlyMap<string, TableSchema>;
}

/** An export with its snapshot open and its layout decided: look at `plan`, then `run()` or `close()`. */
export interface ExportJob {
  readonly plan: ExportPlan;
  run(): Promise<ExportResult>;
  close(): void;
}

/** Reads the plan of an export without writing anything: tables, counts, paths and what redaction does per column. */
export async function planExport(options: ExportOptions): Promise<ExportPlan> {
  // Aborted before the call: no snapshot is opened (exportDatabase rejects it the same way).
  if (options.signal?.aborted) throw toAcodeError(options.signal.reason, 'ACODE-EXP-001', 'planning the export');
  const prepared = await prepare(options, 'planExport');
  prepared.snapshot.close();
  // The same checks of the output as a real run, without creating anything: a plan the run would refuse is no plan.
  await checkTargets(targetsOf(prepared, path.resolve(options.config.export.path)));
  return toPlan(prepared);
}

/** Exports the database: `openExport(options)` then `run()`. */
export async function exportDatabase(options: ExportOptions): Promise<ExportResult> {
  return (await open(options, 'exportDatabase')).run();
}

/**
 * Opens the snapshot and decides the layout. `run()` then exports as one stream pipeline: row
 * source (the snapshot) → redaction → format serializer → leak scan → optional gzip/tar →
 * hashing sink, and writes the manifest last. Nothing is at a final name until it is complete; a
 * failure or abort removes everything written. The snapshot is released when `run()` settles.
 */
export async function openExport(options: ExportOptions): Promise<ExportJob> {
  return open(options, 'openExport');
}

async function open(options: ExportOptions, call: string): Promise<ExportJob> {
  const prepared = await prepare(options, call);
  try {
    // Not for --plan: the plan is where the user finds the table the refusal points at.
    if (prepared.policy) checkNames(prepared.policy, prepared.snapshot.tables.map((t) => t.schema));
    if (prepared.policy && !prepared.options.config.export.pseudonymize) checkKeys(prepared.plans, prepared.snapshot.tables);
    await claimTargets(prepared);
  } catch (err) {
    prepared.snapshot.close();
    throw err;
  }
  const plan = toPlan(prepared);
  let closed = false;
  const close = (): void => {
    if (!closed) prepared.snapshot.close();
    closed = true;
  };
  return {
    plan,
    close,
    run: async () => {
      if (closed) throw new AcodeError('ACODE-USE-001', 'this export job has run or was closed: open another with openExport()');
      try {
        return await run(prepared);
      } finally {
        close();
      }
    },
  };
}

async function run(prepared: Prepared): Promise<ExportResult> {
  const { options, snapshot, layout, policy, header } = prepared;
  const redactor = policy?.createRedactor() ?? null;
  const reading: { table: string | null } = { table: null };
  const writing: { table: string | null } = { table: null };
  const totalRows = snapshot.tables.reduce((n, t) => n + t.rows, 0);
  const summary: ExportSummary = {
    rows: totalRows,
    // Read when the summary is written: by then every row has been through the redactor.
    get redaction() {
      return redactor?.summary() ?? null;
    },
  };
  try {
    const written = await writeOutput({
      layout,
      header,
      snapshot,
      records: (rowText) => Readable.from(allRecords(header, snapshot, prepared.schemas, summary, rowText, reading), { objectMode: true, highWaterMark: RECORD_HIGH_WATER_MARK }),
      redact: redactor && policy ? { policy, redactor } : null,
      allowScanHits: [...options.config.export.allowScanHits, ...(options.allowScanHits ?? [])],
      force: Boolean(options.force),
      stdout: options.stdout ?? process.stdout,
      manifestFile: options.manifestFile ? path.resolve(options.manifestFile) : null,
      buildManifest: (files) => buildManifest(prepared, files, redactor),
      signal: options.signal,
      onProgress: options.onProgress,
      writing,
    });
    return { layout, manifest: written.manifest, manifestPath: written.manifestPath, files: written.manifest.files, redaction: redactor?.summary() ?? null };
  } catch (err) {
    // A table being exported when it failed is named: the one the SQLite writer was at, else the
    // one being read (a few batches ahead of the bytes written).
    const table = writing.table ?? reading.table ?? undefined;
    // A name acode chose, taken by another export at the same moment: --force would replace that one.
    if (options.output === undefined && err instanceof AcodeError && err.code === 'ACODE-EXP-007') {
      throw new AcodeError('ACODE-EXP-007', `${layout.path}: another export took this name at the same moment`, {
        cause: err,
        context: { file: layout.path ?? undefined },
        hint: 'run the export again: it takes the next free name',
      });
    }
    throw toAcodeError(err, 'ACODE-EXP-001', `export to ${layout.path ?? 'standard output'}${table ? `, table ${table}` : ''}`, { file: layout.path ?? undefined, ...(table ? { table } : {}) });
  }
}

/**
 * Before any work (and before the CLI prints a line of it): the configured export folder is made
 * when it is the one written to; every path the export writes is checked (lib/export-targets.ts).
 * The sinks refuse an existing file again at the rename, atomically.
 */
async function claimTargets(prepared: Prepared): Promise<void> {
  const { options, layout } = prepared;
  // The export folder of the config is ours to create; any other folder must already exist.
  if (layout.path && path.dirname(layout.path) === path.resolve(options.config.export.path)) await ensureDir(path.dirname(layout.path));
  await checkTargets(targetsOf(prepared));
}

function targetsOf({ options, layout }: Prepared, creates?: string): ExportTargets {
  return {
    layout,
    force: Boolean(options.force),
    manifestFile: options.manifestFile ? path.resolve(options.manifestFile) : null,
    source: options.config.database.type === 'sqlite' ? options.config.database.path : null,
    ...(creates ? { creates } : {}),
  };
}

async function prepare(options: ExportOptions, call: string): Promise<Prepared> {
  checkOptions<ExportOptions>(call, 'ExportOptions', options, {
    ...RUN_OPTIONS,
    config: { kind: 'config', required: true },
    format: 'string',
    tables: 'strings',
    excludeTables: 'strings',
    since: 'string',
    until: 'string',
    schemaOnly: 'boolean',
    busyTimeoutMs: 'number',
    output: 'string',
    stdout: 'writable',
    gzip: 'boolean',
    archive: ['tar'],
    redact: 'boolean',
    allowScanHits: 'strings',
    force: 'boolean',
    manifestFile: 'string',
    now: 'function',
  });
  const { config } = options;
  // Without --format, an output named x.ndjson.gz, x.csv or x.db says which (before the config's default).
  const format = options.format ?? formatNamedBy(options.output) ?? config.export.defaultFormat;
  if (!EXPORT_FORMATS.includes(format)) {
    throw new AcodeError('ACODE-EXP-006', `unknown format '${String(format)}'; formats: ${EXPORT_FORMATS.join(', ')}`);
  }
  const selection = createSelection({ ...options, dateColumns: config.export.dateColumns, locate: config.locate });
  const redact = options.redact ?? config.export.redactByDefault;
  // The rules are compiled only for a redacted export: a plain one does not load them.
  const policy = redact
    ? (await import('./redaction/index.js')).compileRedaction({
        patterns: config.export.redactionPatterns,
        defaultRules: config.export.defaultRules,
        redactPaths: config.export.redactPaths,
        redactEmails: config.export.redactEmails,
        placeholder: config.export.placeholder,
        pseudonymize: config.export.pseudonymize,
        locate: config.locate,
      })
    : null;
  const snapshot = await openSnapshot(config, selection, options.busyTimeoutMs);
  try {
    const now = (options.now ?? (() => new Date()))();
    const stdout = options.stdout ?? process.stdout;
    let layout = resolveLayout({
      format,
      output: options.output,
      gzip: options.gzip,
      archive: options.archive,
      tableCount: snapshot.tables.length,
      stdoutIsTTY: Boolean(stdout.isTTY),
      defaultDir: config.export.path,
      stamp: now,
    });
    // A name acode chose is never a reason to fail: a second export in the same second gets _2.
    if (options.output === undefined && layout.path !== null) {
      const free = await freeDefaultPath(config.export.path, format, now, { archive: layout.archive, gzip: layout.gzip, perTable: layout.kind === 'folder' });
      layout = { ...layout, path: free };
    }
    const plans = new Map(snapshot.tables.map((t) => [t.schema.name, policy ? policy.plan(t.schema) : keepAll(t.schema.name, t.schema.columns.map((c) => c.name))]));
    const header: ExportHeader = {
      format: 'acode-export',
      formatVersion: EXPORT_MANIFEST_VERSION,
      createdAt: now.toISOString(),
      toolVersion: TOOL_VERSION,
      schemaVersion: snapshot.schemaVersion,
      // A redacted export says where it came from without naming the user's home folder.
      source: { type: config.database.type, location: policy ? sourceLocation(policy, databaseLabel(config.database)) : databaseLabel(config.database) },
      exportFormat: format,
      filters: {
        tables: selection.tables,
        excludeTables: selection.excludeTables,
        since: selection.since?.toISOString() ?? null,
        until: selection.until?.toISOString() ?? null,
        schemaOnly: selection.schemaOnly,
      },
      snapshot: snapshot.info,
      redaction: { enabled: policy !== null, rules: (policy?.rules ?? []).map((r) => ({ name: r.name, kind: r.kind })) },
      tables: snapshot.tables.map((t) => ({ name: t.schema.name, rows: t.rows, dateColumn: t.dateColumn, ...(t.sequence === undefined ? {} : { sequence: t.sequence }) })),
    };
    const schemas = new Map(snapshot.tables.map((t) => [t.schema.name, policy ? redactSchema(policy, t.schema) : t.schema]));
    return { options, format, snapshot, layout, policy, header, plans, schemas };
  } catch (err) {
    snapshot.close();
    throw err;
  }
}

function keepAll(table: string, columns: readonly string[]): TablePlan {
  return { table, columns: columns.map((column) => ({ column, action: 'keep', reason: 'redaction off' })) };
}

function toPlan(prepared: Prepared): ExportPlan {
  const { snapshot, layout, header, policy, plans } = prepared;
  return {
    layout,
    header,
    tables: snapshot.tables.map((t) => ({
      name: t.schema.name,
      rows: t.rows,
      dateColumn: t.dateColumn,
      ...(t.undated ? { undated: t.undated } : {}),
      columns: plans.get(t.schema.name)!.columns,
    })),
    skippedTables: snapshot.skipped,
    manifest: manifestPathFor(layout, prepared.options.manifestFile ? path.resolve(prepared.options.manifestFile) : null),
    unmatchedRules: policy ? policy.unmatchedColumnRules(snapshot.tables.map((t) => t.schema)) : [],
  };
}

async function* allRecords(
  header: ExportHeader,
  snapshot: Snapshot,
  schemas: ReadonlyMap<string, TableSchema>,
  summary: ExportSummary,
  rowText: RowTextFormat | undefined,
  reading: { table: string | null },
): AsyncGenerator<ExportRecord> {
  yield { kind: 'header', header };
  for await (const record of snapshot.records({ rowText })) {
    if (record.kind === 'table') reading.table = record.table.name;
    else if (record.kind === 'table-end') reading.table = null;
    yield record.kind === 'table' ? { ...record, table: schemas.get(record.table.name) ?? record.table } : record;
  }
  yield { kind: 'summary', summary };
}

function buildManifest(prepared: Prepared, files: readonly ExportFileEntry[], redactor: Redactor | null): ExportManifest {
  const { header, layout, snapshot, policy } = prepared;
  return {
    format: EXPORT_MANIFEST_FORMAT,
    formatVersion: EXPORT_MANIFEST_VERSION,
    header,
    layout: { kind: layout.archive ? 'tar' : layout.kind === 'folder' ? 'folder' : 'file', compression: layout.gzip ? 'gzip' : 'none' },
    schemas: snapshot.tables.map((t) => prepared.schemas.get(t.schema.name) ?? t.schema),
    tables: snapshot.tables.map((t) => ({ name: t.schema.name, rows: t.rows, dateColumn: t.dateColumn, file: files.find((f) => f.table === t.schema.name)?.name })),
    skippedTables: snapshot.skipped,
    redaction: { enabled: policy !== null, rules: header.redaction.rules, summary: redactor?.summary() ?? null },
    files,
  };
}

