import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import tarStream from 'tar-stream';
import { cliPath } from './paths.js';

export interface FileDigest {
  readonly sha256: string;
  readonly bytes: number;
}

export async function digestOfFile(file: string): Promise<FileDigest> {
  const data = await readFile(file);
  return { sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length };
}

export function digestOfBytes(data: Buffer): FileDigest {
  return { sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length };
}

/** Everything under a folder: relative path → size and sha256 (folders as 'dir'). */
export async function treeOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string): Promise<void> => {
    const here = path.join(dir, rel);
    for (const name of (await readdir(here)).sort()) {
      const relName = rel ? `${rel}/${name}` : name;
      const info = await stat(path.join(here, name));
      if (info.isDirectory()) {
        out[relName] = 'dir';
        await walk(relName);
      } else {
        const d = await digestOfFile(path.join(here, name));
        out[relName] = `${d.bytes} ${d.sha256}`;
      }
    }
  };
  await walk('');
  return out;
}

export interface TarEntry {
  readonly name: string;
  readonly type: string;
  readonly data: Buffer;
}

/** The entries of a tar archive (gunzipped first when it starts with the gzip magic), in order. */
export async function readTarEntries(archive: Buffer): Promise<TarEntry[]> {
  const bytes = archive[0] === 0x1f && archive[1] === 0x8b ? gunzipSync(archive) : archive;
  const extract = tarStream.extract();
  const entries: TarEntry[] = [];
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        entries.push({ name: header.name, type: header.type ?? 'file', data: Buffer.concat(chunks) });
        next();
      });
      stream.resume();
    });
    extract.on('finish', () => resolve());
    extract.on('error', reject);
  });
  extract.end(bytes);
  await done;
  return entries;
}

export interface TarSpec {
  readonly name: string;
  readonly type?: 'file' | 'symlink' | 'link' | 'directory';
  readonly data?: Buffer | string;
  readonly linkname?: string;
  /** PAX records written before the entry's header. */
  readonly pax?: Readonly<Record<string, string>>;
}

/** A tar archive built entry by entry, with any name, type or link (for hostile-archive tests). */
export async function buildTar(entries: readonly TarSpec[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c: Buffer) => chunks.push(c));
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const e of entries) {
    const type = e.type ?? 'file';
    const data = typeof e.data === 'string' ? Buffer.from(e.data) : e.data;
    const header = { name: e.name, type, mode: 0o644, mtime: new Date(0), ...(e.linkname ? { linkname: e.linkname } : {}), ...(e.pax ? { pax: { ...e.pax } } : {}) };
    if (type === 'file') pack.entry({ ...header, size: data?.length ?? 0 }, data ?? Buffer.alloc(0));
    else pack.entry(header);
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/**
 * CSV text as rows of fields, with NULL (an unquoted empty field) apart from '' (a quoted one),
 * parsed by csv-parse strictly: a ragged or unclosed record throws.
 */
export function parseCsv(text: string | Buffer): (string | null)[][] {
  return parse(text, {
    cast: (value: string, ctx: { quoting: boolean }) => (value === '' && !ctx.quoting ? null : value),
    relax_column_count: false,
  }) as (string | null)[][];
}

/** Points a bundle manifest's entry for `name` at the file as it is now (after an edit). */
export async function refreshManifestEntry(manifestFile: string, name: string, file: string): Promise<void> {
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { files: { name: string; sha256: string; bytes: number }[] };
  const entry = manifest.files.find((f) => f.name === name);
  if (!entry) throw new Error(`${name} is not in ${manifestFile}`);
  Object.assign(entry, await digestOfFile(file));
  await writeFile(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
}

/** A stand-in for a terminal's stdout: isTTY true, and every byte written kept. */
export class FakeTerminal extends Writable {
  readonly isTTY = true;
  readonly chunks: Buffer[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(chunk);
    callback();
  }
}

export interface ShellResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a bash script with `$ACODE` set to the built CLI (`node <out>/cli/index.js`; paths without
 * spaces, so plain word splitting runs it) in `cwd`,
 * with no ACODE_* variable from this process, for tests of real shell pipelines.
 */
export function runShell(script: string, options: { cwd: string; env?: Readonly<Record<string, string>>; killAfterMs?: number }): Promise<ShellResult> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ACODE_')) env[k] = v;
  Object.assign(env, options.env, { ACODE: `${process.execPath} ${cliPath}` });
  const child = spawn('bash', ['-c', script], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 110_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
