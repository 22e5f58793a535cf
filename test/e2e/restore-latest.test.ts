import { appendFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { lines, runCli, type CliResult } from '../support/cli.js';
import { contentDigest, openDb } from '../support/sqlite.js';
import { removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const at = (iso: string): Record<string, string> => ({ ACODE_NOW: iso });
const FIRST = 'acode_backup_20240120_143045.db';
const SECOND = 'acode_backup_20240120_144000.db';

function expectCode(r: CliResult, code: number): void {
  expect(r.code, `exit code; stderr:\n${r.stderr}`).to.equal(code);
}

/** A change that tells the states apart: a setting and a chat's title. */
function change(file: string, theme: string): void {
  const db = openDb(file);
  db.prepare("UPDATE settings SET value = ? WHERE key = 'theme'").run(theme);
  db.prepare('UPDATE conv_chats SET title = ? WHERE id = (SELECT min(id) FROM conv_chats)').run(`chat in ${theme}`);
  db.close();
}

describe('e2e: `latest` names the newest backup of this database (restore, backup verify)', function () {
  let ws: SeededWorkspace;
  let second: string;
  const cli = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => runCli(args, { workspace: ws.dir, env });

  beforeEach(async () => {
    ws = await createWorkspace({ database: 'demo' });
    expectCode(await cli(['db', 'backup'], at('2024-01-20T14:30:45Z')), 0);
    change(ws.db, 'solarized');
    second = contentDigest(ws.db);
    expectCode(await cli(['db', 'backup'], at('2024-01-20T14:40:00Z')), 0);
    change(ws.db, 'light');
  });
  afterEach(async () => {
    await removeTempDir(ws.dir);
  });

  it('restore latest takes the newest backup, says which, and a second restore latest skips the pre-restore copy the first made', async () => {
    const r = await cli(['db', 'restore', 'latest', '--yes'], at('2024-01-20T15:00:00Z'));
    expectCode(r, 0);
    expect(contentDigest(ws.db)).to.equal(second);
    expect(lines(r.stderr).slice(0, 3)).to.deep.equal(['Restoring from backup...', `  Source: latest (${SECOND})`, '  Target: .agent/acode.db']);
    expect(lines(r.stdout)[1]).to.match(new RegExp(`^  Restored: ${SECOND} \\(8 tables, `));
    expect(lines(r.stdout)[2]).to.equal('Previous database saved as: acode_backup_20240120_150000_pre_restore.db');

    change(ws.db, 'dark');
    const again = await cli(['db', 'restore', 'latest', '--yes', '--json'], at('2024-01-20T15:10:00Z'));
    expectCode(again, 0);
    expect(contentDigest(ws.db)).to.equal(second);
    expect((JSON.parse(again.stdout) as { restored: string }).restored).to.equal(path.join(ws.backups, SECOND));
  });

  it('backup verify latest checks the newest backup and names it', async () => {
    const r = await cli(['db', 'backup', 'verify', 'latest'], at('2024-01-20T15:00:00Z'));
    expectCode(r, 0);
    expect(lines(r.stderr)[1]).to.equal(`  File: latest (${SECOND})`);
    expect(lines(r.stdout)).to.include('Backup is valid.');
    const json = await cli(['db', 'backup', 'verify', 'latest', '--json'], at('2024-01-20T15:00:00Z'));
    expect((JSON.parse(json.stdout) as { path: string }).path).to.equal(path.join(ws.backups, SECOND));
  });

  it('a damaged newest backup fails the restore (exit 4, database unchanged): latest never falls back to an older one', async () => {
    await appendFile(path.join(ws.backups, SECOND), Buffer.from('x'));
    const before = contentDigest(ws.db);
    const r = await cli(['db', 'restore', 'latest', '--yes'], at('2024-01-20T15:00:00Z'));
    expectCode(r, 4);
    expect(r.stderr).to.include(`ACODE-BAK-004 Checksum mismatch: ${SECOND}: sha256 is`);
    expect(contentDigest(ws.db)).to.equal(before);
  });

  it('with no backup of this database to take, latest is ACODE-BAK-005 (exit 4) and counts the backups it passed over', async () => {
    // A restore leaves a pre-restore copy; with the regular backups gone, that copy is all there is.
    expectCode(await cli(['db', 'restore', FIRST, '--yes'], at('2024-01-20T15:00:00Z')), 0);
    for (const name of [FIRST, SECOND]) expectCode(await cli(['db', 'backup', 'delete', name]), 0);
    const before = contentDigest(ws.db);
    const r = await cli(['db', 'restore', 'latest', '--yes'], at('2024-01-20T15:10:00Z'));
    expectCode(r, 4);
    expect(lines(r.stderr)).to.deep.equal([
      `✗ ACODE-BAK-005 Backup not found: latest: no backup of this database in ${ws.backups} (1 other backup there: pre-restore copies, another database's, dated in the future or without a manifest) — run \`acode db backup list\` to see the backups there are and name one, or make one with \`acode db backup\``,
    ]);
    expect(contentDigest(ws.db)).to.equal(before);
    await rm(ws.backups, { recursive: true });
    const none = await cli(['db', 'backup', 'verify', 'latest']);
    expectCode(none, 4);
    expect(none.stderr).to.include(`ACODE-BAK-005 Backup not found: latest: no backup of this database in ${ws.backups} — run`);
  });
});
