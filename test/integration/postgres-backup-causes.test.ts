import { chmod, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import pg from 'pg';
import { createBackup } from '../../lib/backup.js';
import { pgToolPath } from '../../lib/postgres/tools.js';
import { failure } from '../support/failure.js';
import { requirePostgres, startOwnPostgres, untilWaitingOnLock, type PgServer } from '../support/postgres.js';
import { listDir, makeTempDir, removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const NOW = (): Date => new Date('2024-01-20T14:30:45Z');
const DISK_HINT = /disk space/;

describe('integration: a failed PostgreSQL backup says what to do about its own cause', function () {
  let server: PgServer;
  let database: string;
  let ws: SeededWorkspace;

  before(async function () {
    server = await requirePostgres(this);
    database = await server.createDatabase('acode_causes');
    await server.query('CREATE TABLE open_t (id int); CREATE TABLE admin_only (id int)', database);
  });
  after(async () => {
    if (server) await server.dropDatabase(database);
  });
  beforeEach(async () => {
    ws = await createWorkspace({ database: 'none', config: `database:\n  type: postgres\n  url: ${server.url(database)}\n` });
  });
  afterEach(() => removeTempDir(ws.dir));

  it('pg_dump older than the server: install a matching client, not disk space', async () => {
    // A pg_dump that answers as one older than the server does (the only other version here is the server's own).
    const bin = await makeTempDir('old-pg-dump');
    try {
      await writeFile(path.join(bin, 'pg_dump'), "#!/bin/sh\necho 'pg_dump: error: aborting because of server version mismatch' >&2\necho 'pg_dump: detail: server version: 17.2; pg_dump version: 15.10' >&2\nexit 1\n");
      await chmod(path.join(bin, 'pg_dump'), 0o755);
      // ACODE_PG_BIN is the only folder searched: the other tools are the real ones.
      for (const tool of ['psql', 'pg_restore'] as const) await symlink(pgToolPath(tool), path.join(bin, tool));
      process.env['ACODE_PG_BIN'] = bin;
      try {
        const e = await failure(createBackup({ config: await ws.config(), now: NOW }));
        expect(e.code).to.equal('ACODE-BAK-001');
        expect(e.message).to.include('aborting because of server version mismatch; detail: server version: 17.2; pg_dump version: 15.10');
        expect(e.hint).to.equal('install a pg_dump as new as the server or newer (Debian: apt-get install postgresql-client-<server version>) or point ACODE_PG_BIN at it, then run the backup again');
      } finally {
        delete process.env['ACODE_PG_BIN'];
      }
    } finally {
      await removeTempDir(bin);
    }
    expect(await listDir(ws.backups)).to.deep.equal([]);
  });

  it('a table the role may not read: back up as a role that may, not disk space', async () => {
    const role = `acode_partial_${process.pid}`;
    await server.query(`CREATE ROLE ${role} LOGIN PASSWORD 'part1al'`);
    await server.query(`GRANT SELECT ON open_t TO ${role}`, database);
    try {
      const url = new URL(server.url(database));
      url.username = role;
      url.password = 'part1al';
      const limited = await createWorkspace({ database: 'none', config: `database:\n  type: postgres\n  url: ${url.href}\n` });
      try {
        const e = await failure(createBackup({ config: await limited.config(), now: NOW }));
        expect(e.code).to.equal('ACODE-BAK-001');
        expect(e.message).to.include('permission denied for table admin_only');
        expect(e.hint).to.equal('back up as a role that may read every table (the database owner, or one granted pg_read_all_data or SELECT on each), then run the backup again');
      } finally {
        await removeTempDir(limited.dir);
      }
    } finally {
      await server.query(`REVOKE ALL ON open_t FROM ${role}`, database);
      await server.query(`DROP ROLE ${role}`);
    }
  });

  it('a table whose row-level security policies bind the backup role: back up as one they do not bind, not disk space', async () => {
    const role = `acode_rls_${process.pid}`;
    await server.query(`CREATE ROLE ${role} LOGIN PASSWORD 'rls0wner'`);
    const own = await server.createDatabase('acode_rls');
    try {
      await server.query(`ALTER DATABASE ${own} OWNER TO ${role}`);
      await server.query(`CREATE TABLE guarded (id int); INSERT INTO guarded VALUES (1), (2); ALTER TABLE guarded OWNER TO ${role}; ALTER TABLE guarded ENABLE ROW LEVEL SECURITY; ALTER TABLE guarded FORCE ROW LEVEL SECURITY; CREATE POLICY only_two ON guarded USING (id = 2)`, own);
      const url = new URL(server.url(own));
      url.username = role;
      url.password = 'rls0wner';
      const owner = await createWorkspace({ database: 'none', config: `database:\n  type: postgres\n  url: ${url.href}\n` });
      try {
        const e = await failure(createBackup({ config: await owner.config(), now: NOW }));
        expect(e.code).to.equal('ACODE-BAK-001');
        expect(e.message).to.include('row-level security policy for table "guarded"');
        expect(e.hint).to.equal("back up as the table owners' role (unless a table has FORCE ROW LEVEL SECURITY, which binds its owner too) or a role with BYPASSRLS (ALTER ROLE <name> BYPASSRLS), then run the backup again");
        expect(await listDir(owner.backups)).to.deep.equal([]);
      } finally {
        await removeTempDir(owner.dir);
      }
    } finally {
      await server.dropDatabase(own);
      await server.query(`DROP ROLE ${role}`);
    }
  });

  it('a table locked by another session: gives up after its wait as busy, and leaves no file', async () => {
    const locker = new pg.Client({ connectionString: server.url(database) });
    locker.on('error', () => undefined);
    await locker.connect();
    try {
      await locker.query('BEGIN; LOCK TABLE open_t IN ACCESS EXCLUSIVE MODE');
      const e = await failure(createBackup({ config: await ws.config(), now: NOW, busyTimeoutMs: 1500 }));
      expect(e.code).to.equal('ACODE-BAK-001');
      expect(e.detail).to.match(new RegExp(`^another session held a lock on ${server.url(database).replace(`:${encodeURIComponent(server.password)}@`, '@').replace(/[.?]/g, '\\$&')} for more than 1500 ms; no backup was made \\(.*(lock|statement) timeout`));
      expect(e.hint).to.equal('another process holds a lock on the database: wait for it to finish (or stop it), then run the backup again');
      expect(e.context['busy']).to.equal(true);
    } finally {
      await locker.end().catch(() => undefined);
    }
    expect(await listDir(ws.backups)).to.deep.equal([]);
  });

  it('the server going down mid-backup: libpq\'s own words and the server to check, not disk space', async function () {
    const own = await startOwnPostgres({});
    if (!own) this.skip();
    const locker = new pg.Client({ connectionString: own.url() });
    try {
      await own.query('CREATE TABLE held (id int)');
      const crashed = await createWorkspace({ database: 'none', config: `database:\n  type: postgres\n  url: ${own.url()}\n` });
      try {
        await locker.connect();
        locker.on('error', () => undefined);
        // pg_dump and the row count wait behind this lock (for longer than the test takes) while the server is stopped as by a crash.
        await locker.query('BEGIN; LOCK TABLE held IN ACCESS EXCLUSIVE MODE');
        const running = createBackup({ config: await crashed.config(), now: NOW, busyTimeoutMs: 600_000 });
        running.catch(() => undefined);
        await untilWaitingOnLock(own, 'postgres');
        await own.stop();
        const e = await failure(running);
        expect(e.code).to.equal('ACODE-BAK-001');
        expect(e.message, e.message).to.match(/server closed the connection unexpectedly|terminating connection/);
        expect(e.message).not.to.match(/: exit \d+$/);
        expect(e.hint, e.message).to.equal('the server ended the connection (it stopped, crashed or restarted, or the session was terminated): check that it is running and its log, then run the backup again');
        expect(e.hint).not.to.match(DISK_HINT);
        expect(await listDir(crashed.backups)).to.deep.equal([]);
      } finally {
        await removeTempDir(crashed.dir);
      }
    } finally {
      await locker.end().catch(() => undefined);
      await own.stop();
    }
  });
});
