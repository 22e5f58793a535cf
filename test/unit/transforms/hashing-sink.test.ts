import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHashingPassThrough } from '../../../transforms/hashing-pass-through.js';
import { createHashingSink } from '../../../transforms/hashing-sink.js';
import { mountTmpfs, unmount } from '../../support/tmpfs.js';
import { rejection, tempDir } from './helpers.js';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const chunksOf = (n: number, size: number): Buffer[] => Array.from({ length: n }, (_, i) => Buffer.alloc(size, i % 251));

describe('hashing sink', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    tmp = await tempDir();
  });
  afterEach(async () => {
    await tmp.dispose();
  });

  it('writes a private temporary file, hashes every byte, and publishes it only on commit', async () => {
    const file = path.join(tmp.dir, 'out.json');
    const data = chunksOf(50, 1000);
    const sink = createHashingSink({ file });
    await pipeline(Readable.from(data), sink);
    const content = Buffer.concat(data);
    expect(sink.digest).to.deep.equal({ sha256: sha256(content), bytes: 50_000 });
    const names = await readdir(tmp.dir);
    expect(names).to.have.length(1);
    expect(names[0]).to.match(new RegExp(`^\\.out\\.json\\.acode-tmp-${process.pid}-[0-9a-f]{8}$`));
    expect((await stat(sink.tempPath)).mode & 0o777).to.equal(0o600);
    expect(await sink.commit()).to.deep.equal(sink.digest);
    expect(await readdir(tmp.dir)).to.deep.equal(['out.json']);
    expect(await readFile(file)).to.deep.equal(content);
  });

  it('writes and hashes a file past the background-sync threshold (40 MiB) byte for byte', async () => {
    const file = path.join(tmp.dir, 'big.ndjson');
    const data = chunksOf(40, 1 << 20);
    const sink = createHashingSink({ file });
    await pipeline(Readable.from(data), sink);
    const content = Buffer.concat(data);
    expect(sink.digest).to.deep.equal({ sha256: sha256(content), bytes: 40 << 20 });
    await sink.commit();
    expect(sha256(await readFile(file))).to.equal(sha256(content));
  });

  it('hashes and writes chunks of odd sizes crossing its 1 MiB blocks in order, the last block partial', async () => {
    const file = path.join(tmp.dir, 'odd.csv');
    // 400 chunks of 7,919 bytes, each its own pattern: 3,167,600 bytes, 3 MiB and a partial block.
    const data = Array.from({ length: 400 }, (_, i) => Buffer.from(Array.from({ length: 7919 }, (_, j) => (i * 31 + j) % 256)));
    const sink = createHashingSink({ file });
    await pipeline(Readable.from(data), sink);
    const content = Buffer.concat(data);
    expect(sink.digest).to.deep.equal({ sha256: sha256(content), bytes: 3_167_600 });
    await sink.commit();
    expect(await readFile(file)).to.deep.equal(content);
  });

  it('a write error after several blocks (a full disk) fails the stream with ACODE-EXP-009, and leaves no file', async function () {
    const disk = path.join(tmp.dir, 'small-disk');
    const why = await mountTmpfs(disk, 3 << 20);
    if (why) return this.skip();
    try {
      const sink = createHashingSink({ file: path.join(disk, 'big.json') });
      const err = await rejection(pipeline(Readable.from(chunksOf(8, 1 << 20)), sink));
      expect(err).to.include({ code: 'ACODE-EXP-009' });
      expect(err.message).to.match(/ENOSPC: no space left on device, write/);
      expect(await readdir(disk)).to.deep.equal([]);
    } finally {
      unmount(disk);
    }
  });

  it('leaves no file behind when destroyed while a background sync may be running', async () => {
    const file = path.join(tmp.dir, 'big.json');
    let sent = 0;
    const source = new Readable({
      read() {
        sent++;
        if (sent === 20) this.destroy(new Error('source failed after 20 MiB'));
        else this.push(Buffer.alloc(1 << 20, sent));
      },
    });
    const err = await rejection(pipeline(source, createHashingSink({ file })));
    expect(err.message).to.equal('source failed after 20 MiB');
    expect(await readdir(tmp.dir)).to.deep.equal([]);
  });

  it('destroyed while it finishes, closes its descriptor once: a file opened next stays open', async () => {
    // The descriptor closed twice (by _final after its fsync, and by _destroy) closed whatever
    // took its number meanwhile: under Ctrl-C, a scandir removing a scratch folder (EBADF).
    let closedTwice = 0;
    for (let i = 0; i < 60; i++) {
      const sink = createHashingSink({ file: path.join(tmp.dir, `f${i}`) });
      sink.on('error', () => {});
      sink.write(Buffer.alloc(3 << 20, i));
      sink.end();
      await new Promise((ok) => setTimeout(ok, i % 3));
      sink.destroy(new Error('interrupted'));
      await new Promise((ok) => sink.once('close', ok));
      const fd = openSync(path.join(tmp.dir, 'other'), 'w');
      await new Promise((ok) => setTimeout(ok, 20));
      try {
        fstatSync(fd);
        closeSync(fd);
      } catch {
        closedTwice++;
      }
    }
    expect(closedTwice).to.equal(0);
    expect(await readdir(tmp.dir)).to.deep.equal(['other']);
  });

  it('refuses to replace an existing file (ACODE-EXP-007) and removes its temporary file', async () => {
    const file = path.join(tmp.dir, 'out.csv');
    await writeFile(file, 'keep me');
    const sink = createHashingSink({ file });
    await pipeline(Readable.from([Buffer.from('new')]), sink);
    const err = await rejection(sink.commit());
    expect(err).to.include({ code: 'ACODE-EXP-007', message: `Output already exists: ${file}` });
    expect(await readdir(tmp.dir)).to.deep.equal(['out.csv']);
    expect(await readFile(file, 'utf8')).to.equal('keep me');
  });

  it('replaces an existing file with force', async () => {
    const file = path.join(tmp.dir, 'out.csv');
    await writeFile(file, 'old');
    const sink = createHashingSink({ file, force: true });
    await pipeline(Readable.from([Buffer.from('new')]), sink);
    await sink.commit();
    expect(await readdir(tmp.dir)).to.deep.equal(['out.csv']);
    expect(await readFile(file, 'utf8')).to.equal('new');
  });

  it('leaves no file behind when destroyed early', async () => {
    const sink = createHashingSink({ file: path.join(tmp.dir, 'out.json') });
    await new Promise((resolve) => sink.write(Buffer.alloc(1000, 1), resolve));
    expect(await readdir(tmp.dir)).to.have.length(1);
    sink.destroy();
    await new Promise((resolve) => sink.once('close', resolve));
    expect(await readdir(tmp.dir)).to.deep.equal([]);
    expect(sink.digest).to.equal(null);
  });

  it('leaves no file behind when another stage of the pipeline fails', async () => {
    const sink = createHashingSink({ file: path.join(tmp.dir, 'out.json') });
    async function* source(): AsyncGenerator<Buffer> {
      yield Buffer.from('partial');
      throw new Error('upstream failed');
    }
    const err = await rejection(pipeline(Readable.from(source()), sink));
    expect(err.message).to.equal('upstream failed');
    expect(await readdir(tmp.dir)).to.deep.equal([]);
  });

  it('discard() removes a finished but uncommitted file', async () => {
    const sink = createHashingSink({ file: path.join(tmp.dir, 'out.json') });
    await pipeline(Readable.from([Buffer.from('done')]), sink);
    expect(await readdir(tmp.dir)).to.have.length(1);
    await sink.discard();
    expect(await readdir(tmp.dir)).to.deep.equal([]);
    const late = await rejection(sink.commit());
    expect(late).to.include({ code: 'ACODE-INT-001', message: "Internal error: commit() of out.json in state 'discarded', before the stream finished" });
  });

  it('throws ACODE-EXP-008 at creation when the folder does not exist', async () => {
    const file = path.join(tmp.dir, 'missing', 'out.json');
    let err: Error & { code?: string } = new Error('not thrown');
    try {
      createHashingSink({ file });
    } catch (e) {
      err = e as Error;
    }
    expect(err.code).to.equal('ACODE-EXP-008');
    expect(err.message).to.match(new RegExp(`^Output location not writable: cannot create a file in ${path.join(tmp.dir, 'missing').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ENOENT`));
  });

  // Taking the digest from the leak scan before it (a redacted single-file export): no hashing of its own.
  for (const parallel of [true, false]) {
    it(`a leak scan with hash (${parallel ? 'on its worker' : 'on this thread'}) gives the file and stdout sinks the digest of exactly what they wrote`, async () => {
      const { createLeakScanTransform } = await import('../../../transforms/leak-scan.js');
      const { createLeakDetector } = await import('../../../lib/redaction/index.js');
      const data = chunksOf(40, 3000);
      const file = path.join(tmp.dir, 'out.json');
      const scan = createLeakScanTransform({ detector: createLeakDetector(), parallel, hash: true });
      const sink = createHashingSink({ file, digestFrom: scan });
      await pipeline(Readable.from(data.map((c) => Buffer.from(c))), scan, sink);
      const content = Buffer.concat(data);
      expect(scan.digest).to.deep.equal({ sha256: sha256(content), bytes: content.length });
      expect(await sink.commit()).to.deep.equal({ sha256: sha256(content), bytes: content.length });
      expect(sha256(await readFile(file))).to.equal(sha256(content));

      const out: Buffer[] = [];
      const stdout = new Writable({ write: (c: Buffer, _e, cb) => (out.push(c), cb()) });
      const scan2 = createLeakScanTransform({ detector: createLeakDetector(), parallel, hash: true });
      const pass = createHashingPassThrough(stdout, { digestFrom: scan2 });
      await pipeline(Readable.from(data.map((c) => Buffer.from(c))), scan2, pass);
      expect(pass.digest).to.deep.equal({ sha256: sha256(content), bytes: content.length });
      expect(Buffer.concat(out).equals(content)).to.equal(true);
    });
  }

  it('a digest that does not cover what the sink got fails it (ACODE-INT-001) and leaves no file', async () => {
    const file = path.join(tmp.dir, 'out.json');
    const sink = createHashingSink({ file, digestFrom: { digest: { sha256: '0'.repeat(64), bytes: 1 } } });
    const err = await rejection(pipeline(Readable.from(chunksOf(3, 100)), sink));
    expect(err.code).to.equal('ACODE-INT-001');
    expect(err.message).to.include('covers 1 bytes, the sink got 300');
    expect(await readdir(tmp.dir)).to.deep.equal([]);
  });
});

