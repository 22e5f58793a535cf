import path from 'node:path';
import { expect } from 'chai';
import { lines, spawnCli } from '../support/cli.js';
import { leftovers, listDir, removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

describe('e2e: Ctrl-C during a backup', function () {
  let ws: SeededWorkspace;

  before(async () => {
    // ~40 MB of realistic workspace data: the copy, check and hash take long enough to interrupt.
    ws = await createWorkspace({ database: 'demo', seed: { targetBytes: 40_000_000, messageChars: [200, 4000] } });
  });
  after(() => removeTempDir(ws.dir));

  for (const [what, args, when] of [
    ['while copying', [], '✓ Database opened'],
    ['while compressing', ['--compress'], '✓ Integrity checked'],
  ] as const) {
    it(`${what}: exit 1, ACODE-BAK-001 interrupted, no file at a final name and no temporary file`, async () => {
      const run = spawnCli(['db', 'backup', ...args], { workspace: ws.dir, env: { ACODE_NOW: '2024-01-20T14:30:45Z' } });
      await run.waitForStderr(when);
      run.child.kill('SIGINT');
      const r = await run.done;
      expect(r.code, r.stderr).to.equal(1);
      expect(r.stdout).to.equal('');
      expect(lines(r.stderr).at(-1)).to.equal(`✗ ACODE-BAK-001 Backup failed: backing up ${ws.db}: interrupted — nothing was kept; run the command again when you are ready`);
      expect(await listDir(ws.backups)).to.deep.equal([]);
      expect(await leftovers(path.dirname(ws.db))).to.deep.equal([]);
    });
  }
});
