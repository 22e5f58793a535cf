/**
 * A hunt for super-linear inputs (2026-11-27) found a rule that skipped a second value with the
 * same text, an exponential regex and a search back to a value's start per anchor.
 */
import { expect } from 'chai';
import { ALNUM, body, seeded } from './fakes.js';
import { redactValues } from './helpers.js';

const rand = seeded(4242);

/** Values redacted as rows of one export (one redactor: rule state carries over between rows). */
const redactRows = (values: string[]): string[] => redactValues(values, { placeholder: 'plain' }).out as string[];

describe('perfhunt: rules that remember how far they read, and searches that were unbounded', () => {
  it('the same Kubernetes Secret or JSON Web Key text in a second row is redacted as in the first (the second kept its data value and primes)', () => {
    const config = Buffer.from(body(rand, ALNUM, 12)).toString('base64');
    const secret = `apiVersion: v1\nkind: Secret\ndata:\n  config: ${config}\n`;
    const p = body(rand, ALNUM, 43);
    const q = body(rand, ALNUM, 43);
    const jwk = `jwk: {"kty":"RSA","n":"${body(rand, ALNUM, 43)}","e":"AQAB","p":"${p}","q":"${q}"}`;
    const out = redactRows([secret, secret, jwk, jwk, secret]);
    for (const i of [0, 1, 4]) expect(out[i], `row ${i}`).to.equal('apiVersion: v1\nkind: Secret\ndata:\n  config: [REDACTED]\n');
    for (const i of [2, 3]) {
      expect(out[i], `row ${i}`).to.include('"p":"[REDACTED]","q":"[REDACTED]"');
      expect(out[i]).not.to.include(p);
    }
  });

  it('a label and 60 digits then a letter is judged at once (the "class name" check backtracked exponentially: 44 digits took 70 s)', () => {
    expect(redactRows([`API key: ${'1'.repeat(60)}x`])).to.deep.equal(['API key: [REDACTED]']);
  });

  it('2 MiB of Go MySQL driver errors: every DSN password goes (each @tcp( read the log back to its start)', () => {
    const pw = body(rand, ALNUM, 14);
    const line = `panic: dial error for app:${pw}@tcp(db.internal:3306)/orders: i/o timeout\n`;
    const out = redactRows([line.repeat(Math.ceil((2 << 20) / line.length))])[0]!;
    expect(out).not.to.include(pw);
    expect(out.split('\n')[0]).to.equal('panic: dial error for app:[REDACTED]@tcp(db.internal:3306)/orders: i/o timeout');
  });
});
