import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { ALNUM, body, seeded } from '../unit/redaction/fakes.js';
import { lines, type CliResult } from '../support/cli.js';
import { cliIn, plantWorkspace, type Fixture, type PlantedWorkspace, type RowSpec } from '../support/redaction-fixture.js';
import { expectNoFragments, expectOk } from '../support/redaction-expect.js';
import { readExport, walkFiles } from '../support/redaction-read.js';
import { removeTempDir } from '../support/temp.js';

const rand = seeded(31337);

async function workspace(config: string, sql: readonly string[], rows: readonly RowSpec[], secrets: Record<string, string>): Promise<PlantedWorkspace> {
  const fixture: Fixture = { rows: [], secrets, nearMisses: [], homes: [] };
  const ws = await plantWorkspace({ config, fixture, extraSql: sql, rows });
  await mkdir(path.join(ws.dir, 'out'));
  return ws;
}

function errorLine(r: CliResult): string {
  const errors = lines(r.stderr).filter((l) => l.startsWith('✗ '));
  expect(errors, r.stderr).to.have.length(1);
  return errors[0]!;
}

describe('e2e: secrets never appear in error messages or progress', function () {
  describe('a table keyed by secret-looking strings', () => {
    let ws: PlantedWorkspace;
    const one = `ghp_${body(rand, ALNUM, 36)}`;
    const two = `ghp_${body(rand, ALNUM, 36)}`;
    before(async () => {
      ws = await workspace('', ['CREATE TABLE api_tokens (token TEXT PRIMARY KEY, note TEXT NOT NULL)'], [
        { table: 'api_tokens', key: 'token', values: { token: one, note: 'ci' } },
        { table: 'api_tokens', key: 'token', values: { token: two, note: 'deploy' } },
      ], { one, two });
    });
    after(() => removeTempDir(ws?.dir));

    it('importing an unredacted export back over itself fails on the primary key (ACODE-IMP-004, exit 1)', async () => {
      expectOk(await cliIn(ws.dir, ['db', 'export', '--no-redact', '--format', 'json', '--tables', 'api_tokens', '--output', 'out/raw.json']));
      const r = await cliIn(ws.dir, ['db', 'import', 'out/raw.json']);
      expect(r.code).to.equal(1);
      expect(errorLine(r)).to.match(/^✗ ACODE-IMP-004 Primary key conflict: api_tokens: /);
    });

    it('the primary-key conflict names the table and key column but not the key value (stderr and --json)', async () => {
      await cliIn(ws.dir, ['db', 'export', '--no-redact', '--format', 'json', '--tables', 'api_tokens', '--output', 'out/raw2.json']);
      const r = await cliIn(ws.dir, ['db', 'import', 'out/raw2.json']);
      expect(errorLine(r)).to.include('api_tokens').and.include('token');
      expectNoFragments(null, r, ws.fixture, 8);
      const json = await cliIn(ws.dir, ['--json', 'db', 'import', 'out/raw2.json']);
      expect(json.code).to.equal(1);
      expectNoFragments(null, json, ws.fixture, 8);
    });

    it('a redacted JSON export of it is refused up front naming the key column and the fix, no secret, no file (it wrote both keys as [REDACTED], which no import could load)', async () => {
      const r = await cliIn(ws.dir, ['db', 'export', '--format', 'json', '--tables', 'api_tokens', '--output', 'out/red.json']);
      expect(r.code).to.equal(1);
      expect(errorLine(r)).to.equal(
        '✗ ACODE-EXP-002 Redaction failed: api_tokens.token is a key, and redaction would give its 2 rows the same placeholder (an import of the export would fail on them) — set export.pseudonymize: true (distinct placeholders keep keys apart), or leave the table out with --exclude-tables',
      );
      expectNoFragments(null, r, ws.fixture, 8);
      expect((await walkFiles(path.join(ws.dir, 'out'))).filter((n) => n.includes('red.json'))).to.deep.equal([]);
    });

    it('a redacted SQLite export that fails mid-way (the placeholder collides on the key) names no secret and leaves no file', async () => {
      const r = await cliIn(ws.dir, ['db', 'export', '--format', 'sqlite', '--output', 'out/keyed.db']);
      expectNoFragments(null, r, ws.fixture, 8);
      const written = (await walkFiles(path.join(ws.dir, 'out'))).filter((n) => n.includes('keyed'));
      // Whether it fails (today) or succeeds (once fixed), nothing partial is left and nothing leaks.
      if (r.code === 0) expectNoFragments(await readExport(path.join(ws.dir, 'out/keyed.db')), null, ws.fixture);
      else expect(written).to.deep.equal([]);
    });

    it('a redacted SQLite export of a table keyed by a secret column succeeds (or fails up front naming the column and the fix)', async () => {
      const r = await cliIn(ws.dir, ['db', 'export', '--format', 'sqlite', '--output', 'out/keyed2.db']);
      if (r.code !== 0) {
        expect(errorLine(r)).to.include('api_tokens.token').and.include('pseudonymize');
        return;
      }
      const contents = await readExport(path.join(ws.dir, 'out/keyed2.db'));
      expect(contents.tables['api_tokens']).to.have.length(2);
      expectNoFragments(contents, r, ws.fixture);
    });
  });

  describe('a value too large to scan', () => {
    let ws: PlantedWorkspace;
    const token = `ghp_${body(rand, ALNUM, 36)}`;
    before(async () => {
      const huge = `${token} ${'x'.repeat(17 * 1024 * 1024)}`;
      ws = await workspace('', ['CREATE TABLE dumps (id INTEGER PRIMARY KEY, label TEXT, body TEXT)'], [
        { table: 'dumps', key: 'id', values: { id: 1, label: 'ok', body: 'small' } },
        { table: 'dumps', key: 'id', values: { id: 2, label: 'big', body: huge } },
      ], { token });
    });
    after(() => removeTempDir(ws?.dir));

    for (const format of ['json', 'sqlite'] as const) {
      it(`${format}: ACODE-EXP-002 naming table and column, not the value; no output kept`, async () => {
        const r = await cliIn(ws.dir, ['db', 'export', '--format', format, '--tables', 'dumps', '--output', `out/d.${format}`]);
        expect(r.code, r.stderr).to.equal(1);
        expect(errorLine(r)).to.match(/^✗ ACODE-EXP-002 Redaction failed: table dumps, column body: a value of \d+ characters is larger than the 16 MiB that redaction scans/);
        expectNoFragments(null, r, ws.fixture, 8);
        expect(await walkFiles(path.join(ws.dir, 'out'))).to.deep.equal([]);
      });
    }
  });
});
