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
