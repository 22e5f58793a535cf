import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { sha256File } from '../../lib/checksum.js';
import { makeTempDir, removeTempDir } from '../support/temp.js';

const MiB = 1 << 20;

describe('checksum: sha256File', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir('checksum');
  });
  afterEach(() => removeTempDir(dir));

  it('hashes an empty file', async () => {
    await writeFile(path.join(dir, 'empty'), '');
    expect(await sha256File(path.join(dir, 'empty'))).to.deep.equal({
      sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      size: 0,
    });
  });

  it('hashes the known vector "abc"', async () => {
    await writeFile(path.join(dir, 'abc'), 'abc');
    expect((await sha256File(path.join(dir, 'abc'))).sha256).to.equal('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  for (const size of [MiB - 1, MiB, MiB + 1, 2 * MiB, 3 * MiB + 12345]) {
    it(`equals a one-shot hash at ${size} bytes (chunk boundaries of the reused buffers)`, async () => {
      const data = randomBytes(size);
      const file = path.join(dir, 'data');
      await writeFile(file, data);
      const seen: [number, number][] = [];
      const digest = await sha256File(file, { onBytes: (bytes, total) => seen.push([bytes, total]) });
      expect(digest).to.deep.equal({ sha256: createHash('sha256').update(data).digest('hex'), size });
      expect(seen.at(-1)).to.deep.equal([size, size]);
      expect(seen.map(([b]) => b)).to.deep.equal([...seen.map(([b]) => b)].sort((a, b) => a - b));
      expect(seen).to.have.lengthOf(Math.ceil(size / MiB));
    });
  }

  it('stops with an AbortError when its signal is aborted', async () => {
    const file = path.join(dir, 'data');
    await writeFile(file, randomBytes(3 * MiB));
    const controller = new AbortController();
    const err = await sha256File(file, { signal: controller.signal, onBytes: () => controller.abort() }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err?.name).to.equal('AbortError');
  });
});
