import { AcodeError, describeCause } from '../errors.js';
import type { SqlValue } from '../records.js';
import { createLeakDetector } from '../redaction/index.js';
import { classifyName } from '../redaction/names.js';
import type { SqliteDb } from './open.js';

/**
 * An export's SQL, read and run with care (an export is shared data, and its definitions are
 * SQL): a table or index definition run only when it makes exactly that object, a trigger's event
 * and the tables it writes, the columns of a constraint SQLite names, and a key as an error may
 * show it (never a secret).
 */

/** A name in SQL as written: "quoted", [bracketed], `backticked` or bare, maybe after `main.`. */
const SQL_NAME = String.raw`(?:(?:"main"|main|\[main\]|\`main\`)\s*\.\s*)?("(?:[^"]|"")+"|\[[^\]]+\]|\`(?:[^\`]|\`\`)+\`|[A-Za-z_][\w$]*)`;
const TRIGGER_WRITES = new RegExp(String.raw`\b(?:(?:INSERT|REPLACE)\s+(?:OR\s+\w+\s+)?INTO|UPDATE\s+(?:OR\s+\w+\s+)?|DELETE\s+FROM)\s*${SQL_NAME}`, 'gi');

/**
 * A trigger's event and the tables its body writes (lower-case), read from its definition: its
 * string literals and comments taken out first, so `raise(ABORT, 'DELETE FROM x')` writes
 * nothing. A word after UPDATE that is no table (an upsert's `DO UPDATE SET`) names nothing here.
 */
export function readTrigger(sql: string): { event: 'DELETE' | 'INSERT' | 'UPDATE' | null; writes: string[] } {
  const code = sql.replace(/'(?:[^']|'')*'|--[^\n]*|\/\*[\s\S]*?\*\//g, "''");
  const begin = /\bBEGIN\b/i.exec(code);
  const head = begin ? code.slice(0, begin.index) : code;
  const event = /\b(DELETE|INSERT|UPDATE)\b/i.exec(head)?.[1]?.toUpperCase() as 'DELETE' | 'INSERT' | 'UPDATE' | undefined;
  const writes = new Set<string>();
  for (const m of (begin ? code.slice(begin.index) : '').matchAll(TRIGGER_WRITES)) {
    if (/^set$/i.test(m[1]!)) continue;
    writes.add(unquoteName(m[1]!).toLowerCase());
  }
  return { event: event ?? null, writes: [...writes] };
}

function unquoteName(name: string): string {
  const first = name[0];
  if (first === '"') return name.slice(1, -1).replaceAll('""', '"');
  if (first === '`') return name.slice(1, -1).replaceAll('``', '`');
  if (first === '[') return name.slice(1, -1);
  return name;
}

const keyDetector = createLeakDetector();

/**
 * The columns SQLite names in `UNIQUE constraint failed: t.a, t.b`. Names may hold dots and
 * commas themselves ("tbl.dot"."e, f"): the list is cut at the table's own name, not at dots.
 */
export function clashColumns(message: string, table: string): string[] {
  const list = /constraint failed: (.+)$/s.exec(message)?.[1] ?? '';
  const prefix = `${table}.`.toLowerCase();
  const folded = list.toLowerCase();
  if (!folded.startsWith(prefix)) return [];
  const names: string[] = [];
  let from = prefix.length;
  for (;;) {
    const next = folded.indexOf(`, ${prefix}`, from);
    names.push(list.slice(from, next < 0 ? list.length : next));
    if (next < 0) return names;
    from = next + 2 + prefix.length;
  }
}

