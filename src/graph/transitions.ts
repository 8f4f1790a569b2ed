/**
 * One function per state transition. Each takes the transaction's graph, checks that
 * the move is allowed, and replaces the task record (never mutates it in place).
 */
import { AlreadyClaimedError, InvalidInputError, NotReadyError, TransitionError } from '../errors.js';
import { readiness, singleTaskIndex } from './deps.js';
import { claimedMessage } from './attempt-log.js';
import { checkLease, type Credentials } from './lease.js';
import { getTask, type Graph } from './model.js';
import type { ProcessIdentity } from './lease.js';
import type { AttemptCost, Claim, Landed, LogEntry, Task, TaskStatus, TokenUsage } from './schema.js';
import { UPSTREAM_STATUSES } from './types.js';

/** Who is acting, when, and with which lease credentials. */
export interface Caller {
  actor: string;
  now: Date;
  credentials?: Credentials | undefined;
  force?: boolean | undefined;
}

export function entry(by: Caller, message: string): LogEntry {
  return { timestamp: by.now.toISOString(), actor: by.actor, message };
}

export function withLog(task: Task, ...entries: LogEntry[]): Task {
  return { ...task, log: [...(task.log ?? []), ...entries] };
}

export function put(graph: Graph, task: Task): Task {
  graph.tasks.set(task.id, task);
  return task;
}

/** Check the lease, returning the log entries a forced override must leave behind. */
export function leaseEntries(task: Task, by: Caller): LogEntry[] {
  const check = checkLease(task, by.credentials, by.force ?? false);
  return check.kind === 'forced' ? [entry(by, check.note)] : [];
}

function leaseSummary(claim: Claim): string {
  return `already claimed by ${claim.actor} (since ${claim.since})`;
}

export interface ClaimRequest {
  tokenHash: string;
  process?: ProcessIdentity | undefined;
  /** When the lease lapses unless renewed (runners set it; a person's claim does not expire). */
  expires?: Date | undefined;
}

/** The claim fields a request adds beyond the lease itself. */
export function holderFields(request: ClaimRequest): Partial<Claim> {
  return { ...(request.process ?? {}), ...(request.expires ? { expires: request.expires.toISOString() } : {}) };
}

export function claimTask(graph: Graph, id: string, by: Caller, request: ClaimRequest): Task {
  const task = getTask(graph, id);
  if (task.status === 'in-progress')
    throw new AlreadyClaimedError(
      task.claim ? leaseSummary(task.claim) : `already in progress (assigned to ${task.assigned ?? 'nobody'})`,
    );
  const reservedForOther = task.claim?.trajectory !== undefined && task.claim.actor !== by.actor;
  if (reservedForOther)
    throw new AlreadyClaimedError(
      `reserved by ${task.claim!.actor} for trajectory ${task.claim!.trajectory} (since ${task.claim!.since})`,
    );
  if (task.status !== 'open')
    throw new NotReadyError(
      `cannot claim ${id}: status is ${task.status}`,
      task.status === 'failed'
        ? '`wg retry` reopens a failed task'
        : task.status === 'pending-validation'
          ? task.pending_result
            ? `its result waits for a review: \`wg approve ${id}\` or \`wg reject ${id} --reason TEXT\``
            : `pending-validation was set by the Rust wg, whose tools move it on; \`wg done\` or \`wg abandon\` settle it by hand`
          : task.status === 'waiting'
            ? `it waits on a person: \`wg answer ${id} "..."\` answers its question; \`wg done\` or \`wg abandon\` settle it by hand`
            : UPSTREAM_STATUSES.has(task.status)
              ? `${task.status} is a status of the Rust wg, whose tools move it on; \`wg done\` or \`wg abandon\` settle it by hand`
              : undefined,
    );
  const forcedPast: LogEntry[] = [];
  const ready = readiness(graph, singleTaskIndex(graph, id), { ...task, claim: undefined }, by.now);
  if (!ready.ready) {
    if (!by.force)
      throw new NotReadyError(`cannot claim ${id}: ${ready.reasons.join('; ')}`, 'use --force to claim it anyway');
    forcedPast.push(entry(by, `claimed with --force despite: ${ready.reasons.join('; ')}`));
  }
  const attempt = (task.attempts ?? 0) + 1;
  const claim: Claim = {
    attempt,
    actor: by.actor,
    token_hash: request.tokenHash,
    since: by.now.toISOString(),
    ...holderFields(request),
  };
  return put(
    graph,
    withLog(
      {
        ...task,
        status: 'in-progress',
        assigned: by.actor,
        started_at: by.now.toISOString(),
        attempts: attempt,
        claim,
      },
      ...forcedPast,
      entry(by, claimedMessage(by.actor, attempt)),
    ),
  );
}

