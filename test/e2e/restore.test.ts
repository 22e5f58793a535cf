import { spawn, spawnSync } from 'node:child_process';
import { chmod, copyFile, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { serializeManifest } from '../../lib/manifest.js';
import { DbChild } from '../support/children.js';
import { lines, runCli, spawnCli, type CliResult } from '../support/cli.js';
import { sampleManifest } from '../support/manifests.js';
import { cliPath } from '../support/paths.js';
import { contentDigest, openDb, tableCounts } from '../support/sqlite.js';
import { editManifest, sha256Of } from '../support/tamper.js';
import { leftovers, listDir, makeTempDir, removeTempDir } from '../support/temp.js';
import { makeUnwritableFolder, NOBODY, nobodyCanRunCli } from '../support/unwritable.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const BACKUP = 'acode_backup_20240120_143045.db';
const at = (iso: string): Record<string, string> => ({ ACODE_NOW: iso });

/**
 * Runs the CLI on a real pseudo-terminal (util-linux `script`), so stdin and stderr are TTYs as
 * for a user at a shell; types `answer` once the question is on screen. Output is the terminal's:
 * stdout and stderr together.
 */
function inTerminal(args: readonly string[], answer: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, cliPath, ...args].map(quote).join(' ');
  const childEnv: NodeJS.ProcessEnv = { TERM: 'dumb' };
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ACODE_')) childEnv[k] = v;
  const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...childEnv, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let answered = false;
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    output += d;
    if (!answered && output.includes('[y/N]')) {
      answered = true;
      child.stdin.write(`${answer}\r`);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, output: output.replace(/\r\n/g, '\n') });
    });
  });
}

function expectOk(r: CliResult): void {
  expect(r.code, `exit code; stderr:\n${r.stderr}`).to.equal(0);
}

/** "Make changes": a chat deleted, a setting changed, a credential added. */
function makeChanges(file: string): void {
  const db = openDb(file);
  db.exec(`
    DELETE FROM conv_messages WHERE run_id IN (SELECT id FROM conv_runs WHERE chat_id = (SELECT min(id) FROM conv_chats));
    DELETE FROM appr_approvals WHERE run_id IN (SELECT id FROM conv_runs WHERE chat_id = (SELECT min(id) FROM conv_chats));
    DELETE FROM conv_runs WHERE chat_id = (SELECT min(id) FROM conv_chats);
    DELETE FROM conv_chats WHERE id = (SELECT min(id) FROM conv_chats);
    UPDATE settings SET value = 'light' WHERE key = 'theme';
    INSERT INTO credentials (provider, api_key, created_at) VALUES ('mistral', 'not-a-real-key', '2024-01-20T15:00:00Z');
  `);
  db.close();
}

