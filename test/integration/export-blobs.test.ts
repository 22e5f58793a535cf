import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { exportDatabase } from '../../lib/export.js';
import { verifyExport } from '../../lib/export-verify.js';
import { openDb } from '../support/sqlite.js';
import { removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const NOW = new Date('2024-01-20T14:30:45Z');
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Binary BLOBs under the default redaction: their base64 in the output spells token shapes by
 * chance (random image bytes did, 6 times in 300 MB), which is no secret of the data.
 */
describe('integration: exports of binary BLOBs with the default redaction', function () {
  let ws: SeededWorkspace;
  // Bytes whose base64, at a multiple of 3, reads `AAA/AIza<35 letters and digits>/`: a Google key's shape.
  const shape = `AAA/AIza${[...randomBytes(35)].map((b) => ALNUM[b % ALNUM.length]).join('')}/`;
  const blob = Buffer.concat([randomBytes(300), Buffer.from(shape, 'base64'), randomBytes(301)]);

  before(async () => {
    ws = await createWorkspace({ database: 'none' });
    const db = openDb(ws.db);
    db.exec('CREATE TABLE files (id INTEGER PRIMARY KEY, png BLOB)');
    db.prepare('INSERT INTO files VALUES (1, ?)').run(blob);
    db.close();
  });
  after(() => removeTempDir(ws.dir));

  for (const [format, output] of [['json', 'f.json'], ['ndjson', 'f.ndjson']] as const) {
    it(`${format}: the export succeeds with the BLOB byte for byte, and export verify finds nothing`, async () => {
      const file = path.join(ws.dir, output);
      await exportDatabase({ config: await ws.config(), format, output: file, now: () => NOW });
      const text = await readFile(file, 'utf8');
      // The shape is in the output, as the BLOB's encoding.
      expect(text).to.include(`{"$blob":"${blob.toString('base64')}"}`);
      expect(text).to.include(shape);
      const verified = await verifyExport({ path: file });
      expect(verified.checks.map((c) => [c.name, c.ok])).to.deep.include(['leak-scan', true]);
      expect(verified.valid).to.equal(true);
    });
  }
});
