import path from 'node:path';
import { expect } from 'chai';
import { lines } from '../support/cli.js';
import { cliIn, plantWorkspace, type PlantedWorkspace } from '../support/redaction-fixture.js';
import { expectNoFragments, expectOk } from '../support/redaction-expect.js';
import { findFragments, haystacks, readExport, walkFiles } from '../support/redaction-read.js';
import { openToRead } from '../support/sqlite.js';
import { removeTempDir } from '../support/temp.js';

const WARNING = '⚠ redaction is OFF (--no-redact): the output holds secrets as they are in the database; do not share it';

/** Columns the default column rules take whole in the fixture's tables; every other column is scanned. */
const COLUMN_RULES: Readonly<Record<string, string>> = {
  'credentials.api_key': 'api_key',
  'credentials.access_token': 'token',
  'credentials.refresh_token': 'token',
  'credentials.client_secret': 'secret',
  'agent_vault.password': 'password',
  'sess_sessions.user_name': 'user_name',
  'appr_approvals.decided_by': 'user_name',
};

/** Tables, row counts and columns of the planted database, read from SQLite itself. */
function schemaOf(db: string): { name: string; rows: number; columns: string[] }[] {
  const conn = openToRead(db);
  try {
    const names = conn.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").pluck().all() as string[];
    return names.map((name) => ({
      name,
      rows: Number(conn.prepare(`SELECT count(*) FROM "${name}"`).pluck().get()),
      columns: (conn.prepare(`PRAGMA table_info("${name}")`).all() as { name: string }[]).map((c) => c.name),
    }));
  } finally {
    conn.close();
  }
}

