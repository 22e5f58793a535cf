/**
 * Reads an export back without the product's readers: every file's bytes (manifests included),
 * every table's rows with BLOBs decoded, and every text a secret could hide in — so a test can
 * say "no fragment of any planted secret is anywhere in this export".
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse as parseCsv } from 'csv-parse/sync';
import tar from 'tar-stream';
import { openToRead } from './sqlite.js';

export type Value = string | number | bigint | null | Buffer;
export type Row = Record<string, Value>;

export interface ExportContents {
  /** Every file of the export (and its manifest beside it), by name; tar entries as `bundle/entry`. */
  readonly files: ReadonlyMap<string, Buffer>;
  /** Rows per table, as the export holds them. */
  readonly tables: Readonly<Record<string, Row[]>>;
  /** Manifests, parsed. */
  readonly manifests: readonly Record<string, any>[];
  /** Every place a secret could be: raw bytes (latin1 and UTF-8) and every decoded value. */
  readonly texts: readonly string[];
}

interface Schema {
  readonly name: string;
  readonly columns: readonly { readonly name: string; readonly type: string }[];
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Reads a file, CSV folder, tar bundle or SQLite export at `target`, with `target.manifest.json` when there is one. */
export async function readExport(target: string): Promise<ExportContents> {
  const files = new Map<string, Buffer>();
  const tables: Record<string, Row[]> = {};
  const manifests: Record<string, any>[] = [];
  const info = await stat(target);
  if (info.isDirectory()) {
    for (const name of (await readdir(target)).sort()) files.set(name, await readFile(path.join(target, name)));
    const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8')) as Record<string, any>;
    manifests.push(manifest);
    for (const [name, bytes] of files) if (name.endsWith('.csv')) addCsv(tables, bytes, schemaFor(manifest, name));
  } else {
    const bytes = await readFile(target);
    files.set(path.basename(target), bytes);
    const beside = `${target}.manifest.json`;
    const manifest = await readFile(beside).then((b) => b, () => null);
    if (manifest) {
      files.set(path.basename(beside), manifest);
      manifests.push(JSON.parse(manifest.toString('utf8')) as Record<string, any>);
    }
    const plain = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
    if (plain.subarray(0, 16).toString('latin1') === 'SQLite format 3\0') {
      Object.assign(tables, readSqlite(target));
    } else if (plain.length > 262 && plain.subarray(257, 262).toString('latin1') === 'ustar') {
      const entries = await untar(plain);
      const inner = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as Record<string, any>;
      manifests.push(inner);
      const format = inner['header']['exportFormat'] as string;
      for (const [name, entry] of entries) {
        files.set(`${path.basename(target)}/${name}`, entry);
        if (name === 'manifest.json') continue;
        if (format === 'csv') addCsv(tables, entry, schemaFor(inner, name));
        else addJsonText(tables, entry.toString('utf8'), format);
      }
    } else {
      const format = /\.ndjson(\.gz)?$/.test(target) ? 'ndjson' : /\.csv(\.gz)?$/.test(target) ? 'csv' : 'json';
      if (plain !== bytes) files.set(`${path.basename(target)} (gunzipped)`, plain);
      if (format === 'csv') addCsv(tables, plain, schemaFor(manifests[0]!, null));
      else addJsonText(tables, plain.toString('utf8'), format);
    }
  }
  const texts: string[] = [];
  for (const bytes of files.values()) texts.push(bytes.toString('latin1'), bytes.toString('utf8'));
  for (const rows of Object.values(tables)) {
    for (const row of rows) {
      for (const v of Object.values(row)) {
        if (typeof v === 'string') texts.push(v);
        else if (Buffer.isBuffer(v)) texts.push(v.toString('latin1'), v.toString('utf8'));
      }
    }
  }
  return { files, tables, manifests, texts };
}

function schemaFor(manifest: Record<string, any>, file: string | null): Schema {
  const schemas = manifest['schemas'] as Schema[];
  if (file === null) return schemas[0]!;
  const entry = (manifest['files'] as { name: string; table?: string }[]).find((f) => f.name === file);
  const table = entry?.table ?? file.replace(/\.csv$/, '');
  return schemas.find((s) => s.name === table)!;
}

function addCsv(tables: Record<string, Row[]>, bytes: Buffer, schema: Schema): void {
  const records = parseCsv(bytes, { relax_column_count: false, info: false }) as string[][];
  const header = records.shift() ?? [];
  const blob = header.map((name) => /BLOB/i.test(schema.columns.find((c) => c.name === name)?.type ?? ''));
  // csv-parse reads an unquoted empty field and a quoted one alike; which one is NULL does not matter here.
  tables[schema.name] = records.map((fields) => Object.fromEntries(header.map((name, i) => {
    const text = fields[i] ?? '';
    if (blob[i] && text !== '' && BASE64.test(text)) return [name, Buffer.from(text, 'base64')];
    return [name, text === '' ? null : text];
  })));
}

/** Turns `{"$blob": base64}` into a Buffer and `{"$real": …}` into its text, anywhere in a row. */
function decodeValue(v: unknown): Value {
  if (v === null || typeof v === 'string' || typeof v === 'number') return v;
  if (typeof v === 'object' && v !== null && '$blob' in v) return Buffer.from(String((v as { $blob: string }).$blob), 'base64');
  if (typeof v === 'object' && v !== null && '$real' in v) return String((v as { $real: unknown }).$real);
  return JSON.stringify(v);
}

function addJsonText(tables: Record<string, Row[]>, text: string, format: string): void {
  if (format === 'ndjson') {
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const record = JSON.parse(line) as { table?: string; row?: Record<string, unknown> };
      if (record.table && record.row) (tables[record.table] ??= []).push(decodeRow(record.row));
      else if (record.table) tables[record.table] ??= [];
    }
    return;
  }
  const doc = JSON.parse(text) as { tables: { name: string; rows: Record<string, unknown>[] }[] };
  for (const t of doc.tables) (tables[t.name] ??= []).push(...t.rows.map(decodeRow));
}

