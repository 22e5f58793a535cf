import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { createPrivateFile, ensureDir, publishUnique, removeQuietly, writeFileAtomic } from '../../lib/fs-atomic.js';
import { isProcessAlive, parseTempName, removeAbandoned, tempNamePid, tempPathFor } from '../../lib/temp-names.js';
import { listDir, makeTempDir, removeTempDir } from '../support/temp.js';

const mode = async (file: string): Promise<number> => (await stat(file)).mode & 0o777;

describe('fs-atomic', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir('fs-atomic');
  });
  afterEach(() => removeTempDir(dir));

  it('removeAbandoned takes what a killed run left (its process gone, untouched for ten minutes) and nothing else', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const gone = Number(dead.stdout);
    expect(isProcessAlive(gone)).to.equal(false);
    const old = new Date(Date.now() - 11 * 60 * 1000);
    const make = async (name: string, when: Date | null, folder = false): Promise<void> => {
      const file = path.join(dir, name);
      if (folder) {
        await mkdir(file);
        await writeFile(path.join(file, 'part.csv'), 'x');
        if (when) await utimes(path.join(file, 'part.csv'), when, when);
      } else await writeFile(file, 'x');
      if (when) await utimes(file, when, when);
    };
    await make(`.e.json.acode-tmp-${gone}-0badc0de`, old);
    await make(`.e.json.acode-tmp-${gone}-0badc0de-wal`, old);
    await make(`.out.acode-tmp-${gone}-12345678`, old, true);
    await make(`.fresh.json.acode-tmp-${gone}-aaaaaaaa`, null);
    await make(`.live.json.acode-tmp-${process.ppid}-bbbbbbbb`, old);
    await make(`.mine.json.acode-tmp-${process.pid}-cccccccc`, old);
    await make('e.json', old);
    const removed = await removeAbandoned(dir, tempNamePid);
    expect(removed.sort()).to.deep.equal([`.e.json.acode-tmp-${gone}-0badc0de`, `.e.json.acode-tmp-${gone}-0badc0de-wal`, `.out.acode-tmp-${gone}-12345678`].sort());
    expect((await listDir(dir)).sort()).to.deep.equal([`.fresh.json.acode-tmp-${gone}-aaaaaaaa`, `.live.json.acode-tmp-${process.ppid}-bbbbbbbb`, `.mine.json.acode-tmp-${process.pid}-cccccccc`, 'e.json'].sort());
    expect(await removeAbandoned(path.join(dir, 'missing'), tempNamePid)).to.deep.equal([]);
  });

  it('temporary names sit beside the final one and say what they were for and who made them', () => {
    const tmp = tempPathFor('/b/acode_backup_20240120_143045.db');
    expect(path.dirname(tmp)).to.equal('/b');
    expect(path.basename(tmp)).to.match(new RegExp(`^\\.acode_backup_20240120_143045\\.db\\.acode-tmp-${process.pid}-[0-9a-f]{8}$`));
    expect(parseTempName(path.basename(tmp))).to.deep.equal({ finalName: 'acode_backup_20240120_143045.db', pid: process.pid });
    expect(parseTempName(`${path.basename(tmp)}-journal`)).to.deep.equal({ finalName: 'acode_backup_20240120_143045.db', pid: process.pid });
    expect(tempPathFor('/b/x')).to.not.equal(tempPathFor('/b/x'));
    expect(parseTempName('acode_backup_20240120_143045.db')).to.equal(null);
    expect(parseTempName('x.acode-tmp-12-ab')).to.equal(null);
  });

  it('tells a running process from one that ended', () => {
    const ended = spawnSync(process.execPath, ['-e', '0']);
    expect(isProcessAlive(process.pid)).to.equal(true);
    expect(isProcessAlive(ended.pid!)).to.equal(false);
  });

  it('createPrivateFile makes an empty 0600 file and refuses one that exists', async () => {
    const file = path.join(dir, 'f');
    await createPrivateFile(file);
    expect(await mode(file)).to.equal(0o600);
    expect((await stat(file)).size).to.equal(0);
    const err = await createPrivateFile(file).then(
      () => null,
      (e: NodeJS.ErrnoException) => e,
    );
    expect(err?.code).to.equal('EEXIST');
  });

  it('writeFileAtomic writes the whole content 0600 and leaves no temporary file', async () => {
    const file = path.join(dir, 'm.json');
    await writeFileAtomic(file, '{"a":1}\n');
    expect(await readFile(file, 'utf8')).to.equal('{"a":1}\n');
    expect(await mode(file)).to.equal(0o600);
    await writeFileAtomic(file, 'second');
    expect(await readFile(file, 'utf8')).to.equal('second');
    expect(await listDir(dir)).to.deep.equal(['m.json']);
  });

  it('publishUnique takes the first free name and never replaces a file', async () => {
    const nameFor = (seq: number): string => (seq === 0 ? 'b.db' : `b_${seq + 1}.db`);
    await writeFile(path.join(dir, 'b.db'), 'already here');
    const contents = [randomBytes(64), randomBytes(64)];
    const names: string[] = [];
    for (const content of contents) {
      const tmp = tempPathFor(path.join(dir, 'b.db'));
      await writeFile(tmp, content);
      names.push(await publishUnique(tmp, dir, nameFor));
    }
    expect(names).to.deep.equal(['b_2.db', 'b_3.db']);
    expect(await readFile(path.join(dir, 'b.db'), 'utf8')).to.equal('already here');
    expect(await readFile(path.join(dir, 'b_2.db'))).to.deep.equal(contents[0]);
    expect(await readFile(path.join(dir, 'b_3.db'))).to.deep.equal(contents[1]);
    expect(await listDir(dir)).to.deep.equal(['b.db', 'b_2.db', 'b_3.db']);
  });

  it('publishUnique skips names the caller says are taken', async () => {
    const tmp = path.join(dir, 'tmp');
    await writeFile(tmp, 'x');
    const name = await publishUnique(tmp, dir, (seq) => `n${seq}`, async (candidate) => candidate === 'n0');
    expect(name).to.equal('n1');
    expect(await listDir(dir)).to.deep.equal(['n1']);
  });

  it('removeQuietly removes a file with its SQLite companions and ignores missing ones', async () => {
    const file = path.join(dir, 'x.db');
    for (const suffix of ['', '-journal', '-wal', '-shm']) await writeFile(file + suffix, 'x');
    await writeFile(path.join(dir, 'keep.db'), 'x');
    await removeQuietly(file, null, undefined, path.join(dir, 'missing'));
    expect(await listDir(dir)).to.deep.equal(['keep.db']);
  });

  it('ensureDir makes a missing folder 0700 and refuses a path under a file', async () => {
    await ensureDir(path.join(dir, 'a', 'b'));
    expect(await mode(path.join(dir, 'a', 'b'))).to.equal(0o700);
    await writeFile(path.join(dir, 'file'), 'x');
    const err = await ensureDir(path.join(dir, 'file', 'sub')).then(
      () => null,
      (e: NodeJS.ErrnoException) => e,
    );
    expect(err?.code).to.equal('ENOTDIR');
  });

  it('ensureDir follows `..` through the real folders, as mkdir -p does: after a missing folder, and after a symlink', async () => {
    // Strings, not path.join: join would fold the `..` away.
    await ensureDir(`${dir}/missing/../out`);
    expect((await stat(path.join(dir, 'out'))).isDirectory()).to.equal(true);
    await ensureDir(path.join(dir, 'elsewhere', 'deep'));
    await symlink(path.join(dir, 'elsewhere', 'deep'), path.join(dir, 'link'));
    await ensureDir(`${dir}/link/../viaLink`);
    expect((await stat(path.join(dir, 'elsewhere', 'viaLink'))).isDirectory()).to.equal(true);
    expect(await listDir(dir)).to.not.include('viaLink');
  });
});
