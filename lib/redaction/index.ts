/**
 * Redaction for exports: compile the rules once (`compileRedaction`), plan each table, and give
 * every export its own redactor. The leak detector that checks the serialised output is separate
 * code on purpose (see leak-detector.ts).
 */
import type { TableSchema } from '../records.js';
import { Policy, type RedactionOptions, type TablePlan } from './policy.js';
import { RowRedactor, type RedactionSummary, type Redactor } from './redactor.js';
import type { Category, RuleInfo } from './rule.js';
import { checkOptions } from '../options.js';

export type { ColumnAction, ColumnPlan, RedactionOptions, TablePlan } from './policy.js';
export { MAX_SCAN_LENGTH, type RedactionSummary, type Redactor, type RuleCount } from './redactor.js';
export type { Category, RuleInfo, RuleKind } from './rule.js';
export { MATCH_WINDOW } from './regex-safety.js';
export { createLeakDetector, type LeakDetector, type LeakDetectorOptions, type LeakHit } from './leak-detector.js';
export { createLeakScanner, type LeakScanner, type LeakFinding } from './leak-scanner.js';

export interface RedactionPolicy {
  /** Every active rule, for manifests and `--plan`: names, kinds, categories, descriptions — never values. */
  readonly rules: readonly RuleInfo[];
  /** What happens to each column of a table; compute once per table. */
  plan(table: TableSchema): TablePlan;
  /** Warnings for configured column globs that match no column of these tables. */
  unmatchedColumnRules(tables: readonly TableSchema[]): string[];
  /** A redactor for one export: its own pseudonym key (pseudonymize) and its own counts. */
  createRedactor(): Redactor;
}

/**
 * Checks every rule up front. Throws ACODE-CFG-006 naming the rule and its place in the config
 * for an invalid or unsafe regex, an unknown key, a missing name or a bad glob.
 */
export function compileRedaction(options: RedactionOptions): RedactionPolicy {
  checkOptions<RedactionOptions>('compileRedaction', 'RedactionOptions', options, {
    patterns: { kind: 'object', required: true },
    defaultRules: { kind: 'boolean', required: true },
    redactPaths: { kind: 'boolean', required: true },
    redactEmails: { kind: 'boolean', required: true },
    placeholder: { kind: ['plain', 'typed'], required: true },
    pseudonymize: { kind: 'boolean', required: true },
    locate: 'function',
  });
  const policy = new Policy(options);
  return {
    rules: policy.rules,
    plan: (table) => policy.plan(table),
    unmatchedColumnRules: (tables) => policy.unmatchedColumnRules(tables),
    createRedactor: () => new RowRedactor(policy),
  };
}

const SINGULAR: Readonly<Record<Category, string>> = {
  'API keys': 'API key',
  tokens: 'token',
  secrets: 'secret',
  passwords: 'password',
  'private keys': 'private key',
  'search index values': 'search index value',
  'custom matches': 'custom match',
  'e-mail addresses': 'e-mail address',
  'user names': 'user name',
  'file paths': 'file path',
};

/**
 * The spec's summary lines, one per category in a fixed order: "15 API keys replaced with
 * [REDACTED]", "45 file paths normalized". `placeholder` is how the CLI names the replacement.
 */
export function summaryLines(summary: RedactionSummary, placeholder = '[REDACTED]'): string[] {
  const totals = new Map<Category, number>();
  for (const { count, category } of Object.values(summary.byRule)) totals.set(category, (totals.get(category) ?? 0) + count);
  return (Object.keys(SINGULAR) as Category[])
    .filter((c) => totals.has(c))
    .map((c) => {
      const n = totals.get(c)!;
      const what = `${n} ${n === 1 ? SINGULAR[c] : c}`;
      if (c === 'file paths') return `${what} normalized`;
      return `${what} ${c === 'e-mail addresses' || c === 'user names' ? 'masked with' : 'replaced with'} ${placeholder}`;
    });
}
