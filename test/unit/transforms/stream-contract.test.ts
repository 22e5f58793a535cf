import { expect } from 'chai';
import { finished, pipeline } from 'node:stream/promises';
import { PassThrough, Readable, Writable as NodeWritable, type Duplex, type Writable } from 'node:stream';
import type { ExportRecord } from '../../../lib/records.js';
import { createCsvParser } from '../../../transforms/csv-parser.js';
import { createCsvSerializer } from '../../../transforms/csv-serializer.js';
import { createHashingPassThrough } from '../../../transforms/hashing-pass-through.js';
import { createJsonParser } from '../../../transforms/json-parser.js';
import { createJsonSerializer } from '../../../transforms/json-serializer.js';
import { createNdjsonParser } from '../../../transforms/ndjson-parser.js';
import { createNdjsonSerializer } from '../../../transforms/ndjson-serializer.js';
import { createProgressTap } from '../../../transforms/progress.js';
import { createTableSplitter } from '../../../transforms/table-splitter.js';
import { createTarExtractor } from '../../../transforms/tar.js';
import { AWKWARD, HEADER, records, rejection, serialize } from './helpers.js';

interface Case {
  readonly name: string;
  readonly make: () => Duplex | Writable;
  /** Input that the stage accepts whole. */
  readonly good: () => Promise<unknown[]>;
  /** Input that makes the stage fail. */
  readonly bad: () => Promise<unknown[]>;
  readonly badCode: string;
}

const goodRecords = (): ExportRecord[] => records([{ table: AWKWARD, rows: [[1n, 2n, 0.5, 'x', null]] }]);
const header: ExportRecord = { kind: 'header', header: HEADER };
const nullSink = (): NodeWritable => new NodeWritable({ write: (_c, _e, cb) => cb() });

const CASES: Case[] = [
  { name: 'JSON serializer', make: createJsonSerializer, good: async () => goodRecords(), bad: async () => goodRecords().slice(0, 2), badCode: 'ACODE-INT-001' },
  { name: 'NDJSON serializer', make: createNdjsonSerializer, good: async () => goodRecords(), bad: async () => [header, header], badCode: 'ACODE-INT-001' },
  { name: 'CSV serializer', make: createCsvSerializer, good: async () => goodRecords(), bad: async () => goodRecords().slice(0, 2), badCode: 'ACODE-INT-001' },
  { name: 'JSON parser', make: () => createJsonParser(), good: async () => [await serialize(createJsonSerializer, goodRecords())], bad: async () => [Buffer.from('{"metadata":')], badCode: 'ACODE-IMP-002' },
  { name: 'NDJSON parser', make: () => createNdjsonParser(), good: async () => [await serialize(createNdjsonSerializer, goodRecords())], bad: async () => [Buffer.from('[]')], badCode: 'ACODE-IMP-002' },
  { name: 'CSV parser', make: () => createCsvParser({ table: AWKWARD }), good: async () => [Buffer.from('id,i,r,t,b\r\n1,,,,\r\n')], bad: async () => [Buffer.from('id\r\n')], badCode: 'ACODE-IMP-002' },
  { name: 'progress tap', make: () => createProgressTap({ onProgress: () => {}, stage: 'export', label: 'x' }), good: async () => goodRecords(), bad: async () => [], badCode: '' },
  { name: 'hashing pass-through', make: () => createHashingPassThrough(new PassThrough().resume()), good: async () => [Buffer.from('abc')], bad: async () => [], badCode: '' },
  { name: 'table splitter', make: () => createTableSplitter({ open: async () => nullSink(), serializer: () => createCsvSerializer() }), good: async () => goodRecords(), bad: async () => goodRecords().slice(0, 2), badCode: 'ACODE-INT-001' },
  { name: 'tar extractor', make: () => createTarExtractor(async (_n, s) => void s.resume()), good: async () => [Buffer.alloc(1024)], bad: async () => [Buffer.alloc(100)], badCode: 'ACODE-IMP-002' },
];

/** Writes the input, ends, and reports what the stream emitted. */
async function run(stream: Duplex | Writable, input: unknown[], destroyWith?: Error): Promise<{ errors: unknown[]; ends: number; finishes: number; closes: number; result: unknown }> {
  const seen = { errors: [] as unknown[], ends: 0, finishes: 0, closes: 0 };
  stream.on('error', (e) => seen.errors.push(e));
  stream.on('end', () => seen.ends++);
  stream.on('finish', () => seen.finishes++);
  stream.on('close', () => seen.closes++);
  if ('resume' in stream && typeof stream.resume === 'function') stream.resume();
  const done = finished(stream).then(
    () => 'ok',
    (e: unknown) => e,
  );
  if (destroyWith) stream.destroy(destroyWith);
  else {
    for (const chunk of input) stream.write(chunk);
    stream.end();
  }
  const result = await done;
  await new Promise((resolve) => setImmediate(resolve));
  return { ...seen, result };
}

describe('stream contract: one end or one error, finished() sees it', () => {
  for (const c of CASES) {
    it(`${c.name}: good input finishes once, with no error`, async () => {
      const s = c.make();
      const seen = await run(s, await c.good());
      expect({ errors: seen.errors.length, finishes: seen.finishes, closes: seen.closes, result: seen.result }).to.deep.equal({ errors: 0, finishes: 1, closes: 1, result: 'ok' });
      expect(seen.ends).to.equal('push' in s ? 1 : 0);
    });

    if (c.badCode) {
      it(`${c.name}: bad input errors once with ${c.badCode}, never ends`, async () => {
        const seen = await run(c.make(), await c.bad());
        expect(seen.errors).to.have.length(1);
        expect(seen.ends).to.equal(0);
        expect(seen.closes).to.equal(1);
        expect((seen.result as { code?: string }).code).to.equal(c.badCode);
        expect(seen.result).to.equal(seen.errors[0]);
      });
    }

    it(`${c.name}: destroy(err) closes it once with that error`, async () => {
      const boom = new Error('stop');
      const got = await run(c.make(), [], boom);
      expect(got.errors).to.deep.equal([boom]);
      expect(got.closes).to.equal(1);
      expect(got.result).to.equal(boom);
    });
  }

  for (const make of [createJsonSerializer, createNdjsonSerializer, createCsvSerializer]) {
    it(`${make.name}: a chunk that is no export record ({ kind: 'foo' }, a string) rejects the pipeline with ACODE-USE-001 (it threw out of the stream and ended the process, or was dropped)`, async () => {
      for (const chunk of [{ kind: 'foo' }, 'hello']) {
        const err = await rejection(pipeline(Readable.from([header, chunk]), make(), nullSink()));
        expect(err).to.include({ code: 'ACODE-USE-001' });
        expect(err.message).to.match(/^Invalid usage: a serializer takes export records \(header, table, rows, text-rows, table-end, summary; see ARCHITECTURE\.md\), got a (record of kind "foo"|string)$/);
      }
    });
  }

  it('a stage fails the same way inside pipeline(): the pipeline rejects with its coded error', async () => {
    const err = await rejection(serialize(createJsonSerializer, [header, header]));
    expect(err).to.include({ code: 'ACODE-INT-001', message: "Internal error: export records out of order: got a 'header' record, expected a 'table' or 'summary' record" });
  });
});
