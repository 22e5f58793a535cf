import { spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { AcodeError } from '../../lib/errors.js';
import { exportDatabase } from '../../lib/export.js';
import type { ExportManifest } from '../../lib/export-manifest.js';
import { lines, runCli, spawnCli, type CliResult } from '../support/cli.js';
import { digestOfFile, FakeTerminal, runShell, treeOf } from '../support/export-files.js';
import { contentDigest } from '../support/sqlite.js';
import { leftovers, listDir, makeTempDir, removeTempDir } from '../support/temp.js';
import { mountTmpfs, unmount } from '../support/tmpfs.js';
import { makeUnwritableFolder, NOBODY, nobodyCanRunCli, type UnwritableFolder } from '../support/unwritable.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const AT = { ACODE_NOW: '2024-01-20T14:30:45Z' };
const TABLES = 'appr_approvals, conv_chats, conv_messages, conv_runs, credentials, schema_version, sess_sessions, settings';
const OPTIONS_HINT = ' — see `acode db export --help`';
const NOT_DATE = "is not an ISO 8601 date (2024-01-20) or date-time (2024-01-20T14:30:00Z)";
const NOT_WRITABLE_HINT = ' — check the folder exists and can be written, or choose another --output';
const INTERRUPTED = ': interrupted — nothing was kept; run the command again when you are ready';

/** The one line a failure ends with. */
function lastLine(r: CliResult): string {
  return lines(r.stderr).at(-1) ?? '';
}

describe('e2e: export failures leave nothing half-written', function () {
  let ws: SeededWorkspace;
  let dbDigest: string;
  let before: Record<string, string>;

  beforeEach(async () => {
    ws = await createWorkspace({ database: 'demo' });
    dbDigest = contentDigest(ws.db);
    before = await treeOf(ws.dir);
  });
  afterEach(() => removeTempDir(ws.dir));

  const cli = (args: readonly string[], env: Record<string, string> = {}) => runCli(['db', 'export', ...args], { workspace: ws.dir, env: { ...AT, ...env } });

  async function expectNothingWritten(): Promise<void> {
    expect(await treeOf(ws.dir), 'the workspace folder is unchanged').to.deep.equal(before);
    expect(contentDigest(ws.db)).to.equal(dbDigest);
  }

  describe('bad options: exit 64, one line naming the problem, nothing written', () => {
    for (const [label, args, line] of [
      ['an unknown table', ['--tables', 'nope,conv_chats'], `✗ ACODE-EXP-004 Unknown table: 'nope' not in the database; tables: ${TABLES} — use one of the tables listed`],
      ['--tables naming no table', ['--tables', ' , '], "✗ ACODE-USE-001 Invalid usage: option '-t, --tables <names>' argument ' , ' is invalid. expected table names separated by commas, got ' , ' — see `acode --help` or `acode <command> --help`"],
      ['an unknown excluded table', ['--exclude-tables', 'ghost'], `✗ ACODE-EXP-004 Unknown table: 'ghost' not in the database; tables: ${TABLES} — use one of the tables listed`],
      ['an unknown format', ['--format', 'xml'], "✗ ACODE-USE-001 Invalid usage: option '-f, --format <format>' argument 'xml' is invalid. Allowed choices are json, ndjson, csv, sqlite. — see `acode --help` or `acode <command> --help`"],
      ['--since after --until', ['--since', '2024-02-01', '--until', '2024-01-01'], `✗ ACODE-EXP-006 Invalid export options: --since 2024-02-01 is not before --until 2024-01-01${OPTIONS_HINT}`],
      ['--since equal to a date-time --until', ['--since', '2024-01-01T10:00:00Z', '--until', '2024-01-01T10:00:00Z'], `✗ ACODE-EXP-006 Invalid export options: --since 2024-01-01T10:00:00Z is not before --until 2024-01-01T10:00:00Z${OPTIONS_HINT}`],
      ['a word for a date', ['--since', 'yesterday'], `✗ ACODE-EXP-006 Invalid export options: --since 'yesterday' ${NOT_DATE}${OPTIONS_HINT}`],
      ['a day that does not exist', ['--until', '2024-02-30'], `✗ ACODE-EXP-006 Invalid export options: --until '2024-02-30' ${NOT_DATE}${OPTIONS_HINT}`],
      ['month 13', ['--since', '2024-13-01'], `✗ ACODE-EXP-006 Invalid export options: --since '2024-13-01' ${NOT_DATE}${OPTIONS_HINT}`],
      ['a date without dashes', ['--since', '20240101'], `✗ ACODE-EXP-006 Invalid export options: --since '20240101' ${NOT_DATE}${OPTIONS_HINT}`],
      ['sqlite in a tar bundle', ['--format', 'sqlite', '--output', 'x.tar'], `✗ ACODE-EXP-006 Invalid export options: the sqlite format is a single database file; --archive tar applies to json, ndjson and csv${OPTIONS_HINT}`],
      ['a gzipped SQLite export by name, which export verify and import could never open', ['--output', 'x.db.gz'], "✗ ACODE-EXP-006 Invalid export options: the sqlite format is a database file and is not gzipped (x.db.gz) — export to a .db file and check it with `acode db export verify`; gzip is for json, ndjson and csv"],
      ['a gzipped SQLite export by flag', ['--format', 'sqlite', '--gzip', '--output', 'x.db'], "✗ ACODE-EXP-006 Invalid export options: the sqlite format is a database file and is not gzipped (--gzip) — export to a .db file and check it with `acode db export verify`; gzip is for json, ndjson and csv"],
      ['an empty --database (an unset variable), which would export the configured database instead', ['--database', ''], '✗ ACODE-USE-001 Invalid usage: --database needs a value, got an empty one — give --database a path, or leave the flag out'],
      ['every table excluded', ['--tables', 'settings', '--exclude-tables', 'settings'], `✗ ACODE-EXP-006 Invalid export options: no table left to export after --tables/--exclude-tables${OPTIONS_HINT}`],
    ] as const) {
      it(label, async () => {
        // --output first: a case's own --output (x.tar) comes later and wins.
        const r = await cli(['--output', 'out.json', ...args]);
        expect(r.code, r.stderr).to.equal(64);
        expect(r.stdout).to.equal('');
        expect(lastLine(r)).to.equal(line);
        await expectNothingWritten();
      });
    }
  });

  describe('--tables naming a virtual table, and export.date_columns naming no column', () => {
    it('a virtual (FTS5) table and its shadow table: said what they are, not "not in the database", exit 64; --exclude-tables may name them', async () => {
      const { openDb } = await import('../support/sqlite.js');
      const db = openDb(ws.db);
      db.exec('CREATE VIRTUAL TABLE msg_fts USING fts5(content)');
      db.close();
      before = await treeOf(ws.dir);
      dbDigest = contentDigest(ws.db);
      for (const [tables, line] of [
        ['msg_fts', "✗ ACODE-EXP-006 Invalid export options: 'msg_fts' is a virtual table: exports do not take virtual tables or their shadow tables (a backup keeps them) — leave it out of --tables"],
        ['settings,msg_fts_data', "✗ ACODE-EXP-006 Invalid export options: 'msg_fts_data' is a shadow table: exports do not take virtual tables or their shadow tables (a backup keeps them) — leave it out of --tables"],
      ] as const) {
        const r = await cli(['--output', 'out.json', '--tables', tables]);
        expect(r.code, r.stderr).to.equal(64);
        expect(lastLine(r)).to.equal(line);
        await expectNothingWritten();
      }
      const excluded = await cli(['--output', 'out.json', '--exclude-tables', 'msg_fts,msg_fts_data', '-q']);
      expect(excluded.code, excluded.stderr).to.equal(0);
    });

    it('a date_columns entry naming no column: ignored without --since/--until (it failed every export and acode demo, exit 64); with them ACODE-CFG-005 at its line, exit 1', async () => {
      await writeFile(ws.configFile, 'export:\n  date_columns:\n    sess_sessions: started\n');
      before = await treeOf(ws.dir);
      const plain = await cli(['--output', 'all.json', '-q']);
      expect(plain.code, plain.stderr).to.equal(0);
      const demo = await runCli(['demo', '-q'], { workspace: ws.dir, env: AT });
      expect(demo.code, demo.stderr).to.equal(0);
      await rm(path.join(ws.dir, 'all.json'));
      await rm(path.join(ws.dir, 'all.json.manifest.json'));
      await rm(path.join(ws.dir, '.agent', 'exports'), { recursive: true });
      await rm(ws.backups, { recursive: true });
      const r = await cli(['--output', 'out.json', '--since', '2024-01-01']);
      expect(r.code).to.equal(1);
      expect(lines(r.stderr)).to.deep.equal([
        "✗ ACODE-CFG-005 Invalid config value: .agent/config.yml:3:20: export.date_columns names sess_sessions.started for --since/--until, and sess_sessions has no column started; columns: id, user_name, email, cwd, shell_env, started_at, ended_at, created_at — set export.date_columns.sess_sessions to one of its columns, or remove the entry (created_at is then used where the table has one)",
      ]);
      await expectNothingWritten();
    });
  });

  describe('several CSV tables to a terminal: refused, exit 64, nothing written to it', () => {
    it('the library, given a stdout that is a terminal: ACODE-EXP-006, no byte written', async () => {
      const stdout = new FakeTerminal();
      const err = await exportDatabase({ config: await ws.config(), format: 'csv', output: '-', stdout, redact: false }).then(() => null, (e: unknown) => e);
      expect(err).to.be.instanceOf(AcodeError);
      expect((err as AcodeError).code).to.equal('ACODE-EXP-006');
      expect((err as AcodeError).message).to.equal('Invalid export options: refusing to write a tar stream to a terminal');
      expect((err as AcodeError).hint).to.equal('give --output FILE, or pipe the output into a file or program');
      expect(stdout.chunks).to.deep.equal([]);
      await expectNothingWritten();
    });

    it('one CSV table may go to a terminal: the plain CSV, nothing else', async () => {
      const stdout = new FakeTerminal();
      await exportDatabase({ config: await ws.config(), format: 'csv', tables: ['settings'], output: '-', stdout, redact: false });
      const text = Buffer.concat(stdout.chunks).toString('utf8');
      expect(text.split('\r\n')[0]).to.equal('key,value,updated_at');
      expect(text.split('\r\n')).to.have.length(5 + 2);
    });

    it('the CLI in a real terminal (script): exit 64 and the one line', async function () {
      if ((await runShell('command -v script', { cwd: ws.dir })).code !== 0) {
        this.test!.title += ' (pending: no `script` to give the CLI a terminal)';
        this.skip();
      }
      const r = await runShell('script -qec "$ACODE db export --format csv --no-redact --output -" /dev/null', { cwd: ws.dir, env: AT });
      expect(r.code).to.equal(64);
      expect(lines(r.stdout.replaceAll('\r\n', '\n')).at(-1)).to.equal('✗ ACODE-EXP-006 Invalid export options: refusing to write a tar stream to a terminal — give --output FILE, or pipe the output into a file or program');
      await expectNothingWritten();
    });
  });

  describe('the output folder is missing', () => {
    for (const [format, output] of [
      ['json', 'missing/e.json'],
      ['csv', 'missing/e.tar'],
      ['sqlite', 'missing/e.db'],
    ] as const) {
      it(`${format} to ${output}: ACODE-EXP-008 exit 1, nothing created`, async () => {
        const r = await cli(['--format', format, '--no-redact', '--output', output]);
        expect(r.code, r.stderr).to.equal(1);
        const line = lastLine(r);
        const folder = path.join(ws.dir, 'missing');
        expect(line).to.equal(`✗ ACODE-EXP-008 Output location not writable: no folder ${folder} to write into${NOT_WRITABLE_HINT}`);
        // Refused before the work: not one line of it was printed.
        expect(r.stderr).to.not.include('Exporting');
        await expectNothingWritten();
      });
    }

    it('--dry-run and --plan refuse it as the run would: ACODE-EXP-008 exit 1, nothing created', async () => {
      for (const flag of ['--dry-run', '--plan']) {
        const r = await cli(['--format', 'json', '--no-redact', flag, '--output', 'missing/e.json']);
        expect(r.code, r.stderr).to.equal(1);
        expect(lastLine(r)).to.equal(`✗ ACODE-EXP-008 Output location not writable: no folder ${path.join(ws.dir, 'missing')} to write into${NOT_WRITABLE_HINT}`);
        expect(r.stdout).to.not.include('Export plan');
      }
      await expectNothingWritten();
    });

    it('a CSV folder in a missing folder is ACODE-EXP-008, not created parents and all', async () => {
      const r = await cli(['--format', 'csv', '--no-redact', '--output', 'missing/deeper/all.csv']);
      expect(r.code, r.stderr).to.equal(1);
      expect(lastLine(r)).to.match(/^✗ ACODE-EXP-008 Output location not writable: /);
      await expectNothingWritten();
    });
  });

  describe('the output folder is read-only (as nobody, or a read-only mount, when root)', () => {
    let ro: string;
    let as: { uid?: number; gid?: number } = {};
    let refusal = '';
    let folder: UnwritableFolder | string;
    beforeEach(async function () {
      ro = path.join(ws.dir, 'ro');
      folder = await makeUnwritableFolder(ro, ws);
      if (typeof folder === 'string') {
        this.currentTest!.title += ` — pending: ${folder}`;
        return this.skip();
      }
      as = folder.as;
      refusal = folder.refusal;
      before = await treeOf(ws.dir);
    });
    afterEach(() => {
      if (typeof folder !== 'string') folder.cleanup();
    });

    for (const [format, output] of [
      ['json', 'e.json'],
      ['ndjson', 'e.ndjson.gz'],
      ['csv', 'e.tar.gz'],
      ['sqlite', 'e.db'],
    ] as const) {
      it(`${format} to ro/${output}: ACODE-EXP-008 exit 1, the folder stays empty`, async () => {
        const r = await runCli(['db', 'export', '--format', format, '--no-redact', '--output', path.join(ro, output)], { workspace: ws.dir, env: AT, ...as });
        expect(r.code, r.stderr).to.equal(1);
        const line = lastLine(r);
        expect(line.startsWith(`✗ ACODE-EXP-008 Output location not writable: cannot create a file in ${ro}: ${refusal}, open '${ro}/.${output}.acode-tmp-`), line).to.equal(true);
        expect(line.endsWith(NOT_WRITABLE_HINT), line).to.equal(true);
        expect(await listDir(ro)).to.deep.equal([]);
        await expectNothingWritten();
      });
    }

    it('a CSV folder in a read-only folder is ACODE-EXP-008 with the export hint', async () => {
      const r = await runCli(['db', 'export', '--format', 'csv', '--no-redact', '--output', path.join(ro, 'all.csv')], { workspace: ws.dir, env: AT, ...as });
      expect(r.code, r.stderr).to.equal(1);
      expect(lastLine(r)).to.match(/^✗ ACODE-EXP-008 Output location not writable: .* — check the folder exists and can be written, or choose another --output$/);
      expect(await listDir(ro)).to.deep.equal([]);
    });
  });

  describe('the output exists', () => {
    for (const [format, output, made] of [
      ['json', 'e.json', 'e.json'],
      ['csv', 'e.tar.gz', 'e.tar.gz'],
      ['sqlite', 'e.db', 'e.db'],
      ['csv', 'all.csv', 'all'],
    ] as const) {
      it(`${format} to ${output}: ACODE-EXP-007 exit 1 and the old output untouched; --force replaces it and its manifest`, async () => {
        const first = await cli(['--format', format, '--tables', 'settings,credentials', '--no-redact', '--output', output]);
        expect(first.code, first.stderr).to.equal(0);
        const target = path.join(ws.dir, made);
        const written = await treeOf(ws.dir);
        before = written;
        const again = await cli(['--format', format, '--no-redact', '--output', output]);
        expect(again.code, again.stderr).to.equal(1);
        expect(lastLine(again)).to.equal(`✗ ACODE-EXP-007 Output already exists: ${target} exists — choose another --output or add --force to replace it`);
        await expectNothingWritten();
        expect(await leftovers(ws.dir)).to.deep.equal([]);

        // A dry run tells what the run would: the same refusal, and with --force a plan.
        const dry = await cli(['--format', format, '--no-redact', '--dry-run', '--output', output]);
        expect(dry.code, dry.stderr).to.equal(1);
        expect(lastLine(dry)).to.equal(lastLine(again));
        const dryForced = await cli(['--format', format, '--no-redact', '--dry-run', '--force', '--output', output]);
        expect(dryForced.code, dryForced.stderr).to.equal(0);
        expect(dryForced.stdout).to.include('Export plan (dry run: nothing is written)');
        await expectNothingWritten();

        const forced = await cli(['--format', format, '--no-redact', '--force', '--output', output]);
        expect(forced.code, forced.stderr).to.equal(0);
        const manifestFile = made === 'all' ? path.join(target, 'manifest.json') : `${target}.manifest.json`;
        const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as ExportManifest;
        expect(manifest.tables.map((t) => t.name)).to.have.length(8);
        for (const f of manifest.files) expect(f, f.name).to.deep.include(await digestOfFile(made === 'all' ? path.join(target, f.name) : target));
        expect(await leftovers(ws.dir)).to.deep.equal([]);
        expect(await leftovers(target).catch(() => [])).to.deep.equal([]);
      });
    }
  });

  it('a WAL database it may read but not write (it needs its -shm file): ACODE-DB-007 saying so, exit 1', async function () {
    const root = process.getuid?.() === 0;
    if (root && !nobodyCanRunCli()) {
      // Root, and nobody cannot reach the CLI (a private checkout): a copy on a read-only mount.
      const mount = path.join(ws.dir, 'ro-db');
      await mkdir(mount);
      if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mount]).status !== 0) return this.skip();
      try {
        const copy = path.join(mount, 'acode.db');
        await copyFile(ws.db, copy);
        expect(spawnSync('mount', ['-o', 'remount,ro', mount]).status).to.equal(0);
        const r = await runCli(['db', 'export', '--tables', 'settings', '--no-redact', '--output', '-', '--database', copy], { workspace: ws.dir, env: AT });
        expect(r.code, r.stderr).to.equal(1);
        expect(r.stdout).to.equal('');
        expect(lastLine(r)).to.match(new RegExp(`^✗ ACODE-DB-007 Database not accessible: cannot open database ${copy}: .+ — acode needs read and write access to the database file and its folder \\(a WAL database writes its -shm file even to be read\\)$`));
      } finally {
        spawnSync('umount', [mount]);
        await rm(mount, { recursive: true, force: true });
      }
      return;
    }
    const folder = path.dirname(ws.db);
    // As root the CLI runs as nobody, who may enter and read but not write; otherwise the modes say it.
    await chmod(ws.dir, 0o755);
    await chmod(folder, root ? 0o755 : 0o555);
    await chmod(ws.db, root ? 0o644 : 0o444);
    try {
      const r = await runCli(['db', 'export', '--tables', 'settings', '--no-redact', '--output', '-'], { workspace: ws.dir, env: AT, ...(root ? NOBODY : {}) });
      expect(r.code, r.stderr).to.equal(1);
      expect(r.stdout).to.equal('');
      expect(lastLine(r)).to.match(new RegExp(`^✗ ACODE-DB-007 Database not accessible: cannot open database ${ws.db}: .+ — acode needs read and write access to the database file and its folder \\(a WAL database writes its -shm file even to be read\\)$`));
    } finally {
      await chmod(folder, 0o755);
      await chmod(ws.db, 0o644);
    }
    await expectNothingWritten();
  });

  it('a one-file export given an existing folder (`--output outdir/`): ACODE-EXP-007 saying so and to name a file in it (it offered --force, which refuses a folder), nothing written', async () => {
    const folder = path.join(ws.dir, 'outdir');
    await mkdir(folder);
    before = await treeOf(ws.dir);
    for (const output of ['outdir/', 'outdir']) {
      const r = await cli(['--tables', 'settings', '--output', output]);
      expect(r.code, r.stderr).to.equal(1);
      expect(lastLine(r)).to.equal(`✗ ACODE-EXP-007 Output already exists: ${folder} is a folder, and this export is one file — give --output the file to write: a name inside outdir/, or elsewhere`);
    }
    await expectNothingWritten();
  });

  describe('--force replaces an earlier export, and nothing else', () => {
    const refused = (target: string, why: string): string => `✗ ACODE-EXP-007 Output already exists: ${target} ${why}; --force replaces only an earlier export — choose another --output`;

    it('not the workspace folder that holds the database: exit 1, every file still there', async () => {
      const r = await cli(['--format', 'csv', '--tables', 'settings,credentials', '--no-redact', '--force', '--output', ws.dir]);
      expect(r.code, r.stderr).to.equal(1);
      expect(lastLine(r)).to.equal(refused(ws.dir, 'holds the database being exported'));
      await expectNothingWritten();
    });

    it('not the database being exported, nor its WAL: exit 1, the database unchanged', async () => {
      for (const target of [ws.db, `${ws.db}-wal`]) {
        const r = await cli(['--format', 'json', '--tables', 'settings', '--no-redact', '--force', '--output', target]);
        expect(r.code, r.stderr).to.equal(1);
        expect(lastLine(r)).to.equal(refused(target, 'is the database being exported'));
      }
      await expectNothingWritten();
    });

    it('not a folder of other files, nor an export folder someone added a file to', async () => {
      const folder = path.join(ws.dir, 'mine');
      await mkdir(folder);
      await writeFile(path.join(folder, 'precious.txt'), 'keep me');
      const r = await cli(['--format', 'csv', '--no-redact', '--force', '--output', folder]);
      expect(r.code, r.stderr).to.equal(1);
      expect(lastLine(r)).to.equal(refused(folder, 'is not an export folder (no acode manifest.json in it)'));
      expect(await readFile(path.join(folder, 'precious.txt'), 'utf8')).to.equal('keep me');

      const exported = path.join(ws.dir, 'all');
      expect((await cli(['--format', 'csv', '--tables', 'settings,credentials', '--no-redact', '--output', 'all.csv'])).code).to.equal(0);
      await writeFile(path.join(exported, 'notes.txt'), 'mine');
      const again = await cli(['--format', 'csv', '--tables', 'settings,credentials', '--no-redact', '--force', '--output', 'all.csv']);
      expect(again.code, again.stderr).to.equal(1);
      expect(lastLine(again)).to.equal(refused(exported, 'holds files that are not part of its export (notes.txt)'));
      expect(await listDir(exported)).to.deep.equal(['credentials.csv', 'manifest.json', 'notes.txt', 'settings.csv']);
    });

    it('not a file that is no earlier export (a backup and its manifest, a config file), nor a --manifest file that is no export manifest', async () => {
      const backup = await cli(['--format', 'json', '--tables', 'settings', '--no-redact', '--output', 'first.json']);
      expect(backup.code, backup.stderr).to.equal(0);
      await rm(path.join(ws.dir, 'first.json.manifest.json'));
      await writeFile(path.join(ws.dir, 'notes.yml'), 'mine: true\n');
      before = await treeOf(ws.dir);
      const orphan = await cli(['--format', 'json', '--tables', 'settings', '--no-redact', '--force', '--output', 'first.json']);
      expect(orphan.code, orphan.stderr).to.equal(1);
      expect(lastLine(orphan)).to.equal(refused(path.join(ws.dir, 'first.json'), 'is not an earlier export (no export manifest first.json.manifest.json lists it)'));
      const config = await cli(['--format', 'json', '--tables', 'settings', '--no-redact', '--force', '--output', 'notes.yml']);
      expect(config.code, config.stderr).to.equal(1);
      expect(lastLine(config)).to.equal(refused(path.join(ws.dir, 'notes.yml'), 'is not an earlier export (no export manifest notes.yml.manifest.json lists it)'));
      const named = await cli(['--format', 'ndjson', '--tables', 'settings', '--no-redact', '--force', '--output', '-', '--manifest', 'notes.yml']);
      expect(named.code, named.stderr).to.equal(1);
      expect(named.stdout).to.equal('');
      expect(lastLine(named)).to.equal(refused(path.join(ws.dir, 'notes.yml'), 'is not the manifest of an export to standard output'));
      await expectNothingWritten();
    });

    it('not an export edited since, nor another export\'s manifest given as --manifest; a stream\'s own manifest and an empty folder are replaced', async () => {
      expect((await cli(['--format', 'json', '--tables', 'settings', '--no-redact', '--output', 'o.json'])).code).to.equal(0);
      await writeFile(path.join(ws.dir, 'o.json'), 'my notes\n', { flag: 'a' });
      const size = (await readFile(path.join(ws.dir, 'o.json'))).length;
      const edited = await cli(['--format', 'json', '--tables', 'settings', '--no-redact', '--force', '--output', 'o.json']);
      expect(edited.code, edited.stderr).to.equal(1);
      const listed = (JSON.parse(await readFile(path.join(ws.dir, 'o.json.manifest.json'), 'utf8')) as ExportManifest).files[0]!.bytes;
      expect(lastLine(edited)).to.equal(refused(path.join(ws.dir, 'o.json'), `is not the earlier export o.json.manifest.json lists (${size} bytes, not ${listed})`));
      expect((await readFile(path.join(ws.dir, 'o.json'), 'utf8')).endsWith('my notes\n')).to.equal(true);

      const sidecar = await cli(['--format', 'ndjson', '--tables', 'settings', '--no-redact', '--force', '--output', '-', '--manifest', 'o.json.manifest.json']);
      expect(sidecar.code, sidecar.stderr).to.equal(1);
      expect(sidecar.stdout).to.equal('');
      expect(lastLine(sidecar)).to.equal(refused(path.join(ws.dir, 'o.json.manifest.json'), 'is not the manifest of an export to standard output'));

      for (let i = 0; i < 2; i++) {
        const stream = await cli(['--format', 'ndjson', '--tables', 'settings', '--no-redact', '--force', '--output', '-', '--manifest', 's.json']);
        expect(stream.code, stream.stderr).to.equal(0);
      }
      await mkdir(path.join(ws.dir, 'empty'));
      const intoEmpty = await cli(['--format', 'csv', '--tables', 'settings,credentials', '--no-redact', '--force', '--output', 'empty']);
      expect(intoEmpty.code, intoEmpty.stderr).to.equal(0);
      expect(await listDir(path.join(ws.dir, 'empty'))).to.deep.equal(['credentials.csv', 'manifest.json', 'settings.csv']);
    });

    it('a manifest beside the output or named by --manifest is not replaced without --force; --manifest needs stdout and an existing folder', async () => {
      await writeFile(path.join(ws.dir, 'e.json.manifest.json'), 'an older manifest');
      const side = await cli(['--format', 'json', '--tables', 'settings', '--no-redact', '--output', 'e.json']);
      expect(side.code, side.stderr).to.equal(1);
      expect(lastLine(side)).to.equal(`✗ ACODE-EXP-007 Output already exists: ${path.join(ws.dir, 'e.json.manifest.json')} exists — choose another --output or add --force to replace it`);
      expect(await readFile(path.join(ws.dir, 'e.json.manifest.json'), 'utf8')).to.equal('an older manifest');
      expect(await listDir(ws.dir)).to.not.include('e.json');

      await writeFile(path.join(ws.dir, 'm.json'), 'mine');
      const named = await cli(['--format', 'ndjson', '--tables', 'settings', '--no-redact', '--output', '-', '--manifest', 'm.json']);
      expect(named.code, named.stderr).to.equal(1);
      expect(named.stdout, 'no byte reaches stdout').to.equal('');
      expect(lastLine(named)).to.equal(`✗ ACODE-EXP-007 Output already exists: ${path.join(ws.dir, 'm.json')} exists — choose another --output or add --force to replace it`);

      const missing = await cli(['--format', 'ndjson', '--tables', 'settings', '--no-redact', '--output', '-', '--manifest', 'nowhere/m.json']);
      expect(missing.code, missing.stderr).to.equal(1);
      expect(missing.stdout).to.equal('');
      expect(lastLine(missing)).to.equal(`✗ ACODE-EXP-008 Output location not writable: no folder ${path.join(ws.dir, 'nowhere')} to write into${NOT_WRITABLE_HINT}`);

      const toFile = await cli(['--format', 'json', '--tables', 'settings', '--no-redact', '--output', 'f.json', '--manifest', 'm2.json']);
      expect(toFile.code, toFile.stderr).to.equal(64);
      expect(lastLine(toFile)).to.equal(`✗ ACODE-EXP-006 Invalid export options: --manifest is for an export to standard output; this one writes its manifest beside it, as f.json.manifest.json${OPTIONS_HINT}`);
    });
  });

  describe('a full disk (tmpfs)', () => {
    let disk: string;
    let mounted = false;
    beforeEach(async function () {
      disk = path.join(ws.dir, 'small-disk');
      const why = await mountTmpfs(disk, 8 * 1024);
      if (why) {
        this.currentTest!.title += ` (pending: ${why})`;
        this.skip();
      }
      mounted = true;
      before = await treeOf(ws.dir);
    });
    afterEach(() => {
      if (mounted) unmount(disk);
      mounted = false;
    });

    for (const [format, output] of [
      ['json', 'e.json'],
      ['ndjson', 'e.ndjson.gz'],
      ['csv', 'all.csv'],
      ['sqlite', 'e.db'],
    ] as const) {
      it(`${format} to ${output}: ACODE-EXP-009 exit 1, nothing left on the disk`, async () => {
        const r = await cli(['--format', format, '--no-redact', '--output', path.join(disk, output)]);
        expect(r.code, r.stderr).to.equal(1);
        expect(lastLine(r)).to.match(/^✗ ACODE-EXP-009 Not enough disk space for the export: .*(ENOSPC: no space left on device|database or disk is full)/);
        expect(await listDir(disk)).to.deep.equal([]);
        await expectNothingWritten();
      });
    }

    it('csv to all.tar on a full disk: ACODE-EXP-009 exit 1, no stack trace', async () => {
      const r = await cli(['--format', 'csv', '--no-redact', '--output', path.join(disk, 'all.tar')]);
      expect(r.code, r.stderr).to.equal(1);
      expect(lastLine(r)).to.match(/^✗ ACODE-EXP-009 Not enough disk space for the export: .*ENOSPC: no space left on device/);
      expect(r.stderr).to.not.match(/^\s+at /m);
      expect(await listDir(disk)).to.deep.equal([]);
    });

    it('the disk-full hint of an export names --output, not the backup flag --output-dir', async () => {
      const r = await cli(['--format', 'json', '--no-redact', '--output', path.join(disk, 'e.json')]);
      expect(lastLine(r)).to.match(/ — .*--output\b(?!-dir)/);
    });
  });
});

