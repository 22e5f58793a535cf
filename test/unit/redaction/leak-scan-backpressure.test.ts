import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createLeakDetector } from '../../../lib/redaction/index.js';
import { createLeakScanTransform } from '../../../transforms/leak-scan.js';

describe('leak scan on its worker thread: backpressure', () => {
  it('delivers every byte, in order, to a slow reader, and holds at most a few MiB for it', async () => {
    const chunks = 400;
    const expected = createHash('sha256');
    async function* source(): AsyncGenerator<Buffer> {
      for (let i = 0; i < chunks; i++) {
        const chunk = Buffer.alloc(64 * 1024, 97 + (i % 20));
        expected.update(chunk);
        yield chunk;
      }
    }
    const scan = createLeakScanTransform({ detector: createLeakDetector() });
    const got = createHash('sha256');
    let bytes = 0;
    let maxBuffered = 0;
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        got.update(chunk);
        bytes += chunk.length;
        maxBuffered = Math.max(maxBuffered, scan.readableLength);
        setImmediate(callback);
      },
    });
    await pipeline(Readable.from(source()), scan, slow);
    expect(bytes).to.equal(chunks * 64 * 1024);
    expect(got.digest('hex')).to.equal(expected.digest('hex'));
    // Without backpressure the whole 25 MiB piled up in front of the reader.
    expect(maxBuffered).to.be.at.most(5 * 1024 * 1024);
  });
});
