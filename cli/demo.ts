import type { Command } from 'commander';
import { printBackupResult, runBackup } from './backup.js';
import { showBackupList } from './backup-list.js';
import { showVerify } from './backup-verify.js';
import { createContext, type Runtime } from './context.js';
import { runExport } from './export.js';
import { showExportVerify } from './export-verify.js';
import { formatCount } from './format.js';

export function registerDemo(program: Command, runtime: Runtime): void {
  program
    .command('demo')
    .description('create a demo workspace (.agent/acode.db with realistic fake data), back it up, verify and list the backup, export it redacted and verify the export')
    .addHelpText('after', '\nAn existing database is used as it is: the demo never overwrites data.\n\nExample:\n  $ npx acode demo')
    .action(async (_flags: object, cmd: Command) => {
      const ctx = await createContext(cmd, runtime);
      const { out, config } = ctx;
      if (config.database.type !== 'sqlite') {
        const { AcodeError } = await import('../lib/errors.js');
        throw new AcodeError('ACODE-USE-001', `acode demo fills a SQLite workspace database, and this workspace's database.type is ${config.database.type}; nothing was done`, {
          hint: 'run the demo in an empty folder of its own (cd there, or --workspace DIR)',
        });
      }
      const file = config.database.path;
      const { exists } = await import('../lib/fs-atomic.js');
      if (await exists(file)) {
        out.info(`Using the existing database ${out.shortPath(file)} (the demo never overwrites data).`);
      } else {
        out.info(`Creating a demo workspace database at ${out.shortPath(file)}...`);
        const [{ migrate }, { openSqlite }, { seedWorkspace }] = await Promise.all([import('../lib/migrate.js'), import('../lib/sqlite/open.js'), import('../lib/demo-data.js')]);
        await migrate({ config, backup: false, signal: ctx.signal, onProgress: out.progress, now: ctx.now });
        const db = openSqlite(file);
        try {
          const seeded = seedWorkspace(db, { chats: 25, messageChars: [120, 1200] });
          const summary = Object.entries(seeded.rows).map(([t, n]) => `${t} ${formatCount(n)}`).join(', ');
          out.info(`  ✓ Filled with fake data: ${summary}`);
          out.info(`  ✓ Planted ${formatCount(seeded.secretsPlanted)} fake secrets (generated now, never real) for the redaction demo`);
        } finally {
          db.close();
        }
      }
      out.info();
      const made = await runBackup(ctx, {});
      printBackupResult(ctx, made);
      out.result();
      await showVerify(ctx, made.path);
      out.result();
      // The listing is `backup list`'s product (stdout even with --quiet); here it only shows the demo.
      if (!out.quiet) {
        await showBackupList(ctx);
        out.result();
      }
      // Redacted whatever export.redact_by_default says: the demo shows redaction (unredacted, its
      // planted secrets failed the verify below, exit 2). A name of its own, as a backup's: a
      // second demo in the same second (ACODE_NOW pinned) failed on the first one's export.
      const { freeDefaultPath } = await import('../lib/export-layout.js');
      const exported = await runExport(ctx, { format: 'json', redact: true, output: await freeDefaultPath(config.export.path, 'json', ctx.now()) });
      if (exported?.layout.path) {
        out.result();
        await showExportVerify(ctx, out.shortPath(exported.layout.path));
      }
    });
}

