import { expect } from 'chai';
import { backupFileName, compareNewestFirst, manifestPathFor, parseBackupName, type BackupKind } from '../../lib/naming.js';

const at = (iso: string): Date => new Date(iso);

describe('naming', () => {
  describe('backupFileName', () => {
    it('is acode_backup_YYYYMMDD_HHMMSS.db in UTC', () => {
      expect(backupFileName(at('2024-01-20T14:30:45Z'))).to.equal('acode_backup_20240120_143045.db');
      expect(backupFileName(at('2024-01-20T23:30:45-05:00'))).to.equal('acode_backup_20240121_043045.db');
      expect(backupFileName(at('2024-03-05T04:05:06.999Z'))).to.equal('acode_backup_20240305_040506.db');
    });

    it('adds the sequence within a second, the kind and .gz', () => {
      const stamp = at('2024-01-20T14:30:45Z');
      expect(backupFileName(stamp, { seq: 0 })).to.equal('acode_backup_20240120_143045.db');
      expect(backupFileName(stamp, { seq: 1 })).to.equal('acode_backup_20240120_143045_2.db');
      expect(backupFileName(stamp, { seq: 9 })).to.equal('acode_backup_20240120_143045_10.db');
      expect(backupFileName(stamp, { kind: 'manual' })).to.equal('acode_backup_20240120_143045.db');
      expect(backupFileName(stamp, { kind: 'pre_restore' })).to.equal('acode_backup_20240120_143045_pre_restore.db');
      expect(backupFileName(stamp, { kind: 'pre_migration', compressed: true })).to.equal('acode_backup_20240120_143045_pre_migration.db.gz');
      expect(backupFileName(stamp, { seq: 2, kind: 'pre_migration', compressed: true })).to.equal('acode_backup_20240120_143045_3_pre_migration.db.gz');
      expect(backupFileName(stamp, { seq: 1, kind: 'pre_restore', ext: 'dump' })).to.equal('acode_backup_20240120_143045_2_pre_restore.dump');
    });
  });

  describe('parseBackupName', () => {
    it('round-trips every combination of sequence, kind and compression', () => {
      const stamp = at('2025-12-31T23:59:59Z');
      for (const seq of [0, 1, 5, 41]) {
        for (const kind of ['manual', 'pre_migration', 'pre_restore'] as BackupKind[]) {
          for (const compressed of [false, true]) {
            const name = backupFileName(stamp, { seq, kind, compressed });
            expect(parseBackupName(name), name).to.deep.equal({ name, stamp, seq, kind, compressed, ext: 'db' });
          }
          const dump = backupFileName(stamp, { seq, kind, ext: 'dump' });
          expect(parseBackupName(dump), dump).to.deep.equal({ name: dump, stamp, seq, kind, compressed: false, ext: 'dump' });
        }
      }
    });

    it('rejects names that are not backups of ours', () => {
      for (const name of [
        'acode.db',
        'acode_backup_20240120_143045.db.manifest.json',
        '.acode_backup_20240120_143045.db.acode-tmp-123-abcd0123',
        'acode_backup_20240120_143045.db-journal',
        'acode_backup_20240120_143045.sqlite',
        'acode_backup_2024012_143045.db',
        'acode_backup_20240120_143045_pre_export.db',
        'xacode_backup_20240120_143045.db',
        'acode_backup_20240120_143045.db.gz.gz',
        'acode_backup_20240120_143045.dump.gz',
        'acode_backup_20240120_143045.dump.manifest.json',
      ]) {
        expect(parseBackupName(name), name).to.equal(null);
      }
    });

    it('rejects impossible times instead of rolling them over', () => {
      for (const name of [
        'acode_backup_20240230_120000.db',
        'acode_backup_20241301_120000.db',
        'acode_backup_20240000_120000.db',
        'acode_backup_20240120_246000.db',
        'acode_backup_20240120_126000.db',
        'acode_backup_20240120_120060.db',
      ]) {
        expect(parseBackupName(name), name).to.equal(null);
      }
      expect(parseBackupName('acode_backup_20240229_235959.db')?.stamp.toISOString()).to.equal('2024-02-29T23:59:59.000Z');
    });

    it('rejects sequence numbers the tool never writes (_0, _1)', () => {
      expect(parseBackupName('acode_backup_20240120_143045_0.db')).to.equal(null);
      expect(parseBackupName('acode_backup_20240120_143045_1.db')).to.equal(null);
      expect(parseBackupName('acode_backup_20240120_143045_2.db')?.seq).to.equal(1);
    });
  });

  describe('compareNewestFirst', () => {
    it('orders by the second in the name, then by the sequence within it', () => {
      const names = [
        'acode_backup_20240118_100000.db',
        'acode_backup_20240120_143045_2.db',
        'acode_backup_20240119_100000_pre_restore.db',
        'acode_backup_20240120_143045.db',
        'acode_backup_20240120_143045_10.db.gz',
        'acode_backup_20231231_235959.db',
        'acode_backup_20240120_143046.db',
      ];
      const sorted = names.map((n) => parseBackupName(n)!).sort(compareNewestFirst).map((p) => p.name);
      expect(sorted).to.deep.equal([
        'acode_backup_20240120_143046.db',
        'acode_backup_20240120_143045_10.db.gz',
        'acode_backup_20240120_143045_2.db',
        'acode_backup_20240120_143045.db',
        'acode_backup_20240119_100000_pre_restore.db',
        'acode_backup_20240118_100000.db',
        'acode_backup_20231231_235959.db',
      ]);
    });
  });

  it('puts the manifest beside the backup', () => {
    expect(manifestPathFor('/b/acode_backup_20240120_143045.db.gz')).to.equal('/b/acode_backup_20240120_143045.db.gz.manifest.json');
  });
});
