/**
 * What one attempt of a task changed, against the commit it built on: the landed commits
 * for the attempt that landed, the kept worktree (uncommitted work included) or branch
 * for one that failed or is still running.
 */
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InvalidInputError, NotFoundError } from '../errors.js';
import type { Task } from '../graph/schema.js';
import { git, gitOk, nulList } from './git.js';
import { worktreeBranch } from './inventory.js';
import type { Repo } from './repo.js';
import { snapshotTree, wgOwnPaths } from './stage.js';

export type ChangeSource = 'landed' | 'running' | 'pending' | 'kept' | 'branch';

export interface AttemptChange {
  task: string;
  attempt: number;
  /**
   * landed: on the target; running/kept: the attempt's worktree as it stands; pending: its result
   * waiting for a verdict (wg approve / wg reject), in its kept worktree; branch: its branch only (worktree gone).
   */
  source: ChangeSource;
  target: string | undefined;
  branch: string | undefined;
  worktree: string | undefined;
  /** The commit the change is measured against, and the commit (or tree) holding it. */
  base: string;
  head: string;
}

export interface ChangedFile {
  path: string;
  /** git's letter: A added, M modified, D deleted, T type changed. */
  status: string;
  /** Undefined for a binary file. */
  additions: number | undefined;
  deletions: number | undefined;
}

interface RecordedTree {
  path: string;
  branch: string;
  target: string;
  base: string;
}

/** The attempts the runner has a record of (runs/TASK/N), in order. */
function recordedAttempts(workgraphDir: string, taskId: string): number[] {
  const dir = join(workgraphDir, 'runs', taskId);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
}

function recordedTree(workgraphDir: string, taskId: string, attempt: number): RecordedTree | null | undefined {
  const file = join(workgraphDir, 'runs', taskId, String(attempt), 'command.json');
  if (!existsSync(file)) return undefined;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { worktree?: RecordedTree | null }).worktree ?? null;
  } catch {
    return undefined;
  }
}

const exists = async (top: string, object: string) =>
  (await git(top, ['cat-file', '-e', `${object}^{commit}`])).exitCode === 0;

/** Where attempt `wanted` (default: the landed one, else the latest) of `task` left its change. */
export async function findAttemptChange(
  repo: Repo,
  workgraphDir: string,
  task: Task,
  wanted: number | undefined,
  linkNames: readonly string[],
): Promise<AttemptChange> {
  const attempts = recordedAttempts(workgraphDir, task.id);
  const pendingAttempt = task.status === 'pending-validation' ? task.pending_result?.attempt : undefined;
  const attempt = wanted ?? task.landed?.attempt ?? pendingAttempt ?? attempts.at(-1);
  if (attempt === undefined)
    throw new InvalidInputError(
      `${task.id} has no attempt yet, so it changed nothing`,
      `\`wg run\` runs it; \`wg show ${task.id}\` shows its state`,
    );
  const landed = task.landed;
  if (landed && landed.attempt === attempt) {
    if (!(await exists(repo.top, landed.commit)))
      throw new NotFoundError(
        `${task.id}'s landed commit ${landed.commit.slice(0, 12)} is no longer in this repository`,
      );
    return {
      task: task.id,
      attempt,
      source: 'landed',
      target: landed.target,
      branch: undefined,
      worktree: undefined,
      base: landed.base,
      head: landed.commit,
    };
  }
  const tree = recordedTree(workgraphDir, task.id, attempt);
  if (tree === undefined) {
    const known = attempts.length > 0 ? `its attempts: ${attempts.join(', ')}` : 'it has no recorded attempt';
    throw new NotFoundError(`${task.id} has no attempt ${attempt} (${known})`);
  }
  if (tree === null)
    throw new InvalidInputError(
      `attempt ${attempt} of ${task.id} ran in place, without a git worktree, so wg has no record of its change`,
      'attempts get worktrees (and `wg diff`) in a git work tree with a commit, with isolation = "worktree" or unset',
    );
  const running = task.status === 'in-progress' && task.claim?.attempt === attempt;
  const branch = tree.branch ?? worktreeBranch(task.id, attempt);
  let head: string;
  let source: ChangeSource;
  let headCommit: string;
  if (existsSync(tree.path) && (await git(tree.path, ['rev-parse', '--verify', '--quiet', 'HEAD'])).exitCode === 0) {
    headCommit = await gitOk(tree.path, ['rev-parse', 'HEAD']);
    head = await snapshotTree(
      tree.path,
      wgOwnPaths(repo.prefix, basename(workgraphDir), ownLinks(tree.path, repo.prefix, linkNames)),
    );
    source = running ? 'running' : attempt === pendingAttempt ? 'pending' : 'kept';
  } else {
    const branchHead = await git(repo.top, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`]);
    if (branchHead.exitCode !== 0) {
      throw new NotFoundError(
        `attempt ${attempt} of ${task.id} is gone: its worktree and branch ${branch} were removed (once the task landed, or by \`wg worktree prune\`)`,
      );
    }
    head = headCommit = branchHead.stdout.trim();
    source = 'branch';
  }
  // Measured from where the work now sits on the target: a landing that failed after a rebase built on a newer head.
  const fork = await git(repo.top, ['merge-base', headCommit, `refs/heads/${tree.target}`]);
  const base = fork.exitCode === 0 && fork.stdout.trim() !== '' ? fork.stdout.trim() : tree.base;
  return { task: task.id, attempt, source, target: tree.target, branch, worktree: tree.path, base, head };
}

