import { once } from 'node:events';
import { pgToolPath } from '../lib/postgres/tools.js';
import { openSqlite, quoteIdent } from '../lib/sqlite/open.js';
import { sharedPostgres, stopSharedPostgres } from '../test/support/postgres.js';
import type { Dataset } from './dataset.js';

/** The bench dataset copied into a PostgreSQL database, for the pg-* operations. */
export interface PgDataset {
  /** The database's URL, password included: given to children in their environment only. */
  readonly url: string;
  readonly password: string;
  /** The same URL without the password, for command lines shown in the report. */
  readonly shownUrl: string;
  readonly pgDump: string;
  readonly psql: string;
  /** Each table's size on the server (pg_table_size: heap and TOAST), for MB/s. */
  readonly tableBytes: Readonly<Record<string, number>>;
  stop(): Promise<void>;
}

/** SQLite declared types to PostgreSQL columns, by SQLite's affinity rules. */
function pgType(declared: string): string {
  const t = declared.toUpperCase();
  if (t.includes('INT')) return 'bigint';
  if (/CHAR|CLOB|TEXT/.test(t)) return 'text';
  if (t.includes('BLOB') || t === '') return 'bytea';
  if (/REAL|FLOA|DOUB/.test(t)) return 'double precision';
  return 'text';
}

/** One value in COPY's text format. */
function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (Buffer.isBuffer(value)) return `\\\\x${value.toString('hex')}`;
  return String(value).replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/**
 * Starts the test suite's throwaway cluster (or uses ACODE_TEST_PG_URL) and copies every table
 * of the SQLite dataset into a fresh database with COPY, untimed. Null when there is no PostgreSQL.
 */
export async function loadIntoPostgres(data: Dataset, log: (line: string) => void): Promise<PgDataset | null> {
  const server = await sharedPostgres();
  if (!server) return null;
  const started = process.hrtime.bigint();
  const name = await server.createDatabase('acode_bench');
  const url = server.url(name);
  const { default: pg } = await import('pg');
  const { from: copyFrom } = await import('pg-copy-streams');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const db = openSqlite(data.file, { readonly: true });
  try {
    for (const table of data.tables) {
      const columns = db.prepare(`PRAGMA table_info(${quoteIdent(table)})`).all() as { name: string; type: string }[];
      const q = (id: string): string => `"${id.replaceAll('"', '""')}"`;
      await client.query(`CREATE TABLE ${q(table)} (${columns.map((c) => `${q(c.name)} ${pgType(c.type)}`).join(', ')})`);
      const sink = client.query(copyFrom(`COPY ${q(table)} FROM STDIN`));
      let batch = '';
      for (const row of db.prepare(`SELECT * FROM ${quoteIdent(table)}`).raw().iterate() as Iterable<unknown[]>) {
        batch += `${row.map(copyText).join('\t')}\n`;
        if (batch.length > 1 << 20) {
          if (!sink.write(batch)) await once(sink, 'drain');
          batch = '';
        }
      }
      sink.end(batch);
      await once(sink, 'finish');
    }
    await client.query('VACUUM ANALYZE');
    const size = await client.query<{ n: string }>('SELECT pg_database_size(current_database())::text AS n');
    const tableBytes: Record<string, number> = {};
    for (const table of data.tables) {
      const r = await client.query<{ n: string }>('SELECT pg_table_size(quote_ident($1)::regclass)::text AS n', [table]);
      tableBytes[table] = Number(r.rows[0]!.n);
    }
    const shown = new URL(url);
    shown.password = '';
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    log(`postgres: ${name} loaded in ${seconds.toFixed(1)} s (${size.rows[0]!.n} bytes on the server)`);
    return {
      url,
      password: server.password,
      shownUrl: shown.href,
      pgDump: pgToolPath('pg_dump'),
      psql: pgToolPath('psql'),
      tableBytes,
      stop: async () => {
        await server.dropDatabase(name).catch(() => undefined);
        await stopSharedPostgres();
      },
    };
  } finally {
    db.close();
    await client.end();
  }
}