/** A key value as shown in an error: ids are fine to show, long text and secrets are withheld. */
export function showKey(value: SqlValue, declaredType: string, column: string): string {
  if (value === null) return 'NULL';
  // CSV hands every value over as text; an INTEGER key is shown as the number SQLite stored.
  if (typeof value === 'string' && /INT/i.test(declaredType) && /^-?\d+$/.test(value)) return value;
  if (typeof value === 'string') {
    // A key can itself be a secret (a token table keyed by token): then only its fingerprint
    // shows. A column the redaction rules would take whole (api_key) never shows its value.
    const hit = keyDetector.scan(value)[0] ?? keyDetector.scan(`${column}=${value}`)[0];
    if (hit) return `<withheld: looks like a secret (${hit.detector}), fingerprint ${hit.fingerprint}>`;
    // A line break or other control character would split the one-line error (and a multi-line key is no id).
    if (classifyName(column) !== null || value.length > 64 || /[\u0000-\u001f\u007f]/.test(value)) return `<withheld: ${value.length} characters>`;
    return `'${value}'`;
  }
  if (value instanceof Uint8Array) return `<${value.length}-byte blob>`;
  return String(value);
}

/**
 * Runs a table or index definition taken from an export, and only that: an export is shared
 * data, and its definitions are SQL. One statement (better-sqlite3 refuses more), and what it
 * changed in the schema must be exactly the table `table` (with its automatic indexes), or one
 * index on it, as written: anything else (a DROP, a trigger, a view, a table made from a SELECT
 * over the workspace's own data, a TEMP object) is refused, and the import rolls back.
 */
export function runDefinition(db: SqliteDb, sql: string, kind: 'table' | 'index', table: string): void {
  const refuse = (why: string): AcodeError =>
    new AcodeError('ACODE-IMP-002', `the export's ${kind === 'table' ? 'definition of table' : 'index definition for table'} ${table} ${why}; nothing was imported`, { context: { table } });
  const schema = (): Map<string, { type: string; name: string; tbl: string; sql: string | null }> =>
    new Map(
      (db.prepare("SELECT 'main' AS db, type, name, tbl_name AS tbl, sql FROM main.sqlite_schema UNION ALL SELECT 'temp', type, name, tbl_name, sql FROM temp.sqlite_schema").all() as { db: string; type: string; name: string; tbl: string; sql: string | null }[]).map(
        (o) => [`${o.db}|${o.type}|${o.name}|${o.sql ?? ''}`, o],
      ),
    );
  if (!new RegExp(`^\\s*CREATE\\s+(?:UNIQUE\\s+)?${kind === 'table' ? 'TABLE' : 'INDEX'}\\b`, 'i').test(sql)) throw refuse(`is not a CREATE ${kind.toUpperCase()} statement`);
  let statement: { run(): unknown };
  try {
    statement = db.prepare(sql);
  } catch (err) {
    throw refuse(`is not one valid statement (${describeCause(err)})`);
  }
  const before = schema();
  statement.run();
  const after = schema();
  const added = [...after].filter(([key]) => !before.has(key)).map(([key, o]) => ({ ...o, temp: key.startsWith('temp|') }));
  const removed = [...before.keys()].filter((key) => !after.has(key));
  // A table's own: itself, its automatic indexes, and sqlite_sequence for the first AUTOINCREMENT table.
  const own = (o: { type: string; name: string; tbl: string; temp: boolean }): boolean =>
    !o.temp &&
    (kind === 'table'
      ? (o.tbl === table && ((o.type === 'table' && o.name === table) || (o.type === 'index' && o.name.startsWith('sqlite_autoindex_')))) || (o.type === 'table' && o.name === 'sqlite_sequence')
      : o.tbl === table && o.type === 'index');
  const main = added.filter((o) => !o.temp && o.type === kind && (kind === 'index' || o.name === table));
  if (removed.length > 0 || !added.every(own) || main.length !== 1) throw refuse('changes more than that one ' + kind);
  // A table made by CREATE TABLE … AS SELECT is stored with a definition SQLite wrote itself.
  if (kind === 'table' && normalised(main[0]!.sql ?? '') !== normalised(sql)) throw refuse('is not a plain CREATE TABLE (a table made from a query is refused)');
}

/** Definition text as SQLite stores it, near enough to compare: no leading blanks, no trailing semicolon, single spaces. */
function normalised(sql: string): string {
  return sql.trim().replace(/;\s*$/, '').replace(/\s+/g, ' ').replace(/^CREATE (?:TEMP |TEMPORARY )?TABLE (?:"?main"?\.)?/i, 'CREATE TABLE ').toLowerCase();
}