/** Whether `claim` was made by the process `holder`: the same pid, in the same namespace, started at the same time, on the same host. */
export function heldBy(claim: Claim, holder: ProcessIdentity): boolean {
  return (
    claim.pid === holder.pid &&
    claim.host === holder.host &&
    claim.pid_start === holder.pid_start &&
    claim.pid_ns === holder.pid_ns
  );
}

/** Push back the expiry of every expiring lease `holder` holds; no log entry (a renewal is not news). Returns the tasks renewed. */
export function renewLeases(graph: Graph, holder: ProcessIdentity, expires: Date): string[] {
  const renewed: string[] = [];
  for (const task of graph.tasks.values()) {
    if (task.claim?.expires === undefined || !heldBy(task.claim, holder)) continue;
    put(graph, { ...task, claim: { ...task.claim, expires: expires.toISOString() } });
    renewed.push(task.id);
  }
  return renewed;
}

export function unclaimTask(graph: Graph, id: string, by: Caller, reason?: string): Task {
  const task = getTask(graph, id);
  if (task.status !== 'in-progress' && !task.claim)
    throw new TransitionError(`${id} is not claimed (status ${task.status})`);
  const forced = leaseEntries(task, by);
  const status: TaskStatus = task.status === 'in-progress' ? 'open' : task.status;
  return put(
    graph,
    withLog(
      { ...task, status, assigned: undefined, claim: undefined },
      ...forced,
      entry(by, reason ? `unclaimed: ${reason}` : 'unclaimed'),
    ),
  );
}

const FINISHED: ReadonlySet<TaskStatus> = new Set(['done', 'abandoned']);

/**
 * A summary is copied into every downstream prompt: a few paragraphs hand the work on,
 * more is a log or a file, which belong elsewhere. Longer ones are cut, and say so.
 */
export const MAX_SUMMARY_CHARS = 4_000;

export function capSummary(summary: string): string {
  const text = summary.trim();
  if (text.length <= MAX_SUMMARY_CHARS) return text;
  const note = ` … (cut to ${MAX_SUMMARY_CHARS.toLocaleString('en')} characters)`;
  return `${text.slice(0, MAX_SUMMARY_CHARS - note.length).trimEnd()}${note}`;
}

/** `summary`: the agent's account of the attempt that succeeded; a success without one clears an older one. */
export function completeTask(graph: Graph, id: string, by: Caller, summary?: string): Task {
  const task = getTask(graph, id);
  if (FINISHED.has(task.status)) throw new TransitionError(`${id} is already ${task.status}`);
  const forced = leaseEntries(task, by);
  const done: Task = {
    ...task,
    status: 'done',
    progress: 100,
    completed_at: by.now.toISOString(),
    claim: undefined,
    failure_reason: undefined,
    failure_output: undefined,
    summary: summary?.trim() ? capSummary(summary) : undefined,
  };
  return put(graph, withLog(done, ...forced, entry(by, 'done')));
}

/** The summary of the attempt that succeeded, for a task its agent marked done itself (`wg done`) before the runner could. */
export function recordSummary(graph: Graph, id: string, summary: string): Task {
  const task = getTask(graph, id);
  if (task.status !== 'done') throw new TransitionError(`${id} is ${task.status}: only a done task has a summary`);
  return put(graph, { ...task, summary: summary.trim() ? capSummary(summary) : undefined });
}

/**
 * `output`: what the failed check printed (its last lines), kept on the task for the retry's
 * prompt and written into the log entry below the reason; `source` says where all of it is.
 */
