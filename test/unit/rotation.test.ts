import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { AcodeError } from '../../lib/errors.js';
import { serializeManifest } from '../../lib/manifest.js';
import { parseConfig } from '../../lib/config.js';
import { deleteBackup, planRotation, pruneBackups, sameDatabase } from '../../lib/rotation.js';
import { entry, sampleManifest } from '../support/manifests.js';
import { listDir, makeTempDir, removeTempDir } from '../support/temp.js';

const NOW = new Date('2024-01-31T12:00:00Z');
const names = (list: readonly { name: string }[]): string[] => list.map((e) => e.name);

/** Backups one a day from Jan 1 (oldest) to Jan `n`, shuffled so order comes from the plan. */
function daily(n: number): ReturnType<typeof entry>[] {
  const list = Array.from({ length: n }, (_, i) => entry(`acode_backup_202401${String(i + 1).padStart(2, '0')}_100000.db`));
  return [list[2], list[0], ...list.slice(3).reverse(), list[1]].filter((e): e is ReturnType<typeof entry> => Boolean(e));
}

describe('rotation', () => {
  describe('planRotation', () => {
    it('keeps the newest N and removes the rest, oldest first', () => {
      const plan = planRotation(daily(6), { keep: 3, keepDays: null, now: NOW });
      expect(names(plan.keep)).to.deep.equal(['acode_backup_20240106_100000.db', 'acode_backup_20240105_100000.db', 'acode_backup_20240104_100000.db']);
      expect(names(plan.remove)).to.deep.equal(['acode_backup_20240101_100000.db', 'acode_backup_20240102_100000.db', 'acode_backup_20240103_100000.db']);
      expect(plan.untouched).to.deep.equal([]);
    });

    it('with a source, only that database\'s backups rotate: another database\'s in the same folder are left alone', () => {
      const mine = daily(4);
      const other = ['acode_backup_20240110_100000.db', 'acode_backup_20240111_100000.db'].map((name) => {
        const e = entry(name);
        return { ...e, manifest: { ...e.manifest!, database: { ...e.manifest!.database, source: '/elsewhere/other.db' } } };
      });
      const source = { type: mine[0]!.manifest!.database.type, location: mine[0]!.manifest!.database.source };
      const plan = planRotation([...mine, ...other], { keep: 2, keepDays: null, now: NOW, source });
      expect(names(plan.keep)).to.deep.equal(['acode_backup_20240104_100000.db', 'acode_backup_20240103_100000.db']);
      expect(names(plan.remove)).to.deep.equal(['acode_backup_20240101_100000.db', 'acode_backup_20240102_100000.db']);
      expect(names(plan.untouched).sort()).to.deep.equal(['acode_backup_20240110_100000.db', 'acode_backup_20240111_100000.db']);
      // Without a source, the other database's newer backups push this one's out.
      expect(names(planRotation([...mine, ...other], { keep: 2, keepDays: null, now: NOW }).keep)).to.deep.equal(['acode_backup_20240111_100000.db', 'acode_backup_20240110_100000.db']);
    });

    it('removes nothing when there are N or fewer', () => {
      expect(names(planRotation(daily(3), { keep: 3, keepDays: null, now: NOW }).remove)).to.deep.equal([]);
      expect(names(planRotation([], { keep: 7, keepDays: null, now: NOW }).keep)).to.deep.equal([]);
    });

    it('orders backups of the same second by their sequence', () => {
      const list = [
        entry('acode_backup_20240120_143045_2.db'),
        entry('acode_backup_20240120_143045.db'),
        entry('acode_backup_20240120_143045_3.db'),
      ];
      const plan = planRotation(list, { keep: 2, keepDays: null, now: NOW });
      expect(names(plan.keep)).to.deep.equal(['acode_backup_20240120_143045_3.db', 'acode_backup_20240120_143045_2.db']);
      expect(names(plan.remove)).to.deep.equal(['acode_backup_20240120_143045.db']);
    });

    it('keep_days removes backups older than the cutoff even under the count', () => {
      const plan = planRotation(daily(6), { keep: 10, keepDays: 27, now: NOW });
      // Cutoff: Jan 4 12:00. Jan 1–4 at 10:00 are older.
      expect(names(plan.remove)).to.deep.equal([
        'acode_backup_20240101_100000.db',
        'acode_backup_20240102_100000.db',
        'acode_backup_20240103_100000.db',
        'acode_backup_20240104_100000.db',
      ]);
      expect(names(plan.keep)).to.deep.equal(['acode_backup_20240106_100000.db', 'acode_backup_20240105_100000.db']);
    });

    it('always keeps the newest backup, however old', () => {
      const plan = planRotation(daily(2), { keep: 5, keepDays: 1, now: NOW });
      expect(names(plan.keep)).to.deep.equal(['acode_backup_20240102_100000.db']);
      expect(names(plan.remove)).to.deep.equal(['acode_backup_20240101_100000.db']);
    });

    it('never removes the protected backup (the one just made), even when others look newer', () => {
      // The clock went back: the backup just made is stamped before two older ones.
      const list = [...daily(4), entry('acode_backup_20231201_000000.db')];
      const plan = planRotation(list, { keep: 2, keepDays: null, now: NOW, protect: 'acode_backup_20231201_000000.db' });
      expect(names(plan.keep)).to.include('acode_backup_20231201_000000.db');
      expect(names(plan.remove)).to.deep.equal(['acode_backup_20240101_100000.db', 'acode_backup_20240102_100000.db']);
    });

    it('with a source, a PostgreSQL URL with :5432 and one without name the same database', () => {
      const list = daily(3).map((e) => ({ ...e, manifest: { ...e.manifest!, database: { ...e.manifest!.database, type: 'postgres' as const, source: 'postgresql://agent@127.0.0.1/ws' } } }));
      const plan = planRotation(list, { keep: 1, keepDays: null, now: NOW, source: { type: 'postgres', location: 'postgresql://agent@127.0.0.1:5432/ws' } });
      expect(names(plan.remove)).to.deep.equal(['acode_backup_20240101_100000.db', 'acode_backup_20240102_100000.db']);
    });

    it('never removes pre-restore safety backups or backups without a manifest', () => {
      const list = [
        ...daily(3),
        entry('acode_backup_20231201_000000_pre_restore.db'),
        entry('acode_backup_20231202_000000.db', { manifest: null }),
        entry('acode_backup_20231203_000000_pre_migration.db'),
      ];
      const plan = planRotation(list, { keep: 1, keepDays: 1, now: NOW });
      expect(names(plan.untouched)).to.deep.equal(['acode_backup_20231201_000000_pre_restore.db', 'acode_backup_20231202_000000.db']);
      expect(names(plan.keep)).to.deep.equal(['acode_backup_20240103_100000.db']);
      // Pre-migration backups take part like regular ones.
      expect(names(plan.remove)).to.deep.equal(['acode_backup_20231203_000000_pre_migration.db', 'acode_backup_20240101_100000.db', 'acode_backup_20240102_100000.db']);
    });

    it('refuses to keep fewer than one backup (ACODE-USE-001)', () => {
      for (const keep of [0, -1, 1.5]) {
        const err = (() => {
          try {
            planRotation(daily(2), { keep, keepDays: null, now: NOW });
          } catch (e) {
            return e as AcodeError;
          }
          return null;
        })();
        expect(err).to.be.instanceOf(AcodeError);
        expect(err).to.include({ code: 'ACODE-USE-001', message: `Invalid usage: keep must be a whole number of at least 1, got ${keep}` });
      }
    });
  });

  describe('pruneBackups (real folder)', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await makeTempDir('prune');
    });
    afterEach(() => removeTempDir(dir));

    /** A backup file with a manifest that matches it (size and sha256), unless told otherwise. */
    async function put(name: string, options: { manifest?: boolean; createdAt?: string } = {}): Promise<void> {
      const content = `backup ${name}`;
      await writeFile(path.join(dir, name), content);
      const file = { name, size: Buffer.byteLength(content), sha256: createHash('sha256').update(content).digest('hex') };
      const manifest = sampleManifest(name, { file, ...(options.createdAt ? { createdAt: options.createdAt } : {}) });
      if (options.manifest !== false) await writeFile(path.join(dir, `${name}.manifest.json`), serializeManifest(manifest));
    }

    it('a damaged backup among the newest does not count as kept: the next good one stays in its place, and the damaged one is left alone', async () => {
      for (const e of daily(4)) await put(e.name);
      // The newest changed in place (same size: only its sha256 tells), the next one was truncated.
      await writeFile(path.join(dir, 'acode_backup_20240104_100000.db'), 'backup acode_backup_20240104_10000X.db');
      await writeFile(path.join(dir, 'acode_backup_20240103_100000.db'), 'backup');
      // The library checks sha256 unless told not to (the CLI's prune does; it did not by default).
      const result = await pruneBackups({ dir, policy: { keep: 1, keepDays: null, now: NOW } });
      expect(names(result.kept)).to.deep.equal(['acode_backup_20240102_100000.db']);
      expect(names(result.removed)).to.deep.equal(['acode_backup_20240101_100000.db']);
      expect(result.untouched.map((b) => [b.name, b.why])).to.deep.equal([
        ['acode_backup_20240104_100000.db', 'damaged'],
        ['acode_backup_20240103_100000.db', 'damaged'],
      ]);
      expect((await listDir(dir)).filter((n) => n.endsWith('.db'))).to.deep.equal([
        'acode_backup_20240102_100000.db',
        'acode_backup_20240103_100000.db',
        'acode_backup_20240104_100000.db',
      ]);
      // Without checksums (rotation after a backup, which keeps the backup it just checked) only
      // sizes are read: the changed newest passes, and the older ones go (the truncated one too).
      const bySize = await pruneBackups({ dir, policy: { keep: 1, keepDays: null, now: NOW }, dryRun: true, checksums: false });
      expect(names(bySize.kept)).to.deep.equal(['acode_backup_20240104_100000.db']);
      expect(names(bySize.removed)).to.deep.equal(['acode_backup_20240102_100000.db', 'acode_backup_20240103_100000.db']);
    });

    it('given the config, only its database\'s backups count (the library counted every backup in the folder unless given a source)', async () => {
      for (const e of daily(3)) await put(e.name);
      for (const name of ['acode_backup_20240110_100000.db', 'acode_backup_20240111_100000.db']) {
        await writeFile(path.join(dir, name), `backup ${name}`);
        const file = { name, size: Buffer.byteLength(`backup ${name}`), sha256: createHash('sha256').update(`backup ${name}`).digest('hex') };
        const manifest = sampleManifest(name, { file });
        await writeFile(path.join(dir, `${name}.manifest.json`), serializeManifest({ ...manifest, database: { ...manifest.database, source: '/elsewhere/other.db' } }));
      }
      const config = parseConfig('', { workspace: '/ws', file: null, env: {} });
      const result = await pruneBackups({ dir, config, policy: { keep: 1, keepDays: null, now: NOW } });
      expect(names(result.kept)).to.deep.equal(['acode_backup_20240103_100000.db']);
      expect(names(result.removed)).to.deep.equal(['acode_backup_20240101_100000.db', 'acode_backup_20240102_100000.db']);
      expect(result.untouched.map((b) => [b.name, b.why])).to.deep.equal([
        ['acode_backup_20240111_100000.db', 'other-database'],
        ['acode_backup_20240110_100000.db', 'other-database'],
      ]);
    });

    it('deleteBackup refuses what is not an acode backup (ACODE-BAK-012) and deletes nothing; a backup goes with its manifest', async () => {
      const config = parseConfig(`backup:\n  path: ${dir}\n`, { workspace: '/ws', file: null, env: {} });
      await writeFile(path.join(dir, 'notes.txt'), 'keep me');
      const refused = await deleteBackup({ config, backup: path.join(dir, 'notes.txt') }).then(
        () => null,
        (e: unknown) => e as AcodeError,
      );
      expect(refused).to.include({ code: 'ACODE-BAK-012', exitCode: 64 });
      expect(await readFile(path.join(dir, 'notes.txt'), 'utf8')).to.equal('keep me');
      await put('acode_backup_20240101_100000.db');
      expect(await deleteBackup({ config, backup: 'acode_backup_20240101_100000.db' })).to.deep.equal({ path: path.join(dir, 'acode_backup_20240101_100000.db'), manifest: true });
      expect(await listDir(dir)).to.deep.equal(['notes.txt']);
    });

    it('a backup dated after now (a clock set wrong once) is left alone: it is not the newest, and the real backups are not removed for it', async () => {
      for (const e of daily(3)) await put(e.name);
      await put('acode_backup_20360207_062816.db');
      const result = await pruneBackups({ dir, policy: { keep: 2, keepDays: 14, now: NOW } });
      expect(names(result.kept)).to.deep.equal(['acode_backup_20240103_100000.db']);
      expect(names(result.removed)).to.deep.equal(['acode_backup_20240101_100000.db', 'acode_backup_20240102_100000.db']);
      expect(result.untouched.map((b) => [b.name, b.why])).to.deep.equal([['acode_backup_20360207_062816.db', 'future']]);
    });

    it('a backup it may not delete is reported (ACODE-BAK-016, naming it) and the others are removed all the same', async function () {
      for (const e of daily(4)) await put(e.name);
      const stuck = path.join(dir, 'acode_backup_20240101_100000.db');
      if (spawnSync('chattr', ['+i', stuck]).status !== 0) return this.skip();
      try {
        const result = await pruneBackups({ dir, policy: { keep: 1, keepDays: null, now: NOW } });
        expect(names(result.removed)).to.deep.equal(['acode_backup_20240102_100000.db', 'acode_backup_20240103_100000.db']);
        expect(result.failed.map((e) => e.message)).to.deep.equal([`Backup not removed: cannot remove ${stuck}: EPERM: operation not permitted, unlink '${stuck}'`]);
        expect(await listDir(dir)).to.deep.equal([
          'acode_backup_20240101_100000.db',
          'acode_backup_20240101_100000.db.manifest.json',
          'acode_backup_20240104_100000.db',
          'acode_backup_20240104_100000.db.manifest.json',
        ]);
      } finally {
        spawnSync('chattr', ['-i', stuck]);
      }
    });

    it('--dry-run lists what would go and deletes nothing', async () => {
      for (const e of daily(4)) await put(e.name);
      const before = await listDir(dir);
      const result = await pruneBackups({ dir, policy: { keep: 2, keepDays: null, now: NOW }, dryRun: true });
      expect(result.dryRun).to.equal(true);
      expect(names(result.removed)).to.deep.equal(['acode_backup_20240101_100000.db', 'acode_backup_20240102_100000.db']);
      expect(await listDir(dir)).to.deep.equal(before);
    });

    it('deletes each removed backup with its manifest and leaves the rest byte for byte', async () => {
      for (const e of daily(4)) await put(e.name);
      await put('acode_backup_20231201_000000_pre_restore.db');
      await put('acode_backup_20231202_000000.db', { manifest: false });
      const result = await pruneBackups({ dir, policy: { keep: 2, keepDays: null, now: NOW } });
      expect(names(result.removed)).to.deep.equal(['acode_backup_20240101_100000.db', 'acode_backup_20240102_100000.db']);
      expect(await listDir(dir)).to.deep.equal([
        'acode_backup_20231201_000000_pre_restore.db',
        'acode_backup_20231201_000000_pre_restore.db.manifest.json',
        'acode_backup_20231202_000000.db',
        'acode_backup_20240103_100000.db',
        'acode_backup_20240103_100000.db.manifest.json',
        'acode_backup_20240104_100000.db',
        'acode_backup_20240104_100000.db.manifest.json',
      ]);
      expect(await readFile(path.join(dir, 'acode_backup_20240104_100000.db'), 'utf8')).to.equal('backup acode_backup_20240104_100000.db');
    });

    it('a leftover whose recorded pid runs (pid 1 always does) is abandoned once untouched for a day', async () => {
      await put('acode_backup_20240101_100000.db');
      const old = '.acode_backup_20240102_100000.db.acode-tmp-1-0123abcd';
      const fresh = '.acode_backup_20240102_100001.db.acode-tmp-1-0123abce';
      await writeFile(path.join(dir, old), 'partial');
      await writeFile(path.join(dir, fresh), 'partial');
      const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
      await utimes(path.join(dir, old), twoDaysAgo, twoDaysAgo);
      const hourAgo = new Date(Date.now() - 3_600_000);
      await utimes(path.join(dir, fresh), hourAgo, hourAgo);
      const result = await pruneBackups({ dir, policy: { keep: 1, keepDays: null, now: NOW }, removeStrays: true });
      expect(names(result.straysRemoved)).to.deep.equal([old]);
      expect(await listDir(dir)).to.include(fresh).and.not.include(old);
    });

    it('removes leftovers of dead backups (untouched for 10 minutes) and orphan manifests only when asked', async () => {
      await put('acode_backup_20240101_100000.db');
      const dead = '.acode_backup_20240102_100000.db.acode-tmp-999999999-0123abcd';
      await writeFile(path.join(dir, dead), 'partial');
      await writeFile(path.join(dir, 'acode_backup_20231201_000000.db.manifest.json'), '{}');
      await utimes(path.join(dir, dead), NOW, NOW);
      // A dead pid's file that changed a moment ago: a pid says nothing of another container's backup.
      const recent = '.acode_backup_20240102_100001.db.acode-tmp-999999999-0123abce';
      await writeFile(path.join(dir, recent), 'being written elsewhere');

      const kept = await pruneBackups({ dir, policy: { keep: 1, keepDays: null, now: NOW } });
      expect(kept.straysRemoved).to.deep.equal([]);
      expect(await listDir(dir)).to.have.lengthOf(5);

      const cleaned = await pruneBackups({ dir, policy: { keep: 1, keepDays: null, now: NOW }, removeStrays: true });
      expect(names(cleaned.straysRemoved)).to.deep.equal([dead, 'acode_backup_20231201_000000.db.manifest.json']);
      expect(await listDir(dir)).to.deep.equal([recent, 'acode_backup_20240101_100000.db', 'acode_backup_20240101_100000.db.manifest.json']);
    });
  });

  describe('sameDatabase', () => {
    const pg = (source: string) => ({ type: 'postgres' as const, source, engineVersion: '15', schemaVersion: null, pageSize: 0, pageCount: 0 });
    const live = (location: string) => ({ type: 'postgres', location });

    it('PostgreSQL: the same server, database and role whatever the other options; never another host, port, dbname or user given in the query', () => {
      const base = 'postgresql://agent@127.0.0.1:5432/ws';
      expect(sameDatabase(pg(base), live(`${base}?sslmode=disable&application_name=x`), '/b')).to.equal(true);
      for (const [a, b] of [
        ['postgresql:///ws?host=/var/run/pg-a', 'postgresql:///ws?host=/var/run/pg-b'],
        ['postgresql://agent@127.0.0.1/ws?port=5432', 'postgresql://agent@127.0.0.1/ws?port=5433'],
        ['postgresql://agent@127.0.0.1/ws?dbname=prod', 'postgresql://agent@127.0.0.1/ws?dbname=staging'],
        ['postgresql://agent@127.0.0.1/ws', 'postgresql://other@127.0.0.1/ws'],
        ['postgresql://agent@127.0.0.1/ws', 'postgresql://agent@127.0.0.1/ws2'],
      ]) {
        expect(sameDatabase(pg(a!), live(b!), '/b'), `${a} / ${b}`).to.equal(false);
      }
    });

    it('SQLite: the path from the backup folder counts only when the recorded database is gone (moved), not for another workspace\'s backups copied in', async () => {
      const root = await makeTempDir('same-db');
      try {
        const a = path.join(root, 'a', '.agent');
        const b = path.join(root, 'b', '.agent');
        for (const d of [a, b]) await mkdir(path.join(d, 'backups'), { recursive: true });
        await writeFile(path.join(a, 'acode.db'), '');
        await writeFile(path.join(b, 'acode.db'), '');
        const ofA = { ...sampleManifest('acode_backup_20240101_000000.db').database, type: 'sqlite' as const, source: path.join(a, 'acode.db'), fromBackups: '../acode.db' };
        const inB = { type: 'sqlite', location: path.join(b, 'acode.db') };
        expect(sameDatabase(ofA, inB, path.join(b, 'backups'))).to.equal(false);
        const moved = { ...ofA, source: path.join(root, 'gone', '.agent', 'acode.db') };
        expect(sameDatabase(moved, inB, path.join(b, 'backups'))).to.equal(true);
      } finally {
        await removeTempDir(root);
      }
    });
  });
});
