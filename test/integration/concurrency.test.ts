import { expect } from 'chai';
import { createBackup } from '../../lib/backup.js';
import { DbChild } from '../support/children.js';
import { addBlobTable, openDb, openToRead } from '../support/sqlite.js';
import { removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

describe('integration: backup while another process writes', function () {
  let ws: SeededWorkspace;
  let writer: DbChild | undefined;

  beforeEach(async () => {
    ws = await createWorkspace({ database: 'none' });
    const db = openDb(ws.db);
    db.pragma('journal_mode = WAL');
    // ~24 MB: several backup steps, so writes between them make SQLite start the copy over.
    addBlobTable(db, 24 * 1024 * 1024);
    db.close();
  });
  afterEach(async () => {
    await writer?.stop().catch(() => writer?.kill());
    writer = undefined;
    await removeTempDir(ws.dir);
  });

  it('is a consistent snapshot: integrity ok and count(a) == count(b), and the writer kept writing', async () => {
    const started = await DbChild.start('writer', ws.db);
    writer = started.child;
    // Let the writer get going before the backup starts.
    await writer.next((m) => typeof m['committed'] === 'number' && (m['committed'] as number) >= 2000);
    const before = (await writer.ask('status', 'status'))['committed'] as number;

    const result = await createBackup({ config: await ws.config(), full: true });

    const during = (await writer.ask('status', 'status'))['committed'] as number;
    expect(during, 'the writer committed while the backup ran').to.be.above(before);
    const last = (await writer.stop())['committed'] as number;
    writer = undefined;

    const copy = openToRead(result.path);
    try {
      expect(copy.pragma('integrity_check', { simple: true })).to.equal('ok');
      const a = Number(copy.prepare('SELECT count(*) FROM a').pluck().get());
      const b = Number(copy.prepare('SELECT count(*) FROM b').pluck().get());
      expect(a).to.equal(b);
      // A point in time: transactions 1..a, each in both tables, none missing.
      expect(copy.prepare('SELECT min(tx), max(tx), count(DISTINCT tx) FROM a').raw().get()).to.deep.equal([1, a, a]);
      expect(copy.prepare('SELECT count(*) FROM a JOIN b USING (tx)').pluck().get()).to.equal(a);
      expect(a).to.be.at.least(before);
      expect(a).to.be.below(last);
      expect(result.manifest.tables.filter((t) => t.name === 'a' || t.name === 'b')).to.deep.equal([
        { name: 'a', rows: a },
        { name: 'b', rows: a },
      ]);
    } finally {
      copy.close();
    }
    const live = openToRead(ws.db);
    expect(live.prepare('SELECT count(*) FROM a').pluck().get()).to.equal(last);
    expect(live.prepare('SELECT count(*) FROM b').pluck().get()).to.equal(last);
    live.close();
  });
});
