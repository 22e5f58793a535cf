import type { Command } from 'commander';
import { createContext, intOption, liveDatabaseLabel, type Runtime } from './context.js';
import { plural } from './format.js';

export function registerMigrate(db: Command, runtime: Runtime): void {
  db.command('migrate')
    .description('apply pending workspace schema migrations (backs up first when backup.pre_migration)')
    .option('--backup', 'take the pre-migration backup even when backup.pre_migration is off')
    .option('--no-backup', 'skip the pre-migration backup')
    .option('--wait <seconds>', "how long to wait for another process's lock on the database or a table (default: 5 for SQLite, 30 for PostgreSQL)", intOption(0))
    .addHelpText('after', '\nExamples:\n  $ acode db migrate\n  $ acode db migrate --no-backup')
    .action(async (flags: { backup?: boolean; wait?: number }, cmd: Command) => {
      const ctx = await createContext(cmd, runtime);
      const { out } = ctx;
      out.info(`Migrating ${liveDatabaseLabel(ctx)}...`);
      const { migrate } = await import('../lib/migrate.js');
      const { latestSchemaVersion } = await import('../lib/migrations.js');
      const result = await migrate({
        config: ctx.config,
        backup: flags.backup,
        busyTimeoutMs: flags.wait === undefined ? undefined : flags.wait * 1000,
        signal: ctx.signal,
        onProgress: out.progress,
        now: ctx.now,
      });
      const known = latestSchemaVersion();
      if (result.to > known) {
        out.warn(`The database is at schema version ${result.to}, newer than this acode knows (${known}): nothing to apply; update acode before you migrate, export or import it.`);
      } else if (result.applied.length === 0) {
        out.result(`Database is up to date (schema version ${result.to}).`);
      } else {
        out.result(`${result.created ? 'Created the database; s' : 'S'}chema version ${result.from} → ${result.to} (${plural(result.applied.length, 'migration')} applied).`);
      }
      // Taken too when another run applied every migration meanwhile.
      if (result.backup) out.result(`Backup taken before migrating: ${result.backup.name}`);
      if (result.backup?.rotationError) out.warn(`backup kept, but rotation failed: ${result.backup.rotationError.toLine()}`);
      out.emitJson({ ok: true, ...result, newerThanTool: result.to > known, backup: result.backup?.path ?? null });
    });
}
