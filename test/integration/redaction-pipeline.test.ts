/**
 * The redaction pipeline through the library (exportDatabase, planExport, verifyExport): what a
 * slow consumer of an export stream receives, what progress events carry, and what the results say.
 */
import path from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { loadConfig } from '../../lib/config.js';
import { AcodeError } from '../../lib/errors.js';
import { exportDatabase, planExport } from '../../lib/export.js';
import { verifyExport } from '../../lib/export-verify.js';
import type { ProgressEvent } from '../../lib/progress.js';
import { ALNUM, body, seeded } from '../unit/redaction/fakes.js';
import { plantWorkspace, tally, type Fixture, type PlantedWorkspace, type RowSpec } from '../support/redaction-fixture.js';
import { findFragments } from '../support/redaction-read.js';
import { removeTempDir } from '../support/temp.js';

const rand = seeded(161803);
const now = (): Date => new Date('2024-03-02T12:00:00Z');

/** A stdout stand-in that takes one small chunk at a time, slowly, and keeps everything it got. */
function slowSink(): { stream: Writable & { isTTY: boolean }; received: () => Buffer } {
  const chunks: Buffer[] = [];
  const stream = Object.assign(
    new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(Buffer.from(chunk));
        setImmediate(callback);
      },
    }),
    { isTTY: false },
  );
  return { stream, received: () => Buffer.concat(chunks) };
}

async function rejection(p: Promise<unknown>): Promise<AcodeError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(AcodeError);
    return err as AcodeError;
  }
  throw new Error('expected the export to fail');
}

describe('integration: the redaction pipeline through the library', function () {
  describe('the fixture, default rules', () => {
    let ws: PlantedWorkspace;
    before(async () => {
      ws = await plantWorkspace();
    });
    after(() => removeTempDir(ws?.dir));

    it('a stream to a slow consumer holds no planted fragment; the result counts what was planted; progress carries no value', async () => {
      const config = await loadConfig({ workspace: ws.dir });
      const sink = slowSink();
      const events: ProgressEvent[] = [];
      const result = await exportDatabase({ config, format: 'ndjson', output: '-', stdout: sink.stream, onProgress: (e) => events.push(e) });
      const text = sink.received().toString('utf8');
      expect(text.split('\n').filter(Boolean).length).to.be.above(20);
      expect(findFragments([{ where: 'stream', text }, { where: 'progress', text: JSON.stringify(events) }, { where: 'result', text: JSON.stringify(result) }], ws.fixture.secrets)).to.deep.equal([]);
      expect(result.redaction!.byTable).to.deep.equal(tally(ws.fixture.rows));
      expect(events.filter((e) => e.phase === 'end').map((e) => e.table)).to.deep.equal(['agent_vault', 'appr_approvals', 'conv_chats', 'conv_messages', 'conv_runs', 'credentials', 'schema_version', 'sess_sessions', 'settings']);
    });

    it('planExport says per column what happens, with the rule that takes it', async () => {
      const config = await loadConfig({ workspace: ws.dir });
      const plan = await planExport({ config, tables: ['credentials', 'agent_vault'], output: 'never-written.json' });
      const actions = Object.fromEntries(plan.tables.map((t) => [t.name, Object.fromEntries(t.columns.map((c) => [c.column, c.action === 'redact' ? `redact:${c.rule}` : c.action]))]));
      expect(actions).to.deep.equal({
        agent_vault: { id: 'scan', service: 'scan', password: 'redact:password', notes: 'scan', created_at: 'scan' },
        credentials: { id: 'scan', provider: 'scan', api_key: 'redact:api_key', access_token: 'redact:token', refresh_token: 'redact:token', client_secret: 'redact:secret', created_at: 'scan' },
      });
      expect(plan.unmatchedRules).to.deep.equal([]);
    });

    it('verifyExport: a redacted export passes all four checks; an unredacted one fails the leak scan and the redaction check without naming the value', async () => {
      const config = await loadConfig({ workspace: ws.dir });
      const clean = path.join(ws.dir, 'clean.json');
      const raw = path.join(ws.dir, 'raw.json');
      await exportDatabase({ config, format: 'json', output: clean });
      await exportDatabase({ config, format: 'json', output: raw, redact: false });
      const ok = await verifyExport({ path: clean });
      expect(ok.checks.map((c) => [c.name, c.ok])).to.deep.equal([['manifest', true], ['checksum', true], ['leak-scan', true], ['redaction', true]]);
      expect(ok.valid).to.equal(true);
      const bad = await verifyExport({ path: raw });
      expect(bad.valid).to.equal(false);
      expect(bad.checks.map((c) => [c.name, c.ok])).to.deep.equal([['manifest', true], ['checksum', true], ['leak-scan', false], ['redaction', false]]);
      expect(bad.checks[2]!.problem).to.match(/fingerprint [0-9a-f]{16}/);
      expect(findFragments([{ where: 'verify result', text: JSON.stringify(bad) }], ws.fixture.secrets, 8)).to.deep.equal([]);
    });
  });

  describe('a secret past a disabled rule, after 2 MB of ordinary rows', () => {
    let ws: PlantedWorkspace;
    const token = `ghp_${body(rand, ALNUM, 36)}`;
    before(async () => {
      const filler: RowSpec[] = Array.from({ length: 10_000 }, (_, i) => ({ table: 'build_log', key: 'id', values: { id: i + 1, line: `step ${i}: ${'compiled module ok; '.repeat(10)}` } }));
      const fixture: Fixture = { rows: [], secrets: { token }, nearMisses: [], homes: [] };
      ws = await plantWorkspace({
        config: 'export:\n  default_rules: false\n',
        fixture,
        extraSql: ['CREATE TABLE build_log (id INTEGER PRIMARY KEY, line TEXT)'],
        rows: [...filler, { table: 'build_log', key: 'id', values: { id: 10_001, line: `export GH=${token}` } }],
      });
    });
    after(() => removeTempDir(ws?.dir));

    for (const format of ['ndjson', 'csv', 'json'] as const) {
      it(`${format}: a slow consumer gets a prefix of the export ending before the secret; ACODE-EXP-003 names where, not what`, async () => {
        const config = await loadConfig({ workspace: ws.dir });
        const sink = slowSink();
        const events: ProgressEvent[] = [];
        const err = await rejection(exportDatabase({ config, format, tables: ['build_log'], output: '-', stdout: sink.stream, onProgress: (e) => events.push(e), now }));
        expect(err.code).to.equal('ACODE-EXP-003');
        expect(err.context).to.include({ table: 'build_log', detector: 'vendor_token' });
        const got = sink.received().toString('latin1');
        expect(got).to.not.include('ghp_');
        const texts = [{ where: 'stream', text: got }, { where: 'error', text: `${err.message} ${JSON.stringify(err.toJSON())}` }, { where: 'progress', text: JSON.stringify(events) }];
        expect(findFragments(texts, ws.fixture.secrets, 6)).to.deep.equal([]);
        // What got through is the start of the same export once the hit is allowed, ending before the secret.
        const full = slowSink();
        await exportDatabase({ config, format, tables: ['build_log'], output: '-', stdout: full.stream, allowScanHits: [String(err.context['fingerprint'])], now });
        const mask = (text: string): string => text.replace(/"takenAt":"[^"]*"/, '"takenAt":"…"');
        const whole = mask(full.received().toString('latin1'));
        expect(whole.startsWith(mask(got))).to.equal(true);
        expect(mask(got).length).to.be.at.most(whole.indexOf(token));
      });
    }
  });
});
