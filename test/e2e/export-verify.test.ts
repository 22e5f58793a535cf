import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { gzipSync } from 'node:zlib';
import { lines, type CliResult } from '../support/cli.js';
import { buildTar, readTarEntries } from '../support/export-files.js';
import { cliIn, plantWorkspace, type PlantedWorkspace } from '../support/redaction-fixture.js';
import { expectNoFragments, expectOk } from '../support/redaction-expect.js';
import { removeTempDir } from '../support/temp.js';

interface Kind {
  readonly label: string;
  readonly args: readonly string[];
  /** Name of the export (a file or, for CSV, a folder) for a given stem. */
  readonly target: (stem: string) => string;
  /** The file inside the export whose byte is flipped. */
  readonly tamperFile: (target: string) => string;
  /** Flips a byte that keeps the file readable where that is possible (a letter's case in a chat title). */
  readonly readableAfterTamper: boolean;
}

const KINDS: readonly Kind[] = [
  { label: 'JSON', args: ['--format', 'json'], target: (s) => `${s}.json`, tamperFile: (t) => t, readableAfterTamper: true },
  { label: 'NDJSON', args: ['--format', 'ndjson'], target: (s) => `${s}.ndjson`, tamperFile: (t) => t, readableAfterTamper: true },
  { label: 'CSV folder', args: ['--format', 'csv'], target: (s) => s, tamperFile: (t) => path.join(t, 'conv_chats.csv'), readableAfterTamper: true },
  { label: 'CSV tar.gz', args: ['--format', 'csv'], target: (s) => `${s}.tar.gz`, tamperFile: (t) => t, readableAfterTamper: false },
  { label: 'SQLite', args: ['--format', 'sqlite'], target: (s) => `${s}.db`, tamperFile: (t) => t, readableAfterTamper: true },
];

const CLEAN_REPORT = ['  ✓ Manifest found', '  ✓ Checksums match the manifest', '  ✓ Leak scan found no secret', '  ✓ Redacted when exported', '', 'Export is valid and the leak scan found nothing.'];

/** The --output for a target: a CSV folder is asked for as `<stem>.csv`. */
const outputArg = (kind: Kind, target: string): string => (kind.label === 'CSV folder' ? `${target}.csv` : target);

async function flipTitleCase(file: string): Promise<void> {
  const bytes = await readFile(file);
  const at = bytes.indexOf('Set up CI');
  expect(at, `title in ${file}`).to.be.at.least(0);
  bytes[at] = bytes[at]! ^ 0x20;
  await writeFile(file, bytes);
}

async function flipLastByte(file: string): Promise<void> {
  const bytes = await readFile(file);
  bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
  await writeFile(file, bytes);
}

function expectFailed(r: CliResult, target: string, check: string): void {
  expect(r.code, `stderr:\n${r.stderr}`).to.equal(2);
  const errors = lines(r.stderr).filter((l) => l.startsWith('✗ '));
  expect(errors).to.have.length(1);
  expect(errors[0]).to.match(new RegExp(`^✗ ACODE-EXP-005 Export verification failed: ${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*${check}.* failed — `));
  expect(lines(r.stdout).at(-1)).to.equal('Export FAILED verification: do not share it.');
}

