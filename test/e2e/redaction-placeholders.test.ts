import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { lines } from '../support/cli.js';
import { TYPED, buildFixture, cliIn, plantWorkspace, tally, type PlantedWorkspace, type RowSpec } from '../support/redaction-fixture.js';
import { expectManifestCounts, expectNoFragments, expectOk, expectRowsRedacted, expectSummaryPrinted } from '../support/redaction-expect.js';
import { findFragments, readExport, walkFiles } from '../support/redaction-read.js';
import { makeTempDir, removeTempDir } from '../support/temp.js';

const T0 = '2024-03-01T10:00:00Z';

describe('e2e: placeholders — typed, pseudonyms — and irreversibility', function () {
  describe('export.placeholder: typed', () => {
    let ws: PlantedWorkspace;
    before(async () => {
      ws = await plantWorkspace({ config: 'export:\n  placeholder: typed\n' });
    });
    after(() => removeTempDir(ws?.dir));

    it('every secret becomes [REDACTED:<rule>] naming the rule that took it; counts unchanged', async () => {
      const r = await cliIn(ws.dir, ['db', 'export', '--format', 'json', '--output', 'typed.json']);
      expectOk(r);
      const contents = await readExport(path.join(ws.dir, 'typed.json'));
      expectNoFragments(contents, r, ws.fixture);
      expectRowsRedacted(contents, ws.fixture, { placeholder: TYPED });
      expectManifestCounts(contents.manifests[0]!, tally(ws.fixture.rows));
      // The summary names the placeholder written (it said [REDACTED] whatever the config).
      expectSummaryPrinted(r, tally(ws.fixture.rows), '[REDACTED:<rule>]');
      const credentials = contents.tables['credentials']!.find((row) => row['id'] === 2)!;
      expect([credentials['access_token'], credentials['client_secret']]).to.deep.equal(['[REDACTED:token]', '[REDACTED:secret]']);
    });
  });

  describe('export.pseudonymize: true', () => {
    let ws: PlantedWorkspace;
    const fixture = buildFixture(777);
    const { ghp, openai, stripe } = fixture.secrets as Record<string, string>;
    // The same GitHub token in a message, a credentials row and a table of its own; the same OpenAI key twice.
    const extra: RowSpec[] = [
      { table: 'conv_messages', key: 'id', values: { id: 20, run_id: 'run-1', seq: 20, role: 'user', content: `again: ${ghp!} and ${openai!}`, tool_name: null, metadata: null, created_at: T0 } },
      { table: 'credentials', key: 'id', values: { id: 9, provider: 'github-again', api_key: null, access_token: ghp!, refresh_token: null, client_secret: null, created_at: T0 } },
      { table: 'gh_tokens', key: 'id', values: { id: 1, owner: 'ci', token: ghp! } },
      { table: 'gh_tokens', key: 'id', values: { id: 2, owner: 'deploy', token: stripe! } },
    ];
    before(async () => {
      ws = await plantWorkspace({ config: 'export:\n  pseudonymize: true\n', fixture, rows: extra, extraSql: ['CREATE TABLE gh_tokens (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, token TEXT NOT NULL)'] });
    });
    after(() => removeTempDir(ws?.dir));

    const PSEUDONYM = /\[REDACTED:([0-9a-f]{12})\]/g;
    const pseudonymsIn = (text: unknown): string[] => [...String(text).matchAll(PSEUDONYM)].map((m) => m[0]);

    async function exportOnce(name: string): Promise<{ message: string[]; credential: string; table: string[]; openaiTwice: string[] }> {
      const r = await cliIn(ws.dir, ['db', 'export', '--format', 'json', '--output', name]);
      expectOk(r);
      const contents = await readExport(path.join(ws.dir, name));
      expectNoFragments(contents, r, ws.fixture);
      const msg = (id: number): unknown => contents.tables['conv_messages']!.find((row) => row['id'] === id)!['content'];
      return {
        message: pseudonymsIn(msg(20)),
        credential: String(contents.tables['credentials']!.find((row) => row['id'] === 9)!['access_token']),
        table: contents.tables['gh_tokens']!.map((row) => String(row['token'])),
        openaiTwice: [...pseudonymsIn(msg(1)).slice(0, 1), ...pseudonymsIn(msg(20)).slice(1)],
      };
    }

    it('the summary says secrets became pseudonyms', async () => {
      const r = await cliIn(ws.dir, ['db', 'export', '--format', 'json', '--output', 'ps.json']);
      expectOk(r);
      expect(lines(r.stdout).find((l) => l.includes('API keys'))).to.match(/^ {2}- \d+ API keys replaced with pseudonyms \(\[REDACTED:<12 hex digits>\], one per secret\)$/);
    });

    it('the same secret gets the same pseudonym everywhere in one export, whichever rule took it; different secrets differ', async () => {
      const a = await exportOnce('p1.json');
      expect(a.message).to.have.length(2);
      const [ghpTag] = a.message;
      expect(a.credential, 'column rule token on the same value').to.equal(ghpTag);
      expect(a.table[0], 'another table: a join on the pseudonym still works').to.equal(ghpTag);
      expect(a.table[1]).to.match(/^\[REDACTED:[0-9a-f]{12}\]$/);
      expect(a.table[1]).to.not.equal(ghpTag);
      expect(a.openaiTwice[0]).to.equal(a.openaiTwice[1]);
      expect(a.openaiTwice[0]).to.not.equal(ghpTag);
    });

    it('a second export gives the same secret a different pseudonym: the key is made per export and discarded', async () => {
      const a = await exportOnce('q1.json');
      const b = await exportOnce('q2.json');
      expect(b.message[0]).to.not.equal(a.message[0]);
      expect(b.credential).to.equal(b.message[0]);
      expect(b.table[1]).to.not.equal(a.table[1]);
    });
  });

  describe('irreversibility: nothing but the source database holds a planted secret after an export', () => {
    let ws: PlantedWorkspace;
    let tmp: string;
    before(async () => {
      ws = await plantWorkspace({ config: 'export:\n  pseudonymize: true\n' });
      tmp = await makeTempDir('redaction-tmpdir');
    });
    after(async () => {
      await removeTempDir(ws?.dir);
      await removeTempDir(tmp);
    });

    for (const [label, args] of [
      ['JSON', ['--format', 'json', '--output', 'x/e.json']],
      ['SQLite to stdout (spooled through a scratch file)', ['--format', 'sqlite', '--output', '-']],
      ['CSV tar.gz (tables spooled before the bundle)', ['--format', 'csv', '--output', 'x/e.tgz']],
      ['NDJSON to stdout', ['--format', 'ndjson', '--output', '-']],
    ] as const) {
      it(`${label}: no file in the workspace (.agent included) or in the temp folder holds one`, async () => {
        const scratch = path.join(tmp, label.replace(/\W+/g, '-'));
        await mkdir(scratch);
        await mkdir(path.join(ws.dir, 'x'), { recursive: true });
        const agentBefore = (await readdir(path.join(ws.dir, '.agent'))).sort();
        const r = await cliIn(ws.dir, ['db', 'export', ...args], { TMPDIR: scratch });
        expectOk(r);
        expectNoFragments(null, r, ws.fixture);
        const source = new Set([ws.db, `${ws.db}-wal`, `${ws.db}-shm`, `${ws.db}-journal`]);
        const files = (await walkFiles(ws.dir)).filter((f) => !source.has(f));
        const texts = await Promise.all(files.map(async (f) => ({ where: path.relative(ws.dir, f), text: (await readFile(f)).toString('latin1') })));
        expect(findFragments(texts, ws.fixture.secrets).map((l) => `${l.label} in ${l.where}`)).to.deep.equal([]);
        // No mapping or key file appears beside the database, and the scratch space is left empty.
        expect((await readdir(path.join(ws.dir, '.agent'))).sort()).to.deep.equal(agentBefore);
        expect(await walkFiles(scratch)).to.deep.equal([]);
      });
    }
  });
});
