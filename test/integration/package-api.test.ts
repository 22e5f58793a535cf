import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import ts from 'typescript';
import { makeTempDir, removeTempDir } from '../support/temp.js';
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

  it('refuses options a JavaScript caller got wrong with ACODE-USE-001 naming the call and option (they were TypeErrors, ignored, or a misspelled output sent the export to stdout)', async () => {
    const api = await import('acode-db');
    const config = await api.loadConfig({ workspace: ws.dir });
    const secret = `pw-${Math.random().toString(36).slice(2)}`;
    const written: Buffer[] = [];
    const stdout = new Writable({ write: (chunk: Buffer, _enc, cb) => (written.push(chunk), cb()) });
    const loose = api as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const cases: [string, unknown[], string][] = [
      ['exportDatabase', [{ config, format: 'json', outpt: path.join(ws.dir, 'x.json'), stdout }], "exportDatabase(): unknown option 'outpt' — did you mean 'output'?"],
      ['exportDatabase', [{ config, format: 'json', tables: 'conv_chats', output: path.join(ws.dir, 't.json') }], "exportDatabase(): option 'tables' must be an array of strings, got a string"],
      ['exportDatabase', [{ config, format: 'json', redact: 'no', output: path.join(ws.dir, 'r.json') }], "exportDatabase(): option 'redact' must be true or false, got a string"],
      ['exportDatabase', [{ config, format: 'json', since: new Date(), output: path.join(ws.dir, 's.json') }], "exportDatabase(): option 'since' must be a non-empty string, got a Date"],
      ['planExport', [{ config, archive: 'zip' }], "planExport(): option 'archive' must be one of 'tar', got a string"],
      ['exportDatabase', [], 'exportDatabase(): takes an options object (ExportOptions), got nothing'],
      ['createBackup', [{ config, compres: true }], "createBackup(): unknown option 'compres' — did you mean 'compress'?"],
      ['createBackup', [{ config, tag: { password: secret } }], "createBackup(): option 'tag' must be a non-empty string, got an object"],
      ['createBackup', [{ config, signal: 'x' }], "createBackup(): option 'signal' must be an AbortSignal, got a string"],
      ['createBackup', [{}], "createBackup(): option 'config' is required: the config loadConfig() or parseConfig() returns"],
      ['verifyBackup', [{ config }], "verifyBackup(): option 'file' is required: a non-empty string"],
      ['restoreBackup', [{ config, file: 'x.db', confirm: true }], "restoreBackup(): option 'confirm' must be a function, got a boolean"],
      ['importExport', [{ config, source: path.join(ws.dir, 'x.json'), mode: 'merge' }], "importExport(): option 'mode' must be one of 'append', 'replace', got a string"],
      ['pruneBackups', [{ dir: ws.dir, policy: { keep: 1 } }], "pruneBackups(): option 'policy.keepDays' is required: a number of at least 0 or null"],
      ['pruneBackups', [{ dir: ws.dir, policy: { keep: 1, keepDays: null, now: 'today' } }], "pruneBackups(): option 'policy.now' must be a valid Date, got a string"],
      ['listBackups', [{}], "listBackups(): option 'config' is required: the config loadConfig() or parseConfig() returns"],
      ['verifyExport', [{}], "verifyExport(): option 'path' is required: a non-empty string"],
      ['deleteBackup', [{ config }], "deleteBackup(): option 'backup' is required: a non-empty string"],
      ['migrate', [{ config, backup: 'no' }], "migrate(): option 'backup' must be true or false, got a string"],
      ['loadConfig', [ws.dir], 'loadConfig(): takes an options object (LoadConfigOptions), got a string'],
      ['parseConfig', [{}, { workspace: ws.dir, file: null }], 'parseConfig(): the config text must be a string (the YAML of a config file), got an object'],
    ];
    const before = (await readdir(ws.dir)).sort();
    for (const [name, args, message] of cases) {
      let caught: unknown;
      try {
        await loose[name]!(...args);
      } catch (err) {
        caught = err;
      }
      expect(caught, `${name}: ${message}`).to.be.instanceOf(api.AcodeError);
      const err = caught as InstanceType<typeof api.AcodeError>;
      expect({ code: err.code, message: err.message }).to.deep.equal({ code: 'ACODE-USE-001', message: `Invalid usage: ${message}` });
      expect(err.hint).to.match(/type declarations/);
      expect(JSON.stringify({ ...err.toJSON(), stack: err.stack })).not.to.include(secret);
    }
    expect(Buffer.concat(written).length, 'bytes the misspelled output sent to stdout').to.equal(0);
    expect((await readdir(ws.dir)).sort()).to.deep.equal(before);
  });

  it('refuses wrong options to a stage made on its own, from acode-db/transforms, with ACODE-USE-001 (they were TypeErrors, or a stage made without its policy)', async () => {
    const api = await import('acode-db');
    const transforms = (await import('acode-db/transforms')) as unknown as Record<string, (...args: unknown[]) => unknown>;
    const loose = api as unknown as Record<string, (...args: unknown[]) => unknown>;
    const cases: [Record<string, (...args: unknown[]) => unknown>, string, unknown[], string][] = [
      [loose, 'compileRedaction', [{}], "compileRedaction(): option 'patterns' is required: an object"],
      [loose, 'createLeakDetector', [1], 'createLeakDetector(): takes an options object (LeakDetectorOptions), got a number'],
      [loose, 'createLeakDetector', [{ alow: [] }], "createLeakDetector(): unknown option 'alow' — did you mean 'allow'?"],
      [transforms, 'createRedactTransform', [{}], "createRedactTransform(): option 'policy' is required: an object"],
      [transforms, 'createHashingSink', [{}], "createHashingSink(): option 'file' is required: a non-empty string"],
      [transforms, 'createHashingSink', [{ file: path.join(ws.dir, 'x'), digest: true }], "createHashingSink(): unknown option 'digest'; options: file, force, digestFrom"],
      [transforms, 'createTarPacker', [{ mtime: 0 }], "createTarPacker(): option 'mtime' must be a valid Date, got a number"],
      [transforms, 'createLeakScanTransform', [], 'createLeakScanTransform(): takes an options object (LeakScanTransformOptions), got nothing'],
      [transforms, 'createCsvParser', [{ rows: 1 }], "createCsvParser(): option 'table' is required: an object"],
    ];
    for (const [from, name, args, message] of cases) {
      let caught: unknown;
      try {
        (from[name]!(...args) as { destroy?: () => void } | undefined)?.destroy?.();
      } catch (err) {
        caught = err;
      }
      expect(caught, `${name}: ${message}`).to.be.instanceOf(api.AcodeError);
      const err = caught as InstanceType<typeof api.AcodeError>;
      expect({ code: err.code, message: err.message }).to.deep.equal({ code: 'ACODE-USE-001', message: `Invalid usage: ${message}` });
    }
    expect(await readdir(ws.dir)).not.to.include('x');
  });

  it('pruneBackups and listBackups given an aborted signal reject with ACODE-INT-002, not a bare AbortError, and remove nothing', async () => {
    const api = await import('acode-db');
    const config = await api.loadConfig({ workspace: ws.dir });
    await api.createBackup({ config });
    await api.createBackup({ config });
    const before = (await readdir(config.backup.path)).sort();
    const dir = config.backup.path;
    const calls: [() => Promise<unknown>, string][] = [
      [() => api.pruneBackups({ dir, config, policy: { keep: 1, keepDays: null, now: new Date() }, signal: AbortSignal.abort() }), `pruning the backups in ${dir}: interrupted`],
      [() => api.listBackups({ config, signal: AbortSignal.abort() }), `listing the backups in ${dir}: interrupted`],
    ];
    for (const [call, detail] of calls) {
      const err = await call().then(() => null, (e: unknown) => e);
      expect(err).to.be.instanceOf(api.AcodeError);
      const coded = err as InstanceType<typeof api.AcodeError>;
      expect({ code: coded.code, message: coded.message }).to.deep.equal({ code: 'ACODE-INT-002', message: `Interrupted: ${detail}` });
    }
    expect((await readdir(config.backup.path)).sort()).to.deep.equal(before);
  });

  it('planExport and migrate given an aborted signal reject, opening and creating nothing (a plan was returned, and a migrate with nothing to do resolved); isAbort() tells the abort from a failure', async () => {
    const api = await import('acode-db');
    const config = await api.loadConfig({ workspace: ws.dir });
    const fresh = await makeTempDir('aborted-migrate');
    try {
      const newConfig = await api.loadConfig({ workspace: fresh });
      const calls: [() => Promise<unknown>, string, string][] = [
        [() => api.planExport({ config, format: 'json', output: path.join(ws.dir, 'x.json'), signal: AbortSignal.abort() }), 'ACODE-EXP-001', 'Export failed: planning the export: interrupted'],
        [() => api.migrate({ config, signal: AbortSignal.abort() }), 'ACODE-MIG-001', `Migration failed: migrating ${config.database.path}: interrupted`],
        [() => api.migrate({ config: newConfig, signal: AbortSignal.abort() }), 'ACODE-MIG-001', `Migration failed: migrating ${newConfig.database.path}: interrupted`],
      ];
      for (const [call, code, message] of calls) {
        const err = await call().then(() => null, (e: unknown) => e);
        expect(err).to.be.instanceOf(api.AcodeError);
        const coded = err as InstanceType<typeof api.AcodeError>;
        expect({ code: coded.code, message: coded.message }).to.deep.equal({ code, message });
        expect(api.isAbort(err)).to.equal(true);
      }
      const misuse = await api.migrate({ config, signal: 'now' as unknown as AbortSignal }).then(() => null, (e: unknown) => e);
      expect((misuse as InstanceType<typeof api.AcodeError>).code).to.equal('ACODE-USE-001');
      expect(api.isAbort(misuse)).to.equal(false);
      expect(await readdir(fresh)).to.deep.equal([]);
      expect(await readdir(ws.dir)).not.to.include('x.json');
    } finally {
      await removeTempDir(fresh);
    }
  });

  it('createBackup aborted once its backup and manifest are written resolves with the backup, the abort as rotationError (as the README says)', async () => {
    const api = await import('acode-db');
    const config = await api.loadConfig({ workspace: ws.dir });
    const controller = new AbortController();
    const result = await api.createBackup({
      config,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.stage === 'manifest' && e.phase === 'end') controller.abort();
      },
    });
    expect(existsSync(result.path) && existsSync(result.manifestPath)).to.equal(true);
    expect(result.rotation).to.equal(null);
    expect(result.rotationError?.code).to.equal('ACODE-BAK-001');
    expect(result.rotationError?.message).to.match(/interrupted$/);
    expect(api.isAbort(result.rotationError)).to.equal(true);
    const check = await api.verifyBackup({ config, file: result.path });
    expect(check.valid).to.equal(true);
  });

  it('exports from acode-db/transforms every stage ARCHITECTURE.md lists under transforms/ (the export verify checks were missing)', async () => {
    const text = await readFile(path.join(ROOT, 'ARCHITECTURE.md'), 'utf8');
    const listed = [...text.matchAll(/^\| `(create\w+)\(\)` \(`transforms\//gm)].map((m) => m[1]!);
    for (const name of ['createTarLayoutCheck', 'createStrictGunzip', 'createJsonEscapeCheck', 'createHashingSink']) expect(listed).to.include(name);
    const transforms = (await import(path.join(BUILD, 'transforms/index.js'))) as Record<string, unknown>;
    for (const name of listed) expect(transforms[name], name).to.be.a('function');
  });

  it('exports every type its exported functions and types name, so a TypeScript user can write them (ExportFormat, ImportMode, ProgressPhase, ErrorContext, OutputLayout … were not)', () => {
    const entries = [path.join(BUILD, 'lib/index.d.ts'), path.join(BUILD, 'transforms/index.d.ts')];
    const program = ts.createProgram(entries, { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, noEmit: true });
    const checker = program.getTypeChecker();
    const exported = new Set<ts.Declaration>();
    for (const entry of entries) {
      for (const sym of checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entry)!)!)) {
        const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
        for (const d of target.declarations ?? []) exported.add(d);
      }
    }
    const unexported = new Set<string>();
    const queue = [...exported];
    const seen = new Set<ts.Declaration>(queue);
    const visit = (node: ts.Node): void => {
      const name = ts.isTypeReferenceNode(node) ? node.typeName : ts.isExpressionWithTypeArguments(node) ? node.expression : null;
      let sym = name ? checker.getSymbolAtLocation(name) : undefined;
      if (sym && sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
      for (const d of sym?.declarations ?? []) {
        const file = d.getSourceFile().fileName;
        if (!file.startsWith(BUILD) || ts.isTypeParameterDeclaration(d) || exported.has(d)) continue;
        unexported.add(`${sym!.name} (${path.relative(BUILD, file)})`);
        if (!seen.has(d)) (seen.add(d), queue.push(d));
      }
      ts.forEachChild(node, visit);
    };
    while (queue.length) visit(queue.pop()!);
    // Local shorthands (a callback, a function type) and the JSON reader's token plumbing, which
    // createJsonParser() hides: nothing a user writes down.
    expect([...unexported].sort()).to.deep.equal([
      'Callback (transforms/hashing-pass-through.d.ts)',
      'Callback (transforms/hashing-sink.d.ts)',
      'Callback (transforms/tar.d.ts)',
      'Counts (transforms/progress.d.ts)',
      'Random (lib/demo-data.d.ts)',
      'Token (transforms/json-tokens.d.ts)',
      'TokenReader (transforms/token-stream.d.ts)',
    ]);
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
