/**
 * The git half of a verdict on a result pending validation (graph/review.ts is the pure half):
 * landing an approved result through the same merge queue an attempt lands by (rebase onto
 * the target, check again when it moved, advance), and the diff lines a review comment points at.
 */
import { buildAgentEnv } from '../system/agent-env.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { parseDuration } from '../graph/duration.js';
import { getTask, type Graph } from '../graph/model.js';
import { approveResult, pendingOf, rejectResult, reopenUnlanded } from '../graph/review.js';
import type { PendingResult, Review, ReviewComment, Task } from '../graph/schema.js';
import type { Caller } from '../graph/transitions.js';
import { runDirectory } from '../runner/attempt/prepare.js';
import { reasonFor } from '../runner/attempt/record.js';
import { runVerify } from '../runner/attempt/verify.js';
import type { LandResult, Landing } from '../runner/isolation.js';
import { chooseIsolation } from './choose.js';
import { git, gitOk, gitSaid } from './git.js';
import { findRepo } from './repo.js';

/** How a verdict writes the graph: a store's `transact`, or a runner's GraphWriter `apply`. */
export type ApplyChange = <T>(change: (graph: Graph) => T) => Promise<T>;

/** Where a verdict is given: the project, and its settings. */
export interface VerdictPlace {
  root: string;
  workgraphDir: string;
  config: Config;
}

export type ApprovalResult =
  { kind: 'landed'; task: Task; landing: Landing | undefined } | { kind: 'not-landed'; task: Task; reason: string };

/**
 * Approve a pending result, whoever gives the verdict (`wg approve`, the llm reviewer): land
 * it through the merge queue, then mark the task done; a result that no longer lands reopens
 * the task with why.
 */
export async function approvePending(
  place: VerdictPlace,
  apply: ApplyChange,
  id: string,
  by: Caller,
  verdict: { reviewer: Review['reviewer']; comment?: string | undefined },
  signal: AbortSignal,
): Promise<ApprovalResult> {
  const task = await apply((graph) => getTask(graph, id));
  const pending = pendingOf(task);
  const landed = keptInGit(pending) ? await landApproved(place, task, pending, signal) : undefined;
  if (landed && landed.outcome.kind !== 'succeeded') {
    const outcome = landed.outcome;
    const reason = reasonFor(outcome, id);
    const reopened = await apply((graph) =>
      reopenUnlanded(graph, id, by, {
        reason,
        output: outcome.kind === 'verification-failed' ? outcome.output : undefined,
        defaultMaxRetries: place.config.defaults.max_retries,
      }),
    );
    return { kind: 'not-landed', task: reopened, reason };
  }
  const landing = landed?.landing;
  const done = await apply((graph) =>
    approveResult(graph, id, by, {
      reviewer: verdict.reviewer,
      comment: verdict.comment,
      landed: landing && { attempt: pending.attempt, ...landing },
    }),
  );
  return { kind: 'landed', task: done, landing };
}

/**
 * Reject a pending result, whoever gives the verdict (`wg reject`, the llm reviewer): each
 * comment gets the diff lines it points at, and the task reopens for a retry that reads them.
 */
export async function rejectPending(
  place: VerdictPlace,
  apply: ApplyChange,
  id: string,
  by: Caller,
  verdict: { reviewer: Review['reviewer']; reason: string; comments: ReviewComment[] },
): Promise<Task> {
  const pending = pendingOf(await apply((graph) => getTask(graph, id)));
  let comments = verdict.comments;
  if (comments.length > 0 && keptInGit(pending)) {
    const repo = await findRepo(place.root);
    if (!('none' in repo)) comments = await attachDiffLines(repo.top, pending, comments);
  }
  return apply((graph) =>
    rejectResult(graph, id, by, {
      reviewer: verdict.reviewer,
      reason: verdict.reason,
      comments,
      defaultMaxRetries: place.config.defaults.max_retries,
    }),
  );
}

/** A re-verify that runs longer than this (when the task sets no timeout) is stopped and counts as failed. */
const REVERIFY_TIMEOUT_MS = 10 * 60_000;

