/**
 * The checks the leak scan's rule-form tests share: a form found (raw, as the export's JSON string
 * and as a CSV field) and taken by the rules, a near miss quiet, 1 MiB of a unit read in bounded
 * time. Each test file seeds its own values; none was ever a key.
 */
import { expect } from 'chai';
import { createLeakDetector } from '../../../lib/redaction/index.js';
import { ALNUM, body, seeded } from './fakes.js';
import { redactText } from './helpers.js';

export interface LeakFormChecks {
  /** `%s` is the secret: found raw, JSON-escaped and as a CSV field, once, the hit spanning it; the rules take it and leave no hit. */
  expectFound(forms: readonly string[], detector: string): void;
  /** `%s` is a generated value the rules keep: quiet, raw and JSON-escaped. */
  expectQuiet(forms: readonly string[]): void;
  /** 1 MiB of each unit: no hit, and it ends (each reader bounded, each stretch read once). */
  expectCheap(units: readonly string[]): void;
  /** A generated-looking value of 24 letters and digits, from the seeded sequence. */
  generated(): string;
  /** The detectors of the scan's hits in `text`. */
  detectors(text: string): string[];
}

export function leakFormChecks(seed: number): LeakFormChecks {
  const rand = seeded(seed);
  const detector = createLeakDetector();
  const generated = (): string => body(rand, ALNUM, 24);
  const detectors = (text: string): string[] => detector.scan(text).map((h) => h.detector);
  return {
    generated,
    detectors,
    expectFound(forms, name) {
      for (const form of forms) {
        const secret = generated();
        const text = form.replaceAll('%s', secret);
        for (const scanned of [text, JSON.stringify({ content: text }), `1,"${text.replaceAll('"', '""')}"\n`]) {
          const hits = detector.scan(scanned);
          expect(hits.map((h) => h.detector), scanned).to.deep.equal([name]);
          expect(scanned.slice(hits[0]!.start, hits[0]!.end), scanned).to.include(secret);
        }
        const { out } = redactText(text);
        expect(out, text).not.to.include(secret);
        expect(detectors(out), out).to.deep.equal([]);
        expect(detectors(JSON.stringify({ content: out })), out).to.deep.equal([]);
      }
    },
    expectQuiet(forms) {
      for (const form of forms) {
        const text = form.replaceAll('%s', generated());
        expect(detectors(text), text).to.deep.equal([]);
        expect(detectors(JSON.stringify({ content: text })), text).to.deep.equal([]);
      }
    },
    expectCheap(units) {
      for (const unit of units) expect(detector.scan(unit.repeat(Math.ceil((1024 * 1024) / unit.length))), unit).to.deep.equal([]);
    },
  };
}
