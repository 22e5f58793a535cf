import { AcodeError } from '../errors.js';
import { showKey } from '../sqlite/import-sql.js';
import { serverWords } from './server-words.js';

/**
 * What the server says when it refuses an import's rows, as ACODE errors naming table, row, column
 * and key — never a value, which may be a secret.
 */

/** A unique constraint or index of the target table, to name the key a clash is on. */
export interface UniqueKey {
  readonly name: string;
  readonly primary: boolean;
  readonly columns: readonly string[];
}

/**
 * A refused COPY: a clash on the primary key (ACODE-IMP-004) or another unique key (ACODE-IMP-006)
 * names the key, a one-column key's value shown only when it is no secret; anything else as
 * pgLoadError, with a hint when the export was redacted and a value fails its column's type.
 */
export function copyError(table: string, keys: readonly UniqueKey[], columns: readonly { readonly name: string; readonly type: string }[], err: Error, redacted: boolean): Error {
  if (err instanceof AcodeError) return err;
  const e = err as Error & { code?: string; constraint?: string; detail?: string; where?: string };
  // A placeholder ([REDACTED]) is no uuid, date or number: say so, rather than leave the value to puzzle over.
  if (e.code !== '23505') return pgLoadError(err, table, e.where, redacted && e.code?.startsWith('22') === true ? REDACTED_VALUE_HINT : undefined);
  const key = keys.find((k) => k.name === e.constraint);
  const names = key?.columns ?? [];
  const values = /^Key \((?:.*)\)=\((.*)\) already exists\.$/s.exec(e.detail ?? '')?.[1];
  const shown = names.length === 1 && values !== undefined ? `${names[0]}=${showKey(values, columns.find((c) => c.name === names[0])?.type ?? '', names[0]!)}` : names.join(', ');
  if (key && !key.primary) {
    return new AcodeError('ACODE-IMP-006', `${table}: a row with the same ${shown} already exists (unique ${names.length > 1 ? 'columns' : 'column'} ${names.join(', ')})`, { cause: err, context: { table, key: shown } });
  }
  return new AcodeError('ACODE-IMP-004', `${table}: a row with ${shown || `the same key (${e.constraint ?? 'unique'})`} already exists`, { cause: err, context: { table, key: shown } });
}

const REDACTED_VALUE_HINT = "this export was redacted, and a placeholder is not a value of that column's type: import an export made with --no-redact, or into a table whose column is text";

/**
 * A server error during the load as an ACODE error naming the table: busy (a lock waited for too
 * long), a full disk, a right the role lacks; the server's words otherwise, with any quoted value
 * taken out (`invalid input syntax for type integer: "…"` may quote a secret).
 */
export function pgLoadError(err: unknown, table: string, where?: string, hint?: string): Error {
  if (err instanceof AcodeError) return err;
  const code = (err as { code?: unknown }).code;
  const said = serverWords(err);
  // COPY's context: `COPY t, line 3, column c: "<the value>"`, after any inner context (a jsonb value's
  // `JSON data, line 1: …`); the row and column are kept, never the value.
  const copyAt = /^COPY .*?, line (\d+)(?:, column (.*?): (?:"|null input))?/m.exec(where ?? '');
  const at = copyAt ? `${table} row ${copyAt[1]}${copyAt[2] ? `, column ${copyAt[2]}` : ''}` : table;
  if (code === '55P03') return new AcodeError('ACODE-DB-008', `${table} is locked by another session (${said}); nothing was imported`, { cause: err, context: { table } });
  // A DEFERRABLE unique constraint is checked at the commit, not by the COPY: the clash still names its table and key.
  if (code === '23505' || code === '23P01') {
    const e = err as { table?: string; constraint?: string };
    const on = e.table ?? table;
    return new AcodeError('ACODE-IMP-006', `${on}: a row with the same key already exists (${code === '23505' ? 'unique' : 'exclusion'} constraint ${e.constraint ?? 'unnamed'}, checked at ${table})`, { cause: err, context: { table: on } });
  }
  if (code === '53100') return new AcodeError('ACODE-IMP-009', `the server's disk is full while loading ${table} (${said}); nothing was imported`, { cause: err, context: { table } });
  if (code === '42501') {
    return new AcodeError('ACODE-IMP-001', `${at}: ${said}; nothing was imported`, {
      cause: err,
      context: { table },
      hint: 'import as the owner of the tables (or a role that may create tables, alter them and COPY into them)',
    });
  }
  return new AcodeError('ACODE-IMP-001', `${at}: ${said}; nothing was imported`, { cause: err, context: { table }, ...(hint ? { hint } : {}) });
}
