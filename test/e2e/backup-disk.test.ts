import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { lines, runCli } from '../support/cli.js';
import { headerVersions } from '../support/sqlite.js';
import { sha256Of } from '../support/tamper.js';
import { listDir, removeTempDir } from '../support/temp.js';
import { mountTmpfs, unmount } from '../support/tmpfs.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

describe('e2e: backup onto a full disk', function () {
  let ws: SeededWorkspace;
  let disk: string;
  let mounted = false;

  async function mount(this: Mocha.Context, bytes: number): Promise<void> {
    const why = await mountTmpfs(disk, bytes);
    if (why) {
      this.test!.title += ` (pending: ${why})`;
      this.skip();
    }
    mounted = true;
  }

  afterEach(async () => {
    if (mounted) unmount(disk);
    mounted = false;
    await removeTempDir(ws.dir);
  });

  it('a disk that fills during the copy: ACODE-BAK-009, exit 1, no partial file', async function () {
    ws = await createWorkspace({ database: 'chinook' });
    disk = path.join(ws.dir, 'small-disk');
    await mount.call(this, 512 * 1024);
    const r = await runCli(['db', 'backup', '--output-dir', disk], { workspace: ws.dir });
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stdout).to.equal('');
    expect(lines(r.stderr).at(-1)).to.equal(
      `✗ ACODE-BAK-009 Not enough disk space: backing up ${ws.db}: database or disk is full — free some space or choose another folder with --output-dir`,
    );
    expect(await listDir(disk)).to.deep.equal([]);
  });

  it('a disk with room for the copy but not its gzip: ACODE-BAK-009, no partial file', async function () {
    ws = await createWorkspace({ database: 'chinook' });
    disk = path.join(ws.dir, 'small-disk');
    await mount.call(this, (await stat(ws.db)).size + 16 * 1024);
    const r = await runCli(['db', 'backup', '--compress', '--output-dir', disk], { workspace: ws.dir });
    expect(r.code, r.stderr).to.equal(1);
    expect(lines(r.stderr).at(-1)).to.match(/^✗ ACODE-BAK-009 Not enough disk space: backing up .*: ENOSPC: no space left on device, write — a compressed backup is first copied in full into /);
    expect(await listDir(disk)).to.deep.equal([]);
  });

  it('a compressed backup on a disk with room for its gzip but not the full copy it is made from: the hint says so', async function () {
    // Chinook gzips to about a third: 512 KiB holds the .gz, not the 1 MB copy staged before it.
    ws = await createWorkspace({ database: 'chinook' });
    disk = path.join(ws.dir, 'small-disk');
    await mount.call(this, 512 * 1024);
    const size = (await stat(ws.db)).size;
    expect(size).to.be.above(512 * 1024);
    const r = await runCli(['db', 'backup', '--compress', '--output-dir', disk], { workspace: ws.dir });
    expect(r.code, r.stderr).to.equal(1);
    expect(lines(r.stderr).at(-1)).to.equal(
      `✗ ACODE-BAK-009 Not enough disk space: backing up ${ws.db}: database or disk is full — a compressed backup is first copied in full into ${disk} (${(size / 1e6).toFixed(1)} MB), then gzipped beside it: it needs room for both; free space there, choose another folder with --output-dir, or back up without --compress`,
    );
    expect(await listDir(disk)).to.deep.equal([]);
  });

  it('a WAL database fits a disk with room for the copy and manifest only: no -wal/-shm is needed', async function () {
    ws = await createWorkspace({ database: 'demo' });
    expect(await headerVersions(ws.db)).to.deep.equal([2, 2]);
    disk = path.join(ws.dir, 'small-disk');
    // The copy, its manifest and one spare page; a -shm alone would need 32 KiB.
    await mount.call(this, (await stat(ws.db)).size + 8 * 1024);
    const r = await runCli(['db', 'backup', '--output-dir', disk], { workspace: ws.dir, env: { ACODE_NOW: '2024-01-20T14:30:45Z' } });
    expect(r.code, r.stderr).to.equal(0);
    const name = 'acode_backup_20240120_143045.db';
    expect(await listDir(disk)).to.deep.equal([name, `${name}.manifest.json`]);
    expect(await headerVersions(path.join(disk, name))).to.deep.equal([1, 1]);
    const manifest = JSON.parse(await readFile(path.join(disk, `${name}.manifest.json`), 'utf8')) as { file: { sha256: string } };
    expect(manifest.file.sha256).to.equal(await sha256Of(path.join(disk, name)));
  });
});
