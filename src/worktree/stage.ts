/**
 * Staging an attempt's work: everything it changed in its tree, and nothing of wg's own
 * (its folder, `.workgraph` or `.wg`, the links wg made into the tree such as `node_modules`).
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gitOk } from './git.js';

/** wg's own paths in a tree, relative to its top: its folder, then the links it made (project-relative names). */
export function wgOwnPaths(prefix: string, folder: string, links: readonly string[]): string[] {
  const inProject = (name: string) => (prefix === '' ? name : `${prefix}/${name}`);
  return [inProject(folder), ...links.map(inProject)];
}

/**
 * Stage everything, then take wg's own paths out of the index again. They are never named
 * while adding: an exclude pathspec (`:(exclude)node_modules`) that names a path the
 * project's .gitignore covers makes `git add` fail ("The following paths are ignored..."),
 * and git sees wg's `node_modules` link as a file, so `node_modules` and `/node_modules`
 * cover it while `node_modules/` does not. Taking them out afterwards works whatever the
 * ignore rules say (a .gitignore in any form, a global excludes file, none at all).
 */
export async function stageWork(
  treeTop: string,
  own: readonly string[],
  env: Record<string, string> = {},
): Promise<void> {
  await gitOk(treeTop, ['add', '--all', '--', ':/'], { env });
  await gitOk(treeTop, ['reset', '--quiet', '--', ...own.map((path) => `:(top,literal)${path}`)], { env });
}

/**
 * The tree object of the attempt's work as it stands, uncommitted and untracked files
 * included, built in a scratch index: the agent's own index is left as it was.
 */
export async function snapshotTree(treeTop: string, own: readonly string[]): Promise<string> {
  const scratch = mkdtempSync(join(tmpdir(), 'wg-index-'));
  try {
    const index = join(scratch, 'index');
    const current = resolve(treeTop, await gitOk(treeTop, ['rev-parse', '--git-path', 'index']));
    if (existsSync(current)) copyFileSync(current, index);
    const env = { GIT_INDEX_FILE: index };
    await stageWork(treeTop, own, env);
    return await gitOk(treeTop, ['write-tree'], { env });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