/** The parts of a pending result that live in git: it ran in a worktree. */
type KeptResult = PendingResult & { branch: string; base: string; head: string };

export function keptInGit(pending: PendingResult): pending is KeptResult {
  return pending.branch !== undefined && pending.base !== undefined && pending.head !== undefined;
}

/**
 * Land an approved result: its kept worktree (made again from its branch if it was removed)
 * is rebased onto the target and checked again if the target moved, then the target advances.
 * The outcome says why it did not land (a conflict, a failing check).
 */
export async function landApproved(
  place: { root: string; workgraphDir: string; config: Config },
  task: Task,
  pending: KeptResult,
  signal: AbortSignal,
): Promise<LandResult> {
  const worktree = pending.worktree ?? join(place.workgraphDir, 'worktrees', task.id, String(pending.attempt));
  const isolation = await chooseIsolation(place.root, place.workgraphDir, place.config, {
    mode: 'worktree',
    target: pending.target,
    dryRun: false,
  });
  if (!isolation.isolation?.resume) throw new InvalidInputError(`${task.id}'s result cannot be landed here`);
  if (!existsSync(worktree)) await restoreTree(place.root, worktree, pending.branch);
  const tree = isolation.isolation.resume({ worktree, branch: pending.branch, base: pending.base });
  const reverify = () =>
    runVerify(
      task.verify!,
      // The allowlist an agent's check gets: the code being checked is the agent's.
      {
        workdir: join(tree.root, task.working_dir ?? '.'),
        env: buildAgentEnv({
          parent: process.env,
          program: [],
          pass: [...place.config.run.env_pass, ...(task.env_pass ?? [])],
        }).env,
      },
      runDirectory(place.workgraphDir, task.id, pending.attempt),
      {
        timeoutMs: task.timeout ? parseDuration(task.timeout) : REVERIFY_TIMEOUT_MS,
        graceMs: parseDuration(place.config.run.grace),
        signal,
        secrets: [],
      },
    );
  return tree.land(task, reverify);
}

/** The worktree was removed (by hand, `git worktree prune`): check its branch out there again. */
async function restoreTree(root: string, path: string, branch: string): Promise<void> {
  const added = await git(root, ['worktree', 'add', '--quiet', path, branch]);
  if (added.exitCode !== 0)
    throw new NotFoundError(
      `the result's worktree ${path} is gone and its branch ${branch} cannot be checked out again: ${gitSaid(added).split('\n')[0]}`,
    );
}

/** Lines of context shown around the line a comment points at. */
const AROUND = 3;

/**
 * Each comment with the lines of the result's diff it points at (`line` counts in the new
 * version of the file): the changed lines near it, with a hunk header. A line the change did
 * not touch gets none.
 */
export async function attachDiffLines(
  top: string,
  pending: KeptResult,
  comments: readonly ReviewComment[],
): Promise<ReviewComment[]> {
  const out: ReviewComment[] = [];
  for (const comment of comments) {
    const patch = await gitOk(top, [
      'diff',
      '--no-ext-diff',
      '--no-color',
      '-U3',
      pending.base,
      pending.head,
      '--',
      comment.path,
    ]);
    const lines = linesAround(patch, comment.line);
    out.push(lines ? { ...comment, diff: lines } : comment);
  }
  return out;
}

/** From a one-file patch: the hunk lines within AROUND of new line `line`, under their hunk header. */
export function linesAround(patch: string, line: number): string | undefined {
  let newLine = 0;
  let header: string | undefined;
  const picked: string[] = [];
  for (const text of patch.split('\n')) {
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (hunk) {
      if (picked.length > 0) break;
      newLine = Number(hunk[1]);
      header = text;
      continue;
    }
    if (header === undefined || text.startsWith('\\')) continue;
    // A removed line has no new number: it sits just before the new line that follows it.
    const removed = text.startsWith('-');
    if (Math.abs(newLine - line) <= AROUND) picked.push(text);
    if (!removed) newLine++;
  }
  return picked.length > 0 && header !== undefined ? `${header}\n${picked.join('\n')}` : undefined;
}
