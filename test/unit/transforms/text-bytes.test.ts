import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { SqlValue } from '../../../lib/records.js';
import { csvRows, encodeCsvRows, encodeJsonRows, jsonKeys, jsonRows } from '../../../transforms/row-encoders.js';
import { TextBytes } from '../../../transforms/text-bytes.js';
import { csvText } from '../../../transforms/value-codec.js';
import { seeded, type Random } from '../redaction/fakes.js';
import { AWKWARD, AWKWARD_ROWS } from './helpers.js';

/** Pieces that make escapes, quoting and UTF-8 interesting, at every offset around the 8-byte steps. */
const PIECES = [
  '"', '\\', '\n', '\r', '\t', '\b', '\f', '\u0000', '\u0001', '\u001f', '\u007f', ',', ' ', '/',
  'é', 'ÿ', '€', '日本', '😀', '\ufffd', '\ud800', '\udfff', '\udc00\ud800', 'Ĭ', '\u2028',
];

function value(rand: Random): string {
  let s = '';
  const parts = Math.floor(rand() * 14);
  for (let p = 0; p < parts; p++) {
    const r = rand();
    if (r < 0.45) s += PIECES[Math.floor(rand() * PIECES.length)];
    else s += 'abcdefghijklmnopqrstuvwxyz0123456789'.slice(0, Math.floor(rand() * 36));
  }
  return s;
}

const builder = TextBytes.create()!;

function taken(write: (out: TextBytes) => void): Buffer {
  write(builder);
  return builder.take();
}

describe('TextBytes: JSON strings and CSV fields as bytes', () => {
  const rand = seeded(20261126);
  const values = ['', 'a', 'plain text', ' lead', 'trail ', '\tx', 'x\t', 'a,b', 'say "hi"', '"', '""', 'x'.repeat(47), 'x'.repeat(49) + '"', '12345678"1234567\n', ...PIECES];
  for (let i = 0; i < 4000; i++) values.push(value(rand));

  it('json() gives the bytes of JSON.stringify for every value, lone surrogates and U+FFFD included', () => {
    for (const s of values) expect(taken((out) => out.json(s)).toString('latin1'), JSON.stringify(s)).to.equal(Buffer.from(JSON.stringify(s), 'utf8').toString('latin1'));
  });

  it('csv() gives the bytes of csvText for every value', () => {
    for (const s of values) expect(taken((out) => out.csv(s)).toString('latin1'), JSON.stringify(s)).to.equal(Buffer.from(csvText(s), 'utf8').toString('latin1'));
  });

  it('a batch is the pieces in order; take() empties the builder', () => {
    const out = TextBytes.create()!;
    let expected = '';
    for (const s of values.slice(0, 500)) {
      out.json(s);
      out.raw(',');
      out.csv(s);
      out.ascii('42');
      out.bytes(Buffer.from(';\n'));
      expected += `${JSON.stringify(s)},${csvText(s)}42;\n`;
    }
    expect(out.take().equals(Buffer.from(expected, 'utf8'))).to.equal(true);
    expect(out.length).to.equal(0);
    out.ascii('next');
    expect(out.take().toString()).to.equal('next');
  });

  it('values of megabytes grow the memory; the next batch starts afresh and the result is exact', () => {
    const out = TextBytes.create()!;
    const big = `${'line "one"\n'.repeat(300_000)}end\u0001`;
    out.json(big);
    out.csv(big);
    const bytes = out.take();
    const expected = Buffer.from(JSON.stringify(big) + csvText(big), 'utf8');
    expect(bytes.length).to.equal(expected.length);
    expect(bytes.equals(expected)).to.equal(true);
    out.json('small');
    expect(out.take().toString()).to.equal('"small"');
  });
});

describe('encodeJsonRows / encodeCsvRows', () => {
  const table = AWKWARD;
  const rand = seeded(7);
  const rows: SqlValue[][] = [...AWKWARD_ROWS];
  for (let i = 0; i < 300; i++) {
    rows.push([value(rand), i % 5 === 0 ? null : value(rand), BigInt(i) * 12345678901234567n, i % 3 === 0 ? 0.1 * i : null, i % 4 === 0 ? Buffer.from(value(rand)) : null]);
  }

  it('give the bytes of jsonRows and csvRows (every awkward value, and generated rows)', () => {
    const keys = jsonKeys(table);
    const json = encodeJsonRows('awkward', keys, rows, '\n', ',\n', '');
    expect(Buffer.isBuffer(json)).to.equal(true);
    expect((json as Buffer).equals(Buffer.from(jsonRows('awkward', keys.text, rows, '\n', ',\n', ''), 'utf8'))).to.equal(true);
    const csv = encodeCsvRows('awkward', 5, rows);
    expect((csv as Buffer).equals(Buffer.from(csvRows('awkward', 5, rows), 'utf8'))).to.equal(true);
  });

  it('a row of the wrong width fails the batch and leaves nothing behind for the next', () => {
    const keys = jsonKeys(table);
    expect(() => encodeJsonRows('awkward', keys, [rows[0]!, [1n]], '\n', ',\n', '')).to.throw('a row of awkward has 1 values for 5 columns');
    const next = encodeCsvRows('awkward', 5, [rows[1]!]);
    expect(next.toString()).to.equal(csvRows('awkward', 5, [rows[1]!]));
  });

  it('node --jitless (no WebAssembly) gives the same text through the string builders', () => {
    const encoders = fileURLToPath(new URL('../../../transforms/row-encoders.js', import.meta.url));
    const sample = [['x "q"\n', null, 5n], ['\ud800,é', '', -1n]];
    const script = `import(${JSON.stringify(encoders)}).then((m) => {
      const rows = ${JSON.stringify(sample.map((r) => r.map((v) => (typeof v === 'bigint' ? `${v}n` : v))))}.map((r) => r.map((v) => typeof v === 'string' && /^-?\\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v));
      const keys = m.jsonKeys({ columns: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] });
      const json = m.encodeJsonRows('t', keys, rows, '[', ',', ']');
      const csv = m.encodeCsvRows('t', 3, rows);
      process.stdout.write(JSON.stringify([typeof json, String(json), typeof csv, String(csv)]));
    })`;
    const [jsonType, json, csvType, csv] = JSON.parse(execFileSync(process.execPath, ['--jitless', '-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as string[];
    expect([jsonType, csvType]).to.deep.equal(['string', 'string']);
    const rows = sample as SqlValue[][];
    expect(json).to.equal(jsonRows('t', ['{"a":', ',"b":', ',"c":'], rows, '[', ',', ']'));
    expect(json).to.equal('[{"a":"x \\"q\\"\\n","b":null,"c":5}],{"a":"\\ud800,é","b":"","c":-1}]');
    expect(csv).to.equal('"x ""q""\n",,5\r\n"\ud800,é","",-1\r\n');
  });
});
