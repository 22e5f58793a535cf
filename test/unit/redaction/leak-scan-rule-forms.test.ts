/**
 * Forms the rules took that the leak scan did not read (README, Known gaps, 2026-11-28): each is a
 * hit, raw and as an export writes it (a JSON string), named by its detector; the default rules
 * take each, leaving the scan nothing (a hit the rules would not redact fails the export); near
 * misses stay quiet. Values are made at test time; none was ever a key.
 */
import { expect } from 'chai';
import { createLeakDetector } from '../../../lib/redaction/index.js';
import { ALNUM, body, seeded } from './fakes.js';
import { redactText } from './helpers.js';

const rand = seeded(20261128_2);
const detector = createLeakDetector();
const generated = (): string => body(rand, ALNUM, 24);
const detectors = (text: string): string[] => detector.scan(text).map((h) => h.detector);

/** `%s` is the secret: found raw and JSON-escaped, once, the hit spanning it; the rules take it and leave no hit. */
function expectFound(forms: readonly string[], detector_: string): void {
  for (const form of forms) {
    const secret = generated();
    const text = form.replaceAll('%s', secret);
    for (const scanned of [text, JSON.stringify({ content: text })]) {
      const hits = detector.scan(scanned);
      expect(hits.map((h) => h.detector), scanned).to.deep.equal([detector_]);
      expect(scanned.slice(hits[0]!.start, hits[0]!.end), scanned).to.include(secret);
    }
    const { out } = redactText(text);
    expect(out, text).not.to.include(secret);
    expect(detectors(out), out).to.deep.equal([]);
    expect(detectors(JSON.stringify({ content: out })), out).to.deep.equal([]);
  }
}

/** `%s` is a generated value the rules keep: quiet, raw and JSON-escaped. */
function expectQuiet(forms: readonly string[]): void {
  for (const form of forms) {
    const text = form.replaceAll('%s', generated());
    expect(detectors(text), text).to.deep.equal([]);
    expect(detectors(JSON.stringify({ content: text })), text).to.deep.equal([]);
  }
}

/** 1 MiB of each unit: no hit, and it ends (each reader bounded, each stretch read once). */
function expectCheap(units: readonly string[]): void {
  for (const unit of units) expect(detector.scan(unit.repeat(Math.ceil((1024 * 1024) / unit.length))), unit).to.deep.equal([]);
}

describe('leak scan: forms the rules take, read by the scan since 2026-11-28 (second pass)', () => {
  it('a secret-named flag and its value after a space: two dashes, and one as keytool, PuTTY and Go write them', () => {
    expectFound([
      'mysql --password %s mydb', 'tool --api-key %s', 'gh-tool --token "%s"', 'cli --db-password \'%s\' --verbose', 'x --client-secret  %s', 'az --secret %s', 'x --auth %s',
      'keytool -genkey -alias app -storepass %s -keystore app.jks', 'keytool -importkeystore -deststorepass %s', 'keytool -keypass %s', 'plink -pw %s admin@host', 'tool -password %s', 'tool -passwd %s', 'go run . -api-key %s',
      '-storepass %s', 'tool \\\n  --password %s',
    ], 'secret_assignment');
  });

  it('flags the rules keep stay quiet: one dash on a word of its own, a bare key, counts, files, a flag after a quote in text, a placeholder, a variable', () => {
    expectQuiet(['tool -token %s', 'tool -secret %s', 'tool --key %s', 'tool --tokens %s', 'tool --token-file %s', 'tool --password-file %s', 'tool --oauth %s', 'echo "-storepass %s"', '{"cmd": "-storepass %s"}', 'a -PASSWORD %s', 'x --bypass %s', 'x -storepass:env %s']);
    for (const text of ['mysql --password PASSWORD db', 'keytool -storepass arg   keystore password', 'tool --api-key "$API_KEY"', 'tool --token ${TOKEN}', 'tool --password secret', 'plink -pw hunter2 host', '  --password               Prompt for a password']) {
      expect(detectors(text), text).to.deep.equal([]);
      expect(detectors(JSON.stringify({ content: text })), text).to.deep.equal([]);
    }
  });

  it('cannot be slowed down by crafted output: 1 MiB of each new anchor finishes quietly', () => {
    expectCheap(['--token ', '-storepass ', 'a --api-key --password ', '-pw "', '--secret \\"']);
  });
});