describe('e2e: --no-redact and --plan', function () {
  let ws: PlantedWorkspace;
  before(async () => {
    ws = await plantWorkspace();
  });
  after(() => removeTempDir(ws?.dir));

  describe('--no-redact', () => {
    it('warns on stderr, writes every secret as it is, and the manifest says redaction was disabled', async () => {
      const r = await cliIn(ws.dir, ['db', 'export', '--no-redact', '--format', 'json', '--output', 'raw.json']);
      expectOk(r);
      expect(lines(r.stderr)[0]).to.equal(WARNING);
      expect(r.stderr).to.include('  Redaction: DISABLED');
      expect(r.stdout).to.not.include('Redaction summary');
      const contents = await readExport(path.join(ws.dir, 'raw.json'));
      // The control for every "no fragment" assertion: here, each planted secret is found.
      const found = new Set(findFragments(haystacks(contents), ws.fixture.secrets).map((l) => l.label));
      expect([...found].sort()).to.deep.equal(Object.keys(ws.fixture.secrets).sort());
      const manifest = contents.manifests[0]!;
      expect(manifest['redaction']).to.deep.equal({ enabled: false, rules: [], summary: null });
      expect(manifest['header']['redaction']).to.deep.equal({ enabled: false, rules: [] });
      expect(contents.tables['credentials']!.find((row) => row['id'] === 1)!['api_key']).to.equal(ws.fixture.secrets['openai']);
    });

    it('the warning is printed even with --quiet, and with --format sqlite', async () => {
      const r = await cliIn(ws.dir, ['--quiet', 'db', 'export', '--no-redact', '--format', 'sqlite', '--output', 'raw.db']);
      expectOk(r);
      expect(lines(r.stderr)).to.deep.equal([WARNING]);
      expect(r.stdout).to.equal('');
      const contents = await readExport(path.join(ws.dir, 'raw.db'));
      expect(findFragments(haystacks(contents), ws.fixture.secrets).length).to.be.above(0);
    });

    it('an export left unredacted by export.redact_by_default: false warns the same way, even with --quiet', async () => {
      const off = await plantWorkspace({ config: 'export:\n  redact_by_default: false\n' });
      try {
        const r = await cliIn(off.dir, ['--quiet', 'db', 'export', '--format', 'json', '--output', 'raw.json']);
        expectOk(r);
        expect(lines(r.stderr)).to.have.length(1);
        expect(lines(r.stderr)[0]).to.match(/^⚠ redaction is OFF.*the output holds secrets/);
      } finally {
        await removeTempDir(off.dir);
      }
    });

    it('a redacted export without --no-redact prints no such warning', async () => {
      const r = await cliIn(ws.dir, ['db', 'export', '--format', 'json', '--output', 'clean.json']);
      expectOk(r);
      expect(r.stderr).to.not.include('redaction is OFF');
      expect(r.stderr).to.include('  Redaction: enabled');
    });
  });

  describe('--plan and --dry-run', () => {
    function expectedTableLines(): string[] {
      const out: string[] = [];
      for (const t of schemaOf(ws.db)) {
        out.push(`  ${t.name}: ${t.rows.toLocaleString('en-US')} ${t.rows === 1 ? 'record' : 'records'}`);
        for (const c of t.columns) {
          const rule = COLUMN_RULES[`${t.name}.${c}`];
          out.push(`      ${c}: ${rule ? `redacted by column rule ${rule}` : 'scanned by content rules'}`);
        }
      }
      return out;
    }

    /** The rules the plan names (its --json form), so a rule added to the defaults needs no edit here. */
    async function planRuleCount(): Promise<number> {
      const r = await cliIn(ws.dir, ['db', 'export', '--plan', '--json', '--format', 'csv', '--output', 'planned.csv']);
      expectOk(r);
      return (JSON.parse(r.stdout) as { header: { redaction: { rules: unknown[] } } }).header.redaction.rules.length;
    }

    for (const flag of ['--plan', '--dry-run', '-n']) {
      it(`${flag} lists every column of every table with what redaction does to it, and writes nothing`, async () => {
        const before = await walkFiles(ws.dir);
        const r = await cliIn(ws.dir, ['db', 'export', flag, '--format', 'csv', '--output', 'planned.csv']);
        expectOk(r);
        const out = lines(r.stdout);
        const rules = await planRuleCount();
        expect(rules).to.be.above(100);
        expect(out.slice(0, 5)).to.deep.equal(['Export plan (dry run: nothing is written)', '  Format: CSV', '  Output: planned/', '  Manifest: planned/manifest.json', `  Redaction: enabled (${rules} rules)`]);
        expect(out.filter((l) => l.startsWith('  Note: '))).to.have.length(1);
        expect(out.slice(out.indexOf('') + 1).map((l) => l.replace(/ → [\w.]+$/, ''))).to.deep.equal(expectedTableLines());
        expect(await walkFiles(ws.dir)).to.deep.equal(before);
        expectNoFragments(null, r, ws.fixture);
      });
    }

    it('with redaction off (--no-redact), each column is "kept" and the plan says the output would hold secrets', async () => {
      const r = await cliIn(ws.dir, ['db', 'export', '--plan', '--no-redact', '--tables', 'credentials']);
      expectOk(r);
      expect(lines(r.stdout)).to.deep.equal([
        'Export plan (dry run: nothing is written)',
        '  Format: JSON',
        '  Output: standard output',
        '  Redaction: DISABLED — the output would hold secrets',
        '',
        '  credentials: 3 records',
        ...['id', 'provider', 'api_key', 'access_token', 'refresh_token', 'client_secret', 'created_at'].map((c) => `      ${c}: kept`),
      ]);
    });

    it('--json --plan gives each column its action, rule and reason, and names no value', async () => {
      const r = await cliIn(ws.dir, ['--json', 'db', 'export', '--plan', '--tables', 'credentials,settings']);
      expectOk(r);
      const plan = JSON.parse(r.stdout) as { dryRun: boolean; tables: { name: string; columns: { column: string; action: string; rule?: string; reason: string }[] }[] };
      expect(plan.dryRun).to.equal(true);
      const credentials = plan.tables.find((t) => t.name === 'credentials')!;
      expect(credentials.columns.map((c) => [c.column, c.action, c.rule ?? null])).to.deep.equal([
        ['id', 'scan', null], ['provider', 'scan', null], ['api_key', 'redact', 'api_key'], ['access_token', 'redact', 'token'],
        ['refresh_token', 'redact', 'token'], ['client_secret', 'redact', 'secret'], ['created_at', 'scan', null],
      ]);
      const value = plan.tables.find((t) => t.name === 'settings')!.columns.find((c) => c.column === 'value')!;
      expect(value.reason).to.include("taken whole when the row's key names a secret");
      expectNoFragments(null, r, ws.fixture);
    });
  });
});
