import os from 'node:os';
import path from 'node:path';
import { AcodeError } from './errors.js';
import { formatCount } from './numbers.js';
import type { TableSchema } from './records.js';
import type { RedactionPolicy, TablePlan } from './redaction/index.js';

/**
 * Redaction of what an export holds besides its rows: table definitions (a DEFAULT or CHECK
 * literal under a secret-named column), where it came from, and the checks that refuse an export
 * whose structure redaction would break (a name the rules would change, a key they would collapse).
 */

/** Where the export came from, as its manifest says it: under ~ for a home folder, through the content rules. */
export function sourceLocation(policy: RedactionPolicy, label: string): string {
  return redactTexts(policy, 'source', [homeless(label)])[0]!;
}

function homeless(file: string): string {
  // This user's home, wherever it is (/root, /var/lib/agent), then any /home/<user>-like prefix.
  const home = os.homedir();
  if (home.length > 1 && (file === home || file.startsWith(`${home}${path.sep}`))) return `~${file.slice(home.length)}`;
  return file.replace(/^(\/home\/[^/]+|\/Users\/[^/]+|[A-Za-z]:\\Users\\[^\\]+)(?=[/\\]|$)/, '~');
}

/**
 * A table definition through the content rules: a DEFAULT or CHECK clause can hold a key as
 * surely as a row can. Counted apart from the rows (its own redactor): the summary counts data.
 */
export function redactSchema(policy: RedactionPolicy, schema: TableSchema): TableSchema {
  const [sql, ...indexes] = redactTexts(policy, schema.name, [columnLiterals(policy, schema), ...schema.indexes]);
  return { ...schema, sql: sql ?? null, indexes: indexes as string[] };
}

/**
 * The definition with the string literals in each definition of a column a column rule takes
 * (`password TEXT NOT NULL DEFAULT '…'`, `CHECK (api_key <> '…')`) given to that rule as the
 * column's values are: the content rules see no name beside them. A column's definition is a
 * top-level comma-separated part of the body (quotes and brackets skipped); a table's own
 * constraints are left to the content rules.
 */
function columnLiterals(policy: RedactionPolicy, schema: TableSchema): string | null {
  const sql = schema.sql;
  if (sql === null) return null;
  const plan = policy.plan(schema);
  const taken = new Set(plan.columns.filter((c) => c.action === 'redact').map((c) => c.column.toLowerCase()));
  const open = sql.indexOf('(');
  if (taken.size === 0 || open < 0) return sql;
  const parts: [number, number][] = [];
  let start = open + 1;
  let depth = 0;
  for (let i = open + 1; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === '`' || c === '[') i = closingQuote(sql, i, c === '[' ? ']' : c);
    else if (c === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if (depth === 0 && (c === ',' || c === ')')) {
      parts.push([start, i]);
      start = i + 1;
      if (c === ')') break;
    }
  }
  const redactor = policy.createRedactor();
  let out = '';
  let at = 0;
  for (const [s, e] of parts) {
    const definition = sql.slice(s, e);
    const m = /^\s*(?:"((?:[^"]|"")+)"|`([^`]+)`|\[([^\]]+)\]|([^\s"'`[(),]+))/.exec(definition);
    const column = m ? (m[1]?.replace(/""/g, '"') ?? m[2] ?? m[3] ?? m[4]!) : '';
    const index = schema.columns.findIndex((c) => c.name.toLowerCase() === column.toLowerCase());
    if (!m || index < 0 || !taken.has(column.toLowerCase())) continue;
    const literals = definition.slice(m[0].length).replace(/'((?:[^']|'')*)'/g, (literal, inner: string) => {
      const value = inner.replace(/''/g, "'");
      if (value === '') return literal;
      const row = schema.columns.map((_, k) => (k === index ? value : null));
      redactor.redactRows(schema.name, plan, [row]);
      return row[index] === value ? literal : `'${String(row[index]).replace(/'/g, "''")}'`;
    });
    out += sql.slice(at, s) + m[0] + literals;
    at = e;
  }
  return out + sql.slice(at);
}

