import { writeFile } from 'node:fs/promises';
import { expect } from 'chai';
import { lines, runCli } from '../support/cli.js';
import { listDir, removeTempDir } from '../support/temp.js';
import { createWorkspace } from '../support/workspace.js';

// Port 1 refuses at once: the tests need no server, only to see which database acode reaches for.
const URL = 'postgresql://agent:s3cret-pw@127.0.0.1:1/workspace';

describe('e2e: which database a workspace means when a URL is set', function () {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await removeTempDir(d);
  });

  it('ACODE_DATABASE_URL with no database.type is PostgreSQL (it backed up the SQLite file beside it, exit 0)', async () => {
    const ws = await createWorkspace({ database: 'demo' });
    dirs.push(ws.dir);
    const r = await runCli(['db', 'backup'], { workspace: ws.dir, env: { ACODE_DATABASE_URL: URL, ACODE_NOW: '2024-01-20T14:30:45Z' } });
    expect(r.code).to.equal(1);
    expect(lines(r.stderr)[1]).to.equal('  Source: postgresql://agent@127.0.0.1:1/workspace');
    expect(lines(r.stderr).at(-1)).to.match(/^✗ ACODE-DB-005 Cannot connect to PostgreSQL: cannot connect to postgresql:\/\/agent@127\.0\.0\.1:1\/workspace: /);
    expect(r.stderr).not.to.include('s3cret-pw');
    expect(await listDir(ws.backups).catch(() => [])).to.deep.equal([]);
  });

  it('database.type: sqlite with ACODE_DATABASE_URL set is refused (ACODE-CFG-005, exit 1), not settled silently; --database still names the file', async () => {
    const ws = await createWorkspace({ database: 'demo', config: 'database:\n  type: sqlite\n' });
    dirs.push(ws.dir);
    const env = { ACODE_DATABASE_URL: URL, ACODE_NOW: '2024-01-20T14:30:45Z' };
    for (const args of [['db', 'backup'], ['db', 'export', '--tables', 'settings', '-o', 's.json']]) {
      const r = await runCli(args, { workspace: ws.dir, env });
      expect(r.code, r.stderr).to.equal(1);
      expect(lines(r.stderr)).to.deep.equal([
        '✗ ACODE-CFG-005 Invalid config value: .agent/config.yml:2:9: database.type is sqlite but ACODE_DATABASE_URL is set too: which database is meant is not clear; nothing was done — unset ACODE_DATABASE_URL to use the SQLite file, or set database.type: postgres',
      ]);
    }
    expect(await listDir(ws.dir)).to.deep.equal(['.agent']);
    const file = await runCli(['db', 'backup', '--database', ws.db, '-q'], { workspace: ws.dir, env });
    expect(file.code, file.stderr).to.equal(0);
    expect(await listDir(ws.backups)).to.have.length(2);
  });

  it('database.url that is not postgresql:// with no database.type is refused with its line', async () => {
    const ws = await createWorkspace({ database: 'demo' });
    dirs.push(ws.dir);
    await writeFile(ws.configFile, 'database:\n  url: mysql://u:pw@h/db\n');
    const r = await runCli(['db', 'backup'], { workspace: ws.dir });
    expect(r.code).to.equal(1);
    expect(lines(r.stderr)).to.deep.equal([
      '✗ ACODE-CFG-005 Invalid config value: .agent/config.yml:2:8: database.url is set but is not a postgresql:// URL, and no database.type says what it is; nothing was done — give a postgresql://user@host:port/database URL (database.type postgres is then implied), or remove database.url to use the SQLite file',
    ]);
  });
});
