/**
 * Git as `wg run` will meet it: the same repository questions its isolation asks, and a
 * scratch worktree made where attempts' trees are made, with wg's links in place, in
 * which a new file is staged the way landing stages an attempt's work.
 */
import { existsSync, mkdirSync, rmSync, statfsSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Config } from '../config/config.js';
import { SETTINGS } from '../config/settings.js';
import { git, nulList } from '../worktree/git.js';
import { WORKTREES_DIR } from '../worktree/inventory.js';
import { branchHead, checkedOut, dirtyTrackedFiles, findRepo, type Repo } from '../worktree/repo.js';
import { stageWork, wgOwnPaths } from '../worktree/stage.js';
import type { GitFacts } from './types.js';

function freeBytes(path: string): number | undefined {
  try {
    const stats = statfsSync(path);
    return Number(stats.bavail) * Number(stats.bsize);
  } catch {
    return undefined;
  }
}

const said = (result: { stderr: string; stdout: string; exitCode: number }) =>
  (result.stderr || result.stdout).trim().replace(/\s*\n\s*/g, ' ') || `exit code ${result.exitCode}`;

async function scratchWorktree(
  repo: Repo,
  root: string,
  workgraphDir: string,
  base: string,
  link: readonly string[],
): Promise<GitFacts['scratch']> {
  // Beside attempts' trees (same disk, same permissions); not a TASK/ATTEMPT path, so no run mistakes it for one.
  const path = join(workgraphDir, WORKTREES_DIR, `.doctor-${process.pid}`);
  const projectIn = repo.prefix === '' ? path : join(path, repo.prefix);
  try {
    mkdirSync(join(workgraphDir, WORKTREES_DIR), { recursive: true });
  } catch (error) {
    return { ok: false, step: `making ${join(workgraphDir, WORKTREES_DIR)}`, said: (error as Error).message };
  }
  const added = await git(repo.top, ['worktree', 'add', '--quiet', '--detach', path, base]);
  try {
    if (added.exitCode !== 0) return { ok: false, step: 'git worktree add', said: said(added) };
    return await probeStaging(repo, root, path, projectIn, link, basename(workgraphDir));
  } catch (error) {
    return { ok: false, step: 'preparing the scratch worktree', said: (error as Error).message.split('\n')[0] ?? '' };
  } finally {
    const removed = await git(repo.top, ['worktree', 'remove', '--force', '--force', path]);
    rmSync(path, { recursive: true, force: true });
    if (removed.exitCode !== 0) await git(repo.top, ['worktree', 'prune']);
  }
}

/** wg's links in place, a new file written, staged the way landing stages an attempt's work: is it in the index? */
async function probeStaging(
  repo: Repo,
  root: string,
  path: string,
  projectIn: string,
  link: readonly string[],
  folder: string,
): Promise<GitFacts['scratch']> {
  const linked = link.filter((name) => existsSync(join(root, name)) && !existsSync(join(projectIn, name)));
  for (const name of linked) symlinkSync(join(root, name), join(projectIn, name));
  const probe = `wg-doctor-probe-${process.pid}.txt`;
  writeFileSync(join(projectIn, probe), 'a new file, as an agent would write one\n');
  try {
    await stageWork(path, wgOwnPaths(repo.prefix, folder, linked));
  } catch (error) {
    return { ok: false, step: 'git add', said: (error as Error).message };
  }
  const staged = nulList((await git(path, ['diff', '--cached', '--name-only', '-z'])).stdout);
  const probePath = repo.prefix === '' ? probe : `${repo.prefix}/${probe}`;
  if (!staged.includes(probePath)) return { ignored: probe };
  return { ok: true, linked };
}

export async function gatherGit(
  root: string,
  workgraphDir: string,
  config: Config | undefined,
  target: string | undefined,
): Promise<GitFacts> {
  const isolation = config?.run.isolation;
  const facts: GitFacts = {
    noRepo: undefined,
    isolation,
    target: undefined,
    targetExists: false,
    dirty: [],
    scratch: undefined,
    freeBytes: freeBytes(workgraphDir),
  };
  if (isolation === 'none') return facts;
  const repo = await findRepo(root);
  if ('none' in repo) return { ...facts, noRepo: repo.none };
  facts.target = target ?? repo.branch;
  if (facts.target === undefined) return facts;
  const base = await branchHead(repo.top, facts.target);
  facts.targetExists = base !== undefined;
  if (base === undefined) return facts;
  const branch = facts.target;
  [facts.dirty, facts.scratch] = await Promise.all([
    checkedOut(repo.top, branch).then((out) => (out ? dirtyTrackedFiles(repo.top, repo.prefix) : [])),
    scratchWorktree(
      repo,
      root,
      workgraphDir,
      base,
      config?.run.worktree_link ?? SETTINGS.run.settings.worktree_link.default,
    ),
  ]);
  return facts;
}
