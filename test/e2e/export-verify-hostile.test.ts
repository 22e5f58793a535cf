import { randomInt } from 'node:crypto';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { copyFile, open, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { lines, runCli, spawnCli, type CliResult } from '../support/cli.js';
import { buildTar, digestOfFile, readTarEntries } from '../support/export-files.js';
import { makeTempDir, removeTempDir } from '../support/temp.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const randomText = (n: number, alphabet = ALNUM): string => Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join('');
/** A fake GitHub token, made for this run: it matches the vendor_token detector and is nobody's. */
const fakeToken = (): string => `ghp_${randomText(36)}`;

/**
 * Exports a reader of the file alone could read a secret in, or that would make verify hang or
 * change what it checks: each must fail verify (exit 2), quickly, without the secret in the output.
 */
describe('e2e: acode db export verify on hostile exports', function () {
  let dir: string;
  const cli = (args: readonly string[]): Promise<CliResult> => runCli(args, { workspace: dir, killAfterMs: 60_000 });
  const verify = (...args: string[]): Promise<CliResult> => cli(['db', 'export', 'verify', ...args]);
  /** Points a file export's sidecar manifest at the file as it is now (after an edit). */
  async function refreshSidecar(file: string): Promise<void> {
    const manifestFile = `${file}.manifest.json`;
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { files: { sha256: string; bytes: number }[] };
    Object.assign(manifest.files[0]!, await digestOfFile(file));
    await writeFile(manifestFile, JSON.stringify(manifest, null, 2));
  }
  function expectRefused(r: CliResult, secret?: string): void {
    expect(r.signal, 'killed: verify hung').to.equal(null);
    expect(r.code, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`).to.equal(2);
    expect(lines(r.stdout).at(-1)).to.equal('Export FAILED verification: do not share it.');
    if (secret) expect(r.stdout + r.stderr).to.not.include(secret.slice(4, 20));
  }

  before(async () => {
    dir = await makeTempDir('verify-hostile');
    const demo = await cli(['demo']);
    expect(demo.code, demo.stderr).to.equal(0);
  });
  after(() => removeTempDir(dir));

  it('a CSV folder whose listed file is a link to /dev/zero or a FIFO: refused at once, no endless read (verify and import)', async () => {
    expect((await cli(['db', 'export', '--format', 'csv', '--output', 'linked.csv'])).code).to.equal(0);
    expect((await cli(['db', 'export', '--format', 'csv', '--output', 'fifo.csv'])).code).to.equal(0);
    await rm(path.join(dir, 'linked', 'settings.csv'));
    await symlink('/dev/zero', path.join(dir, 'linked', 'settings.csv'));
    await rm(path.join(dir, 'fifo', 'settings.csv'));
    execFileSync('mkfifo', [path.join(dir, 'fifo', 'settings.csv')]);
    const linked = await verify('linked');
    expectRefused(linked);
    expect(linked.stdout).to.include('settings.csv: a symbolic link, not a regular file');
    const fifo = await verify('fifo');
    expectRefused(fifo);
    expect(fifo.stdout).to.include('settings.csv: not a regular file');
    const imported = await cli(['db', 'import', 'fifo', '--database', 'from-fifo.db']);
    expect([imported.signal, imported.code]).to.deep.equal([null, 4]);
  });

  it('a SQLite export with a -wal beside it: verify leaves both as they are and reports the -wal (it merged and deleted it)', async () => {
    expect((await cli(['db', 'export', '--format', 'sqlite', '--output', 'w.db'])).code).to.equal(0);
    const file = path.join(dir, 'w.db');
    // What a killed sqlite3 session leaves: the file in WAL mode, and a -wal holding a change.
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.prepare("UPDATE settings SET value = 'changed'").run();
    await copyFile(`${file}-wal`, path.join(dir, 'kept-wal'));
    db.close();
    await copyFile(path.join(dir, 'kept-wal'), `${file}-wal`);
    await rm(`${file}-shm`, { force: true });
    await refreshSidecar(file);
    const before = await digestOfFile(file);
    const wal = (await stat(`${file}-wal`)).size;
    for (let i = 0; i < 2; i++) {
      const r = await verify('w.db');
      expectRefused(r);
      expect(r.stdout).to.include('w.db-wal beside it');
      expect(await digestOfFile(file)).to.deep.equal(before);
      expect((await stat(`${file}-wal`)).size).to.equal(wal);
    }
    // Without the -wal, the file is still in WAL mode, which acode never leaves an export in.
    await rm(`${file}-wal`);
    const r = await verify('w.db');
    expectRefused(r);
    expect(r.stdout).to.include('w.db is in WAL mode');
    expect(await digestOfFile(file)).to.deep.equal(before);
  });

  describe('a SQLite export holding a secret outside the rows acode reads back: exit 2, the secret not shown', () => {
    // leak: whether the raw scan finds it too (in a table's pages the byte before a value is often a letter, the end of the value before it, and hides the token's start).
    const cases: readonly { label: string; plant: (db: Database.Database, token: string) => void; report: RegExp; leak?: false }[] = [
      { label: 'a view', plant: (db, t) => db.exec(`CREATE VIEW v AS SELECT '${t}' AS x`), report: /a view v, which acode never writes/ },
      { label: 'a trigger', plant: (db, t) => db.exec(`CREATE TRIGGER tr AFTER INSERT ON settings BEGIN SELECT '${t}'; END`), report: /a trigger tr, which acode never writes/ },
      { label: 'an extra row of _acode_export', plant: (db, t) => db.prepare('INSERT INTO _acode_export VALUES (?, ?)').run('note', t), report: /_acode_export holds 3 rows/ },
      { label: 'an FTS5 table', plant: (db, t) => db.exec(`CREATE VIRTUAL TABLE f USING fts5(x); INSERT INTO f VALUES ('${t}')`), report: /a virtual table f, which acode never writes/ },
      {
        label: 'the free pages of a dropped table',
        plant: (db, t) => {
          db.pragma('secure_delete = OFF');
          db.exec('CREATE TABLE gone (x)');
          const insert = db.prepare('INSERT INTO gone VALUES (?)');
          for (let i = 0; i < 50; i++) insert.run(`${t} ${'x'.repeat(200)}`);
          db.exec('DROP TABLE gone');
        },
        report: /free pages? \(deleted data\)/,
        leak: false,
      },
      { label: 'a table named by the secret', plant: (db, t) => db.exec(`CREATE TABLE "${t}" (x)`), report: /Leak scan found a secret: .*the name of a table, file or entry \(not shown here\)/ },
    ];
    for (const [i, c] of cases.entries()) {
      it(c.label, async () => {
        const name = `planted${i}.db`;
        expect((await cli(['db', 'export', '--format', 'sqlite', '--output', name])).code).to.equal(0);
        const file = path.join(dir, name);
        const token = fakeToken();
        const db = new Database(file);
        c.plant(db, token);
        db.close();
        await refreshSidecar(file);
        const r = await verify(name);
        expectRefused(r, token);
        expect(r.stdout).to.match(c.report);
        if (c.leak !== false) expect(r.stdout).to.match(/✗ Leak scan found a secret/);
      });
    }
  });

  describe('a tar bundle or gzip file with a secret outside the entries and the data: exit 2, the secret not shown', () => {
    let tar: Buffer;
    /** The bundle's byte offset of the header of `name`, and where its padding starts. */
    function entryAt(bytes: Buffer, name: string): { header: number; padding: number } {
      const header = bytes.indexOf(Buffer.from(`${name}\0`));
      const size = parseInt(bytes.subarray(header + 124, header + 136).toString('latin1').replace(/\0.*$/, '').trim(), 8);
      return { header, padding: header + 512 + size };
    }
    /** Recomputes a header's checksum after an edit. */
    function reseal(bytes: Buffer, header: number): void {
      bytes.fill(0x20, header + 148, header + 156);
      let sum = 0;
      for (let i = header; i < header + 512; i++) sum += bytes[i]!;
      bytes.write(`${sum.toString(8).padStart(6, '0')}\0 `, header + 148, 'latin1');
    }
    /** gzip with an FCOMMENT field holding `comment`. */
    function gzipWithComment(raw: Buffer, comment: string): Buffer {
      const trailer = Buffer.alloc(8);
      trailer.writeUInt32LE(crc32(raw), 0);
      trailer.writeUInt32LE(raw.length, 4);
      return Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0x10, 0, 0, 0, 0, 0, 3]), Buffer.from(`${comment}\0`, 'latin1'), deflateRawSync(raw), trailer]);
    }
    before(async () => {
      expect((await cli(['db', 'export', '--format', 'csv', '--output', 'bundle.tar'])).code).to.equal(0);
      await rm(path.join(dir, 'bundle.tar.manifest.json'));
      tar = await readFile(path.join(dir, 'bundle.tar'));
      expect((await cli(['db', 'export', '--format', 'json', '--output', 'plain.json.gz'])).code).to.equal(0);
      const clean = await verify('bundle.tar');
      expect(clean.code, clean.stdout).to.equal(0);
    });

    it('in the padding after an entry', async () => {
      const token = fakeToken();
      const bytes = Buffer.from(tar);
      bytes.write(`api_key=${token}`, entryAt(bytes, 'settings.csv').padding, 'latin1');
      await writeFile(path.join(dir, 'padding.tar'), bytes);
      const r = await verify('padding.tar');
      expectRefused(r, token);
      expect(r.stdout).to.include('bytes in the padding after an entry');
    });

    it("in an entry header's linkname field", async () => {
      const token = fakeToken();
      const bytes = Buffer.from(tar);
      const { header } = entryAt(bytes, 'settings.csv');
      bytes.write(token, header + 157, 'latin1');
      reseal(bytes, header);
      await writeFile(path.join(dir, 'linkname.tar'), bytes);
      const r = await verify('linkname.tar');
      expectRefused(r, token);
      expect(r.stdout).to.include('a tar header with bytes acode never writes');
    });

    it('in a PAX comment record', async () => {
      const token = fakeToken();
      const entries = (await readTarEntries(tar)).map((e) => ({ name: e.name, data: e.data, ...(e.name === 'settings.csv' ? { pax: { comment: `token ${token}` } } : {}) }));
      await writeFile(path.join(dir, 'pax.tar'), await buildTar(entries));
      const r = await verify('pax.tar');
      expectRefused(r, token);
      expect(r.stdout).to.include('a PAX header with records acode never writes');
    });

    it('in the gzip comment of a .tar.gz and of a .json.gz, and after the gzip stream', async () => {
      const token = fakeToken();
      await writeFile(path.join(dir, 'comment.tar.gz'), gzipWithComment(tar, `api_key=${token}`));
      const bundle = await verify('comment.tar.gz');
      expectRefused(bundle, token);
      expect(bundle.stdout).to.include('a gzip header with a file name, comment or extra field');
      const json = (await import('node:zlib')).gunzipSync(await readFile(path.join(dir, 'plain.json.gz')));
      for (const [name, bytes] of [
        ['comment.json.gz', gzipWithComment(json, `api_key=${token}`)],
        ['after.json.gz', Buffer.concat([gzipSync(json), Buffer.from(`api_key=${token}`)])],
      ] as const) {
        await writeFile(path.join(dir, name), bytes);
        await copyFile(path.join(dir, 'plain.json.gz.manifest.json'), path.join(dir, `${name}.manifest.json`));
        await refreshSidecar(path.join(dir, name));
        const r = await verify(name);
        expectRefused(r, token);
        expect(r.stdout).to.match(/✗ The export is damaged: (a gzip header with a file name, comment or extra field|\d+ bytes after the gzip stream)/);
      }
    });

    it('an export whose table names need a PAX header (long, non-ASCII) still passes', async () => {
      const long = `t_${'x'.repeat(110)}`;
      const db = new Database(path.join(dir, '.agent', 'acode.db'));
      db.exec(`CREATE TABLE "${long}" (a TEXT); INSERT INTO "${long}" VALUES ('one'); CREATE TABLE "tâble" (a TEXT); INSERT INTO "tâble" VALUES ('two')`);
      db.close();
      try {
        expect((await cli(['db', 'export', '--format', 'csv', '--output', 'names.tar.gz'])).code).to.equal(0);
        await rm(path.join(dir, 'names.tar.gz.manifest.json'));
        const r = await verify('names.tar.gz');
        expect(r.code, r.stdout).to.equal(0);
      } finally {
        const undo = new Database(path.join(dir, '.agent', 'acode.db'));
        undo.exec(`DROP TABLE "${long}"; DROP TABLE "tâble"`);
        undo.close();
      }
    });
  });

  describe('JSON escapes acode never writes hide a secret from the byte scan: exit 2, the secret not shown', () => {
    before(async () => {
      expect((await cli(['db', 'export', '--format', 'json', '--output', 'esc.json'])).code).to.equal(0);
      expect((await cli(['db', 'export', '--format', 'ndjson', '--output', 'esc.ndjson'])).code).to.equal(0);
    });
    /** A copy of `source` with the first `"dark"` (the theme setting's value) replaced by `value`, its sidecar refreshed. */
    async function planted(source: string, name: string, value: string): Promise<void> {
      const text = await readFile(path.join(dir, source), 'utf8');
      const at = text.indexOf('"dark"');
      expect(at).to.be.at.least(0);
      await writeFile(path.join(dir, name), `${text.slice(0, at)}"${value}"${text.slice(at + 6)}`);
      await copyFile(path.join(dir, `${source}.manifest.json`), path.join(dir, `${name}.manifest.json`));
      await refreshSidecar(path.join(dir, name));
    }
    for (const source of ['esc.json', 'esc.ndjson']) {
      it(`${source}: a URL password behind \\/ escapes, a token behind a \\u escape`, async () => {
        const password = randomText(16);
        const token = fakeToken();
        await planted(source, `slash-${source}`, `postgres:\\/\\/app:${password}@db.internal:5432\\/app`);
        await planted(source, `u-${source}`, `\\u0067${token.slice(1)}`);
        const slash = await verify(`slash-${source}`);
        expectRefused(slash, `xxxx${password}`);
        expect(slash.stdout).to.include('a \\/ escape at byte');
        const u = await verify(`u-${source}`);
        expectRefused(u, token);
        expect(u.stdout).to.include('a \\u escape of a character written as itself (U+0067)');
      });
    }

    it('a manifest whose strings hide a token behind a \\u escape', async () => {
      const token = fakeToken();
      await copyFile(path.join(dir, 'esc.json'), path.join(dir, 'm.json'));
      const manifest = JSON.parse(await readFile(path.join(dir, 'esc.json.manifest.json'), 'utf8')) as Record<string, unknown>;
      await writeFile(path.join(dir, 'm.json.manifest.json'), JSON.stringify({ ...manifest, note: 'TOKEN' }).replace('TOKEN', `\\u0067${token.slice(1)}`));
      const r = await verify('m.json');
      expectRefused(r, token);
      expect(r.stdout).to.match(/✗ Leak scan found a secret: .*the manifest m\.json\.manifest\.json/);
    });

    it('escapes acode writes (control characters, quotes, backslashes) pass', async () => {
      await planted('esc.json', 'fine.json', 'tab\\there \\u0001 \\"q\\" \\\\u0067 \\ud83d\\ude00');
      const r = await verify('fine.json');
      expect(r.code, r.stdout).to.equal(0);
    });
  });

  it('a name that is a secret (a CSV folder file, a tar entry) is never printed, in the report or --json, and fails the leak scan', async () => {
    const token = fakeToken();
    expect((await cli(['db', 'export', '--format', 'csv', '--output', 'named.csv'])).code).to.equal(0);
    await writeFile(path.join(dir, 'named', token), 'x\n');
    expect((await cli(['db', 'export', '--format', 'csv', '--output', 'named.tar'])).code).to.equal(0);
    await rm(path.join(dir, 'named.tar.manifest.json'));
    const entries = (await readTarEntries(await readFile(path.join(dir, 'named.tar')))).map((e) => ({ name: e.name, data: e.data }));
    await writeFile(path.join(dir, 'named-entry.tar'), await buildTar([...entries, { name: `${token}.csv`, data: 'x\n' }]));
    for (const target of ['named', 'named-entry.tar']) {
      const r = await verify(target);
      expectRefused(r, token);
      expect(r.stdout).to.match(/✗ Leak scan found a secret: detector vendor_token matched in the name of a file, entry or table \(not shown here\)/);
      const json = await cli(['--json', 'db', 'export', 'verify', target]);
      expect(json.code).to.equal(2);
      expect(json.stdout + json.stderr).to.not.include(token.slice(4, 20));
    }
  });

  it('a damaged file (a .json.gz cut short or with bytes after it, a SQLite file with overwritten pages) is reported as damage, not as a secret found', async () => {
    expect((await cli(['db', 'export', '--format', 'json', '--output', 'dmg.json.gz'])).code).to.equal(0);
    expect((await cli(['db', 'export', '--format', 'sqlite', '--output', 'dmg.db'])).code).to.equal(0);
    const gz = await readFile(path.join(dir, 'dmg.json.gz'));
    const db = await readFile(path.join(dir, 'dmg.db'));
    const pageSize = db.readUInt16BE(16);
    const overwritten = Buffer.from(db);
    overwritten.fill(0x55, pageSize * 2, pageSize * 4);
    for (const [name, bytes, manifest] of [
      ['cut.json.gz', gz.subarray(0, gz.length - 8), 'dmg.json.gz'],
      ['after.json.gz', Buffer.concat([gz, Buffer.from('garbage\n')]), 'dmg.json.gz'],
      ['pages.db', overwritten, 'dmg.db'],
    ] as const) {
      await writeFile(path.join(dir, name), bytes);
      await copyFile(path.join(dir, `${manifest}.manifest.json`), path.join(dir, `${name}.manifest.json`));
      await refreshSidecar(path.join(dir, name));
      const r = await verify(name);
      expectRefused(r);
      expect(r.stdout, name).to.match(/✗ The export is damaged: /);
      expect(r.stdout, name).to.not.include('Leak scan found a secret');
    }
  });

  it('a bundle or folder of a thousand files the manifest does not list: refused in seconds, with a report of bounded length', async () => {
    expect((await cli(['db', 'export', '--format', 'csv', '--output', 'many.tar'])).code).to.equal(0);
    await rm(path.join(dir, 'many.tar.manifest.json'));
    const entries = (await readTarEntries(await readFile(path.join(dir, 'many.tar')))).map((e) => ({ name: e.name, data: e.data }));
    const extra = Array.from({ length: 1000 }, (_, i) => ({ name: `extra${i}.csv`, data: 'x\n' }));
    await writeFile(path.join(dir, 'many-entries.tar'), await buildTar([...entries, ...extra]));
    expect((await cli(['db', 'export', '--format', 'csv', '--output', 'many-files.csv'])).code).to.equal(0);
    for (const e of extra) await writeFile(path.join(dir, 'many-files', e.name), e.data);
    for (const target of ['many-entries.tar', 'many-files']) {
      const r = await verify(target);
      expectRefused(r);
      expect(r.stdout).to.match(/not in manifest\.json; and \d+ more/);
      for (const line of lines(r.stdout)) expect(line.length, line.slice(0, 80)).to.be.below(1500);
    }
  });

  it('an export made with --no-redact in which the leak scan finds nothing still fails: "Not redacted"', async () => {
    for (const [args, target] of [
      [['--format', 'json', '--output', 'unredacted.json'], 'unredacted.json'],
      [['--format', 'csv', '--output', 'unredacted.tar.gz'], 'unredacted.tar.gz'],
    ] as const) {
      expect((await cli(['db', 'export', '--no-redact', '--tables', 'schema_version', ...args])).code).to.equal(0);
      if (target.endsWith('.tar.gz')) await rm(path.join(dir, `${target}.manifest.json`));
      const r = await verify(target);
      expectRefused(r);
      expect(r.stdout).to.include('  ✓ Leak scan found no secret');
      expect(r.stdout).to.include('  ✗ Not redacted (exported with --no-redact): ');
      expect(r.stderr).to.match(/ACODE-EXP-005 .*: redaction failed/);
    }
  });

  it('a usage error is exit 64, a missing export is named as such, and Ctrl-C is ACODE-INT-002 (verify changes nothing)', async () => {
    expect((await cli(['db', 'export', '--format', 'csv', '--output', 'usage.csv'])).code).to.equal(0);
    const usage = await verify('usage', '--manifest', 'x.json');
    expect(usage.code, usage.stderr).to.equal(64);
    expect(usage.stderr).to.match(/✗ ACODE-USE-001 .*is a folder: its manifest is the manifest\.json inside it, not --manifest/);
    const missing = await verify('nowhere.json');
    expect(missing.code).to.equal(2);
    expect(lines(missing.stdout)[0]).to.match(/^ {2}✗ No export at this path: no file or folder /);
    // A JSON export of 2 GiB, nearly all a hole: its checksum takes seconds to read.
    expect((await cli(['db', 'export', '--format', 'json', '--output', 'big.json'])).code).to.equal(0);
    const handle = await open(path.join(dir, 'big.json'), 'r+');
    await handle.truncate(2 * 1024 ** 3);
    await handle.close();
    const run = spawnCli(['db', 'export', 'verify', 'big.json'], { workspace: dir });
    await run.waitForStderr('Verifying export...');
    await new Promise((resolve) => setTimeout(resolve, 300));
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code, r.stderr).to.equal(1);
    expect(lines(r.stderr).at(-1)).to.match(/^✗ ACODE-INT-002 Interrupted: verifying big\.json: interrupted — nothing was changed/);
  });

  it('a --no-redact export whose manifest was edited to say it was redacted: the metadata inside the file disagrees, and verify fails', async () => {
    for (const [format, target] of [
      ['json', 'relabelled.json'],
      ['ndjson', 'relabelled.ndjson.gz'],
      ['sqlite', 'relabelled.db'],
    ] as const) {
      expect((await cli(['db', 'export', '--no-redact', '--tables', 'schema_version', '--format', format, '--output', target])).code).to.equal(0);
      const manifestFile = path.join(dir, `${target}.manifest.json`);
      const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { header: { redaction: { enabled: boolean } }; redaction: { enabled: boolean } };
      manifest.header.redaction.enabled = true;
      manifest.redaction.enabled = true;
      await writeFile(manifestFile, JSON.stringify(manifest, null, 2));
      const r = await verify(target);
      expectRefused(r);
      expect(r.stdout, target).to.include('  ✗ Redaction unknown: the manifest and the metadata in the export disagree on whether it was redacted');
    }
  });
});
