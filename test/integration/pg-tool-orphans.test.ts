import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { requirePostgres, type PgServer } from '../support/postgres.js';

const BUILD = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

/** The sessions of `app` still on the server, waiting up to `ms` for them to end. */
async function sessionsOf(server: PgServer, app: string, ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  for (;;) {
    const rows = await server.query(`SELECT pid FROM pg_stat_activity WHERE application_name = '${app}'`);
    if (rows.length === 0 || Date.now() > deadline) return rows.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('integration: a PostgreSQL tool outlives no acode killed outright', function () {
  let server: PgServer;
  before(async function () {
    server = await requirePostgres(this);
  });

  it('SIGKILL of the acode process ends the psql (pg_dump, pg_restore) it runs: the tool gets SIGTERM, its session goes', async () => {
    const app = `acode_orphan_${process.pid}`;
    const url = new URL(server.url('postgres'));
    url.searchParams.set('application_name', app);
    // A process standing for acode: it runs a tool through runPgTool, then is killed with SIGKILL.
    const script = `import { runPgTool } from ${JSON.stringify(path.join(BUILD, 'lib/postgres/tools.js'))};
      runPgTool('psql', { args: ['-X', '-q', '-c', 'SELECT pg_sleep(600)', '--dbname=' + process.argv[1]], env: process.env });`;
    // The server notices a client gone mid-query only when it checks (PostgreSQL 14+).
    const env = { ...process.env, PGOPTIONS: '-c client_connection_check_interval=100' };
    const acode = spawn(process.execPath, ['--input-type=module', '-e', script, url.href], { stdio: 'ignore', env });
    try {
      expect(await waitFor(async () => (await server.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = '${app}' AND query LIKE '%pg_sleep%'`)).length === 1)).to.equal(true);
      acode.kill('SIGKILL');
      // Its psql would sleep ten minutes: the session ends only if psql was told its parent died.
      expect(await sessionsOf(server, app, 20_000)).to.equal(0);
    } finally {
      acode.kill('SIGKILL');
      await server.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '${app}'`);
    }
  });
});

async function waitFor(check: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
