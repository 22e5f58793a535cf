import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { formatBytes } from '../../cli/format.js';
import { makeUnwritableFolder } from '../support/unwritable.js';
import { lines, runCli, type CliResult } from '../support/cli.js';
import { cliPath } from '../support/paths.js';
import { editManifest, flipByte, sha256Of } from '../support/tamper.js';
import { leftovers, listDir, removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const at = (iso: string): Record<string, string> => ({ ACODE_NOW: iso });
const T1 = '2024-01-20T14:30:45Z';

function expectOk(r: CliResult): void {
  expect(r.code, `exit code; stderr:\n${r.stderr}`).to.equal(0);
}

describe('e2e: acode db backup', function () {
  let ws: SeededWorkspace;
  const cli = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => runCli(args, { workspace: ws.dir, env });

  beforeEach(async () => {
    ws = await createWorkspace({ database: 'demo' });
  });
  afterEach(() => removeTempDir(ws.dir));

  describe('User Verification Step 1: create a backup', () => {
    it('writes the file and its manifest and prints the spec report', async () => {
      const dbSize = (await stat(ws.db)).size;
      const r = await cli(['db', 'backup'], at(T1));
      expectOk(r);
      const name = 'acode_backup_20240120_143045.db';
      const file = path.join(ws.backups, name);
      expect(await listDir(ws.backups)).to.deep.equal([name, `${name}.manifest.json`]);
      const manifest = JSON.parse(await readFile(`${file}.manifest.json`, 'utf8')) as { file: { sha256: string; size: number }; tables: { rows: number }[] };
      const sha = await sha256Of(file);
      expect(manifest.file.sha256).to.equal(sha);
      const records = manifest.tables.reduce((n, t) => n + t.rows, 0);
      expect(lines(r.stdout)).to.deep.equal([
        `Backup complete: ${name}`,
        '  Location: .agent/backups',
        `  Size: ${formatBytes(manifest.file.size)}`,
        `  Checksum: sha256:${sha}`,
        `  Tables: 8, records: ${records.toLocaleString('en-US')}`,
      ]);
      expect(lines(r.stderr)).to.deep.equal([
        'Creating backup...',
        `  Source: .agent/acode.db (${formatBytes(dbSize)})`,
        `  Target: .agent/backups/${name}`,
        '',
        '  ✓ Database opened',
        `  ✓ Copying data (${(manifest.file.size / 4096).toLocaleString('en-US')} pages)`,
        '  ✓ Integrity checked (quick_check)',
        '  ✓ Checksum computed',
        '  ✓ Manifest created',
        '  ✓ Old backups rotated (0 removed, 1 kept)',
        '',
      ]);
    });

    it('--quiet prints nothing; --json prints one parseable result', async () => {
      const quiet = await cli(['--quiet', 'db', 'backup'], at(T1));
      expectOk(quiet);
      expect(quiet.stdout).to.equal('');
      expect(quiet.stderr).to.equal('');
      const json = await cli(['--json', 'db', 'backup', '--compress', '--tag', 'nightly'], at('2024-01-21T00:00:00Z'));
      expectOk(json);
      expect(json.stderr).to.equal('');
      const parsed = JSON.parse(json.stdout) as { ok: boolean; backup: { name: string; path: string }; manifest: { tag: string; compression: string }; rotated: string[] };
      expect(parsed.ok).to.equal(true);
      expect(parsed.backup.name).to.equal('acode_backup_20240121_000000.db.gz');
      expect(parsed.backup.path).to.equal(path.join(ws.backups, 'acode_backup_20240121_000000.db.gz'));
      expect(parsed.manifest).to.include({ tag: 'nightly', compression: 'gzip' });
      expect(parsed.rotated).to.deep.equal([]);
    });

    it('backup.verify: false in the config skips the check, as --no-verify does; --no-verify still wins over verify: true', async () => {
      await writeFile(ws.configFile, 'backup:\n  verify: false\n');
      const r = await cli(['db', 'backup', '--json'], at(T1));
      expectOk(r);
      expect((JSON.parse(r.stdout) as { manifest: { check: unknown } }).manifest.check).to.equal(null);
      await writeFile(ws.configFile, 'backup:\n  verify: true\n');
      const checked = await cli(['db', 'backup', '--json'], at('2024-01-20T14:31:45Z'));
      expect((JSON.parse(checked.stdout) as { manifest: { check: unknown } }).manifest.check).to.equal('quick_check');
      const skipped = await cli(['db', 'backup', '--no-verify'], at('2024-01-20T14:32:45Z'));
      expectOk(skipped);
      expect(lines(skipped.stderr)).to.include('  ✓ Copy sealed (check skipped)');
      // --full asks for the full check, whatever the config says.
      await writeFile(ws.configFile, 'backup:\n  verify: false\n');
      const full = await cli(['db', 'backup', '--full', '--json'], at('2024-01-20T14:33:45Z'));
      expect((JSON.parse(full.stdout) as { manifest: { check: unknown } }).manifest.check).to.equal('integrity_check');
    });

    it('two backups in the same second do not collide: _HHMMSS.db and _HHMMSS_2.db', async () => {
      const first = await cli(['db', 'backup'], at(T1));
      const second = await cli(['db', 'backup'], at(T1));
      expectOk(first);
      expectOk(second);
      expect(lines(first.stdout)[0]).to.equal('Backup complete: acode_backup_20240120_143045.db');
      expect(lines(second.stdout)[0]).to.equal('Backup complete: acode_backup_20240120_143045_2.db');
      expect(lines(second.stderr)[2]).to.equal('  Target: .agent/backups/acode_backup_20240120_143045_2.db');
      expect(await listDir(ws.backups)).to.deep.equal([
        'acode_backup_20240120_143045.db',
        'acode_backup_20240120_143045.db.manifest.json',
        'acode_backup_20240120_143045_2.db',
        'acode_backup_20240120_143045_2.db.manifest.json',
      ]);
    });
  });

  describe('User Verification Step 2: list backups', () => {
    async function threeBackups(): Promise<string[]> {
      const names: string[] = [];
      for (const t of ['2024-01-18T10:00:00Z', '2024-01-19T10:00:00Z', T1]) {
        expectOk(await cli(['db', 'backup'], at(t)));
      }
      names.push('acode_backup_20240120_143045.db', 'acode_backup_20240119_100000.db', 'acode_backup_20240118_100000.db');
      return names;
    }

    it('shows control characters in names and manifest fields as \\xNN: a crafted tag cannot clear the screen or print a fake line', async () => {
      await threeBackups();
      await editManifest(path.join(ws.backups, 'acode_backup_20240119_100000.db'), (m) => (m['tag'] = '\u001b[2Jtag\nFAKE: all backups valid\u009b'));
      const r = await cli(['db', 'backup', 'list']);
      expect(r.stdout).to.not.match(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
      expect(lines(r.stdout)).to.include('       Tag: \\x1b[2Jtag\\x0aFAKE: all backups valid\\x9b');
    });

    it('lists every backup, newest first, with a total', async () => {
      const names = await threeBackups();
      const sizes = await Promise.all(names.map(async (n) => (await stat(path.join(ws.backups, n))).size));
      const r = await cli(['db', 'backup', 'list']);
      expectOk(r);
      expect(r.stderr).to.equal('');
      expect(lines(r.stdout)).to.deep.equal([
        'Available Backups',
        '═══════════════════════════════════',
        '  1. acode_backup_20240120_143045.db',
        `       Size: ${formatBytes(sizes[0]!)}`,
        '       Created: 2024-01-20 14:30:45 UTC',
        '       Checksum: ✓ valid',
        '',
        '  2. acode_backup_20240119_100000.db',
        `       Size: ${formatBytes(sizes[1]!)}`,
        '       Created: 2024-01-19 10:00:00 UTC',
        '       Checksum: ✓ valid',
        '',
        '  3. acode_backup_20240118_100000.db',
        `       Size: ${formatBytes(sizes[2]!)}`,
        '       Created: 2024-01-18 10:00:00 UTC',
        '       Checksum: ✓ valid',
        '',
        `Total: 3 backups (${formatBytes(sizes[0]! + sizes[1]! + sizes[2]!)})`,
      ]);
    });

    it('shows a tampered backup as ✗ mismatch, a copy without manifest as ? no manifest, a stray temp file as incomplete (in progress while it changed in the last 10 minutes)', async () => {
      await threeBackups();
      await flipByte(path.join(ws.backups, 'acode_backup_20240119_100000.db'), 5000);
      await copyFile(path.join(ws.backups, 'acode_backup_20240118_100000.db'), path.join(ws.backups, 'acode_backup_20240101_000000.db'));
      const ended = spawnSync(process.execPath, ['-e', '0']).pid!;
      const stray = `.acode_backup_20240120_150000.db.acode-tmp-${ended}-0badc0de`;
      await writeFile(path.join(ws.backups, stray), Buffer.alloc(4096));
      const elevenMinutesAgo = new Date(Date.now() - 11 * 60_000);
      await utimes(path.join(ws.backups, stray), elevenMinutesAgo, elevenMinutesAgo);
      // Its process is gone too, but it changed a moment ago: another container may be writing it.
      const recent = `.acode_backup_20240120_150001.db.acode-tmp-${ended}-0badc0df`;
      await writeFile(path.join(ws.backups, recent), Buffer.alloc(4096));

      const r = await cli(['db', 'backup', 'list']);
      expectOk(r);
      const out = lines(r.stdout);
      const statusOf = (name: string): string => out[out.findIndex((l) => l.endsWith(`. ${name}`)) + 3]!;
      expect(statusOf('acode_backup_20240120_143045.db')).to.equal('       Checksum: ✓ valid');
      expect(statusOf('acode_backup_20240119_100000.db')).to.match(/^ {7}Checksum: ✗ mismatch \(sha256 is [0-9a-f]{16}…, manifest says [0-9a-f]{16}…\)$/);
      expect(statusOf('acode_backup_20240101_000000.db')).to.equal('       Checksum: ? no manifest');
      expect(out.filter((l) => l.includes(stray))).to.deep.equal([`  ! ${stray}`]);
      expect(out[out.indexOf(`  ! ${stray}`) + 1]).to.equal('       incomplete: left by a backup that did not finish; `acode db backup prune` removes it (4.1 kB)');
      expect(out[out.indexOf(`  ! ${recent}`) + 1]).to.equal('       backup in progress (it changed in the last 10 minutes, or in the last day and its process runs) (4.1 kB)');
      expect(out[out.findIndex((l) => l.endsWith('. acode_backup_20240101_000000.db')) + 4]).to.equal('       Not trusted as a backup: restore refuses it; `acode db backup delete acode_backup_20240101_000000.db` removes it');
      expect(out.filter((l) => /^ {2}\d+\. /.test(l)).map((l) => l.trim())).to.deep.equal([
        '1. acode_backup_20240120_143045.db',
        '2. acode_backup_20240119_100000.db',
        '3. acode_backup_20240118_100000.db',
        '4. acode_backup_20240101_000000.db',
      ]);
      // The file without a manifest is not counted as a backup.
      expect(out.at(-1)).to.match(/^Total: 3 backups \([\d.]+ [kM]B\), and 1 file without a readable manifest \([\d.]+ [kM]B\)$/);

      const json = await cli(['--json', 'db', 'backup', 'list']);
      expectOk(json);
      const parsed = JSON.parse(json.stdout) as { backups: { name: string; status: string }[]; strays: { name: string; kind: string; inProgress: boolean }[]; total: { count: number }; withoutManifest: { count: number } };
      expect(parsed.backups.map((b) => [b.name, b.status])).to.deep.equal([
        ['acode_backup_20240120_143045.db', 'valid'],
        ['acode_backup_20240119_100000.db', 'mismatch'],
        ['acode_backup_20240118_100000.db', 'valid'],
        ['acode_backup_20240101_000000.db', 'no-manifest'],
      ]);
      expect(parsed.strays.map((s) => [s.name, s.kind, s.inProgress])).to.deep.equal([
        [stray, 'temporary', false],
        [recent, 'temporary', true],
      ]);
      expect([parsed.total.count, parsed.withoutManifest.count]).to.deep.equal([3, 1]);
    });

    it('--config from a pipe (/dev/stdin, as <(…) gives one) is read; a FIFO at the workspace\'s own config name is refused at once', async () => {
      await threeBackups();
      // A shell's pipes are FIFOs (the test runner's stdin is a socket): go through bash, as a user does.
      for (const how of [`--config <(printf 'backup:\\n  path: .agent/backups\\n')`, `--config /dev/stdin < <(printf 'backup:\\n  path: .agent/backups\\n')`]) {
        const listed = execFileSync('bash', ['-c', `"${process.execPath}" "${cliPath}" --workspace "${ws.dir}" ${how} db backup list`], { encoding: 'utf8' });
        expect(lines(listed).at(-1), how).to.match(/^Total: 3 backups \(/);
      }
      execFileSync('mkfifo', [ws.configFile]);
      const fifo = await cli(['db', 'backup', 'list']);
      expect(fifo.code).to.equal(1);
      expect(lines(fifo.stderr)).to.deep.equal([`✗ ACODE-CFG-004 Config file unreadable: ${ws.configFile}: not a regular file — check the file exists and can be read`]);
    });

    it('--config naming a FIFO nothing writes to fails at once; one whose writer never finishes yields to Ctrl-C', async () => {
      const fifo = path.join(ws.dir, 'config.fifo');
      execFileSync('mkfifo', [fifo]);
      // Before: a blocking open on the thread pool waited for a writer, and no signal ended the process.
      const none = await cli(['--config', fifo, 'db', 'backup', 'list']);
      expect(none.code).to.equal(1);
      expect(lines(none.stderr)).to.deep.equal([`✗ ACODE-CFG-004 Config file unreadable: ${fifo}: a pipe nothing writes to — check the file exists and can be read`]);
      const child = spawn('bash', ['-c', `exec "${process.execPath}" "${cliPath}" --workspace "${ws.dir}" --config <(exec 2>/dev/null; sleep 60; echo 'backup: {}') db backup list`], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      await new Promise((resolve) => setTimeout(resolve, 1500));
      child.kill('SIGINT');
      expect(await exited).to.equal(1);
      expect(lines(stderr).at(-1)).to.match(/^✗ ACODE-CFG-004 Config file unreadable: reading \/dev\/fd\/\d+: interrupted — /);
    });

    it('an empty backup folder says how to make one', async () => {
      const r = await cli(['db', 'backup', 'list']);
      expectOk(r);
      expect(r.stdout).to.equal('No backups in .agent/backups. Create one with: acode db backup\n');
    });
  });

  describe('verify', () => {
    it('a sound backup: the spec report and "Backup is valid."', async () => {
      expectOk(await cli(['db', 'backup'], at(T1)));
      const r = await cli(['db', 'backup', 'verify', 'acode_backup_20240120_143045.db']);
      expectOk(r);
      const counts = ws.seeded!.rows;
      const records = Object.values(counts).reduce((a, b) => a + b, 0) + 3; // + schema_version rows
      expect(lines(r.stdout)).to.deep.equal([
        '  ✓ File exists',
        '  ✓ Checksum matches manifest',
        '  ✓ SQLite structure valid',
        '  ✓ Tables present: 8',
        `  ✓ Records: ${records.toLocaleString('en-US')}`,
        '',
        'Backup is valid.',
      ]);
      expect(lines(r.stderr)).to.deep.equal(['Verifying backup...', '  File: acode_backup_20240120_143045.db', '']);
    });

    it('a corrupted backup: exit 2, the failed checks named', async () => {
      expectOk(await cli(['db', 'backup'], at(T1)));
      await flipByte(path.join(ws.backups, 'acode_backup_20240120_143045.db'), 0);
      const r = await cli(['db', 'backup', 'verify', 'acode_backup_20240120_143045.db']);
      expect(r.code).to.equal(2);
      expect(lines(r.stdout).at(-1)).to.equal('Backup is INVALID.');
      expect(lines(r.stdout)[1]).to.match(/^ {2}✗ Checksum does not match manifest: sha256 is /);
      expect(lines(r.stderr).at(-1)).to.equal(
        '✗ ACODE-BAK-003 Verification failed: acode_backup_20240120_143045.db failed: checksum, structure — do not rely on this backup; create a new one with `acode db backup`',
      );
      // With --json: one document, the checks and the error together (it was two documents).
      const json = await cli(['--json', 'db', 'backup', 'verify', 'acode_backup_20240120_143045.db']);
      expect(json.code).to.equal(2);
      const doc = JSON.parse(json.stdout) as { ok: boolean; valid: boolean; checks: { name: string; ok: boolean }[]; error: { code: string } };
      expect(doc).to.include({ ok: false, valid: false });
      expect(doc.error.code).to.equal('ACODE-BAK-003');
      expect(doc.checks.filter((c) => !c.ok).map((c) => c.name)).to.deep.equal(['checksum', 'structure']);
    });

    it('a truncated gzip backup by path: exit 2; --test-restore on a sound one: exit 0', async () => {
      expectOk(await cli(['db', 'backup', '--compress'], at(T1)));
      const gz = path.join(ws.backups, 'acode_backup_20240120_143045.db.gz');
      const sound = await cli(['db', 'backup', 'verify', gz, '--test-restore']);
      expectOk(sound);
      expect(lines(sound.stdout).slice(-3)).to.deep.equal([
        `  ✓ Test restore into an isolated database: ${lines(sound.stdout)[4]!.replace('  ✓ Records: ', '')} records`,
        '',
        'Backup is valid.',
      ]);
      const size = (await stat(gz)).size;
      await writeFile(gz, (await readFile(gz)).subarray(0, Math.floor(size / 2)));
      const r = await cli(['db', 'backup', 'verify', gz]);
      expect(r.code).to.equal(2);
      expect(lines(r.stderr).at(-1)).to.match(/^✗ ACODE-BAK-003 Verification failed: acode_backup_20240120_143045\.db\.gz failed: checksum, structure — /);
    });

    it('--full runs integrity_check: an index that disagrees with its table (quick_check passes it) fails it, exit 2', async () => {
      expectOk(await cli(['db', 'backup'], at(T1)));
      const file = path.join(ws.backups, 'acode_backup_20240120_143045.db');
      // The index's entries stay those of chat_id while its definition now says created_at.
      const db = new Database(file);
      const sql = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'conv_runs_chat'").pluck().get() as string;
      db.unsafeMode(true); // lifts SQLITE_DBCONFIG_DEFENSIVE, which forbids writing sqlite_master
      db.pragma('writable_schema = ON');
      db.prepare("UPDATE sqlite_master SET sql = ? WHERE name = 'conv_runs_chat'").run(sql.replace(/\([^)]*\)\s*$/, '(created_at)'));
      db.close();
      const sha256 = await sha256Of(file);
      const size = (await stat(file)).size;
      await editManifest(file, (m) => Object.assign(m['file'], { sha256, size }));
      expectOk(await cli(['db', 'backup', 'verify', 'acode_backup_20240120_143045.db']));
      // --full after the subcommand's name was handed to `backup`'s own --full and ignored.
      const full = await cli(['db', 'backup', 'verify', 'acode_backup_20240120_143045.db', '--full']);
      expect(full.code, full.stdout).to.equal(2);
      expect(lines(full.stdout).at(-1)).to.equal('Backup is INVALID.');
      expect(lines(full.stderr).at(-1)).to.match(/^✗ ACODE-BAK-003 Verification failed: acode_backup_20240120_143045\.db failed: structure — /);
    });

    it('a manifest edited into bad JSON: exit 4, ACODE-BAK-007', async () => {
      expectOk(await cli(['db', 'backup'], at(T1)));
      await writeFile(path.join(ws.backups, 'acode_backup_20240120_143045.db.manifest.json'), '{ "format": ');
      const r = await cli(['db', 'backup', 'verify', 'acode_backup_20240120_143045.db']);
      expect(r.code).to.equal(4);
      expect(r.stdout).to.equal('');
      expect(lines(r.stderr).at(-1)).to.match(/^✗ ACODE-BAK-007 Backup manifest missing or unreadable: acode_backup_20240120_143045\.db\.manifest\.json: not valid JSON \(.+\) — a backup is only trusted/);
    });

    it('a backup that does not exist: exit 4, ACODE-BAK-005', async () => {
      const r = await cli(['db', 'backup', 'verify', 'acode_backup_19990101_000000.db']);
      expect(r.code).to.equal(4);
      expect(lines(r.stderr).at(-1)).to.equal(
        `✗ ACODE-BAK-005 Backup not found: acode_backup_19990101_000000.db (looked in ${ws.backups} and ${ws.dir}) — run \`acode db backup list\` to see the backups there are`,
      );
    });
  });

  describe('rotation, prune and delete', () => {
    it('with max_backups 3, five backups keep the three newest', async () => {
      await writeFile(ws.configFile, 'backup:\n  max_backups: 3\n');
      const outs: CliResult[] = [];
      for (let day = 1; day <= 5; day++) outs.push(await cli(['db', 'backup'], at(`2024-01-0${day}T12:00:00Z`)));
      for (const r of outs) expectOk(r);
      expect(lines(outs[3]!.stdout).at(-1)).to.equal('  Rotated out: acode_backup_20240101_120000.db');
      expect(lines(outs[4]!.stdout).at(-1)).to.equal('  Rotated out: acode_backup_20240102_120000.db');
      expect(await listDir(ws.backups)).to.deep.equal([
        'acode_backup_20240103_120000.db',
        'acode_backup_20240103_120000.db.manifest.json',
        'acode_backup_20240104_120000.db',
        'acode_backup_20240104_120000.db.manifest.json',
        'acode_backup_20240105_120000.db',
        'acode_backup_20240105_120000.db.manifest.json',
      ]);
    });

    it('prune --dry-run lists what would go and deletes nothing; prune then deletes it', async () => {
      for (let day = 1; day <= 4; day++) expectOk(await cli(['db', 'backup'], at(`2024-01-0${day}T12:00:00Z`)));
      const before = await listDir(ws.backups);
      const size = formatBytes((await stat(path.join(ws.backups, 'acode_backup_20240101_120000.db'))).size);
      const dry = await cli(['db', 'backup', 'prune', '--keep', '2', '--dry-run']);
      expectOk(dry);
      expect(await listDir(ws.backups)).to.deep.equal(before);
      expect(lines(dry.stdout)).to.deep.equal([
        `  Would remove: acode_backup_20240101_120000.db (${size})`,
        `  Would remove: acode_backup_20240102_120000.db (${size})`,
        `Would remove 2 backups (${formatBytes(2 * (await stat(path.join(ws.backups, 'acode_backup_20240101_120000.db'))).size)}); kept 2 backups.`,
      ]);
      const real = await cli(['db', 'backup', 'prune', '--keep', '2']);
      expectOk(real);
      expect(lines(real.stdout)[0]).to.equal(`  Removed: acode_backup_20240101_120000.db (${size})`);
      expect(await listDir(ws.backups)).to.deep.equal(before.slice(4));
    });

    it('prune --dir prunes a folder backups were made in with --output-dir', async () => {
      const usb = path.join(ws.dir, 'usb');
      for (const t of ['2024-01-01T12:00:00Z', '2024-01-02T12:00:00Z', '2024-01-03T12:00:00Z']) expectOk(await cli(['db', 'backup', '--output-dir', usb], at(t)));
      expectOk(await cli(['db', 'backup', 'prune', '--dir', usb, '--keep', '1']));
      expect(await listDir(usb)).to.deep.equal(['acode_backup_20240103_120000.db', 'acode_backup_20240103_120000.db.manifest.json']);
    });

    it('list --dir and prune --dir name a file of that folder by its path in the commands they suggest (its bare name deleted the backup folder\'s copy)', async () => {
      for (const t of ['2024-01-01T12:00:00Z', '2024-01-02T12:00:00Z', '2024-01-03T12:00:00Z']) expectOk(await cli(['db', 'backup'], at(t)));
      // The backups copied off-site by hand, as the spec's best practices ask: the same names there.
      const usb = path.join(ws.dir, 'usb copy');
      await mkdir(usb);
      for (const name of await listDir(ws.backups)) await copyFile(path.join(ws.backups, name), path.join(usb, name));
      const newest = 'acode_backup_20240103_120000.db';
      const oldest = 'acode_backup_20240101_120000.db';
      await flipByte(path.join(usb, newest), 100);
      await writeFile(path.join(usb, `${oldest}.manifest.json`), '{');
      const kept = await listDir(ws.backups);

      const listed = await cli(['db', 'backup', 'list', '--dir', usb]);
      expectOk(listed);
      const out = lines(listed.stdout);
      const quoted = (name: string): string => `'${path.join(usb, name)}'`;
      expect(out[out.findIndex((l) => l.endsWith(`. ${oldest}`)) + 4]).to.equal(`       Not trusted as a backup: restore refuses it; \`acode db backup delete ${quoted(oldest)}\` removes it`);

      const pruned = await cli(['db', 'backup', 'prune', '--dir', usb, '--dry-run']);
      expectOk(pruned);
      expect(lines(pruned.stderr)).to.include(
        `⚠ ${newest} does not match its manifest: left alone and not counted as kept; check it with \`acode db backup verify ${quoted(newest)}\`, delete it with \`acode db backup delete ${quoted(newest)}\``,
      );

      // The commands as printed, run by a shell: the copies in the other folder go, the backup folder keeps all.
      for (const name of [oldest, newest]) {
        const r = spawnSync('bash', ['-c', `"${process.execPath}" "${cliPath}" --workspace "${ws.dir}" db backup delete ${quoted(name)}`], { encoding: 'utf8' });
        expect(r.status, r.stderr).to.equal(0);
      }
      expect(await listDir(ws.backups)).to.deep.equal(kept);
      expect(await listDir(usb)).to.deep.equal(['acode_backup_20240102_120000.db', 'acode_backup_20240102_120000.db.manifest.json']);

      // A file without any manifest outside the backup folder is one `backup delete` refuses: the hint says rm.
      await copyFile(path.join(ws.backups, oldest), path.join(usb, oldest));
      const again = lines((await cli(['db', 'backup', 'list', '--dir', usb])).stdout);
      expect(again[again.findIndex((l) => l.endsWith(`. ${oldest}`)) + 4]).to.equal(`       Not trusted as a backup: restore refuses it; remove it by hand if it is not wanted (\`rm ${quoted(oldest)}\`)`);
    });

    it('a backup name that is a link to a missing file (a disk unmounted) is shown by list, left alone by prune, and not counted', async () => {
      for (let day = 1; day <= 3; day++) expectOk(await cli(['db', 'backup'], at(`2024-01-0${day}T12:00:00Z`)));
      const gone = path.join(ws.dir, 'usb', 'acode_backup_20240110_120000.db');
      await symlink(gone, path.join(ws.backups, 'acode_backup_20240110_120000.db'));
      await symlink(`${gone}.manifest.json`, path.join(ws.backups, 'acode_backup_20240110_120000.db.manifest.json'));
      const list = await cli(['db', 'backup', 'list']);
      expectOk(list);
      const out = lines(list.stdout);
      expect(out[out.indexOf('  ! acode_backup_20240110_120000.db') + 1]).to.equal(`       a link to ${gone}, which is missing: not counted, never pruned; mount or restore what it points to, or remove the link`);
      // In --json apart from strays, which a script may delete.
      const json = JSON.parse((await cli(['--json', 'db', 'backup', 'list'])).stdout) as { strays: unknown[]; unreachable: { name: string }[] };
      expect([json.strays, json.unreachable.map((u) => u.name)]).to.deep.equal([[], ['acode_backup_20240110_120000.db']]);
      expect(out.at(-1)).to.match(/^Total: 3 backups \(/);
      const prune = await cli(['db', 'backup', 'prune', '--keep', '1', '--json']);
      expectOk(prune);
      const doc = JSON.parse(prune.stdout) as Record<string, unknown>;
      expect(doc['removed']).to.deep.equal(['acode_backup_20240101_120000.db', 'acode_backup_20240102_120000.db']);
      expect(doc['unreachable']).to.deep.equal([{ name: 'acode_backup_20240110_120000.db', problem: `a link to ${gone}, which is missing` }]);
      expect(lines(prune.stderr)).to.deep.equal([`⚠ acode_backup_20240110_120000.db is a link to ${gone}, which is missing: left alone; mount or restore what it points to, or remove the link`]);
      expect(await listDir(ws.backups)).to.deep.equal([
        'acode_backup_20240103_120000.db',
        'acode_backup_20240103_120000.db.manifest.json',
        'acode_backup_20240110_120000.db',
        'acode_backup_20240110_120000.db.manifest.json',
      ]);
    });

    it('prune --json that fails on one backup still reports the ones it removed', async function () {
      for (let day = 1; day <= 3; day++) expectOk(await cli(['db', 'backup'], at(`2024-01-0${day}T12:00:00Z`)));
      const stuck = path.join(ws.backups, 'acode_backup_20240101_120000.db');
      if (spawnSync('chattr', ['+i', stuck]).status !== 0) return this.skip();
      try {
        const prune = await cli(['db', 'backup', 'prune', '--keep', '1', '--json']);
        expect(prune.code).to.equal(1);
        const doc = JSON.parse(prune.stdout) as { ok: boolean; removed: string[]; kept: string[]; failed: { code: string }[]; error: { code: string } };
        expect(doc.ok).to.equal(false);
        expect(doc.removed).to.deep.equal(['acode_backup_20240102_120000.db']);
        expect(doc.kept).to.deep.equal(['acode_backup_20240103_120000.db']);
        expect(doc.failed.map((f) => f.code)).to.deep.equal(['ACODE-BAK-016']);
        expect(doc.error.code).to.equal('ACODE-BAK-016');
      } finally {
        spawnSync('chattr', ['-i', stuck]);
      }
    });

    it('delete removes a backup and its manifest', async () => {
      expectOk(await cli(['db', 'backup'], at(T1)));
      expectOk(await cli(['db', 'backup'], at('2024-01-21T00:00:00Z')));
      const r = await cli(['db', 'backup', 'delete', 'acode_backup_20240120_143045.db']);
      expectOk(r);
      expect(r.stdout).to.equal('Deleted acode_backup_20240120_143045.db and its manifest.\n');
      expect(await listDir(ws.backups)).to.deep.equal(['acode_backup_20240121_000000.db', 'acode_backup_20240121_000000.db.manifest.json']);
    });

    it('delete refuses the live database and other files not named like backups (ACODE-BAK-012, exit 64)', async () => {
      const digest = await sha256Of(ws.db);
      const r = await cli(['db', 'backup', 'delete', ws.db]);
      expect(r.code).to.equal(64);
      expect(lines(r.stderr)).to.deep.equal([
        `✗ ACODE-BAK-012 Not an acode backup file: ${ws.db} is not named like an acode backup; refusing to delete it — only files named acode_backup_*.db[.gz] or acode_backup_*.dump in the backup folder can be deleted this way`,
      ]);
      expect(await sha256Of(ws.db)).to.equal(digest);
      await mkdir(ws.backups, { recursive: true });
      await writeFile(path.join(ws.backups, 'notes.txt'), 'keep me');
      const other = await cli(['db', 'backup', 'delete', 'notes.txt']);
      expect(other.code).to.equal(64);
      expect(other.stderr).to.match(/^✗ ACODE-BAK-012 /);
      expect(await readFile(path.join(ws.backups, 'notes.txt'), 'utf8')).to.equal('keep me');
      // Named like a backup but outside the backup folder, with no manifest: not ours to delete.
      const outside = path.join(ws.dir, 'elsewhere', 'acode_backup_20200101_000000.db');
      await mkdir(path.dirname(outside));
      await writeFile(outside, 'not a backup');
      const far = await cli(['db', 'backup', 'delete', outside]);
      expect(far.code).to.equal(64);
      expect(lines(far.stderr).at(-1)).to.match(/^✗ ACODE-BAK-012 Not an acode backup file: .* is outside the backup folder and has no manifest beside it; refusing to delete it — /);
      expect(await readFile(outside, 'utf8')).to.equal('not a backup');
      // A folder named like a backup, and a manifest: refused with what to do instead.
      await mkdir(path.join(ws.backups, 'acode_backup_20200102_000000.db'));
      const folder = await cli(['db', 'backup', 'delete', 'acode_backup_20200102_000000.db']);
      expect([folder.code, lines(folder.stderr).at(-1)]).to.deep.equal([64, '✗ ACODE-BAK-012 Not an acode backup file: acode_backup_20200102_000000.db is a folder, not a backup file; refusing to delete it — only files named acode_backup_*.db[.gz] or acode_backup_*.dump in the backup folder can be deleted this way']);
      const manifest = await cli(['db', 'backup', 'delete', 'acode_backup_20200103_000000.db.manifest.json']);
      expect(manifest.code).to.equal(64);
      expect(lines(manifest.stderr).at(-1)).to.match(/^✗ ACODE-BAK-012 Not an acode backup file: acode_backup_20200103_000000\.db\.manifest\.json is a backup's manifest; delete the backup itself .*`acode db backup prune` removes the manifest — /);
    });
  });

  describe('bad input', () => {
    it('a --dir that is not there, a --workspace that is a file and an ACODE_NOW that is no date are usage errors (they listed nothing, said ENOTDIR, or were ignored)', async () => {
      const cases: [string[], Record<string, string>, string][] = [
        [['db', 'backup', 'prune', '--dir', 'nowhere'], {}, '--dir nowhere: no such folder — give --dir the folder the backups are in'],
        [['db', 'backup', 'list', '--dir', '.agent/acode.db'], {}, '--dir .agent/acode.db: not a folder — give --dir the folder the backups are in'],
        [['--workspace', '.agent/acode.db', 'db', 'backup', 'list'], {}, '--workspace .agent/acode.db is not a folder — give --workspace the folder that holds .agent/'],
        [['db', 'backup'], { ACODE_NOW: 'garbage' }, "ACODE_NOW must be an ISO 8601 date-time from 1970 to 9999 (2024-01-20T14:30:45Z), got 'garbage' — fix ACODE_NOW, or unset it to use the clock"],
        // A backup named acode_backup_10101_000000.db, which list did not show and delete refused.
        [['db', 'backup'], { ACODE_NOW: '0001-01-01T00:00:00Z' }, "ACODE_NOW must be an ISO 8601 date-time from 1970 to 9999 (2024-01-20T14:30:45Z), got 0001-01-01T00:00:00.000Z — fix ACODE_NOW, or unset it to use the clock"],
        // An empty value (an unset variable) named the current folder: a full backup, secrets and
        // all, into a git checkout; or the configured folder, or no manifest at all.
        [['db', 'backup', '--output-dir', ''], {}, "option '-o, --output-dir <dir>' argument '' is invalid. expected a path, got an empty one — see `acode --help` or `acode <command> --help`"],
        [['db', 'backup', 'list', '--dir', ''], {}, "option '-d, --dir <dir>' argument '' is invalid. expected a path, got an empty one — see `acode --help` or `acode <command> --help`"],
        [['db', 'backup', 'prune', '--dir', ''], {}, "option '-d, --dir <dir>' argument '' is invalid. expected a path, got an empty one — see `acode --help` or `acode <command> --help`"],
        [['db', 'export', '--output', ''], {}, "option '-o, --output <path>' argument '' is invalid. expected a path, got an empty one — see `acode --help` or `acode <command> --help`"],
        [['db', 'export', '--output', '-', '--manifest', ''], {}, "option '--manifest <file>' argument '' is invalid. expected a path, got an empty one — see `acode --help` or `acode <command> --help`"],
        [['db', 'export', '--allow-scan-hit', ''], {}, "option '--allow-scan-hit <fingerprint>' argument '' is invalid. expected a fingerprint from the leak scan, got an empty one — see `acode --help` or `acode <command> --help`"],
        [['db', 'import', 'x.json', '--manifest', ''], {}, "option '--manifest <file>' argument '' is invalid. expected a path, got an empty one — see `acode --help` or `acode <command> --help`"],
        // The check asked for silently did not run ("Copy sealed (check skipped)").
        [['db', 'backup', '--full', '--no-verify'], {}, '--full and --no-verify contradict each other — give --full for the thorough check, or --no-verify for none'],
      ];
      for (const [args, env, why] of cases) {
        const r = await runCli(args, { cwd: ws.dir, env });
        expect(r.code, args.join(' ')).to.equal(64);
        expect(r.stderr, args.join(' ')).to.equal(`✗ ACODE-USE-001 Invalid usage: ${why}\n`);
      }
      expect(await listDir(ws.backups)).to.deep.equal([]);
      expect((await readdir(ws.dir)).filter((f) => f.startsWith('acode_'))).to.deep.equal([]);
    });

    it('usage errors are ACODE-USE-001, exit 64', async () => {
      const cases: [string[], string][] = [
        [['db', 'backup', '--frob'], "unknown option '--frob'"],
        [['db', 'frob'], "unknown command 'frob'"],
        [['db', 'backup', 'prune', '--keep', '0'], "option '-k, --keep <n>' argument '0' is invalid. expected a whole number of at least 1, got '0'"],
      ];
      for (const [args, why] of cases) {
        const r = await cli(args);
        expect(r.code, args.join(' ')).to.equal(64);
        expect(r.stdout, args.join(' ')).to.equal('');
        expect(r.stderr, args.join(' ')).to.equal(`✗ ACODE-USE-001 Invalid usage: ${why} — see \`acode --help\` or \`acode <command> --help\`\n`);
      }
      // A backup left out: what to name, `latest` included (it was commander's "missing required argument 'file'").
      for (const command of ['restore', 'backup verify']) {
        const r = await cli(['db', ...command.split(' ')]);
        expect(r.code, command).to.equal(64);
        expect(r.stderr, command).to.equal(
          `✗ ACODE-USE-001 Invalid usage: acode db ${command} needs a backup: its name in the backup folder, its path, or latest (the newest backup of this database) — \`acode db backup list\` shows the backups there are\n`,
        );
      }
      // Typos: commander's suggestion on the same line (it was "\x0a(Did you mean …)"), and a
      // misspelt subcommand named as one (it was "too many arguments for 'backup'").
      const typos: [string[], string, string][] = [
        [['db', 'backpu'], "unknown command 'backpu' (did you mean backup?)", 'see `acode --help` or `acode <command> --help`'],
        [['db', 'export', '--fromat', 'json'], "unknown option '--fromat' (did you mean --format?)", 'see `acode --help` or `acode <command> --help`'],
        [['db', 'backup', 'verfy', 'x.db'], "unexpected argument 'verfy' for 'db backup' (did you mean verify?)", "'db backup' takes options, or the subcommands list, verify, delete, prune: see `acode db backup --help`"],
        [['db', 'export', 'out.json'], "unexpected argument 'out.json' for 'db export' (a file to write goes after --output)", "'db export' takes options, or the subcommand verify: see `acode db export --help`"],
        [['db', 'backup', 'sk-abcdefghijklmnop1234'], "unexpected argument a string of 23 characters (not shown: it may hold a secret) for 'db backup'", "'db backup' takes options, or the subcommands list, verify, delete, prune: see `acode db backup --help`"],
        // A parent's option under a subcommand that does not take it ran as if it were not there.
        [['db', 'backup', 'list', '--keep', '3'], "option '--keep' is for 'db backup' itself, not for 'db backup list'", 'see `acode db backup list --help` for the options it takes'],
        [['db', 'backup', '--no-compress', 'list'], "option '--no-compress' is for 'db backup' itself, not for 'db backup list'", 'see `acode db backup list --help` for the options it takes'],
        [['db', 'backup', 'verify', 'x.db', '--tag', 't'], "option '--tag' is for 'db backup' itself, not for 'db backup verify'", 'see `acode db backup verify --help` for the options it takes'],
        [['db', 'export', 'verify', 'x.json', '--tables', 'a'], "option '--tables' is for 'db export' itself, not for 'db export verify'", 'see `acode db export verify --help` for the options it takes'],
      ];
      for (const [args, why, hint] of typos) {
        const r = await cli(args);
        expect(r.code, args.join(' ')).to.equal(64);
        expect(r.stderr, args.join(' ')).to.equal(`✗ ACODE-USE-001 Invalid usage: ${why} — ${hint}\n`);
      }
      // No command at all: the help, then the reason on the last line (the help alone exited 64 unexplained); --json gets the error document.
      for (const args of [[], ['db']]) {
        const r = await cli(args);
        expect(r.code, args.join(' ')).to.equal(64);
        expect(r.stdout, args.join(' ')).to.equal('');
        expect(r.stderr, args.join(' ')).to.match(/^Usage: acode /);
        expect(lines(r.stderr).at(-1), args.join(' ')).to.equal('✗ ACODE-USE-001 Invalid usage: no command given — pick one of the commands listed above, e.g. `acode db backup`');
      }
      const bare = await cli(['db', '--json']);
      expect(bare.code).to.equal(64);
      expect(JSON.parse(bare.stdout)).to.deep.include({ ok: false });
      expect(JSON.parse(bare.stdout).error.code).to.equal('ACODE-USE-001');
      // A bad tag is refused before the backup starts: the error is all there is to read.
      const tag = await cli(['db', 'backup', '--tag', 'a b']);
      expect(tag.code).to.equal(64);
      expect(tag.stderr).to.equal('✗ ACODE-USE-001 Invalid usage: tag must be 1–64 letters, digits or . _ : @ + -, got "a b" — see `acode --help`\n');
    });

    it('help: `db backup help list` shows list\'s help (it was an unexpected argument); a subcommand\'s help lists the global options, not its parent\'s', async () => {
      const help = await cli(['db', 'backup', 'help', 'list']);
      expect(help.code, help.stderr).to.equal(0);
      expect(lines(help.stdout)[0]).to.equal('Usage: acode db backup list [options]');
      const own = await cli(['db', 'backup', 'list', '--help']);
      const out = lines(own.stdout);
      const global = out.slice(out.indexOf('Global Options:'));
      expect(global.filter((l) => /^ {2}-/.test(l)).map((l) => l.trim().split(/\s{2,}/)[0])).to.deep.equal(['-w, --workspace <dir>', '-c, --config <file>', '--database <path>', '-q, --quiet', '--json']);
      expect(own.stdout).to.not.include('--tag');
    });

    it('--quiet prune --dry-run still prints what would be removed (what was asked for)', async () => {
      for (let day = 1; day <= 2; day++) expectOk(await cli(['db', 'backup'], at(`2024-01-0${day}T12:00:00Z`)));
      const dry = await cli(['--quiet', 'db', 'backup', 'prune', '--keep', '1', '--dry-run']);
      expectOk(dry);
      expect(lines(dry.stdout)[0]).to.match(/^ {2}Would remove: acode_backup_20240101_120000\.db \(/);
      expect(lines(dry.stdout)[1]).to.match(/^Would remove 1 backup \(.*\); kept 1 backup\.$/);
      const real = await cli(['--quiet', 'db', 'backup', 'prune', '--keep', '1']);
      expectOk(real);
      expect(real.stdout).to.equal('');
    });

    it('a PostgreSQL URL libpq rejects is ACODE-DB-005 (cannot connect), not a backup failure with a disk-space hint; no password shown', async () => {
      await writeFile(ws.configFile, 'database:\n  type: postgres\n  url: postgresql://agent:s3cretpw@127.0.0.1:5432/workspace?sslmode=bogus\n');
      const r = await cli(['db', 'backup']);
      expect(r.code).to.equal(1);
      expect(lines(r.stderr).at(-1)).to.equal(
        '✗ ACODE-DB-005 Cannot connect to PostgreSQL: cannot connect to postgresql://agent@127.0.0.1:5432/workspace?sslmode=bogus: invalid sslmode value: "bogus" — check database.url (or ACODE_DATABASE_URL): host, port, user, password and database name',
      );
      expect(r.stdout + r.stderr).to.not.include('s3cretpw');
    });

    it('a missing database: ACODE-DB-001 alone (no "Creating backup..." with a target first), exit 1, no backup folder made', async () => {
      const r = await runCli(['--database', path.join(ws.dir, 'nope.db'), 'db', 'backup'], { workspace: ws.dir });
      expect(r.code).to.equal(1);
      expect(r.stdout).to.equal('');
      expect(lines(r.stderr)).to.have.lengthOf(1);
      expect(lines(r.stderr).at(-1)).to.equal(
        `✗ ACODE-DB-001 Database not found: no database at ${path.join(ws.dir, 'nope.db')} — check database.path in .agent/config.yml or --workspace, or create it with \`acode db migrate\``,
      );
      expect(await listDir(ws.backups)).to.deep.equal([]);
    });

    it('a database path that is a folder: ACODE-DB-002, exit 1', async () => {
      const r = await runCli(['--database', ws.backups.replace('backups', ''), 'db', 'backup'], { workspace: ws.dir });
      expect(r.code).to.equal(1);
      expect(lines(r.stderr).at(-1)).to.equal(
        `✗ ACODE-DB-002 Database path is not a file: database path ${path.join(ws.dir, '.agent')} is a folder — database.path must name a SQLite file, not a folder`,
      );
    });

    it('a malformed config: ACODE-CFG-001 with line and column, exit 1', async () => {
      await writeFile(ws.configFile, 'backup:\n  path: a\n   bad: x\n');
      const r = await cli(['db', 'backup']);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.equal('✗ ACODE-CFG-001 Config file is not valid YAML: .agent/config.yml:2:9: Nested mappings are not allowed in compact mappings — fix the YAML at the line and column given\n');
    });

    it('a backup.path that is a file: list and prune give ACODE-BAK-008, exit 1', async () => {
      await writeFile(ws.configFile, 'backup:\n  path: .agent/acode.db\n');
      for (const args of [['db', 'backup', 'list'], ['db', 'backup', 'prune']]) {
        const r = await cli(args);
        expect(r.code, args.join(' ')).to.equal(1);
        expect(r.stderr, args.join(' ')).to.equal(
          `✗ ACODE-BAK-008 Backup folder not writable: cannot read the backup folder ${ws.db}: ENOTDIR: not a directory, scandir '${ws.db}' — fix the folder's permissions or choose another with --output-dir or backup.path\n`,
        );
      }
    });

    it('a manifest whose sha256 was edited: verify exits 2 naming the checksum check', async () => {
      expectOk(await cli(['db', 'backup'], at(T1)));
      await editManifest(path.join(ws.backups, 'acode_backup_20240120_143045.db'), (m) => (m['file']['sha256'] = '1'.repeat(64)));
      const r = await cli(['db', 'backup', 'verify', 'acode_backup_20240120_143045.db']);
      expect(r.code).to.equal(2);
      expect(lines(r.stdout).slice(2)).to.deep.equal(['  ✓ SQLite structure valid', lines(r.stdout)[3], lines(r.stdout)[4], '', 'Backup is INVALID.']);
      expect(lines(r.stdout)[1]).to.match(/^ {2}✗ Checksum does not match manifest: sha256 is [0-9a-f]{16}…, manifest says 1{16}… \(\d+ of \d+ bytes\)$/);
      expect(lines(r.stderr).at(-1)).to.equal(
        '✗ ACODE-BAK-003 Verification failed: acode_backup_20240120_143045.db failed: checksum — do not rely on this backup; create a new one with `acode db backup`',
      );
    });

    it('a backup folder under a regular file: ACODE-BAK-008, exit 1', async () => {
      const r = await cli(['db', 'backup', '--output-dir', path.join(ws.db, 'backups')]);
      expect(r.code).to.equal(1);
      expect(lines(r.stderr).at(-1)).to.match(
        new RegExp(`^✗ ACODE-BAK-008 Backup folder not writable: cannot create backup folder ${path.join(ws.db, 'backups').replaceAll('.', '\\.')}: ENOTDIR: .* — fix the folder's permissions or choose another with --output-dir or backup\\.path$`),
      );
      expect(r.stdout).to.equal('');
    });

    it('a backup folder the user may not write: ACODE-BAK-008, exit 1, nothing left', async function () {
      const folder = await makeUnwritableFolder(ws.backups, ws);
      if (typeof folder === 'string') {
        this.test!.title += ` — pending: ${folder}`;
        return this.skip();
      }
      try {
        const r = await runCli(['db', 'backup'], { workspace: ws.dir, ...folder.as });
        expect(r.code, r.stderr).to.equal(1);
        const last = lines(r.stderr).at(-1)!;
        expect(last.startsWith(`✗ ACODE-BAK-008 Backup folder not writable: cannot write in ${ws.backups}: ${folder.refusal}, open '${ws.backups}/.acode_backup_`), last).to.equal(true);
        expect(last.endsWith(" — fix the folder's permissions or choose another with --output-dir or backup.path"), last).to.equal(true);
        expect(await listDir(ws.backups)).to.deep.equal([]);
      } finally {
        folder.cleanup();
      }
    });
  });

  it('leaves no temporary file behind after any of its work', async () => {
    expectOk(await cli(['db', 'backup', '--compress'], at(T1)));
    expectOk(await cli(['db', 'backup'], at(T1)));
    expect(await leftovers(ws.backups)).to.deep.equal([]);
    expect(await leftovers(path.dirname(ws.db))).to.deep.equal([]);
  });
});