/** Index of the quote (or `]`) that closes the one opened at `at` (SQL's doubled `''` inside), or the text's last index. */
function closingQuote(sql: string, at: number, quote: string): number {
  let j = sql.indexOf(quote, at + 1);
  while (j >= 0 && quote !== ']' && sql[j + 1] === quote) j = sql.indexOf(quote, j + 2);
  return j < 0 ? sql.length - 1 : j;
}

/**
 * Table and column names are the export's structure (keys, file names, definitions): redaction
 * cannot replace them without breaking it. A name the content rules would change (an e-mail
 * address, a home path, a token) fails a redacted export before anything is written, without
 * the name in the message.
 */
export function checkNames(policy: RedactionPolicy, tables: readonly TableSchema[]): void {
  tables.forEach((table, t) => {
    const names = [table.name, ...table.columns.map((c) => c.name)];
    const redacted = redactTexts(policy, 'names', names);
    const at = redacted.findIndex((r, i) => r !== names[i]);
    if (at < 0) return;
    const what = at === 0 ? `the name of table #${t + 1}` : `the name of column #${at} of ${redacted[0] === names[0] ? `table ${table.name}` : `table #${t + 1}`}`;
    throw new AcodeError('ACODE-EXP-002', `${what} (in the order --plan lists them) holds what the redaction rules replace; a name cannot be redacted without breaking the export`, {
      hint: 'leave that table out with --exclude-tables, or rename it; the name is not shown here',
    });
  });
}

/**
 * A key whose every column a column rule takes gets one placeholder in every row (pseudonyms
 * apart): with two rows the export could never be imported (IMP-004 on its own rows). Refused in
 * every format before anything is written, as the SQLite writer refused it at the second row.
 * Only for a redacted export without pseudonyms (distinct placeholders keep keys apart).
 */
export function checkKeys(plans: ReadonlyMap<string, TablePlan>, tables: readonly { schema: TableSchema; rows: number }[]): void {
  for (const { schema, rows } of tables) {
    if (rows < 2) continue;
    const taken = new Set(plans.get(schema.name)!.columns.filter((c) => c.action === 'redact').map((c) => c.column));
    const primary = schema.columns.filter((c) => c.primaryKey > 0).sort((a, b) => a.primaryKey - b.primaryKey).map((c) => c.name);
    const key = [primary, ...uniqueIndexColumns(schema)].find((k) => k.length > 0 && k.every((c) => taken.has(c)));
    if (!key) continue;
    throw new AcodeError('ACODE-EXP-002', `${schema.name}.${key.join(', ')} is a key, and redaction would give its ${formatCount(rows)} rows the same placeholder (an import of the export would fail on them)`, {
      hint: 'set export.pseudonymize: true (distinct placeholders keep keys apart), or leave the table out with --exclude-tables',
    });
  }
}

/** The columns of each unique index over plain columns (`CREATE UNIQUE INDEX … ON t (a, "b")`); expressions are left out. */
function uniqueIndexColumns(schema: TableSchema): string[][] {
  const keys: string[][] = [];
  for (const sql of schema.indexes) {
    const m = /^\s*CREATE\s+UNIQUE\s+INDEX\b[^(]*\(([^()]*)\)/i.exec(sql);
    if (!m) continue;
    const columns = m[1]!.split(',').map((c) => /^\s*(?:"((?:[^"]|"")+)"|`([^`]+)`|\[([^\]]+)\]|(\w+))(?:\s+COLLATE\s+\w+)?(?:\s+(?:ASC|DESC))?\s*$/i.exec(c));
    if (columns.every(Boolean)) keys.push(columns.map((c) => (c![1]?.replace(/""/g, '"') ?? c![2] ?? c![3] ?? c![4])!));
  }
  return keys;
}

/**
 * Texts that are not rows through the content rules, with a redactor of their own (the summary
 * counts data): table definitions, and where the export came from (a folder named after an
 * e-mail address, a WSL home).
 */
function redactTexts(policy: RedactionPolicy, name: string, texts: readonly (string | null)[]): (string | null)[] {
  const rows = texts.map((text) => [text]);
  const definitions: TableSchema = { name, sql: null, columns: [{ name: 'definition', type: 'TEXT', notNull: false, primaryKey: 0 }], indexes: [] };
  policy.createRedactor().redactRows(name, policy.plan(definitions), rows);
  return rows.map((row) => row[0] as string | null);
}

