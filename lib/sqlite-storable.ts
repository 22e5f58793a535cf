import { AcodeError, type ErrorCode } from './errors.js';
import type { ExportRecord } from './records.js';

/**
 * What a SQLite database cannot hold that other sources (PostgreSQL) can: a NaN (SQLite stores it
 * as NULL, so a NOT NULL column refuses it and any other loses it unseen) and two columns whose
 * names differ only in case (one name to SQLite). Checked on the records going into a SQLite file
 * (a `sqlite` export, an import), so the failure names the table and column, not SQLite's words
 * about a statement. Returns the check, fed every record in order.
 */
export function createSqliteStorableCheck(code: Extract<ErrorCode, 'ACODE-EXP-001' | 'ACODE-IMP-001'>, only: readonly string[] | null = null, target: 'sqlite' | 'csv' = 'sqlite'): (record: ExportRecord) => void {
  let columns: readonly string[] = [];
  let skipping = false;
  let rowNumber = 0;
  const exporting = code === 'ACODE-EXP-001';
  return (record) => {
    if (record.kind === 'table') {
      columns = record.table.columns.map((c) => c.name);
      rowNumber = 0;
      // A table the import leaves out is not written anywhere.
      skipping = only !== null && !only.includes(record.table.name);
      // CSV keeps two columns named apart by case; only a NaN has no form there.
      if (skipping || target === 'csv') return;
      const seen = new Map<string, string>();
      for (const name of columns) {
        // SQLite folds ASCII letters only: "É" and "é" are two names to it.
        const folded = name.replace(/[A-Z]/g, (c) => c.toLowerCase());
        const other = seen.get(folded);
        if (other !== undefined) {
          const what = `table ${record.table.name} has columns ${JSON.stringify(other)} and ${JSON.stringify(name)}, which SQLite sees as one name (they differ only in case)`;
          throw exporting
            ? new AcodeError('ACODE-EXP-006', `${what}: it cannot go into a SQLite export`, {
                context: { table: record.table.name, column: name },
                hint: `rename one of the columns, leave the table out with --exclude-tables ${record.table.name}, or export as json, ndjson or csv`,
              })
            : new AcodeError('ACODE-IMP-001', `${what}: it cannot be imported into a SQLite database; nothing was imported`, {
                context: { table: record.table.name, column: name },
                hint: `import the other tables (--tables), or rename one of the columns in the source and export again`,
              });
        }
        seen.set(folded, name);
      }
      return;
    }
    if (record.kind !== 'rows' || skipping) return;
    for (const row of record.rows) {
      rowNumber++;
      const at = row.findIndex((v) => typeof v === 'number' && Number.isNaN(v));
      if (at === -1) continue;
      const column = columns[at] ?? `column ${at + 1}`;
      const where = target === 'csv' ? 'CSV has no form for (an empty field reads back as NULL)' : 'SQLite cannot store (it would be NULL)';
      throw new AcodeError(code, `${record.table}.${column} holds NaN (row ${rowNumber}), which ${where}${exporting ? '' : '; nothing was imported'}`, {
        context: { table: record.table, column },
        hint: exporting
          ? `export as json or ndjson (they keep NaN as {"$real":"NaN"}), or leave the table out with --exclude-tables ${record.table}`
          : `import the other tables (--tables), or change the NaN in the source (UPDATE … SET ${column} = NULL WHERE ${column} = 'NaN') and export again`,
      });
    }
  };
}
