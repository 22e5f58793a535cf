import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const README = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../README.md');

/** The names the README's Library section imports from the package (and from acode-db/transforms). */
async function documentedNames(): Promise<{ main: string[]; transforms: string[] }> {
  const text = await readFile(README, 'utf8');
  const library = text.slice(text.indexOf('## Library'), text.indexOf('## Development'));
  const main = new Set<string>();
  for (const m of library.matchAll(/import \{ ([^}]+) \} from 'acode-db'/g)) for (const n of m[1]!.split(',')) if (!n.includes('…')) main.add(n.trim());
  const transforms = [...(library.split('acode-db/transforms')[1] ?? '').matchAll(/`(create\w+)`/g)].map((m) => m[1]!);
  return { main: [...main], transforms };
}

describe('integration: the package as the README shows it (import from acode-db)', () => {
  let ws: SeededWorkspace;

  beforeEach(async () => {
    ws = await createWorkspace({ database: 'demo' });
  });

  afterEach(async () => {
    await removeTempDir(ws.dir);
  });

  it('exports every function the README names, and the README example runs', async () => {
    const names = await documentedNames();
    for (const name of ['loadConfig', 'createBackup', 'exportDatabase']) expect(names.main).to.include(name);
    for (const name of ['createCsvSerializer', 'createHashingSink', 'createTarPacker']) expect(names.transforms).to.include(name);
    const api = (await import('acode-db')) as unknown as Record<string, unknown>;
    const transforms = (await import('acode-db/transforms')) as unknown as Record<string, unknown>;
    for (const name of [...names.main, 'importExport', 'verifyExport', 'planExport', 'openExport', 'restoreBackup', 'verifyBackup', 'listBackups']) expect(api[name], name).to.be.a('function');
    for (const name of names.transforms) expect(transforms[name], name).to.be.a('function');

    const { loadConfig, createBackup, exportDatabase, verifyExport } = await import('acode-db');
    const config = await loadConfig({ workspace: ws.dir });
    const events: string[] = [];
    const backup = await createBackup({ config, compress: true, onProgress: (e) => events.push(e.stage) });
    expect(backup.name).to.match(/^acode_backup_\d{8}_\d{6}\.db\.gz$/);
    expect(events).to.include('copy');
    const output = path.join(ws.dir, 'export.ndjson');
    const out = await exportDatabase({ config, format: 'ndjson', output, signal: AbortSignal.timeout(60_000) });
    expect(out.manifest.files.map((f) => f.name)).to.deep.equal(['export.ndjson']);
    expect((await verifyExport({ path: output })).valid).to.equal(true);
  });
});
