import { execFileSync } from 'node:child_process';
import { rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { lines, runCli, type CliResult } from '../support/cli.js';
import { makeTempDir, removeTempDir } from '../support/temp.js';

/**
 * Exports a reader of the file alone could read a secret in, or that would make verify hang or
 * change what it checks: each must fail verify (exit 2), quickly, without the secret in the output.
 */
describe('e2e: acode db export verify on hostile exports', function () {
  let dir: string;
  const cli = (args: readonly string[]): Promise<CliResult> => runCli(args, { workspace: dir, killAfterMs: 60_000 });
  const verify = (...args: string[]): Promise<CliResult> => cli(['db', 'export', 'verify', ...args]);
  function expectRefused(r: CliResult, secret?: string): void {
    expect(r.signal, 'killed: verify hung').to.equal(null);
    expect(r.code, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`).to.equal(2);
    expect(lines(r.stdout).at(-1)).to.equal('Export FAILED verification: do not share it.');
    if (secret) expect(r.stdout + r.stderr).to.not.include(secret.slice(4, 20));
  }

  before(async () => {
    dir = await makeTempDir('verify-hostile');
    const demo = await cli(['demo']);
    expect(demo.code, demo.stderr).to.equal(0);
  });
  after(() => removeTempDir(dir));

  it('a CSV folder whose listed file is a link to /dev/zero or a FIFO: refused at once, no endless read (verify and import)', async () => {
    expect((await cli(['db', 'export', '--format', 'csv', '--output', 'linked.csv'])).code).to.equal(0);
    expect((await cli(['db', 'export', '--format', 'csv', '--output', 'fifo.csv'])).code).to.equal(0);
    await rm(path.join(dir, 'linked', 'settings.csv'));
    await symlink('/dev/zero', path.join(dir, 'linked', 'settings.csv'));
    await rm(path.join(dir, 'fifo', 'settings.csv'));
    execFileSync('mkfifo', [path.join(dir, 'fifo', 'settings.csv')]);
    const linked = await verify('linked');
    expectRefused(linked);
    expect(linked.stdout).to.include('settings.csv: a symbolic link, not a regular file');
    const fifo = await verify('fifo');
    expectRefused(fifo);
    expect(fifo.stdout).to.include('settings.csv: not a regular file');
    const imported = await cli(['db', 'import', 'fifo', '--database', 'from-fifo.db']);
    expect([imported.signal, imported.code]).to.deep.equal([null, 4]);
  });
});
