/**
 * What a retry asks of its tree and its agent: the runner's half of "retries that start
 * from what was learned" (the table is runner/outcome.ts `retryFrom`; the git work is
 * worktree/retry-start.ts). Only retries within one `wg run` continue: the previous
 * attempt's tree and session are what this run saw end.
 */
import type { Graph } from '../graph/model.js';
import type { Task } from '../graph/schema.js';
import type { RetryBasis } from '../prompt/types.js';
import type { RetryRequest, TreeInfo } from './isolation.js';
import { retryFrom, type Outcome, type RetryFromSetting } from './outcome.js';

/** The attempt a retry follows, as the runner saw it end. */
export interface PreviousAttempt {
  attempt: number;
  outcome: Outcome;
  /** Its worktree (undefined when it ran in place or never got one). */
  tree: TreeInfo | undefined;
  /** Its agent's session, when the backend reported one. */
  sessionId: string | undefined;
  backend: string | undefined;
  /** A reviewer rejected its result: the retry continues that work (unless `retry_from = "clean"`). */
  rejected?: true;
}

/**
 * The rejected result a task's next attempt continues from, as recorded on the task (the
 * verdict came from another process, `wg reject`): its kept worktree, branch and session.
 */
export function rejectedAttempt(task: Task): PreviousAttempt | undefined {
  const pending = task.pending_result;
  if (task.review?.verdict !== 'reject' || !pending || task.review.attempt !== pending.attempt) return undefined;
  if (!pending.worktree || !pending.branch || !pending.base) return undefined;
  return {
    attempt: pending.attempt,
    outcome: { kind: 'succeeded' },
    tree: { path: pending.worktree, branch: pending.branch, target: pending.target ?? '', base: pending.base },
    sessionId: pending.session,
    backend: pending.backend,
    rejected: true,
  };
}

/** What the retry's tree should start from; undefined: clean, as a first attempt. */
export function retryRequest(
  graph: Graph,
  task: Task,
  previous: PreviousAttempt | undefined,
  setting: RetryFromSetting,
): RetryRequest | undefined {
  if (!previous?.tree) return undefined;
  const from = previous.rejected
    ? setting === 'clean'
      ? 'clean'
      : 'previous-attempt'
    : retryFrom(previous.outcome, setting);
  if (from === 'clean') return undefined;
  const landings = [...graph.tasks.values()]
    .filter((other) => other.id !== task.id && other.landed !== undefined)
    .map((other) => ({ id: other.id, title: other.title, landed: other.landed! }));
  return { from, previous: { attempt: previous.attempt, outcome: previous.outcome, tree: previous.tree }, landings };
}

/** The session to continue: the previous attempt's, when its work is continued on the same backend and that backend can. */
export function sessionToContinue(
  basis: RetryBasis | undefined,
  previous: PreviousAttempt | undefined,
  backend: { name: string; continuesSessions: boolean } | undefined,
): string | undefined {
  if (basis?.kind !== 'continued' || !previous?.sessionId || !backend?.continuesSessions) return undefined;
  return previous.backend === backend.name ? previous.sessionId : undefined;
}

/** The task log's line about what the retry started from. */
export function describeStart(basis: RetryBasis, tree: TreeInfo | undefined, backend: string | undefined): string {
  switch (basis.kind) {
    case 'continued': {
      const onto = basis.onto ? `, brought onto ${tree?.target ?? 'the target'} at ${basis.onto.slice(0, 12)}` : '';
      const session = basis.session ? ` and its ${backend} session` : ' (in a new agent session)';
      return `retry continues attempt ${basis.attempt}'s work in its worktree${tree ? ` ${tree.path}, now on branch ${tree.branch}` : ''}${onto}${session}`;
    }
    case 'clean-instead':
      return `retry starts clean: attempt ${basis.attempt}'s work could not be continued (${basis.why})`;
    case 'offered-diff': {
      const applied = basis.applied.length > 0 ? ` applied to ${basis.applied.join(', ')}` : ' applied to no file';
      const left = basis.notApplied.length > 0 ? `; not applied to ${basis.notApplied.join(', ')}` : '';
      const met = [...new Set(basis.clashes.flatMap((clash) => clash.tasks.map((other) => other.id)))];
      return `retry starts from ${tree?.target ?? 'the target'}'s head with attempt ${basis.attempt}'s change${applied}${left}${met.length > 0 ? `; the conflict was with the landed work of ${met.join(', ')}` : ''}`;
    }
  }
}
