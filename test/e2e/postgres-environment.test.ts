import { spawn, spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { expect } from 'chai';
import { lines, runCli, type CliResult } from '../support/cli.js';
import { cliPath } from '../support/paths.js';
import { requirePostgres, type PgServer } from '../support/postgres.js';
import { makeTempDir, removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const BACKUP = 'acode_backup_20240120_143045.dump';

/** Root, and a kernel that gives us a mount namespace: the only way to take the client away from this machine's CLI alone. */
const canHide = process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'true']).status === 0;

function isWrapper(file: string): boolean {
  try {
    return realpathSync(file).endsWith('/pg_wrapper');
  } catch {
    return false;
  }
}

/**
 * Runs the CLI in a mount namespace of its own where each of `hide` is an empty folder: with
 * /usr/lib/postgresql hidden, Debian's pg_wrapper (/usr/bin/pg_dump …) is left with nothing to run.
 */
function runHidden(hide: readonly string[], empty: string, args: readonly string[], workspace: string, env: Record<string, string>): Promise<CliResult> {
  const mounts = hide.map((dir) => `mount --bind '${empty}' '${dir}' && `).join('');
  const childEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ACODE_') && k !== 'PATH'));
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', ['-m', 'sh', '-c', `${mounts}exec "$@"`, 'sh', process.execPath, cliPath, '--workspace', workspace, ...args], {
      cwd: workspace,
      env: { ...childEnv, PATH: '/usr/local/bin:/usr/bin:/bin', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.end();
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('e2e: a PostgreSQL environment problem is reported as one, never as an invalid backup', function () {
  let pg: PgServer;
  let database: string;
  let ws: SeededWorkspace;
  let empty: string;
  let env: Record<string, string>;

  before(async function () {
    pg = await requirePostgres(this);
    database = await pg.createDatabase('acode_env');
    await pg.loadChinook(database);
    ws = await createWorkspace({ database: 'none', config: 'database:\n  type: postgres\n' });
    empty = await makeTempDir();
    env = { ACODE_DATABASE_URL: pg.url(database) };
    const backup = await runCli(['db', 'backup'], { workspace: ws.dir, env: { ...env, ACODE_NOW: '2024-01-20T14:30:45Z' } });
    expect(backup.code, backup.stderr).to.equal(0);
  });

  after(async () => {
    if (pg) await pg.dropDatabase(database);
    await removeTempDir(ws?.dir);
    await removeTempDir(empty);
  });

  it('pg_wrapper with no client behind it: verify, backup and restore say ACODE-DB-006 (exit 1), not INVALID, disk space or damaged', async function () {
    if (!canHide || !isWrapper('/usr/bin/pg_restore')) this.skip();
    const verify = await runHidden(['/usr/lib/postgresql'], empty, ['db', 'backup', 'verify', BACKUP], ws.dir, env);
    expect(verify.code, verify.stderr).to.equal(1);
    expect(`${verify.stdout}${verify.stderr}`).not.to.include('INVALID');
    expect(lines(verify.stderr).at(-1)).to.match(/^✗ ACODE-DB-006 .*pg_restore at \/usr\/bin\/pg_restore is Debian's pg_wrapper, and no PostgreSQL client is installed behind it/);
    const backup = await runHidden(['/usr/lib/postgresql'], empty, ['db', 'backup'], ws.dir, env);
    expect(backup.code, backup.stderr).to.equal(1);
    expect(backup.stderr).to.match(/ACODE-DB-006 .*psql at \/usr\/bin\/psql is Debian's pg_wrapper/);
    expect(backup.stderr).not.to.include('disk space');
    const restore = await runHidden(['/usr/lib/postgresql'], empty, ['db', 'restore', BACKUP, '--yes'], ws.dir, env);
    expect(restore.stderr).to.match(/ACODE-DB-006 /);
    expect(restore.stderr).not.to.include('ACODE-BAK-006');
  });

  it('no pg_restore at all: verify says ACODE-DB-006 (exit 1), not INVALID', async function () {
    if (!canHide) this.skip();
    const verify = await runHidden(['/usr/lib/postgresql', '/usr/share/postgresql-common'], empty, ['db', 'backup', 'verify', BACKUP], ws.dir, env);
    expect(verify.code, verify.stderr).to.equal(1);
    expect(`${verify.stdout}${verify.stderr}`).not.to.include('INVALID');
    expect(lines(verify.stderr).at(-1)).to.match(/^✗ ACODE-DB-006 .*pg_restore not found/);
  });

  it('--test-restore as a role that may not create databases: says so and what to do (ACODE-DB-007, exit 1 like a missing TMPDIR: exit 2 told a monitor the backup was bad), not INVALID', async () => {
    const role = `acode_nocreate_${database.slice(-8)}`;
    await pg.query(`CREATE ROLE ${role} LOGIN PASSWORD 'n0create' NOCREATEDB`);
    try {
      const url = new URL(pg.url(database));
      url.username = role;
      url.password = 'n0create';
      const verify = await runCli(['db', 'backup', 'verify', BACKUP, '--test-restore'], { workspace: ws.dir, env: { ACODE_DATABASE_URL: url.href } });
      expect(verify.code, verify.stderr).to.equal(1);
      expect(`${verify.stdout}${verify.stderr}`).not.to.include('INVALID');
      expect(lines(verify.stderr).at(-1)).to.equal(
        '✗ ACODE-DB-007 Database not accessible: the test restore needs a scratch database, and the role in database.url may not create one (permission denied to create database); the backup itself was not checked by a restore — grant the role CREATEDB (ALTER ROLE <name> CREATEDB), run the test restore with a role that has it, or verify without --test-restore',
      );
      expect(verify.stderr).not.to.include('n0create');
    } finally {
      await pg.query(`DROP ROLE ${role}`);
    }
  });
});
