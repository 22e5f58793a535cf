import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import { PassThrough, Readable, Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ExportRecord } from '../../../lib/records.js';
import { createCsvSerializer } from '../../../transforms/csv-serializer.js';
import { createJsonSerializer } from '../../../transforms/json-serializer.js';
import { createNdjsonSerializer } from '../../../transforms/ndjson-serializer.js';
import { AWKWARD, AWKWARD_ROWS, DOC, EMPTY, fixturePath, HEADER, records, rejection, serialize } from './helpers.js';

/** Compares with a golden file; UPDATE_GOLDEN=1 rewrites it (then review the diff). */
async function golden(name: string, actual: Buffer): Promise<void> {
  const file = fixturePath(name);
  if (process.env['UPDATE_GOLDEN'] === '1') await writeFile(file, actual);
  const expected = await readFile(file);
  expect(actual.toString('utf8')).to.equal(expected.toString('utf8'));
  expect(actual.equals(expected)).to.equal(true);
}

const SERIALIZERS: [string, () => Transform][] = [
  ['json', createJsonSerializer],
  ['ndjson', createNdjsonSerializer],
];

describe('serializers', () => {
  it('JSON: matches the golden document, and it parses as one JSON value', async () => {
    const bytes = await serialize(createJsonSerializer, records(DOC));
    await golden('awkward.json', bytes);
    const doc = JSON.parse(bytes.toString('utf8'));
    expect(doc.metadata).to.deep.equal(HEADER);
    expect(doc.tables.map((t: { name: string; rows: unknown[] }) => [t.name, t.rows.length])).to.deep.equal([
      ['awkward', 9],
      ['empty', 0],
    ]);
    expect(doc.summary).to.deep.equal({ rows: 9, redaction: null });
    expect(bytes.toString('utf8').split('\n')).to.have.length(16);
  });

  it('JSON: writes "summary":null and an empty table list when there is nothing else', async () => {
    const bytes = await serialize(createJsonSerializer, records([], { summary: false }));
    expect(bytes.toString('utf8')).to.equal(`{"metadata":${JSON.stringify(HEADER)},"tables":[\n],"summary":null}\n`);
  });

  it('NDJSON: matches the golden file; every line is one JSON object', async () => {
    const bytes = await serialize(createNdjsonSerializer, records(DOC));
    await golden('awkward.ndjson', bytes);
    const lines = bytes.toString('utf8').split('\n');
    expect(lines.pop()).to.equal('');
    expect(lines.map((l) => Object.keys(JSON.parse(l)).join(','))).to.deep.equal([
      'metadata',
      'table,schema',
      ...AWKWARD_ROWS.map(() => 'table,row'),
      'table,schema',
      'summary',
    ]);
  });

  it('CSV: matches the golden file for one table', async () => {
    const bytes = await serialize(createCsvSerializer, records([{ table: AWKWARD, rows: AWKWARD_ROWS }]));
    await golden('awkward.csv', bytes);
    expect(bytes.subarray(0, 14).toString()).to.equal('id,i,r,t,b\r\n1,');
  });

  it('CSV: writes only the header for a table without rows, with names quoted as needed', async () => {
    const bytes = await serialize(createCsvSerializer, records([{ table: EMPTY, rows: [] }]));
    expect(bytes.toString()).to.equal('"odd, name","quo""te",created_at\r\n');
  });

  it('CSV: refuses a text or number in a column declared BLOB (it would come back as other bytes), naming table and column', async () => {
    for (const value of ['abcd', 42n, 1.5]) {
      const row = [1n, 1n, 1.5, 't', value];
      const err = await rejection(serialize(createCsvSerializer, records([{ table: AWKWARD, rows: [row] }])));
      expect(err).to.include({ code: 'ACODE-EXP-001' });
      expect(err.message).to.equal(`Export failed: table awkward, column b is declared BLOB but holds a ${typeof value === 'string' ? 'text' : 'number'} value, which CSV cannot tell from base64`);
    }
  });

  it('CSV: refuses a second table rather than concatenating two', async () => {
    const err = await rejection(serialize(createCsvSerializer, records(DOC)));
    expect(err).to.include({ code: 'ACODE-INT-001', message: 'Internal error: export records out of order: got table empty, expected only table awkward in one CSV stream' });
  });

  it('pushes one chunk per rows batch', async () => {
    const chunks: Buffer[] = [];
    const input = records([{ table: AWKWARD, rows: AWKWARD_ROWS }], { batch: 3 });
    await pipeline(Readable.from(input), createJsonSerializer(), new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) }));
    // header, table, 3 batches, table-end, closing text: the summary record adds no text.
    expect(chunks).to.have.length(7);
    expect(chunks[2]!.toString().split('\n').filter((l) => l.startsWith('{"id":'))).to.have.length(3);
  });

  for (const [name, make] of SERIALIZERS) {
    it(`${name}: refuses records out of order with ACODE-INT-001`, async () => {
      const noHeader = await rejection(serialize(make, records(DOC, { header: false })));
      expect(noHeader.code).to.equal('ACODE-INT-001');
      expect(noHeader.message).to.equal("Internal error: export records out of order: got a 'table' record, expected a header record first");
      const cut = records(DOC).slice(0, 3);
      const open = await rejection(serialize(make, cut));
      expect(open).to.include({ code: 'ACODE-INT-001', message: 'Internal error: export records out of order: got end of input, expected the end of table awkward' });
      const stray: ExportRecord[] = [{ kind: 'header', header: HEADER }, { kind: 'rows', table: 'awkward', rows: [] }];
      const strayErr = await rejection(serialize(make, stray));
      expect(strayErr).to.include({ code: 'ACODE-INT-001', message: "Internal error: export records out of order: got a 'rows' record for awkward, expected a 'table' record" });
    });

    it(`${name}: refuses a row of the wrong width`, async () => {
      const err = await rejection(serialize(make, records([{ table: AWKWARD, rows: [[1n, 2n]] }])));
      expect(err).to.include({ code: 'ACODE-INT-001', message: 'Internal error: a row of awkward has 2 values for 5 columns' });
    });

    it(`${name}: a failing source rejects the pipeline with its error, and the serializer errors once`, async () => {
      const boom = new Error('source broke');
      async function* source(): AsyncGenerator<ExportRecord> {
        yield* records(DOC).slice(0, 3);
        throw boom;
      }
      const serializer = make();
      const errors: unknown[] = [];
      serializer.on('error', (e) => errors.push(e));
      const err = await rejection(pipeline(Readable.from(source()), serializer, new PassThrough(), new Writable({ write: (_c, _e, cb) => cb() })));
      expect(err).to.equal(boom);
      expect(serializer.destroyed).to.equal(true);
      expect(errors.length).to.be.at.most(1);
    });

    it(`${name}: an AbortSignal stops the pipeline`, async () => {
      const controller = new AbortController();
      const endless = new Readable({
        objectMode: true,
        read() {
          this.push({ kind: 'rows', table: 'awkward', rows: [AWKWARD_ROWS[0]!] });
        },
      });
      endless.push({ kind: 'header', header: HEADER });
      endless.push({ kind: 'table', table: AWKWARD, rows: 0 });
      let seen = 0;
      const sink = new Writable({
        write(_c, _e, cb) {
          if (++seen === 10) controller.abort();
          cb();
        },
      });
      const err = await rejection(pipeline(endless, make(), sink, { signal: controller.signal }));
      expect(err.name).to.equal('AbortError');
      expect(endless.destroyed).to.equal(true);
    });
  }
});
