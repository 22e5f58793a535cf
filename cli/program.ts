import { Command, type Option } from 'commander';
import { closest } from '../lib/closest.js';
import { AcodeError, shownString } from '../lib/errors.js';
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
    .option('-q, --quiet', 'print nothing but errors, warnings and requested data')
    .option('--json', 'print a machine-readable JSON result on stdout')
    // Each command's help lists the options every command takes (its examples use them); not a
    // parent's own (`backup --tag` under `backup list`), nor --version.
    .configureHelp({
      showGlobalOptions: true,
      visibleGlobalOptions: (cmd: Command) => {
        let root = cmd;
        while (root.parent) root = root.parent;
        return root === cmd ? [] : root.options.filter((o) => !o.hidden && o.long !== '--version');
      },
    })
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => runtime.stdout.write(s),
      writeErr: (s) => runtime.stderr.write(s),
      // Errors are printed once, by reportError, with their ACODE code.
      outputError: () => {},
    });

  registerDemo(program, runtime);
  const db = program.command('db').description('back up, restore, migrate, export and import the workspace database');
  const backup = registerBackup(db, runtime);
  registerBackupList(backup, runtime);
  registerBackupVerify(backup, runtime);
  registerBackupDelete(backup, runtime);
  registerBackupPrune(backup, runtime);
  registerRestore(db, runtime);
  registerMigrate(db, runtime);
  const exportCommand = registerExport(db, runtime);
  registerImport(db, runtime);
  for (const parent of [backup, exportCommand]) {
    readStrayWordAsSubcommand(parent);
    refuseParentOptions(parent);
  }
  return program;
}

/**
 * Commander gives a subcommand's run the options its parent defines wherever they stand, so
 * `acode db backup list --keep 3` or `acode db backup verify x.db --tag t` ran as if the option
 * were not there. One the subcommand does not take itself (verify's --full it does) is refused.
 */
function refuseParentOptions(command: Command): void {
  command.hook('preAction', (_self, action) => {
    if (action === command) return;
    const given = (o: Option): boolean => command.getOptionValueSource(o.attributeName()) === 'cli' && o.negate === (command.getOptionValue(o.attributeName()) === false);
    const stray = command.options.find((o) => given(o) && !action.options.some((a) => a.attributeName() === o.attributeName()));
    if (!stray) return;
    const sub = `db ${command.name()} ${action.name()}`;
    throw new AcodeError('ACODE-USE-001', `option '${stray.long ?? stray.flags}' is for 'db ${command.name()}' itself, not for '${sub}'`, {
      hint: `see \`acode ${sub} --help\` for the options it takes`,
    });
  });
}

/**
 * `backup` and `export` run on their own and have subcommands: `acode db backup verfy x.db` was
 * "too many arguments for 'backup'. Expected 0 arguments but got 2.", which points at the wrong
 * problem. A stray first word is taken for a misspelt subcommand, and the nearest one named.
 */
function readStrayWordAsSubcommand(command: Command): void {
  command.allowExcessArguments(true).hook('preAction', (_self, action) => {
    const word = action === command ? action.args[0] : undefined;
    if (word === undefined) return;
    // `acode db backup help list`, as `acode db help backup` works: help() ends the run (exit 0).
    if (word === 'help') (command.commands.find((c) => c.name() === action.args[1]) ?? command).help();
    const names = command.commands.map((c) => c.name());
    const near = closest(word, names);
    const output = !near && command.options.some((o) => o.long === '--output') ? ' (a file to write goes after --output)' : '';
    throw new AcodeError('ACODE-USE-001', `unexpected argument ${shownString(word)} for 'db ${command.name()}'${near ? ` (did you mean ${near}?)` : output}`, {
      hint: `'db ${command.name()}' takes options, or the subcommand${names.length > 1 ? 's' : ''} ${names.join(', ')}: see \`acode db ${command.name()} --help\``,
    });
  });
}