describe('e2e: acode db export verify <path>', function () {
  let ws: PlantedWorkspace;
  before(async () => {
    ws = await plantWorkspace();
    for (const kind of KINDS) {
      expectOk(await cliIn(ws.dir, ['db', 'export', ...kind.args, '--output', outputArg(kind, kind.target('clean'))]));
      expectOk(await cliIn(ws.dir, ['db', 'export', ...kind.args, '--no-redact', '--output', outputArg(kind, kind.target('raw'))]));
      expectOk(await cliIn(ws.dir, ['db', 'export', ...kind.args, '--output', outputArg(kind, kind.target('tampered'))]));
    }
  });
  after(() => removeTempDir(ws?.dir));

  for (const kind of KINDS) {
    describe(kind.label, () => {
      it('a clean redacted export: exit 0 and the three checks passed', async () => {
        const r = await cliIn(ws.dir, ['db', 'export', 'verify', kind.target('clean')]);
        expectOk(r);
        expect(lines(r.stdout)).to.deep.equal(CLEAN_REPORT);
        expect(lines(r.stderr)).to.deep.equal(['Verifying export...', `  Path: ${kind.target('clean')}`, '']);
      });

      it('a --no-redact export: exit 2, ACODE-EXP-005 naming the leak scan, with the detector and fingerprint but no value', async () => {
        const r = await cliIn(ws.dir, ['db', 'export', 'verify', kind.target('raw')]);
        expectFailed(r, kind.target('raw'), 'leak-scan');
        const report = lines(r.stdout);
        expect(report.slice(0, 2)).to.deep.equal(['  ✓ Manifest found', '  ✓ Checksums match the manifest']);
        expect(report[2]).to.match(/^ {2}✗ Leak scan found a secret: .*detector \w+.*fingerprint [0-9a-f]{16}/);
        // Named as the export's own scan names it: table and column (JSON named the column only, CSV the table only).
        expect(report[2]).to.match(/ in table \w+, column \w+[;(\s]+fingerprint /);
        expect(report[3]).to.match(/^ {2}✗ Not redacted \(exported with --no-redact\): no redaction rule ran: /);
        expectNoFragments(null, r, ws.fixture, 8);
      });

      it('a tampered export (one byte flipped): exit 2, ACODE-EXP-005 naming the checksum', async () => {
        const target = path.join(ws.dir, kind.target('tampered'));
        const file = kind.tamperFile(target);
        const size = (await stat(file)).size;
        if (kind.readableAfterTamper) await flipTitleCase(file);
        else await flipLastByte(file);
        expect((await stat(file)).size).to.equal(size);
        const r = await cliIn(ws.dir, ['db', 'export', 'verify', kind.target('tampered')]);
        expectFailed(r, kind.target('tampered'), 'checksum');
        expect(lines(r.stdout)[1]).to.match(/^ {2}✗ Checksums do not match the manifest: /);
        // A readable file still gets its leak scan, and the flip added no secret.
        if (kind.readableAfterTamper) expect(lines(r.stdout)[2]).to.equal('  ✓ Leak scan found no secret');
        expectNoFragments(null, r, ws.fixture, 8);
      });
    });
  }

  it('an export without its manifest: exit 2 naming the manifest and --manifest FILE for a saved stream (it said only "no ….manifest.json beside it")', async () => {
    const target = path.join(ws.dir, 'lonely.json');
    await writeFile(target, await readFile(path.join(ws.dir, 'clean.json')));
    const r = await cliIn(ws.dir, ['db', 'export', 'verify', 'lonely.json']);
    expectFailed(r, 'lonely.json', 'manifest');
    expect(lines(r.stdout)[0]).to.equal('  ✗ Manifest missing or unreadable: no lonely.json.manifest.json beside it (a stream saved from --output -: give the manifest it wrote with --manifest FILE)');
  });

  describe('a tar bundle without a sidecar manifest (what `export --format csv | gzip > all.tar.gz` leaves)', () => {
    /** The clean bundle's entries, rebuilt without its sidecar after `edit`. */
    async function bundle(name: string, edit: (entries: { name: string; data: Buffer }[]) => void): Promise<string> {
      const entries = (await readTarEntries(await readFile(path.join(ws.dir, 'clean.tar.gz')))).map((e) => ({ name: e.name, data: e.data }));
      edit(entries);
      await writeFile(path.join(ws.dir, name), gzipSync(await buildTar(entries)));
      return name;
    }

    it('an untouched bundle passes, its checksums taken from the manifest.json inside', async () => {
      const r = await cliIn(ws.dir, ['db', 'export', 'verify', await bundle('bare.tar.gz', () => {})]);
      expectOk(r);
      expect(lines(r.stdout)).to.deep.equal(['  ✓ Manifest found', "  ✓ Checksums match the bundle's manifest.json", '  ✓ Leak scan found no secret', '  ✓ Redacted when exported', '', 'Export is valid and the leak scan found nothing.']);
    });

    it('an entry cut short or changed: exit 2 naming it, no "Leak scan found no secret"', async () => {
      const cut = await bundle('cut-entry.tar.gz', (entries) => {
        const chats = entries.find((e) => e.name === 'conv_chats.csv')!;
        chats.data = chats.data.subarray(0, 40);
      });
      const r = await cliIn(ws.dir, ['db', 'export', 'verify', cut]);
      expectFailed(r, cut, 'checksum');
      expect(lines(r.stdout).slice(0, 2)).to.deep.equal(['  ✓ Manifest found', "  ✗ Checksums do not match the bundle's manifest.json: conv_chats.csv does not match its checksum in manifest.json"]);
      expect(r.stdout).to.not.include('Leak scan found no secret');
    });

    it('an entry left out, and a bundle cut short: exit 2 naming the damage, not the leak scan', async () => {
      const missing = await bundle('missing-entry.tar.gz', (entries) => entries.splice(entries.findIndex((e) => e.name === 'conv_chats.csv'), 1));
      const r = await cliIn(ws.dir, ['db', 'export', 'verify', missing]);
      expectFailed(r, missing, 'checksum');
      expect(lines(r.stdout)[1]).to.equal("  ✗ Checksums do not match the bundle's manifest.json: conv_chats.csv is missing (truncated?)");
      const whole = await readFile(path.join(ws.dir, 'bare.tar.gz'));
      await writeFile(path.join(ws.dir, 'cut.tar.gz'), whole.subarray(0, Math.floor(whole.length / 2)));
      const cut = await cliIn(ws.dir, ['db', 'export', 'verify', 'cut.tar.gz']);
      expectFailed(cut, 'cut.tar.gz', 'checksum');
      expect(lines(cut.stdout)[1]).to.match(/^ {2}✗ Checksums do not match the bundle's manifest\.json: .*(ends early|truncated)/);
    });
  });

  it('an export streamed to stdout with --manifest FILE: verify and import read that manifest with --manifest', async () => {
    const streamed = await cliIn(ws.dir, ['db', 'export', '--format', 'ndjson', '--output', '-', '--manifest', 'stream.manifest.json']);
    expectOk(streamed);
    await writeFile(path.join(ws.dir, 'stream.ndjson'), streamed.stdout);
    const checked = await cliIn(ws.dir, ['db', 'export', 'verify', 'stream.ndjson', '--manifest', 'stream.manifest.json']);
    expectOk(checked);
    expect(lines(checked.stdout)).to.deep.equal(CLEAN_REPORT);
    // Without it there is no manifest beside the file to check against.
    expectFailed(await cliIn(ws.dir, ['db', 'export', 'verify', 'stream.ndjson']), 'stream.ndjson', 'manifest');
    const imported = await cliIn(ws.dir, ['db', 'import', 'stream.ndjson', '--manifest', 'stream.manifest.json', '--database', 'from-stream.db']);
    expectOk(imported);
    expect(imported.stderr).to.include('✓ Checksums match the manifest');
    expect(lines(imported.stdout).at(-1)).to.match(/^Import complete: \d+ tables, [\d,]+ records \(new database created\)\.$/);
  });

  it('the checksum problem in a verify report does not talk about an import', async () => {
    for (const suffix of ['', '.manifest.json']) await writeFile(path.join(ws.dir, `edited.json${suffix}`), await readFile(path.join(ws.dir, `clean.json${suffix}`)));
    await flipTitleCase(path.join(ws.dir, 'edited.json'));
    const r = await cliIn(ws.dir, ['db', 'export', 'verify', 'edited.json']);
    expectFailed(r, 'edited.json', 'checksum');
    expect(r.stdout).to.not.include('imported');
  });
});
