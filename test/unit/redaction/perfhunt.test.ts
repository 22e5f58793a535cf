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

  it('regexes with runs of spaces on both sides of an optional part read a long run once (each was quadratic or cubic: a 4 KB flow map took 37 s), and still read what they read before', () => {
    const pw = body(rand, ALNUM, 14);
    const flow = redactRows([`kind: Secret\ndata: {a:${' '.repeat(65536)}"}\n`, `kind: Secret\ndata: {a: ${pw}, b: "${pw}"}\n`]);
    expect(flow[1]).to.equal('kind: Secret\ndata: {a: [REDACTED], b: "[REDACTED]"}\n');
    const entry = redactRows([`kind: Secret\ndata:\n  a: x${' '.repeat(65536)}y\n---\n`.repeat(8), `kind: Secret\ndata:\n  a: ${pw}   \n  b: "${pw}"\n`]);
    expect(entry[0]).not.to.include('x ');
    expect(entry[1]).to.equal('kind: Secret\ndata:\n  a: [REDACTED]   \n  b: "[REDACTED]"\n');
    const table = redactRows([`user | password\n${' '.repeat(500)}---${' '.repeat(500)}x\n`.repeat(256), `| user | password |\n  |---|---|  \n| bob | ${pw} |\n`]);
    expect(table[1]).to.equal('| user | password |\n  |---|---|  \n| bob | [REDACTED] |\n');
    const fence = redactRows([`\`\`\`${' '.repeat(131072)}x\n{}\n\`\`\`\n`, `\`\`\`json  \n{"password": "${pw}"}\n\`\`\`\n`]);
    expect(fence[1]).to.equal('```json  \n{"password": "[REDACTED]"}\n```\n');
  });

  it('an argument array of 1 MiB of "-p" elements and a line of 1 MiB of sudo are read once (each element searched back for [ and each sudo to the line\'s end), and still redacted as before', () => {
    const pw = body(rand, ALNUM, 12);
    const out = redactRows(['"-p",'.repeat(1 << 18), 'sudo '.repeat(1 << 18), `["mysql","-u","root","-p${pw}","app"]`, `echo '${pw}' | sudo -S apt update`]);
    expect(out[2]).to.equal('["mysql","-u","root","-p[REDACTED]","app"]');
    expect(out[3]).to.equal("echo '[REDACTED]' | sudo -S apt update");
  });

  it('the new readers search within their word, line or tag (a review found each -U, quote, section line, redis-cli option and password input reading to the end), and still redact what they did', () => {
    const pw = body(rand, ALNUM, 12);
    const long = [
      'smbclient -U bob\n'.repeat(1 << 16),
      `secrets:\n${`  k: a${' '.repeat(4000)}b\n`.repeat(64)}`,
      `redis-cli${' --x'.repeat(14)} - auth x\n`.repeat(1 << 14),
      '<input type="password" '.repeat(1 << 15),
      `{ // c\n${Array.from({ length: 1 << 14 }, (_, i) => `"k${i}": {"password": "${pw}"}`).join(',\n')},\n}`,
    ];
    const out = redactRows([...long, `smbclient //h/s -U bob%${pw}`, `<input type="password" value="${pw}">`, `redis-cli -h h --tls AUTH ${pw}`, `secrets:\n  stripe: ${pw}Xk29vLq7   \n`]);
    expect(out[4]).not.to.include(pw);
    expect(out.slice(5)).to.deep.equal(['smbclient //h/s -U bob%[REDACTED]', '<input type="password" value="[REDACTED]">', 'redis-cli -h h --tls AUTH [REDACTED]', 'secrets:\n  stripe: [REDACTED]   \n']);
  });
  it('JSON nested 150,000 levels deep under a secret-named key or under any key is read once (each level read its container to the end: 256 KiB under password took 70 s, 1 MiB under any key 56 s), and redacted as before', () => {
    const pw = body(rand, ALNUM, 16);
    const depth = 150_000;
    const nested = (inner: string): string => `${'{"a": '.repeat(depth)}${inner}${'}'.repeat(depth)}`;
    const out = redactRows([
      `{"password": ${nested(`"${pw}"`)}}`,
      nested(`{"name": "DB_PASSWORD", "value": "${pw}"}`),
      `{"token": ${'['.repeat(depth)}"${pw}"${']'.repeat(depth)}}`,
      nested(`{"id": 7, "password": "${pw}"}`),
    ]);
    expect(out).to.deep.equal([
      `{"password": ${nested('"[REDACTED]"')}}`,
      nested('{"name": "DB_PASSWORD", "value": "[REDACTED]"}'),
      `{"token": ${'['.repeat(depth)}"[REDACTED]"${']'.repeat(depth)}}`,
      nested('{"id": 7, "password": "[REDACTED]"}'),
    ]);
  });
  it('8 MiB of a repeated unclosed INSERT … (a, password) VALUES ( is read once (each occurrence read the 64 KiB after it: 1 MiB took 19 s), and the rows after it are redacted as before', () => {
    const pw = body(rand, ALNUM, 14);
    const rows = `INSERT INTO users (name, password) VALUES ('bob', '${pw}'), ('alice', f('x', (1)))`;
    const out = redactRows([`${'INSERT INTO t (a, password) VALUES ('.repeat((8 << 20) / 37)}\n${rows};`, `${rows}; -- (`]);
    expect(out[0]!.slice(out[0]!.lastIndexOf('\n'))).to.equal("\nINSERT INTO users (name, password) VALUES ('bob', '[REDACTED]'), ('alice', f('x', (1)));");
    expect(out[1]).to.equal("INSERT INTO users (name, password) VALUES ('bob', '[REDACTED]'), ('alice', f('x', (1))); -- (");
  });
});

