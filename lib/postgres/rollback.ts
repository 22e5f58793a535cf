import { setTimeout as delay } from 'node:timers/promises';
import type { Client } from 'pg';
import { connectPg, type PgTarget } from './connection.js';

/** How long a ROLLBACK may take before the statement it queues behind is cancelled. */
const ANSWER_MS = 1_000;
/** How long a cancelled statement's ROLLBACK (or the cancelling session) is waited for. */
const ROLLBACK_WAIT_MS = 10_000;

/**
 * Rolls back a session's transaction (an import's, a migration's). A statement still running on it — a
 * DELETE or ALTER TABLE waiting for another session's lock when Ctrl-C came — holds the ROLLBACK
 * behind it until its lock wait ends (30 s), and a closed connection does not end that wait: the
 * session would wait on in the lock queue after the process left. So a ROLLBACK that does not answer
 * within a second has the statement cancelled from a session of its own (pg_cancel_backend, as the
 * same role); then it runs. One that still does not answer is not waited for: closing the
 * connection rolls back too. Timers never hold the process.
 */
export async function rollBackSession(client: Client, target: PgTarget, pid: number | null): Promise<void> {
  const answered = client.query('ROLLBACK').then(
    () => true,
    () => true,
  );
  if (await Promise.race([answered, delay(ANSWER_MS, false, { ref: false })])) return;
  if (pid !== null) await Promise.race([cancelBackend(target, pid), delay(ROLLBACK_WAIT_MS, undefined, { ref: false })]);
  await Promise.race([answered, delay(ROLLBACK_WAIT_MS, false, { ref: false })]);
}

async function cancelBackend(target: PgTarget, pid: number): Promise<void> {
  let other: Client | null = null;
  try {
    other = await connectPg(target);
    await other.query('SELECT pg_cancel_backend($1)', [pid]);
  } catch {
    // Best effort: the session's own lock wait ends it in time.
  } finally {
    await other?.end().catch(() => undefined);
  }
}
