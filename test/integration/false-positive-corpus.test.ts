/**
 * Real secret-free text at scale: every source, type and doc file of this project's installed
 * dependencies (pinned by package-lock.json) goes through the default redaction and then the leak
 * scan, as one value of an export would. A leak-scan hit here is an export that fails on code an
 * agent reads every day (lib.dom.d.ts once failed on `credentials: RequestCredentials;`).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { createLeakDetector } from '../../lib/redaction/index.js';
import { policyWith } from '../unit/redaction/helpers.js';
import { table } from '../unit/redaction/fakes.js';

const TEXT_FILE = /\.(?:js|mjs|cjs|ts|mts|cts|md|json|ya?ml|txt|sh|py|c|h|cc|gyp|html)$/;
const MAX_FILE = 1024 * 1024;

function textFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) textFiles(p, out);
    else if (entry.isFile() && TEXT_FILE.test(entry.name) && statSync(p).size <= MAX_FILE) out.push(p);
  }
  return out;
}

describe('integration: the default redaction and the leak scan over the installed dependencies', () => {
  it('no leak-scan hit on any redacted file, as JSON: secret-free code never fails an export', () => {
    const files = textFiles(path.resolve('node_modules'));
    expect(files.length, 'files read').to.be.above(500);
    const policy = policyWith();
    const plan = policy.plan(table('notes', ['content']));
    const detector = createLeakDetector();
    const hits: string[] = [];
    for (const file of files) {
      const rows = [[readFileSync(file, 'utf8')]];
      policy.createRedactor().redactRows('notes', plan, rows);
      const serialised = JSON.stringify({ content: rows[0]![0] });
      for (const h of detector.scan(serialised)) hits.push(`${path.relative('node_modules', file)}: ${h.detector} at ${h.start}`);
    }
    expect(hits).to.deep.equal([]);
  });
});
