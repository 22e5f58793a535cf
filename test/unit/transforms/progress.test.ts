import { expect } from 'chai';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ExportRecord } from '../../../lib/records.js';
import type { ProgressEvent } from '../../../lib/progress.js';
import { createProgressTap } from '../../../transforms/progress.js';
import { AWKWARD, AWKWARD_ROWS, EMPTY, records } from './helpers.js';

/** A clock that moves 40 ms each time it is read. */
function steppingClock(step = 40): () => number {
  let t = 0;
  return () => (t += step);
}

describe('progress tap', () => {
  it('reports rows per table: start, throttled updates, end; records pass unchanged', async () => {
    const events: ProgressEvent[] = [];
    const input = records([{ table: AWKWARD, rows: AWKWARD_ROWS }, { table: EMPTY, rows: [] }], { batch: 1 });
    const passed: ExportRecord[] = [];
    await pipeline(
      Readable.from(input),
      createProgressTap({ onProgress: (e) => events.push(e), stage: 'export', label: 'Exporting', now: steppingClock() }),
      new Writable({ objectMode: true, write: (r: ExportRecord, _e, cb) => (passed.push(r), cb()) }),
    );
    expect(passed).to.deep.equal(input);
    // The clock moves 40 ms per batch: an update every third batch (at 120 ms, 240 ms, …).
    expect(events.map((e) => `${e.phase} ${e.table} ${e.rows}/${e.totalRows}${e.detail ? ` ${e.detail}` : ''}`)).to.deep.equal([
      'start awkward 0/9',
      'update awkward 3/9',
      'update awkward 6/9',
      'update awkward 9/9',
      'end awkward 9/9 9 rows',
      'start empty 0/0',
      'end empty 0/0 0 rows',
    ]);
    expect(events.every((e) => e.stage === 'export' && e.label === 'Exporting')).to.equal(true);
  });

  it('reports bytes with the table and total it was given', async () => {
    const events: ProgressEvent[] = [];
    const chunks = Array.from({ length: 5 }, () => Buffer.alloc(1000));
    const out: Buffer[] = [];
    await pipeline(
      Readable.from(chunks),
      createProgressTap({ onProgress: (e) => events.push(e), stage: 'import', label: 'Reading', unit: 'bytes', table: 't', totalBytes: 5000, now: steppingClock(60) }),
      new Writable({ write: (c: Buffer, _e, cb) => (out.push(c), cb()) }),
    );
    expect(Buffer.concat(out)).to.deep.equal(Buffer.concat(chunks));
    expect(events).to.deep.equal([
      { stage: 'import', label: 'Reading', phase: 'start', table: 't', totalBytes: 5000, bytes: 0 },
      { stage: 'import', label: 'Reading', phase: 'update', table: 't', totalBytes: 5000, bytes: 2000 },
      { stage: 'import', label: 'Reading', phase: 'update', table: 't', totalBytes: 5000, bytes: 4000 },
      { stage: 'import', label: 'Reading', phase: 'end', table: 't', totalBytes: 5000, bytes: 5000, detail: '5000 bytes' },
    ]);
  });

  it('still reports start and end for an empty byte stream', async () => {
    const events: ProgressEvent[] = [];
    await pipeline(Readable.from([]), createProgressTap({ onProgress: (e) => events.push(e), stage: 'write', label: 'Writing', unit: 'bytes' }), new Writable({ write: (_c, _e, cb) => cb() }));
    expect(events.map((e) => [e.phase, e.bytes])).to.deep.equal([
      ['start', 0],
      ['end', 0],
    ]);
  });
});
