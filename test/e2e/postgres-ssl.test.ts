import { expect } from 'chai';
import { connectPg, parsePgUrl } from '../../lib/postgres/connection.js';
import { lines, runCli, type CliResult } from '../support/cli.js';
import { failure } from '../support/failure.js';
import { requirePostgres, startOwnPostgres, type OwnPostgres } from '../support/postgres.js';
import { listDir, removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const BACKUP = 'acode_backup_20240120_143045.dump';

/** Whether node-postgres's session on `url` is encrypted, as the server sees it. */
async function sslOf(url: string): Promise<boolean> {
  const client = await connectPg(parsePgUrl(url));
  try {
    const { rows } = await client.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return rows[0]!.ssl;
  } finally {
    await client.end();
  }
}

describe('e2e: PostgreSQL over SSL reads sslmode as libpq does, in pg_dump and in node-postgres alike', function () {
  let pg: OwnPostgres | null = null;
  let database: string;
  let ws: SeededWorkspace;
  const withMode = (query: string): string => `${pg!.url(database)}?${query}`;

  before(async function () {
    pg = await startOwnPostgres({ ssl: true });
    if (!pg) this.skip();
    database = await pg.createDatabase('acode_ssl');
    await pg.loadChinook(database);
    ws = await createWorkspace({ database: 'none', config: 'database:\n  type: postgres\n' });
  });

  after(async () => {
    await pg?.stop();
    await removeTempDir(ws?.dir);
  });

  it('backs up, exports and restores with sslmode=require against a self-signed certificate, with no warning', async () => {
    const env = { ACODE_DATABASE_URL: withMode('sslmode=require'), ACODE_NOW: '2024-01-20T14:30:45Z' };
    const cli = (args: readonly string[]): Promise<CliResult> => runCli(args, { workspace: ws.dir, env });
    const backup = await cli(['db', 'backup']);
    expect(backup.code, backup.stderr).to.equal(0);
    const exported = await cli(['db', 'export', '--format', 'csv', '--tables', 'genre', '--no-redact', '--output', '-']);
    expect(exported.code, exported.stderr).to.equal(0);
    expect(lines(exported.stdout).slice(0, 2)).to.deep.equal(['genre_id,name\r', '1,Rock\r']);
    expect(lines(exported.stdout)).to.have.length(26);
    const restore = await cli(['db', 'restore', BACKUP, '--yes']);
    expect(restore.code, restore.stderr).to.equal(0);
    expect(restore.stdout).to.include(`Restored: ${BACKUP} (11 tables, 15,607 records)`);
    for (const r of [backup, exported, restore]) {
      expect(r.stderr).not.to.match(/WARNING|uselibpqcompat/);
    }
  });

  // pg_dump refuses a URL holding it ('invalid URI query parameter'): the backup working is the proof.
  it('takes a URL that already says uselibpqcompat=true, and never hands it to pg_dump', async () => {
    const env = { ACODE_DATABASE_URL: withMode('sslmode=require&uselibpqcompat=true'), ACODE_NOW: '2024-01-21T10:00:00Z' };
    const backup = await runCli(['db', 'backup'], { workspace: ws.dir, env });
    expect(backup.code, backup.stderr).to.equal(0);
    expect(await listDir(ws.backups)).to.include('acode_backup_20240121_100000.dump');
  });

  it('encrypts with require, prefer and allow-as-fallback the way libpq does, and verify-full still checks the certificate', async () => {
    expect(await sslOf(withMode('sslmode=require'))).to.equal(true);
    expect(await sslOf(withMode('sslmode=prefer'))).to.equal(true);
    expect(await sslOf(withMode('sslmode=allow'))).to.equal(false);
    expect(await sslOf(withMode('sslmode=disable'))).to.equal(false);
    const refused = await failure(sslOf(withMode('sslmode=verify-full')));
    expect(refused).to.include({ code: 'ACODE-DB-005' });
    expect(refused.message).to.match(/self-signed certificate/);
    expect(refused.message).not.to.include(pg!.password);
    const noCa = await failure(sslOf(withMode('sslmode=verify-ca')));
    expect(noCa).to.include({ code: 'ACODE-DB-005' });
    expect(noCa.message).to.include('sslmode=verify-ca needs the certificate of the CA');
  });

  it('falls back to a plain connection with sslmode=prefer when the server has no SSL, as libpq does', async function () {
    // A server of one's own (ACODE_TEST_PG_URL) may well have SSL on.
    if (process.env['ACODE_TEST_PG_URL']) this.skip();
    const plain = await requirePostgres(this);
    expect(await sslOf(`${plain.url()}?sslmode=prefer`)).to.equal(false);
  });
});
