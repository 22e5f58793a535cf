import { spawnSync } from 'node:child_process';
import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { cliPath } from './paths.js';

export const NOBODY = { uid: 65534, gid: 65534 };

export interface UnwritableFolder {
  /** Spawn options the CLI must run with (a uid and gid, or nothing). */
  readonly as: { readonly uid?: number; readonly gid?: number };
  /** How the refusal reads: "EACCES: permission denied" or "EROFS: read-only file system". */
  readonly refusal: string;
  readonly cleanup: () => void;
}

let nobodyRuns: boolean | undefined;

/** Whether user nobody can start the built CLI (not when the checkout sits under a private folder). */
export function nobodyCanRunCli(): boolean {
  nobodyRuns ??= spawnSync(process.execPath, [cliPath, '--version'], { ...NOBODY, encoding: 'utf8' }).status === 0;
  return nobodyRuns;
}

/**
 * Makes `dir` a folder the CLI may not write. Not root: mode 0555. Root ignores permissions, so
 * the CLI then runs as nobody on a workspace opened to it (when nobody can reach the CLI), or a
 * read-only tmpfs is mounted at `dir`. Returns why neither works, for a pending test.
 */
export async function makeUnwritableFolder(dir: string, workspace: { readonly dir: string; readonly db: string }): Promise<UnwritableFolder | string> {
  if (process.getuid?.() !== 0) {
    await mkdir(dir, { mode: 0o555 });
    return { as: {}, refusal: 'EACCES: permission denied', cleanup: () => {} };
  }
  if (nobodyCanRunCli()) {
    await chmod(workspace.dir, 0o777);
    await chmod(path.dirname(workspace.db), 0o777);
    await chmod(workspace.db, 0o666);
    await mkdir(dir, { mode: 0o755 });
    return { as: NOBODY, refusal: 'EACCES: permission denied', cleanup: () => {} };
  }
  await mkdir(dir);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', dir], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `as root, neither can nobody run ${cliPath} nor may a read-only tmpfs be mounted (${(r.stderr || r.error?.message || '').trim()})`;
  return { as: {}, refusal: 'EROFS: read-only file system', cleanup: () => void spawnSync('umount', [dir]) };
}
