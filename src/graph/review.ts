/**
 * Review before landing: a successful attempt's result waits in `pending-validation` until a
 * person (`external`) or a reviewer agent (`llm`) approves or rejects it. One function per
 * transition, as in transitions.ts; the landing itself (git) is the caller's.
 */
import { InvalidInputError, TransitionError } from '../errors.js';
import { getTask, type Graph } from './model.js';
import type { Landed, PendingResult, Review, ReviewComment, Task, TaskStatus } from './schema.js';
import { capSummary, entry, leaseEntries, put, withLog, type Caller } from './transitions.js';
import type { ValidationMode } from './types.js';

/** Whether a result of this task lands only after a verdict. */
export function needsReview(task: Task, defaultMode: ValidationMode): boolean {
  const mode = task.validation ?? defaultMode;
  return mode === 'external' || mode === 'llm';
}

/** The one command that settles a pending result, for logs, `wg inbox` and notifications. */
export function reviewCommand(id: string): string {
  return `wg diff ${id}, then wg approve ${id} or wg reject ${id} --reason TEXT`;
}

/** An attempt succeeded on a task that needs review: keep its result unlanded and wait for the verdict. */
export function awaitValidation(
  graph: Graph,
  id: string,
  by: Caller,
  pending: Pick<PendingResult, 'attempt' | 'branch' | 'base' | 'head' | 'target' | 'worktree' | 'session' | 'backend'>,
  options: { mode: ValidationMode; summary?: string | undefined },
): Task {
  const task = getTask(graph, id);
  if (task.status !== 'in-progress') throw new TransitionError(`${id} is ${task.status}, not in progress`);
  const forced = leaseEntries(task, by);
  const waiting: Task = {
    ...task,
    status: 'pending-validation',
    progress: 100,
    claim: undefined,
    failure_reason: undefined,
    failure_output: undefined,
    summary: options.summary?.trim() ? capSummary(options.summary) : undefined,
    pending_result: { ...pending, since: by.now.toISOString() },
  };
  const who = options.mode === 'llm' ? 'a reviewer agent' : 'a person';
  const said = `attempt ${pending.attempt} succeeded; its result waits for ${who} to review it (${reviewCommand(id)})`;
  return put(graph, withLog(waiting, ...forced, entry(by, said)));
}

/** The task's result pending validation; a TransitionError when there is none to approve or reject. */
export function pendingOf(task: Task): PendingResult {
  if (task.status !== 'pending-validation' || !task.pending_result)
    throw new TransitionError(
      `${task.id} is ${task.status}: only a result pending validation can be approved or rejected`,
      task.status === 'failed' ? `\`wg retry ${task.id}\` reopens a failed task` : undefined,
    );
  return task.pending_result;
}

export interface Approval {
  reviewer: Review['reviewer'];
  comment?: string | undefined;
  /** Where the approved result landed (the caller rebased and landed it); undefined: it ran in place, nothing to land. */
  landed: Pick<Landed, 'attempt' | 'target' | 'base' | 'commit'> | undefined;
}

/** The approved result landed: the task is done. */
export function approveResult(graph: Graph, id: string, by: Caller, approval: Approval): Task {
  const task = getTask(graph, id);
  const pending = pendingOf(task);
  const review: Review = {
    verdict: 'approve',
    attempt: pending.attempt,
    by: by.actor,
    reviewer: approval.reviewer,
    at: by.now.toISOString(),
    ...(approval.comment ? { comment: approval.comment } : {}),
  };
  const done: Task = {
    ...task,
    status: 'done',
    completed_at: by.now.toISOString(),
    pending_result: undefined,
    review,
    ...(approval.landed ? { landed: { ...approval.landed, at: by.now.toISOString() } } : {}),
  };
  const comment = approval.comment ? `: ${approval.comment}` : '';
  const where = approval.landed
    ? `; landed ${approval.landed.commit.slice(0, 12)} on ${approval.landed.target}`
    : ' (it ran in place: nothing to land)';
  return put(graph, withLog(done, entry(by, `approved attempt ${pending.attempt}${comment}${where}`)));
}

