import path from 'node:path';
import { readdir } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { exportDatabase } from '../../lib/export.js';
import { importExport } from '../../lib/import.js';
import { failure } from '../support/failure.js';
import { removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';
import { ALNUM, body, seeded } from '../unit/redaction/fakes.js';

const NOW = (): Date => new Date('2024-01-20T14:30:45Z');
const FORMATS = ['json', 'ndjson', 'csv', 'sqlite'] as const;

describe('integration: a redacted export of a table keyed by what a column rule takes', function () {
  const rand = seeded(616);
  const key = (): string => `sk-proj-${body(rand, ALNUM, 48)}`;
  let ws: SeededWorkspace;

  before(async () => {
    ws = await createWorkspace({ database: 'none' });
    const db = new Database(ws.db);
    db.exec(`CREATE TABLE api_keys (api_key TEXT PRIMARY KEY, owner TEXT);
             CREATE TABLE sessions (id INTEGER PRIMARY KEY, session_token TEXT NOT NULL);
             CREATE UNIQUE INDEX sessions_token ON sessions ("session_token");
             CREATE TABLE grants (api_key TEXT, owner TEXT, PRIMARY KEY (api_key, owner));
             CREATE TABLE single (api_key TEXT PRIMARY KEY)`);
    for (const owner of ['alice', 'bob']) {
      db.prepare('INSERT INTO api_keys VALUES (?, ?)').run(key(), owner);
      db.prepare('INSERT INTO sessions (session_token) VALUES (?)').run(key());
      db.prepare('INSERT INTO grants VALUES (?, ?)').run(key(), owner);
    }
    db.prepare('INSERT INTO single VALUES (?)').run(key());
    db.close();
  });
  after(() => removeTempDir(ws?.dir));

  for (const format of FORMATS) {
    it(`${format}: a primary key or unique index all of whose columns are redacted is refused before anything is written (the export passed verify and then no import could load it)`, async () => {
      for (const [table, named] of [['api_keys', 'api_keys.api_key'], ['sessions', 'sessions.session_token']] as const) {
        const out = path.join(ws.dir, `${table}-${format}`);
        const e = await failure(exportDatabase({ config: await ws.config(), format, output: out, tables: [table], now: NOW }));
        expect(e.code, table).to.equal('ACODE-EXP-002');
        expect(e.detail, table).to.equal(`${named} is a key, and redaction would give its 2 rows the same placeholder (an import of the export would fail on them)`);
        expect(e.hint).to.match(/^set export\.pseudonymize: true/);
        expect((await readdir(ws.dir)).filter((f) => f.startsWith(table))).to.deep.equal([]);
      }
    });
  }

  it('a key with a column kept (api_key, owner), or one row, exports and imports; pseudonyms keep a redacted key apart', async () => {
    const out = path.join(ws.dir, 'kept.ndjson');
    await exportDatabase({ config: await ws.config(), format: 'ndjson', output: out, tables: ['grants', 'single'], now: NOW });
    const target = await createWorkspace({ database: 'none' });
    try {
      await importExport({ config: await target.config(), source: out });
      const db = new Database(target.db, { readonly: true });
      expect(db.prepare('SELECT api_key, owner FROM grants ORDER BY owner').all()).to.deep.equal([
        { api_key: '[REDACTED]', owner: 'alice' },
        { api_key: '[REDACTED]', owner: 'bob' },
      ]);
      db.close();
    } finally {
      await removeTempDir(target.dir);
    }
    const pseudo = await createWorkspace({ database: 'none', config: 'export:\n  pseudonymize: true\n' });
    try {
      const source = path.join(ws.dir, 'pseudo.json');
      const p = await exportDatabase({ config: { ...(await ws.config()), export: { ...(await ws.config()).export, pseudonymize: true } }, format: 'json', output: source, tables: ['api_keys'], now: NOW });
      expect(p.manifest.tables.map((t) => t.rows)).to.deep.equal([2]);
      await importExport({ config: await pseudo.config(), source });
      const db = new Database(pseudo.db, { readonly: true });
      const keys = db.prepare('SELECT api_key FROM api_keys').pluck().all() as string[];
      db.close();
      expect(new Set(keys).size).to.equal(2);
      for (const k of keys) expect(k).to.match(/^\[REDACTED(?::\w+)?:[0-9a-f]{12}\]$/);
    } finally {
      await removeTempDir(pseudo.dir);
    }
  });
});
