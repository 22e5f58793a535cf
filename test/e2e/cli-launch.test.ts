import { readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { shebangNodeFlags } from '../../bench/operations.js';
import { runCli } from '../support/cli.js';
import { digestOfFile } from '../support/export-files.js';
import { cliPath, repoRoot } from '../support/paths.js';
import { makeTempDir, removeTempDir } from '../support/temp.js';
import { createWorkspace } from '../support/workspace.js';

/**
 * The CLI as a user starts it: through its shebang, whose V8 flags keep peak memory flat. Every
 * other e2e test runs `node cli` without them, so a flag this Node does not accept (it refuses to
 * start) or a sink that trips over `gc` would pass unnoticed there.
 */
describe('e2e: the CLI started with its shebang flags', function () {
  const shebang = readFileSync(cliPath, 'utf8').split('\n', 1)[0]!;
  const flags = shebangNodeFlags(shebang);
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir('launch');
  });
  afterEach(() => removeTempDir(dir));

  it('is executable as built: npx runs the file itself (0644, as tsc writes it, was "acode: Permission denied", exit 127)', async () => {
    const { execFileSync } = await import('node:child_process');
    expect(statSync(cliPath).mode & 0o111).to.not.equal(0);
    expect(execFileSync(cliPath, ['--version'], { cwd: dir, encoding: 'utf8' }).trim()).to.match(/^\d+\.\d+\.\d+$/);
  });

  it('has an env -S node shebang with flags that this Node accepts', async () => {
    expect(shebang).to.match(/^#!\/usr\/bin\/env -S node(?: --[a-z-]+(?:=\d+)?)+$/);
    expect(flags).to.include('--expose-gc');
    const version = (JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
    const r = await runCli(['--version'], { nodeFlags: flags, cwd: dir });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal(`${version}\n`);
  });

  it('exports 12 MiB of rows with them, past three of the file sink\'s scavenge requests (a gc() call that threw would fail the export): the output is whole and matches its manifest', async () => {
    const db = path.join(dir, 'big.db');
    const conn = new Database(db);
    conn.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
    const insert = conn.prepare('INSERT INTO notes (body) VALUES (?)');
    const body = (i: number): string => `note ${i} `.padEnd(4096, String.fromCharCode(97 + (i % 26)));
    conn.transaction(() => {
      for (let i = 0; i < 3072; i++) insert.run(body(i));
    })();
    conn.close();
    const out = path.join(dir, 'notes.ndjson');
    const r = await runCli(['db', 'export', '--format', 'ndjson', '--no-redact', '--output', out, '--database', db, '--quiet'], { nodeFlags: flags, cwd: dir });
    expect(r.code, r.stderr).to.equal(0);
    const lines = (await readFile(out, 'utf8')).trimEnd().split('\n');
    const rows = lines.map((l) => JSON.parse(l) as { table?: string; row?: { id: number; body: string } }).filter((o) => o.table === 'notes' && o.row);
    expect(rows).to.have.length(3072);
    expect(rows.every((o, i) => o.row!.id === i + 1 && o.row!.body === body(i))).to.equal(true);
    const manifest = JSON.parse(await readFile(`${out}.manifest.json`, 'utf8')) as { files: { sha256: string; bytes: number }[] };
    const digest = await digestOfFile(out);
    expect(manifest.files[0]).to.include({ sha256: digest.sha256, bytes: digest.bytes });
    expect(digest.bytes).to.be.greaterThan(12 * 1024 * 1024);
  });

  it('without WebAssembly (node --jitless): the same bytes, redacted or not, in every text format, through the string encoders and indexOf', async function () {
    this.timeout(120_000);
    const ws = await createWorkspace({ parent: dir, seed: { chats: 4, messageChars: [200, 1500] } });
    const cases = [
      ['json', '--redact', 'out.json'],
      ['ndjson', '--redact', 'out.ndjson'],
      ['ndjson', '--no-redact', 'plain.ndjson'],
      ['csv', '--redact', 'out.csv'],
    ] as const;
    for (const [format, redact, name] of cases) {
      const outputs: string[] = [];
      for (const nodeFlags of [flags, ['--jitless', ...flags]]) {
        const out = path.join(dir, `${nodeFlags.length}-${name}`);
        const args = ['db', 'export', '--format', format, redact, '--output', out, '--quiet', ...(format === 'csv' ? ['--tables', 'conv_messages'] : [])];
        const r = await runCli(args, { nodeFlags, workspace: ws.dir, env: { ACODE_NOW: '2024-01-20T14:30:45Z' } });
        expect(r.code, r.stderr).to.equal(0);
        // The first line holds the snapshot's time (JSON, NDJSON); everything after it must agree.
        const text = await readFile(out, 'utf8');
        outputs.push(format === 'csv' ? text : text.slice(text.indexOf('\n')));
      }
      expect(outputs[0]!.length, `${format} ${redact}`).to.be.greaterThan(50_000);
      expect(outputs[1] === outputs[0], `${format} ${redact}: --jitless gave other bytes`).to.equal(true);
    }
  });
});

