/**
 * Isolation by git worktree: each attempt works in a fresh worktree on its own branch,
 * made from the target branch's current head, so it starts from every upstream task's
 * landed work and from nothing any other attempt left. A successful attempt's work is
 * committed and landed through a merge queue, one at a time: rebased onto the target's
 * head, checked again when that head moved, then the target advances (the user's
 * checkout with it, when it has the target checked out). The target never holds
 * conflict markers or a combination whose check failed.
 */
import { existsSync, lstatSync, mkdirSync, readlinkSync, symlinkSync } from 'node:fs';
import PQueue from 'p-queue';
import { basename, dirname, join } from 'node:path';
import type { Graph } from '../graph/model.js';
import type { Task } from '../graph/schema.js';
import type { AttemptTree, Isolation, LandResult, RetryRequest, StepPlace, TreeInfo } from '../runner/isolation.js';
import type { RetryBasis } from '../prompt/types.js';
import { describeOutcome, type Outcome } from '../runner/outcome.js';
import { git, gitOk, GitError, gitSaid, nulList } from './git.js';
import { stageWork, wgOwnPaths } from './stage.js';
import {
  markFailed,
  pruneWorktrees,
  removeWorktree,
  unmarkFailed,
  worktreeBranch,
  worktreePath,
  type WgWorktree,
} from './inventory.js';
import { continueTree, offerPreviousDiff, type Continued } from './retry-start.js';
import { branchHead, checkedOut, type Repo } from './repo.js';
import { terminateTree } from '../process/terminate.js';

/** Between SIGTERM and SIGKILL when an interrupt stops a worktree_setup (an `npm ci` cleans up quickly). */
const SETUP_GRACE_MS = 2_000;

export interface WorktreeSettings {
  /** The branch results land on. */
  target: string;
  /** Check a rebased result again before the target advances (when the target moved since the attempt began). */
  reverify: boolean;
  /** A command run in each new worktree before its agent starts (`npm ci --prefer-offline`). */
  setup: string | undefined;
  /** Folders of the user's checkout (project-relative) linked into each new worktree when it has none: `node_modules`. */
  link: string[];
}

/** One job at a time, in the order they came; a job that fails does not stop the ones after it. */
function serial(): { run<T>(job: () => Promise<T>): Promise<T> } {
  const queue = new PQueue({ concurrency: 1 });
  return { run: (job) => queue.add(job) };
}

/** Files a failed `git merge --ff-only` names as in the way (local changes, untracked files). */
function filesInTheWay(message: string): string[] {
  return [...message.matchAll(/^\t(.+)$/gm)].map((match) => match[1]!.trim());
}

/** Commits made from a worktree need an author even where the user has configured none. */
async function identityEnv(top: string): Promise<Record<string, string>> {
  const email = await git(top, ['config', 'user.email']);
  if (email.exitCode === 0 && email.stdout.trim() !== '') return {};
  return {
    GIT_AUTHOR_NAME: 'wg',
    GIT_AUTHOR_EMAIL: 'wg@localhost',
    GIT_COMMITTER_NAME: 'wg',
    GIT_COMMITTER_EMAIL: 'wg@localhost',
  };
}

