import { expect } from 'chai';
import { csvHeader, csvRows, jsonKeyPrefixes, jsonRow } from '../../../transforms/row-encoders.js';
import {
  affinity,
  csvText,
  csvValue,
  decodeBase64,
  decodeCsvField,
  decodeJsonNumber,
  decodeJsonSpecial,
  encodeReal,
  isBlobColumn,
  jsonValue,
} from '../../../transforms/value-codec.js';
import { AWKWARD, EMPTY } from './helpers.js';

describe('value codec', () => {
  it('applies SQLite affinity rules in their documented order', () => {
    const cases: [string, string][] = [
      ['INTEGER', 'INTEGER'],
      ['BIGINT', 'INTEGER'],
      ['CHARINT', 'INTEGER'],
      ['VARCHAR(20)', 'TEXT'],
      ['clob', 'TEXT'],
      ['TEXT', 'TEXT'],
      ['BLOB', 'BLOB'],
      ['', 'BLOB'],
      ['REAL', 'REAL'],
      ['FLOATING POINT', 'INTEGER'],
      ['DOUBLE PRECISION', 'REAL'],
      ['float', 'REAL'],
      ['NUMERIC', 'NUMERIC'],
      ['DECIMAL(10,5)', 'NUMERIC'],
      ['BOOLEAN', 'NUMERIC'],
      ['DATETIME', 'NUMERIC'],
    ];
    expect(cases.map(([t]) => [t, affinity(t)])).to.deep.equal(cases);
    expect([isBlobColumn('BLOB'), isBlobColumn('blob'), isBlobColumn(''), isBlobColumn('INTBLOB'), isBlobColumn('TEXT')]).to.deep.equal([true, true, false, false, false]);
  });

  it('writes REALs as the shortest round-trip text, with ".0" when integral', () => {
    const cases: [number, string][] = [
      [1, '1.0'],
      [-0, '-0.0'],
      [0, '0.0'],
      [0.1, '0.1'],
      [1e21, '1e+21'],
      [1e20, '100000000000000000000.0'],
      [1e308, '1e+308'],
      [5e-324, '5e-324'],
      [123456.789, '123456.789'],
      [-2.5, '-2.5'],
    ];
    expect(cases.map(([n]) => encodeReal(n))).to.deep.equal(cases.map(([, s]) => s));
    for (const [n, s] of cases) expect(Object.is(decodeJsonNumber(s), n), s).to.equal(true);
  });

  it('encodes every storage class as JSON', () => {
    expect([null, 9223372036854775807n, -9223372036854775808n, 1.0, Infinity, -Infinity, NaN, 'a"b\u0000\ud800', Buffer.from([0, 255]), new Uint8Array([1, 2, 3])].map(jsonValue)).to.deep.equal([
      'null',
      '9223372036854775807',
      '-9223372036854775808',
      '1.0',
      '{"$real":"Infinity"}',
      '{"$real":"-Infinity"}',
      '{"$real":"NaN"}',
      '"a\\"b\\u0000\\ud800"',
      '{"$blob":"AP8="}',
      '{"$blob":"AQID"}',
    ]);
  });

  it('decodes JSON numbers exactly: integers as bigint, REALs as number, beyond 64 bits as REAL', () => {
    expect([decodeJsonNumber('9223372036854775807'), decodeJsonNumber('-9223372036854775808'), decodeJsonNumber('9007199254740993'), decodeJsonNumber('0'), decodeJsonNumber('-0')]).to.deep.equal([
      9223372036854775807n,
      -9223372036854775808n,
      9007199254740993n,
      0n,
      0n,
    ]);
    expect([decodeJsonNumber('1.0'), decodeJsonNumber('1e+21'), decodeJsonNumber('2E3'), decodeJsonNumber('9223372036854775808')]).to.deep.equal([1, 1e21, 2000, 9223372036854775808]);
  });

  it('decodes {"$blob"} and {"$real"} and refuses anything else with ACODE-IMP-002', () => {
    expect(decodeJsonSpecial('$blob', 'AP8=', 't.b')).to.deep.equal(Buffer.from([0, 255]));
    expect(decodeJsonSpecial('$real', '-Infinity', 't.r')).to.equal(-Infinity);
    expect(decodeJsonSpecial('$real', 'NaN', 't.r')).to.be.NaN;
    expect(() => decodeJsonSpecial('$real', 'nan', 't.r')).to.throw('Not a valid export: t.r is not a value: got {"$real": a string of 3 characters}').with.property('code', 'ACODE-IMP-002');
    expect(() => decodeJsonSpecial('$blob', 'AP8', 't.b')).to.throw('Not a valid export: t.b is not base64: got a string of 3 characters (its length is not a multiple of 4)').with.property('code', 'ACODE-IMP-002');
    expect(() => decodeBase64('a b=', 'x')).to.throw('Not a valid export: x is not base64: got a string of 4 characters (it holds a character outside base64)');
    expect(decodeBase64('', 'x')).to.deep.equal(Buffer.alloc(0));
  });

  it('writes CSV fields: NULL empty, "" for the empty string, quotes only where needed', () => {
    expect(
      [null, '', 'plain', 'a,b', 'say "hi"', 'two\r\nlines', 'cr\r', ' lead', 'trail\t', 'in side', 5n, 0.5, 2.0, -0, Infinity, -Infinity, Buffer.from([0, 255]), Buffer.alloc(0)].map(csvValue),
    ).to.deep.equal(['', '""', 'plain', '"a,b"', '"say ""hi"""', '"two\r\nlines"', '"cr\r"', '" lead"', '"trail\t"', 'in side', '5', '0.5', '2.0', '-0.0', '1e999', '-1e999', 'AP8=', '""']);
    expect(csvText('"')).to.equal('""""');
  });

  it('reads CSV fields: unquoted empty is NULL, quoted empty is \'\', BLOB columns are base64', () => {
    expect([decodeCsvField('', false, false, 'x'), decodeCsvField('', true, false, 'x'), decodeCsvField('42', false, false, 'x'), decodeCsvField('', true, true, 'x'), decodeCsvField('AP8=', false, true, 'x'), decodeCsvField('', false, true, 'x')]).to.deep.equal([
      null,
      '',
      '42',
      Buffer.alloc(0),
      Buffer.from([0, 255]),
      null,
    ]);
    expect(() => decodeCsvField('not base64!', false, true, 'awkward.b in data row 3')).to.throw('Not a valid export: awkward.b in data row 3 is not base64: got a string of 11 characters (its length is not a multiple of 4)');
  });

  it('encodes a JSON row exactly as JSON.stringify would, escapes included', () => {
    const keys = jsonKeyPrefixes(EMPTY);
    const samples = ['a\u0000b\u001f\n\r\t\b\f"\\', '\ud800x', 'x\udc00', '🎉\ud83c', '\ud83c🎉', 'ok', 'é\u007f\u2028'];
    for (const s of samples) {
      expect(jsonRow(keys, [s, null, 1n])).to.equal(`{"odd, name":${JSON.stringify(s)},"quo\\"te":null,"created_at":1}`);
    }
  });

  it('writes a CSV header and rows with CRLF line ends', () => {
    expect(csvHeader(EMPTY)).to.equal('"odd, name","quo""te",created_at\r\n');
    expect(csvRows('awkward', 5, [[1n, null, 0.5, 'x', Buffer.from('hi')]])).to.equal('1,,0.5,x,aGk=\r\n');
    expect(() => csvRows('awkward', 5, [[1n]])).to.throw('Internal error: a row of awkward has 1 values for 5 columns').with.property('code', 'ACODE-INT-001');
    expect(AWKWARD.columns.length).to.equal(5);
  });
});
