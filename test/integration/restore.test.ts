import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { chmod, chown, copyFile, lstat, mkdir, open, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { createBackup, type BackupResult } from '../../lib/backup.js';
import { parseConfig } from '../../lib/config.js';
import { restoreBackup, type RestorePlan } from '../../lib/restore.js';
import { verifyBackup } from '../../lib/verify.js';
import { DbChild } from '../support/children.js';
import { contentDigest, openDb, openToRead, tableCounts } from '../support/sqlite.js';
import { editManifest, sha256Of } from '../support/tamper.js';
import { leftovers, listDir, removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';
import { failure } from '../support/failure.js';
import { mountTmpfs, unmount } from '../support/tmpfs.js';

const NOW = new Date('2024-01-20T14:30:45Z');
const LATER = new Date('2024-01-20T15:00:00Z');

/** Changes the demo workspace: a chat gone, a setting changed, a new approval. */
function changeDemoData(file: string): void {
  const db = openDb(file);
  db.exec(`
    DELETE FROM conv_messages WHERE run_id IN (SELECT id FROM conv_runs WHERE chat_id = (SELECT min(id) FROM conv_chats));
    DELETE FROM appr_approvals WHERE run_id IN (SELECT id FROM conv_runs WHERE chat_id = (SELECT min(id) FROM conv_chats));
    DELETE FROM conv_runs WHERE chat_id = (SELECT min(id) FROM conv_chats);
    DELETE FROM conv_chats WHERE id = (SELECT min(id) FROM conv_chats);
    UPDATE settings SET value = 'light' WHERE key = 'theme';
    INSERT INTO appr_approvals (run_id, action, command, decision, created_at) VALUES ((SELECT min(id) FROM conv_runs), 'run_command', 'ls', 'approved', '2024-01-20T15:00:00Z');
  `);
  db.close();
}

/** The journal mode a new connection finds the database in. */
function journalMode(file: string): string {
  const db = openToRead(file);
  try {
    return String(db.pragma('journal_mode', { simple: true }));
  } finally {
    db.close();
  }
}

/**
 * The workspace's database, damaged in 8 pages, on a tmpfs with `room` times its size: the config
 * points there. Null when no tmpfs may be mounted.
 */
async function damagedOnSmallDisk(ws: SeededWorkspace, room: number): Promise<{ small: string; live: string; damaged: Buffer } | null> {
  const db = openDb(ws.db);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const small = path.join(ws.dir, 'small-db');
  if (await mountTmpfs(small, Math.floor((await stat(ws.db)).size * room))) return null;
  const live = path.join(small, 'acode.db');
  try {
    await copyFile(ws.db, live);
    await writeFile(ws.configFile, `database:\n  path: ${live}\nbackup:\n  path: .agent/backups\n`);
    const handle = await open(live, 'r+');
    await handle.write(Buffer.alloc(8 * 4096, 0xa5), 0, 8 * 4096, 20 * 4096);
    await handle.close();
    return { small, live, damaged: await readFile(live) };
  } catch (err) {
    unmount(small);
    throw err;
  }
}

describe('integration: restore', function () {
  let ws: SeededWorkspace;
  let backup: BackupResult;
  let original: string;
  const children: DbChild[] = [];

  beforeEach(async () => {
    ws = await createWorkspace({ database: 'demo' });
    original = contentDigest(ws.db);
    backup = await createBackup({ config: await ws.config(), now: () => NOW });
  });
  afterEach(async () => {
    for (const c of children.splice(0)) {
      await c.stop().catch(() => c.kill());
    }
    await removeTempDir(ws.dir);
  });

  it('reverts changes, keeps AUTOINCREMENT counters and saves the previous database first', async () => {
    const reader = openToRead(ws.db);
    const seqBefore = reader.prepare('SELECT name, seq FROM sqlite_sequence ORDER BY name').all();
    reader.close();
    changeDemoData(ws.db);
    const changed = contentDigest(ws.db);
    expect(changed).to.not.equal(original);

    const result = await restoreBackup({ config: await ws.config(), file: backup.name, now: () => LATER });
    expect(contentDigest(ws.db)).to.equal(original);
    const live = openToRead(ws.db);
    expect(live.prepare('SELECT name, seq FROM sqlite_sequence ORDER BY name').all()).to.deep.equal(seqBefore);
    expect(live.pragma('journal_mode', { simple: true })).to.equal('wal');
    expect(live.pragma('integrity_check', { simple: true })).to.equal('ok');
    live.close();

    expect(result.safetyBackup?.name).to.equal('acode_backup_20240120_150000_pre_restore.db');
    expect(contentDigest(result.safetyBackup!.path)).to.equal(changed);
    expect(result.after.tables).to.deep.equal(backup.manifest.tables);
  });

  for (const [label, rows] of [['a few pages', 20], ['most of the file', 3000]] as const) {
    it(`leaves none of the replaced content in the file when the old data was ${label}, and keeps every rowid`, async () => {
      // Rowids with gaps in a table without an INTEGER PRIMARY KEY, and an FTS index that points
      // at them: a VACUUM (tried once to shrink the file) renumbered them and broke the index.
      const seed = openDb(ws.db);
      seed.exec(`CREATE TABLE notes (body TEXT); INSERT INTO notes (rowid, body) VALUES (10, 'alpha'), (20, 'beta'), (30, 'gamma');
        CREATE VIRTUAL TABLE notes_fts USING fts5(body, content='notes', content_rowid='rowid'); INSERT INTO notes_fts(notes_fts) VALUES ('rebuild');`);
      seed.close();
      const withNotes = await createBackup({ config: await ws.config(), now: () => new Date('2024-01-20T14:40:00Z') });
      // A secret written after the backup: restoring it away must take it out of the file too,
      // or every later backup (a copy of every page) carries it on.
      const db = openDb(ws.db);
      db.exec(`CREATE TABLE leak (t TEXT); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${rows})
        INSERT INTO leak SELECT 'LEAKED-SECRET-MARK-' || x || '-' || hex(randomblob(500)) FROM c; PRAGMA wal_checkpoint(TRUNCATE);`);
      db.close();
      expect((await readFile(ws.db)).includes('LEAKED-SECRET-MARK-')).to.equal(true);

      await restoreBackup({ config: await ws.config(), file: withNotes.name, now: () => LATER });
      const live = openDb(ws.db);
      live.pragma('wal_checkpoint(TRUNCATE)');
      expect(live.prepare('SELECT rowid, body FROM notes ORDER BY rowid').raw(true).all()).to.deep.equal([[10, 'alpha'], [20, 'beta'], [30, 'gamma']]);
      expect(live.prepare("SELECT rowid FROM notes_fts WHERE notes_fts MATCH 'beta'").pluck().all()).to.deep.equal([20]);
      live.close();
      expect((await readFile(ws.db)).includes('LEAKED-SECRET-MARK-')).to.equal(false);
    });
  }

  it('restores into a WAL database another process has open, and that process then sees the restored rows', async () => {
    changeDemoData(ws.db);
    const { child: reader, ready } = await DbChild.start('reader', ws.db);
    children.push(reader);
    const changedCounts = tableCounts(ws.db);
    expect((ready['counts'] as Record<string, number>)['conv_chats']).to.equal(changedCounts['conv_chats']);

    await restoreBackup({ config: await ws.config(), file: backup.name, now: () => LATER });

    const seen = await reader.ask('counts', 'counts');
    expect(seen['integrity']).to.equal('ok');
    expect(seen['counts']).to.deep.equal(Object.fromEntries(backup.manifest.tables.map((t) => [t.name, t.rows])));
    expect((await reader.ask('digest', 'digest'))['digest']).to.equal(original);
  });

  it('refuses with ACODE-BAK-010 (exit 3) while another process holds a write transaction, changing nothing', async () => {
    changeDemoData(ws.db);
    const before = contentDigest(ws.db);
    const { child: writer } = await DbChild.start('write-lock', ws.db);
    children.push(writer);

    const err = await failure(restoreBackup({ config: await ws.config(), file: backup.name, busyTimeoutMs: 1000, now: () => LATER }));
    expect(err).to.include({ code: 'ACODE-BAK-010', exitCode: 3 });
    expect(err.message).to.equal(`Database is busy: could not lock ${ws.db} for writing: database is locked`);

    await writer.ask('rollback', 'rolledBack');
    expect(contentDigest(ws.db)).to.equal(before);
    expect(await listDir(ws.backups)).to.deep.equal([backup.name, `${backup.name}.manifest.json`]);
  });

  it('Ctrl-C while it waits for another process\'s lock stops the wait: "interrupted", not busy when --wait runs out', async () => {
    changeDemoData(ws.db);
    const before = contentDigest(ws.db);
    const { child: writer } = await DbChild.start('write-lock', ws.db);
    children.push(writer);
    const controller = new AbortController();
    setTimeout(() => controller.abort(Object.assign(new Error('interrupted by SIGINT'), { name: 'AbortError' })), 300);
    // With SQLite's own busy wait the thread slept through the abort until the 60 s ran out (BAK-010).
    const err = await failure(restoreBackup({ config: await ws.config(), file: backup.name, busyTimeoutMs: 60_000, signal: controller.signal, now: () => LATER }));
    expect(err).to.include({ code: 'ACODE-BAK-002', exitCode: 3 });
    expect(err.message).to.match(/: interrupted$/);
    await writer.ask('rollback', 'rolledBack');
    expect(contentDigest(ws.db)).to.equal(before);
  });

  it('refuses with ACODE-BAK-010 when a reader keeps a rollback-journal database from being written', async () => {
    const db = openDb(ws.db);
    db.pragma('journal_mode = DELETE');
    db.close();
    changeDemoData(ws.db);
    const before = await sha256Of(ws.db);
    const { child: reader } = await DbChild.start('read-tx', ws.db);
    children.push(reader);

    const err = await failure(restoreBackup({ config: await ws.config(), file: backup.name, busyTimeoutMs: 500, now: () => LATER }));
    expect(err).to.include({ code: 'ACODE-BAK-010', exitCode: 3 });
    expect(await sha256Of(ws.db)).to.equal(before);
    expect(await leftovers(path.dirname(ws.db))).to.deep.equal([]);
  });

  it('a rollback-journal database another connection holds EXCLUSIVE: backup is ACODE-DB-008 (busy, not "not a database"), restore ACODE-BAK-010 exit 3', async () => {
    const db = openDb(ws.db);
    db.pragma('journal_mode = DELETE');
    db.exec("BEGIN EXCLUSIVE; UPDATE settings SET value = value");
    try {
      const busy = await failure(createBackup({ config: await ws.config(), now: () => LATER }));
      expect(busy).to.include({ code: 'ACODE-DB-008', exitCode: 1 });
      expect(busy.message).to.equal(`Database is busy: ${ws.db} is locked by another process: database is locked`);
      const err = await failure(restoreBackup({ config: await ws.config(), file: backup.name, busyTimeoutMs: 200, now: () => LATER }));
      expect(err).to.include({ code: 'ACODE-BAK-010', exitCode: 3 });
    } finally {
      db.exec('ROLLBACK');
      db.close();
    }
    expect(contentDigest(ws.db)).to.equal(original);
  });

  it('creates the live database when there is none (and its folder), with no safety backup, removing a killed restore\'s copy there', async () => {
    await rm(ws.db);
    await rm(`${ws.db}-wal`, { force: true });
    await rm(`${ws.db}-shm`, { force: true });
    await writeFile(ws.configFile, 'database:\n  path: data/new/acode.db\nbackup:\n  path: .agent/backups\n');
    // A killed restore's copy, its process gone and untouched for an hour: the next restore removes it.
    const folder = path.join(ws.dir, 'data', 'new');
    await mkdir(folder, { recursive: true });
    const killed = path.join(folder, '.acode.db.acode-tmp-999999999-0123abcd');
    await writeFile(killed, 'a copy of the database, secrets and all');
    const anHourAgo = new Date(Date.now() - 3_600_000);
    await utimes(killed, anHourAgo, anHourAgo);
    const config = await ws.config();
    const result = await restoreBackup({ config, file: backup.name });
    expect(result.safetyBackup).to.equal(null);
    expect(result.target).to.equal(path.join(ws.dir, 'data', 'new', 'acode.db'));
    expect(contentDigest(result.target)).to.equal(original);
    expect((await stat(result.target)).mode & 0o777).to.equal(0o600);
    // The workspace was in WAL mode when backed up (the backup file itself is not): so is the new one.
    expect(backup.manifest.database.journalMode).to.equal('wal');
    expect(journalMode(result.target)).to.equal('wal');
    expect(await leftovers(path.dirname(result.target))).to.deep.equal([]);
  });

  it('a database in rollback-journal mode is restored as a new file in that mode (WAL only for a WAL source)', async () => {
    const db = openDb(ws.db);
    db.pragma('journal_mode = DELETE');
    db.close();
    const made = await createBackup({ config: await ws.config(), now: () => LATER });
    expect(made.manifest.database).not.to.have.property('journalMode');
    await rm(ws.db);
    await restoreBackup({ config: await ws.config(), file: made.name, now: () => new Date('2024-01-20T16:00:00Z') });
    expect(contentDigest(ws.db)).to.equal(original);
    expect(journalMode(ws.db)).to.equal('delete');
  });

  it('with no database but the WAL of one that was there (crashed, moved away): the WAL is moved aside, never replayed onto the restored file', async () => {
    const db = openDb(ws.db);
    db.pragma('wal_autocheckpoint = 0');
    db.exec("UPDATE conv_chats SET title = 'changed after the backup'");
    const wal = await readFile(`${ws.db}-wal`);
    db.close();
    await rm(ws.db);
    await rm(`${ws.db}-shm`, { force: true });
    await writeFile(`${ws.db}-wal`, wal);

    const result = await restoreBackup({ config: await ws.config(), file: backup.name, now: () => LATER });
    expect(contentDigest(ws.db)).to.equal(original);
    expect(result.setAside).to.have.length(1);
    expect(path.dirname(result.setAside[0]!)).to.equal(path.dirname(ws.db));
    expect(path.basename(result.setAside[0]!)).to.match(/^acode\.db-wal\.orphaned-\d{8}T\d{6}Z$/);
    expect(await readFile(result.setAside[0]!), 'kept as it was').to.deep.equal(wal);
  });

  it('a database with an FTS5 table: its index (shadow tables) comes back as it was, and the test restore passes too', async () => {
    const db = openDb(ws.db);
    db.exec("CREATE VIRTUAL TABLE msg_search USING fts5(content); INSERT INTO msg_search SELECT content FROM conv_messages");
    const matches = db.prepare("SELECT count(*) FROM msg_search WHERE msg_search MATCH 'the'").pluck().get() as number;
    db.close();
    expect(matches).to.be.greaterThan(0);
    const withIndex = await createBackup({ config: await ws.config(), now: () => LATER });
    const digest = contentDigest(ws.db);
    const change = openDb(ws.db);
    change.exec("DELETE FROM msg_search; UPDATE settings SET value = 'light'");
    change.close();

    await restoreBackup({ config: await ws.config(), file: withIndex.name, now: () => new Date('2024-01-20T16:00:00Z') });
    expect(contentDigest(ws.db)).to.equal(digest);
    const live = openDb(ws.db);
    expect(live.prepare("SELECT count(*) FROM msg_search WHERE msg_search MATCH 'the'").pluck().get()).to.equal(matches);
    live.exec("INSERT INTO msg_search(msg_search) VALUES ('integrity-check')");
    live.close();
  });

  it('rows another process writes right after the commit do not make a finished restore fail (counts are checked before the commit)', async () => {
    changeDemoData(ws.db);
    let wrote = false;
    const result = await restoreBackup({
      config: await ws.config(),
      file: backup.name,
      now: () => LATER,
      onProgress: (event) => {
        // The restore stage ends once the commit is done and the restore's connection closed.
        if (event.stage === 'restore' && event.phase === 'end' && !wrote) {
          const other = openDb(ws.db);
          other.prepare("INSERT INTO conv_chats (id, title, created_at, updated_at) VALUES ('chat_new', 'written after', 'x', 'x')").run();
          other.close();
          wrote = true;
        }
      },
    });
    expect(wrote).to.equal(true);
    const chats = backup.manifest.tables.find((t) => t.name === 'conv_chats')!.rows;
    expect(tableCounts(ws.db)['conv_chats']).to.equal(chats + 1);
    expect(result.after.integrity?.ok).to.equal(true);
  });

  for (const [label, damage] of [
    ['pages overwritten', async (file: string) => {
      const handle = await open(file, 'r+');
      await handle.write(Buffer.alloc(100 * 4096, 0xa5), 0, 100 * 4096, 20 * 4096);
      await handle.close();
    }],
    ['its header overwritten', (file: string) => writeFile(file, Buffer.alloc(4096, 0x5a))],
  ] as const) {
    it(`over a damaged database (${label}): the damaged file is kept byte for byte beside it and the backup takes its place, with its mode and owner`, async () => {
      const db = openDb(ws.db);
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
      await damage(ws.db);
      // An agent running as another user, or sharing a group: the file keeps its access.
      await chmod(ws.db, 0o664);
      const root = process.getuid?.() === 0;
      if (root) await chown(ws.db, 65534, 65534);
      const damaged = await readFile(ws.db);
      const result = await restoreBackup({ config: await ws.config(), file: backup.name, now: () => LATER });
      expect(contentDigest(ws.db)).to.equal(original);
      expect(journalMode(ws.db)).to.equal('wal');
      const info = await stat(ws.db);
      expect(info.mode & 0o777).to.equal(0o664);
      if (root) expect([info.uid, info.gid]).to.deep.equal([65534, 65534]);
      expect(result.safetyBackup).to.equal(null);
      expect(path.basename(result.damagedCopy ?? '')).to.match(/^acode\.db\.damaged-\d{8}T\d{6}Z$/);
      expect(await readFile(result.damagedCopy!)).to.deep.equal(damaged);
      expect(await leftovers(path.dirname(ws.db))).to.deep.equal([]);
    });
  }

  it('over a database whose pages are garbage: no notice of a safety backup that is then not kept (it promised one)', async () => {
    const db = openDb(ws.db);
    db.pragma('journal_mode = DELETE');
    db.close();
    const handle = await open(ws.db, 'r+');
    await handle.write(randomBytes(30 * 4096), 0, 30 * 4096, 40 * 4096);
    await handle.close();
    const notices: string[] = [];
    const result = await restoreBackup({ config: await ws.config(), file: backup.name, now: () => LATER, onNotice: (n) => notices.push(n) });
    expect(result.damagedCopy).to.not.equal(null);
    expect(result.safetyBackup).to.equal(null);
    expect(notices.filter((n) => n.includes('safety backup'))).to.deep.equal([]);
    expect(contentDigest(ws.db)).to.equal(original);
  });

  it('over a damaged database another process has open: ACODE-BAK-010, exit 3, the file not swapped under it (its writes would go to the old file)', async function () {
    if (process.platform !== 'linux') this.skip();
    const db = openDb(ws.db);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    await writeFile(ws.db, Buffer.alloc(4096, 0x5a));
    const damaged = await readFile(ws.db);
    const holder = spawn(process.execPath, ['-e', `require('fs').openSync(${JSON.stringify(ws.db)}, 'r+'); console.log('open'); setInterval(() => {}, 1000)`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise((resolve) => holder.stdout.once('data', resolve));
      const err = await failure(restoreBackup({ config: await ws.config(), file: backup.name, now: () => LATER }));
      expect(err).to.include({ code: 'ACODE-BAK-010', exitCode: 3 });
      expect(err.message).to.equal(`Database is busy: ${ws.db} is damaged and another process has it open (pid ${holder.pid}); replacing the file under them would lose what they write, so nothing was restored`);
      expect(await readFile(ws.db)).to.deep.equal(damaged);
      expect((await listDir(path.dirname(ws.db))).filter((f) => f.includes('.damaged-'))).to.deep.equal([]);
    } finally {
      holder.kill('SIGKILL');
      await new Promise((resolve) => holder.once('close', resolve));
    }
    // Once it is gone, the restore goes ahead.
    await restoreBackup({ config: await ws.config(), file: backup.name, now: () => LATER });
    expect(contentDigest(ws.db)).to.equal(original);
  });

  it('a database behind a symbolic link (kept on another disk): a damaged one is replaced where the link points, and a link to nothing gets the database there', async () => {
    const real = path.join(ws.dir, 'elsewhere');
    await mkdir(real);
    const target = path.join(real, 'acode.db');
    const db = openDb(ws.db);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    await copyFile(ws.db, target);
    for (const f of ['', '-wal', '-shm']) await rm(`${ws.db}${f}`, { force: true });
    await symlink(target, ws.db);
    await writeFile(target, Buffer.alloc(4096, 0x5a));
    const result = await restoreBackup({ config: await ws.config(), file: backup.name, now: () => LATER });
    // The link stays a link (it became a regular file, and the damaged file stayed as it was).
    expect((await lstat(ws.db)).isSymbolicLink()).to.equal(true);
    expect(contentDigest(target)).to.equal(original);
    expect(path.dirname(result.damagedCopy!)).to.equal(real);
    // A link whose file is gone: the restore puts the database where it points (it said
    // "appeared while restoring; nothing was replaced", exit 3).
    for (const f of ['', '-wal', '-shm']) await rm(`${target}${f}`, { force: true });
    await restoreBackup({ config: await ws.config(), file: backup.name, now: () => LATER });
    expect((await lstat(ws.db)).isSymbolicLink()).to.equal(true);
    expect(contentDigest(target)).to.equal(original);
  });

  it('a relative link inside a linked folder is followed from where it really is, and a link into a folder that is not there (a disk not mounted) is ACODE-DB-001, no folder made', async () => {
    // .agent kept on another disk, the database a relative link beside it: `..` is the other
    // disk's, not the workspace's (the restore went into a new folder in the workspace).
    const store = path.join(ws.dir, 'store');
    await mkdir(path.join(store, 'agent'), { recursive: true });
    await mkdir(path.join(store, 'data'));
    const db = openDb(ws.db);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    await copyFile(ws.db, path.join(store, 'data', 'real.db'));
    await mkdir(path.join(store, 'agent', 'backups'));
    await copyFile(backup.path, path.join(store, 'agent', 'backups', backup.name));
    await copyFile(`${backup.path}.manifest.json`, path.join(store, 'agent', 'backups', `${backup.name}.manifest.json`));
    const agent = path.dirname(ws.db);
    await rm(agent, { recursive: true });
    await symlink(path.join(store, 'agent'), agent);
    await symlink('../data/real.db', path.join(store, 'agent', 'acode.db'));
    changeDemoData(path.join(store, 'data', 'real.db'));
    await restoreBackup({ config: await ws.config(), file: backup.name, now: () => LATER });
    expect(contentDigest(path.join(store, 'data', 'real.db'))).to.equal(original);
    expect(await listDir(ws.dir)).to.not.include('data');
    // Dangling, into a folder that is not there: nothing made under the mount point.
    await rm(path.join(store, 'agent', 'acode.db'));
    await symlink(path.join(ws.dir, 'unmounted', 'usb', 'acode.db'), path.join(store, 'agent', 'acode.db'));
    const err = await failure(restoreBackup({ config: await ws.config(), file: backup.name, now: () => LATER }));
    expect(err).to.include({ code: 'ACODE-DB-001', exitCode: 3 });
    expect(await listDir(ws.dir)).to.not.include('unmounted');
  });

  it('the library with a relative workspace (parseConfig(\'\', { workspace: \'.\' })) makes the .agent folder of a new workspace', async () => {
    const fresh = path.join(ws.dir, 'fresh');
    await mkdir(fresh);
    const cwd = process.cwd();
    process.chdir(fresh);
    try {
      await restoreBackup({ config: parseConfig('', { workspace: '.', file: null }), file: backup.path, now: () => LATER });
    } finally {
      process.chdir(cwd);
    }
    expect(contentDigest(path.join(fresh, '.agent', 'acode.db'))).to.equal(original);
  });

  it('no database and no folder for it (a typo in database.path): ACODE-DB-001, exit 3, no folder made; the workspace\'s own .agent folder is made', async () => {
    await writeFile(ws.configFile, `database:\n  path: ${path.join(ws.dir, 'typo', 'dir', 'acode.db')}\n`);
    const err = await failure(restoreBackup({ config: await ws.config(), file: backup.path }));
    expect(err).to.include({ code: 'ACODE-DB-001', exitCode: 3 });
    expect(err.message).to.equal(`Database not found: no database at ${path.join(ws.dir, 'typo', 'dir', 'acode.db')}, and no folder ${path.join(ws.dir, 'typo', 'dir')} for one; nothing was restored`);
    expect(await listDir(ws.dir)).to.not.include('typo');
  });

  it('a UTF-16 database: its backup passes a test restore and restores over itself; over a UTF-8 database it is refused, saying why', async () => {
    const u16 = await createWorkspace({ database: 'none' });
    try {
      const db = openDb(u16.db);
      db.exec("PRAGMA encoding = 'UTF-16le'; CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('ünïcödé'), ('plain');");
      db.close();
      const config = await u16.config();
      const made = await createBackup({ config, now: () => NOW });
      // The test restore was "INVALID: attached databases must use the same text encoding".
      const checked = await verifyBackup({ config, file: made.name, testRestore: true });
      expect(checked.valid).to.equal(true);
      const writer = openDb(u16.db);
      writer.exec("UPDATE notes SET body = 'changed'");
      writer.close();
      await restoreBackup({ config, file: made.name, now: () => LATER });
      const restored = openToRead(u16.db);
      expect(restored.prepare('SELECT body FROM notes ORDER BY id').pluck().all()).to.deep.equal(['ünïcödé', 'plain']);
      restored.close();

      await rm(u16.db);
      const utf8 = openDb(u16.db);
      utf8.exec('CREATE TABLE other (x)');
      utf8.close();
      const err = await failure(restoreBackup({ config, file: made.name, now: () => new Date('2024-01-20T16:00:00Z') }));
      expect(err).to.include({ code: 'ACODE-BAK-002', exitCode: 3 });
      expect(err.message).to.equal("Restore failed: the backup's text is UTF-16le and the live database's UTF-8: SQLite copies rows only between databases of one encoding; nothing was restored");
      const untouched = openToRead(u16.db);
      expect(untouched.prepare('SELECT name FROM sqlite_schema').pluck().all()).to.deep.equal(['other']);
      untouched.close();
    } finally {
      await removeTempDir(u16.dir);
    }
  });

  it('a backup whose checksum does not match is refused with ACODE-BAK-004 (exit 4), nothing changed', async () => {
    changeDemoData(ws.db);
    const before = contentDigest(ws.db);
    await editManifest(backup.path, (m) => (m['file']['sha256'] = 'e'.repeat(64)));
    const err = await failure(restoreBackup({ config: await ws.config(), file: backup.path }));
    expect(err).to.include({ code: 'ACODE-BAK-004', exitCode: 4 });
    expect(err.message).to.equal(`Checksum mismatch: ${backup.name}: sha256 is ${backup.manifest.file.sha256.slice(0, 16)}…, manifest says eeeeeeeeeeeeeeee…; nothing was restored`);
    expect(contentDigest(ws.db)).to.equal(before);
    expect(await listDir(ws.backups)).to.have.lengthOf(2);
  });

  it('a backup that fails its structure check is refused with ACODE-BAK-006, nothing changed', async () => {
    changeDemoData(ws.db);
    const before = contentDigest(ws.db);
    await editManifest(backup.path, (m) => (m['tables'][0]['rows'] += 5));
    const err = await failure(restoreBackup({ config: await ws.config(), file: backup.name }));
    expect(err).to.include({ code: 'ACODE-BAK-006', exitCode: 4 });
    expect(err.message).to.match(/^Not a valid backup: acode_backup_20240120_143045\.db fails its structure check: \w+ has \d+ rows, manifest says \d+; nothing was restored$/);
    expect(contentDigest(ws.db)).to.equal(before);
  });

  it('a declined confirmation is ACODE-BAK-013 and changes nothing', async () => {
    changeDemoData(ws.db);
    const before = contentDigest(ws.db);
    const asked: RestorePlan[] = [];
    const err = await failure(
      restoreBackup({
        config: await ws.config(),
        file: backup.name,
        confirm: async (plan) => {
          asked.push(plan);
          return false;
        },
      }),
    );
    expect(err).to.include({ code: 'ACODE-BAK-013', message: `Restore cancelled: restore of ${backup.name} cancelled`, exitCode: 3 });
    expect(asked.map((p) => [p.target, p.replacesExisting, p.backup.name])).to.deep.equal([[ws.db, true, backup.name]]);
    expect(contentDigest(ws.db)).to.equal(before);
    expect(await listDir(ws.backups)).to.have.lengthOf(2);
  });

  it('when the safety backup cannot be made nothing is restored (ACODE-BAK-002, exit 3)', async () => {
    changeDemoData(ws.db);
    const before = contentDigest(ws.db);
    await writeFile(ws.configFile, 'backup:\n  path: .agent/acode.db/backups\n');
    const err = await failure(restoreBackup({ config: await ws.config(), file: backup.path }));
    expect(err).to.include({ code: 'ACODE-BAK-002', exitCode: 3 });
    expect(err.message).to.match(/^Restore failed: the safety backup of the current database failed, so nothing was restored: Backup folder not writable: /);
    // Restore takes no --output-dir, which the backup command's hint named.
    expect(err.hint).to.equal(`the safety backup goes to the backup folder (backup.path, ${path.join(ws.db, 'backups')}): make it writable, or set backup.path to a folder that is, then run the restore again`);
    expect(contentDigest(ws.db)).to.equal(before);
  });

  it('no room for the safety backup is ACODE-BAK-009 (exit 3), as the README says, and nothing is restored', async function () {
    const small = path.join(ws.dir, 'small-backups');
    if (await mountTmpfs(small, 32 * 1024)) this.skip();
    try {
      changeDemoData(ws.db);
      const before = contentDigest(ws.db);
      await writeFile(ws.configFile, `backup:\n  path: ${small}\n`);
      const err = await failure(restoreBackup({ config: await ws.config(), file: backup.path }));
      expect(err).to.include({ code: 'ACODE-BAK-009', exitCode: 3 });
      expect(err.message).to.match(/^Not enough disk space: no room for the safety backup of the current database, so nothing was restored: /);
      expect(err.hint).to.equal(`the safety backup goes to the backup folder (backup.path, ${small}): free space there, then run the restore again`);
      expect(contentDigest(ws.db)).to.equal(before);
      expect(await leftovers(small)).to.deep.equal([]);
    } finally {
      unmount(small);
    }
  });

  it('over a damaged database with no room to keep its copy: ACODE-BAK-009 (exit 3), the database untouched, no cut copy at a final name', async function () {
    // Room for the database and half of it again: not for a copy of it.
    const disk = await damagedOnSmallDisk(ws, 1.5);
    if (!disk) return this.skip();
    const { small, live, damaged } = disk;
    try {
      const err = await failure(restoreBackup({ config: await ws.config(), file: backup.path, now: () => LATER }));
      expect(err).to.include({ code: 'ACODE-BAK-009', exitCode: 3 });
      expect(err.message).to.match(/^Not enough disk space: the live database is damaged and could not be replaced: ENOSPC/);
      expect(await readFile(live)).to.deep.equal(damaged);
      expect(await listDir(small)).to.deep.equal(['acode.db']);
    } finally {
      unmount(small);
    }
  });

  it('over a damaged database with room for its copy but not for the backup\'s: ACODE-BAK-009, and the copy is taken back (each retry left another)', async function () {
    // Room for the database and its kept copy, not for the backup copied in beside them.
    const disk = await damagedOnSmallDisk(ws, 2.5);
    if (!disk) return this.skip();
    const { small, live, damaged } = disk;
    try {
      for (const at of [LATER, new Date(LATER.getTime() + 60_000)]) {
        const err = await failure(restoreBackup({ config: await ws.config(), file: backup.path, now: () => at }));
        expect(err).to.include({ code: 'ACODE-BAK-009', exitCode: 3 });
        expect(err.hint).to.equal('the damaged database was left as it was; free space (the restore needs room for a copy of it and of the backup) or fix permissions, and run the restore again');
        expect(await readFile(live)).to.deep.equal(damaged);
        expect(await listDir(small)).to.deep.equal(['acode.db']);
      }
    } finally {
      unmount(small);
    }
  });

  it('a gzip backup with no room in TMPDIR for its uncompressed copy: ACODE-BAK-009 exit 3, and the hint names TMPDIR (it said the database\'s disk)', async function () {
    const small = path.join(ws.dir, 'small-tmp');
    if (await mountTmpfs(small, 64 * 1024)) this.skip();
    const saved = process.env['TMPDIR'];
    try {
      const gz = await createBackup({ config: await ws.config(), compress: true, now: () => LATER });
      process.env['TMPDIR'] = small;
      const err = await failure(restoreBackup({ config: await ws.config(), file: gz.path }));
      expect(err).to.include({ code: 'ACODE-BAK-009', exitCode: 3 });
      expect(err.hint).to.equal('free space there, or set TMPDIR to a folder with room for an uncompressed copy of the backup');
    } finally {
      if (saved === undefined) delete process.env['TMPDIR'];
      else process.env['TMPDIR'] = saved;
      unmount(small);
    }
  });

  it('an aborted restore rolls back: ACODE-BAK-002 "interrupted", live data unchanged', async () => {
    changeDemoData(ws.db);
    const before = contentDigest(ws.db);
    const controller = new AbortController();
    const err = await failure(
      restoreBackup({
        config: await ws.config(),
        file: backup.name,
        now: () => LATER,
        signal: controller.signal,
        onProgress: (e) => {
          if (e.stage === 'restore' && e.phase === 'update') controller.abort(Object.assign(new Error('stop'), { name: 'AbortError' }));
        },
      }),
    );
    expect(err).to.include({ code: 'ACODE-BAK-002', exitCode: 3 });
    expect(err.message).to.equal(`Restore failed: restoring ${backup.name} into ${ws.db} (the database is as it was: its safety backup was removed): interrupted`);
    expect(await listDir(ws.backups)).to.deep.equal([backup.name, `${backup.name}.manifest.json`]);
    expect(err.hint).to.equal('the live database was left as it was; run the restore again when you are ready');
    expect(contentDigest(ws.db)).to.equal(before);
  });

  it('an abort before anything is locked is ACODE-BAK-002 too, never an internal error', async () => {
    const controller = new AbortController();
    controller.abort(Object.assign(new Error('stop'), { name: 'AbortError' }));
    const err = await failure(restoreBackup({ config: await ws.config(), file: backup.name, signal: controller.signal }));
    expect(err).to.include({ code: 'ACODE-BAK-002', message: `Restore failed: restoring ${backup.name}: interrupted`, exitCode: 3 });
  });
});
