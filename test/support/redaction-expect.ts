/** Assertions shared by the redaction end-to-end tests: planted rows against an export's rows, counts against the manifest. */
import { expect } from 'chai';
import { lines, type CliResult } from './cli.js';
import { PLAIN, summaryLines, tally, valueOf, type Fixture, type Placeholder, type Tally } from './redaction-fixture.js';
import { findFragments, haystacks, type ExportContents, type Value } from './redaction-read.js';

export function expectOk(r: CliResult): void {
  expect(r.code, `exit code; stderr:\n${r.stderr}`).to.equal(0);
}

/** A value as text for comparison across formats: CSV has only text, JSON and SQLite have numbers. */
function comparable(v: Value | undefined): string | null {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) return `blob:${v.toString('hex')}`;
  return String(v);
}

/** Every planted row of the exported tables is in the export, each value exactly as redaction must leave it. */
export function expectRowsRedacted(contents: ExportContents, fixture: Fixture, options: { tables?: readonly string[]; placeholder?: Placeholder } = {}): void {
  const placeholder = options.placeholder ?? PLAIN;
  for (const row of fixture.rows) {
    if (options.tables && !options.tables.includes(row.table)) continue;
    const rows = contents.tables[row.table];
    expect(rows, `table ${row.table} in the export`).to.be.an('array');
    const keyValue = String(valueOf(row.values[row.key]!, null));
    const found = rows!.find((r) => comparable(r[row.key]) === keyValue);
    expect(found, `${row.table} row ${row.key}=${keyValue}`).to.not.equal(undefined);
    for (const [column, planted] of Object.entries(row.values)) {
      const want = valueOf(planted, placeholder);
      expect(comparable(found![column]), `${row.table}.${column} of ${row.key}=${keyValue}`).to.equal(comparable(want as Value));
    }
  }
}

/** No window of `n` characters of any planted secret in the export (bytes and decoded values), stdout or stderr. */
export function expectNoFragments(contents: ExportContents | null, run: CliResult | null, fixture: Fixture, n = 12): void {
  const leaks = findFragments(haystacks(contents, run ?? undefined), fixture.secrets, n);
  expect(leaks.map((l) => `${l.label} (${l.fragment}) in ${l.where}`), 'planted secrets found').to.deep.equal([]);
  const texts = haystacks(contents, run ?? undefined);
  for (const home of fixture.homes) {
    for (const variant of [home, JSON.stringify(home).slice(1, -1)]) {
      expect(texts.filter((t) => t.text.includes(variant)).map((t) => t.where), `home folder ${home}`).to.deep.equal([]);
    }
  }
}

/** The manifest's per-table, per-column, per-rule counts and totals equal what was planted. */
export function expectManifestCounts(manifest: Record<string, any>, want: Tally): void {
  const summary = manifest['redaction']['summary'] as { total: number; byRule: Record<string, { count: number; category: string }>; byTable: Tally };
  expect(manifest['redaction']['enabled']).to.equal(true);
  expect(summary.byTable).to.deep.equal(want);
  const rules: Record<string, number> = {};
  for (const columns of Object.values(want)) for (const r of Object.values(columns)) for (const [rule, n] of Object.entries(r)) rules[rule] = (rules[rule] ?? 0) + n;
  expect(Object.fromEntries(Object.entries(summary.byRule).map(([rule, c]) => [rule, c.count]))).to.deep.equal(rules);
  expect(summary.total).to.equal(Object.values(rules).reduce((a, b) => a + b, 0));
}

/** The CLI's "Redaction summary:" block on stdout and its "Applying redaction..." lines on stderr. */
export function expectSummaryPrinted(r: CliResult, want: Tally, placeholder = '[REDACTED]'): void {
  const out = lines(r.stdout);
  const at = out.indexOf('Redaction summary:');
  expect(at, `stdout:\n${r.stdout}`).to.be.at.least(0);
  const expected = summaryLines(want, placeholder);
  expect(out.slice(at + 1)).to.deep.equal(expected.map((l) => `  - ${l}`));
  const err = lines(r.stderr);
  const applying = err.indexOf('  Applying redaction...');
  expect(applying, `stderr:\n${r.stderr}`).to.be.at.least(0);
  expect(err.slice(applying + 1, applying + 1 + expected.length)).to.deep.equal(expected.map((l) => `    ✓ ${l}`));
}

export { tally };
