import type { AcodeConfig } from './config.js';
import { postgresUrl } from './engine.js';
import { AcodeError } from './errors.js';
import type { ExportRecord, RowTextFormat, TableSchema } from './records.js';

/** Which tables and rows an export takes. */
export interface ExportSelection {
  readonly tables: readonly string[] | null;
  readonly excludeTables: readonly string[];
  /** Rows at or after this instant. */
  readonly since: Date | null;
  /** Rows before this instant (a date-only --until means the end of that day). */
  readonly until: Date | null;
  readonly schemaOnly: boolean;
  /**
   * The tables to read, in order; unknown names are ACODE-EXP-004, listing the ones there are.
   * `unexportable`: relations the database has that an export cannot read (a virtual table, a
   * partitioned parent): --tables naming one is told what it is and what to name instead.
   */
  resolveTables(available: readonly string[], unexportable?: ReadonlyMap<string, Unexportable>): string[];
  /** The timestamp column a date filter applies to, or null when the table has none. */
  dateColumnFor(table: string, columns: readonly string[]): string | null;
}

export interface SelectionOptions {
  readonly tables?: readonly string[];
  readonly excludeTables?: readonly string[];
  readonly since?: string;
  readonly until?: string;
  readonly schemaOnly?: boolean;
  /** `export.date_columns`: table → column; `created_at` otherwise. */
  readonly dateColumns?: Readonly<Record<string, string>>;
  /** Line and column of a config key (AcodeConfig.locate), for a date_columns entry that names no column. */
  readonly locate?: (keyPath: readonly (string | number)[]) => string;
}

/** A relation an export cannot read, and why. */
export type Unexportable =
  | { readonly kind: 'virtual table' | 'shadow table' | 'view' | 'materialized view' | 'foreign table' }
  | { readonly kind: 'partitioned table'; readonly partitions: readonly string[] };

/** SQLite's virtual tables and their shadow tables (`<virtual>_<suffix>`), told apart by name. */
export function sqliteUnexportable(skipped: readonly string[]): Map<string, Unexportable> {
  const shadow = (name: string): boolean => skipped.some((v) => v !== name && name.startsWith(`${v}_`));
  return new Map(skipped.map((name) => [name, { kind: shadow(name) ? 'shadow table' : 'virtual table' }]));
}

function notExportable(names: readonly string[], unexportable: ReadonlyMap<string, Unexportable>): AcodeError {
  const name = names[0]!;
  const what = unexportable.get(name)!;
  const also = names.length > 1 ? ` (and ${names.slice(1).map((n) => `'${n}' is a ${unexportable.get(n)!.kind}`).join(', ')})` : '';
  if (what.kind === 'partitioned table') {
    const parts = what.partitions.length ? what.partitions.join(', ') : '(none yet)';
    return new AcodeError('ACODE-EXP-006', `'${name}' is a partitioned table${also}: its rows are in its partitions, and an export takes each partition as a table of its own; partitions: ${parts}`, {
      context: { table: name },
      hint: what.partitions.length ? `name its partitions in --tables instead: --tables ${what.partitions.join(',')}` : 'it holds no rows: leave it out of --tables',
    });
  }
  const why =
    what.kind === 'virtual table' || what.kind === 'shadow table'
      ? 'exports do not take virtual tables or their shadow tables (a backup keeps them)'
      : what.kind === 'foreign table'
        ? "exports take the database's own tables only (a foreign table's rows are another server's)"
        : `exports take tables only (a backup keeps the ${what.kind}'s definition)`;
  return new AcodeError('ACODE-EXP-006', `'${name}' is a ${what.kind}${also}: ${why}`, {
    context: { table: name },
    hint: `leave ${names.length === 1 ? 'it' : 'them'} out of --tables`,
  });
}

export const DEFAULT_DATE_COLUMN = 'created_at';

