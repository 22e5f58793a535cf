/**
 * Not a test: `node .dist-r/test/unit/redaction/bench-redaction.js [MB]` measures redactRows and
 * the leak scan on the demo workspace (messages of 200–4000 characters with code, paths and
 * planted secrets) against the same rows serialised and hashed without redaction. CPU time,
 * best of interleaved rounds, so other work on the machine disturbs the ratio less.
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { seedWorkspace } from '../../../lib/demo-data.js';
import { WORKSPACE_MIGRATIONS } from '../../../lib/migrations.js';
import { compileRedaction, createLeakDetector, createLeakScanner } from '../../../lib/redaction/index.js';
import type { SqlValue, TableSchema } from '../../../lib/records.js';

const targetMB = Number(process.argv[2] ?? 100);
const db = new Database(':memory:');
for (const m of WORKSPACE_MIGRATIONS) db.exec(m.sql);
const seeded = seedWorkspace(db, { targetBytes: targetMB * 1e6 });
const tables: { schema: TableSchema; rows: SqlValue[][] }[] = [];
for (const name of db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[]) {
  const columns = (db.prepare(`PRAGMA table_info("${name}")`).all() as { name: string; type: string; notnull: number; pk: number }[]).map((c) => ({ name: c.name, type: c.type, notNull: c.notnull === 1, primaryKey: c.pk }));
  tables.push({ schema: { name, sql: null, columns, indexes: [] }, rows: db.prepare(`SELECT * FROM "${name}"`).raw().safeIntegers().all() as SqlValue[][] });
}
db.close();
let textBytes = 0;
for (const t of tables) for (const r of t.rows) for (const v of r) if (typeof v === 'string') textBytes += Buffer.byteLength(v);
const MB = textBytes / 1e6;

const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const BATCH = 500;

function serialize(rows: readonly SqlValue[][], out: Buffer[]): void {
  const hash = createHash('sha256');
  for (let i = 0; i < rows.length; i += BATCH) {
    const text = rows.slice(i, i + BATCH).map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).join('\n');
    const b = Buffer.from(`${text}\n`);
    hash.update(b);
    out.push(b);
  }
  hash.digest();
}

const best = { base: Infinity, redact: Infinity, leak: Infinity };
let summaryTotal = 0;
let outBytes = 0;
for (let round = 0; round < 4; round++) {
  let t = cpu();
  for (const table of tables) serialize(table.rows, []);
  best.base = Math.min(best.base, cpu() - t);

  const copies = tables.map((table) => ({ ...table, rows: table.rows.map((r) => r.slice()) }));
  const policy = compileRedaction({ patterns: [], defaultRules: true, redactPaths: true, redactEmails: true, placeholder: 'plain', pseudonymize: false });
  const redactor = policy.createRedactor();
  t = cpu();
  for (const table of copies) {
    const plan = policy.plan(table.schema);
    for (let i = 0; i < table.rows.length; i += BATCH) redactor.redactRows(table.schema.name, plan, table.rows.slice(i, i + BATCH));
  }
  best.redact = Math.min(best.redact, cpu() - t);
  summaryTotal = redactor.summary().total;

  const chunks: Buffer[] = [];
  for (const table of copies) serialize(table.rows, chunks);
  const all = Buffer.concat(chunks);
  outBytes = all.length;
  const scanner = createLeakScanner(createLeakDetector());
  t = cpu();
  let hits = 0;
  for (let o = 0; o < all.length; o += 65536) hits += scanner.write(all.subarray(o, o + 65536)).length;
  hits += scanner.end().length;
  best.leak = Math.min(best.leak, cpu() - t);
  if (hits > 0) console.log(`leak scan: ${hits} hits after redaction`);
}
const rate = (mb: number, ms: number): string => `${(mb / ms * 1000).toFixed(0)} MB/s`;
console.log(`${MB.toFixed(1)} MB of text in ${tables.reduce((n, t) => n + t.rows.length, 0)} rows, ${seeded.secretsPlanted} secrets planted, ${summaryTotal} replacements`);
console.log(`serialise+hash (no redaction): ${best.base.toFixed(0)} ms  ${rate(MB, best.base)}`);
console.log(`redactRows:                    ${best.redact.toFixed(0)} ms  ${rate(MB, best.redact)}`);
console.log(`leak scan of ${(outBytes / 1e6).toFixed(1)} MB output:  ${best.leak.toFixed(0)} ms  ${rate(outBytes / 1e6, best.leak)}`);
console.log(`ratio (serialise + redact) / serialise: ${((best.base + best.redact) / best.base).toFixed(2)}; with leak scan: ${((best.base + best.redact + best.leak) / best.base).toFixed(2)}`);
