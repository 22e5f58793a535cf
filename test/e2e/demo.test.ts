import path from 'node:path';
import { expect } from 'chai';
import { lines, runCli } from '../support/cli.js';
import { tableCounts } from '../support/sqlite.js';
import { listDir, makeTempDir, removeTempDir } from '../support/temp.js';

describe('e2e: acode demo', function () {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir('demo');
  });
  afterEach(() => removeTempDir(dir));

  it('in an empty folder: creates .agent/acode.db, backs it up, verifies and lists it, exports it redacted and verifies the export', async () => {
    const r = await runCli(['demo'], { cwd: dir, env: { ACODE_NOW: '2024-01-20T14:30:45Z' } });
    expect(r.code, r.stderr).to.equal(0);
    const counts = tableCounts(path.join(dir, '.agent', 'acode.db'));
    expect(counts).to.include({ conv_chats: 25, settings: 5, credentials: 3, schema_version: 3 });
    const name = 'acode_backup_20240120_143045.db';
    expect(await listDir(path.join(dir, '.agent', 'backups'))).to.deep.equal([name, `${name}.manifest.json`]);
    const out = lines(r.stdout);
    expect(out[0]).to.equal(`Backup complete: ${name}`);
    expect(out).to.include('Backup is valid.');
    expect(out).to.include('  ✓ Checksum matches manifest');
    expect(out).to.include(`  1. ${name}`);
    expect(out).to.satisfy((l: string[]) => l.some((x) => /^Total: 1 backup \(\d+\.\d (kB|MB)\)$/.test(x)));
    const exported = 'acode_export_20240120_143045.json';
    expect(await listDir(path.join(dir, '.agent', 'exports'))).to.deep.equal([exported, `${exported}.manifest.json`]);
    expect(out).to.include(`Export complete: .agent/exports/${exported} (${out.find((l) => l.startsWith('Export complete'))!.split('(')[1]}`);
    expect(out).to.include('  ✓ Leak scan found no secret');
    expect(out.at(-1)).to.equal('Export is valid and the leak scan found nothing.');
    expect(lines(r.stderr)[0]).to.equal('Creating a demo workspace database at .agent/acode.db...');

    const again = await runCli(['demo'], { cwd: dir, env: { ACODE_NOW: '2024-01-20T14:31:00Z' } });
    expect(again.code, again.stderr).to.equal(0);
    expect(lines(again.stderr)[0]).to.equal('Using the existing database .agent/acode.db (the demo never overwrites data).');
    expect(lines(again.stdout)).to.satisfy((l: string[]) => l.some((x) => /^Total: 2 backups \(/.test(x)));
    expect(lines(again.stdout).at(-1)).to.equal('Export is valid and the leak scan found nothing.');
    expect(tableCounts(path.join(dir, '.agent', 'acode.db'))).to.deep.equal(counts);
  });

  it('--quiet prints nothing and does it all (it printed the backup list)', async () => {
    const r = await runCli(['demo', '--quiet'], { cwd: dir, env: { ACODE_NOW: '2024-01-20T14:30:45Z' } });
    expect(r.code, r.stderr).to.equal(0);
    expect([r.stdout, r.stderr]).to.deep.equal(['', '']);
    const name = 'acode_backup_20240120_143045.db';
    expect(await listDir(path.join(dir, '.agent', 'backups'))).to.deep.equal([name, `${name}.manifest.json`]);
    expect(await listDir(path.join(dir, '.agent', 'exports'))).to.deep.equal(['acode_export_20240120_143045.json', 'acode_export_20240120_143045.json.manifest.json']);
  });

  it('run twice in the same second, with export.redact_by_default: false: both redact, the second export gets _2, both exit 0', async () => {
    // Unredacted, the demo's planted secrets failed its own verify (exit 2); the second run's
    // export failed on the first one's name (ACODE-EXP-007, "add --force", which demo does not take).
    const env = { ACODE_NOW: '2024-01-20T14:30:45Z' };
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(path.join(dir, '.agent'));
    await writeFile(path.join(dir, '.agent', 'config.yml'), 'export:\n  redact_by_default: false\n');
    for (const run of [1, 2]) {
      const r = await runCli(['demo'], { cwd: dir, env });
      expect(r.code, `run ${run}: ${r.stderr}`).to.equal(0);
      expect(lines(r.stdout).at(-1)).to.equal('Export is valid and the leak scan found nothing.');
      expect(r.stderr).to.not.include('redaction is OFF');
    }
    expect(await listDir(path.join(dir, '.agent', 'exports'))).to.deep.equal([
      'acode_export_20240120_143045.json',
      'acode_export_20240120_143045.json.manifest.json',
      'acode_export_20240120_143045_2.json',
      'acode_export_20240120_143045_2.json.manifest.json',
    ]);
  });

  it('in a PostgreSQL workspace: refused as acode demo (it named acode db migrate, after announcing a SQLite file it never made), exit 64, nothing written', async () => {
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(path.join(dir, '.agent'));
    await writeFile(path.join(dir, '.agent', 'config.yml'), 'database:\n  type: postgres\n  url: postgresql://a@127.0.0.1:1/x\n');
    const r = await runCli(['demo'], { cwd: dir });
    expect(r.code).to.equal(64);
    expect(r.stdout).to.equal('');
    expect(lines(r.stderr)).to.deep.equal([
      "✗ ACODE-USE-001 Invalid usage: acode demo fills a SQLite workspace database, and this workspace's database.type is postgres; nothing was done — run the demo in an empty folder of its own (cd there, or --workspace DIR)",
    ]);
    expect(await listDir(path.join(dir, '.agent'))).to.deep.equal(['config.yml']);
  });
});
