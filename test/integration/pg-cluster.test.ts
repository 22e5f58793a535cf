import { expect } from 'chai';
import pg from 'pg';
import { CHINOOK_COUNTS, requirePostgres, type PgServer } from '../support/postgres.js';

describe('integration: PostgreSQL test cluster', () => {
  let server: PgServer;
  let db: string;

  before(async function () {
    server = await requirePostgres(this);
    db = await server.createDatabase('pg_cluster');
    await server.loadChinook(db);
  });
  after(async () => {
    if (db) await server.dropDatabase(db);
  });

  it('loads Chinook into the database it is given, not into one named chinook', async () => {
    const tables = await server.query(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`, db);
    const counts: Record<string, number> = {};
    for (const { name } of tables) counts[String(name)] = Number((await server.query(`SELECT count(*) AS n FROM "${String(name)}"`, db))[0]!['n']);
    expect(counts).to.deep.equal(CHINOOK_COUNTS);
    expect(await server.query(`SELECT datname FROM pg_database WHERE datname = 'chinook'`)).to.deep.equal([]);
  });

  it('keeps non-ASCII text intact (the script is UTF-8)', async () => {
    expect(await server.query('SELECT name FROM artist WHERE artist_id IN (6, 18) ORDER BY artist_id', db)).to.deep.equal([
      { name: 'Antônio Carlos Jobim' },
      { name: 'Chico Science & Nação Zumbi' },
    ]);
  });

  it('createDatabase makes a new name each call and dropDatabase removes it', async () => {
    const a = await server.createDatabase('pg_cluster');
    const b = await server.createDatabase('pg_cluster');
    expect(a).to.match(/^pg_cluster_[0-9a-f]{8}$/);
    expect(b).to.not.equal(a);
    await server.dropDatabase(a);
    await server.dropDatabase(b);
    expect(await server.query(`SELECT datname FROM pg_database WHERE datname IN ('${a}', '${b}')`)).to.deep.equal([]);
  });

  it('refuses a TCP connection with a wrong password (28P01)', async function () {
    // An external server's pg_hba.conf is its own; it may trust 127.0.0.1.
    if (process.env['ACODE_TEST_PG_URL']) this.skip();
    const url = new URL(server.url(db));
    url.password = `${server.password}x`;
    const client = new pg.Client({ connectionString: url.href });
    const err = await client.connect().then(
      () => null,
      (e: unknown) => e,
    );
    await client.end().catch(() => {});
    expect(err, 'connected with a wrong password').to.be.instanceOf(Error);
    expect((err as { code?: string }).code).to.equal('28P01');
  });
});
