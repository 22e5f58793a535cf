/**
 * Folders the kernel will not create: under /proc, mkdir answers ENOENT though /proc exists.
 * Node's recursive mkdir spins forever on that, deaf to Ctrl-C (a backup to `-o /proc/backups`
 * hung at 100% CPU until killed -9). Every command that creates a folder must fail fast instead,
 * with its code and the path.
 */
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { runCli } from '../support/cli.js';
import { removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

describe('e2e: a folder under /proc cannot be created: each command fails fast with its code', function () {
  let ws: SeededWorkspace;
  const missing = `/proc/acode-test-${randomBytes(4).toString('hex')}`;

  before(async function () {
    if (process.platform !== 'linux') this.skip();
    ws = await createWorkspace();
  });
  after(() => removeTempDir(ws?.dir));

  const cases: [string, (dir: string) => string[], string][] = [
    ['db backup -o', (dir) => ['db', 'backup', '-o', path.join(dir, 'backups')], 'ACODE-BAK-008'],
    ['db import into a new database', (dir) => ['db', 'import', path.join(ws.dir, 'export.json'), '--database', path.join(dir, 'new.db')], 'ACODE-DB-007'],
    ['db migrate of a new database', (dir) => ['db', 'migrate', '--database', path.join(dir, 'new.db')], 'ACODE-DB-007'],
    ['db export --output', (dir) => ['db', 'export', '--format', 'json', '--output', path.join(dir, 'out', 'export.json')], 'ACODE-EXP-008'],
  ];
  for (const [label, args, code] of cases) {
    it(`${label}: exit 1, ${code}, naming the folder`, async () => {
      if (label.startsWith('db import')) expect((await runCli(['db', 'export', '--format', 'json', '--no-redact', '--output', 'export.json'], { workspace: ws.dir })).code).to.equal(0);
      const r = await runCli(args(missing), { workspace: ws.dir, killAfterMs: 30_000 });
      expect(r.signal, 'killed: the command hung').to.equal(null);
      expect(r.code, r.stderr).to.equal(1);
      expect(r.stderr).to.include(code).and.include(missing);
    });
  }
});