export interface Rejection {
  reviewer: Review['reviewer'];
  reason: string;
  comments?: ReviewComment[] | undefined;
  /** The task's max_retries when it sets none (rejections count toward it). */
  defaultMaxRetries: number;
}

/**
 * Reopen the task with the verdict for its next attempt's prompt. A rejection uses up a retry
 * (upstream: a task fails after `max_rejections`); out of them, the task fails. The rejected
 * result stays in `pending_result`, for the retry to start from.
 */
export function rejectResult(graph: Graph, id: string, by: Caller, rejection: Rejection): Task {
  const task = getTask(graph, id);
  const pending = pendingOf(task);
  const reason = rejection.reason.trim();
  if (!reason) throw new InvalidInputError('a rejection needs a reason (--reason TEXT): the next attempt reads it');
  const rejections = (task.rejection_count ?? 0) + 1;
  const retries = (task.retry_count ?? 0) + 1;
  const retryLimit = task.max_retries ?? rejection.defaultMaxRetries;
  const exhausted = task.max_rejections !== undefined ? rejections >= task.max_rejections : retries >= retryLimit;
  const status: TaskStatus = exhausted ? 'failed' : 'open';
  const comments = rejection.comments ?? [];
  const review: Review = {
    verdict: 'reject',
    attempt: pending.attempt,
    by: by.actor,
    reviewer: rejection.reviewer,
    at: by.now.toISOString(),
    reason,
    ...(comments.length > 0 ? { comments } : {}),
  };
  const reopened: Task = {
    ...task,
    status,
    assigned: undefined,
    claim: undefined,
    rejection_count: rejections,
    retry_count: retries,
    failure_reason: `rejected: ${reason}`,
    failure_output: undefined,
    review,
  };
  const withComments =
    comments.length > 0 ? ` (${comments.length} line comment${comments.length === 1 ? '' : 's'})` : '';
  const next = exhausted ? '; no retries left' : '; reopened';
  return put(
    graph,
    withLog(reopened, entry(by, `rejected attempt ${pending.attempt}: ${reason}${withComments}${next}`)),
  );
}

/** `path:line: text`, as `wg reject --comment` takes it. */
export function parseReviewComment(text: string): ReviewComment {
  const match = /^(?<path>[^:\s][^:]*):(?<line>[1-9]\d*):\s*(?<body>\S[\s\S]*)$/.exec(text.trim());
  if (!match?.groups) throw new InvalidInputError(`a comment is "path:line: text", not ${JSON.stringify(text)}`);
  return { path: match.groups.path!, line: Number(match.groups.line), text: match.groups.body!.trim() };
}

/**
 * An approved result that could not land (a conflict with the target, or its check failing on
 * the target's newer head): the task reopens with why, counting an attempt, as a failed landing
 * in a run would. The result stays in `pending_result` for the retry to start from.
 */
export function reopenUnlanded(
  graph: Graph,
  id: string,
  by: Caller,
  failure: { reason: string; output?: string | undefined; defaultMaxRetries: number },
): Task {
  const task = getTask(graph, id);
  const pending = pendingOf(task);
  const retries = (task.retry_count ?? 0) + 1;
  const exhausted = retries >= (task.max_retries ?? failure.defaultMaxRetries);
  const reopened: Task = {
    ...task,
    status: exhausted ? 'failed' : 'open',
    assigned: undefined,
    claim: undefined,
    retry_count: retries,
    failure_reason: failure.reason,
    failure_output: failure.output?.trim() ? failure.output : undefined,
  };
  const next = exhausted ? '; no retries left' : '; reopened';
  return put(
    graph,
    withLog(
      reopened,
      entry(by, `approved attempt ${pending.attempt}, but it could not land: ${failure.reason}${next}`),
    ),
  );
}
