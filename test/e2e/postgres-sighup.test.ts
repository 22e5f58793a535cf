import path from 'node:path';
import { expect } from 'chai';
import { lines, spawnCli, type CliResult } from '../support/cli.js';
import { leftovers, listDir, makeTempDir, removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const AT = { ACODE_NOW: '2024-01-20T14:30:45Z' };

// The SQLite default: what SIGHUP does is the CLI's, whichever database it reads (pg_dump is stopped
// through the same AbortSignal as on SIGTERM).
describe('e2e: SIGHUP (terminal closed) during an export or a backup is handled as SIGTERM is', function () {
  let ws: SeededWorkspace;
  let out: string;

  before(async () => {
    ws = await createWorkspace({ database: 'demo', seed: { targetBytes: 30_000_000, messageChars: [200, 4000] } });
  });
  after(() => removeTempDir(ws.dir));
  beforeEach(async () => {
    out = await makeTempDir('sighup-out');
  });
  afterEach(() => removeTempDir(out));

  async function interrupted(args: readonly string[], when: string, signal: NodeJS.Signals): Promise<CliResult> {
    const run = spawnCli(args, { workspace: ws.dir, cwd: out, env: AT });
    await run.waitForStderr(when);
    run.child.kill(signal);
    return run.done;
  }

  it('export: the same last line as SIGTERM, no output and no temporary file, and the process ends by SIGHUP', async () => {
    const args = ['db', 'export', '--format', 'json', '--output', 'e.json'];
    const term = await interrupted(args, '✓ conv_chats (', 'SIGTERM');
    const hup = await interrupted(args, '✓ conv_chats (', 'SIGHUP');
    // Cleaned up, reported, then ended by SIGHUP itself (a shell's 129): exiting normally with the
    // terminal gone made Node 20 abort with a native stack.
    expect(hup.signal, hup.stderr).to.equal('SIGHUP');
    expect(term.code).to.equal(1);
    expect(lines(hup.stderr).at(-1)).to.equal(lines(term.stderr).at(-1));
    expect(lines(hup.stderr).at(-1)).to.match(/^✗ ACODE-EXP-001 .*: interrupted — nothing was kept/);
    expect(await listDir(out)).to.deep.equal([]);
    expect(await leftovers(path.dirname(ws.db))).to.deep.equal([]);
  });

  it('backup: ACODE-BAK-001 interrupted, no backup and no temporary file, and the process ends by SIGHUP', async () => {
    const hup = await interrupted(['db', 'backup'], '✓ Database opened', 'SIGHUP');
    expect(hup.signal, hup.stderr).to.equal('SIGHUP');
    expect(lines(hup.stderr).at(-1)).to.match(/^✗ ACODE-BAK-001 .*: interrupted — nothing was kept/);
    expect(await listDir(ws.backups)).to.deep.equal([]);
    expect(await leftovers(path.dirname(ws.db))).to.deep.equal([]);
  });
});
