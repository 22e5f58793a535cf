import { execFileSync } from 'node:child_process';
import { chmod, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { createBackup } from '../../lib/backup.js';
import { listBackups } from '../../lib/list.js';
import { verifyBackup } from '../../lib/verify.js';
import { failure } from '../support/failure.js';
import { removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

/**
 * A backup acode may not read. Not root: mode 000. Root reads everything, so the checks run with
 * the effective user switched to nobody (in this process, given back after) over a workspace
 * opened to others, where the one backup stays 0600 and root's.
 */
describe('integration: a backup file acode may not read', function () {
  let ws: SeededWorkspace;
  let names: string[];
  const root = process.getuid?.() === 0;

  beforeEach(async () => {
    ws = await createWorkspace({ database: 'demo' });
    const config = await ws.config();
    const a = await createBackup({ config, now: () => new Date('2024-01-20T10:00:00Z') });
    const b = await createBackup({ config, now: () => new Date('2024-01-20T11:00:00Z') });
    names = [a.name, b.name];
    if (root) {
      // The workspace's own folders only: its parent is the system temp folder, never to be touched.
      for (const dir of [ws.dir, path.dirname(ws.db), ws.backups]) await chmod(dir, 0o755);
      for (const f of await readdir(ws.backups)) await chmod(path.join(ws.backups, f), 0o644);
      await chmod(path.join(ws.backups, a.name), 0o600);
    } else {
      await chmod(path.join(ws.backups, a.name), 0o000);
    }
  });
  afterEach(async () => {
    await chmod(path.join(ws.backups, names[0]!), 0o600).catch(() => {});
    await removeTempDir(ws.dir);
  });

  /** Runs `work` as nobody when root (so the 0600 file is out of reach), as it is otherwise. */
  async function asOther<T>(work: () => Promise<T>): Promise<T> {
    if (!root) return work();
    process.seteuid!(65534);
    try {
      return await work();
    } finally {
      process.seteuid!(0);
    }
  }

  it('backup list marks it unreadable and lists the others (it ended in an internal error)', async () => {
    const config = await ws.config();
    const result = await asOther(() => listBackups({ config }));
    const byName = new Map(result.backups.map((b) => [b.name, b]));
    expect(byName.get(names[1]!)?.status).to.equal('valid');
    expect(byName.get(names[0]!)?.status).to.equal('unreadable');
    expect(byName.get(names[0]!)?.problem).to.equal(`cannot read ${names[0]}: EACCES: permission denied, open '${path.join(ws.backups, names[0]!)}'`);
  });

  it('verify says it cannot read it: ACODE-BAK-014, exit 4 (was "backup folder not writable")', async () => {
    const config = await ws.config();
    const err = await asOther(() => failure(verifyBackup({ config, file: names[0]! })));
    expect(err).to.include({ code: 'ACODE-BAK-014', exitCode: 4 });
    expect(err.message).to.equal(`Backup not readable: cannot read ${names[0]}: EACCES: permission denied, open '${path.join(ws.backups, names[0]!)}'`);
  });
});

describe('integration: a backup manifest that is not a regular file', () => {
  let ws: SeededWorkspace;
  afterEach(() => removeTempDir(ws.dir));

  it('a FIFO at the manifest name is reported, not waited on: list, prune and the next backup go on (they hung for good)', async () => {
    ws = await createWorkspace({ database: 'demo' });
    const config = await ws.config();
    const made = await createBackup({ config, now: () => new Date('2024-01-20T10:00:00Z') });
    const fifo = `${made.path}.manifest.json`;
    await rm(fifo);
    execFileSync('mkfifo', [fifo]);
    const listed = await listBackups({ config });
    const entry = listed.backups.find((b) => b.name === made.name);
    expect(entry?.problem).to.equal(`${path.basename(fifo)}: not a regular file`);
    const next = await createBackup({ config, now: () => new Date('2024-01-20T11:00:00Z') });
    expect(next.rotation?.removed).to.deep.equal([]);
  });
});
