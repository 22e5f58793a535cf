import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { expect } from 'chai';
import type { ExportFormat } from '../../lib/config.js';
import { exportDatabase, planExport } from '../../lib/export.js';
import type { ExportManifest } from '../../lib/export-manifest.js';
import { importExport } from '../../lib/import.js';
import { DbChild } from '../support/children.js';
import { dumpDatabase, schemaOf } from '../support/export-data.js';
import { digestOfBytes, digestOfFile, readTarEntries, treeOf } from '../support/export-files.js';
import { openDb, openToRead, tableCounts } from '../support/sqlite.js';
import { listDir, makeTempDir, removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';
import { failure } from '../support/failure.js';

const NOW = new Date('2024-01-20T14:30:45.000Z');

const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, 'utf8')) as T;

interface JsonDoc {
  metadata: Record<string, unknown>;
  tables: { name: string; columns: { name: string }[]; sql: string | null; indexes: string[]; rows: Record<string, unknown>[] }[];
  summary: { rows: number } | null;
}

describe('integration: export manifests, filters, plans and snapshots', function () {
  let ws: SeededWorkspace;
  let out: string;

  beforeEach(async () => {
    ws = await createWorkspace({ database: 'demo' });
    out = await makeTempDir('exp-out');
  });
  afterEach(async () => {
    await removeTempDir(ws.dir);
    await removeTempDir(out);
  });

  it('with no --output on a terminal, twice in the same second: the second export is named _2 (it failed with ACODE-EXP-007)', async () => {
    const terminal = Object.assign(new PassThrough(), { isTTY: true });
    const config = await ws.config();
    const names: string[] = [];
    for (const format of ['json', 'json', 'csv'] as const) {
      const result = await exportDatabase({ config, format, stdout: terminal, redact: false, now: () => NOW });
      names.push(path.basename(result.layout.path!));
    }
    expect(names).to.deep.equal(['acode_export_20240120_143045.json', 'acode_export_20240120_143045_2.json', 'acode_export_20240120_143045_csv']);
    expect(await listDir(config.export.path)).to.include('acode_export_20240120_143045_2.json.manifest.json');
  });

  it('a name acode chose, taken by another export while this one ran: ACODE-EXP-007 that says so, never "add --force" (which would replace the other)', async () => {
    const terminal = Object.assign(new PassThrough(), { isTTY: true });
    const config = await ws.config();
    const taken = path.join(config.export.path, 'acode_export_20240120_143045.json');
    let raced = false;
    const onProgress = (): void => {
      if (raced) return;
      raced = true;
      mkdirSync(config.export.path, { recursive: true });
      writeFileSync(taken, '{"another":"export"}');
    };
    const err = await failure(exportDatabase({ config, format: 'json', stdout: terminal, redact: false, now: () => NOW, onProgress }));
    expect(err.code).to.equal('ACODE-EXP-007');
    expect(err.message).to.equal(`Output already exists: ${taken}: another export took this name at the same moment`);
    expect(err.hint).to.equal('run the export again: it takes the next free name');
    expect(await readFile(taken, 'utf8')).to.equal('{"another":"export"}');
  });

  function expectHeader(manifest: ExportManifest, format: ExportFormat): void {
    const counts = tableCounts(ws.db);
    expect(manifest.format).to.equal('acode-export-manifest');
    expect(manifest.header).to.include({ format: 'acode-export', exportFormat: format, createdAt: NOW.toISOString(), schemaVersion: 3 });
    expect(manifest.header.source).to.deep.equal({ type: 'sqlite', location: ws.db });
    expect(manifest.header.filters).to.deep.equal({ tables: null, excludeTables: [], since: null, until: null, schemaOnly: false });
    expect(manifest.header.snapshot).to.include({ method: 'sqlite-read-transaction', journalMode: 'wal' });
    expect(Number.isNaN(Date.parse(String(manifest.header.snapshot['takenAt'])))).to.equal(false);
    expect(manifest.header.redaction).to.deep.equal({ enabled: false, rules: [] });
    expect(manifest.redaction).to.deep.include({ enabled: false, summary: null });
    expect(Object.fromEntries(manifest.tables.map((t) => [t.name, t.rows]))).to.deep.equal(counts);
    expect(manifest.header.tables.map((t) => [t.name, t.rows])).to.deep.equal(Object.entries(counts));
    const db = openToRead(ws.db);
    try {
      expect(manifest.schemas.map((s) => [s.name, s.sql])).to.deep.equal(schemaOf(db).filter((e) => e.type === 'table').map((e) => [e.name, e.sql]));
    } finally {
      db.close();
    }
  }

  for (const [output, format, compression] of [
    ['e.json', 'json', 'none'],
    ['e.json.gz', 'json', 'gzip'],
    ['e.ndjson', 'ndjson', 'none'],
    ['e.db', 'sqlite', 'none'],
  ] as const) {
    it(`one file (${output}): the sidecar <file>.manifest.json has the file's sha256 and size, the source's tables and rows`, async () => {
      const result = await exportDatabase({ config: await ws.config(), format, output: path.join(out, output), redact: false, now: () => NOW });
      expect(await listDir(out)).to.deep.equal([output, `${output}.manifest.json`]);
      expect(result.manifestPath).to.equal(path.join(out, `${output}.manifest.json`));
      const manifest = await readJson<ExportManifest>(result.manifestPath!);
      expect(manifest).to.deep.equal(JSON.parse(JSON.stringify(result.manifest)));
      expect(manifest.files).to.deep.equal([{ name: output, ...(await digestOfFile(path.join(out, output))) }]);
      expect(manifest.layout).to.deep.equal({ kind: 'file', compression });
      expectHeader(manifest, format);
    });
  }

  it('a redacted export names its source without the e-mail address a folder on the way is named after', async () => {
    const parent = await makeTempDir('exp-src');
    try {
      const dir = path.join(parent, 'GoogleDrive-jane.doe@example.com', 'My Drive');
      await mkdir(dir, { recursive: true });
      const there = await createWorkspace({ database: 'demo', parent: dir });
      await exportDatabase({ config: await there.config(), format: 'json', output: path.join(out, 'r.json'), now: () => NOW });
      const manifest = JSON.parse(await readFile(path.join(out, 'r.json.manifest.json'), 'utf8')) as ExportManifest;
      expect(manifest.header.source).to.deep.equal({ type: 'sqlite', location: path.join(parent, '[REDACTED]', 'My Drive', 'ws', '.agent', 'acode.db') });
      expect(await readFile(path.join(out, 'r.json'), 'utf8')).to.not.include('jane.doe@example.com');
    } finally {
      await removeTempDir(parent);
    }
  });

  it("a redacted export names a source under the user's home folder from ~, wherever the home is (it kept /root/… and the like whole)", async () => {
    const home = await makeTempDir('exp-home');
    const before = process.env['HOME'];
    try {
      const there = await createWorkspace({ database: 'demo', parent: home });
      process.env['HOME'] = home;
      await exportDatabase({ config: await there.config(), format: 'json', output: path.join(out, 'h.json'), now: () => NOW });
      const manifest = JSON.parse(await readFile(path.join(out, 'h.json.manifest.json'), 'utf8')) as ExportManifest;
      expect(manifest.header.source).to.deep.equal({ type: 'sqlite', location: path.join('~', 'ws', '.agent', 'acode.db') });
    } finally {
      if (before === undefined) delete process.env['HOME'];
      else process.env['HOME'] = before;
      await removeTempDir(home);
    }
  });

  it('a redacted export of a table or column named after an e-mail address or a home path fails before writing, without the name', async () => {
    for (const [ddl, what] of [
      ['CREATE TABLE "inbox_jane.doe@example.com" (id INTEGER PRIMARY KEY, subject TEXT)', 'the name of table #1'],
      ['CREATE TABLE notes (id INTEGER PRIMARY KEY, "/home/jane/notes" TEXT)', 'the name of column #2 of table notes'],
    ] as const) {
      const parent = await makeTempDir('exp-names');
      try {
        const there = await createWorkspace({ database: 'none', parent });
        const db = openDb(there.db);
        db.exec(ddl);
        db.close();
        const err = await failure(exportDatabase({ config: await there.config(), format: 'json', output: path.join(out, 'n.json'), now: () => NOW }));
        expect(err.code).to.equal('ACODE-EXP-002');
        expect(err.message).to.equal(`Redaction failed: ${what} (in the order --plan lists them) holds what the redaction rules replace; a name cannot be redacted without breaking the export`);
        expect(err.message).to.not.match(/jane/);
        expect(await listDir(out)).to.deep.equal([]);
      } finally {
        await removeTempDir(parent);
      }
    }
  });

  it('a JSON file carries its metadata inside: the same header as its manifest, and a summary of all rows', async () => {
    const result = await exportDatabase({ config: await ws.config(), format: 'json', output: path.join(out, 'e.json'), redact: false, now: () => NOW });
    const doc = await readJson<JsonDoc>(path.join(out, 'e.json'));
    expect(doc.metadata).to.deep.equal(JSON.parse(JSON.stringify(result.manifest.header)));
    const counts = tableCounts(ws.db);
    expect(doc.tables.map((t) => [t.name, t.rows.length])).to.deep.equal(Object.entries(counts));
    expect(doc.summary).to.deep.equal({ rows: Object.values(counts).reduce((a, b) => a + b, 0), redaction: null });
  });

  it('a CSV folder: manifest.json inside lists every <table>.csv with its sha256 and size, and nothing else', async () => {
    const result = await exportDatabase({ config: await ws.config(), format: 'csv', output: path.join(out, 'all.csv'), redact: false, now: () => NOW });
    const folder = path.join(out, 'all');
    expect(result.layout).to.deep.include({ kind: 'folder', path: folder });
    expect(await listDir(out)).to.deep.equal(['all']);
    const manifest = await readJson<ExportManifest>(path.join(folder, 'manifest.json'));
    const names = Object.keys(tableCounts(ws.db));
    expect(await listDir(folder)).to.deep.equal([...names.map((n) => `${n}.csv`), 'manifest.json'].sort());
    for (const f of manifest.files) expect(f, f.name).to.deep.equal({ name: f.name, table: f.name.replace(/\.csv$/, ''), ...(await digestOfFile(path.join(folder, f.name))) });
    expect(manifest.files.map((f) => f.name)).to.deep.equal(names.map((n) => `${n}.csv`));
    expect(manifest.tables.map((t) => t.file)).to.deep.equal(names.map((n) => `${n}.csv`));
    expect(manifest.layout).to.deep.equal({ kind: 'folder', compression: 'none' });
    expectHeader(manifest, 'csv');
  });

  for (const output of ['all.tar', 'all.tar.gz']) {
    it(`a tar bundle (${output}): manifest.json is the first entry and vouches for every table entry; the sidecar for the whole archive`, async () => {
      await exportDatabase({ config: await ws.config(), format: 'csv', output: path.join(out, output), redact: false, now: () => NOW });
      expect(await listDir(out)).to.deep.equal([output, `${output}.manifest.json`]);
      const sidecar = await readJson<ExportManifest>(path.join(out, `${output}.manifest.json`));
      expect(sidecar.files).to.deep.equal([{ name: output, ...(await digestOfFile(path.join(out, output))) }]);
      expect(sidecar.layout).to.deep.equal({ kind: 'tar', compression: output.endsWith('.gz') ? 'gzip' : 'none' });
      expectHeader(sidecar, 'csv');
      const entries = await readTarEntries(await readFile(path.join(out, output)));
      const names = Object.keys(tableCounts(ws.db));
      expect(entries.map((e) => `${e.type} ${e.name}`)).to.deep.equal(['file manifest.json', ...names.map((n) => `file ${n}.csv`)]);
      const inner = JSON.parse(entries[0]!.data.toString('utf8')) as ExportManifest;
      expect(inner.files).to.deep.equal(entries.slice(1).map((e) => ({ name: e.name, ...digestOfBytes(e.data), table: e.name.replace(/\.csv$/, '') })));
      expectHeader(inner, 'csv');
    });
  }

  it('a stream to stdout: --manifest FILE gets the sha256 and size of exactly the bytes written', async () => {
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (c: Buffer) => chunks.push(c));
    const manifestFile = path.join(out, 'stream.manifest.json');
    const result = await exportDatabase({ config: await ws.config(), format: 'ndjson', output: '-', stdout, gzip: true, manifestFile, redact: false, now: () => NOW });
    expect(result.manifestPath).to.equal(manifestFile);
    expect(await listDir(out)).to.deep.equal(['stream.manifest.json']);
    const bytes = Buffer.concat(chunks);
    const manifest = await readJson<ExportManifest>(manifestFile);
    expect(manifest.files).to.deep.equal([{ name: '-', ...digestOfBytes(bytes) }]);
    expect(manifest.layout).to.deep.equal({ kind: 'file', compression: 'gzip' });
    const lines = gunzipSync(bytes).toString('utf8').trimEnd().split('\n');
    expect(lines.length).to.equal(1 + Object.keys(tableCounts(ws.db)).length + Object.values(tableCounts(ws.db)).reduce((a, b) => a + b, 0) + 1);
    expectHeader(manifest, 'ndjson');
  });

  describe('--since/--until', () => {
    const SINCE = '2026-01-05T10:00:00Z';
    const UNTIL = '2026-01-05T11:30';

    function inRange(table: string, column: string): unknown[][] {
      const db = openToRead(ws.db);
      try {
        return db
          .prepare(`SELECT * FROM "${table}" WHERE julianday("${column}") >= julianday(?) AND julianday("${column}") < julianday(?) ORDER BY rowid`)
          .raw()
          .all('2026-01-05T10:00:00.000Z', '2026-01-05T11:30:00.000Z') as unknown[][];
      } finally {
        db.close();
      }
    }

    it('filter every table on created_at; a table without it is exported whole and its dateColumn is null', async () => {
      const result = await exportDatabase({ config: await ws.config(), format: 'json', output: path.join(out, 'range.json'), since: SINCE, until: UNTIL, redact: false, now: () => NOW });
      const manifest = result.manifest;
      expect(manifest.header.filters).to.deep.include({ since: '2026-01-05T10:00:00.000Z', until: '2026-01-05T11:30:00.000Z' });
      const doc = await readJson<JsonDoc>(path.join(out, 'range.json'));
      const counts = tableCounts(ws.db);
      const whole = ['schema_version', 'settings'];
      expect(manifest.tables.filter((t) => t.dateColumn === null).map((t) => t.name)).to.deep.equal(whole);
      for (const t of manifest.tables) {
        const rows = doc.tables.find((d) => d.name === t.name)!.rows.map((r) => Object.values(r));
        if (t.dateColumn === null) {
          expect(t.rows, t.name).to.equal(counts[t.name]);
          expect(rows.length, t.name).to.equal(counts[t.name]);
        } else {
          expect(t.dateColumn, t.name).to.equal('created_at');
          const expected = inRange(t.name, 'created_at');
          expect(t.rows, t.name).to.equal(expected.length);
          expect(rows, t.name).to.deep.equal(expected);
        }
      }
      const messages = manifest.tables.find((t) => t.name === 'conv_messages')!.rows;
      expect(messages, 'the range cuts conv_messages').to.be.above(0).and.below(counts['conv_messages']!);
    });

    it('a date-only --until takes the whole day; export.date_columns picks another column (Chinook Invoice.InvoiceDate)', async () => {
      const chinook = await createWorkspace({ database: 'chinook', config: 'export:\n  date_columns:\n    Invoice: InvoiceDate\n' });
      try {
        const result = await exportDatabase({ config: await chinook.config(), format: 'json', tables: ['Invoice', 'Artist'], output: path.join(out, 'inv.json'), since: '2022-01-01', until: '2022-06-30', redact: false, now: () => NOW });
        expect(result.manifest.header.filters).to.deep.include({ since: '2022-01-01T00:00:00.000Z', until: '2022-07-01T00:00:00.000Z', tables: ['Invoice', 'Artist'] });
        expect(result.manifest.tables.map((t) => [t.name, t.dateColumn])).to.deep.equal([['Invoice', 'InvoiceDate'], ['Artist', null]]);
        const db = openToRead(chinook.db);
        const invoices = db.prepare("SELECT InvoiceId FROM Invoice WHERE InvoiceDate >= '2022-01-01' AND InvoiceDate < '2022-07-01' ORDER BY InvoiceId").pluck().all();
        const lastDay = db.prepare("SELECT count(*) FROM Invoice WHERE InvoiceDate LIKE '2022-06-30%'").pluck().get();
        db.close();
        expect(lastDay, 'the fixture has invoices on the last day').to.be.above(0);
        const doc = await readJson<JsonDoc>(path.join(out, 'inv.json'));
        expect(doc.tables.find((t) => t.name === 'Invoice')!.rows.map((r) => r['InvoiceId'])).to.deep.equal(invoices);
        expect(result.manifest.tables[0]!.rows).to.equal(invoices.length);
        expect(result.manifest.tables[1]!.rows).to.equal(275);
      } finally {
        await removeTempDir(chinook.dir);
      }
    });
  });

  it('--schema-only: every definition and index, no rows; importing it creates the empty tables', async () => {
    const result = await exportDatabase({ config: await ws.config(), format: 'json', schemaOnly: true, output: path.join(out, 'schema.json'), redact: false, now: () => NOW });
    expect(result.manifest.header.filters).to.deep.include({ schemaOnly: true });
    expect(result.manifest.tables.every((t) => t.rows === 0)).to.equal(true);
    const doc = await readJson<JsonDoc>(path.join(out, 'schema.json'));
    const db = openToRead(ws.db);
    const schema = schemaOf(db);
    db.close();
    expect(doc.tables.map((t) => [t.name, t.sql, t.rows.length])).to.deep.equal(schema.filter((e) => e.type === 'table').map((e) => [e.name, e.sql, 0]));
    expect(doc.tables.flatMap((t) => t.indexes).sort()).to.deep.equal(schema.filter((e) => e.type === 'index').map((e) => e.sql).sort());
    expect(doc.summary).to.deep.include({ rows: 0 });
    const target = await createWorkspace({ database: 'none', parent: out });
    const imported = await importExport({ config: await target.config(), source: path.join(out, 'schema.json') });
    expect(imported.tables.every((t) => t.rows === 0 && t.created)).to.equal(true);
    const copy = dumpDatabase(target.db);
    expect(copy.schema).to.deep.equal(schema);
    expect(Object.values(copy.rows).every((rows) => rows.length === 0)).to.equal(true);
  });

  it('planExport: tables, counts, date columns, the output path and what redaction does per column; writes nothing', async () => {
    const before = await treeOf(ws.dir);
    const plan = await planExport({ config: await ws.config(), format: 'csv', output: path.join(out, 'p.csv'), since: '2026-01-05', now: () => NOW });
    expect(plan.layout).to.deep.include({ kind: 'folder', path: path.join(out, 'p'), format: 'csv' });
    expect(plan.tables.map((t) => [t.name, t.rows, t.dateColumn])).to.deep.equal(Object.entries(tableCounts(ws.db)).map(([n, rows]) => [n, rows, ['schema_version', 'settings'].includes(n) ? null : 'created_at']));
    const credentials = plan.tables.find((t) => t.name === 'credentials')!.columns;
    expect(credentials.find((c) => c.column === 'api_key')).to.deep.include({ action: 'redact' });
    expect(credentials.find((c) => c.column === 'provider')!.action).to.not.equal('redact');
    expect(plan.header.redaction.enabled).to.equal(true);
    expect(await treeOf(ws.dir)).to.deep.equal(before);
    expect(await listDir(out)).to.deep.equal([]);
  });

  it('is one snapshot: exported while another process writes a row into a and one into b per transaction, count(a) == count(b)', async () => {
    const setup = openDb(ws.db);
    setup.exec('CREATE TABLE a (id INTEGER PRIMARY KEY, tx INTEGER NOT NULL, at TEXT NOT NULL); CREATE TABLE b (id INTEGER PRIMARY KEY, tx INTEGER NOT NULL, at TEXT NOT NULL)');
    // Between a and b in the export's (alphabetical) order: ~16 MB, so b is read well after a.
    setup.exec('CREATE TABLE aa_filler (id INTEGER PRIMARY KEY, data BLOB NOT NULL)');
    const fill = setup.prepare('INSERT INTO aa_filler (data) VALUES (randomblob(8192))');
    setup.transaction(() => {
      for (let i = 0; i < 2048; i++) fill.run();
    })();
    setup.close();
    const { child: writer } = await DbChild.start('writer', ws.db);
    try {
      await writer.next((m) => typeof m['committed'] === 'number' && (m['committed'] as number) >= 2000);
      const before = (await writer.ask('status', 'status'))['committed'] as number;
      const result = await exportDatabase({ config: await ws.config(), format: 'json', tables: ['a', 'aa_filler', 'b'], output: path.join(out, 'live.json'), redact: false, now: () => NOW });
      const during = (await writer.ask('status', 'status'))['committed'] as number;
      expect(during, 'the writer committed while the export ran').to.be.above(before);
      const doc = await readJson<JsonDoc>(path.join(out, 'live.json'));
      const tx = (name: string): number[] => doc.tables.find((t) => t.name === name)!.rows.map((r) => r['tx'] as number);
      const a = tx('a');
      const b = tx('b');
      expect(a.length).to.equal(b.length);
      expect(a.length).to.be.at.least(before);
      expect(a).to.deep.equal(Array.from({ length: a.length }, (_, i) => i + 1));
      expect(b).to.deep.equal(a);
      expect(result.manifest.tables.filter((t) => t.name !== 'aa_filler').map((t) => [t.name, t.rows])).to.deep.equal([['a', a.length], ['b', a.length]]);
      expect(result.manifest.header.snapshot).to.include({ method: 'sqlite-read-transaction', journalMode: 'wal' });
    } finally {
      await writer.stop().catch(() => writer.kill());
    }
    const after = tableCounts(ws.db);
    expect(after['a']).to.equal(after['b']);
  });
});
