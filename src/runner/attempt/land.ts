/**
 * Bring a successful attempt's work onto the target (isolation.ts: a merge queue in git, or
 * nothing to do in place), or keep the tree of one that did not succeed, for inspection.
 */
import { WgError } from '../../errors.js';
import type { Task } from '../../graph/schema.js';
import type { AttemptTree, HeldResult, LandResult } from '../isolation.js';
import type { Outcome } from '../outcome.js';

/** `check` runs the task's check again, when landing met newer work on the target. */
export async function land(
  tree: AttemptTree,
  task: Task,
  outcome: Outcome,
  check: () => Promise<Outcome>,
): Promise<LandResult> {
  // Only work that succeeded lands; a failed attempt's tree is kept for inspection.
  const landed = outcome.kind === 'succeeded' ? await landOrFail(tree, task, check) : { outcome };
  if (landed.outcome.kind !== 'succeeded') await tree.keep(landed.outcome);
  return landed;
}

/** A git failure while landing fails the attempt (not retried: it is wg's, not the agent's) instead of the run. */
async function landOrFail(tree: AttemptTree, task: Task, check: () => Promise<Outcome>): Promise<LandResult> {
  try {
    return await tree.land(task, check);
  } catch (error) {
    if (!(error instanceof WgError)) throw error;
    return {
      outcome: {
        kind: 'landing-failed',
        taskId: task.id,
        message: error.message,
        worktree: tree.info?.path,
        branch: tree.info?.branch,
      },
    };
  }
}

/**
 * A success on a task that needs review: its work is committed on its branch and its tree kept,
 * unlanded, for `wg diff` and the verdict. A git failure fails the attempt, as in landing.
 */
export async function hold(tree: AttemptTree, task: Task): Promise<{ result: HeldResult | undefined } | LandResult> {
  try {
    return { result: await tree.hold(task) };
  } catch (error) {
    if (!(error instanceof WgError)) throw error;
    const outcome: LandResult['outcome'] = {
      kind: 'landing-failed',
      taskId: task.id,
      message: error.message,
      worktree: tree.info?.path,
      branch: tree.info?.branch,
    };
    await tree.keep(outcome);
    return { outcome };
  }
}