export async function worktreeIsolation(
  repo: Repo,
  root: string,
  workgraphDir: string,
  settings: WorktreeSettings,
): Promise<Isolation> {
  // Landings must not interleave; nor may worktrees be added or removed side by side, since
  // concurrent `git worktree add`s can fail reading each other's half-made admin folders.
  const queue = serial();
  const admin = serial();
  const identity = await identityEnv(repo.top);
  const projectIn = (path: string) => (repo.prefix === '' ? path : join(path, repo.prefix));
  const linked = (tree: string) =>
    settings.link.filter((name) => existsSync(join(root, name)) && !existsSync(join(projectIn(tree), name)));

  /** Everything the agent changed anywhere in its tree, but wg's folder and the links wg made. */
  async function commitLeftovers(path: string, task: Task, links: string[]): Promise<void> {
    const own = wgOwnPaths(repo.prefix, basename(workgraphDir), links);
    await stageWork(path, own);
    const staged = await git(path, ['diff', '--cached', '--quiet']);
    if (staged.exitCode !== 0)
      await gitOk(path, ['commit', '--quiet', '--no-verify', '-m', task.title, '-m', `Workgraph-Task: ${task.id}`], {
        env: identity,
      });
    await dropCommittedLinks(path, task, own.slice(1));
  }

  /**
   * An agent that ran `git add -A` itself may have committed a link wg made (where the
   * project's .gitignore does not cover it): take it out again, so it never lands.
   */
  async function dropCommittedLinks(path: string, task: Task, links: string[]): Promise<void> {
    if (links.length === 0) return;
    const ours = nulList(await gitOk(path, ['ls-tree', '-z', '--name-only', 'HEAD', '--', ...links]));
    if (ours.length === 0) return;
    await gitOk(path, ['rm', '-r', '--cached', '--quiet', '--ignore-unmatch', '--', ...ours]);
    await gitOk(
      path,
      [
        'commit',
        '--quiet',
        '--no-verify',
        '-m',
        `Leave out wg's links (${ours.join(', ')})`,
        '-m',
        `Workgraph-Task: ${task.id}`,
      ],
      { env: identity },
    );
  }

  /** Onto the target's head; undefined when it went on cleanly, else the files in conflict. */
  async function rebaseOnto(path: string, head: string): Promise<string[] | undefined> {
    const rebase = await git(path, ['rebase', '--quiet', head], { env: identity });
    if (rebase.exitCode === 0) return undefined;
    const conflicted = nulList((await git(path, ['diff', '--name-only', '--diff-filter=U', '-z'])).stdout);
    await git(path, ['rebase', '--abort']);
    return conflicted;
  }

  /** Move the target from `from` to `to`; false when it moved meanwhile (the caller tries again). */
  async function advance(from: string, to: string, task: Task, branch: string): Promise<Outcome | boolean> {
    if (!(await checkedOut(repo.top, settings.target))) {
      return (
        (await git(repo.top, ['update-ref', '-m', `wg: land ${task.id}`, `refs/heads/${settings.target}`, to, from]))
          .exitCode === 0
      );
    }
    // The user's checkout has the target: a fast-forward moves branch, index and files together.
    if ((await gitOk(repo.top, ['rev-parse', 'HEAD'])) !== from) return false;
    const merge = await git(repo.top, ['merge', '--ff-only', '--quiet', to]);
    if (merge.exitCode === 0) return true;
    if ((await gitOk(repo.top, ['rev-parse', 'HEAD'])) !== from) return false;
    return {
      kind: 'merge-conflict',
      files: filesInTheWay(merge.stderr),
      detail: `your checkout of ${settings.target} has changes that landing would overwrite; commit or stash them, then \`wg retry ${task.id}\` (this attempt's work stays on branch ${branch})`,
    };
  }

  async function land(
    path: string,
    branch: string,
    base: string,
    task: Task,
    links: string[],
    reverify: () => Promise<Outcome>,
    keepTree: boolean,
  ): Promise<LandResult> {
    await commitLeftovers(path, task, links);
    // An attempt that changed nothing has nothing to land: it need not wait in the queue.
    const changed = (await gitOk(path, ['rev-parse', 'HEAD'])) !== base;
    const landed: LandResult = !changed
      ? { outcome: { kind: 'succeeded' }, landing: { target: settings.target, base, commit: base } }
      : await queue.run(async (): Promise<LandResult> => {
          for (let tries = 0; ; tries++) {
            const head = await branchHead(repo.top, settings.target);
            if (head === undefined) throw new GitError(`the target branch ${settings.target} no longer exists`);
            // The target moved on since this attempt began: bring the work onto its head, and check the combination.
            if (head !== (await gitOk(path, ['merge-base', 'HEAD', head]))) {
              const conflicted = await rebaseOnto(path, head);
              if (conflicted)
                return {
                  outcome: {
                    kind: 'merge-conflict',
                    files: conflicted,
                    detail: `with ${settings.target} at ${head.slice(0, 12)}`,
                  },
                };
              if (settings.reverify && task.verify) {
                const checked = await reverify();
                if (checked.kind === 'verification-failed') return { outcome: { ...checked, combined: true } };
                if (checked.kind !== 'succeeded') return { outcome: checked };
              }
            }
            const commit = await gitOk(path, ['rev-parse', 'HEAD']);
            const advanced = await advance(head, commit, task, branch);
            if (advanced === true)
              return { outcome: { kind: 'succeeded' }, landing: { target: settings.target, base: head, commit } };
            if (advanced !== false) return { outcome: advanced };
            if (tries >= 5) throw new GitError(`${settings.target} kept moving while ${task.id} was landing`);
          }
        });
    // Landed: this tree and the kept trees of the task's failed attempts have served their purpose
    // (but for work that failed to land, which nothing else holds, and this tree when the next step of a trajectory continues in it).
    if (landed.outcome.kind === 'succeeded')
      await admin.run(() =>
        pruneWorktrees(
          repo.top,
          workgraphDir,
          (tree) => tree.task === task.id && !tree.unlanded && !(keepTree && tree.path === path),
        ),
      );
    return landed;
  }

  /**
   * In a process group of its own, like an agent: a terminal's Ctrl-C reaches `wg run`
   * alone, which stops the setup (and what it started) itself, so the attempt ends as
   * interrupted instead of as a setup that failed.
   */
  async function setUp(treeRoot: string, signal: AbortSignal | undefined): Promise<void> {
    if (!settings.setup) return;
    const stopped = () =>
      new GitError(`worktree_setup \`${settings.setup}\` was stopped: the run is being interrupted`);
    if (signal?.aborted) throw stopped();
    const { execa } = await import('execa');
    const child = execa('sh', ['-c', settings.setup], {
      cwd: treeRoot,
      reject: false,
      stdin: 'ignore',
      all: true,
      detached: true,
    });
    let stopping: Promise<void> | undefined;
    const stop = () => {
      if (child.pid !== undefined) stopping = terminateTree(child.pid, SETUP_GRACE_MS);
    };
    signal?.addEventListener('abort', stop, { once: true });
    const result = await child.finally(() => signal?.removeEventListener('abort', stop));
    await stopping;
    if (signal?.aborted) throw stopped();
    if (result.exitCode !== 0) {
      const last =
        String(result.all ?? '')
          .trim()
          .split('\n')
          .at(-1) ?? '';
      const how =
        result.exitCode === undefined ? `killed by ${result.signal ?? 'a signal'}` : `exit code ${result.exitCode}`;
      throw new GitError(`worktree_setup \`${settings.setup}\` failed (${how})${last ? `: ${last}` : ''}`);
    }
  }

  /** The attempt's tree as the runner sees it, wherever it came from. */
  const attemptTree = (
    path: string,
    branch: string,
    base: string,
    links: string[],
    basis?: RetryBasis,
    step?: StepPlace,
  ): AttemptTree => ({
    root: projectIn(path),
    info: { path, branch, target: settings.target, base },
    basis,
    land: (landing, reverify) => land(path, branch, base, landing, links, reverify, step?.more ?? false),
    keep: async (outcome) => markFailed(path, describeOutcome(outcome), outcome.kind === 'landing-failed'),
    hold: async (held) => {
      await commitLeftovers(path, held, links);
      return { branch, base, head: await gitOk(path, ['rev-parse', 'HEAD']), target: settings.target, worktree: path };
    },
  });

  /** A new tree at the target's head, on the attempt's own branch. */
  async function openFresh(
    task: Task,
    attempt: number,
    signal: AbortSignal | undefined,
  ): Promise<{ path: string; branch: string; base: string; links: string[] }> {
    const path = worktreePath(workgraphDir, task.id, attempt);
    const branch = worktreeBranch(task.id, attempt);
    const base = await admin.run(async () => {
      // An earlier run that died may have left this very attempt's tree or branch behind.
      if (existsSync(path)) await removeWorktree(repo.top, { path, branch });
      else await git(repo.top, ['branch', '-D', branch]);
      const head = await branchHead(repo.top, settings.target);
      if (head === undefined) throw new GitError(`the target branch ${settings.target} does not exist`);
      mkdirSync(dirname(path), { recursive: true });
      const added = await git(repo.top, ['worktree', 'add', '--quiet', '-b', branch, path, head]);
      if (added.exitCode !== 0) {
        await removeWorktree(repo.top, { path, branch });
        throw new GitError(`git worktree add failed: ${gitSaid(added)}`);
      }
      return head;
    });
    const links = linked(path);
    for (const name of links) symlinkSync(join(root, name), join(projectIn(path), name));
    await setUp(projectIn(path), signal);
    return { path, branch, base, links };
  }

  /** The links wg made into a tree earlier (it has them already, so `linked` would not name them again). */
  const madeLinks = (tree: string) =>
    settings.link.filter((name) => {
      const path = join(projectIn(tree), name);
      return existsSync(path) && lstatSync(path).isSymbolicLink() && readlinkSync(path) === join(root, name);
    });

  /** Take over the previous attempt's tree, or say why that cannot be done. */
  async function continuePrevious(
    task: Task,
    attempt: number,
    retry: RetryRequest,
    step: StepPlace | undefined,
  ): Promise<AttemptTree | string> {
    const previous = retry.previous.tree;
    if (!existsSync(previous.path)) return 'its worktree is gone';
    const on = await git(previous.path, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
    if (on.exitCode !== 0 || on.stdout.trim() !== previous.branch)
      return `its worktree is no longer on branch ${previous.branch}`;
    const head = await branchHead(repo.top, settings.target);
    if (head === undefined) throw new GitError(`the target branch ${settings.target} does not exist`);
    const links = madeLinks(previous.path);
    const commitWork = async () => {
      await stageWork(previous.path, wgOwnPaths(repo.prefix, basename(workgraphDir), links));
      if ((await git(previous.path, ['diff', '--cached', '--quiet'])).exitCode === 0) return false;
      await gitOk(
        previous.path,
        ['commit', '--quiet', '--no-verify', '-m', `${task.title} (attempt ${retry.previous.attempt}, continued)`],
        { env: identity },
      );
      return true;
    };
    const branch = worktreeBranch(task.id, attempt);
    let continued: Continued;
    try {
      continued = await admin.run(() =>
        continueTree(previous.path, { from: previous.branch, to: branch }, head, commitWork, identity),
      );
    } catch (error) {
      if (!(error instanceof GitError)) throw error;
      return error.message;
    }
    if ('why' in continued) return continued.why;
    unmarkFailed(previous.path);
    return attemptTree(
      previous.path,
      branch,
      continued.base,
      links,
      { kind: 'continued', attempt: retry.previous.attempt, session: false, onto: continued.onto },
      step,
    );
  }

  /**
   * The next step of a trajectory takes over the tree the step before it landed from: the
   * same folder (the agent's session continues there), moved to the target's head on the
   * step's own branch. The step before's branch goes: its work is on the target.
   */
  async function continueStep(
    task: Task,
    attempt: number,
    from: TreeInfo,
    step: StepPlace,
  ): Promise<AttemptTree | string> {
    if (!existsSync(from.path)) return 'its worktree is gone';
    const on = await git(from.path, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
    if (on.exitCode !== 0 || on.stdout.trim() !== from.branch)
      return `its worktree is no longer on branch ${from.branch}`;
    // Landing committed everything the step left; anything here now is not the step's work.
    const left = await git(from.path, ['status', '--porcelain']);
    if (left.exitCode !== 0 || left.stdout.trim() !== '') return 'its worktree has changes that did not land';
    const branch = worktreeBranch(task.id, attempt);
    return admin.run(async () => {
      const head = await branchHead(repo.top, settings.target);
      if (head === undefined) throw new GitError(`the target branch ${settings.target} does not exist`);
      const moved = await git(from.path, ['checkout', '--quiet', '-B', branch, head]);
      if (moved.exitCode !== 0) return `git checkout failed: ${gitSaid(moved).split('\n')[0]}`;
      await git(repo.top, ['branch', '-D', from.branch]);
      return attemptTree(from.path, branch, head, madeLinks(from.path), undefined, step);
    });
  }

  /** A tree kept for a next step that did not take it over: gone, as landing would have removed it. */
  async function discard(tree: TreeInfo): Promise<void> {
    await admin.run(async () => {
      if (!existsSync(tree.path) || existsSync(`${tree.path}.failed`)) return;
      const on = await git(tree.path, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
      // Only a tree still on the branch that landed: if another attempt took it over, it is that attempt's.
      if (on.exitCode === 0 && on.stdout.trim() === tree.branch)
        await removeWorktree(repo.top, { path: tree.path, branch: tree.branch });
    });
  }

  return {
    async open(
      task: Task,
      attempt: number,
      signal?: AbortSignal,
      retry?: RetryRequest,
      step?: StepPlace,
    ): Promise<AttemptTree> {
      let stepWhy: string | undefined;
      if (step?.from && !retry) {
        const continued = await continueStep(task, attempt, step.from, step);
        if (typeof continued !== 'string') return { ...continued, step: { continued: true } };
        stepWhy = continued;
        await discard(step.from);
      }
      let cleanInstead: RetryBasis | undefined;
      if (retry?.from === 'previous-attempt') {
        const continued = await continuePrevious(task, attempt, retry, step);
        if (typeof continued !== 'string') return continued;
        cleanInstead = { kind: 'clean-instead', attempt: retry.previous.attempt, why: continued };
      }
      const fresh = await openFresh(task, attempt, signal);
      let basis = cleanInstead;
      if (retry?.from === 'previous-diff') {
        try {
          basis = await offerPreviousDiff(repo.top, fresh.path, fresh.base, retry);
        } catch (error) {
          if (!(error instanceof GitError)) throw error;
          basis = {
            kind: 'clean-instead',
            attempt: retry.previous.attempt,
            why: `its change could not be offered again: ${error.message}`,
          };
        }
      }
      return {
        ...attemptTree(fresh.path, fresh.branch, fresh.base, fresh.links, basis, step),
        step: stepWhy === undefined ? undefined : { continued: false, why: stepWhy },
      };
    },

    discard,

    resume: (held) => attemptTree(held.worktree, held.branch, held.base, madeLinks(held.worktree)),

    /** Trees no live attempt holds and no failure marked were left by a run that died: remove them. */
    async sweep(graph: Graph): Promise<WgWorktree[]> {
      const live = (tree: WgWorktree) => {
        const task = graph.tasks.get(tree.task);
        return task?.status === 'in-progress' && task.claim?.attempt === tree.attempt;
      };
      // A result held for review (or rejected, for its retry to continue) is not a dead run's leftover.
      const held = (tree: WgWorktree) => graph.tasks.get(tree.task)?.pending_result?.branch === tree.branch;
      return admin.run(() =>
        pruneWorktrees(repo.top, workgraphDir, (tree) => tree.failed === undefined && !live(tree) && !held(tree)),
      );
    },
  };
}