export function failTask(
  graph: Graph,
  id: string,
  by: Caller,
  reason: string,
  output?: { text: string; source: string },
): Task {
  const task = getTask(graph, id);
  if (FINISHED.has(task.status) || task.status === 'failed')
    throw new TransitionError(`${id} is already ${task.status}`);
  const forced = leaseEntries(task, by);
  const text = output?.text.trimEnd();
  const failed: Task = {
    ...task,
    status: 'failed',
    failure_reason: reason,
    failure_output: text || undefined,
    retry_count: (task.retry_count ?? 0) + 1,
    claim: undefined,
  };
  const detail = text ? `\n${output!.source}:\n${text}` : '';
  return put(graph, withLog(failed, ...forced, entry(by, `failed: ${reason}${detail}`)));
}

export function abandonTask(graph: Graph, id: string, by: Caller, reason: string): Task {
  const task = getTask(graph, id);
  if (FINISHED.has(task.status)) throw new TransitionError(`${id} is already ${task.status}`);
  const forced = leaseEntries(task, by);
  return put(
    graph,
    withLog(
      { ...task, status: 'abandoned', failure_reason: reason, claim: undefined },
      ...forced,
      entry(by, `abandoned: ${reason}`),
    ),
  );
}

/**
 * Reopen a failed task; `defaultMaxRetries` applies when the task sets none. `reset` starts
 * over: the retry count goes back to 0 and the failure is cleared, so the next prompt does
 * not present a stale failure as the one to fix (the log keeps it).
 */
export function retryTask(
  graph: Graph,
  id: string,
  by: Caller,
  defaultMaxRetries: number,
  options: { reset?: boolean } = {},
): Task {
  const task = getTask(graph, id);
  if (task.status !== 'failed') throw new TransitionError(`${id} is ${task.status}, only a failed task can be retried`);
  const limit = task.max_retries ?? defaultMaxRetries;
  const retries = task.retry_count ?? 0;
  const last = task.failure_reason ?? 'unknown';
  if (options.reset) {
    const reopened: Task = {
      ...task,
      status: 'open',
      assigned: undefined,
      claim: undefined,
      retry_count: 0,
      failure_reason: undefined,
      failure_output: undefined,
    };
    return put(
      graph,
      withLog(
        reopened,
        entry(by, `reopened with the retry count reset (was ${retries} of ${limit}; last failure: ${last})`),
      ),
    );
  }
  if (retries >= limit && !by.force) {
    throw new TransitionError(
      `${id} has failed ${retries} times (max_retries ${limit})`,
      `start the count over with \`wg retry ${id} --reset\`, raise it with \`wg edit ${id} --max-retries N\`, or use --force`,
    );
  }
  return put(
    graph,
    withLog(
      { ...task, status: 'open', assigned: undefined, claim: undefined },
      entry(by, `reopened for retry ${retries} of ${limit} (last failure: ${last})`),
    ),
  );
}

export function appendLog(graph: Graph, id: string, by: Caller, message: string): Task {
  const task = getTask(graph, id);
  if (message.trim() === '') throw new InvalidInputError('log message is empty');
  const forced = leaseEntries(task, by);
  return put(graph, withLog(task, ...forced, entry(by, message)));
}

export function setProgress(graph: Graph, id: string, by: Caller, percent: number, message?: string): Task {
  const task = getTask(graph, id);
  if (!Number.isFinite(percent) || percent < 0 || percent > 100)
    throw new InvalidInputError(`progress must be 0-100, got ${percent}`);
  const forced = leaseEntries(task, by);
  const text = message ? `progress ${percent}%: ${message}` : `progress ${percent}%`;
  return put(graph, withLog({ ...task, progress: percent }, ...forced, entry(by, text)));
}

export function addArtifact(graph: Graph, id: string, by: Caller, path: string): Task {
  const task = getTask(graph, id);
  const forced = leaseEntries(task, by);
  const artifacts = task.artifacts ?? [];
  if (artifacts.includes(path)) return forced.length > 0 ? put(graph, withLog(task, ...forced)) : task;
  return put(graph, withLog({ ...task, artifacts: [...artifacts, path] }, ...forced, entry(by, `artifact ${path}`)));
}

