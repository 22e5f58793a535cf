import { expect } from 'chai';
import { formatNamedBy, resolveLayout, type LayoutInput } from '../../lib/export-layout.js';

const BASE: LayoutInput = { format: 'json', tableCount: 3, stdoutIsTTY: true, defaultDir: '/exports', stamp: new Date('2024-01-20T14:30:45Z') };

describe('export layout', () => {
  it('an output name says the format when --format does not: .json, .ndjson/.jsonl, .csv, .db/.sqlite/.sqlite3, each also .gz', () => {
    const cases: [string | undefined, string | null][] = [
      ['january.ndjson.gz', 'ndjson'],
      ['x.JSONL', 'ndjson'],
      ['x.json', 'json'],
      ['x.json.gz', 'json'],
      ['chats.csv', 'csv'],
      ['chats.csv.gz', 'csv'],
      ['copy.db', 'sqlite'],
      ['copy.sqlite3', 'sqlite'],
      ['bundle.tar.gz', null],
      ['bundle.tgz', null],
      ['folder', null],
      ['-', null],
      [undefined, null],
    ];
    for (const [output, format] of cases) expect(formatNamedBy(output), String(output)).to.equal(format);
  });

  it('a --format the name contradicts is written as asked, with a note saying so', () => {
    expect(resolveLayout({ ...BASE, output: 'k.csv' }).notes).to.deep.equal(['k.csv will hold JSON (--format json), not what its name says']);
    expect(resolveLayout({ ...BASE, format: 'sqlite', output: 'out/x.json' }).notes).to.deep.equal(['x.json will hold a SQLite database (--format sqlite), not what its name says']);
    expect(resolveLayout({ ...BASE, output: 'k.json.gz' }).notes).to.deep.equal([]);
    expect(resolveLayout({ ...BASE, output: 'k.tar' }).notes).to.deep.equal([]);
  });
});
