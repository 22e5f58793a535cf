import { expect } from 'chai';
import { CopyBinaryParser, readerFor } from '../../../lib/postgres/copy-binary.js';

// Readers as the snapshot picks them for int8, int2, int4, float8, bool, bytea, float4 (as text), text.
const OIDS = [20, 21, 23, 701, 16, 17, 700, 25];
const decoders = (oids: readonly number[]) => oids.map((oid) => readerFor(oid).decode);

/** A field as COPY's binary format sends it: a 32-bit length (−1 for NULL), then the bytes. */
function field(value: Buffer | null): Buffer {
  const length = Buffer.alloc(4);
  length.writeInt32BE(value === null ? -1 : value.length);
  return value === null ? length : Buffer.concat([length, value]);
}

function int(bytes: number, value: bigint): Buffer {
  const b = Buffer.alloc(bytes);
  if (bytes === 8) b.writeBigInt64BE(value);
  else if (bytes === 4) b.writeInt32BE(Number(value));
  else b.writeInt16BE(Number(value));
  return b;
}

function float8(value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(value);
  return b;
}

/** A whole COPY … (FORMAT binary) stream: header with an extension area, the rows, the end marker. */
function copyStream(rows: readonly (readonly (Buffer | null)[])[], extension = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(8);
  head.writeInt32BE(0, 0);
  head.writeInt32BE(extension.length, 4);
  const parts: Buffer[] = [Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), head, extension];
  for (const row of rows) {
    const count = Buffer.alloc(2);
    count.writeInt16BE(row.length);
    parts.push(count, ...row.map(field));
  }
  parts.push(Buffer.from([0xff, 0xff]));
  return Buffer.concat(parts);
}

const text = (s: string): Buffer => Buffer.from(s, 'utf8');

const ROWS = [
  [int(8, 9007199254740993n), int(2, -32768n), int(4, 2147483647n), float8(1.5), Buffer.from([1]), Buffer.from([0, 255, 10]), text('0.1'), text('plain')],
  [int(8, -9223372036854775808n), int(2, 0n), int(4, -1n), float8(Infinity), Buffer.from([0]), Buffer.alloc(0), text('-Infinity'), text('tab\there\nnewline \\ back\rslash')],
  [null, null, null, float8(NaN), null, null, null, text('')],
  [int(8, 0n), int(2, 7n), int(4, 42n), float8(-0), Buffer.from([1]), Buffer.from('A'), text('3.4028235e+38'), text('Antônio 日本 🎉')],
];

const EXPECTED = [
  [9007199254740993n, -32768n, 2147483647n, 1.5, 1n, Buffer.from([0, 255, 10]), 0.1, 'plain'],
  [-9223372036854775808n, 0n, -1n, Infinity, 0n, Buffer.alloc(0), -Infinity, 'tab\there\nnewline \\ back\rslash'],
  [null, null, null, NaN, null, null, null, ''],
  [0n, 7n, 42n, -0, 1n, Buffer.from('A'), 3.4028235e38, 'Antônio 日本 🎉'],
];

function parseAll(all: Buffer, size: number, oids: readonly number[] = OIDS): unknown[][] {
  const parser = new CopyBinaryParser(decoders(oids));
  const batches: unknown[][][] = [];
  for (let i = 0; i < all.length; i += size) batches.push(...parser.push(all.subarray(i, i + size)));
  batches.push(parser.end());
  return batches.flat();
}

describe('COPY binary parser (PostgreSQL exports)', () => {
  it('decodes NULL, exact integers, floats, booleans, bytea, float4 text and UTF-8 text, wherever the bytes are cut', () => {
    const all = copyStream(ROWS, Buffer.from('ext'));
    for (const size of [1, 2, 3, 5, 7, 19, 64, all.length]) {
      expect(parseAll(all, size), `chunks of ${size}`).to.deep.equal(EXPECTED);
    }
  });

  it('reads integers, float8, bool, bytea and the text types in binary; float4 and every other type as its output text', () => {
    const binary = [20, 21, 23, 26, 701, 16, 17, 25, 1043, 1042, 19].map((oid) => readerFor(oid).send);
    expect(binary).to.deep.equal(Array(11).fill('binary'));
    // numeric, timestamptz, jsonb, timestamp, uuid, inet, xml: as their output function prints them.
    expect([700, 1700, 1184, 3802, 1114, 2950, 869, 142].map((oid) => readerFor(oid).send)).to.deep.equal(Array(8).fill('output'));
    const oid = readerFor(26).decode(Buffer.from([0xff, 0xff, 0xff, 0xff]), 0, 4);
    expect(oid).to.equal(4294967295n);
  });

  it('joins a value of many chunks once, whole', () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 5, 'x');
    const all = copyStream([[int(8, 1n), big], [int(8, 2n), text('after')]]);
    const rows = parseAll(all, 64 * 1024, [20, 25]);
    expect(rows.map((r) => r[0])).to.deep.equal([1n, 2n]);
    expect(rows[0]![1]).to.equal(big.toString());
    expect(rows[1]![1]).to.equal('after');
  });

  it('resumes a wide row cut by chunk boundaries at the field that was cut: each field decoded once', () => {
    const fields = Array.from({ length: 300 }, (_, i) => text(`field ${i} `.repeat(50)));
    const all = copyStream([fields, fields]);
    let calls = 0;
    const counting = (b: Buffer, s: number, e: number): string => {
      calls++;
      return b.toString('utf8', s, e);
    };
    const parser = new CopyBinaryParser(Array(300).fill(counting));
    const rows: unknown[][] = [];
    for (let i = 0; i < all.length; i += 1000) for (const batch of parser.push(all.subarray(i, i + 1000))) rows.push(...batch);
    rows.push(...parser.end());
    expect(rows).to.have.length(2);
    expect(rows[1]![299]).to.equal('field 299 '.repeat(50));
    expect(calls).to.equal(600);
  });

  it('batches at 512 rows', () => {
    const all = copyStream(Array.from({ length: 1100 }, (_, i) => [int(8, BigInt(i))]));
    const parser = new CopyBinaryParser(decoders([20]));
    expect(parser.push(all).map((b) => b.length)).to.deep.equal([512, 512]);
    expect(parser.end()).to.have.length(76);
  });

  it('refuses a stream cut short, a row with the wrong number of fields, a field of the wrong width, and text', () => {
    const all = copyStream([[int(8, 1n), text('one')]]);
    const cut = new CopyBinaryParser(decoders([20, 25]));
    cut.push(all.subarray(0, all.length - 3));
    expect(() => cut.end()).to.throw('COPY output ended inside a row');
    const noEnd = new CopyBinaryParser(decoders([20, 25]));
    noEnd.push(all.subarray(0, all.length - 2));
    expect(() => noEnd.end()).to.throw('COPY output ended inside a row');
    expect(() => new CopyBinaryParser(decoders([20])).push(all)).to.throw('COPY row has 2 fields, expected 1');
    expect(() => new CopyBinaryParser(decoders([23, 25])).push(all)).to.throw('COPY sent 8 bytes for a int4 field, expected 4');
    expect(() => new CopyBinaryParser(decoders([25])).push(Buffer.from('1\tone\n'.repeat(4)))).to.throw('COPY output is not in the binary format');
    const negative = copyStream([[text('x')]]);
    negative.writeInt32BE(-6, 19 + 2);
    expect(() => new CopyBinaryParser(decoders([25])).push(negative)).to.throw('COPY sent a field of -6 bytes');
  });
});