describe('e2e: acode db restore', function () {
  let ws: SeededWorkspace;
  let original: string;
  let elsewhere: string | undefined;
  const children: DbChild[] = [];
  const cli = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => runCli(args, { workspace: ws.dir, env });

  beforeEach(async () => {
    ws = await createWorkspace({ database: 'demo' });
    original = contentDigest(ws.db);
    expectOk(await cli(['db', 'backup'], at('2024-01-20T14:30:45Z')));
    makeChanges(ws.db);
  });
  afterEach(async () => {
    for (const c of children.splice(0)) await c.stop().catch(() => c.kill());
    await removeTempDir(ws.dir);
    await removeTempDir(elsewhere);
    elsewhere = undefined;
  });

  it('User Verification Step 3: backup, change, restore --yes → changes reverted, previous database saved', async () => {
    const changed = contentDigest(ws.db);
    const r = await cli(['db', 'restore', BACKUP, '--yes'], at('2024-01-20T15:00:00Z'));
    expectOk(r);
    expect(contentDigest(ws.db)).to.equal(original);
    const safety = 'acode_backup_20240120_150000_pre_restore.db';
    expect(contentDigest(path.join(ws.backups, safety))).to.equal(changed);
    const counts = tableCounts(ws.db);
    const records = Object.values(counts).reduce((a, b) => a + b, 0);
    expect(lines(r.stdout)).to.deep.equal([
      'Restore complete.',
      `  Restored: ${BACKUP} (8 tables, ${records.toLocaleString('en-US')} records)`,
      `Previous database saved as: ${safety}`,
    ]);
    expect(lines(r.stderr)).to.deep.equal([
      'Restoring from backup...',
      `  Source: ${BACKUP}`,
      '  Target: .agent/acode.db',
      '',
      '  Verifying source backup...',
      '    ✓ Checksum valid',
      '    ✓ Structure valid',
      '  Creating safety backup of current...',
      `    ✓ Safety backup of current database (${safety})`,
      '  Restoring...',
      '    ✓ Database replaced',
      '    ✓ Integrity verified',
      '',
    ]);
    // The safety backup is listed, marked, and kept by rotation.
    const list = await cli(['db', 'backup', 'list']);
    expect(lines(list.stdout)).to.include(`  1. ${safety} (before restore)`);
  });

  it('a secret deleted before the restore, lying in free pages, is gone from the file and from the next backup', async () => {
    // An agent's deletes leave rows in free pages (secure_delete is off by default); a restore
    // made to be rid of them kept those pages as they were, and every later backup copied them.
    const secret = `sk-${'Q'.repeat(20)}${Date.now()}`;
    const db = openDb(ws.db);
    const run = db.prepare('SELECT id FROM conv_runs LIMIT 1').pluck().get();
    const insert = db.prepare("INSERT INTO conv_messages (run_id, seq, role, content, created_at) VALUES (?, ?, 'user', ?, '2024-01-20')");
    db.transaction(() => {
      for (let i = 0; i < 200; i++) insert.run(run, 900_000 + i, `my key is ${secret} ${'x'.repeat(300)}`);
    })();
    db.prepare('DELETE FROM conv_messages WHERE seq >= 900000').run();
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const holds = async (file: string): Promise<boolean> => (await readFile(file)).includes(secret);
    expect(await holds(ws.db)).to.equal(true);
    expectOk(await cli(['db', 'restore', BACKUP, '--yes'], at('2024-01-20T15:00:00Z')));
    expectOk(await cli(['db', 'backup'], at('2024-01-20T15:10:00Z')));
    expect(await holds(path.join(ws.backups, 'acode_backup_20240120_151000.db'))).to.equal(false);
    const after = openDb(ws.db);
    after.pragma('wal_checkpoint(TRUNCATE)');
    after.close();
    expect(await holds(ws.db)).to.equal(false);
    expect(contentDigest(ws.db)).to.equal(original);
  });

  it('a WAL database: the check after the commit leaves no -wal and -shm beside it (no process has it open)', async () => {
    const db = openDb(ws.db);
    db.pragma('journal_mode = WAL');
    db.close();
    expectOk(await cli(['db', 'restore', BACKUP, '--yes'], at('2024-01-20T15:00:00Z')));
    expect((await listDir(path.dirname(ws.db))).filter((f) => /-(?:wal|shm)$/.test(f))).to.deep.equal([]);
    expect(contentDigest(ws.db)).to.equal(original);
  });

  it('a backup given by path outside the backup folder, gzip too', async () => {
    expectOk(await cli(['db', 'backup', '--compress'], at('2024-01-20T14:40:00Z')));
    elsewhere = await makeTempDir('usb');
    const gz = path.join(elsewhere, 'acode_backup_20240120_144000.db.gz');
    await copyFile(path.join(ws.backups, path.basename(gz)), gz);
    await copyFile(path.join(ws.backups, `${path.basename(gz)}.manifest.json`), `${gz}.manifest.json`);
    await rm(path.join(ws.backups, path.basename(gz)));
    const r = await cli(['db', 'restore', gz, '--yes'], at('2024-01-20T15:00:00Z'));
    expectOk(r);
    expect(lines(r.stderr)[1]).to.equal(`  Source: ${gz}`);
    expect(contentDigest(ws.db)).to.not.equal(original);
    expect(tableCounts(ws.db)).to.deep.equal(tableCounts(path.join(ws.backups, 'acode_backup_20240120_150000_pre_restore.db')));
  });

  it('without --yes and no terminal: ACODE-BAK-011, exit 64, nothing changed', async () => {
    const before = contentDigest(ws.db);
    const files = await listDir(ws.backups);
    const r = await cli(['db', 'restore', BACKUP]);
    expect(r.code).to.equal(64);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.equal(
      '✗ ACODE-BAK-011 Confirmation required: restore replaces the live database and this is not a terminal to ask on; nothing was changed — run it again with --yes to confirm\n',
    );
    expect(contentDigest(ws.db)).to.equal(before);
    expect(await listDir(ws.backups)).to.deep.equal(files);
  });

  for (const [answer, restored] of [['y', true], ['n', false], ['\x04', false]] as const) {
    const said = answer === '\x04' ? 'Ctrl-D' : `'${answer}'`;
    it(`on a terminal without --yes: asks, and ${said} ${restored ? 'restores' : 'cancels (ACODE-BAK-013, exit 3, nothing changed)'}`, async () => {
      const before = contentDigest(ws.db);
      const files = await listDir(ws.backups);
      const r = await inTerminal(['--workspace', ws.dir, 'db', 'restore', BACKUP], answer, at('2024-01-20T15:00:00Z'));
      expect(r.output).to.include('Current database will be replaced');
      expect(r.output).to.include(`Replace it with ${BACKUP}? [y/N]`);
      if (restored) {
        expect(r.code, r.output).to.equal(0);
        expect(r.output).to.include('Restore complete.');
        expect(contentDigest(ws.db)).to.equal(original);
        expect(contentDigest(path.join(ws.backups, 'acode_backup_20240120_150000_pre_restore.db'))).to.equal(before);
      } else {
        expect(r.code, r.output).to.equal(3);
        expect(r.output).to.include('ACODE-BAK-013');
        expect(r.output).to.include(`restore of ${BACKUP} cancelled — nothing was changed`);
        expect(contentDigest(ws.db)).to.equal(before);
        expect(await listDir(ws.backups)).to.deep.equal(files);
      }
    });
  }

  it('a manifest whose sha256 was edited: ACODE-BAK-004, exit 4, nothing changed', async () => {
    const before = contentDigest(ws.db);
    await editManifest(path.join(ws.backups, BACKUP), (m) => (m['file']['sha256'] = '0'.repeat(64)));
    const r = await cli(['db', 'restore', BACKUP, '--yes']);
    expect(r.code).to.equal(4);
    expect(lines(r.stderr).at(-1)).to.match(/^✗ ACODE-BAK-004 Checksum mismatch: acode_backup_20240120_143045\.db: sha256 is [0-9a-f]{16}…, manifest says 0{16}…; nothing was restored — /);
    expect(r.stderr, 'no ✓ for a checksum that did not match').to.not.include('Checksum valid');
    expect(contentDigest(ws.db)).to.equal(before);
  });

  it('a file that is not SQLite, with a manifest: ACODE-BAK-006, exit 4, nothing changed', async () => {
    const before = contentDigest(ws.db);
    const fake = path.join(ws.backups, 'acode_backup_20240101_000000.db');
    await writeFile(fake, 'plain text, not a database\n'.repeat(500));
    const size = (await stat(fake)).size;
    await writeFile(`${fake}.manifest.json`, serializeManifest(sampleManifest(path.basename(fake), { file: { name: path.basename(fake), size, sha256: await sha256Of(fake) } })));
    const r = await cli(['db', 'restore', path.basename(fake), '--yes']);
    expect(r.code).to.equal(4);
    expect(lines(r.stderr).at(-1)).to.equal(
      `✗ ACODE-BAK-006 Not a valid backup: ${fake} is not a SQLite backup (file is not a database) — the file is not an intact acode backup; use another one (\`acode db backup list\`)`,
    );
    expect(contentDigest(ws.db)).to.equal(before);
  });

  it('while another process holds a write transaction: ACODE-BAK-010, exit 3 with --wait 1, nothing changed', async () => {
    const before = contentDigest(ws.db);
    const { child } = await DbChild.start('write-lock', ws.db);
    children.push(child);
    const r = await cli(['db', 'restore', BACKUP, '--yes', '--wait', '1']);
    expect(r.code).to.equal(3);
    expect(lines(r.stderr).at(-1)).to.equal(
      `✗ ACODE-BAK-010 Database is busy: could not lock ${ws.db} for writing: database is locked — another process holds a lock on the database; stop it (or wait) and run the restore again`,
    );
    await child.ask('rollback', 'rolledBack');
    expect(contentDigest(ws.db)).to.equal(before);
  });

  it('while another process reads the WAL database: restored, and that process sees the restored rows', async () => {
    const { child } = await DbChild.start('reader', ws.db);
    children.push(child);
    expectOk(await cli(['db', 'restore', BACKUP, '--yes'], at('2024-01-20T15:00:00Z')));
    expect((await child.ask('digest', 'digest'))['digest']).to.equal(original);
    expect((await child.ask('counts', 'counts'))['integrity']).to.equal('ok');
  });

  it('a live database that reads but fails quick_check (a broken CHECK) is replaced through SQLite, not swapped under the process that has it open', async () => {
    const db = openDb(ws.db);
    db.pragma('ignore_check_constraints = ON');
    db.prepare("UPDATE conv_messages SET role = 'bogus' WHERE id = (SELECT min(id) FROM conv_messages)").run();
    db.close();
    const { child } = await DbChild.start('reader', ws.db);
    children.push(child);
    const r = await cli(['db', 'restore', BACKUP, '--yes'], at('2024-01-20T15:00:00Z'));
    expectOk(r);
    // Taken for damaged, the file was swapped: the reader kept the old one, and its writes went there.
    expect((await child.ask('digest', 'digest'))['digest']).to.equal(original);
    expect((await listDir(path.dirname(ws.db))).filter((f) => f.includes('.damaged-'))).to.deep.equal([]);
    expect(lines(r.stdout).at(-1)).to.equal('Previous database saved as: acode_backup_20240120_150000_pre_restore.db');
    expect(r.stderr).to.match(/⚠ the current database fails its integrity check \(.*\); its safety backup is a copy of it as it is, unchecked/);
  });

  it('with no live database: creates it, nothing to save', async () => {
    for (const f of ['', '-wal', '-shm']) await rm(`${ws.db}${f}`, { force: true });
    const r = await cli(['db', 'restore', BACKUP, '--yes']);
    expectOk(r);
    expect(lines(r.stdout).at(-1)).to.equal('There was no database before; nothing to save.');
    // Its steps under their headings ('✓ Database replaced' came under "Verifying source backup...").
    expect(lines(r.stderr).slice(4)).to.deep.equal(['  Verifying source backup...', '    ✓ Checksum valid', '    ✓ Structure valid', '  Restoring...', '    ✓ Database replaced', '    ✓ Integrity verified', '']);
    expect(contentDigest(ws.db)).to.equal(original);
    expect(await leftovers(path.dirname(ws.db))).to.deep.equal([]);
  });

  it('into a database folder acode may not write: ACODE-DB-007 naming that folder, exit 3 (was "Backup folder not writable … --output-dir")', async function () {
    elsewhere = await makeTempDir('usb');
    await chmod(elsewhere, 0o755);
    for (const f of [BACKUP, `${BACKUP}.manifest.json`]) {
      await copyFile(path.join(ws.backups, f), path.join(elsewhere, f));
      await chmod(path.join(elsewhere, f), 0o644);
    }
    await writeFile(ws.configFile, 'database:\n  path: ro/acode.db\n', { mode: 0o644 });
    await chmod(ws.configFile, 0o644);
    const ro = path.join(ws.dir, 'ro');
    const folder = await makeUnwritableFolder(ro, ws);
    if (typeof folder === 'string') {
      this.test!.title += ` — pending: ${folder}`;
      return this.skip();
    }
    try {
      const r = await runCli(['db', 'restore', path.join(elsewhere, BACKUP), '--yes'], { workspace: ws.dir, ...folder.as });
      expect(r.code, r.stderr).to.equal(3);
      const last = lines(r.stderr).at(-1)!;
      expect(last.startsWith(`✗ ACODE-DB-007 Database not accessible: cannot write ${ro}/acode.db: ${folder.refusal}`), last).to.equal(true);
      expect(last.endsWith(` — give acode write access to ${ro} and the database file in it, then run the restore again; nothing was restored`), last).to.equal(true);
      expect(await listDir(ro)).to.deep.equal([]);
    } finally {
      folder.cleanup();
    }
  });

  it('over a damaged database another user\'s process may have open (its open files hidden from acode): ACODE-BAK-010, exit 3, not swapped', async function () {
    const postgres = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    if (process.getuid?.() !== 0 || !nobodyCanRunCli() || postgres.status !== 0) {
      this.test!.title += ' — pending: needs root, a CLI user nobody can run, and a postgres user';
      return this.skip();
    }
    const pgUid = Number(postgres.stdout.trim());
    elsewhere = await makeTempDir('usb');
    await chmod(elsewhere, 0o755);
    for (const f of [BACKUP, `${BACKUP}.manifest.json`]) {
      await copyFile(path.join(ws.backups, f), path.join(elsewhere, f));
      await chmod(path.join(elsewhere, f), 0o644);
    }
    const db = openDb(ws.db);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    await writeFile(ws.db, Buffer.alloc(4096, 0x5a));
    for (const f of ['-wal', '-shm']) await rm(`${ws.db}${f}`, { force: true });
    await chmod(ws.dir, 0o777);
    await chmod(path.dirname(ws.db), 0o777);
    await chmod(ws.db, 0o666);
    const damaged = await readFile(ws.db);
    const holder = spawn(process.execPath, ['-e', `require('fs').openSync(${JSON.stringify(ws.db)}, 'r+'); console.log('open'); setInterval(() => {}, 1000)`], { uid: pgUid, gid: pgUid, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise((resolve) => holder.stdout!.once('data', resolve));
      const r = await runCli(['db', 'restore', path.join(elsewhere, BACKUP), '--yes'], { workspace: ws.dir, ...NOBODY });
      expect(r.code, r.stderr).to.equal(3);
      // The file may be written by anyone (0666): every process of another user counts.
      expect(lines(r.stderr).at(-1)).to.match(/^✗ ACODE-BAK-010 Database is busy: .* is damaged, and acode cannot see whether (?:a process|\d+ processes) of another user that may write it \(pid [\d, ]+\) ha(?:s|ve) it open; /);
      expect(await readFile(ws.db)).to.deep.equal(damaged);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('a backup that is not there: ACODE-BAK-005, exit 4', async () => {
    const r = await cli(['db', 'restore', 'acode_backup_19990101_000000.db', '--yes']);
    expect(r.code).to.equal(4);
    expect(lines(r.stderr).at(-1)).to.match(/^✗ ACODE-BAK-005 Backup not found: acode_backup_19990101_000000\.db \(looked in /);
  });

  it('a backup\'s manifest named instead of the backup (a shell completes to either): ACODE-BAK-006 naming the backup, exit 4, nothing changed (was "has no ….manifest.json.manifest.json beside it")', async () => {
    const before = contentDigest(ws.db);
    const manifest = `${BACKUP}.manifest.json`;
    for (const [args, named] of [
      [['db', 'restore', manifest, '--yes'], BACKUP],
      [['db', 'restore', `.agent/backups/${manifest}`, '--yes'], `.agent/backups/${BACKUP}`],
      [['db', 'backup', 'verify', manifest], BACKUP],
    ] as const) {
      const r = await runCli(args, { workspace: ws.dir, cwd: ws.dir });
      expect(r.code, r.stderr).to.equal(4);
      expect(lines(r.stderr).at(-1)).to.equal(`✗ ACODE-BAK-006 Not a valid backup: ${manifest} is the manifest of ${BACKUP}, not a backup — name the backup itself: ${named}`);
    }
    expect(contentDigest(ws.db)).to.equal(before);
    expect(await listDir(ws.backups)).to.deep.equal([BACKUP, `${BACKUP}.manifest.json`]);
  });
});

describe('e2e: Ctrl-C during a restore', function () {
  let ws: SeededWorkspace;
  let changedDigest: string;
  let changedCounts: Record<string, number>;

  before(async () => {
    ws = await createWorkspace({ database: 'demo', seed: { targetBytes: 40_000_000, messageChars: [200, 4000] } });
    expectOk(await runCli(['db', 'backup'], { workspace: ws.dir, env: at('2024-01-20T14:30:45Z') }));
    makeChanges(ws.db);
    changedDigest = contentDigest(ws.db);
    changedCounts = tableCounts(ws.db);
  });
  after(() => removeTempDir(ws.dir));

  for (const [what, when, message] of [
    ['while verifying the backup', '  Verifying source backup...', `Restore failed: restoring ${BACKUP}: interrupted`],
    [
      'while replacing the data',
      '  Restoring...',
      `Restore failed: restoring ${BACKUP} into /WS/.agent/acode.db (the database is as it was: its safety backup was removed): interrupted`,
    ],
  ] as const) {
    it(`${what}: exit 3, ACODE-BAK-002 interrupted, live data unchanged`, async () => {
      const run = spawnCli(['db', 'restore', BACKUP, '--yes'], { workspace: ws.dir, env: at('2024-01-20T15:00:00Z') });
      await run.waitForStderr(when);
      run.child.kill('SIGINT');
      const r = await run.done;
      expect(r.code, r.stderr).to.equal(3);
      expect(r.stdout).to.equal('');
      expect(lines(r.stderr).at(-1)).to.equal(
        `✗ ACODE-BAK-002 ${message.replace('/WS', ws.dir)} — the live database was left as it was; run the restore again when you are ready`,
      );
      expect(tableCounts(ws.db)).to.deep.equal(changedCounts);
      expect(contentDigest(ws.db)).to.equal(changedDigest);
      expect(await leftovers(ws.backups)).to.deep.equal([]);
      expect(await leftovers(path.dirname(ws.db))).to.deep.equal([]);
      await rm(path.join(ws.backups, 'acode_backup_20240120_150000_pre_restore.db'), { force: true });
      await rm(path.join(ws.backups, 'acode_backup_20240120_150000_pre_restore.db.manifest.json'), { force: true });
    });
  }
});