describe('e2e: Ctrl-C during an export', function () {
  let ws: SeededWorkspace;
  let out: string;
  let scratch: string;

  before(async () => {
    // ~30 MB of realistic workspace content, redacted as by default: seconds of writing to interrupt.
    ws = await createWorkspace({ database: 'demo', seed: { targetBytes: 30_000_000, messageChars: [200, 4000] } });
  });
  after(() => removeTempDir(ws.dir));
  beforeEach(async () => {
    out = await makeTempDir('sigint-out');
    scratch = await makeTempDir('sigint-tmp');
  });
  afterEach(async () => {
    await removeTempDir(out);
    await removeTempDir(scratch);
  });

  for (const [label, args, made] of [
    ['a JSON file', ['--format', 'json', '--output', 'e.json'], 'e.json'],
    ['a CSV folder', ['--format', 'csv', '--output', 'all.csv'], 'all'],
    ['a tar.gz bundle', ['--format', 'ndjson', '--output', 'e.tar.gz'], 'e.tar.gz'],
    ['a SQLite file', ['--format', 'sqlite', '--output', 'e.db'], 'e.db'],
  ] as const) {
    it(`${label}: exit 1, ACODE-EXP-001 interrupted, no output, no temporary file, no scratch folder`, async () => {
      const dbDigest = contentDigest(ws.db);
      // TMPDIR: the tar bundle spools its tables in a scratch folder; it must go too.
      const run = spawnCli(['db', 'export', ...args], { workspace: ws.dir, cwd: out, env: { ...AT, TMPDIR: scratch } });
      // The small tables are done: conv_messages, nearly all of the data, is being written.
      await run.waitForStderr('✓ conv_chats (');
      run.child.kill('SIGINT');
      const r = await run.done;
      expect(r.code, r.stderr).to.equal(1);
      expect(r.stdout).to.equal('');
      // The table being read when it stopped is named: the small ones before it are done.
      expect(lastLine(r)).to.equal(`✗ ACODE-EXP-001 Export failed: export to ${path.join(out, made)}, table conv_messages${INTERRUPTED}`);
      expect(r.stderr).to.not.match(/^\s+at |Error:/m);
      expect(await listDir(out)).to.deep.equal([]);
      expect(await listDir(scratch)).to.deep.equal([]);
      expect(await leftovers(path.dirname(ws.db))).to.deep.equal([]);
      expect(contentDigest(ws.db)).to.equal(dbDigest);
    });
  }
});

