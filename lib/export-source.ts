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
  /** The tables to read, in order; unknown names are ACODE-EXP-004, listing the ones there are. */
  resolveTables(available: readonly string[]): string[];
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
    resolveTables(available) {
      const unknown = [...(tables ?? []), ...exclude].filter((t) => !available.includes(t));
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
        if (configured) {
          throw new AcodeError('ACODE-EXP-006', `export.date_columns names ${table}.${wanted}, which does not exist; columns: ${columns.join(', ')}`, { context: { table } });
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
