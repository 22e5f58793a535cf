import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { ALNUM, body, chars, seeded } from '../unit/redaction/fakes.js';
import { lines, type CliResult } from '../support/cli.js';
import { cliIn, plantWorkspace, type Fixture, type PlantedWorkspace, type RowSpec } from '../support/redaction-fixture.js';
import { expectNoFragments, expectOk } from '../support/redaction-expect.js';
import { findFragments, haystacks, readExport, walkFiles } from '../support/redaction-read.js';
import { makeTempDir, removeTempDir } from '../support/temp.js';

const rand = seeded(9001);
const RULES_OFF = 'export:\n  default_rules: false\n';

/** A workspace holding only the given rows (beside the empty migrated tables) and their secrets. */
async function isolated(config: string, sql: readonly string[], rows: readonly RowSpec[], secrets: Record<string, string>): Promise<PlantedWorkspace> {
  const fixture: Fixture = { rows: [], secrets, nearMisses: [], homes: [] };
  const ws = await plantWorkspace({ config, fixture, extraSql: sql, rows });
  await mkdir(path.join(ws.dir, 'out'));
  return ws;
}

function fingerprintOf(r: CliResult): string {
  const m = /fingerprint ([0-9a-f]{16})/.exec(r.stderr);
  expect(m, `no fingerprint in stderr:\n${r.stderr}`).to.not.equal(null);
  return m![1]!;
}

/** ACODE-EXP-003, exit 1, naming detector, table and column, and nothing of the value. */
function expectLeakFailure(r: CliResult, ws: PlantedWorkspace, where: { detector: string; table: string; column: string }): void {
  expect(r.code, `stderr:\n${r.stderr}`).to.equal(1);
  const errors = lines(r.stderr).filter((l) => l.startsWith('✗ '));
  expect(errors).to.have.length(1);
  expect(errors[0]).to.match(/^✗ ACODE-EXP-003 Leak scan found a secret in the output: /);
  expect(errors[0]).to.include(where.detector);
  // The byte stream says "in table T, column C"; the SQLite row scan says "in T.C".
  expect(errors[0]).to.satisfy((l: string) => l.includes(`in table ${where.table}, column ${where.column}`) || l.includes(`in ${where.table}.${where.column}`));
  expectNoFragments(null, r, ws.fixture, 8);
}

const FORMATS = [
  { label: 'JSON', args: ['--format', 'json', '--output', 'out/x.json'] },
  { label: 'NDJSON', args: ['--format', 'ndjson', '--output', 'out/x.ndjson'] },
  { label: 'CSV folder', args: ['--format', 'csv', '--output', 'out/x.csv'] },
  { label: 'CSV tar.gz', args: ['--format', 'csv', '--output', 'out/x.tar.gz'] },
  { label: 'gzipped JSON', args: ['--format', 'json', '--output', 'out/x.json.gz'] },
  { label: 'SQLite', args: ['--format', 'sqlite', '--output', 'out/x.db'] },
] as const;