/** The configured links that are wg's symlinks in this tree (a tree that has its own folder of that name keeps it). */
function ownLinks(treeTop: string, prefix: string, names: readonly string[]): string[] {
  return names.filter((name) => {
    try {
      return lstatSync(join(treeTop, prefix, name)).isSymbolicLink();
    } catch {
      return false;
    }
  });
}

export async function changedFiles(top: string, change: AttemptChange): Promise<ChangedFile[]> {
  const range = ['--no-renames', change.base, change.head];
  const statuses = nulList(await gitOk(top, ['diff', '--name-status', '-z', ...range]));
  const counts = new Map<string, [number | undefined, number | undefined]>();
  for (const entry of nulList(await gitOk(top, ['diff', '--numstat', '-z', ...range]))) {
    const [added, deleted, ...path] = entry.split('\t');
    const count = (value: string | undefined) => (value === undefined || value === '-' ? undefined : Number(value));
    counts.set(path.join('\t'), [count(added), count(deleted)]);
  }
  const files: ChangedFile[] = [];
  for (let i = 0; i + 1 < statuses.length; i += 2) {
    const path = statuses[i + 1]!;
    const [additions, deletions] = counts.get(path) ?? [undefined, undefined];
    files.push({ path, status: statuses[i]!, additions, deletions });
  }
  return files;
}

/** The change as git prints it: a patch, or `--stat`'s summary. */
export async function renderChange(
  top: string,
  change: AttemptChange,
  options: { stat: boolean; color: boolean },
): Promise<string> {
  return gitOk(top, [
    'diff',
    '--no-ext-diff',
    `--color=${options.color ? 'always' : 'never'}`,
    ...(options.stat ? ['--stat'] : []),
    change.base,
    change.head,
  ]);
}

/** An attempt's change as `wg diff --json` and `wg serve` give it: where it is, its files, and the patch (unless `stat`). */
export interface AttemptDiff extends AttemptChange {
  files: ChangedFile[];
  patch?: string;
}

export async function attemptDiff(
  top: string,
  change: AttemptChange,
  options: { stat: boolean },
): Promise<AttemptDiff> {
  const files = await changedFiles(top, change);
  if (options.stat) return { ...change, files };
  // Our git runner strips git's last newline, and `git apply` wants a patch to end with one.
  const patch = await renderChange(top, change, { stat: false, color: false });
  return { ...change, files, patch: patch === '' ? '' : `${patch}\n` };
}