describe('hashing pass-through', () => {
  it('forwards and hashes every byte, waiting for a slow destination (bounded buffering)', async () => {
    const data = chunksOf(300, 4096);
    const received: Buffer[] = [];
    let maxQueued = 0;
    const destination = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _e, cb) {
        received.push(chunk);
        setImmediate(cb);
      },
    });
    const tap = createHashingPassThrough(destination);
    let produced = 0;
    const source = new Readable({
      read() {
        maxQueued = Math.max(maxQueued, produced - received.length);
        this.push(produced < data.length ? data[produced++] : null);
      },
    });
    await pipeline(source, tap);
    const content = Buffer.concat(data);
    expect(Buffer.concat(received)).to.deep.equal(content);
    expect(tap.digest).to.deep.equal({ sha256: sha256(content), bytes: content.length });
    expect(await tap.commit()).to.deep.equal(tap.digest);
    // 16 KB in the source, 16 KB in the tap, one chunk at the destination: 9 chunks of 4 KB at most.
    expect(maxQueued).to.be.at.most(10);
    expect(destination.writableEnded).to.equal(false);
  });

  it('surfaces a destination EPIPE with code EPIPE', async () => {
    const destination = new Writable({
      write(_chunk, _e, cb) {
        cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const err = await rejection(pipeline(Readable.from(chunksOf(10, 100)), createHashingPassThrough(destination)));
    expect(err).to.include({ code: 'EPIPE', message: 'write EPIPE' });
  });

  it('ends with EPIPE when the reading process of a real pipe exits early (| head)', async () => {
    const head = spawn('head', ['-c', '10'], { stdio: ['pipe', 'ignore', 'inherit'] });
    const exited = new Promise((resolve) => head.once('exit', resolve));
    const endless = new Readable({
      read() {
        this.push(Buffer.alloc(65536, 0x61));
      },
    });
    const err = await rejection(pipeline(endless, createHashingPassThrough(head.stdin!)));
    expect(err.code).to.equal('EPIPE');
    expect(await exited).to.equal(0);
  });
});