export function createSelection(options: SelectionOptions): ExportSelection {
  const since = options.since === undefined ? null : parseDateBound(options.since, 'since');
  const until = options.until === undefined ? null : parseDateBound(options.until, 'until');
  if (since && until && since.getTime() >= until.getTime()) {
    throw new AcodeError('ACODE-EXP-006', `--since ${options.since} is not before --until ${options.until}`);
  }
  const tables = options.tables?.length ? [...new Set(options.tables)] : null;
  const exclude = options.excludeTables ?? [];
  const dateColumns = options.dateColumns ?? {};
  return {
    tables,
    excludeTables: exclude,
    since,
    until,
    schemaOnly: Boolean(options.schemaOnly),
    resolveTables(available, unexportable = new Map()) {
      const named = (tables ?? []).filter((t) => !available.includes(t) && unexportable.has(t));
      if (named.length) throw notExportable(named, unexportable);
      // --exclude-tables may name one: it is left out either way.
      const unknown = [...(tables ?? []), ...exclude].filter((t) => !available.includes(t) && !unexportable.has(t));
      if (unknown.length) {
        throw new AcodeError('ACODE-EXP-004', `${unknown.map((t) => `'${t}'`).join(', ')} not in the database; tables: ${available.join(', ') || '(none)'}`, {
          context: { table: unknown[0] },
        });
      }
      const chosen = (tables ?? available).filter((t) => !exclude.includes(t));
      if (chosen.length === 0) throw new AcodeError('ACODE-EXP-006', 'no table left to export after --tables/--exclude-tables');
      return chosen;
    },
    dateColumnFor(table, columns) {
      // Own keys only: a table named __proto__ or constructor must not read Object.prototype's.
      const configured = Object.hasOwn(dateColumns, table) ? dateColumns[table] : undefined;
      const wanted = configured ?? DEFAULT_DATE_COLUMN;
      if (!columns.includes(wanted)) {
        // Without --since/--until no row is filtered: a stale entry must not stop a plain export.
        if (configured && (since || until)) {
          const at = options.locate ? `${options.locate(['export', 'date_columns', table])}: ` : '';
          throw new AcodeError('ACODE-CFG-005', `${at}export.date_columns names ${table}.${wanted} for --since/--until, and ${table} has no column ${wanted}; columns: ${columns.join(', ')}`, {
            context: { table, key: `export.date_columns.${table}` },
            hint: `set export.date_columns.${table} to one of its columns, or remove the entry (${DEFAULT_DATE_COLUMN} is then used where the table has one)`,
          });
        }
        return null;
      }
      return wanted;
    },
  };
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * ISO 8601 dates (`2024-01-20`) or date-times (`2024-01-20T14:30`, with an optional offset; UTC
 * when there is none). A date-only --until includes that whole day.
 */
export function parseDateBound(text: string, which: 'since' | 'until'): Date {
  const trimmed = text.trim();
  const day = trimmed.slice(0, 10);
  const dayStart = new Date(`${day}T00:00:00Z`);
  // Date rolls 2024-02-30 over into March; a day that does not print back as given is not one.
  const validDay = DATE_ONLY.test(day) && !Number.isNaN(dayStart.getTime()) && dayStart.toISOString().slice(0, 10) === day;
  let date: Date | null = null;
  if (validDay && trimmed === day) {
    date = which === 'until' ? new Date(dayStart.getTime() + 86_400_000) : dayStart;
  } else if (validDay && DATE_TIME.test(trimmed)) {
    const iso = trimmed.replace(' ', 'T');
    date = new Date(/(Z|[+-]\d{2}:?\d{2})$/i.test(iso) ? iso : `${iso}Z`);
  }
  if (!date || Number.isNaN(date.getTime())) {
    throw new AcodeError('ACODE-EXP-006', `--${which} '${text}' is not an ISO 8601 date (2024-01-20) or date-time (2024-01-20T14:30:00Z)`);
  }
  return date;
}

export interface SnapshotTable {
  readonly schema: TableSchema;
  /** Rows the export will hold (after date filters), counted inside the snapshot. */
  readonly rows: number;
  readonly dateColumn: string | null;
  /** The AUTOINCREMENT counter, for tables that have one. */
  readonly sequence?: number | string;
  /** With --since/--until: rows left out because their date column holds no date (NULL, or text the database cannot read as one). */
  readonly undated?: number;
}

/** A consistent read of the source, open until `close()`: the engine boundary for exports. */
export interface Snapshot {
  readonly tables: readonly SnapshotTable[];
  /** Tables the engine cannot export (virtual tables), named in the manifest. */
  readonly skipped: readonly string[];
  readonly schemaVersion: number | null;
  readonly engineVersion: string;
  /** How the snapshot was taken, for the manifest. */
  readonly info: Readonly<Record<string, unknown>>;
  /**
   * `table`, `rows` and `table-end` records of every table, in order, read lazily. With
   * `rowText`, rows may come as 'text-rows' already encoded for that format, where the engine
   * can encode them exactly; never ask for it when a stage must see the values.
   */
  records(options?: { readonly rowText?: RowTextFormat }): AsyncGenerator<ExportRecord>;
  close(): void;
}

export async function openSnapshot(config: AcodeConfig, selection: ExportSelection, busyTimeoutMs?: number): Promise<Snapshot> {
  if (config.database.type === 'postgres') {
    const { openPostgresSnapshot } = await import('./postgres/snapshot.js');
    return openPostgresSnapshot(postgresUrl(config), selection, busyTimeoutMs);
  }
  const { openSqliteSnapshot } = await import('./sqlite/snapshot.js');
  return openSqliteSnapshot(config.database.path, selection);
}
