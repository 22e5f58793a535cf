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
    // A BLOB outside a BLOB-declared column: written "base64:…" in CSV.
    db.exec('CREATE TABLE attachments (id INTEGER PRIMARY KEY, note TEXT, data BINARY)');
    db.prepare("INSERT INTO attachments VALUES (1, 'a note, with a comma', ?)").run(blob);
    db.close();
  });
  after(() => removeTempDir(ws.dir));

  for (const [format, output] of [['json', 'f.json'], ['ndjson', 'f.ndjson']] as const) {
    it(`${format}: the export succeeds with the BLOB byte for byte, and export verify finds nothing`, async () => {
      const file = path.join(ws.dir, output);
      await exportDatabase({ config: await ws.config(), format, output: file, now: () => NOW });
      const text = await readFile(file, 'utf8');
      // The shape is in the output, as the BLOB's encoding.
      expect(text.split(`{"$blob":"${blob.toString('base64')}"}`)).to.have.length(3);
      expect(text).to.include(shape);
      const verified = await verifyExport({ path: file });
      expect(verified.checks.map((c) => [c.name, c.ok])).to.deep.include(['leak-scan', true]);
      expect(verified.valid).to.equal(true);
    });
  }

  for (const output of ['files.csv', 'csv-folder', 'all.tar.gz'] as const) {
    it(`csv (${output}): bare base64 in a BLOB column and "base64:…" in another pass the scan, and export verify finds nothing`, async () => {
      const file = path.join(ws.dir, output);
      const tables = output === 'files.csv' ? ['files'] : undefined;
      await exportDatabase({ config: await ws.config(), format: 'csv', output: file, ...(tables ? { tables } : {}), now: () => NOW });
      const files = output === 'csv-folder' ? [path.join(file, 'files.csv'), path.join(file, 'attachments.csv')] : output === 'files.csv' ? [file] : [];
      for (const f of files) expect(await readFile(f, 'utf8')).to.include(blob.toString('base64'));
      if (output === 'csv-folder') expect(await readFile(path.join(file, 'attachments.csv'), 'utf8')).to.include(`"base64:${blob.toString('base64')}"`);
      const verified = await verifyExport({ path: file });
      expect(verified.checks.map((c) => [c.name, c.ok])).to.deep.include(['leak-scan', true]);
      expect(verified.valid).to.equal(true);
    });
  }
});
