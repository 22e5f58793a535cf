import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The folder holding package.json, found by walking up from a file (built or not). */
export function findRepoRoot(from: string = here): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const repoRoot = findRepoRoot();

/**
 * The built CLI beside these helpers: `<out>/test/support/` → `<out>/cli/index.js`, so tests run
 * against whichever out dir was compiled (dist/ in CI, another while iterating).
 */
export const cliPath = fileURLToPath(new URL('../../cli/index.js', import.meta.url));

/** A child process that holds or writes a SQLite database (see db-child.ts). */
export const dbChildPath = fileURLToPath(new URL('./db-child.js', import.meta.url));

/**
 * The shared fixtures: `../shared/fixtures` beside the checkout, as the project lays them out;
 * ACODE_SHARED_DIR points elsewhere (a clone made outside the project folder, say).
 */
function findFixtures(): string {
  const candidates = [process.env['ACODE_SHARED_DIR'], path.resolve(repoRoot, '..', 'shared'), '/work/shared'].filter((d): d is string => Boolean(d));
  const found = candidates.find((dir) => existsSync(path.join(dir, 'fixtures', 'chinook')));
  return path.join(found ?? candidates[0]!, 'fixtures');
}

export const fixturesDir = findFixtures();
export const chinookPath = path.join(fixturesDir, 'chinook', 'Chinook_Sqlite.sqlite');
