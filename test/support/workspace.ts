import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, type AcodeConfig } from '../../lib/config.js';
import { seedWorkspace, type SeedOptions, type SeedResult } from '../../lib/demo-data.js';
import { migrate } from '../../lib/migrate.js';
import { WORKSPACE_MIGRATIONS } from '../../lib/migrations.js';
import { openSqlite } from '../../lib/sqlite/open.js';
import { chinookPath } from './paths.js';
import { makeTempDir } from './temp.js';

export interface Workspace {
  /** The workspace folder (what `--workspace` names). */
  readonly dir: string;
  /** `.agent/acode.db` */
  readonly db: string;
  /** `.agent/backups` */
  readonly backups: string;
  readonly configFile: string;
  /** The config as the CLI would read it. */
  config(env?: NodeJS.ProcessEnv): Promise<AcodeConfig>;
}

export interface WorkspaceOptions {
  /** Parent folder; default a fresh temp folder (then the workspace is that folder). */
  readonly parent?: string;
  /** Contents of `.agent/config.yml`; none written when undefined. */
  readonly config?: string;
  /**
   * What the database holds: `demo` migrates and seeds it (WAL mode), `chinook` copies the
   * fixture (rollback journal), `schema` only migrates, `none` leaves no database.
   */
  readonly database?: 'demo' | 'chinook' | 'schema' | 'none';
  /** Apply only the first N workspace migrations (`demo` and `schema`). */
  readonly schemaVersion?: number;
  readonly seed?: SeedOptions;
}

export interface SeededWorkspace extends Workspace {
  readonly seeded: SeedResult | null;
}

export function workspaceAt(dir: string): Workspace {
  return {
    dir,
    db: path.join(dir, '.agent', 'acode.db'),
    backups: path.join(dir, '.agent', 'backups'),
    configFile: path.join(dir, '.agent', 'config.yml'),
    config: (env = {}) => loadConfig({ workspace: dir, env }),
  };
}

export async function createWorkspace(options: WorkspaceOptions = {}): Promise<SeededWorkspace> {
  const dir = options.parent ? await mkdir(path.join(options.parent, 'ws'), { recursive: true }).then(() => path.join(options.parent!, 'ws')) : await makeTempDir('ws');
  const ws = workspaceAt(dir);
  await mkdir(path.dirname(ws.db), { recursive: true });
  if (options.config !== undefined) await writeFile(ws.configFile, options.config);
  const kind = options.database ?? 'demo';
  let seeded: SeedResult | null = null;
  if (kind === 'chinook') {
    await copyFile(chinookPath, ws.db);
    await chmod(ws.db, 0o644);
  } else if (kind === 'demo' || kind === 'schema') {
    const config = await ws.config();
    const migrations = WORKSPACE_MIGRATIONS.slice(0, options.schemaVersion ?? WORKSPACE_MIGRATIONS.length);
    await migrate({ config, backup: false, migrations });
    if (kind === 'demo') {
      const db = openSqlite(ws.db);
      try {
        const size = options.seed?.targetBytes ? {} : { chats: 6, messageChars: [80, 400] as const };
        seeded = seedWorkspace(db, { ...size, ...options.seed });
      } finally {
        db.close();
      }
    }
  }
  return { ...ws, seeded };
}
