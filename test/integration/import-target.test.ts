import path from 'node:path';
import { expect } from 'chai';
import { exportDatabase } from '../../lib/export.js';
import { importExport } from '../../lib/import.js';
import { failure } from '../support/failure.js';
import { contentDigest, openDb } from '../support/sqlite.js';
import { makeTempDir, removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const NOW = new Date('2024-01-20T14:30:45.000Z');

/** What the import meets in the target database: its triggers, its names' spelling, its unique keys. */
describe('integration: import into a database with its own triggers, names and keys', function () {
  let dir: string;
  let source: SeededWorkspace;
  let target: SeededWorkspace;
  const out = (name: string): string => path.join(dir, name);
  const rows = (file: string, sql: string): unknown[] => {
    const db = openDb(file, { readonly: true });
    try {
      return db.prepare(sql).raw(true).all();
    } finally {
      db.close();
    }
  };

  beforeEach(async () => {
    dir = await makeTempDir('imp-target');
    source = await createWorkspace({ database: 'none', parent: dir });
    target = await createWorkspace({ database: 'none' });
  });
  afterEach(async () => {
    await removeTempDir(dir);
    await removeTempDir(target.dir);
  });

  const TRIGGERS = `
    CREATE TABLE chats (id INTEGER PRIMARY KEY, title TEXT, msg_count INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE msgs (id INTEGER PRIMARY KEY, chat_id INTEGER, body TEXT);
    CREATE TRIGGER msgs_count AFTER INSERT ON msgs BEGIN UPDATE chats SET msg_count = msg_count + 1 WHERE id = new.chat_id; END;
    CREATE TRIGGER chats_cleanup AFTER DELETE ON chats BEGIN DELETE FROM msgs WHERE chat_id = old.id; END;`;

  it("triggers whose work is in the export do not run again: counts are not doubled; a replace whose trigger would change a table not imported is refused", async () => {
    const db = openDb(source.db);
    db.exec(`${TRIGGERS} INSERT INTO chats (id, title) VALUES (1, 'a'), (2, 'b'); INSERT INTO msgs VALUES (1, 1, 'hi'), (2, 1, 'there'), (3, 2, 'yo');`);
    db.close();
    const file = out('t.json');
    await exportDatabase({ config: await source.config(), format: 'json', output: file, redact: false, now: () => NOW });
    const chats = [[1, 'a', 2], [2, 'b', 1]];
    const msgs = [[1, 1, 'hi'], [2, 1, 'there'], [3, 2, 'yo']];
    expect(rows(source.db, 'SELECT * FROM chats ORDER BY id')).to.deep.equal(chats);

    // The target has the same tables and triggers, and rows of its own.
    const t = openDb(target.db);
    t.exec(`${TRIGGERS} INSERT INTO chats (id, title) VALUES (1, 'old'); INSERT INTO msgs VALUES (9, 1, 'kept?');`);
    t.close();
    await importExport({ config: await target.config(), source: file, mode: 'replace' });
    expect(rows(target.db, 'SELECT * FROM chats ORDER BY id')).to.deep.equal(chats);
    expect(rows(target.db, 'SELECT * FROM msgs ORDER BY id')).to.deep.equal(msgs);

    // Emptying chats alone would make chats_cleanup delete every message: refused, nothing changed.
    const digest = contentDigest(target.db);
    const err = await failure(importExport({ config: await target.config(), source: file, mode: 'replace', tables: ['chats'] }));
    expect(err).to.include({
      code: 'ACODE-IMP-008',
      message: 'Import would break references: replacing chats would run its trigger chats_cleanup, which changes msgs, a table this import does not load; nothing was imported',
    });
    expect(contentDigest(target.db)).to.equal(digest);

    // The triggers are back, as they were, and work.
    expect(rows(target.db, "SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name")).to.deep.equal([['chats_cleanup'], ['msgs_count']]);
    const after = openDb(target.db);
    after.exec("INSERT INTO msgs VALUES (4, 2, 'new'); DELETE FROM chats WHERE id = 1");
    after.close();
    expect(rows(target.db, 'SELECT * FROM chats ORDER BY id')).to.deep.equal([[2, 'b', 2]]);
    expect(rows(target.db, 'SELECT id FROM msgs ORDER BY id')).to.deep.equal([[3], [4]]);
  });

  it('triggers that keep a table not imported true still run: a count in chats, an FTS index over the messages', async () => {
    const schema = `${TRIGGERS}
      CREATE VIRTUAL TABLE msgs_fts USING fts5(body, content='msgs', content_rowid='id');
      CREATE TRIGGER msgs_ai AFTER INSERT ON msgs BEGIN INSERT INTO msgs_fts(rowid, body) VALUES (new.id, new.body); END;
      CREATE TRIGGER msgs_ad AFTER DELETE ON msgs BEGIN INSERT INTO msgs_fts(msgs_fts, rowid, body) VALUES ('delete', old.id, old.body); END;`;
    const db = openDb(source.db);
    db.exec(`${schema} INSERT INTO chats (id, title) VALUES (1, 'a'); INSERT INTO msgs VALUES (3, 1, 'rotate the key'), (4, 1, 'deploy now');`);
    db.close();
    const file = out('m.json');
    await exportDatabase({ config: await source.config(), format: 'json', output: file, tables: ['msgs'], redact: false, now: () => NOW });
    const t = openDb(target.db);
    t.exec(`${schema} INSERT INTO chats (id, title) VALUES (1, 'a'); INSERT INTO msgs VALUES (1, 1, 'hi'), (2, 1, 'there');`);
    t.close();
    await importExport({ config: await target.config(), source: file });
    expect(rows(target.db, 'SELECT msg_count FROM chats')).to.deep.equal([[4]]);
    expect(rows(target.db, "SELECT rowid FROM msgs_fts WHERE msgs_fts MATCH 'rotate OR deploy' ORDER BY rowid")).to.deep.equal([[3], [4]]);
    // Replacing msgs keeps the index true too: the old rows leave it, the new ones enter.
    await importExport({ config: await target.config(), source: file, mode: 'replace' });
    expect(rows(target.db, "SELECT rowid FROM msgs_fts WHERE msgs_fts MATCH 'hi OR there OR rotate OR deploy' ORDER BY rowid")).to.deep.equal([[3], [4]]);
  });

  it('a failed import leaves the triggers in place (they were dropped inside its transaction)', async () => {
    const db = openDb(source.db);
    db.exec(`${TRIGGERS} INSERT INTO chats (id, title) VALUES (1, 'a'); INSERT INTO msgs VALUES (1, 1, 'hi');`);
    db.close();
    const file = out('t.json');
    await exportDatabase({ config: await source.config(), format: 'json', output: file, redact: false, now: () => NOW });
    const t = openDb(target.db);
    t.exec(`${TRIGGERS} INSERT INTO msgs VALUES (1, 1, 'clash');`);
    t.close();
    const digest = contentDigest(target.db);
    const err = await failure(importExport({ config: await target.config(), source: file }));
    expect(err).to.include({ code: 'ACODE-IMP-004' });
    expect(contentDigest(target.db)).to.equal(digest);
    expect(rows(target.db, "SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name")).to.deep.equal([['chats_cleanup'], ['msgs_count']]);
  });

  it('a table whose columns the target spells in another case imports into them (SQL names are case-insensitive)', async () => {
    const db = openDb(source.db);
    db.exec("CREATE TABLE wr (k TEXT PRIMARY KEY, v TEXT); INSERT INTO wr VALUES ('a', '1'), ('b', '2');");
    db.close();
    const file = out('wr.json');
    await exportDatabase({ config: await source.config(), format: 'json', output: file, redact: false, now: () => NOW });
    const t = openDb(target.db);
    t.exec('CREATE TABLE WR (K TEXT PRIMARY KEY, V TEXT)');
    t.close();
    await importExport({ config: await target.config(), source: file, tables: ['wr'] });
    expect(rows(target.db, 'SELECT K, V FROM WR ORDER BY K')).to.deep.equal([['a', '1'], ['b', '2']]);
  });

  it('a clash on a unique key whose names hold dots and commas is ACODE-IMP-006 naming that key, not the primary key', async () => {
    const create = 'CREATE TABLE "tbl.dot" ("c.d" TEXT PRIMARY KEY, "e, f" TEXT UNIQUE)';
    const db = openDb(source.db);
    db.exec(`${create}; INSERT INTO "tbl.dot" VALUES ('k', 'u');`);
    db.close();
    const file = out('dot.json');
    await exportDatabase({ config: await source.config(), format: 'json', output: file, redact: false, now: () => NOW });
    const t = openDb(target.db);
    t.exec(`${create}; INSERT INTO "tbl.dot" VALUES ('k2', 'u');`);
    t.close();
    const err = await failure(importExport({ config: await target.config(), source: file }));
    expect(err).to.include({ code: 'ACODE-IMP-006', message: "Unique key conflict: tbl.dot: a row with the same e, f='u' already exists (unique column e, f)" });
  });
});
