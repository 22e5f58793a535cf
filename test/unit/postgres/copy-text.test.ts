import { expect } from 'chai';
import { CopyTextParser } from '../../../lib/postgres/snapshot.js';

// Decoders as the snapshot picks them for int8, float8, bool, bytea, text.
const int = (t: string): bigint => BigInt(t);
const real = (t: string): number => Number(t);
const bool = (t: string): bigint => (t === 't' ? 1n : 0n);
const bytes = (t: string): Buffer => Buffer.from(t.slice(2), 'hex');
const text = (t: string): string => t;

/** COPY text output as PostgreSQL writes it: tab-separated, \N for NULL, backslash escapes. */
const COPY = [
  ['9007199254740993', '1.5', 't', '\\\\x00ff0a', 'plain'],
  ['-9223372036854775808', 'Infinity', 'f', '\\\\x', 'tab\\there\\nnewline \\\\ back\\rslash'],
  ['\\N', 'NaN', '\\N', '\\N', ''],
  ['0', '-0', 't', '\\\\x41', 'Antônio 日本 🎉'],
].map((fields) => fields.join('\t')).join('\n') + '\n';

const EXPECTED = [
  [9007199254740993n, 1.5, 1n, Buffer.from([0, 255, 10]), 'plain'],
  [-9223372036854775808n, Infinity, 0n, Buffer.alloc(0), 'tab\there\nnewline \\ back\rslash'],
  [null, NaN, null, null, ''],
  [0n, -0, 1n, Buffer.from('A'), 'Antônio 日本 🎉'],
];

describe('COPY text parser (PostgreSQL exports)', () => {
  it('decodes NULL, exact integers, floats, booleans, bytea and escaped text, wherever the bytes are cut', () => {
    const all = Buffer.from(COPY);
    for (const size of [1, 2, 3, 5, 7, 64, all.length]) {
      const parser = new CopyTextParser([int, real, bool, bytes, text]);
      const batches: unknown[][][] = [];
      for (let i = 0; i < all.length; i += size) batches.push(...parser.push(all.subarray(i, i + size)));
      batches.push(parser.end());
      expect(batches.flat(), `chunks of ${size}`).to.deep.equal(EXPECTED);
    }
  });

  it('tells NULL (\\N) from the empty string and from a literal backslash-N', () => {
    const parser = new CopyTextParser([text, text, text]);
    parser.push(Buffer.from('\\N\t\t\\\\N\n'));
    expect(parser.end()).to.deep.equal([[null, '', '\\N']]);
  });

  it('batches at 512 rows', () => {
    const parser = new CopyTextParser([int]);
    const rows = Array.from({ length: 1100 }, (_, i) => `${i}\n`).join('');
    const full = parser.push(Buffer.from(rows));
    expect(full.map((b) => b.length)).to.deep.equal([512, 512]);
    expect(parser.end()).to.have.length(76);
  });

  it('refuses a row cut short or with the wrong number of fields', () => {
    const cut = new CopyTextParser([int, text]);
    cut.push(Buffer.from('1\tone\n2\ttw'));
    expect(() => cut.end()).to.throw('COPY output ended inside a row');
    const ragged = new CopyTextParser([int, text]);
    expect(() => ragged.push(Buffer.from('1\n'))).to.throw('COPY row has 1 fields, expected 2');
  });
});
