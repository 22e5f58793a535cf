import { chmod, readdir } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { lines, runCli, type CliResult } from '../support/cli.js';
import { contentDigest } from '../support/sqlite.js';
import { removeTempDir } from '../support/temp.js';
import { NOBODY, nobodyCanRunCli } from '../support/unwritable.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const BACKUP = 'acode_backup_20240120_143045.db';
const MANIFEST = `${BACKUP}.manifest.json`;

/**
 * A backup whose manifest acode may not read: another user's (backups and manifests are made 0600),
 * as when root's cron made them and the user runs acode. Not root: the manifest is mode 000. Root
 * reads everything, so the CLI runs as nobody over a workspace opened to others, the manifest
 * staying 0600 and root's.
 */
describe('e2e: a backup manifest acode may not read', function () {
  let ws: SeededWorkspace;
  const root = process.getuid?.() === 0;
  let as: { uid?: number; gid?: number } = {};

  beforeEach(async function () {
    if (root && !nobodyCanRunCli()) {
      this.test!.title += ' — pending: as root, needs a CLI user nobody can run';
      return this.skip();
    }
    ws = await createWorkspace({ database: 'demo' });
    const made = await runCli(['db', 'backup'], { workspace: ws.dir, env: { ACODE_NOW: '2024-01-20T14:30:45Z' } });
    expect(made.code, made.stderr).to.equal(0);
    if (root) {
      as = NOBODY;
      // The workspace's own folders only: its parent is the system temp folder, never to be touched.
      for (const dir of [ws.dir, path.dirname(ws.db), ws.backups]) await chmod(dir, 0o777);
      await chmod(ws.db, 0o666);
      for (const f of await readdir(ws.backups)) await chmod(path.join(ws.backups, f), 0o644);
      await chmod(path.join(ws.backups, MANIFEST), 0o600);
    } else {
      await chmod(path.join(ws.backups, MANIFEST), 0o000);
    }
  });
  afterEach(async () => {
    if (!ws) return;
    await chmod(path.join(ws.backups, MANIFEST), 0o600).catch(() => {});
    await removeTempDir(ws.dir);
  });

  const cli = (args: string[]): Promise<CliResult> => runCli(args, { workspace: ws.dir, ...as });
  const refusal = `cannot read ${MANIFEST}: EACCES: permission denied, open '${'<backups>'}/${MANIFEST}'`;
  const shown = (text: string): string => text.split(ws.backups).join('<backups>');
  const hint = 'acode cannot read the backup\'s manifest (backups and manifests are made 0600, for the user who made them): run acode as that user or give it read access, or use another backup (`acode db backup list`)';

  it('backup list says it is out of reach and what to do, never to delete the backup (it said "? unreadable manifest … `acode db backup delete …` removes it")', async () => {
    const r = await cli(['db', 'backup', 'list']);
    expect(r.code, r.stderr).to.equal(0);
    const listed = lines(shown(r.stdout));
    expect(listed[3]).to.match(/^ {7}Size: [\d.]+ kB$/);
    expect([listed[2], ...listed.slice(4, 7)]).to.deep.equal([
      `  1. ${BACKUP}`,
      '       Created: 2024-01-20 14:30:45 UTC',
      `       Checksum: ✗ unreadable (${refusal})`,
      '       acode may not read it: run acode as the user who made it, or give it read access',
    ]);
    expect(r.stdout).not.to.include('delete');
  });

  it('backup verify and restore: ACODE-BAK-014 naming the manifest, with how to reach it, exit 4, nothing changed (was ACODE-BAK-007 "use another backup")', async () => {
    const before = contentDigest(ws.db);
    for (const args of [['db', 'backup', 'verify', BACKUP], ['db', 'restore', BACKUP, '--yes']]) {
      const r = await cli(args);
      expect(r.code, r.stderr).to.equal(4);
      expect(lines(shown(r.stderr)).at(-1)).to.equal(`✗ ACODE-BAK-014 Backup not readable: ${refusal} — ${hint}`);
      expect(r.stdout).to.equal('');
    }
    expect(contentDigest(ws.db)).to.equal(before);
    expect(await readdir(ws.backups)).to.have.members([BACKUP, MANIFEST]);
  });
});
