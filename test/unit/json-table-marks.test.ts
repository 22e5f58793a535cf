import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { expect } from 'chai';
import { TableOffsets } from '../../lib/export-stages.js';
import { createJsonTableMarks } from '../../lib/export-scan.js';

// An acode JSON document as json-serializer.ts writes it: a row whose first column is "name" is no table head.
const DOC = [
  '{"metadata":{"tables":[{"name":"a","rows":1}]},"tables":[',
  '{"name":"first\\"one","columns":[{"name":"name"}],"sql":null,"indexes":[],"rows":[',
  '{"name":"x","columns":"y"}',
  ']},',
  '{"name":"second","columns":[{"name":"id"}],"sql":null,"indexes":[],"rows":[',
  '{"id":1}',
  ']}',
  '],"summary":null}',
].join('\n');

async function marked(chunks: Buffer[]): Promise<{ offsets: TableOffsets; out: Buffer }> {
  const offsets = new TableOffsets('json');
  const got: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    createJsonTableMarks(offsets),
    new Writable({
      write(chunk: Buffer, _e, cb) {
        got.push(chunk);
        cb();
      },
    }),
  );
  return { offsets, out: Buffer.concat(got) };
}

describe('unit: export verify names the table of a JSON document read back (createJsonTableMarks)', () => {
  const bytes = Buffer.from(DOC);
  const firstRow = bytes.indexOf('{"name":"x"');
  const secondRow = bytes.indexOf('{"id":1}');

  it('marks each table head, cut between two chunks at every byte, and passes the bytes on unchanged', async () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { offsets, out } = await marked([bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(out.equals(bytes), `cut ${cut}`).to.equal(true);
      expect(offsets.tableAt(firstRow)?.name, `cut ${cut}`).to.equal('first"one');
      expect(offsets.tableAt(secondRow)?.name, `cut ${cut}`).to.equal('second');
      expect(offsets.tableAt(0), `cut ${cut}`).to.equal(undefined);
    }
  });

  it('one byte at a time', async () => {
    const { offsets } = await marked([...bytes].map((b) => Buffer.from([b])));
    expect(offsets.tableAt(firstRow)?.name).to.equal('first"one');
    expect(offsets.locate(secondRow + 6, '{"id":1}', 6)).to.deep.equal({ table: 'second', column: 'id' });
  });
});
