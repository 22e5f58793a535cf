import { readFile, writeFile } from 'node:fs/promises';
import { expect } from 'chai';
import { AcodeError } from '../../lib/errors.js';
import { migrate } from '../../lib/migrate.js';
import { WORKSPACE_MIGRATIONS } from '../../lib/migrations.js';
import { openDb, openToRead } from '../support/sqlite.js';
import { listDir, removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const abortError = (): Error => Object.assign(new Error('interrupted by SIGINT'), { name: 'AbortError' });

describe('integration: migrate', () => {
  let ws: SeededWorkspace;
  afterEach(() => removeTempDir(ws.dir));

  it('applies each migration in its own transaction and records it', async () => {
    ws = await createWorkspace({ database: 'schema', schemaVersion: 1 });
    const events: string[] = [];
    const result = await migrate({ config: await ws.config(), backup: false, onProgress: (e) => e.phase === 'end' && events.push(`${e.stage} ${e.label}`) });
    expect(result).to.deep.include({ created: false, from: 1, to: 3, backup: null });
    expect(result.applied).to.deep.equal(WORKSPACE_MIGRATIONS.slice(1).map((m) => ({ version: m.version, name: m.name })));
    expect(events).to.deep.equal(['migrate 002_sessions_approvals', 'migrate 003_settings_credentials']);
    const db = openToRead(ws.db);
    expect(db.prepare('SELECT version, name FROM schema_version ORDER BY version').raw().all()).to.deep.equal([
      [1, '001_conversations'],
      [2, '002_sessions_approvals'],
      [3, '003_settings_credentials'],
    ]);
    db.close();
  });

  it('a migration another process applied meanwhile (a second migrate run) is skipped, not run twice and failed', async () => {
    ws = await createWorkspace({ database: 'schema', schemaVersion: 1 });
    const second = WORKSPACE_MIGRATIONS[1]!;
    const result = await migrate({
      config: await ws.config(),
      backup: false,
      onProgress: (e) => {
        if (e.stage !== 'migrate' || e.phase !== 'start' || e.label !== second.name) return;
        // The other run, between this run's reading of what is pending and its transaction.
        const other = openDb(ws.db);
        other.transaction(() => {
          other.exec(second.sql);
          other.prepare("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, 'elsewhere')").run(second.version, second.name);
        })();
        other.close();
      },
    });
    expect(result.applied).to.deep.equal([{ version: 3, name: '003_settings_credentials' }]);
    const db = openToRead(ws.db);
    expect(db.prepare('SELECT version, applied_at = ? FROM schema_version ORDER BY version').raw().all('elsewhere')).to.deep.equal([
      [1, 0],
      [2, 1],
      [3, 0],
    ]);
    db.close();
  });

  it('a damaged database: the pre-migration backup\'s check fails as ACODE-DB-004 (not MIG-002 advising --no-backup), nothing migrated', async () => {
    ws = await createWorkspace({ database: 'schema', schemaVersion: 1 });
    const db = openDb(ws.db);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX t_v ON t(v);');
    db.prepare("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) INSERT INTO t (v) SELECT printf('value %d', i) FROM n").run();
    const indexRoot = Number(db.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 't_v'").pluck().get());
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const bytes = await readFile(ws.db);
    bytes.fill(0x5a, (indexRoot - 1) * 4096 + 8, indexRoot * 4096);
    await writeFile(ws.db, bytes);
    const err = await migrate({ config: await ws.config() }).then(
      () => null,
      (e: unknown) => e as AcodeError,
    );
    expect(err).to.include({ code: 'ACODE-DB-004', exitCode: 1 });
    expect(err!.hint).to.equal('the source database is damaged; restore a known good backup with `acode db restore`');
    expect(await listDir(ws.backups)).to.deep.equal([]);
    const check = openToRead(ws.db);
    expect(check.prepare('SELECT max(version) FROM schema_version').pluck().get()).to.equal(1);
    check.close();
  });

  it('a Ctrl-C between migrations is ACODE-MIG-001 "interrupted"; the ones applied stay', async () => {
    ws = await createWorkspace({ database: 'schema', schemaVersion: 1 });
    const controller = new AbortController();
    const err = await migrate({
      config: await ws.config(),
      signal: controller.signal,
      onProgress: (e) => {
        if (e.stage === 'migrate' && e.phase === 'end') controller.abort(abortError());
      },
    }).then(
      () => null,
      (e: unknown) => e as AcodeError,
    );
    expect(err).to.be.instanceOf(AcodeError);
    expect(err).to.include({ code: 'ACODE-MIG-001', message: `Migration failed: migrating ${ws.db}; the database is at version 2: interrupted`, exitCode: 1 });
    const db = openToRead(ws.db);
    expect(db.prepare('SELECT max(version) FROM schema_version').pluck().get()).to.equal(2);
    db.close();
    expect((await listDir(ws.backups)).filter((n) => n.endsWith('_pre_migration.db'))).to.have.lengthOf(1);
  });
});
