import { once } from 'node:events';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Client, QueryResult } from 'pg';
import { AcodeError } from '../errors.js';
import { checkExportHeader } from '../export-manifest.js';
import type { ProgressListener } from '../progress.js';
import { RECORD_HIGH_WATER_MARK, type ExportHeader, type ExportRecord, type SqlValue, type TableSchema } from '../records.js';
import type { ImportMode, LoadedTable } from '../sqlite/import-loader.js';
import { SCHEMA_VERSION_TABLE, versionGapHint, workspaceVersion } from '../sqlite/workspace-schema.js';
import { quotePgIdent } from './connection.js';
import { FOREIGN_KEYS_SQL, KEYS_SQL, TRIGGERS_SQL, type TargetColumn } from './import-catalog.js';
import { copyError, pgLoadError, type UniqueKey } from './import-errors.js';
import { copyText } from './import-sql.js';
import { importTarget } from './import-target.js';
import { keepWorkspace, lockWorkspaceSchema, migrateEmptyPg } from './workspace-schema.js';

export interface PgImportLoaderOptions {
  readonly mode: ImportMode;
  /** Only these tables; null for all in the export. */
  readonly tables: readonly string[] | null;
  readonly onProgress?: ProgressListener;
  /**
   * The export's definitions carry its source's own types (JSON, NDJSON, CSV): a PostgreSQL
   * export's are then PostgreSQL's. A SQLite export holds SQLite's (INTEGER, TEXT…) whatever its
   * source, and its tables are created by their affinity.
   */
  readonly sourceTypes: boolean;
}

/** The table being loaded: its COPY, which export values go into it, and its keys. */
interface Loading {
  readonly schema: TableSchema;
  readonly relation: string;
  readonly expected: number;
  readonly created: boolean;
  /** Export column indexes, in the COPY's column order. */
  readonly take: readonly number[];
  readonly columns: readonly TargetColumn[];
  readonly keys: readonly UniqueKey[];
  /** schema_version appended: rows go to a staging table first and only the versions the target lacks are added. */
  readonly staged: boolean;
  readonly copy: Writable;
  failure: Error | null;
  count: number;
}

/** Rows per COPY write: one string of about this many rows' text. */
const ROWS_PER_WRITE = 256;

/**
 * Loads export records into a PostgreSQL database inside the caller's open transaction: creates
 * missing tables from their exported columns and keys, empties them first in replace mode, and
 * streams each table's rows in with COPY FROM STDIN. As pg_restore's data-only restore with
 * --disable-triggers does, the loaded tables' own triggers do not fire during the load (their work
 * is in the export already), and foreign keys from or to them are dropped for the load and added
 * back by finish(), which checks every row against them. A key clash in append mode is
 * ACODE-IMP-004 naming table and key; the caller rolls everything back on any error.
 */
export class PgImportLoader extends Writable {
  readonly #client: Client;
  readonly #options: PgImportLoaderOptions;
  readonly #loaded: LoadedTable[] = [];
  readonly #foreignKeys = new Map<string, { name: string; child: string; parent: string; definition: string }>();
  readonly #triggers: { relation: string; name: string; table: string }[] = [];
  readonly #begun = new Set<string>();
  #header: ExportHeader | null = null;
  /** The tables the workspace's migrations made for this import (migrateEmptyPg). */
  #migrated: ReadonlySet<string> = new Set();
  #table: Loading | null = null;
  #skipping = false;
  /** Whether the first table loaded has said if the migrations' tables stay (keepWorkspace). */
  #settled = false;

  constructor(client: Client, options: PgImportLoaderOptions) {
    super({ objectMode: true, highWaterMark: RECORD_HIGH_WATER_MARK });
    this.#client = client;
    this.#options = options;
  }

  get loaded(): readonly LoadedTable[] {
    return this.#loaded;
  }

  /** The export's metadata, once its header record has passed. */
  get header(): ExportHeader | null {
    return this.#header;
  }

