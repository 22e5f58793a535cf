import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { lines, type CliResult } from '../support/cli.js';
import { cliIn, plantWorkspace, type PlantedWorkspace, type RowSpec } from '../support/redaction-fixture.js';
import { expectNoFragments, expectOk } from '../support/redaction-expect.js';
import { readExport } from '../support/redaction-read.js';
import { removeTempDir } from '../support/temp.js';

const rulesConfig = (...entries: string[]): string => `export:\n  redaction_patterns:\n${entries.join('')}`;
const rule = (name: string, key: string, value: string): string => `    - name: ${name}\n      ${key}: ${JSON.stringify(value)}\n`;

/** One ACODE-CFG-006 line on stderr, exit 1, naming the rule and its place in the config file. */
function expectRuleError(r: CliResult, name: string, ...says: string[]): string {
  expect(r.code, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`).to.equal(1);
  const errors = lines(r.stderr).filter((l) => l.startsWith('✗ '));
  expect(errors).to.have.length(1);
  const line = errors[0]!;
  expect(line).to.match(new RegExp(`^✗ ACODE-CFG-006 Invalid redaction rule: \\.agent/config\\.yml:3:7: rule '${name}': `));
  for (const s of says) expect(line).to.include(s);
  return line;
}

describe('e2e: redaction rules from .agent/config.yml — bad input and the spec example', function () {
  const made: string[] = [];
  async function workspace(config: string, options: { rows?: RowSpec[]; extraSql?: string[] } = {}): Promise<PlantedWorkspace> {
    const ws = await plantWorkspace({ config, ...options });
    made.push(ws.dir);
    return ws;
  }
  after(async () => {
    for (const dir of made) await removeTempDir(dir);
  });

  describe('refused up front, before anything is read or written', () => {
    const cases: { label: string; config: string; name: string; says: string[] }[] = [
      { label: 'an invalid regex names the rule and the regex error', config: rulesConfig(rule('bad_regex', 'pattern', '([a-z')), name: 'bad_regex', says: ["rule 'bad_regex': pattern is not a valid regular expression: Unterminated character class"] },
      { label: 'nested quantifiers, (a+)+$, are refused as catastrophic', config: rulesConfig(rule('nested', 'pattern', '(a+)+$')), name: 'nested', says: ['is refused', 'nested quantifiers'] },
      { label: 'overlapping alternatives under a repeat, (a|a)*b, are refused', config: rulesConfig(rule('overlap', 'pattern', '(a|a)*b')), name: 'overlap', says: ['is refused'] },
      { label: 'a back-reference is refused', config: rulesConfig(rule('backref', 'pattern', '(\\w+)=\\1')), name: 'backref', says: ['is refused', 'back-references'] },
      { label: 'two adjacent variable-length parts, \\w+\\w+, are refused', config: rulesConfig(rule('split', 'pattern', '\\w+\\w+')), name: 'split', says: ['is refused'] },
      { label: 'an unknown rule kind (regex:) is reported by name', config: rulesConfig(rule('kindless', 'regex', 'abc')), name: 'kindless', says: ["unknown key 'regex'"] },
      { label: 'a rule that says neither column, pattern nor allow is reported', config: rulesConfig(rule('empty', 'description', 'nothing')), name: 'empty', says: ['says neither what to redact nor what to keep'] },
      { label: 'a glob with characters a column name cannot hold is reported', config: rulesConfig(rule('badglob', 'column', 'api[key]')), name: 'badglob', says: ['column glob "api[key]"'] },
    ];
    for (const c of cases) {
      it(`${c.label}: ACODE-CFG-006, exit 1, file:line:col; for the export and for --plan`, async () => {
        const ws = await workspace(c.config);
        for (const args of [['db', 'export', '--format', 'json', '--output', 'x.json'], ['db', 'export', '--plan']]) {
          const r = await cliIn(ws.dir, args);
          expectRuleError(r, c.name, ...c.says);
          expect(r.stdout).to.equal('');
        }
        expect((await readdir(ws.dir)).sort()).to.deep.equal(['.agent']);
        expectNoFragments(null, null, ws.fixture);
      });
    }
  });

  describe('a pattern that is allowed runs bounded', () => {
    const long = 'a'.repeat(1_000_000);
    it("an export over 1 MB 'aaaa…b' and 'aaaa…' values finishes; the match takes the whole run", async () => {
      const ws = await workspace(rulesConfig(rule('runs', 'pattern', 'a+b')), {
        extraSql: ['CREATE TABLE long_t (id INTEGER PRIMARY KEY, body TEXT)'],
        rows: [
          { table: 'long_t', key: 'id', values: { id: 1, body: `${long}b` } },
          { table: 'long_t', key: 'id', values: { id: 2, body: long } },
          { table: 'long_t', key: 'id', values: { id: 3, body: 'xx aaab yy' } },
        ],
      });
      const r = await cliIn(ws.dir, ['db', 'export', '--format', 'json', '--tables', 'long_t', '--output', 'long.json']);
      expectOk(r);
      const contents = await readExport(path.join(ws.dir, 'long.json'));
      expect(contents.tables['long_t']!.map((row) => row['body'])).to.deep.equal(['[REDACTED]', long, 'xx [REDACTED] yy']);
      expect(contents.manifests[0]!['redaction']['summary']['byTable']).to.deep.equal({ long_t: { body: { runs: 2 } } });
    });
  });

  describe('column globs that match nothing', () => {
    const config = rulesConfig(rule('vault_keys', 'column', '*_vaultkey'));

    it('--plan reports the rule and its glob with a warning', async () => {
      const ws = await workspace(config);
      const r = await cliIn(ws.dir, ['db', 'export', '--plan']);
      expectOk(r);
      const warnings = lines(r.stdout).filter((l) => l.startsWith('  ⚠ '));
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.include("'vault_keys'").and.include('"*_vaultkey"').and.include('no column');
    });

    it('the --plan warning says it once: "⚠ column rule \'vault_keys\' (column "*_vaultkey") matches no column of the exported tables"', async () => {
      const ws = await workspace(config);
      const r = await cliIn(ws.dir, ['db', 'export', '--plan']);
      expect(lines(r.stdout).filter((l) => l.startsWith('  ⚠ '))).to.deep.equal(['  ⚠ column rule \'vault_keys\' (column "*_vaultkey") matches no column of the exported tables']);
    });

    it('the export itself warns on stderr about the rule that matched nothing', async () => {
      const ws = await workspace(config);
      const r = await cliIn(ws.dir, ['db', 'export', '--format', 'json', '--output', 'x.json']);
      expectOk(r);
      const warnings = lines(r.stderr).filter((l) => l.startsWith('⚠ '));
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.include("'vault_keys'").and.include('"*_vaultkey"');
    });
  });

  describe("the spec's own config example", () => {
    const SPEC = [
      'export:',
      '  redact_by_default: true',
      '  ',
      '  # Custom redaction patterns',
      '  redaction_patterns:',
      '    - column: "*_key"',
      '    - column: "*_secret"',
      '    - column: "*_token"',
      '    - pattern: "sk-[a-zA-Z0-9]+"',
      '    - pattern: "ghp_[a-zA-Z0-9]+"',
      '',
    ].join('\n');

    it('loads, names its rules by place, and an export with it leaves no planted secret', async () => {
      const ws = await workspace(SPEC);
      const plan = await cliIn(ws.dir, ['db', 'export', '--plan', '--tables', 'credentials']);
      expectOk(plan);
      expect(lines(plan.stdout).filter((l) => l.includes('redacted by column rule'))).to.deep.equal([
        '      api_key: redacted by column rule column_1',
        '      access_token: redacted by column rule column_3',
        '      refresh_token: redacted by column rule column_3',
        '      client_secret: redacted by column rule column_2',
      ]);
      const r = await cliIn(ws.dir, ['db', 'export', '--format', 'json', '--redact', '--output', 'spec.json']);
      expectOk(r);
      const contents = await readExport(path.join(ws.dir, 'spec.json'));
      expectNoFragments(contents, r, ws.fixture);
      const rules = (contents.manifests[0]!['header']['redaction']['rules'] as { name: string; kind: string }[]).slice(0, 5);
      expect(rules).to.deep.equal([
        { name: 'column_1', kind: 'column' }, { name: 'column_2', kind: 'column' }, { name: 'column_3', kind: 'column' },
        { name: 'pattern_4', kind: 'content' }, { name: 'pattern_5', kind: 'content' },
      ]);
      const byRule = contents.manifests[0]!['redaction']['summary']['byRule'] as Record<string, { count: number; category: string }>;
      // The user's rules come first, so they take (and count) what they match: credentials.api_key and the
      // settings row named openai.api_key are column_1's; the three ghp_ tokens in text and BLOB are pattern_5's.
      expect(byRule['column_1']).to.deep.equal({ count: 2, category: 'custom matches' });
      expect(byRule['pattern_5']).to.deep.equal({ count: 3, category: 'custom matches' });
      expect(r.stdout).to.match(/ {2}- \d+ custom matches replaced with \[REDACTED\]/);
    });
  });

  describe('switches', () => {
    it('with default_rules, redact_paths and redact_emails all false, --plan keeps every column but those the config names', async () => {
      const ws = await workspace('export:\n  default_rules: false\n  redact_paths: false\n  redact_emails: false\n  redaction_patterns:\n    - name: vault_pw\n      column: password\n');
      const r = await cliIn(ws.dir, ['db', 'export', '--plan', '--tables', 'agent_vault,credentials']);
      expectOk(r);
      const columns = lines(r.stdout).filter((l) => l.startsWith('      '));
      expect(columns).to.deep.equal([
        '      id: kept', '      service: kept', '      password: redacted by column rule vault_pw', '      notes: kept', '      created_at: kept',
        '      id: kept', '      provider: kept', '      api_key: kept', '      access_token: kept', '      refresh_token: kept', '      client_secret: kept', '      created_at: kept',
      ]);
    });

    it('a rule\'s own replacement text is used instead of the placeholder', async () => {
      const ws = await workspace(rulesConfig(`    - name: vault_pw\n      column: password\n      replacement: "<removed>"\n`));
      const r = await cliIn(ws.dir, ['db', 'export', '--format', 'json', '--tables', 'agent_vault', '--output', 'v.json']);
      expectOk(r);
      const contents = await readExport(path.join(ws.dir, 'v.json'));
      expect(contents.tables['agent_vault']!.map((row) => row['password'])).to.deep.equal(['<removed>', '<removed>']);
      expectNoFragments(contents, r, { ...ws.fixture, rows: [] });
    });

    it('config globs ignore case and separators: *_key covers api_key, apiKey and API-KEY', async () => {
      const ws = await workspace(rulesConfig(rule('any_key', 'column', '*_key')), {
        extraSql: ['CREATE TABLE keys_t (id INTEGER PRIMARY KEY, api_key TEXT, apiKey TEXT, "API-KEY" TEXT, keyring TEXT)'],
        rows: [{ table: 'keys_t', key: 'id', values: { id: 1, api_key: 'v1', apiKey: 'v2', 'API-KEY': 'v3', keyring: 'kept' } }],
      });
      const r = await cliIn(ws.dir, ['db', 'export', '--plan', '--tables', 'keys_t']);
      expectOk(r);
      expect(lines(r.stdout).filter((l) => l.startsWith('      '))).to.deep.equal([
        '      id: scanned by content rules',
        '      api_key: redacted by column rule any_key',
        '      apiKey: redacted by column rule any_key',
        '      API-KEY: redacted by column rule any_key',
        '      keyring: scanned by content rules',
      ]);
    });

    it('*_key does not take columns that are one word ending in "key" (monkey, turkey, hockey)', async () => {
      const ws = await workspace(rulesConfig(rule('any_key', 'column', '*_key')), {
        extraSql: ['CREATE TABLE zoo (id INTEGER PRIMARY KEY, monkey TEXT, turkey TEXT)'],
        rows: [{ table: 'zoo', key: 'id', values: { id: 1, monkey: 'george', turkey: 'tom' } }],
      });
      const r = await cliIn(ws.dir, ['db', 'export', '--plan', '--tables', 'zoo']);
      expect(lines(r.stdout).filter((l) => l.startsWith('      '))).to.deep.equal(['      id: scanned by content rules', '      monkey: scanned by content rules', '      turkey: scanned by content rules']);
    });
  });
});
