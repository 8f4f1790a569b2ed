/**
 * wg's worktrees: `.workgraph/worktrees/<task>/<attempt>` on branch `wg/<task>/<attempt>`
 * (a retry that continues an attempt's work keeps that attempt's path, on its own branch).
 * A failed attempt's tree is kept, marked by `<attempt>.failed` beside it (holding the
 * reason), until its task lands or someone prunes it; any other tree that no live attempt
 * holds was left by a run that died.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { git, gitOk } from './git.js';

export const WORKTREES_DIR = 'worktrees';

export interface WgWorktree {
  task: string;
  attempt: number;
  path: string;
  branch: string;
  head: string | undefined;
  /** Why the attempt failed, when it was kept for inspection. */
  failed: string | undefined;
  /** Work that succeeded but could not land: kept even once a later attempt lands. */
  unlanded: boolean;
}

export function worktreePath(workgraphDir: string, task: string, attempt: number): string {
  return join(workgraphDir, WORKTREES_DIR, task, String(attempt));
}

/** A ref's part may not start with a dot, as upstream's `.flip-…` ids do: those get a `_` in front. */
export const worktreeBranch = (task: string, attempt: number) =>
  `wg/${task.startsWith('.') ? `_${task}` : task}/${attempt}`;

/** The task and attempt a wg branch (`wg/<task>/<attempt>`, see worktreeBranch) belongs to. */
export function branchTask(branch: string): { task: string; attempt: number } | undefined {
  const match = /^wg\/([^/]+)\/(\d+)$/.exec(branch);
  if (!match) return undefined;
  return { task: match[1]!.startsWith('_.') ? match[1]!.slice(1) : match[1]!, attempt: Number(match[2]) };
}

const failedMarker = (path: string) => `${path}.failed`;
const unlandedMarker = (path: string) => `${path}.unlanded`;

/** `unlanded`: the attempt succeeded but its work could not land; only its branch holds it. */
export function markFailed(path: string, reason: string, unlanded = false): void {
  writeFileSync(failedMarker(path), `${reason}\n`);
  if (unlanded) writeFileSync(unlandedMarker(path), '');
}

/** The tree is live again (a retry continues in it): no longer kept for inspection. */
export function unmarkFailed(path: string): void {
  rmSync(failedMarker(path), { force: true });
  rmSync(unlandedMarker(path), { force: true });
}

/** The worktrees git knows under `.workgraph/worktrees/`, with what their folders say. */
export async function listWgWorktrees(top: string, workgraphDir: string): Promise<WgWorktree[]> {
  const base = resolve(workgraphDir, WORKTREES_DIR);
  const output = await gitOk(top, ['worktree', 'list', '--porcelain']);
  const trees: WgWorktree[] = [];
  for (const block of output.split('\n\n')) {
    const fields = new Map(
      block.split('\n').map((line) => [line.split(' ')[0]!, line.slice(line.indexOf(' ') + 1)] as const),
    );
    const path = fields.get('worktree');
    if (!path) continue;
    const inside = relative(base, path).split(sep);
    if (inside.length !== 2 || inside[0] === '..' || !/^\d+$/.test(inside[1]!)) continue;
    const branch = fields.get('branch')?.replace(/^refs\/heads\//, '') ?? worktreeBranch(inside[0]!, Number(inside[1]));
    // A retry that continues an attempt's work, or the next step of a trajectory, keeps working at
    // that attempt's path on a branch of its own: the branch names the task and attempt the tree serves now.
    const named = branchTask(branch);
    const task = named?.task ?? inside[0]!;
    const attempt = named?.attempt ?? Number(inside[1]);
    const marker = failedMarker(path);
    trees.push({
      task,
      attempt,
      path,
      branch,
      head: fields.get('HEAD'),
      failed: existsSync(marker) ? readFileSync(marker, 'utf8').trim() : undefined,
      unlanded: existsSync(unlandedMarker(path)),
    });
  }
  return trees;
}

/** Remove a worktree, its branch and its marker; a tree already gone from disk is pruned from git's records. */
export async function removeWorktree(top: string, tree: Pick<WgWorktree, 'path' | 'branch'>): Promise<void> {
  await git(top, ['worktree', 'remove', '--force', '--force', tree.path]);
  rmSync(tree.path, { recursive: true, force: true });
  rmSync(failedMarker(tree.path), { force: true });
  rmSync(unlandedMarker(tree.path), { force: true });
  await git(top, ['worktree', 'prune']);
  await git(top, ['branch', '-D', tree.branch]);
}

/** Remove every wg worktree for which `remove` says so; returns the removed ones. */
export async function pruneWorktrees(
  top: string,
  workgraphDir: string,
  remove: (tree: WgWorktree) => boolean,
): Promise<WgWorktree[]> {
  const removed: WgWorktree[] = [];
  for (const tree of await listWgWorktrees(top, workgraphDir)) {
    if (!remove(tree)) continue;
    await removeWorktree(top, tree);
    removed.push(tree);
  }
  return removed;
}
