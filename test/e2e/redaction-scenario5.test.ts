import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { lines } from '../support/cli.js';
import { cliIn, plantWorkspace, summaryLines, tally, type PlantedWorkspace } from '../support/redaction-fixture.js';
import { expectManifestCounts, expectNoFragments, expectOk, expectRowsRedacted, expectSummaryPrinted } from '../support/redaction-expect.js';
import { readExport } from '../support/redaction-read.js';
import { leftovers, removeTempDir } from '../support/temp.js';

interface Case {
  readonly label: string;
  readonly args: readonly string[];
  /** The export as written, relative to the workspace. */
  readonly target: string;
  readonly tables?: readonly string[];
}

const CASES: readonly Case[] = [
  { label: 'JSON (acode db export --redact, as the spec runs it)', args: ['--format', 'json', '--redact', '--output', 'out/e.json'], target: 'out/e.json' },
  { label: 'NDJSON, gzipped', args: ['--format', 'ndjson', '--output', 'out/e.ndjson.gz'], target: 'out/e.ndjson.gz' },
  { label: 'CSV, a folder of tables', args: ['--format', 'csv', '--output', 'out/e.csv'], target: 'out/e' },
  { label: 'CSV, a single table', args: ['--format', 'csv', '--tables', 'conv_messages', '--output', 'out/m.csv'], target: 'out/m.csv', tables: ['conv_messages'] },
  { label: 'SQLite', args: ['--format', 'sqlite', '--output', 'out/e.db'], target: 'out/e.db' },
  { label: 'CSV in a tar.gz bundle', args: ['--format', 'csv', '--output', 'out/e.tar.gz'], target: 'out/e.tar.gz' },
  { label: 'JSON in a tar bundle', args: ['--format', 'json', '--output', 'out/j.tar'], target: 'out/j.tar' },
];

describe('e2e: User Verification Scenario 5, a redacted export, in every format', function () {
  let ws: PlantedWorkspace;

  before(async () => {
    ws = await plantWorkspace();
    await mkdir(path.join(ws.dir, 'out'));
  });
  after(() => removeTempDir(ws?.dir));

  for (const c of CASES) {
    it(`${c.label}: no planted secret nor any 12-character fragment of one anywhere; placeholders, ~ paths, near misses and counts exact`, async () => {
      const r = await cliIn(ws.dir, ['db', 'export', ...c.args]);
      expectOk(r);
      const contents = await readExport(path.join(ws.dir, c.target));
      // 1. Sensitive data removed: from every byte, every decoded value, both manifests, stdout and stderr.
      expectNoFragments(contents, r, ws.fixture);
      // 2. Placeholders present where the secrets were, home folders as ~, near misses untouched.
      expectRowsRedacted(contents, ws.fixture, { tables: c.tables });
      // 3. The counts: the manifest's per table, column and rule, and the CLI's summary lines.
      const want = tally(ws.fixture.rows, c.tables);
      expect(contents.manifests.length).to.be.at.least(1);
      for (const manifest of contents.manifests) expectManifestCounts(manifest, want);
      expectSummaryPrinted(r, want);
      expect(await leftovers(path.join(ws.dir, 'out'))).to.deep.equal([]);
    });
  }

  it('the summary names the planted numbers per category, as the spec words them', () => {
    // Counted by hand from the fixture, so a mistake in the tally helper cannot hide one in the product.
    expect(summaryLines(tally(ws.fixture.rows))).to.deep.equal([
      '7 API keys replaced with [REDACTED]',
      '11 tokens replaced with [REDACTED]',
      '3 secrets replaced with [REDACTED]',
      '6 passwords replaced with [REDACTED]',
      '1 private key replaced with [REDACTED]',
      '2 e-mail addresses masked with [REDACTED]',
      '4 user names masked with [REDACTED]',
      '9 file paths normalized',
    ]);
  });

  it('the SQLite export carries the same summary in its _acode_export table', async () => {
    const r = await cliIn(ws.dir, ['db', 'export', '--format', 'sqlite', '--output', 'out/meta.db']);
    expectOk(r);
    const contents = await readExport(path.join(ws.dir, 'out/meta.db'));
    const meta = Object.fromEntries(contents.tables['_acode_export']!.map((row) => [row['key'], JSON.parse(String(row['value']))])) as Record<string, any>;
    expect(meta['metadata']['redaction']['enabled']).to.equal(true);
    expect(meta['summary']['redaction']['byTable']).to.deep.equal(tally(ws.fixture.rows));
  });

  it('a stream to stdout is redacted the same, and the summary goes to stderr only', async () => {
    const r = await cliIn(ws.dir, ['db', 'export', '--format', 'ndjson', '--output', '-']);
    expectOk(r);
    expectNoFragments(null, r, ws.fixture);
    const rows = lines(r.stdout).map((l) => JSON.parse(l) as { table?: string; row?: Record<string, unknown> });
    const key = rows.find((x) => x.table === 'credentials' && x.row?.['id'] === 1);
    expect(key?.row?.['api_key']).to.equal('[REDACTED]');
    const want = summaryLines(tally(ws.fixture.rows));
    const err = lines(r.stderr);
    for (const line of want) expect(err).to.include(`    ✓ ${line}`);
  });
});
