import { Option, type Command } from 'commander';
import { createContext, intOption, liveDatabaseLabel, pathArgument, tableList, type Runtime } from './context.js';
import { formatCount, plural } from './format.js';

interface ImportFlags {
  readonly tables?: string[];
  readonly mode: 'append' | 'replace';
  readonly verify: boolean;
  readonly manifest?: string;
  readonly wait?: number;
}

export function registerImport(db: Command, runtime: Runtime): void {
  db.command('import')
    .description('import an export (JSON, NDJSON, CSV folder, tar bundle, SQLite) into the workspace database (SQLite or PostgreSQL), all or nothing')
    .argument('<export>', 'export file or folder', pathArgument)
    .option('-t, --tables <names>', 'only these tables (comma-separated, repeatable; \\, for a comma in a name)', tableList)
    .addOption(new Option('--mode <mode>', 'append rows (a key clash fails) or replace each imported table').choices(['append', 'replace']).default('append'))
    .option('--no-verify', 'import without checking the manifest checksums (not recommended)')
    .option('--wait <seconds>', "how long to wait for another process's lock on the database or a table (default: 5 for SQLite, 30 for PostgreSQL)", intOption(0))
    .option('--manifest <file>', 'the manifest of an export streamed to stdout (written with `export --manifest`)', pathArgument)
    .addHelpText('after', '\nExamples:\n  $ acode db import export.json\n  $ acode db import chats/ --tables conv_chats --mode replace   # a CSV export folder\n  $ acode db import all.tar.gz --workspace ./restored')
    .action(async (source: string, flags: ImportFlags, cmd: Command) => {
      const ctx = await createContext(cmd, runtime);
      const { out } = ctx;
      out.info(`Importing ${source} into ${liveDatabaseLabel(ctx)}...`);
      if (!flags.verify) out.warn('checksums are not checked (--no-verify)');
      const { importExport } = await import('../lib/import.js');
      const result = await importExport({
        config: ctx.config,
        source,
        tables: flags.tables,
        mode: flags.mode,
        verify: flags.verify,
        manifest: flags.manifest,
        busyTimeoutMs: flags.wait === undefined ? undefined : flags.wait * 1000,
        signal: ctx.signal,
        onProgress: out.progress,
      });
      if (result.redacted) out.warn('this export was redacted: its placeholders ([REDACTED] and the like) are now data in the database');
      for (const t of result.tables) out.result(`  ${t.name}: ${plural(t.rows, 'record')}${t.created ? ' (table created)' : ''}`);
      for (const t of result.tables) {
        if (t.danglingReferences > 0) out.warn(`${t.name}: ${plural(t.danglingReferences, 'reference')} to rows the database does not have (foreign keys); import the tables they refer to as well`);
      }
      const rows = result.tables.reduce((n, t) => n + t.rows, 0);
      out.result(`Import complete: ${plural(result.tables.length, 'table')}, ${formatCount(rows)} records${result.created ? ' (new database created)' : ''}.`);
      out.emitJson({ ok: true, ...result });
    });
}
