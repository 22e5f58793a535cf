import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { inspect } from 'node:util';
import { expect } from 'chai';
import { closest } from '../../lib/closest.js';
import { loadConfig, parseConfig } from '../../lib/config.js';
import { AcodeError } from '../../lib/errors.js';
import { makeTempDir, removeTempDir } from '../support/temp.js';

const WS = '/ws';
const FILE = '/ws/.agent/config.yml';

function parse(text: string, env: NodeJS.ProcessEnv = {}) {
  return parseConfig(text, { workspace: WS, file: FILE, env });
}

function failure(text: string): AcodeError {
  try {
    parse(text);
  } catch (err) {
    expect(err).to.be.instanceOf(AcodeError);
    return err as AcodeError;
  }
  throw new Error(`config was accepted:\n${text}`);
}

describe('config', () => {
  describe('defaults', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await makeTempDir('config');
    });
    afterEach(() => removeTempDir(dir));

    it('uses the spec defaults when there is no .agent/config.yml', async () => {
      const config = await loadConfig({ workspace: dir, env: {} });
      expect(config.file).to.equal(null);
      expect(config.workspace).to.equal(dir);
      expect(config.database).to.deep.equal({ type: 'sqlite', path: path.join(dir, '.agent', 'acode.db'), url: null });
      expect(config.backup).to.deep.equal({
        path: path.join(dir, '.agent', 'backups'),
        maxBackups: 7,
        keepDays: null,
        preMigration: true,
        verify: true,
        compress: false,
      });
    });

    it('reads .agent/config.yml from the workspace and resolves paths against it', async () => {
      await mkdir(path.join(dir, '.agent'));
      await writeFile(path.join(dir, '.agent', 'config.yml'), 'database:\n  path: data/work.db\nbackup:\n  path: /srv/backups\n  max_backups: 3\n  keep_days: 30\n  pre_migration: false\n  verify: false\n  compress: true\n');
      const config = await loadConfig({ workspace: dir, env: {} });
      expect(config.file).to.equal(path.join(dir, '.agent', 'config.yml'));
      expect(config.database.path).to.equal(path.join(dir, 'data', 'work.db'));
      expect(config.backup).to.deep.equal({ path: '/srv/backups', maxBackups: 3, keepDays: 30, preMigration: false, verify: false, compress: true });
    });

    it('--database names a SQLite file even where database.type is postgres (it is not silently ignored)', async () => {
      await mkdir(path.join(dir, '.agent'));
      await writeFile(path.join(dir, '.agent', 'config.yml'), 'database:\n  type: postgres\n  url: postgresql://agent@127.0.0.1:1/workspace\n');
      expect((await loadConfig({ workspace: dir, env: {} })).database.type).to.equal('postgres');
      const config = await loadConfig({ workspace: dir, env: {}, databasePath: 'mine.db' });
      expect(config.database.type).to.equal('sqlite');
      expect(config.database.path).to.equal(path.resolve('mine.db'));
    });

    it('an empty file and an empty keep_days mean defaults', () => {
      expect(parse('').backup.maxBackups).to.equal(7);
      expect(parse('# nothing here\n').backup.keepDays).to.equal(null);
      expect(parse('backup:\n  keep_days:\n').backup.keepDays).to.equal(null);
    });

    it('a --config file that does not exist is ACODE-CFG-004', async () => {
      const missing = path.join(dir, 'nope.yml');
      const err = await loadConfig({ workspace: dir, file: missing, env: {} }).then(
        () => null,
        (e: unknown) => e as AcodeError,
      );
      expect(err).to.include({ code: 'ACODE-CFG-004', message: `Config file unreadable: ${missing}: no such file` });
    });

    it('a config.yml that is a symbolic link to a file no longer there is ACODE-CFG-004, not the defaults (its rules would be lost silently)', async () => {
      await mkdir(path.join(dir, '.agent'));
      await symlink('../dotfiles/acode.yml', path.join(dir, '.agent', 'config.yml'));
      const err = await loadConfig({ workspace: dir, env: {} }).then(
        () => null,
        (e: unknown) => e as AcodeError,
      );
      expect(err).to.include({ code: 'ACODE-CFG-004', message: `Config file unreadable: ${path.join(dir, '.agent', 'config.yml')} is a symbolic link to ../dotfiles/acode.yml, which does not exist` });
    });
  });

  it('~ and ~/… in a path are the home folder, as in a shell (it was a folder named ~ in the workspace); ~user and a~ are as written', () => {
    // A bare ~ is YAML's null: quoted, it is the home folder.
    const config = parse('database:\n  path: ~/agent/acode.db\nbackup:\n  path: "~"\nexport:\n  path: ~other/exports\n', { HOME: '/home/dana' });
    expect(config.database.path).to.equal('/home/dana/agent/acode.db');
    expect(config.backup.path).to.equal('/home/dana');
    expect(config.export.path).to.equal('/ws/~other/exports');
    expect(parse('backup:\n  path: a~/b\n', { HOME: '/home/dana' }).backup.path).to.equal('/ws/a~/b');
  });

  it('export.date_columns takes a table named __proto__ like any other name', () => {
    const config = parse('export:\n  date_columns:\n    __proto__: made\n    chats: opened_at\n');
    expect(Object.hasOwn(config.export.dateColumns, '__proto__')).to.equal(true);
    expect(config.export.dateColumns['__proto__']).to.equal('made');
    expect(config.export.dateColumns['chats']).to.equal('opened_at');
  });

  describe('ACODE_DATABASE_URL', () => {
    it('gives database.url when the file names none', () => {
      const config = parse('database:\n  type: postgres\n', { ACODE_DATABASE_URL: 'postgres://u@h/db' });
      expect(config.database).to.include({ type: 'postgres', url: 'postgres://u@h/db' });
    });

    it('is null when neither the file nor the environment gives one', () => {
      expect(parse('database:\n  type: postgres\n').database.url).to.equal(null);
    });
  });

  describe('a config logged by a program', () => {
    const password = randomBytes(12).toString('hex');
    const printed = (config: unknown): string[] => [JSON.stringify(config), inspect(config, { depth: 5 }), `${inspect(config, { depth: 5, showHidden: true })}`];

    it('shows database.url without its password, which the config still holds for the connection', () => {
      const url = `postgresql://app:${password}@db.internal:5432/agent`;
      const config = parse(`database:\n  url: ${url}\n`);
      expect(config.database.url).to.equal(url);
      expect(config.database).to.deep.equal({ type: 'postgres', path: '/ws/.agent/acode.db', url });
      for (const text of printed(config)) {
        expect(text).not.to.include(password);
        expect(text).to.include('postgresql://app@db.internal:5432/agent');
      }
      expect(JSON.parse(JSON.stringify(config)).database).to.deep.equal({ type: 'postgres', path: '/ws/.agent/acode.db', url: 'postgresql://app@db.internal:5432/agent' });
    });

    it('drops a password given in the query string or through ACODE_DATABASE_URL', () => {
      const config = parse('database:\n  type: postgres\n', { ACODE_DATABASE_URL: `postgresql://app@db/agent?sslmode=require&password=${password}` });
      for (const text of printed(config)) {
        expect(text).not.to.include(password);
        expect(text).to.include('postgresql://app@db/agent?sslmode=require');
      }
    });

    it('shows no part of a URL it cannot read', () => {
      const config = parse('database:\n  type: postgres\n', { ACODE_DATABASE_URL: `postgresql://app:a/${password}@db/agent` });
      for (const text of printed(config)) expect(text).not.to.include(password);
    });
  });

  describe('bad input', () => {
    it('malformed YAML is ACODE-CFG-001 with file, line and column', () => {
      const err = failure('backup:\n  path: a\n   bad: x\n');
      expect(err).to.include({
        code: 'ACODE-CFG-001',
        message: 'Config file is not valid YAML: .agent/config.yml:2:9: Nested mappings are not allowed in compact mappings',
        exitCode: 1,
      });
    });

    it('an unclosed flow sequence is ACODE-CFG-001 pointing past it', () => {
      const err = failure('backup:\n  max_backups: [1, 2\n');
      expect(err.code).to.equal('ACODE-CFG-001');
      expect(err.message).to.match(/^Config file is not valid YAML: \.agent\/config\.yml:\d+:\d+: /);
    });

    it('a key given twice is ACODE-CFG-001 at the second one', () => {
      expect(failure('backup:\n  path: a\nbackup:\n  path: b\n')).to.include({
        code: 'ACODE-CFG-001',
        message: 'Config file is not valid YAML: .agent/config.yml:3:1: Map keys must be unique',
      });
    });

    it('a misspelled key is ACODE-CFG-002 naming it and the valid key', () => {
      const err = failure('backup:\n  max_backup: 3\n');
      expect(err).to.include({
        code: 'ACODE-CFG-002',
        message: "Unknown config key: .agent/config.yml:2:3: unknown key 'backup.max_backup' — did you mean 'backup.max_backups'?",
      });
      expect(err.context).to.deep.equal({ key: 'backup.max_backup' });
    });

    it('a misspelled section is ACODE-CFG-002 too', () => {
      expect(failure('bakup:\n  path: x\n')).to.include({
        code: 'ACODE-CFG-002',
        message: "Unknown config key: .agent/config.yml:1:1: unknown key 'bakup' — did you mean 'backup'?",
      });
    });

    it('an unknown key with nothing near lists the valid keys', () => {
      expect(failure('backup:\n  colour: blue\n').message).to.equal(
        "Unknown config key: .agent/config.yml:2:3: unknown key 'backup.colour' — valid keys: path, max_backups, keep_days, pre_migration, verify, compress",
      );
    });

    it('a UTF-16 file (NULs between the letters) is ACODE-CFG-001 saying so, not a type error', () => {
      const utf16 = Buffer.from('\ufeffbackup:\n  max_backups: 3\n', 'utf16le').toString('utf8');
      expect(failure(utf16)).to.include({ code: 'ACODE-CFG-001', message: 'Config file is not valid YAML: .agent/config.yml: not UTF-8 text (UTF-16?): save it as UTF-8' });
    });

    it('a config file outside the workspace is named by its own path (it read ../../../dev/fd/63)', () => {
      const err = (() => {
        try {
          parseConfig('backup:\n  colour: blue\n', { workspace: WS, file: '/dev/fd/63', env: {} });
        } catch (e) {
          return e as AcodeError;
        }
        return null;
      })();
      expect(err!.message).to.match(/^Unknown config key: \/dev\/fd\/63:2:3: /);
    });

    it("keys Object.prototype has (toString, constructor, __proto__) are unknown keys like any other", () => {
      expect(failure('backup:\n  toString: 5\n')).to.include({ code: 'ACODE-CFG-002' }).and.have.property('message').that.includes("unknown key 'backup.toString'");
      expect(failure('constructor: [1, 2]\n')).to.include({ code: 'ACODE-CFG-002' });
      expect(failure('export:\n  __proto__:\n    x: 1\n')).to.include({ code: 'ACODE-CFG-002' });
    });

    it('an unknown key that may be a secret (a pasted URL) is described by its length, never shown', () => {
      const err = failure('database:\n  postgresql://agent:S3cretPW9x@h/db: 1\n');
      expect(err).to.include({
        code: 'ACODE-CFG-002',
        message: 'Unknown config key: .agent/config.yml:2:3: unknown key in database: a key of 34 characters (not shown: it may hold a secret) — valid keys: type, path, url',
      });
      expect(JSON.stringify(err.toJSON())).to.not.include('S3cretPW9x');
    });

    it('YAML anchors and aliases are refused where they stand (ACODE-CFG-001), never read as a value of another type', () => {
      expect(failure('database:\n  url: &p x\n  path: *p\n')).to.include({
        code: 'ACODE-CFG-001',
        message: 'Config file is not valid YAML: .agent/config.yml:3:9: an alias (*name) — acode does not read YAML anchors and aliases: write the value out',
      });
      expect(failure('export:\n  redaction_patterns:\n    - &r { name: a, pattern: x }\n    - *r\n')).to.include({ code: 'ACODE-CFG-001' });
    });

    it('a number out of every range reads as itself (Infinity), not as "the number null"', () => {
      expect(failure('backup:\n  max_backups: .inf\n').message).to.equal(
        'Config value has the wrong type: .agent/config.yml:2:16: backup.max_backups must be an integer, got the number Infinity',
      );
    });

    it('a wrong type is ACODE-CFG-003 naming key, expected type and the value got', () => {
      expect(failure('backup:\n  max_backups: seven\n')).to.include({
        code: 'ACODE-CFG-003',
        message: 'Config value has the wrong type: .agent/config.yml:2:16: backup.max_backups must be an integer, got the string "seven"',
      });
      expect(failure('backup:\n  verify: yes\n')).to.include({
        code: 'ACODE-CFG-003',
        message: 'Config value has the wrong type: .agent/config.yml:2:11: backup.verify must be true or false, got the string "yes"',
      });
      expect(failure('backup: 3\n')).to.include({
        code: 'ACODE-CFG-003',
        message: 'Config value has the wrong type: .agent/config.yml:1:9: backup must be a mapping of keys, got the number 3',
      });
      expect(failure('backup:\n  path: [a, b]\n').message).to.equal(
        'Config value has the wrong type: .agent/config.yml:2:9: backup.path must be a non-empty string, got a list',
      );
    });

    it('a value in the wrong place that may be a secret is described by its length, never shown', () => {
      const token = `ghp_${'Ab1Cd2Ef3G'.repeat(3)}h4Ij5K`;
      const env = failure(`OPENAI_API_KEY=sk-proj-${'x9'.repeat(12)}\nGITHUB_TOKEN=${token}\n`);
      expect(env).to.include({ code: 'ACODE-CFG-003' });
      expect(env.message).to.match(/the top level must be a mapping of keys, got a string of \d+ characters \(not shown: it may hold a secret\)$/);
      expect(env.message).to.not.include(token.slice(0, 12));
      const url = failure('database:\n  type: postgresql://agent:S3cretPassw0rd@db/ws\n');
      expect(url).to.include({ code: 'ACODE-CFG-005', message: 'Invalid config value: .agent/config.yml:2:9: database.type must be one of sqlite, postgres, got a string of 39 characters (not shown: it may hold a secret)' });
      expect(failure('backup:\n  max_backups: x9Kq2Lm8Zr4Tv6\n').message).to.not.include('x9Kq2Lm8Zr4Tv6');
    });

    it('a value out of range or not among the choices is ACODE-CFG-005', () => {
      expect(failure('backup:\n  max_backups: 0\n')).to.include({
        code: 'ACODE-CFG-005',
        message: 'Invalid config value: .agent/config.yml:2:16: backup.max_backups must be at least 1, got 0',
      });
      expect(failure('database:\n  type: sqlit\n')).to.include({
        code: 'ACODE-CFG-005',
        message: "Invalid config value: .agent/config.yml:2:9: database.type must be one of sqlite, postgres, got 'sqlit' — did you mean 'sqlite'?",
      });
    });
  });

  describe('closest', () => {
    it('suggests near keys and nothing for far ones', () => {
      expect(closest('max_backup', ['path', 'max_backups', 'keep_days'])).to.equal('max_backups');
      expect(closest('keepdays', ['path', 'max_backups', 'keep_days'])).to.equal('keep_days');
      expect(closest('colour', ['path', 'max_backups', 'keep_days'])).to.equal(undefined);
    });
  });
});
