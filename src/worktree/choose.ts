/**
 * Whether a run isolates its attempts, and on which branch their results land: worktrees
 * by default in a git work tree with a commit, in place elsewhere (and said so).
 */
import { basename, join } from 'node:path';
import { ConfigError, WgError } from '../errors.js';
import type { Isolation } from '../runner/isolation.js';
import type { AttemptPlace } from '../runner/prepare.js';
import type { Config } from '../config/config.js';
import { ensureRuntimeIgnored } from '../store/init.js';
import { worktreeIsolation } from './isolation.js';
import { upstreamChangeReader } from './upstream-change.js';
import type { UpstreamChangeReader } from '../prompt/types.js';
import { worktreeBranch, worktreePath } from './inventory.js';
import { branchHead, checkedOut, dirtyTrackedFiles, findRepo } from './repo.js';

export type IsolationMode = 'worktree' | 'none';

/** The user's checkout holds uncommitted changes that landing results could overwrite. */
export class DirtyCheckoutError extends WgError {}

export interface IsolationChoice {
  /** Undefined: attempts run in place. */
  isolation: Isolation | undefined;
  /** For a dry run: the tree an attempt would get, and the project inside it (its files read from the checkout meanwhile). */
  preview: ((taskId: string, attempt: number) => AttemptPlace) | undefined;
  /** Said once per run (why there is no isolation). */
  notice: string | undefined;
  /** With worktrees, what an upstream task's landed commit changed, for the prompts after it. */
  upstreamChanges: UpstreamChangeReader | undefined;
}

export interface ChooseOptions {
  mode: IsolationMode | undefined;
  target: string | undefined;
  /** A dry run writes nothing (not even .gitignore entries). */
  dryRun: boolean;
}

export async function chooseIsolation(
  root: string,
  workgraphDir: string,
  config: Config,
  options: ChooseOptions,
): Promise<IsolationChoice> {
  const mode = options.mode ?? config.run.isolation;
  if (mode === 'none')
    return { isolation: undefined, preview: undefined, notice: undefined, upstreamChanges: undefined };
  const repo = await findRepo(root);
  if ('none' in repo) {
    if (mode === 'worktree')
      throw new ConfigError(
        `isolation = "worktree" needs a git work tree with a commit, and ${root} is not one (${repo.none})`,
        'commit something first, or run with --isolation none',
      );
    return {
      isolation: undefined,
      preview: undefined,
      notice: `tasks run in place, without worktrees: ${repo.none}`,
      upstreamChanges: undefined,
    };
  }
  const target = options.target ?? repo.branch;
  if (target === undefined)
    throw new ConfigError(
      'HEAD is detached, so there is no branch to land results on',
      'pass --target BRANCH, or check out a branch',
    );
  const base = await branchHead(repo.top, target);
  if (base === undefined)
    throw new ConfigError(
      `the target branch ${target} does not exist`,
      'create it (git branch NAME), or pass another --target',
    );
  // Results land by fast-forwarding the user's checkout: never over uncommitted changes to tracked files.
  if (await checkedOut(repo.top, target)) {
    const dirty = await dirtyTrackedFiles(repo.top, repo.prefix, basename(workgraphDir));
    if (dirty.length > 0) {
      const shown = dirty.slice(0, 10).join(', ') + (dirty.length > 10 ? ` and ${dirty.length - 10} more` : '');
      throw new DirtyCheckoutError(
        `your checkout of ${target} has uncommitted changes to tracked files (${shown}); results land on ${target} and would overwrite them`,
        'commit or stash them first, run with --target OTHER-BRANCH, or --isolation none',
      );
    }
  }
  const preview = (taskId: string, attempt: number): AttemptPlace => {
    const path = worktreePath(workgraphDir, taskId, attempt);
    // As worktreeIsolation's open(): the project sits at the same place inside the tree as in the repository.
    const projectRoot = repo.prefix === '' ? path : join(path, repo.prefix);
    return { root: projectRoot, info: { path, branch: worktreeBranch(taskId, attempt), target, base }, readFrom: root };
  };
  if (options.dryRun)
    return { isolation: undefined, preview, notice: undefined, upstreamChanges: upstreamChangeReader(root) };
  ensureRuntimeIgnored(workgraphDir);
  const settings = {
    target,
    reverify: config.run.reverify,
    setup: config.run.worktree_setup,
    link: config.run.worktree_link,
  };
  return {
    isolation: await worktreeIsolation(repo, root, workgraphDir, settings),
    preview,
    notice: undefined,
    upstreamChanges: upstreamChangeReader(root),
  };
}
