import { expect } from 'chai';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ExportRecord, SqlValue, TableSchema } from '../../../lib/records.js';
import { createCsvSerializer } from '../../../transforms/csv-serializer.js';
import { createTableSplitter } from '../../../transforms/table-splitter.js';
import { AWKWARD, AWKWARD_ROWS, DOC, EMPTY, records, rejection, serialize } from './helpers.js';

/** A byte sink that keeps what it gets; optionally slow (one chunk at a time, a tick each). */
function memorySink(options: { slow?: boolean; fail?: Error } = {}): Writable & { bytes(): Buffer } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    highWaterMark: options.slow ? 1 : 16384,
    write(chunk: Buffer, _e, cb) {
      if (options.fail) return cb(options.fail);
      chunks.push(chunk);
      if (options.slow) setImmediate(cb);
      else cb();
    },
  });
  return Object.assign(sink, { bytes: () => Buffer.concat(chunks) });
}

describe('table splitter', () => {
  it('writes each table through its own serializer into its own sink, one after the other', async () => {
    const sinks = new Map<string, ReturnType<typeof memorySink>>();
    const events: string[] = [];
    const splitter = createTableSplitter({
      open: async (table) => {
        events.push(`open ${table.name}`);
        const sink = memorySink({ slow: true });
        sink.on('finish', () => events.push(`finish ${table.name}`));
        sinks.set(table.name, sink);
        return sink;
      },
      serializer: () => createCsvSerializer(),
      onTableDone: (table, rows) => void events.push(`done ${table.name} ${rows}`),
    });
    await pipeline(Readable.from(records(DOC)), splitter);
    expect(events).to.deep.equal(['open awkward', 'finish awkward', 'done awkward 9', 'open empty', 'finish empty', 'done empty 0']);
    expect(sinks.get('awkward')!.bytes()).to.deep.equal(await serialize(createCsvSerializer, records([DOC[0]!])));
    expect(sinks.get('empty')!.bytes().toString()).to.equal('"odd, name","quo""te",created_at\r\n');
  });

  it('pulls records only as fast as a slow sink takes bytes', async () => {
    const row: SqlValue[] = [1n, 2n, 0.5, 'x'.repeat(10_000), null];
    let produced = 0;
    let written = 0;
    let maxAhead = 0;
    const source = new Readable({
      objectMode: true,
      highWaterMark: 1,
      read() {
        if (produced === 0) this.push({ kind: 'table', table: AWKWARD, rows: 0 } satisfies ExportRecord);
        if (produced === 400) {
          this.push({ kind: 'table-end', table: 'awkward', rows: 400 } satisfies ExportRecord);
          this.push(null);
          return;
        }
        produced++;
        maxAhead = Math.max(maxAhead, produced - written);
        this.push({ kind: 'rows', table: 'awkward', rows: [row] } satisfies ExportRecord);
      },
    });
    const slow = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _e, cb) {
        if (chunk.includes('xxxx')) written++;
        setImmediate(cb);
      },
    });
    await pipeline(source, createTableSplitter({ open: async () => slow, serializer: () => createCsvSerializer() }));
    expect(written).to.equal(400);
    // Only what fits the stream buffers between source and sink runs ahead: a few records
    // (high-water marks of 1–4 objects) and 16 KB of serialized bytes, under two 10 KB rows.
    expect(maxAhead).to.be.at.most(12);
  });

  it('destroys the open serializer and sink when the source fails', async () => {
    const sink = memorySink();
    const boom = new Error('source broke');
    async function* source(): AsyncGenerator<ExportRecord> {
      yield { kind: 'table', table: AWKWARD, rows: 1 };
      yield { kind: 'rows', table: 'awkward', rows: [AWKWARD_ROWS[0]!] };
      throw boom;
    }
    const err = await rejection(pipeline(Readable.from(source()), createTableSplitter({ open: async () => sink, serializer: () => createCsvSerializer() })));
    expect(err).to.equal(boom);
    expect(sink.destroyed).to.equal(true);
    expect(sink.writableFinished).to.equal(false);
  });

  it('fails with a coded error naming the table when its sink fails', async () => {
    const full = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    const err = await rejection(pipeline(Readable.from(records(DOC)), createTableSplitter({ open: async () => memorySink({ fail: full }), serializer: () => createCsvSerializer() })));
    expect(err).to.include({ code: 'ACODE-EXP-009', message: 'Not enough disk space for the export: writing table awkward: no space left on device' });
    expect(err.context).to.deep.equal({ table: 'awkward' });
  });

  it('fails with ACODE-EXP-001 when a sink cannot be opened', async () => {
    const err = await rejection(
      pipeline(
        Readable.from(records(DOC)),
        createTableSplitter({
          open: async (t: TableSchema) => {
            throw new Error(`cannot open ${t.name}.csv`);
          },
          serializer: () => createCsvSerializer(),
        }),
      ),
    );
    expect(err).to.include({ code: 'ACODE-EXP-001', message: 'Export failed: writing table awkward: cannot open awkward.csv' });
  });

  it('refuses input that ends inside a table', async () => {
    const cut = records([{ table: EMPTY, rows: [] }]).slice(0, 2);
    const err = await rejection(pipeline(Readable.from(cut), createTableSplitter({ open: async () => memorySink(), serializer: () => createCsvSerializer() })));
    expect(err).to.include({ code: 'ACODE-INT-001', message: 'Internal error: export records ended inside table empty' });
  });

  it('stops when the AbortSignal fires, destroying the open sink', async () => {
    const controller = new AbortController();
    let writes = 0;
    const sink = new Writable({
      highWaterMark: 1,
      write(_chunk, _e, cb) {
        if (++writes === 20) controller.abort();
        setImmediate(cb);
      },
    });
    const endless = new Readable({
      objectMode: true,
      read() {
        this.push({ kind: 'rows', table: 'awkward', rows: [AWKWARD_ROWS[0]!] });
      },
    });
    endless.push({ kind: 'table', table: AWKWARD, rows: 0 });
    const err = await rejection(pipeline(endless, createTableSplitter({ open: async () => sink, serializer: () => createCsvSerializer() }), { signal: controller.signal }));
    expect(err.name).to.equal('AbortError');
    expect(sink.destroyed).to.equal(true);
    expect(writes).to.be.at.least(20);
  });
});
