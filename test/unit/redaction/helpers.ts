import { compileRedaction, type RedactionOptions, type RedactionPolicy, type RedactionSummary } from '../../../lib/redaction/index.js';
import type { SqlValue } from '../../../lib/records.js';
import { table } from './fakes.js';

export const DEFAULTS: RedactionOptions = {
  patterns: [],
  defaultRules: true,
  redactPaths: true,
  redactEmails: true,
  placeholder: 'plain',
  pseudonymize: false,
};

export function policyWith(options: Partial<RedactionOptions> = {}): RedactionPolicy {
  return compileRedaction({ ...DEFAULTS, ...options });
}

/** Redacts values of one `content` TEXT column; returns them and the summary. */
export function redactValues(values: readonly SqlValue[], options: Partial<RedactionOptions> = {}): { out: SqlValue[]; summary: RedactionSummary } {
  const policy = policyWith(options);
  const schema = table('notes', ['content']);
  const plan = policy.plan(schema);
  const redactor = policy.createRedactor();
  const rows = values.map((v) => [v]);
  redactor.redactRows('notes', plan, rows);
  return { out: rows.map((r) => r[0]!), summary: redactor.summary() };
}

export function redactText(text: string, options: Partial<RedactionOptions> = {}): { out: string; summary: RedactionSummary } {
  const { out, summary } = redactValues([text], options);
  return { out: out[0] as string, summary };
}

/** Counts per rule, without categories, for compact assertions. */
export function counts(summary: RedactionSummary): Record<string, number> {
  return Object.fromEntries(Object.entries(summary.byRule).map(([rule, c]) => [rule, c.count]));
}