export function removeArtifact(graph: Graph, id: string, by: Caller, path: string): Task {
  const task = getTask(graph, id);
  const forced = leaseEntries(task, by);
  const artifacts = task.artifacts ?? [];
  if (!artifacts.includes(path)) throw new InvalidInputError(`${id} has no artifact ${path}`);
  return put(
    graph,
    withLog(
      { ...task, artifacts: artifacts.filter((a) => a !== path) },
      ...forced,
      entry(by, `artifact removed ${path}`),
    ),
  );
}

/**
 * Put a task whose attempt ended without a verdict (interrupted, or its runner died)
 * back to open. When the attempt counts, it uses up a retry; out of retries it fails.
 */
export function reopenTask(
  graph: Graph,
  id: string,
  by: Caller,
  reason: string,
  options: { countsAsAttempt: boolean; maxRetries: number },
): Task {
  const task = getTask(graph, id);
  if (task.status !== 'in-progress' && !task.claim)
    throw new TransitionError(`${id} is not running (status ${task.status})`);
  const forced = leaseEntries(task, by);
  const retries = (task.retry_count ?? 0) + (options.countsAsAttempt ? 1 : 0);
  const exhausted = options.countsAsAttempt && retries >= (task.max_retries ?? options.maxRetries);
  const status: TaskStatus = task.status !== 'in-progress' ? task.status : exhausted ? 'failed' : 'open';
  const note = status === 'failed' ? `${reason}; no retries left` : `${reason}; reopened`;
  return put(
    graph,
    withLog(
      {
        ...task,
        status,
        assigned: status === 'open' ? undefined : task.assigned,
        claim: undefined,
        failure_reason: reason,
        retry_count: retries,
      },
      ...forced,
      entry(by, note),
    ),
  );
}

/** Add what an agent spent to the task's running total. */
export function addTokenUsage(graph: Graph, id: string, usage: TokenUsage): Task {
  const task = getTask(graph, id);
  const total: TokenUsage = { ...(task.token_usage ?? {}) };
  for (const key of ['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'cost_usd'] as const) {
    const value = usage[key];
    if (value !== undefined)
      total[key] = key === 'cost_usd' ? Math.round(((total[key] ?? 0) + value) * 1e6) / 1e6 : (total[key] ?? 0) + value;
  }
  return put(graph, { ...task, token_usage: total });
}

/** Add what one attempt spent to the task's cost record (`wg cost` reads it). */
export function recordAttemptCost(graph: Graph, id: string, cost: AttemptCost): Task {
  const task = getTask(graph, id);
  return put(graph, {
    ...task,
    // An attempt's own cost and its review's are separate entries.
    costs: [
      ...(task.costs ?? []).filter(
        (entry) => entry.attempt !== cost.attempt || (entry.review === true) !== (cost.review === true),
      ),
      cost,
    ],
  });
}

/** Where the task's work landed (see `LandedSchema`), with a log line naming the commit. */
export function recordLanding(
  graph: Graph,
  id: string,
  by: Caller,
  landed: Pick<Landed, 'attempt' | 'target' | 'base' | 'commit'>,
): Task {
  const task = getTask(graph, id);
  const said =
    landed.commit === landed.base
      ? `attempt ${landed.attempt} changed nothing: ${landed.target} stays at ${landed.commit.slice(0, 12)}`
      : `landed ${landed.commit.slice(0, 12)} on ${landed.target} (attempt ${landed.attempt})`;
  return put(graph, withLog({ ...task, landed: { ...landed, at: by.now.toISOString() } }, entry(by, said)));
}

/** Note which process is doing the attempt, so a later runner can stop it if this runner dies. */
export function recordAgentProcess(
  graph: Graph,
  id: string,
  by: Caller,
  agent: { pid: number; start?: string | undefined; mark?: string | undefined },
): Task {
  const task = getTask(graph, id);
  checkLease(task, by.credentials, false);
  if (!task.claim) return task;
  const claim: Claim = { ...task.claim, agent_pid: agent.pid };
  if (agent.start !== undefined) claim.agent_start = agent.start;
  if (agent.mark !== undefined) claim.agent_mark = agent.mark;
  return put(graph, { ...task, claim });
}