function decodeRow(row: Record<string, unknown>): Row {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, decodeValue(v)]));
}

function readSqlite(file: string): Record<string, Row[]> {
  const db = openToRead(file);
  try {
    const names = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").pluck().all() as string[];
    const out: Record<string, Row[]> = {};
    for (const name of names) out[name] = db.prepare(`SELECT * FROM "${name.replaceAll('"', '""')}"`).all() as Row[];
    return out;
  } finally {
    db.close();
  }
}

async function untar(bytes: Buffer): Promise<Map<string, Buffer>> {
  const entries = new Map<string, Buffer>();
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        entries.set(header.name, Buffer.concat(chunks));
        next();
      });
      stream.on('error', reject);
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  extract.end(bytes);
  await done;
  return entries;
}

/** Every file under a folder (recursively), with its bytes. */
export async function walkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walkFiles(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out.sort();
}

export interface Leak {
  readonly label: string;
  readonly fragment: string;
  readonly where: string;
}

/**
 * Where any `n`-character window of any secret occurs in the texts: one sliding pass per text
 * over a set of every window, so a surviving fragment is found whatever it is embedded in.
 */
export function findFragments(texts: readonly { readonly where: string; readonly text: string }[], secrets: Readonly<Record<string, string>>, n = 12): Leak[] {
  const windows = new Map<string, string>();
  const short: [string, string][] = [];
  for (const [label, secret] of Object.entries(secrets)) {
    if (secret.length < n) short.push([label, secret]);
    else for (let i = 0; i + n <= secret.length; i++) windows.set(secret.slice(i, i + n), label);
  }
  const leaks: Leak[] = [];
  const seen = new Set<string>();
  const report = (label: string, fragment: string, where: string): void => {
    if (seen.has(`${label}@${where}`)) return;
    seen.add(`${label}@${where}`);
    leaks.push({ label, fragment, where });
  };
  for (const { where, text } of texts) {
    for (let i = 0; i + n <= text.length; i++) {
      const label = windows.get(text.slice(i, i + n));
      if (label) report(label, text.slice(i, i + n), where);
    }
    for (const [label, secret] of short) if (text.includes(secret)) report(label, secret, where);
  }
  return leaks;
}

/** The texts of an export and of a CLI run, labelled for a readable failure. */
export function haystacks(contents: ExportContents | null, run?: { readonly stdout: string; readonly stderr: string }): { where: string; text: string }[] {
  const out: { where: string; text: string }[] = [];
  if (contents) contents.texts.forEach((text, i) => out.push({ where: `export text #${i}`, text }));
  if (run) out.push({ where: 'stdout', text: run.stdout }, { where: 'stderr', text: run.stderr });
  return out;
}
