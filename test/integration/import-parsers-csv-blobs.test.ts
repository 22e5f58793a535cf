import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { exportDatabase } from '../../lib/export.js';
import { importExport } from '../../lib/import.js';
import { makeTempDir, removeTempDir } from '../support/temp.js';
import { createWorkspace } from '../support/workspace.js';

const NOW = new Date('2024-01-20T14:30:45.000Z');

/** Every column's storage class and value, row by row: what a round trip must keep. */
function cells(db: string): unknown[] {
  const conn = new Database(db, { readonly: true });
  try {
    return conn.prepare('SELECT id, typeof(a), quote(a), typeof(c), quote(c), typeof(d), quote(d), typeof(e), quote(e), typeof(f), quote(f), typeof(g), quote(g), typeof(i), quote(i) FROM b ORDER BY id').raw().all();
  } finally {
    conn.close();
  }
}

describe('CSV export and import of BLOBs in columns not declared BLOB', () => {
  let parent: string;
  beforeEach(async () => {
    parent = await makeTempDir('csv-blobs');
  });
  afterEach(async () => {
    await removeTempDir(parent);
  });

  // A BLOB in a BINARY, bytea, VARBINARY(16), untyped or TEXT column was written as bare base64
  // and came back as that text: X'00ff' became 'AP8='.
  for (const output of ['b.csv', 'b.tar.gz']) {
    it(`keeps every value's storage class, whatever the column's declared type (${output})`, async () => {
      const source = await createWorkspace({ database: 'none', parent: path.join(parent, 'source') });
      const db = new Database(source.db);
      db.exec(`CREATE TABLE b(id INTEGER PRIMARY KEY, a BINARY, c bytea, d, e VARBINARY(16), f TEXT, g BLOB, i INTEGER);
        INSERT INTO b VALUES (1, X'00ff', X'00ff', X'00ff', X'00ff', X'00ff', X'00ff', X'00ff');
        INSERT INTO b VALUES (2, X'', X'', X'', X'', X'', X'', X'');
        INSERT INTO b VALUES (3, 'AP8=', 'base64:AP8=', 'x,y', 3, 'base64:', NULL, 7);
        INSERT INTO b VALUES (4, NULL, '', 'base64:AP8= ', 2.5, X'41', X'', NULL);`);
      db.close();
      const exported = await exportDatabase({ config: await source.config(), format: 'csv', output: path.join(parent, output), redact: false, now: () => NOW });
      if (output === 'b.csv') {
        // The BLOB-declared column g is written as before; elsewhere a BLOB is a quoted "base64:…", which no text is.
        expect(await readFile(exported.layout.path!, 'utf8')).to.equal(
          'id,a,c,d,e,f,g,i\r\n' +
            '1,"base64:AP8=","base64:AP8=","base64:AP8=","base64:AP8=","base64:AP8=",AP8=,"base64:AP8="\r\n' +
            '2,"base64:","base64:","base64:","base64:","base64:","","base64:"\r\n' +
            '3,AP8=,base64:AP8=,"x,y",3,base64:,,7\r\n' +
            '4,,"","base64:AP8= ",2.5,"base64:QQ==","",\r\n',
        );
      }
      const target = await createWorkspace({ database: 'none', parent: path.join(parent, 'target') });
      const imported = await importExport({ config: await target.config(), source: exported.layout.path! });
      expect(imported.tables.map((t) => [t.name, t.rows])).to.deep.equal([['b', 4]]);
      expect(cells(target.db)).to.deep.equal(cells(source.db));
      expect(cells(target.db)[0]).to.deep.equal([1, 'blob', "X'00FF'", 'blob', "X'00FF'", 'blob', "X'00FF'", 'blob', "X'00FF'", 'blob', "X'00FF'", 'blob', "X'00FF'", 'blob', "X'00FF'"]);
    });
  }
});