describe('e2e: the leak scan fails closed, independent of the redaction rules', function () {
  describe('a GitHub token in chat text with export.default_rules: false', () => {
    let ws: PlantedWorkspace;
    let tmp: string;
    const token = `ghp_${body(rand, ALNUM, 36)}`;
    before(async () => {
      ws = await isolated(RULES_OFF, ['CREATE TABLE notes_t (id INTEGER PRIMARY KEY, topic TEXT, body TEXT)'], [
        { table: 'notes_t', key: 'id', values: { id: 1, topic: 'ci', body: `push with ${token} please` } },
      ], { token });
      tmp = await makeTempDir('leak-tmp');
    });
    after(async () => {
      await removeTempDir(ws?.dir);
      await removeTempDir(tmp);
    });

    for (const f of FORMATS) {
      it(`${f.label}: exit 1 with no output, no temp file, and nothing of the value in stdout or stderr`, async () => {
        const r = await cliIn(ws.dir, ['db', 'export', ...f.args], { TMPDIR: tmp });
        expect(r.code, `stderr:\n${r.stderr}`).to.equal(1);
        expectNoFragments(null, r, ws.fixture, 8);
        expect(await walkFiles(path.join(ws.dir, 'out'))).to.deep.equal([]);
        expect(await walkFiles(tmp)).to.deep.equal([]);
      });

      it(`${f.label}: the error is ACODE-EXP-003 naming detector, table, column and fingerprint`, async () => {
        const r = await cliIn(ws.dir, ['db', 'export', ...f.args]);
        expectLeakFailure(r, ws, { detector: 'vendor_token', table: 'notes_t', column: 'body' });
        expect(r.stderr).to.match(/fingerprint [0-9a-f]{16}/);
      });
    }

    it('the same export passes with --allow-scan-hit <the fingerprint from the error>, and with export.allow_scan_hits', async () => {
      const failed = await cliIn(ws.dir, ['db', 'export', '--format', 'json', '--output', 'out/a.json']);
      const fingerprint = fingerprintOf(failed);
      const passed = await cliIn(ws.dir, ['db', 'export', '--format', 'json', '--output', 'out/a.json', '--allow-scan-hit', fingerprint]);
      expectOk(passed);
      // Reviewed and accepted: the value is exported as it is, because no rule was asked to take it.
      const contents = await readExport(path.join(ws.dir, 'out/a.json'));
      expect(contents.tables['notes_t']![0]!['body']).to.equal(`push with ${token} please`);
      // export verify takes the same fingerprint (it was handed to `export`'s own flag and lost).
      expect((await cliIn(ws.dir, ['db', 'export', 'verify', 'out/a.json'])).code).to.equal(2);
      expectOk(await cliIn(ws.dir, ['db', 'export', 'verify', 'out/a.json', '--allow-scan-hit', fingerprint]));
      await rm(path.join(ws.dir, 'out'), { recursive: true });
      await mkdir(path.join(ws.dir, 'out'));
      const config = `${RULES_OFF}  allow_scan_hits:\n    - "${fingerprint}"\n`;
      const other = await isolated(config, ['CREATE TABLE notes_t (id INTEGER PRIMARY KEY, topic TEXT, body TEXT)'], [
        { table: 'notes_t', key: 'id', values: { id: 1, topic: 'ci', body: `push with ${token} please` } },
      ], { token });
      try {
        expectOk(await cliIn(other.dir, ['db', 'export', '--format', 'ndjson', '--output', 'out/b.ndjson']));
      } finally {
        await removeTempDir(other.dir);
      }
    });

    it('a wrong fingerprint does not let it through', async () => {
      const r = await cliIn(ws.dir, ['db', 'export', '--format', 'json', '--output', 'out/w.json', '--allow-scan-hit', '0123456789abcdef']);
      expectLeakFailure(r, ws, { detector: 'vendor_token', table: 'notes_t', column: 'body' });
    });

    it('--json: the error object carries detector, table, column and fingerprint, never the value', async () => {
      const r = await cliIn(ws.dir, ['--json', 'db', 'export', '--format', 'json', '--output', 'out/j.json']);
      expect(r.code).to.equal(1);
      const parsed = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; context: Record<string, unknown> } };
      expect(parsed.ok).to.equal(false);
      expect(parsed.error.code).to.equal('ACODE-EXP-003');
      expect(parsed.error.context).to.include({ table: 'notes_t', column: 'body', detector: 'vendor_token' });
      expect(parsed.error.context['fingerprint']).to.match(/^[0-9a-f]{16}$/);
      expectNoFragments(null, r, ws.fixture, 8);
    });
  });

  describe('to stdout (--output -)', () => {
    let ws: PlantedWorkspace;
    const token = `ghp_${body(rand, ALNUM, 36)}`;
    before(async () => {
      // 3,000 ordinary rows, then the secret in the last row of the same table.
      const filler: RowSpec[] = Array.from({ length: 3000 }, (_, i) => ({ table: 'build_log', key: 'id', values: { id: i + 1, line: `build step ${i} ${'ok '.repeat(60)}` } }));
      ws = await isolated(RULES_OFF, ['CREATE TABLE build_log (id INTEGER PRIMARY KEY, line TEXT)'], [
        ...filler,
        { table: 'build_log', key: 'id', values: { id: 3001, line: `push with ${token} now` } },
      ], { token });
    });
    after(() => removeTempDir(ws?.dir));

    for (const format of ['ndjson', 'json', 'csv'] as const) {
      it(`${format}: the export fails; what reached stdout is the start of the export, cut before the secret`, async () => {
        const args = ['db', 'export', '--format', format, '--tables', 'build_log', '--output', '-'];
        const r = await cliIn(ws.dir, args);
        expect(r.code, r.stderr).to.equal(1);
        expect(r.stderr).to.include('ACODE-EXP-003');
        expect(findFragments(haystacks(null, r), ws.fixture.secrets, 6)).to.deep.equal([]);
        expect(r.stdout).to.not.include('ghp_');
        // The reviewed export of the same rows, for comparison: the failed stream is a prefix of it,
        // ending before the secret (the snapshot's takenAt is the real clock, so it is masked).
        const allowed = await cliIn(ws.dir, [...args, '--allow-scan-hit', fingerprintOf(r)]);
        expectOk(allowed);
        const mask = (text: string): string => text.replace(/"takenAt":"[^"]*"/, '"takenAt":"…"');
        const full = mask(allowed.stdout);
        expect(full.startsWith(mask(r.stdout)), 'stdout of the failed export is a prefix of the full one').to.equal(true);
        expect(mask(r.stdout).length).to.be.at.most(full.indexOf(token));
      });
    }
  });

  describe('a reviewed allow-list in the rules does not silence the scan', () => {
    let ws: PlantedWorkspace;
    const token = `ghp_${body(rand, ALNUM, 36)}`;
    before(async () => {
      // Default rules on; an over-broad `allow:` exempts every GitHub token from redaction.
      const config = 'export:\n  redaction_patterns:\n    - name: reviewed_tokens\n      allow: "ghp_[A-Za-z0-9]+"\n';
      ws = await isolated(config, ['CREATE TABLE notes_t (id INTEGER PRIMARY KEY, body TEXT)'], [{ table: 'notes_t', key: 'id', values: { id: 1, body: `use ${token}` } }], { token });
    });
    after(() => removeTempDir(ws?.dir));

    it('the token the rules let through is caught by the scan: ACODE-EXP-003, no output', async () => {
      const r = await cliIn(ws.dir, ['db', 'export', '--format', 'json', '--output', 'out/x.json']);
      expectLeakFailure(r, ws, { detector: 'vendor_token', table: 'notes_t', column: 'body' });
      expect(await walkFiles(path.join(ws.dir, 'out'))).to.deep.equal([]);
    });
  });

  describe('a password known only by its column name, with the column rules off', () => {
    let ws: PlantedWorkspace;
    const password = `${body(rand, ALNUM, 20)}`;
    before(async () => {
      ws = await isolated(RULES_OFF, ['CREATE TABLE db_logins (id INTEGER PRIMARY KEY, host TEXT, password TEXT)'], [
        { table: 'db_logins', key: 'id', values: { id: 1, host: 'db.internal', password } },
      ], { password });
    });
    after(() => removeTempDir(ws?.dir));

    it('JSON: the key names it, the scan catches it (secret_assignment)', async () => {
      const r = await cliIn(ws.dir, ['db', 'export', '--format', 'json', '--output', 'out/x.json']);
      expectLeakFailure(r, ws, { detector: 'secret_assignment', table: 'db_logins', column: 'password' });
    });

    for (const f of [
      { label: 'CSV', args: ['--format', 'csv', '--tables', 'db_logins', '--output', 'out/x.csv'] },
      { label: 'SQLite', args: ['--format', 'sqlite', '--output', 'out/x.db'] },
    ]) {
      it(`${f.label}: the scan must catch it too (it names the column, as JSON does)`, async () => {
        const r = await cliIn(ws.dir, ['db', 'export', ...f.args]);
        expectLeakFailure(r, ws, { detector: 'secret_assignment', table: 'db_logins', column: 'password' });
      });
    }
  });

  describe('secrets inside BLOBs, with the content rules off', () => {
    let ws: PlantedWorkspace;
    const token = `ghp_${body(rand, ALNUM, 36)}`;
    const akia = `AKIA${chars(rand, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`;
    before(async () => {
      ws = await isolated(RULES_OFF, ['CREATE TABLE files (id INTEGER PRIMARY KEY, name TEXT, data BLOB)'], [
        { table: 'files', key: 'id', values: { id: 1, name: 'utf8', data: { blob: 'utf8', parts: [`git push https://${token}@github.com/acme/app.git`] } } },
      ], { token });
    });
    after(() => removeTempDir(ws?.dir));

    it('SQLite: a BLOB holding UTF-8 text is scanned like text', async () => {
      const r = await cliIn(ws.dir, ['db', 'export', '--format', 'sqlite', '--output', 'out/x.db']);
      expectLeakFailure(r, ws, { detector: 'vendor_token', table: 'files', column: 'data' });
    });

    for (const f of [
      { label: 'JSON', args: ['--format', 'json', '--output', 'out/x.json'] },
      { label: 'CSV', args: ['--format', 'csv', '--tables', 'files', '--output', 'out/x.csv'] },
    ]) {
      it(`${f.label}: a BLOB holding UTF-8 text with a token fails the export (the scan must read the BLOB, not its base64)`, async () => {
        const r = await cliIn(ws.dir, ['db', 'export', ...f.args]);
        expectLeakFailure(r, ws, { detector: 'vendor_token', table: 'files', column: 'data' });
      });
    }

    it('SQLite: a binary BLOB with an ASCII AWS key inside fails the export', async () => {
      const bin = await isolated(RULES_OFF, ['CREATE TABLE files (id INTEGER PRIMARY KEY, data BLOB)'], [
        { table: 'files', key: 'id', values: { id: 1, data: { blob: 'latin1', prefix: Buffer.from([0xff, 0x00]), parts: [` ${akia} `] } } },
      ], { akia });
      try {
        const r = await cliIn(bin.dir, ['db', 'export', '--format', 'sqlite', '--output', 'out/x.db']);
        expectLeakFailure(r, bin, { detector: 'vendor_token', table: 'files', column: 'data' });
      } finally {
        await removeTempDir(bin.dir);
      }
    });
  });

  describe('a secret in the schema itself (a column DEFAULT), default rules on', () => {
    let ws: PlantedWorkspace;
    const stripe = `sk_live_${body(rand, ALNUM, 24)}`;
    before(async () => {
      ws = await isolated('', [`CREATE TABLE billing (id INTEGER PRIMARY KEY, plan TEXT, stripe_key TEXT DEFAULT '${stripe}')`], [
        { table: 'billing', key: 'id', values: { id: 1, plan: 'pro', stripe_key: null } },
      ], { stripe });
    });
    after(() => removeTempDir(ws?.dir));

    it('JSON: the table definition is part of the scanned bytes, so the export fails closed (or the definition is redacted)', async () => {
      const r = await cliIn(ws.dir, ['db', 'export', '--format', 'json', '--output', 'out/x.json']);
      expectNoFragments(null, r, ws.fixture, 8);
      if (r.code === 0) expectNoFragments(await readExport(path.join(ws.dir, 'out/x.json')), null, ws.fixture);
      else expect(r.stderr).to.include('ACODE-EXP-003');
    });

    for (const f of [
      { label: 'CSV folder (manifest.json)', args: ['--format', 'csv', '--output', 'out/s.csv'], target: 'out/s' },
      { label: 'CSV single table (its .manifest.json)', args: ['--format', 'csv', '--tables', 'billing', '--output', 'out/b.csv'], target: 'out/b.csv' },
      { label: 'SQLite (CREATE TABLE in the file)', args: ['--format', 'sqlite', '--output', 'out/s.db'], target: 'out/s.db' },
    ]) {
      it(`${f.label}: the key in the DEFAULT clause survives a default-redacted export`, async () => {
        const r = await cliIn(ws.dir, ['db', 'export', ...f.args]);
        if (r.code !== 0) {
          expect(r.stderr).to.include('ACODE-EXP-003');
          expectNoFragments(null, r, ws.fixture, 8);
          return;
        }
        expectNoFragments(await readExport(path.join(ws.dir, f.target)), r, ws.fixture);
      });
    }

    it('export verify fails a CSV folder whose only secret is the key in manifest.json', async () => {
      expectOk(await cliIn(ws.dir, ['db', 'export', '--no-redact', '--format', 'csv', '--output', 'out/v.csv']));
      const r = await cliIn(ws.dir, ['db', 'export', 'verify', 'out/v']);
      expect(r.code, r.stdout).to.equal(2);
      // --no-redact: the redaction check fails too.
      expect(r.stderr).to.include('leak-scan, redaction failed');
      expectNoFragments(null, r, ws.fixture, 8);
    });
  });

  it('the fixture secrets are really in these workspaces (control)', async () => {
    const token = `ghp_${body(rand, ALNUM, 36)}`;
    const ws = await isolated(RULES_OFF, ['CREATE TABLE notes_t (id INTEGER PRIMARY KEY, body TEXT)'], [{ table: 'notes_t', key: 'id', values: { id: 1, body: token } }], { token });
    try {
      expect((await readFile(ws.db)).toString('latin1')).to.include(token);
    } finally {
      await removeTempDir(ws.dir);
    }
  });
});