  override _write(record: ExportRecord, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#apply(record).then(() => callback(), callback);
  }

  /** A load stopped part-way (an error, Ctrl-C): the COPY under way is cancelled, so the caller can roll back. */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const copy = this.#table?.copy;
    this.#table = null;
    // Ended already (CopyDone sent): the server answers it, and the caller's ROLLBACK queues behind that answer.
    if (!copy || copy.destroyed || copy.writableEnded) return callback(error);
    copy.once('close', () => callback(error));
    copy.destroy(error ?? new Error('import stopped'));
  }

  async #apply(record: ExportRecord): Promise<void> {
    switch (record.kind) {
      case 'header':
        this.#header = checkExportHeader(record.header);
        if (isWorkspaceExport(this.#header)) await lockWorkspaceSchema(this.#schemaRun);
        await this.#checkSchemaVersion(this.#header);
        this.#migrated = (await migrateEmptyPg(this.#schemaRun, this.#header)) ?? new Set();
        return;
      case 'table':
        return this.#begin(record.table, record.rows);
      case 'rows':
        return this.#write(record.rows);
      case 'text-rows':
        throw new AcodeError('ACODE-INT-001', `rows of ${record.table} arrived encoded as ${record.format}, not as values`);
      case 'table-end':
        return this.#end();
      default:
        return;
    }
  }

  /**
   * A workspace's export at another schema version than the target's migration record would mix
   * two schemas; another database's export (no workspace tables) is not checked.
   */
  async #checkSchemaVersion(header: ExportHeader): Promise<void> {
    const exported = header.schemaVersion;
    if (exported === null || !isWorkspaceExport(header)) return;
    const has = await this.#client.query("SELECT 1 FROM pg_class WHERE oid = to_regclass('public.schema_version')");
    if (has.rowCount === 0) return;
    const current = (await this.#client.query<{ v: number | null }>(`SELECT max(version)::int AS v FROM public.${quotePgIdent(SCHEMA_VERSION_TABLE)}`)).rows[0]?.v ?? null;
    if (current === null || current === exported) return;
    throw new AcodeError('ACODE-IMP-001', `the export is at schema version ${exported} and the workspace database at ${current}; nothing was imported`, {
      hint: versionGapHint(exported, current, 'import it into a new database, run `acode db migrate` there, export again and import that'),
    });
  }

  /** A statement in the import's transaction, its failure said as the workspace schema's. */
  readonly #schemaRun = (sql: string, values?: readonly unknown[]): Promise<QueryResult> => this.#client.query(sql, values as unknown[]).catch((err: unknown) => Promise.reject(pgLoadError(err, 'the workspace schema')));

  async #begin(schema: TableSchema, expected: number): Promise<void> {
    // One COPY at a time: a second would queue behind the first on the connection for ever.
    if (this.#table) throw new AcodeError('ACODE-IMP-002', `table ${schema.name} begins before table ${this.#table.schema.name} ended: the export was altered`, { context: { table: schema.name } });
    this.#skipping = this.#options.tables !== null && !this.#options.tables.includes(schema.name);
    if (this.#skipping) return;
    if (this.#begun.has(schema.name)) throw new AcodeError('ACODE-IMP-002', `the export holds table ${schema.name} twice: it was altered`, { context: { table: schema.name } });
    this.#begun.add(schema.name);
    if (!this.#settled && this.#migrated.size > 0) {
      this.#settled = true;
      if (!(await keepWorkspace(this.#schemaRun, schema))) this.#migrated = new Set();
    }
    const client = this.#client;
    const { oid, relation, existed, columns } = await importTarget(client, schema, {
      fromPostgres: this.#options.sourceTypes && this.#header?.source.type === 'postgres',
      migrated: this.#migrated.has(schema.name),
      run: (sql) => this.#run(sql, schema.name),
    });
    const byName = new Map(columns.map((c) => [c.name, c]));
    // A generated column's value is the server's to compute: the export's copy of it is left out.
    const take = schema.columns.flatMap((c, i) => (byName.get(c.name)!.generated ? [] : [i]));
    const targets = take.map((i) => byName.get(schema.columns[i]!.name)!);
    const keys = (await client.query<UniqueKey>(KEYS_SQL, [oid])).rows;
    if (existed) {
      await this.#suspend(oid, relation, schema.name);
      if (this.#options.mode === 'replace') await this.#run(`DELETE FROM ${relation}`, schema.name);
    }
    // Migration records are the same rows in every workspace at that version: appending them keeps the target's.
    const staged = schema.name === SCHEMA_VERSION_TABLE && this.#options.mode === 'append' && keys.length > 0;
    const into = staged ? 'pg_temp.acode_import_stage' : relation;
    if (staged) await this.#run(`CREATE TEMP TABLE acode_import_stage (LIKE ${relation}) ON COMMIT DROP`, schema.name);
    const { from: copyFrom } = await import('pg-copy-streams');
    const copy = client.query(copyFrom(`COPY ${into} (${targets.map((c) => quotePgIdent(c.name)).join(', ')}) FROM STDIN`));
    const loading: Loading = { schema, relation, expected, created: !existed || this.#migrated.has(schema.name), take, columns: targets, keys, staged, copy, failure: null, count: 0 };
    // The server's refusal arrives between writes: kept, and thrown by the next write or the end.
    copy.on('error', (err: Error) => {
      loading.failure ??= err;
    });
    this.#table = loading;
  }

  /** An existing table's triggers and foreign keys, set aside until finish(). */
  async #suspend(oid: number, relation: string, table: string): Promise<void> {
    const client = this.#client;
    for (const fk of (await client.query<{ name: string; child: string; parent: string; definition: string }>(FOREIGN_KEYS_SQL, [oid])).rows) {
      const id = `${fk.child}|${fk.name}`;
      if (this.#foreignKeys.has(id)) continue;
      // Locks the other table too: another session's lock on either is waited for, then busy (ACODE-DB-008).
      await this.#run(`ALTER TABLE ${fk.child} DROP CONSTRAINT ${quotePgIdent(fk.name)}`, `${fk.child} or ${fk.parent}`);
      this.#foreignKeys.set(id, fk);
    }
    for (const { name } of (await client.query<{ name: string }>(TRIGGERS_SQL, [oid])).rows) {
      await this.#run(`ALTER TABLE ${relation} DISABLE TRIGGER ${quotePgIdent(name)}`, table);
      this.#triggers.push({ relation, name, table });
    }
  }

  async #write(rows: SqlValue[][]): Promise<void> {
    const t = this.#table;
    if (this.#skipping || !t) return;
    for (let from = 0; from < rows.length; from += ROWS_PER_WRITE) {
      let text = '';
      for (const row of rows.slice(from, from + ROWS_PER_WRITE)) {
        if (row.length !== t.schema.columns.length) {
          throw new AcodeError('ACODE-IMP-002', `${t.schema.name} row ${t.count + 1} has ${row.length} values for ${t.schema.columns.length} columns`, { context: { table: t.schema.name } });
        }
        text += copyText(row, t.take, t.columns, (column, why) => new AcodeError('ACODE-IMP-001', `${t.schema.name} row ${t.count + 1}, column ${column}: ${why}; nothing was imported`, { context: { table: t.schema.name } }));
        t.count++;
      }
      if (t.failure) throw this.#copyError(t, t.failure);
      if (!t.copy.write(text)) {
        try {
          // A COPY the server ended meanwhile drains never: its close ends the wait too.
          await Promise.race([once(t.copy, 'drain'), once(t.copy, 'close')]);
        } catch (err) {
          throw this.#copyError(t, t.failure ?? (err as Error));
        }
        if (t.failure || t.copy.destroyed) throw this.#copyError(t, t.failure ?? new Error('the COPY ended early'));
      }
    }
    this.#options.onProgress?.({ stage: 'import', phase: 'update', label: 'Importing', table: t.schema.name, rows: t.count, totalRows: t.expected });
  }

  async #end(): Promise<void> {
    const t = this.#table;
    if (this.#skipping || !t) return;
    t.copy.end();
    try {
      await finished(t.copy);
    } catch (err) {
      throw this.#copyError(t, t.failure ?? (err as Error));
    }
    if (t.failure) throw this.#copyError(t, t.failure);
    this.#table = null;
    if (t.count !== t.expected) {
      throw new AcodeError('ACODE-IMP-002', `${t.schema.name} has ${t.count} rows, its metadata says ${t.expected}: the export is truncated or altered`, { context: { table: t.schema.name } });
    }
    if (t.staged) {
      const cols = t.columns.map((c) => quotePgIdent(c.name)).join(', ');
      await this.#run(`INSERT INTO ${t.relation} (${cols}) SELECT ${cols} FROM pg_temp.acode_import_stage ON CONFLICT DO NOTHING; DROP TABLE pg_temp.acode_import_stage`, t.schema.name);
    }
    // A serial or identity column's sequence moves past the loaded keys (never back), so the next row gets a new one.
    for (const c of t.columns) {
      if (!c.sequence) continue;
      await this.#run(
        `SELECT setval($1::regclass, m) FROM (SELECT max(${quotePgIdent(c.name)})::bigint AS m FROM ${t.relation}) s WHERE m IS NOT NULL AND m > coalesce(pg_sequence_last_value($1::regclass), 0)`,
        t.schema.name,
        [c.sequence],
      );
    }
    this.#loaded.push({ name: t.schema.name, rows: t.count, created: t.created, danglingReferences: 0 });
  }

  /**
   * Once every table is loaded, before the commit: the foreign keys go back, each checked against
   * every row (a row pointing at a row the database does not have fails, ACODE-IMP-008), and the
   * triggers are enabled again.
   */
  async finish(): Promise<void> {
    for (const fk of this.#foreignKeys.values()) {
      try {
        await this.#client.query(`ALTER TABLE ${fk.child} ADD CONSTRAINT ${quotePgIdent(fk.name)} ${fk.definition}`);
      } catch (err) {
        if ((err as { code?: unknown }).code !== '23503') throw pgLoadError(err, fk.child);
        throw new AcodeError('ACODE-IMP-008', `rows of ${fk.child} would refer to rows of ${fk.parent} that the database does not have (foreign key ${fk.name}); nothing was imported`, {
          cause: err,
          context: { table: fk.child },
          hint: `import ${fk.parent} too (--tables), or append instead of replacing`,
        });
      }
    }
    this.#foreignKeys.clear();
    for (const { relation, name, table } of this.#triggers.splice(0)) await this.#run(`ALTER TABLE ${relation} ENABLE TRIGGER ${quotePgIdent(name)}`, table);
  }

  async #run(sql: string, table: string, values?: unknown[]): Promise<void> {
    try {
      await this.#client.query(sql, values);
    } catch (err) {
      throw pgLoadError(err, table);
    }
  }

  /** What the server said when it refused a COPY: the table and key, never a value that may be a secret. */
  #copyError(t: Loading, err: Error): Error {
    return copyError(t.schema.name, t.keys, t.columns, err, this.#header?.redaction.enabled === true);
  }
}

/** A workspace's export (a workspace table at its schema version, or the migration record): checked against, and locked with, the workspace schema. */
function isWorkspaceExport(header: ExportHeader): boolean {
  const names = header.tables.map((t) => t.name);
  return header.schemaVersion !== null && (workspaceVersion(header.schemaVersion, names) !== null || names.includes(SCHEMA_VERSION_TABLE));
}
