import { expect } from 'chai';
import { compileRedaction, createLeakDetector, type RedactionOptions, type RedactionPolicy, type RedactionSummary } from '../../../lib/redaction/index.js';
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

const detector = createLeakDetector();

/** The leak scan's detectors that fire on `text` (any of them would fail an export). */
export function detectorsOf(text: string): string[] {
  return detector.scan(text).map((h) => h.detector);
}

/**
 * Each form, `%s` the secret: only the secret is replaced, once, counted under `rule`, and the
 * output is clean for the leak scan; `detected`, when given, is what the scan says of the raw text.
 */
export function expectEach(forms: readonly string[], make: () => string, rule: string, detected?: string): void {
  for (const form of forms) {
    const secret = make();
    const text = form.replace('%s', secret);
    const { out, summary } = redactText(text);
    expect(out, text).to.equal(text.replace(secret, '[REDACTED]'));
    expect(counts(summary), text).to.deep.equal({ [rule]: 1 });
    if (detected !== undefined) expect(detectorsOf(text), text).to.deep.equal([detected]);
    expect(detectorsOf(out), out).to.deep.equal([]);
  }
}

/** Ordinary text: unchanged by redaction and quiet for the leak scan (a hit would fail the export). */
export function expectUntouched(texts: readonly string[]): void {
  for (const text of texts) {
    const { out, summary } = redactText(text);
    expect(out, text).to.equal(text);
    expect(summary.total, text).to.equal(0);
    expect(detectorsOf(text), text).to.deep.equal([]);
  }
}

/**
 * Each `[text, redacted]`: redaction gives exactly `redacted`, and the leak scan is quiet on it as
 * an export writes it (a JSON string), so the export would pass with nothing left behind.
 */
export function expectRedactedTo(cases: readonly (readonly [string, string])[]): void {
  for (const [text, want] of cases) {
    expect(redactText(text).out, text).to.equal(want);
    expect(detectorsOf(JSON.stringify({ c: want })), want).to.deep.equal([]);
  }
}
