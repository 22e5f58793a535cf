import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { createBackup } from '../../lib/backup.js';
import { lines, runCli, type CliResult } from '../support/cli.js';
import { removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const at = (iso: string): Record<string, string> => ({ ACODE_NOW: iso });

function expectCode(r: CliResult, code: number): void {
  expect(r.code, `exit code; stderr:\n${r.stderr}`).to.equal(code);
}

/** The backups in a folder, oldest first (names sort as time runs); [] when the folder is missing. */
async function backupsIn(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => []);
  return names.filter((n) => /^acode_backup_.*\.db$/.test(n)).sort();
}

describe('e2e: acode db backup --keep/--keep-days (a weekly backup kept longer than the daily ones)', function () {
  let ws: SeededWorkspace;
  let weekly: string;
  const cli = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => runCli(args, { workspace: ws.dir, env });

  beforeEach(async () => {
    // The daily folder keeps 2; the weekly one, by its own flag, 3.
    ws = await createWorkspace({ database: 'demo', config: 'backup:\n  max_backups: 2\n' });
    weekly = path.join(ws.backups, 'weekly');
  });
  afterEach(async () => {
    await removeTempDir(ws.dir);
  });

  it('--keep sets this backup\'s rotation in its folder; the daily folder keeps backup.max_backups', async () => {
    for (const day of ['01', '02', '03']) expectCode(await cli(['db', 'backup', '--quiet'], at(`2024-01-${day}T03:15:00Z`)), 0);
    const weeks = ['2024-01-07', '2024-01-14', '2024-01-21', '2024-01-28'];
    for (const [i, week] of weeks.entries()) {
      const r = await cli(['db', 'backup', '--output-dir', weekly, '--keep', '3'], at(`${week}T03:30:00Z`));
      expectCode(r, 0);
      // The fourth weekly backup rotates out the first; none before it.
      const rotated = lines(r.stdout).filter((l) => l.startsWith('  Rotated out: '));
      expect(rotated).to.deep.equal(i === 3 ? ['  Rotated out: acode_backup_20240107_033000.db'] : []);
    }
    expect(await backupsIn(weekly)).to.deep.equal(['acode_backup_20240114_033000.db', 'acode_backup_20240121_033000.db', 'acode_backup_20240128_033000.db']);
    expect(await backupsIn(ws.backups)).to.deep.equal(['acode_backup_20240102_031500.db', 'acode_backup_20240103_031500.db']);
  });

  it('--keep-days rotates out backups older than that many days, the newest always kept', async () => {
    for (const date of ['2024-01-01', '2024-01-10']) expectCode(await cli(['db', 'backup', '--quiet', '--output-dir', weekly, '--keep', '9'], at(`${date}T00:00:00Z`)), 0);
    expectCode(await cli(['db', 'backup', '--quiet', '--output-dir', weekly, '--keep', '9', '--keep-days', '14'], at('2024-01-20T00:00:00Z')), 0);
    expect(await backupsIn(weekly)).to.deep.equal(['acode_backup_20240110_000000.db', 'acode_backup_20240120_000000.db']);
  });

  it('--keep 0 and --keep-days abc are usage errors (exit 64), nothing written', async () => {
    for (const [flag, value] of [['--keep', '0'], ['--keep-days', 'abc']] as const) {
      const r = await cli(['db', 'backup', '--output-dir', weekly, flag, value]);
      expectCode(r, 64);
      expect(lines(r.stderr)[0]).to.equal(`✗ ACODE-USE-001 Invalid usage: option '${flag === '--keep' ? '-k, --keep <n>' : '--keep-days <days>'}' argument '${value}' is invalid. expected a whole number of at least 1, got '${value}' — see \`acode --help\` or \`acode <command> --help\``);
    }
    expect(await readdir(weekly).catch((err: NodeJS.ErrnoException) => err.code)).to.equal('ENOENT');
  });

  it('createBackup({ keep: 0 }) is ACODE-USE-001 before anything is written', async () => {
    const { loadConfig } = await import('../../lib/config.js');
    const config = await loadConfig({ workspace: ws.dir });
    for (const options of [{ keep: 0 }, { keepDays: 1.5 }]) {
      const err = await createBackup({ config, outputDir: weekly, ...options }).then(
        () => null,
        (e: unknown) => e as { code: string; message: string },
      );
      expect(err?.code).to.equal('ACODE-USE-001');
      const [name, value] = Object.entries(options)[0]!;
      expect(err?.message).to.include(`createBackup(): ${name} must be a whole number of at least 1, got ${value}`);
    }
    expect(await readdir(weekly).catch((err: NodeJS.ErrnoException) => err.code)).to.equal('ENOENT');
  });
});
