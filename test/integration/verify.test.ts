import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { createBackup, type BackupResult } from '../../lib/backup.js';
import { serializeManifest } from '../../lib/manifest.js';
import { verifyBackup, type VerifyResult } from '../../lib/verify.js';
import { sampleManifest } from '../support/manifests.js';
import { tableCounts } from '../support/sqlite.js';
import { editManifest, flipByte, sha256Of, truncateTo } from '../support/tamper.js';
import { makeTempDir, removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';
import { failure } from '../support/failure.js';
import { mountTmpfs, unmount } from '../support/tmpfs.js';

const NOW = new Date('2024-01-20T14:30:45Z');
const summary = (r: VerifyResult): string[] => r.checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.name}`);

describe('integration: verify', () => {
  let ws: SeededWorkspace;
  let made: BackupResult;
  let records: number;
  let elsewhere: string | undefined;

  beforeEach(async () => {
    ws = await createWorkspace({ database: 'chinook' });
    made = await createBackup({ config: await ws.config(), now: () => NOW });
    records = Object.values(tableCounts(ws.db)).reduce((a, b) => a + b, 0);
  });
  afterEach(async () => {
    await removeTempDir(ws.dir);
    await removeTempDir(elsewhere);
    elsewhere = undefined;
  });

  const verify = async (file: string, extra: { testRestore?: boolean; full?: boolean } = {}): Promise<VerifyResult> =>
    verifyBackup({ config: await ws.config(), file, ...extra });

  describe('the temporary folder missing or full: the machine\'s failure (exit 1), never an invalid backup', () => {
    const saved = process.env['TMPDIR'];
    afterEach(() => {
      if (saved === undefined) delete process.env['TMPDIR'];
      else process.env['TMPDIR'] = saved;
    });

    it('a missing TMPDIR: ACODE-BAK-015, exit 1 (was "verification failed, do not rely on this backup")', async () => {
      process.env['TMPDIR'] = path.join(ws.dir, 'no-such-folder');
      const err = await failure(verify(made.name));
      expect(err).to.include({ code: 'ACODE-BAK-015', exitCode: 1 });
      expect(err.message).to.match(/^Temporary folder not usable: cannot use the temporary folder .*no-such-folder for a scratch folder: ENOENT/);
    });

    it('a TMPDIR too small for a compressed backup\'s copy or a test restore: ACODE-BAK-009, exit 1', async function () {
      const small = path.join(ws.dir, 'small-tmp');
      const why = await mountTmpfs(small, 300 * 1024);
      if (why) this.skip();
      try {
        const gz = await createBackup({ config: await ws.config(), compress: true, now: () => new Date('2024-01-20T15:00:00Z') });
        process.env['TMPDIR'] = small;
        const unpack = await failure(verify(gz.name));
        expect(unpack).to.include({ code: 'ACODE-BAK-009', exitCode: 1 });
        expect(unpack.message).to.include(`no space in the temporary folder ${small} for the uncompressed copy of ${gz.name}`);
        const restore = await failure(verify(made.name, { testRestore: true }));
        expect(restore).to.include({ code: 'ACODE-BAK-009', exitCode: 1 });
        expect(restore.message).to.include(`no space in the temporary folder ${small} for the test restore`);
      } finally {
        unmount(small);
      }
    });
  });

  it('a sound backup passes every check, found by bare name', async () => {
    const r = await verify(made.name);
    expect(r.valid).to.equal(true);
    expect(r.path).to.equal(made.path);
    expect(r.checks.map((c) => c.label)).to.deep.equal([
      'File exists',
      'Checksum matches manifest',
      'SQLite structure valid',
      'Tables present: 11',
      `Records: ${records.toLocaleString('en-US')}`,
    ]);
    expect(r).to.include({ tables: 11, records });
  });

  it('a backup given by path outside the backup folder is found there', async () => {
    elsewhere = await makeTempDir('elsewhere');
    const copy = path.join(elsewhere, made.name);
    await copyFile(made.path, copy);
    await copyFile(made.manifestPath, `${copy}.manifest.json`);
    const r = await verify(copy);
    expect(r.valid).to.equal(true);
    expect(r.path).to.equal(copy);
  });

  it('--test-restore restores into an isolated database and checks it there', async () => {
    const r = await verify(made.name, { testRestore: true, full: true });
    expect(summary(r)).to.deep.equal(['✓ exists', '✓ checksum', '✓ structure', '✓ tables', '✓ records', '✓ test-restore']);
    expect(r.checks.at(-1)?.label).to.equal(`Test restore into an isolated database: ${records.toLocaleString('en-US')} records`);
  });

  it('a flipped byte fails the checksum', async () => {
    // A byte inside the last page of Track's rows: the file still opens.
    await flipByte(made.path, made.manifest.file.size - 100);
    const r = await verify(made.name);
    expect(r.valid).to.equal(false);
    const checksum = r.checks.find((c) => c.name === 'checksum')!;
    expect(checksum).to.deep.include({ ok: false, label: 'Checksum does not match manifest' });
    expect(checksum.problem).to.equal(
      `sha256 is ${(await sha256Of(made.path)).slice(0, 16)}…, manifest says ${made.manifest.file.sha256.slice(0, 16)}… (${made.manifest.file.size} of ${made.manifest.file.size} bytes)`,
    );
  });

  it('a flipped byte in the header fails checksum and structure', async () => {
    await flipByte(made.path, 0);
    const r = await verify(made.name);
    expect(summary(r)).to.deep.equal(['✓ exists', '✗ checksum', '✗ structure']);
    expect(r.checks[2]!.problem).to.equal(`${made.path} is not a SQLite backup (file is not a database)`);
  });

  it('a truncated backup fails checksum and structure', async () => {
    await truncateTo(made.path, 40_000);
    const r = await verify(made.name);
    expect(r.valid).to.equal(false);
    expect(r.checks.slice(0, 3).map((c) => `${c.ok} ${c.name}`)).to.deep.equal(['true exists', 'false checksum', 'false structure']);
    expect(r.checks[1]!.problem).to.match(/\(40000 of \d+ bytes\)$/);
  });

  it('a manifest with another sha256 fails only the checksum', async () => {
    await editManifest(made.path, (m) => (m['file']['sha256'] = 'f'.repeat(64)));
    const r = await verify(made.name);
    expect(summary(r)).to.deep.equal(['✓ exists', '✗ checksum', '✓ structure', '✓ tables', '✓ records']);
  });

  it('a manifest with other row counts or tables fails records and tables', async () => {
    await editManifest(made.path, (m) => {
      m['tables'] = (m['tables'] as { name: string; rows: number }[]).map((t) => (t.name === 'Artist' ? { name: 'Artist', rows: t.rows + 1 } : t));
      (m['tables'] as unknown[]).push({ name: 'Ghost', rows: 1 });
    });
    const r = await verify(made.name);
    expect(summary(r)).to.deep.equal(['✓ exists', '✓ checksum', '✓ structure', '✗ tables', '✗ records']);
    expect(r.checks[3]!.problem).to.equal('missing tables: Ghost; Artist has 275 rows, manifest says 276');
  });

  it('a manifest that is not JSON is ACODE-BAK-007 (exit 4)', async () => {
    await writeFile(made.manifestPath, '{"format": "acode-backup-manifest", oops');
    const err = await failure(verify(made.name));
    expect(err.code).to.equal('ACODE-BAK-007');
    expect(err.exitCode).to.equal(4);
    expect(err.message.startsWith(`Backup manifest missing or unreadable: ${made.name}.manifest.json: not valid JSON (`)).to.equal(true);
  });

  it('a backup without its manifest is ACODE-BAK-007', async () => {
    const copy = path.join(ws.backups, 'acode_backup_20240101_000000.db');
    await copyFile(made.path, copy);
    const err = await failure(verify(copy));
    expect(err).to.include({
      code: 'ACODE-BAK-007',
      message: 'Backup manifest missing or unreadable: acode_backup_20240101_000000.db has no acode_backup_20240101_000000.db.manifest.json beside it',
    });
  });

  it('a file that is not SQLite, with a manifest that matches it, fails the structure check', async () => {
    const name = 'acode_backup_20240101_000000.db';
    const file = path.join(ws.backups, name);
    await writeFile(file, 'not a database\n'.repeat(1000));
    const size = (await stat(file)).size;
    await writeFile(`${file}.manifest.json`, serializeManifest(sampleManifest(name, { file: { name, size, sha256: await sha256Of(file) } })));
    const r = await verify(name);
    expect(summary(r)).to.deep.equal(['✓ exists', '✓ checksum', '✗ structure']);
    expect(r.checks[2]!.problem).to.equal(`${file} is not a SQLite backup (file is not a database)`);
  });

  it('a missing backup is ACODE-BAK-005 naming where it looked', async () => {
    const err = await failure(verify('acode_backup_19990101_000000.db'));
    expect(err).to.include({ code: 'ACODE-BAK-005', exitCode: 4 });
    expect(err.message).to.equal(`Backup not found: acode_backup_19990101_000000.db (looked in ${ws.backups} and ${process.cwd()})`);
  });

  it('a folder given as the backup is ACODE-BAK-006', async () => {
    const dir = path.join(ws.backups, 'acode_backup_20240101_000000.db');
    await mkdir(dir);
    const err = await failure(verify(dir));
    expect(err).to.include({ code: 'ACODE-BAK-006', message: `Not a valid backup: ${dir} is a folder, not a backup file`, exitCode: 4 });
  });

  describe('gzip backups', () => {
    let gz: BackupResult;
    beforeEach(async () => {
      gz = await createBackup({ config: await ws.config(), compress: true, now: () => new Date('2024-01-21T00:00:00Z') });
    });

    it('verify and --test-restore check the database inside', async () => {
      const r = await verify(gz.name, { testRestore: true });
      expect(summary(r)).to.deep.equal(['✓ exists', '✓ checksum', '✓ structure', '✓ tables', '✓ records', '✓ test-restore']);
      expect(r.records).to.equal(records);
    });

    it('a damaged gzip stream fails checksum and structure', async () => {
      const size = (await stat(gz.path)).size;
      await flipByte(gz.path, Math.floor(size / 2));
      const r = await verify(gz.name);
      expect(summary(r)).to.deep.equal(['✓ exists', '✗ checksum', '✗ structure']);
      expect(r.checks[2]!.problem).to.match(new RegExp(`^${gz.name.replaceAll('.', '\\.')} does not decompress: `));
    });

    it('a gzip bomb whose manifest was made to match is stopped at the uncompressed size the manifest gives', async () => {
      // The real database followed by 64 MiB of zeros: 64 KiB compressed. Only the uncompressed
      // figures stay those of the real database.
      const inner = gunzipSync(await readFile(gz.path));
      await writeFile(gz.path, gzipSync(Buffer.concat([inner, Buffer.alloc(64 << 20)]), { level: 9 }));
      const sha256 = await sha256Of(gz.path);
      const size = (await stat(gz.path)).size;
      await editManifest(gz.path, (m) => (m['file'] = { ...m['file'], sha256, size }));
      const r = await verify(gz.name);
      expect(summary(r)).to.deep.equal(['✓ exists', '✓ checksum', '✗ structure']);
      expect(r.checks[2]!.problem).to.equal(`the database inside ${gz.name} is larger than the manifest's uncompressed size (${inner.length} bytes)`);
    });

    it('an uncompressed sha256 that differs from the manifest fails the structure check', async () => {
      await editManifest(gz.path, (m) => (m['uncompressed']['sha256'] = '0'.repeat(64)));
      const r = await verify(gz.name);
      expect(summary(r)).to.deep.equal(['✓ exists', '✓ checksum', '✗ structure']);
      expect(r.checks[2]!.problem).to.equal(`the database inside ${gz.name} does not match the manifest's uncompressed checksum`);
    });
  });

  it('a Ctrl-C, before or during the test restore, is "interrupted" with exit 1, never 2 (no check failed) nor an internal error', async () => {
    const controller = new AbortController();
    controller.abort(Object.assign(new Error('interrupted by SIGINT'), { name: 'AbortError' }));
    const err = await failure(verifyBackup({ config: await ws.config(), file: made.name, signal: controller.signal }));
    const interrupted = { code: 'ACODE-BAK-003', message: `Verification failed: verifying ${made.name}: interrupted`, exitCode: 1, hint: 'the backup was not judged either way; run the verify again when you are ready' };
    expect(err).to.include(interrupted);
    const during = new AbortController();
    const late = await failure(verifyBackup({
      config: await ws.config(),
      file: made.name,
      testRestore: true,
      signal: during.signal,
      onProgress: (e) => {
        if (e.stage === 'restore') during.abort(Object.assign(new Error('interrupted by SIGINT'), { name: 'AbortError' }));
      },
    }));
    expect(late).to.include(interrupted);
  });

  it('leaves the backup byte for byte as it was', async () => {
    const before = await readFile(made.path);
    await verify(made.name, { testRestore: true, full: true });
    expect((await readFile(made.path)).equals(before)).to.equal(true);
  });
});
