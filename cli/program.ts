import { Command } from 'commander';
import { TOOL_VERSION } from '../lib/version.js';
import { registerBackupDelete } from './backup-delete.js';
import { registerBackupList } from './backup-list.js';
import { registerBackupPrune } from './backup-prune.js';
import { registerBackupVerify } from './backup-verify.js';
import { registerBackup } from './backup.js';
import type { Runtime } from './context.js';
import { registerDemo } from './demo.js';
import { registerExport } from './export.js';
import { registerImport } from './import.js';
import { registerMigrate } from './migrate.js';
import { registerRestore } from './restore.js';

export function createProgram(runtime: Runtime): Command {
  const program = new Command('acode')
    .description('Backups you can trust and exports you can share, for the agent workspace database.')
    .version(TOOL_VERSION, '-V, --version')
    .option('-w, --workspace <dir>', 'workspace folder (holds .agent/config.yml)', runtime.cwd)
    .option('-c, --config <file>', 'config file (default <workspace>/.agent/config.yml)')
    .option('--database <path>', 'SQLite database file, instead of database.path')
    .option('-q, --quiet', 'print nothing but errors and requested data')
    .option('--json', 'print a machine-readable JSON result on stdout')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => runtime.stdout.write(s),
      writeErr: (s) => runtime.stderr.write(s),
      // Errors are printed once, by reportError, with their ACODE code.
      outputError: () => {},
    });

  registerDemo(program, runtime);
  const db = program.command('db').description('back up, restore, migrate and export the workspace database');
  const backup = registerBackup(db, runtime);
  registerBackupList(backup, runtime);
  registerBackupVerify(backup, runtime);
  registerBackupDelete(backup, runtime);
  registerBackupPrune(backup, runtime);
  registerRestore(db, runtime);
  registerMigrate(db, runtime);
  registerExport(db, runtime);
  registerImport(db, runtime);
  return program;
}
