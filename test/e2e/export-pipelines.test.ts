import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import type { ExportManifest } from '../../lib/export-manifest.js';
import { lines, runCli } from '../support/cli.js';
import { dumpDatabase, expectSameDatabase } from '../support/export-data.js';
import { digestOfBytes, digestOfFile, parseCsv, readTarEntries, runShell, treeOf } from '../support/export-files.js';
import { openToRead, tableCounts } from '../support/sqlite.js';
import { listDir, makeTempDir, removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const AT = { ACODE_NOW: '2024-01-20T14:30:45Z' };
const NO_REDACT_WARNING = '⚠ redaction is OFF (--no-redact): the output holds secrets as they are in the database; do not share it';
const TAR_NOTE = 'Note: several tables in CSV: writing a tar stream with one <table>.csv per table and manifest.json (use --tables for one plain CSV)';
/** Peak memory allowed for a streaming export of a ~20 MB database: a bound, not a speed. */
const MAX_RSS_KB = 250 * 1024;

/**
 * Rows as SQLite gives them (numbers for integers: the demo has none past 2^53), in the order of
 * a plain table scan, which is the export's (settings is WITHOUT ROWID: no rowid to order by).
 */
function rowsOf(file: string, table: string): unknown[][] {
  const db = openToRead(file);
  try {
    return db.prepare(`SELECT * FROM "${table}"`).raw().all() as unknown[][];
  } finally {
    db.close();
  }
}

function columnsOf(file: string, table: string): string[] {
  const db = openToRead(file);
  try {
    return (db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map((c) => c.name);
  } finally {
    db.close();
  }
}

/** No trace of a failure on stderr: no ✗ line, no ACODE code, no stack trace. */
function expectQuietStderr(stderr: string): void {
  expect(stderr, stderr).to.not.match(/^✗|ACODE-|^\s+at |Error|node:internal/m);
}

describe('e2e: export through real shell pipelines', function () {
  let ws: SeededWorkspace;
  let dir: string;

  before(async () => {
    // ~20 MB of realistic workspace content: bigger than any pipe buffer many times over.
    ws = await createWorkspace({ database: 'demo', seed: { targetBytes: 20_000_000, messageChars: [200, 4000] } });
  });
  after(() => removeTempDir(ws.dir));
  beforeEach(async () => {
    dir = await makeTempDir('pipe');
  });
  afterEach(() => removeTempDir(dir));

  const sh = (script: string, env: Record<string, string> = {}) => runShell(`cd ${JSON.stringify(dir)} && ${script}`, { cwd: ws.dir, env: { ...AT, ...env } });

  it('`acode db export --format csv --tables conv_chats | gzip > chats.csv.gz` is plain CSV: header and every row', async () => {
    const r = await sh(`$ACODE --workspace ${JSON.stringify(ws.dir)} db export --format csv --tables conv_chats --no-redact 2>err.txt | gzip > chats.csv.gz; echo "\${PIPESTATUS[@]}"`);
    expect(r.stdout).to.equal('0 0\n');
    const csv = gunzipSync(await readFile(path.join(dir, 'chats.csv.gz')));
    expect(csv.subarray(-2).toString('latin1')).to.equal('\r\n');
    const [header, ...rows] = parseCsv(csv);
    expect(header).to.deep.equal(columnsOf(ws.db, 'conv_chats'));
    expect(rows).to.deep.equal(rowsOf(ws.db, 'conv_chats'));
    expect(rows).to.have.length(tableCounts(ws.db)['conv_chats']!);
    const err = lines(await readFile(path.join(dir, 'err.txt'), 'utf8'));
    expect(err[0]).to.equal(NO_REDACT_WARNING);
    expect(err).to.not.include(TAR_NOTE);
    expect(err).to.include('  Output: standard output');
    expect(err.at(-1)).to.match(/^Export complete: \d+(\.\d)? kB to standard output\.$/);
  });

  it('`acode db export --format csv | gzip > all.tar.gz`: a tar of manifest.json then one CSV per table, each matching its sha256; the note on stderr', async () => {
    const r = await sh(`$ACODE --workspace ${JSON.stringify(ws.dir)} db export --format csv --no-redact 2>err.txt | gzip > all.tar.gz; echo "\${PIPESTATUS[@]}"`);
    expect(r.stdout).to.equal('0 0\n');
    const err = lines(await readFile(path.join(dir, 'err.txt'), 'utf8'));
    expect(err.slice(0, 2)).to.deep.equal([NO_REDACT_WARNING, TAR_NOTE]);
    expect(err).to.include('  Format: CSV (tar bundle)');
    const archive = await readFile(path.join(dir, 'all.tar.gz'));
    const entries = await readTarEntries(archive);
    const counts = tableCounts(ws.db);
    expect(entries.map((e) => `${e.type} ${e.name}`)).to.deep.equal(['file manifest.json', ...Object.keys(counts).map((t) => `file ${t}.csv`)]);
    const manifest = JSON.parse(entries[0]!.data.toString('utf8')) as ExportManifest;
    // gzip was the shell's doing: acode wrote a plain tar stream.
    expect(manifest.layout).to.deep.equal({ kind: 'tar', compression: 'none' });
    for (const e of entries.slice(1)) {
      const table = e.name.replace(/\.csv$/, '');
      expect(manifest.files.find((f) => f.name === e.name), e.name).to.deep.equal({ name: e.name, table, ...digestOfBytes(e.data) });
      const [header, ...rows] = parseCsv(e.data);
      expect(header, e.name).to.deep.equal(columnsOf(ws.db, table));
      expect(rows.length, e.name).to.equal(counts[table]);
    }
    // The real tar tool reads the same archive: nothing but the archive went to stdout.
    const listed = await runShell(`tar -tzf ${JSON.stringify(path.join(dir, 'all.tar.gz'))}`, { cwd: dir });
    expect(lines(listed.stdout)).to.deep.equal(entries.map((e) => e.name));
    // And it imports as it is, checked against its manifest.json.
    const target = await createWorkspace({ database: 'none', parent: dir });
    const imported = await runCli(['db', 'import', path.join(dir, 'all.tar.gz')], { workspace: target.dir });
    expect(imported.code, imported.stderr).to.equal(0);
    expectSameDatabase(dumpDatabase(target.db), dumpDatabase(ws.db));
  });

  for (const [label, args] of [
    ['JSON', '--format json'],
    ['one CSV table', '--format csv --tables conv_messages'],
    ['NDJSON, gzip', '--format ndjson --gzip'],
  ] as const) {
    it(`\`| head -c 100\` (${label}) ends quietly: exit 0, no ✗/ACODE line, no stack trace`, async () => {
      const r = await sh(`$ACODE --workspace ${JSON.stringify(ws.dir)} db export ${args} --no-redact 2>err.txt | head -c 100 > head.out; echo "\${PIPESTATUS[@]}"`);
      expect(r.stdout).to.equal('0 0\n');
      expect((await readFile(path.join(dir, 'head.out'))).length).to.equal(100);
      expectQuietStderr(await readFile(path.join(dir, 'err.txt'), 'utf8'));
    });
  }

  it('`acode db export --format csv | head -c 100` (several tables: a tar stream) ends quietly', async () => {
    const tmp = path.join(dir, 'tmp');
    await mkdir(tmp);
    const r = await sh(`$ACODE --workspace ${JSON.stringify(ws.dir)} db export --format csv --no-redact 2>err.txt | head -c 100 > head.out; echo "\${PIPESTATUS[@]}"`, { TMPDIR: tmp });
    expect(r.stdout).to.equal('0 0\n');
    expectQuietStderr(await readFile(path.join(dir, 'err.txt'), 'utf8'));
    expect(await listDir(tmp), 'no spooled table left behind').to.deep.equal([]);
  });

  describe('a slow consumer', () => {
    const timeBin = '/usr/bin/time';

    for (const [label, args, skipMetadata] of [
      ['one CSV table, no redaction', '--format csv --tables conv_messages --no-redact', false],
      ['JSON, redacted (the default)', '--format json', true],
    ] as const) {
      it(`${label}: the same bytes as a fast run, the manifest's sha256 of what was read, and peak RSS under 250 MB`, async function () {
        const measure = existsSync(timeBin) ? `${timeBin} -f %M -o rss.txt ` : '';
        const slow = await sh(`${measure}$ACODE --workspace ${JSON.stringify(ws.dir)} db export ${args} --manifest slow.manifest.json 2>err.txt | sh -c 'sleep 2; cat > slow.out'; echo "\${PIPESTATUS[@]}"`);
        expect(slow.stdout, await readFile(path.join(dir, 'err.txt'), 'utf8')).to.equal('0 0\n');
        const fast = await runCli(['db', 'export', ...args.split(' '), '--output', path.join(dir, 'fast.out')], { workspace: ws.dir, env: AT });
        expect(fast.code, fast.stderr).to.equal(0);
        const slowBytes = await readFile(path.join(dir, 'slow.out'));
        const fastBytes = await readFile(path.join(dir, 'fast.out'));
        expect(slowBytes.length).to.be.above(10_000_000);
        // JSON's first line holds the snapshot's own time; everything after it must be equal.
        const body = (b: Buffer): Buffer => (skipMetadata ? b.subarray(b.indexOf(0x0a)) : b);
        expect(body(slowBytes).equals(body(fastBytes)), 'same bytes').to.equal(true);
        const manifest = JSON.parse(await readFile(path.join(dir, 'slow.manifest.json'), 'utf8')) as ExportManifest;
        expect(manifest.files).to.deep.equal([{ name: '-', ...(await digestOfFile(path.join(dir, 'slow.out'))) }]);
        if (!measure) {
          this.test!.title += ' (peak RSS not measured: no /usr/bin/time)';
          return;
        }
        const rssKb = Number((await readFile(path.join(dir, 'rss.txt'), 'utf8')).trim().split('\n').at(-1));
        expect(rssKb, `peak RSS ${Math.round(rssKb / 1024)} MB`).to.be.above(0).and.below(MAX_RSS_KB);
      });
    }
  });

  describe('User Verification Scenario 4: `acode db export --format json`', () => {
    it('at a terminal: writes .agent/exports/acode_export_<stamp>.json, valid JSON whose tables and rows are the database\'s, secrets redacted', async function () {
      const script = await runShell('command -v script', { cwd: dir });
      if (script.code !== 0) {
        this.test!.title += ' (pending: no `script` to give the CLI a terminal)';
        this.skip();
      }
      const r = await runShell(`script -qec "$ACODE db export --format json" /dev/null`, { cwd: ws.dir, env: AT });
      expect(r.code, r.stdout).to.equal(0);
      const name = 'acode_export_20240120_143045.json';
      const exportsDir = path.join(ws.dir, '.agent', 'exports');
      expect(await listDir(exportsDir)).to.deep.equal([name, `${name}.manifest.json`]);
      const file = path.join(exportsDir, name);
      const doc = JSON.parse(await readFile(file, 'utf8')) as { metadata: { redaction: { enabled: boolean } }; tables: { name: string; rows: Record<string, unknown>[] }[] };
      expect(doc.metadata.redaction.enabled).to.equal(true);
      const counts = tableCounts(ws.db);
      expect(doc.tables.map((t) => [t.name, t.rows.length])).to.deep.equal(Object.entries(counts));
      for (const t of doc.tables) {
        const cols = columnsOf(ws.db, t.name);
        const rows = rowsOf(ws.db, t.name);
        // Keys, counts and timestamps are data, not secrets: they are exported as they are.
        for (const col of ['id', 'created_at'].filter((c) => cols.includes(c))) {
          expect(t.rows.map((row) => row[col]), `${t.name}.${col}`).to.deep.equal(rows.map((row) => row[cols.indexOf(col)]));
        }
      }
      const text = await readFile(file, 'utf8');
      expect(text).to.not.match(/sk-proj-|sk-ant-api03-|ghp_|github_pat_|AKIA[A-Z2-7]{16}|xoxb-|sk_live_/);
      expect(text).to.include('[REDACTED]');
      const manifest = JSON.parse(await readFile(`${file}.manifest.json`, 'utf8')) as ExportManifest;
      expect(manifest.files).to.deep.equal([{ name, ...(await digestOfFile(file)) }]);
      expect(r.stdout).to.include('Export complete: .agent/exports/acode_export_20240120_143045.json');
    });

    it('piped, --no-redact: stdout is exactly one valid JSON document holding every row of every table', async () => {
      const r = await runCli(['db', 'export', '--format', 'json', '--no-redact'], { workspace: ws.dir, env: AT });
      expect(r.code, r.stderr).to.equal(0);
      const doc = JSON.parse(r.stdout) as { metadata: { format: string; exportFormat: string }; tables: { name: string; columns: { name: string }[]; rows: Record<string, unknown>[] }[]; summary: { rows: number } };
      expect(doc.metadata).to.include({ format: 'acode-export', exportFormat: 'json' });
      const counts = tableCounts(ws.db);
      expect(doc.tables.map((t) => t.name)).to.deep.equal(Object.keys(counts));
      for (const t of doc.tables) {
        expect(t.columns.map((c) => c.name), t.name).to.deep.equal(columnsOf(ws.db, t.name));
        expect(t.rows.map((row) => Object.values(row)), t.name).to.deep.equal(rowsOf(ws.db, t.name));
      }
      expect(doc.summary.rows).to.equal(Object.values(counts).reduce((a, b) => a + b, 0));
      expect(lines(r.stderr)[0]).to.equal(NO_REDACT_WARNING);
    });

    it('piped with --json: stdout is the data alone, and the JSON result goes to stderr', async () => {
      const r = await runCli(['db', 'export', '--format', 'json', '--json', '--tables', 'settings', '--output', '-'], { workspace: ws.dir, env: AT });
      expect(r.code, r.stderr).to.equal(0);
      const doc = JSON.parse(r.stdout) as { tables: { name: string; rows: unknown[] }[] };
      expect(doc.tables.map((t) => [t.name, t.rows.length])).to.deep.equal([['settings', tableCounts(ws.db)['settings']]]);
      const result = JSON.parse(r.stderr) as { ok: boolean; files: { name: string; sha256: string; bytes: number }[] };
      expect(result.ok).to.equal(true);
      expect(result.files).to.deep.equal([{ name: '-', ...digestOfBytes(Buffer.from(r.stdout)) }]);
    });
  });

  it('piped with --json, whatever the outcome: stdout holds no JSON, stderr holds the one document (warnings and the error inside it)', async () => {
    // Failing before the stream opened put the document on stdout, into the data's file; a
    // warning or the error line before the document on stderr broke its parse.
    const failed = await runCli(['db', 'export', '--json', '--tables', 'nope', '--output', '-'], { workspace: ws.dir, env: AT });
    expect(failed.code).to.equal(64);
    expect(failed.stdout).to.equal('');
    const error = JSON.parse(failed.stderr) as { ok: boolean; error: { code: string } };
    expect([error.ok, error.error.code]).to.deep.equal([false, 'ACODE-EXP-004']);
    // A bad option and a broken config fail before the command runs, and with no --output.
    const usage = await runCli(['db', 'export', '--json', '--format', 'xml'], { workspace: ws.dir, env: AT });
    expect([usage.code, usage.stdout]).to.deep.equal([64, '']);
    expect((JSON.parse(usage.stderr) as { error: { code: string } }).error.code).to.equal('ACODE-USE-001');
    const config = await runCli(['db', 'export', '--json', '--config', path.join(ws.dir, 'nowhere.yml')], { workspace: ws.dir, env: AT });
    expect([config.code, config.stdout]).to.deep.equal([1, '']);
    expect((JSON.parse(config.stderr) as { error: { code: string } }).error.code).to.equal('ACODE-CFG-004');
    const warned = await runCli(['db', 'export', '--json', '--no-redact', '--tables', 'settings', '--output', '-'], { workspace: ws.dir, env: AT });
    expect(warned.code, warned.stderr).to.equal(0);
    const result = JSON.parse(warned.stderr) as { ok: boolean; warnings: string[] };
    expect(result.ok).to.equal(true);
    expect(result.warnings).to.deep.equal([NO_REDACT_WARNING.replace(/^⚠ /, '')]);
    // To a file, the document on stdout carries the warning too (and stderr still shows it).
    const toFile = await runCli(['db', 'export', '--json', '--no-redact', '--tables', 'settings', '--output', 'w.json'], { workspace: ws.dir, env: AT });
    expect((JSON.parse(toFile.stdout) as { warnings: string[] }).warnings).to.deep.equal([NO_REDACT_WARNING.replace(/^⚠ /, '')]);
    expect(lines(toFile.stderr)).to.deep.equal([NO_REDACT_WARNING]);
  });

  it('--dry-run and --plan print tables, counts, output path and per-column redaction, and write nothing', async () => {
    // SQLite's own -wal/-shm files come and go with any reader: they are not outputs.
    const files = async (): Promise<Record<string, string>> => Object.fromEntries(Object.entries(await treeOf(ws.dir)).filter(([name]) => !/-(?:wal|shm)$/.test(name)));
    const before = await files();
    for (const flag of ['--dry-run', '--plan']) {
      const r = await runCli(['db', 'export', flag, '--format', 'csv', '--tables', 'credentials,settings', '--output', 'out.csv'], { workspace: ws.dir, env: AT });
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.equal('');
      const counts = tableCounts(ws.db);
      const out = lines(r.stdout);
      expect(out.slice(0, 5)).to.deep.equal(['Export plan (dry run: nothing is written)', '  Format: CSV', '  Output: out/', '  Manifest: out/manifest.json', out[4]!]);
      expect(out[4]).to.match(/^ {2}Redaction: enabled \(\d+ rules\)$/);
      expect(out).to.include('  Note: several tables in CSV: writing the folder out/ with one <table>.csv per table and manifest.json');
      expect(out).to.include(`  credentials: ${counts['credentials']} records → credentials.csv`);
      expect(out).to.include(`  settings: ${counts['settings']} records → settings.csv`);
      expect(out).to.include('      api_key: redacted by column rule api_key');
      expect(out).to.include('      access_token: redacted by column rule token');
      expect(out).to.include('      client_secret: redacted by column rule secret');
      expect(out).to.include('      provider: scanned by content rules');
    }
    expect(await files()).to.deep.equal(before);
  });
});

describe('e2e: virtual tables an export leaves out are named', () => {
  it('an FTS5 index: a warning on stderr naming it, and the rest exported (it was left out without a word)', async () => {
    const ws = await createWorkspace({ database: 'demo' });
    try {
      const db = new Database(ws.db);
      db.exec("CREATE VIRTUAL TABLE msg_search USING fts5(content); INSERT INTO msg_search SELECT content FROM conv_messages");
      db.close();
      const r = await runCli(['db', 'export', '--format', 'json', '--no-redact', '--output', 'all.json'], { cwd: ws.dir, env: AT });
      expect(r.code, r.stderr).to.equal(0);
      expect(lines(r.stderr)).to.include('⚠ virtual tables are not exported: msg_search, msg_search_config, msg_search_content, msg_search_data, msg_search_docsize, msg_search_idx (a backup keeps them)');
    } finally {
      await removeTempDir(ws.dir);
    }
  });
});

describe('e2e: rows a date filter cannot place are counted and named', () => {
  it('a chat whose created_at is an epoch number: --since warns it is left out, and --plan says so (it was dropped unseen)', async () => {
    const ws = await createWorkspace({ database: 'demo' });
    try {
      const db = new Database(ws.db);
      db.exec("INSERT INTO conv_chats (id, title, created_at, updated_at) VALUES ('epoch-chat', 't', 1705312800, 1705312800)");
      db.close();
      const r = await runCli(['db', 'export', '--format', 'json', '--no-redact', '--since', '2000-01-01', '--tables', 'conv_chats', '--output', 'c.json'], { cwd: ws.dir, env: AT });
      expect(r.code, r.stderr).to.equal(0);
      expect(lines(r.stderr)).to.include('⚠ conv_chats: 1 row whose created_at holds no date (empty, an epoch number, or text not shaped like 2024-01-20 or 2024-01-20T14:30:45Z) is left out by --since/--until');
      expect(await readFile(path.join(ws.dir, 'c.json'), 'utf8')).to.not.include('epoch-chat');
      const plan = await runCli(['db', 'export', '--plan', '--since', '2000-01-01', '--tables', 'conv_chats'], { cwd: ws.dir, env: AT });
      expect(lines(plan.stdout).find((l) => l.startsWith('  conv_chats:'))).to.match(/^ {2}conv_chats: [\d,]+ records \(filtered on created_at; 1 row without a date left out\)/);
    } finally {
      await removeTempDir(ws.dir);
    }
  });
});

describe('e2e: an output name chooses the format when --format is not given', () => {
  it("--output january.ndjson.gz writes gzipped NDJSON (it wrote one JSON document under that name), x.db a SQLite database", async () => {
    const ws = await createWorkspace({ database: 'demo' });
    try {
      const r = await runCli(['db', 'export', '--no-redact', '--tables', 'settings', '--output', 'january.ndjson.gz'], { cwd: ws.dir, env: AT });
      expect(r.code, r.stderr).to.equal(0);
      expect(lines(r.stderr)).to.include('  Format: NDJSON, gzip');
      const text = gunzipSync(await readFile(path.join(ws.dir, 'january.ndjson.gz'))).toString('utf8');
      const objects = lines(text).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(objects.filter((o) => 'row' in o)).to.have.lengthOf(5);
      const db = await runCli(['db', 'export', '--no-redact', '--tables', 'settings', '--output', 'copy.db'], { cwd: ws.dir, env: AT });
      expect(db.code, db.stderr).to.equal(0);
      expect((await readFile(path.join(ws.dir, 'copy.db'))).subarray(0, 15).toString('latin1')).to.equal('SQLite format 3');
    } finally {
      await removeTempDir(ws.dir);
    }
  });
});

describe('e2e: PostgreSQL-style zones in SQLite dates (an import from a PostgreSQL export)', () => {
  it("'+00' and '-0530' zones are read as dates by --since/--until (julianday() alone read them as no date)", async () => {
    const ws = await createWorkspace({ database: 'schema' });
    try {
      const db = new Database(ws.db);
      const add = db.prepare("INSERT INTO conv_chats (id, title, created_at, updated_at) VALUES (?, 't', ?, ?)");
      for (const [id, at] of [['utc', '2024-01-16 04:30:00+00'], ['india', '2024-01-16 23:00:00+0530'], ['ny', '2024-01-15 20:00:00-05'], ['before', '2024-01-15 23:59:59+00'], ['day', '2024-01-16']]) add.run(id, at, at);
      db.close();
      const r = await runCli(['db', 'export', '--format', 'ndjson', '--no-redact', '--since', '2024-01-16', '--until', '2024-01-16', '--tables', 'conv_chats', '--output', '-'], { cwd: ws.dir, env: AT });
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.not.include('holds no date');
      const ids = lines(r.stdout).map((l) => JSON.parse(l) as { row?: { id: string } }).flatMap((o) => (o.row ? [o.row.id] : []));
      // 23:00+05:30 on the 16th is 17:30Z; 20:00-05 on the 15th is 01:00Z on the 16th.
      expect(ids.sort()).to.deep.equal(['day', 'india', 'ny', 'utc']);
    } finally {
      await removeTempDir(ws.dir);
    }
  });
});

describe('e2e: scratch folders a killed run left in the temp folder', () => {
  it('are removed by the next run that needs one; a user\'s own folders with like names are not', async () => {
    const ws = await createWorkspace({ database: 'demo' });
    const tmp = await makeTempDir('scratch-sweep');
    try {
      const gone = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
      const old = new Date(Date.now() - 11 * 60 * 1000);
      const folder = async (name: string, mark: boolean): Promise<void> => {
        await mkdir(path.join(tmp, name));
        await writeFile(path.join(tmp, name, mark ? '.acode-scratch' : 'notes.txt'), 'x');
        await utimes(path.join(tmp, name, mark ? '.acode-scratch' : 'notes.txt'), old, old);
        await utimes(path.join(tmp, name), old, old);
      };
      await folder(`acode-scratch-${gone}-Ab12Cd`, true);
      await folder(`acode-scratch-${gone}-Ef34Gh`, false);
      await folder(`acode-${gone}-export`, false);
      const r = await runCli(['db', 'export', '--format', 'csv', '--no-redact', '--archive', 'tar', '--output', 'all.tar'], { cwd: ws.dir, env: { ...AT, TMPDIR: tmp } });
      expect(r.code, r.stderr).to.equal(0);
      expect((await listDir(tmp)).sort()).to.deep.equal([`acode-${gone}-export`, `acode-scratch-${gone}-Ef34Gh`].sort());
    } finally {
      await removeTempDir(ws.dir);
      await removeTempDir(tmp);
    }
  });
});

describe('e2e: a table whose name holds a comma', () => {
  it('is named in --tables with \\, and exported alone (the comma split it in two: ACODE-EXP-004)', async () => {
    const ws = await createWorkspace({ database: 'demo' });
    try {
      const db = new Database(ws.db);
      db.exec('CREATE TABLE "a,b" (x INTEGER); INSERT INTO "a,b" VALUES (7)');
      db.close();
      const r = await runCli(['db', 'export', '--format', 'json', '--no-redact', '--tables', 'a\\,b', '--output', 'ab.json'], { cwd: ws.dir, env: AT });
      expect(r.code, r.stderr).to.equal(0);
      const doc = JSON.parse(await readFile(path.join(ws.dir, 'ab.json'), 'utf8')) as { tables: { name: string; rows: unknown[] }[] };
      expect(doc.tables.map((t) => [t.name, t.rows])).to.deep.equal([['a,b', [{ x: 7 }]]]);
      const x = await runCli(['db', 'export', '--plan', '--exclude-tables', 'a\\,b,settings'], { cwd: ws.dir, env: AT });
      expect(x.code, x.stderr).to.equal(0);
      expect(x.stdout).to.not.include('  a,b:').and.to.not.include('  settings:');
    } finally {
      await removeTempDir(ws.dir);
    }
  });
});
