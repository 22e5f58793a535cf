import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { AcodeError } from '../../lib/errors.js';
import { parseBackupManifest, readBackupManifest, serializeManifest, type BackupManifest } from '../../lib/manifest.js';
import { sampleManifest } from '../support/manifests.js';
import { makeTempDir, removeTempDir } from '../support/temp.js';

const FILE = '/b/acode_backup_20240120_143045.db.manifest.json';
const NAME = 'acode_backup_20240120_143045.db';

function rejects(text: string): AcodeError {
  try {
    parseBackupManifest(text, FILE);
  } catch (err) {
    expect(err).to.be.instanceOf(AcodeError);
    return err as AcodeError;
  }
  throw new Error(`manifest accepted: ${text}`);
}

const edited = (change: (m: Record<string, unknown>) => void): string => {
  const m = JSON.parse(serializeManifest(sampleManifest(NAME))) as Record<string, unknown>;
  change(m);
  return JSON.stringify(m);
};

describe('manifest', () => {
  it('serializes as indented JSON with a final newline and parses back equal', () => {
    const m = sampleManifest('acode_backup_20240120_143045.db.gz', { tag: 'before-upgrade' });
    const text = serializeManifest(m);
    expect(text.endsWith('}\n')).to.equal(true);
    expect(text.split('\n')[1]).to.equal('  "format": "acode-backup-manifest",');
    expect(parseBackupManifest(text, FILE)).to.deep.equal(m);
  });

  describe('parse errors are ACODE-BAK-007 naming the manifest and what is wrong', () => {
    const cases: [string, string, string][] = [
      ['bad JSON', '{"format": "acode-backup-manifest",', 'not valid JSON ('],
      ['a JSON array', '[]', 'not an acode backup manifest'],
      ['JSON null', 'null', 'not an acode backup manifest'],
      ['another format', edited((m) => (m['format'] = 'acode-export')), 'not an acode backup manifest'],
      ['a newer format version', edited((m) => (m['formatVersion'] = 2)), 'manifest format version 2 is newer than this tool understands (1): update acode to read it'],
      ['no format version', edited((m) => delete m['formatVersion']), 'manifest format version missing'],
      ['a sha256 that is not 64 hex digits', edited((m) => ((m['file'] as Record<string, unknown>)['sha256'] = 'abc')), 'file name, size or sha256 missing or malformed'],
      ['an upper-case sha256', edited((m) => ((m['file'] as Record<string, unknown>)['sha256'] = 'A'.repeat(64))), 'file name, size or sha256 missing or malformed'],
      ['a size that is a string', edited((m) => ((m['file'] as Record<string, unknown>)['size'] = '40960')), 'file name, size or sha256 missing or malformed'],
      ['no file section', edited((m) => delete m['file']), 'file name, size or sha256 missing or malformed'],
      ['an unknown compression', edited((m) => (m['compression'] = 'zstd')), 'unknown compression "zstd"'],
      ['gzip without the uncompressed digest', edited((m) => (m['compression'] = 'gzip')), 'a compressed backup needs the uncompressed size and sha256'],
      ['tables that are not a list', edited((m) => (m['tables'] = { conv_chats: 3 })), 'tables must be a list of names with row counts'],
      ['a row count that is not a whole number', edited((m) => (m['tables'] = [{ name: 't', rows: 1.5 }])), 'tables must be a list of names with row counts'],
      ['no database section', edited((m) => delete m['database']), 'database section missing or malformed (type and source must be strings)'],
      ['a database source that is not a string', edited((m) => ((m['database'] as Record<string, unknown>)['source'] = null)), 'database section missing or malformed (type and source must be strings)'],
      ['a fromBackups that is not a string', edited((m) => ((m['database'] as Record<string, unknown>)['fromBackups'] = 7)), 'database section missing or malformed (type and source must be strings)'],
      ['a createdAt that is not a date', edited((m) => (m['createdAt'] = 'yesterday')), 'createdAt missing or not a date'],
    ];
    for (const [what, text, why] of cases) {
      it(what, () => {
        const err = rejects(text);
        expect(err.code).to.equal('ACODE-BAK-007');
        expect(err.exitCode).to.equal(4);
        expect(err.message.startsWith(`Backup manifest missing or unreadable: acode_backup_20240120_143045.db.manifest.json: ${why}`), err.message).to.equal(true);
        expect(err.context).to.deep.equal({ file: FILE });
      });
    }
  });

  describe('readBackupManifest', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await makeTempDir('manifest');
    });
    afterEach(() => removeTempDir(dir));

    it('is null when there is no manifest beside the backup', async () => {
      expect(await readBackupManifest(path.join(dir, NAME))).to.equal(null);
    });

    it('reads the manifest beside the backup', async () => {
      const m: BackupManifest = sampleManifest(NAME);
      await writeFile(path.join(dir, `${NAME}.manifest.json`), serializeManifest(m));
      expect(await readBackupManifest(path.join(dir, NAME))).to.deep.equal(m);
    });

    it('a manifest that cannot be read (a folder) is ACODE-BAK-007', async () => {
      await mkdir(path.join(dir, `${NAME}.manifest.json`));
      const err = await readBackupManifest(path.join(dir, NAME)).then(
        () => null,
        (e: unknown) => e as AcodeError,
      );
      expect(err?.code).to.equal('ACODE-BAK-007');
      expect(err?.message).to.equal(`Backup manifest missing or unreadable: ${NAME}.manifest.json: not a regular file`);
    });
  });
});
