import type { Client } from 'pg';
import { postgresUrl } from '../engine.js';
import { AcodeError, describeCause, toAcodeError } from '../errors.js';
import type { LocatedExport } from '../export-files.js';
import { checkTableNames, damagedExport, loadExport } from '../import-read.js';
import type { ImportOptions, ImportResult } from '../import.js';
import { stage } from '../progress.js';
import { connectPg, parsePgUrl, pgLockWaitMs } from './connection.js';
import { pgLoadError } from './import-errors.js';
import { PgImportLoader } from './import-loader.js';
import { rollBackSession } from './rollback.js';
import { createDatabase, dropDatabase, isDenied, liveExists } from './restore.js';

/**
 * An import into a PostgreSQL workspace: one transaction on the server (the database created
 * first when it does not exist, and dropped again when the import fails), the export streamed in
 * with COPY, the foreign keys checked, then COMMIT. Any failure rolls it all back.
 */
export async function importIntoPostgres(options: ImportOptions, source: string, located: LocatedExport, verify: boolean): Promise<ImportResult> {
  const target = parsePgUrl(postgresUrl(options.config));
  let created = false;
  if (!(await liveExists(target))) {
    await createDatabase(target).catch((err: unknown) => {
      throw new AcodeError('ACODE-IMP-001', `${target.display} does not exist${isDenied(err) ? ' and the role in database.url may not create it' : ''} (${describeCause(err)}); nothing was imported`, {
        cause: err,
        hint: 'create the database first (createdb, or CREATE DATABASE as a role that may), then import again',
      });
    });
    created = true;
  }
  let client: Client | null = null;
  let committed = false;
  let pid: number | null = null;
  try {
    client = await connectPg(target);
    const open = client;
    pid = (await open.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    await open.query('BEGIN');
    // As an export's session: the database's own timeouts must not cut a long load short; another
    // session's lock on a table is waited for as long as a backup waits (or busyTimeoutMs), then the import fails as busy.
    await open.query(`SET LOCAL statement_timeout = 0; SET LOCAL idle_in_transaction_session_timeout = 0; SET LOCAL lock_timeout = ${pgLockWaitMs(options.busyTimeoutMs)}`);
    // Values arrive as an export wrote them: ISO dates, UTC.
    await open.query("SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; SET LOCAL TimeZone = 'UTC'");
    const tables = options.tables?.length ? [...options.tables] : null;
    const loader = new PgImportLoader(open, { mode: options.mode ?? 'append', tables, onProgress: options.onProgress, sourceTypes: located.kind !== 'sqlite' });
    const seen = await stage(options, { stage: 'import', label: 'Rows loaded' }, async () => {
      const loaded = await loadExport(source, located, loader, verify, { ...options, tables });
      if (tables) checkTableNames(tables, loaded.tables);
      await loader.finish();
      await open.query('COMMIT').catch((err: unknown) => {
        throw pgLoadError(err, 'the commit');
      });
      committed = true;
      return loaded;
    }, () => `${loader.loaded.length} ${loader.loaded.length === 1 ? 'table' : 'tables'}`);
    const redacted = Boolean(loader.header?.redaction.enabled ?? seen.manifest?.redaction.enabled ?? located.manifest?.redaction.enabled);
    return { source, kind: located.kind, database: target.display, created, tables: loader.loaded, redacted, verified: verify };
  } catch (err) {
    if (client && !committed) await rollBackSession(client, target, pid);
    await client?.end().catch(() => undefined);
    client = null;
    if (created) await dropDatabase(target).catch(() => undefined);
    const damaged = damagedExport(err, source);
    if (damaged) throw damaged;
    throw toAcodeError(err, 'ACODE-IMP-001', `import into ${target.display}`);
  } finally {
    await client?.end().catch(() => undefined);
  }
}
