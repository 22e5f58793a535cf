import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
/** The build this test is part of (dist, or another --outDir). */
const BUILD = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const README = path.join(ROOT, 'README.md');

/** The modules the package's type declarations name, read from its entry points through their relative imports. */
async function declaredModules(entries: string[]): Promise<Map<string, string>> {
  const named = new Map<string, string>();
  const seen = new Set<string>();
  const walk = async (file: string): Promise<void> => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\b[^'\n]*\bfrom\s*'([^']+)'|\bimport\('([^']+)'\)/gm)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith('.')) {
        const next = path.resolve(path.dirname(file), spec).replace(/\.js$/, '.d.ts');
        if (existsSync(next)) await walk(next);
      } else if (!spec.startsWith('node:')) named.set(spec, path.relative(ROOT, file));
    }
  };
  for (const entry of entries) await walk(entry);
  return named;
}

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

  it('exports from acode-db/transforms every stage ARCHITECTURE.md lists under transforms/ (the export verify checks were missing)', async () => {
    const text = await readFile(path.join(ROOT, 'ARCHITECTURE.md'), 'utf8');
    const listed = [...text.matchAll(/^\| `(create\w+)\(\)` \(`transforms\//gm)].map((m) => m[1]!);
    for (const name of ['createTarLayoutCheck', 'createStrictGunzip', 'createJsonEscapeCheck', 'createHashingSink']) expect(listed).to.include(name);
    const transforms = (await import(path.join(BUILD, 'transforms/index.js'))) as Record<string, unknown>;
    for (const name of listed) expect(transforms[name], name).to.be.a('function');
  });

  it("its type declarations name only modules whose types a user's install gets (a TypeScript user hit TS7016 on tar-stream/headers.js)", async () => {
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, string>; dependencies: Record<string, string> };
    const entries = Object.values(pkg.exports).map((js) => path.join(BUILD, js.replace(/^\.\/dist\//, '').replace(/\.js$/, '.d.ts')));
    const named = await declaredModules(entries);
    expect(named.size).to.be.at.least(1);
    for (const [spec, from] of named) {
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
      const typed = spec === name && `@types/${name}` in pkg.dependencies;
      let shipped = false;
      if (name in pkg.dependencies) {
        const own = JSON.parse(await readFile(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { types?: string; typings?: string };
        shipped = spec === name && Boolean(own.types ?? own.typings);
      }
      expect(typed || shipped, `${from} names '${spec}', whose types are neither in the package nor an @types dependency`).to.equal(true);
    }
  });
});
