import { spawnSync } from 'node:child_process';
import { chmod, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { lines, runCli, type CliResult } from '../support/cli.js';
import { contentDigest, openDb, openToRead } from '../support/sqlite.js';
import { listDir, removeTempDir } from '../support/temp.js';
import { NOBODY, nobodyCanRunCli } from '../support/unwritable.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const NOW = { ACODE_NOW: '2024-01-20T14:30:45Z' };
const PRE = 'acode_backup_20240120_143045_pre_migration.db';

function versionAndTables(file: string): { version: number; tables: string[] } {
  const db = openToRead(file);
  try {
    return {
      version: Number(db.prepare('SELECT max(version) FROM schema_version').pluck().get()),
      tables: db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").pluck().all() as string[],
    };
  } finally {
    db.close();
  }
}

describe('e2e: acode db migrate', function () {
  let ws: SeededWorkspace;
  const cli = (args: string[]): Promise<CliResult> => runCli(args, { workspace: ws.dir, env: NOW });
  afterEach(() => removeTempDir(ws.dir));

  describe('on a database at schema version 1', () => {
    beforeEach(async () => {
      ws = await createWorkspace({ database: 'schema', schemaVersion: 1 });
    });

    it('takes a pre-migration backup, then applies and prints each migration', async () => {
      const before = contentDigest(ws.db);
      const r = await cli(['db', 'migrate']);
      expect(r.code, r.stderr).to.equal(0);
      expect(lines(r.stdout)).to.deep.equal(['Schema version 1 → 3 (2 migrations applied).', `Backup taken before migrating: ${PRE}`]);
      expect(lines(r.stderr)).to.deep.equal([
        'Migrating .agent/acode.db...',
        `  ✓ Pre-migration backup (${PRE})`,
        '  ✓ 002_sessions_approvals',
        '  ✓ 003_settings_credentials',
        '  ✓ Old backups rotated (0 removed, 1 kept)',
      ]);
      expect(versionAndTables(ws.db)).to.deep.equal({
        version: 3,
        tables: ['appr_approvals', 'conv_chats', 'conv_messages', 'conv_runs', 'credentials', 'schema_version', 'sess_sessions', 'settings'],
      });
      expect(await listDir(ws.backups)).to.deep.equal([PRE, `${PRE}.manifest.json`]);
      expect(contentDigest(path.join(ws.backups, PRE))).to.equal(before);
      const again = await cli(['db', 'migrate']);
      expect(again.stdout).to.equal('Database is up to date (schema version 3).\n');
      expect(await listDir(ws.backups)).to.have.lengthOf(2);
    });

    it('--no-backup skips the backup', async () => {
      const r = await cli(['db', 'migrate', '--no-backup']);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.equal('Schema version 1 → 3 (2 migrations applied).\n');
      expect(await listDir(ws.backups)).to.deep.equal([]);
    });

    it('--backup takes one where backup.pre_migration is off', async () => {
      await writeFile(ws.configFile, 'backup:\n  pre_migration: false\n');
      const r = await cli(['db', 'migrate', '--backup']);
      expect(r.code, r.stderr).to.equal(0);
      expect(lines(r.stdout)).to.deep.equal(['Schema version 1 → 3 (2 migrations applied).', `Backup taken before migrating: ${PRE}`]);
    });

    it('a failing migration: ACODE-MIG-001, exit 1, names the backup; the database stays at version 1 with its table intact', async () => {
      const db = openDb(ws.db);
      db.exec("CREATE TABLE sess_sessions (id INTEGER PRIMARY KEY, note TEXT NOT NULL); INSERT INTO sess_sessions (note) VALUES ('mine')");
      db.close();
      const before = contentDigest(ws.db);
      const r = await cli(['db', 'migrate']);
      expect(r.code).to.equal(1);
      expect(r.stdout).to.equal('');
      expect(lines(r.stderr).at(-1)).to.equal(
        // Nothing was applied by this run: the database is as it was, so no restore is advised.
        '✗ ACODE-MIG-001 Migration failed: 002_sessions_approvals: table sess_sessions already exists; it was rolled back and the database is at version 1 — the failed migration was rolled back; fix its cause and run `acode db migrate` again',
      );
      expect(contentDigest(ws.db)).to.equal(before);
      expect(versionAndTables(ws.db).version).to.equal(1);
      const check = openToRead(ws.db);
      expect(check.prepare('SELECT id, note FROM sess_sessions').all()).to.deep.equal([{ id: 1, note: 'mine' }]);
      check.close();
      expect(await listDir(ws.backups)).to.deep.equal([PRE, `${PRE}.manifest.json`]);
    });

    it('a migration that fails run after run never rotates away the backups taken before it', async () => {
      await writeFile(ws.configFile, 'backup:\n  max_backups: 1\n');
      expect((await runCli(['db', 'backup'], { workspace: ws.dir, env: { ACODE_NOW: '2024-01-19T10:00:00Z' } })).code).to.equal(0);
      const db = openDb(ws.db);
      db.exec('CREATE TABLE sess_sessions (id INTEGER PRIMARY KEY)');
      db.close();
      for (const at of ['2024-01-20T14:30:45Z', '2024-01-20T14:31:45Z']) {
        const r = await runCli(['db', 'migrate'], { workspace: ws.dir, env: { ACODE_NOW: at } });
        expect(r.code, r.stderr).to.equal(1);
        expect(lines(r.stderr).at(-1)).to.match(/^✗ ACODE-MIG-001 Migration failed: 002_sessions_approvals: table sess_sessions already exists; /);
      }
      expect((await listDir(ws.backups)).filter((n) => n.endsWith('.db'))).to.deep.equal([
        'acode_backup_20240119_100000.db',
        PRE,
        'acode_backup_20240120_143145_pre_migration.db',
      ]);
      // Once the migrations go in, rotation applies max_backups as after any backup.
      const fixed = openDb(ws.db);
      fixed.exec('DROP TABLE sess_sessions');
      fixed.close();
      const r = await runCli(['db', 'migrate'], { workspace: ws.dir, env: { ACODE_NOW: '2024-01-20T14:32:45Z' } });
      expect(r.code, r.stderr).to.equal(0);
      expect(lines(r.stderr)).to.include('  ✓ Old backups rotated (3 removed, 1 kept)');
      expect((await listDir(ws.backups)).filter((n) => n.endsWith('.db'))).to.deep.equal(['acode_backup_20240120_143245_pre_migration.db']);
    });

    it('a database another process holds a write lock on: ACODE-DB-008 before any backup is taken (--wait 0: at once), nothing migrated', async () => {
      const holder = openDb(ws.db);
      holder.exec("BEGIN IMMEDIATE; INSERT INTO conv_chats (id, title, created_at, updated_at) VALUES ('held', 't', 'a', 'b')");
      try {
        const r = await cli(['db', 'migrate', '--wait', '0']);
        expect(r.code).to.equal(1);
        expect(lines(r.stderr).at(-1)).to.equal(
          `✗ ACODE-DB-008 Database is busy: ${ws.db} is locked by another process (database is locked); nothing was migrated — another process holds a lock on the database; wait for it to finish (or stop it) and run the command again`,
        );
      } finally {
        holder.exec('ROLLBACK');
        holder.close();
      }
      expect(await listDir(ws.backups)).to.deep.equal([]);
      expect(versionAndTables(ws.db).version).to.equal(1);
    });

    it('a write lock let go within the wait (5 s by default): migrate waits for it and migrates', async () => {
      const holder = openDb(ws.db);
      holder.exec("BEGIN IMMEDIATE; INSERT INTO conv_chats (id, title, created_at, updated_at) VALUES ('held', 't', 'a', 'b')");
      const release = setTimeout(() => {
        holder.exec('COMMIT');
        holder.close();
      }, 1000);
      try {
        const r = await runCli(['db', 'migrate'], { workspace: ws.dir, env: NOW });
        expect(r.code, r.stderr).to.equal(0);
        expect(lines(r.stdout)[0]).to.equal('Schema version 1 → 3 (2 migrations applied).');
      } finally {
        clearTimeout(release);
        if (holder.open) holder.close();
      }
      expect(versionAndTables(ws.db).version).to.equal(3);
    });

    it('a rollback-journal database another process reads in a transaction: ACODE-DB-008 before any backup (BEGIN IMMEDIATE let it through to fail at the commit)', async () => {
      const setup = openDb(ws.db);
      setup.pragma('journal_mode = DELETE');
      setup.close();
      for (const f of ['-wal', '-shm']) await rm(`${ws.db}${f}`, { force: true });
      const reader = openDb(ws.db);
      reader.exec('BEGIN');
      reader.prepare('SELECT count(*) FROM conv_chats').get();
      try {
        const r = await cli(['db', 'migrate', '--wait', '0']);
        expect(r.code).to.equal(1);
        expect(lines(r.stderr).at(-1)).to.match(/^✗ ACODE-DB-008 Database is busy: .* is locked by another process \(database is locked\); nothing was migrated — /);
      } finally {
        reader.exec('ROLLBACK');
        reader.close();
      }
      expect(await listDir(ws.backups)).to.deep.equal([]);
    });

    it('rows missing below the highest version (a baseline row only) do not make migrations pending: up to date, no backup taken', async () => {
      const db = openDb(ws.db);
      db.exec('DROP TABLE conv_messages'); // not there: if 001 ran again it would say nothing of it; it must not run
      db.exec("INSERT INTO schema_version (version, name, applied_at) VALUES (3, '003_settings_credentials', 'x'); DELETE FROM schema_version WHERE version < 3");
      db.close();
      const r = await cli(['db', 'migrate']);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.equal('Database is up to date (schema version 3).\n');
      expect(await listDir(ws.backups)).to.deep.equal([]);
    });

    it('a database file it may not write: ACODE-DB-007 before any backup is taken, nothing migrated', async function () {
      const root = process.getuid?.() === 0;
      if (root && !nobodyCanRunCli()) {
        // Root, and nobody cannot reach the CLI (a private checkout): an immutable file, which root may not write either.
        if (spawnSync('chattr', ['+i', ws.db]).status !== 0) return this.skip();
        try {
          const r = await cli(['db', 'migrate']);
          expect(r.code).to.equal(1);
          expect(lines(r.stderr).at(-1)).to.match(/^✗ ACODE-DB-007 Database not accessible: cannot write .*; nothing was migrated — /);
        } finally {
          spawnSync('chattr', ['-i', ws.db]);
        }
        expect(await listDir(ws.backups).catch(() => [])).to.deep.equal([]);
        expect(versionAndTables(ws.db).version).to.equal(1);
        return;
      }
      if (root) {
        // nobody may enter, read and make files (the WAL's -shm) everywhere; only the database is read-only.
        await chmod(ws.dir, 0o777);
        await chmod(path.dirname(ws.db), 0o777);
        for (const f of ['-wal', '-shm']) await chmod(`${ws.db}${f}`, 0o666).catch(() => {});
      }
      await chmod(ws.db, 0o444);
      const r = await runCli(['db', 'migrate'], { workspace: ws.dir, env: NOW, ...(root ? NOBODY : {}) });
      expect(r.code).to.equal(1);
      expect(lines(r.stderr).at(-1)).to.match(/^✗ ACODE-DB-007 Database not accessible: cannot write .*; nothing was migrated — /);
      expect(await listDir(ws.backups).catch(() => [])).to.deep.equal([]);
      expect(versionAndTables(ws.db).version).to.equal(1);
    });

    it('a pre-migration backup that fails: ACODE-MIG-002, nothing migrated', async () => {
      await writeFile(ws.configFile, 'backup:\n  path: .agent/acode.db/backups\n');
      const before = contentDigest(ws.db);
      const r = await cli(['db', 'migrate']);
      expect(r.code).to.equal(1);
      expect(r.stdout).to.equal('');
      const last = lines(r.stderr).at(-1)!;
      expect(last.startsWith(`✗ ACODE-MIG-002 Pre-migration backup failed: Backup folder not writable: cannot create backup folder ${path.join(ws.db, 'backups')}: ENOTDIR`), last).to.equal(true);
      expect(last.endsWith(" — nothing was migrated; fix the backup problem or run with --no-backup"), last).to.equal(true);
      expect(contentDigest(ws.db)).to.equal(before);
      expect(versionAndTables(ws.db).version).to.equal(1);
    });
  });

  it("another program's SQLite file (tables, no schema_version) is refused, unchanged: acode's tables are not added to it", async () => {
    ws = await createWorkspace({ database: 'none' });
    const other = path.join(ws.dir, 'photos.db');
    const db = openDb(other);
    db.exec("CREATE TABLE albums (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO albums (name) VALUES ('summer')");
    db.close();
    const before = contentDigest(other);
    const r = await cli(['db', 'migrate', '--database', other]);
    expect(r.code).to.equal(1);
    expect(lines(r.stderr).at(-1)).to.equal(
      `✗ ACODE-MIG-001 Migration failed: ${other} holds tables ("albums") but no schema_version: it is not an acode workspace database; nothing was changed — give --database (or database.path) the workspace database, or a new file to create one`,
    );
    expect(contentDigest(other)).to.equal(before);
    expect(await listDir(ws.backups)).to.deep.equal([]);
  });

  it('an empty file where the database should be is created as a new one, in WAL mode', async () => {
    ws = await createWorkspace({ database: 'none' });
    await writeFile(ws.db, '');
    const r = await cli(['db', 'migrate']);
    expect(r.code, r.stderr).to.equal(0);
    const db = openToRead(ws.db);
    expect(db.pragma('journal_mode', { simple: true })).to.equal('wal');
    db.close();
    expect(versionAndTables(ws.db).version).to.equal(3);
  });

  it('creates a new database at the latest version without a backup', async () => {
    ws = await createWorkspace({ database: 'none' });
    const r = await cli(['db', 'migrate']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('Created the database; schema version 0 → 3 (3 migrations applied).\n');
    expect(versionAndTables(ws.db).version).to.equal(3);
    expect(await listDir(ws.backups)).to.deep.equal([]);
  });

  it('a database at a schema version newer than acode knows: migrate says so instead of "up to date", and restoring its backup warns', async () => {
    ws = await createWorkspace({ database: 'schema' });
    const db = openDb(ws.db);
    db.prepare("INSERT INTO schema_version (version, name, applied_at) VALUES (99, '099_future', '2030-01-01T00:00:00Z')").run();
    db.close();
    const r = await cli(['db', 'migrate']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('');
    expect(lines(r.stderr)).to.include('⚠ The database is at schema version 99, newer than this acode knows (3): nothing to apply; update acode before you migrate, export or import it.');

    expect((await cli(['db', 'backup'])).code).to.equal(0);
    const restored = await cli(['db', 'restore', 'acode_backup_20240120_143045.db', '--yes']);
    expect(restored.code, restored.stderr).to.equal(0);
    expect(lines(restored.stderr)).to.include(
      '⚠ acode_backup_20240120_143045.db holds workspace schema version 99, newer than this acode knows (3): update acode before you migrate, export or import this database',
    );
  });
});
