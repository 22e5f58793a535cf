import { expect } from 'chai';
import { lines, runCli } from '../support/cli.js';
import { removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

/** What --help and the export header say, against what the README says the commands do. */
describe('e2e: help and headers say what the commands do', function () {
  let ws: SeededWorkspace;
  beforeEach(async () => {
    ws = await createWorkspace({ database: 'demo' });
  });
  afterEach(() => removeTempDir(ws.dir));

  /** A command's description in its parent's help: the words of its wrapped lines, joined. */
  async function described(parent: string[], name: string): Promise<string> {
    const r = await runCli([...parent, '--help'], { workspace: ws.dir });
    expect(r.code, r.stderr).to.equal(0);
    const out = lines(r.stdout);
    const at = out.findIndex((l) => new RegExp(`^ {2}${name}\\b`).test(l));
    expect(at, r.stdout).to.be.greaterThan(-1);
    const words = [out[at]!.replace(new RegExp(`^ {2}${name}(?: \\S+)*? {2,}`), '')];
    for (let i = at + 1; i < out.length && /^ {20,}\S/.test(out[i]!); i++) words.push(out[i]!.trim());
    return words.join(' ');
  }

  it('`acode --help` names import under db (it said "back up, restore, migrate and export") and the demo\'s export check (it stopped at "export it redacted")', async () => {
    expect(await described([], 'db')).to.equal('back up, restore, migrate, export and import the workspace database');
    expect(await described([], 'demo')).to.equal('create a demo workspace (.agent/acode.db with realistic fake data), back it up, verify and list the backup, export it redacted and verify the export');
  });

  it('`acode db import --help`: --tables is repeatable, as export\'s (it is, and did not say), and the folder example is an export folder (it was "backup-folder/": a backup is restored, not imported)', async () => {
    const r = await runCli(['db', 'import', '--help'], { workspace: ws.dir });
    expect(r.code, r.stderr).to.equal(0);
    const help = r.stdout.replace(/\s+/g, ' ');
    expect(help).to.include('only these tables (comma-separated, repeatable; \\, for a comma in a name)');
    expect(help).to.include('$ acode db import chats/ --tables conv_chats --mode replace # a CSV export folder');
    expect(help).not.to.include('backup-folder');
  });

  it('the export header and plan spell the sqlite format SQLite (they said SQLITE), the others as before', async () => {
    const run = await runCli(['db', 'export', '--tables', 'settings', '--format', 'sqlite', '--output', 'settings.db'], { workspace: ws.dir });
    expect(run.code, run.stderr).to.equal(0);
    expect(lines(run.stderr).slice(0, 2)).to.deep.equal(['Exporting database...', '  Format: SQLite']);
    const plan = await runCli(['db', 'export', '--tables', 'settings', '--format', 'sqlite', '--output', 'other.db', '--plan'], { workspace: ws.dir });
    expect(plan.code, plan.stderr).to.equal(0);
    expect(lines(plan.stdout)[1]).to.equal('  Format: SQLite');
    const csv = await runCli(['db', 'export', '--tables', 'settings', '--format', 'csv', '--output', 'settings.csv', '--plan'], { workspace: ws.dir });
    expect(lines(csv.stdout)[1]).to.equal('  Format: CSV');
  });
});
