/**
 * `wg run`: plan, claim and execute until nothing is runnable or running. What starts
 * next is the Scheduler's (scheduler.ts, shared with the dry run); the runner claims
 * each job it picks, runs it through a p-queue, and plans again whenever a job ends.
 */
import PQueue from 'p-queue';
import { AlreadyClaimedError, NotReadyError, StaleAttemptError, TransitionError } from '../errors.js';
import { dependencyIndex, unsatisfiedBlockers } from '../graph/deps.js';
import { hashToken, newToken } from '../graph/lease.js';
import { getTask, type Graph } from '../graph/model.js';
import { BudgetLedger, dayBudgetLeft, type BudgetSummary, type Job, type Spending } from './budget.js';
import type { Actor, Task, TaskStatus } from '../graph/schema.js';
import { UPSTREAM_STATUSES } from '../graph/types.js';
import { planTrajectory } from '../graph/trajectory.js';
import { releaseReservations, reserveTrajectory } from '../graph/trajectory-reserve.js';
import { awaitPerson } from '../graph/questions.js';
import {
  appendLog,
  claimTask,
  heldBy,
  renewLeases,
  retryTask,
  type Caller,
  type ClaimRequest,
} from '../graph/transitions.js';
import type { RunSettings } from '../config/run-settings.js';
import type { GraphStore, WorkspaceStore } from '../store/store.js';
import { currentProcess, type ProcessIdentity } from '../system/process.js';
import { runAttempt, type AttemptContext, type Verdict } from './attempt.js';
import type { Reporter } from './events.js';
import { GraphWriter } from './graph-writer.js';
import { describeOutcome, isRetryable } from './outcome.js';
import type { PreviousAttempt } from './retry-start.js';
import { inPlace, type Isolation, type TreeInfo } from './isolation.js';
import type { LaunchOptions } from './prepare.js';
import { nextExpiry, orphanedLeases, recoverOrphans, stopOrphanedAgents, type Recovered } from './recovery.js';
import { runScope, Scheduler, stepsPerJob } from './scheduler.js';

/** The run's settings, resolved (flags over config.toml over defaults: config/run-settings.ts), and what to run. */
export interface RunOptions extends RunSettings {
  /** `wg run <task>`: only this task (and, with `trajectory`, its trajectory); undefined: the whole graph. */
  only: string | undefined;
  trajectory: boolean;
  /** `--actor`: run as this actor only; undefined: any. */
  actor: string | undefined;
  failFast: boolean;
  /** When only results pending review are left: wait for their verdicts (true), or end the run (`--no-wait`). */
  waitForReviews: boolean;
  /** Gives the verdict on a result held for an `llm` review (src/review/llm.ts); unset: such results wait for a person. */
  llmReview?: LlmReviewer | undefined;
}

/** The reviewer agent, given by `wg run`: reviews `taskId`'s pending result, writing through `apply`, and applies its verdict. */
export type LlmReviewer = (
  taskId: string,
  apply: <T>(change: (graph: Graph) => T) => Promise<T>,
  signal: AbortSignal,
) => Promise<{ status: TaskStatus; costUsd: number; backend: string; model: string | undefined }>;

/** Also what this run's attempts spent, as their usage reports said (see `wg cost`), in all and by backend and model. */
export interface RunSummary extends Spending {
  done: string[];
  /** Tasks in scope that became done during this run, but not by this runner (another runner's, or a person's `wg done`). */
  doneElsewhere: string[];
  failed: Array<{ id: string; reason: string }>;
  blocked: Array<{ id: string; waitingFor: string[] }>;
  unassignable: Array<{ id: string; reasons: string[] }>;
  open: string[];
  /** Tasks in one of upstream's newer statuses (pending-eval, waiting, …), which only upstream's tools move on. */
  held: Array<{ id: string; status: string }>;
  /** Results waiting for `wg approve` / `wg reject`, each with the tasks in scope that wait on it. */
  pendingValidation: Array<{ id: string; waitedOnBy: string[] }>;
  /** Tasks that wait on a person (status `waiting`): what for, and the command that moves them on. */
  waiting: Array<{ id: string; for: string; next: string }>;
  recovered: Recovered[];
  interrupted: boolean;
  /** Tasks this run stopped and reopened: a running attempt (Ctrl-C, --fail-fast; no attempt counted), or a retry Ctrl-C cut short. */
  reopened: string[];
  writeFailure?: string | undefined;
  budget?: BudgetSummary | undefined;
  elapsedMs: number;
  /** 0 only if every task in scope is done (or abandoned). */
  exitCode: number;
}

/** `wg run`'s exit code when everything it could do is done and the rest waits only for verdicts (`--no-wait`). */
export const EXIT_AWAITING_REVIEW = 3;

/** Results in scope that wait for `wg approve` / `wg reject` (a pending-validation the Rust wg set has none). */
function awaitingReview(graph: Graph, scope: Set<string> | undefined): Task[] {
  return [...graph.tasks.values()].filter(
    (task) =>
      (!scope || scope.has(task.id)) && task.status === 'pending-validation' && task.pending_result !== undefined,
  );
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/** What one job carries from a step to the next. */
interface StepWalk {
  previous: string | undefined;
  resumeSession: string | undefined;
  handOver: TreeInfo | undefined;
  previousWorkdir: string | undefined;
}

export class Runner {
  private readonly writer: GraphWriter;
  /** What starts next: the policy, shared with the dry run; the runner keeps the loop, the claims and the I/O. */
  private scheduler: Scheduler;
  private readonly process: ProcessIdentity = currentProcess();
  private readonly queue: PQueue;
  private readonly done = new Set<string>();
  /** Done before this run began: whatever else becomes done was finished by someone else. */
  private readonly doneAtStart = new Set<string>();
  private readonly projectedDone = new Set<string>();
  private readonly unassignable = new Map<string, string[]>();
  private readonly stop = new AbortController();
  private readonly signal: AbortSignal;
  private scope: Set<string> | undefined;
  private readonly ledger: BudgetLedger;
  private readonly pauseTimers: NodeJS.Timeout[] = [];
  /** Whether the last plan left ready work waiting for a paused backend. */
  private heldByPause = false;
  private budgetWarned = false;
  private wake: (() => void) | undefined;
  private readonly recovered: Recovered[] = [];
  private readonly reopened = new Set<string>();
  /** Set while the run has nothing to do but wait for tasks other runners hold. */
  private waitingOnOthers = false;
  private stopWatching: (() => Promise<void>) | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private reportedWaiting = false;
  private reportedReviews = false;

  constructor(
    private readonly store: GraphStore & Partial<Pick<WorkspaceStore, 'watch'>>,
    private readonly launch: LaunchOptions,
    private readonly options: RunOptions,
    private readonly reporter: Reporter,
    private readonly interrupt: AbortSignal,
    private readonly isolation: Isolation = inPlace(launch.root),
  ) {
    this.writer = new GraphWriter(store);
    this.queue = new PQueue({ concurrency: options.parallel });
    this.signal = AbortSignal.any([interrupt, this.stop.signal]);
    this.ledger = new BudgetLedger(options.budgetUsd, options.expectedCostUsd, options.budgetWarnPercent);
    this.scheduler = this.newScheduler();
  }

  private newScheduler(): Scheduler {
    const { actor, contextLimit, order } = this.options;
    const settings = {
      scope: this.scope,
      actor,
      contextLimit,
      order,
      maxSteps: stepsPerJob(this.options),
      backend: this.launch.backend,
      config: this.launch.config,
    };
    return new Scheduler(settings, this.ledger);
  }

  /** What a claim by this runner records: its token's hash, this process, and when the lease lapses unless renewed. */
  private claimRequest(token: string): ClaimRequest {
    return {
      tokenHash: hashToken(token),
      process: this.process,
      expires: new Date(Date.now() + this.options.leaseTtlMs),
    };
  }

  /**
   * Push back the expiry of every lease this runner holds (one transaction, only when it
   * holds any), and take over the leases of other runners that lapsed meanwhile: a busy
   * runner should not leave a dead runner's task (perhaps on the critical path) until it
   * runs out of work of its own.
   */
  private async renewLeases(): Promise<void> {
    try {
      const graph = await this.writer.snapshot();
      const holds = [...graph.tasks.values()].some(
        (task) => task.claim?.expires !== undefined && heldBy(task.claim, this.process),
      );
      if (holds)
        await this.writer.apply((draft) =>
          renewLeases(draft, this.process, new Date(Date.now() + this.options.leaseTtlMs)),
        );
      if (!this.signal.aborted && (await this.recover(await this.store.load()))) this.wake?.();
    } catch (error) {
      // A store that can no longer be read or written ends the run, as any failed write does.
      this.writer.failure ??= error;
      this.stop.abort();
    }
  }

  private attemptContext(): AttemptContext {
    return {
      launch: this.launch,
      isolation: this.isolation,
      writer: this.writer,
      reporter: this.reporter,
      load: () => this.writer.snapshot(),
      signal: this.signal,
      graceMs: this.options.graceMs,
      stallMs: this.options.stallMs,
      defaultTimeoutMs: this.options.timeoutMs,
      defaultMaxRetries: this.options.maxRetries,
      defaultValidation: this.options.validation,
    };
  }

  async run(): Promise<RunSummary> {
    const started = Date.now();
    const atStart = await this.store.load();
    // Spend of every run in the last 24 hours, from the store: throws (nothing started) when the day's budget is spent.
    if (this.options.budgetUsdPerDay !== undefined) {
      const day = dayBudgetLeft(atStart, this.options.budgetUsdPerDay, new Date());
      this.ledger.limitToDay(this.options.budgetUsdPerDay, day.spentUsd);
    }
    for (const task of atStart.tasks.values()) if (task.status === 'done') this.doneAtStart.add(task.id);
    await this.recover(atStart);
    // Worktrees of attempts that died with their runner hold nothing that will land.
    await this.isolation.sweep?.(await this.writer.snapshot());
    if (this.options.only) {
      this.scope = runScope(await this.store.load(), this.options.only, this.options, new Date());
      this.scheduler = this.newScheduler();
    }
    const wakeOnAbort = () => this.wake?.();
    this.signal.addEventListener('abort', wakeOnAbort);
    const renewal = setInterval(() => void this.renewLeases(), this.options.leaseTtlMs / 3);
    try {
      for (;;) {
        const stopping = () => this.signal.aborted || this.writer.failure !== undefined;
        const busyWhenPlanned = this.queue.size + this.queue.pending;
        if (!stopping()) await this.plan();
        const idle = this.queue.size + this.queue.pending === 0 && this.projectedDone.size === 0;
        // A job ended while that plan was made (it saw the job's slot taken): plan again before calling the run finished.
        if (idle && busyWhenPlanned > 0 && !stopping()) continue;
        // Ready work held back by a paused backend is waited for: the pause ends by itself.
        if (idle && (!this.heldByPause || this.signal.aborted || this.writer.failure)) {
          const next = this.signal.aborted || this.writer.failure ? 'finished' : await this.othersHoldWork();
          if (next === 'finished') break;
          if (next === 'plan-again') continue;
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
        if (this.waitingOnOthers) {
          this.waitingOnOthers = false;
          clearTimeout(this.expiryTimer);
          await this.writer.refresh();
        }
      }
    } finally {
      clearInterval(renewal);
      clearTimeout(this.expiryTimer);
      this.signal.removeEventListener('abort', wakeOnAbort);
      await this.stopWatching?.().catch(() => undefined);
    }
    for (const timer of this.pauseTimers) clearTimeout(timer);
    await this.writer.drain().catch(() => undefined);
    // What is held in a faster form (the file store's journal) is on disk already; this makes the main
    // form whole. If it cannot, that is a failed write like any other (the journal keeps every change).
    await this.store.settle?.().catch((error: unknown) => {
      this.writer.failure ??= error;
    });
    return this.summarize(this.recovered, started);
  }

  /** Take back the leases of runners that died or stopped renewing; true if any was. */
  private async recover(graph: Graph): Promise<boolean> {
    const orphans = orphanedLeases(graph, new Date(), this.process);
    if (orphans.length === 0) return false;
    await stopOrphanedAgents(orphans, this.options.graceMs);
    const recovered = await this.writer.apply((draft) =>
      recoverOrphans(
        draft,
        orphans.map((task) => task.id),
        { actor: this.options.actor ?? 'runner', now: new Date() },
        this.options.maxRetries,
        this.process,
      ),
    );
    for (const item of recovered)
      this.reporter.event({ type: 'recovered', task: item.task, reason: item.reason, status: item.status });
    this.recovered.push(...recovered);
    return recovered.length > 0;
  }

  /**
   * Nothing left to run here: is the rest of the scope held by other runners? Then wait,
   * woken by the store's change notifications (another runner finishing frees its
   * dependents) or by the soonest lease expiry, and take over whatever expired.
   */
  private async othersHoldWork(): Promise<'finished' | 'plan-again' | 'wait'> {
    const graph = await this.writer.refresh();
    if (await this.recover(graph)) return 'plan-again';
    const held = [...graph.tasks.values()].filter(
      (task) =>
        (!this.scope || this.scope.has(task.id)) &&
        task.claim?.expires !== undefined &&
        !heldBy(task.claim, this.process) &&
        task.status !== 'done' &&
        task.status !== 'abandoned',
    );
    // Results waiting for a verdict: a person's `wg approve` (or `wg reject`) wakes the run through the store.
    const reviews = this.options.waitForReviews ? awaitingReview(graph, this.scope) : [];
    if ((held.length === 0 && reviews.length === 0) || !this.store.watch) return 'finished';
    if (!this.stopWatching) {
      this.stopWatching = await this.store.watch(() => {
        if (this.waitingOnOthers) this.wake?.();
      });
      // A change that landed before the watch began would otherwise go unnoticed.
      return 'plan-again';
    }
    const expiry = nextExpiry(graph, this.process);
    if (expiry !== undefined)
      this.expiryTimer = setTimeout(() => this.wake?.(), Math.max(0, expiry - Date.now()) + 100);
    if (held.length === 0 && !this.reportedReviews) {
      this.reportedReviews = true;
      this.reporter.event({
        type: 'notice',
        message: `waiting for the review of ${reviews.length} result(s): ${reviews
          .slice(0, 5)
          .map((task) => task.id)
          .join(
            ', ',
          )}${reviews.length > 5 ? ', ...' : ''} (wg diff ID, then wg approve ID or wg reject ID --reason TEXT; wg run --no-wait does not wait)`,
      });
    }
    if (held.length > 0 && !this.reportedWaiting) {
      this.reportedWaiting = true;
      this.reporter.event({
        type: 'notice',
        message: `waiting for ${held.length} task(s) other runners hold: ${held
          .slice(0, 5)
          .map((task) => `${task.id} (${task.claim!.actor})`)
          .join(', ')}${held.length > 5 ? ', ...' : ''}`,
      });
    }
    this.waitingOnOthers = true;
    return 'wait';
  }

  private async plan(): Promise<void> {
    const graph = await this.writer.snapshot();
    const free = this.options.parallel - (this.queue.size + this.queue.pending);
    const picked = this.scheduler.pick(graph, new Date(), free, this.projectedDone);
    this.heldByPause = picked.held.some((held) => held.kind === 'paused');
    for (const held of picked.held) {
      if (held.kind === 'person') {
        await this.awaitPerson(held.task, held.actor);
        continue;
      }
      if (held.kind !== 'unassignable') {
        this.unassignable.delete(held.task);
        if (held.kind === 'budget' && !this.budgetWarned) {
          this.reporter.event({
            type: 'warning',
            message: `budget: $${this.ledger.committed().toFixed(2)} of $${this.ledger.limit?.toFixed(2)} spent or reserved; no new task starts`,
          });
          this.budgetWarned = true;
        }
        continue;
      }
      if (!this.unassignable.has(held.task))
        this.reporter.event({ type: 'unassignable', task: held.task, reasons: held.reasons });
      this.unassignable.set(held.task, held.reasons);
    }
    for (const start of picked.start) this.unassignable.delete(start.steps[0]!);
    await Promise.all(
      picked.start.map((start) =>
        this.claimAndStart(start.steps, start.actor, () => this.scheduler.end(start), start.job),
      ),
    );
  }

  /** A task only a person may do is never spawned: it waits for them (status `waiting`) until they run `wg done`. */
  private async awaitPerson(id: string, person: string): Promise<void> {
    const waiting = await this.writer
      .apply((graph) => awaitPerson(graph, id, { actor: 'runner', now: new Date() }, person))
      .catch((error: unknown) => {
        // Someone changed it meanwhile (claimed, done): nothing to wait for.
        if (error instanceof TransitionError) return undefined;
        throw error;
      });
    if (waiting)
      this.reporter.event({
        type: 'notice',
        message: `${id} waits for ${person}, a person: nothing is spawned for it (\`wg done ${id}\` when it is done)`,
      });
  }

  /** Start nothing more on `backend` until the limit lifts (plus a little jitter, so runners do not all return at once). */
  private pause(backend: string | undefined, resetAt: string | undefined, reason: string): void {
    if (backend === undefined) return;
    const now = Date.now();
    const reset = resetAt ? Date.parse(resetAt) : now + this.options.rateLimitPauseMs;
    const wait = Math.max(0, reset - now);
    const until = now + wait + Math.random() * Math.min(5_000, wait * 0.1);
    if (!this.scheduler.gate.pause(backend, until)) return;
    this.reporter.event({ type: 'paused', backend, until: new Date(until).toISOString(), reason });
    this.pauseTimers.push(setTimeout(() => this.wake?.(), until - now + 1));
  }

  /** Claim the first step and reserve the rest in one transaction, then queue the job. */
  private async claimAndStart(steps: string[], actor: Actor, ended: () => void, job: Job): Promise<void> {
    const token = newToken();
    const by: Caller = { actor: actor.id, now: new Date() };
    const request = this.claimRequest(token);
    let attempt: number;
    try {
      attempt = await this.writer.apply((graph) => {
        if (steps.length === 1) return claimTask(graph, steps[0]!, by, request).claim!.attempt;
        const trajectory = planTrajectory(graph, steps[0]!, {
          actor,
          maxSteps: steps.length,
          now: by.now,
          contextLimit: this.options.contextLimit,
        });
        const reserved = new Set(steps);
        trajectory.steps = trajectory.steps.filter((step) => reserved.has(step.id));
        return reserveTrajectory(graph, trajectory, by, request).head.claim!.attempt;
      });
    } catch (error) {
      ended();
      // Someone else (another runner, a person) got there first: plan again later.
      if (error instanceof AlreadyClaimedError || error instanceof NotReadyError || error instanceof StaleAttemptError)
        return;
      // The graph cannot be written: stop the agents still running (their results could not be
      // recorded either) and let run() finish with the summary, instead of exiting under them.
      if (this.writer.failure) return this.stop.abort();
      throw error;
    }
    void this.queue
      .add(() => this.runJob(steps, actor, token, attempt, job))
      .catch((error: unknown) => {
        this.reporter.event({
          type: 'warning',
          message: `runner error: ${error instanceof Error ? error.message : String(error)}`,
        });
        this.stop.abort();
      })
      .finally(() => {
        ended();
        this.wake?.();
      });
  }

  /** Run the steps in order, retrying each as allowed; a step that fails for good releases the rest. */
  private async runJob(
    steps: string[],
    actor: Actor,
    firstToken: string,
    firstAttempt: number,
    job: Job,
  ): Promise<void> {
    const context = this.attemptContext();
    // The tree the last step landed from, kept for the next step to continue in (see StepPlace).
    const walk: StepWalk = {
      previous: undefined,
      resumeSession: undefined,
      handOver: undefined,
      previousWorkdir: undefined,
    };
    try {
      await this.walkSteps(steps, actor, firstToken, firstAttempt, job, context, walk);
    } finally {
      // The job ended before the next step took the tree over: remove it, as landing would have.
      if (walk.handOver) await context.isolation.discard?.(walk.handOver).catch(() => undefined);
    }
  }

  private async walkSteps(
    steps: string[],
    actor: Actor,
    firstToken: string,
    firstAttempt: number,
    job: Job,
    context: AttemptContext,
    walk: StepWalk,
  ): Promise<void> {
    for (const [index, id] of steps.entries()) {
      let token = firstToken;
      let attempt = firstAttempt;
      if (index > 0) {
        if (this.signal.aborted) break;
        token = newToken();
        const claimed = await this.claimStep(id, actor, token);
        if (claimed === undefined) break;
        attempt = claimed;
      }
      const more = index < steps.length - 1;
      // The attempt this step's retry follows: what it may continue from (see runner/retry-start.ts).
      let failedAttempt: PreviousAttempt | undefined;
      for (;;) {
        const attemptStarted = Date.now();
        // Only a step's first attempt continues the tree the step before it landed from; a retry starts from its own.
        const step = { from: failedAttempt ? undefined : walk.handOver, more, previousWorkdir: walk.previousWorkdir };
        const result = await runAttempt(
          context,
          id,
          { actor, attempt, token, previousStepId: walk.previous, resumeSession: walk.resumeSession },
          failedAttempt,
          step,
        );
        // Once an attempt got a tree, the handed-over one is its (continued) or gone (it could not be).
        if (result.tree) walk.handOver = undefined;
        this.scheduler.took(id, (Date.now() - attemptStarted) / 3_600_000);
        this.ledger.account(job, result);
        this.warnOfBudgets(id);
        if (result.outcome.kind === 'succeeded' && result.heldForReview) {
          // Its dependents wait for the verdict, so the steps reserved after it are given back.
          await result.recorded;
          await this.reviewWithLlm(id, job);
          await this.release(steps, actor);
          return;
        }
        if (result.outcome.kind === 'succeeded') {
          this.expectDone(id, result.recorded);
          walk.previous = id;
          walk.resumeSession = result.sessionId;
          walk.previousWorkdir = result.workdir;
          walk.handOver = more ? result.tree : undefined;
          break;
        }
        if (result.outcome.kind === 'rate-limited') {
          // Not the task's failure: it was reopened as it was; its backend waits for the limit to lift.
          this.pause(result.backend, result.outcome.resetAt, describeOutcome(result.outcome));
          await result.recorded;
          await this.release(steps, actor);
          return;
        }
        const verdict = await result.recorded;
        const status = verdict.kind === 'recorded' ? verdict.status : undefined;
        // The agent's own `wg fail` stands over what was measured.
        const outcome = verdict.kind === 'recorded' ? verdict.outcome : result.outcome;
        if (outcome.kind === 'interrupted' && status === 'open') this.reopened.add(id);
        if (status === 'done') {
          this.done.add(id);
          walk.previous = id;
          break;
        }
        if (status === 'waiting') {
          // A question for a person is no failure (--fail-fast goes on): the task waits for `wg answer`.
          await this.release(steps, actor);
          return;
        }
        const retry = await this.retryDecision(id, outcome, job);
        if (retry === undefined) {
          if (outcome.kind !== 'interrupted') await this.onPermanentFailure(id, outcome);
          await this.release(steps, actor);
          return;
        }
        this.reporter.event({ type: 'retry', task: id, attempt, inMs: retry, reason: describeOutcome(outcome) });
        // A trajectory's session is not the retry's: resuming it may be what failed. The retry may continue its own attempt's instead.
        walk.resumeSession = undefined;
        failedAttempt = {
          attempt,
          outcome,
          tree: result.tree,
          sessionId: result.sessionId,
          backend: result.backend,
        };
        await sleep(retry, this.signal);
        if (this.signal.aborted) {
          // Ctrl-C during the backoff: the retry was due, so the task is reopened for the next wg run (not left failed for it to skip).
          if (this.interrupt.aborted) {
            const reopened = await this.writer
              .apply((graph) => retryTask(graph, id, { actor: 'runner', now: new Date() }, this.options.maxRetries))
              .catch(() => undefined);
            if (reopened) this.reopened.add(id);
          }
          await this.release(steps, actor);
          return;
        }
        token = newToken();
        const reclaimed = await this.claimStep(id, actor, token, true);
        if (reclaimed === undefined) {
          // Someone changed the task during the backoff: give back the steps reserved after it.
          await this.release(steps, actor);
          return;
        }
        attempt = reclaimed;
      }
    }
    await this.release(steps, actor);
  }

  /** A result held for an `llm` review: the reviewer's verdict lands it or reopens the task (it counts toward the budget). */
  private async reviewWithLlm(id: string, job: Job): Promise<void> {
    const reviewer = this.options.llmReview;
    if (!reviewer || this.signal.aborted) return;
    const task = (await this.writer.snapshot()).tasks.get(id);
    if (task?.status !== 'pending-validation' || (task.validation ?? this.options.validation) !== 'llm') return;
    const reviewed = await reviewer(id, (change) => this.writer.apply(change), this.signal);
    this.ledger.account(job, reviewed);
    if (reviewed.status === 'done') this.done.add(id);
  }

  /**
   * A success counts as done at once, so planning can move on while the verdict is
   * written; the dependents' claims queue behind that write. If the write says
   * otherwise (the lease moved on), the projection is dropped.
   */
  private expectDone(id: string, recorded: Promise<Verdict>): void {
    this.projectedDone.add(id);
    recorded
      .then((verdict) => {
        if (verdict.kind === 'recorded' && verdict.status === 'done') this.done.add(id);
      })
      .catch(() => undefined)
      .finally(() => {
        this.projectedDone.delete(id);
        this.wake?.();
      });
  }

  /** A budget this attempt's spend brought to its warning: said in the run's view and the task's log, once per budget. */
  private warnOfBudgets(id: string): void {
    for (const { budget, message } of this.ledger.warnings()) {
      this.reporter.event({ type: 'budget-warning', budget, task: id, message });
      this.writer
        .apply((graph) => appendLog(graph, id, { actor: 'runner', now: new Date() }, `budget: ${message}`))
        .catch(() => undefined);
    }
  }

  /** Milliseconds to wait before retrying, or undefined when the failure is final. */
  private async retryDecision(
    id: string,
    outcome: Parameters<typeof isRetryable>[0],
    job: Job,
  ): Promise<number | undefined> {
    if (this.signal.aborted) return undefined;
    const task = getTask(await this.writer.snapshot(), id);
    if (!isRetryable(outcome, task) || task.status !== 'failed') return undefined;
    const retries = task.retry_count ?? 0;
    if (retries >= (task.max_retries ?? this.options.maxRetries)) return undefined;
    // A retry is a new start: it must fit in what the budget has left beside the other jobs' reservations.
    if (!this.ledger.fits(this.ledger.expected(task), job)) {
      this.ledger.stopped = true;
      this.reporter.event({ type: 'warning', message: `${id}: no retry, the run's budget has too little left` });
      return undefined;
    }
    return this.options.retryBackoffMs * 2 ** Math.max(0, retries - 1);
  }

  private async claimStep(id: string, actor: Actor, token: string, reopen = false): Promise<number | undefined> {
    const by: Caller = { actor: actor.id, now: new Date() };
    try {
      return await this.writer.apply((graph) => {
        if (reopen) retryTask(graph, id, { ...by, actor: 'runner' }, this.options.maxRetries);
        return claimTask(graph, id, by, this.claimRequest(token)).claim!.attempt;
      });
    } catch (error) {
      // Taken, reopened, abandoned or changed by someone else meanwhile: this job stops here.
      if (
        error instanceof AlreadyClaimedError ||
        error instanceof NotReadyError ||
        error instanceof StaleAttemptError ||
        error instanceof TransitionError
      )
        return undefined;
      throw error;
    }
  }

  /** Free the steps of a job that were reserved but not run (a one-step job reserved none). */
  private async release(steps: string[], actor: Actor): Promise<void> {
    if (steps.length < 2) return;
    await this.writer
      .apply((graph) => releaseReservations(graph, steps[0]!, { actor: actor.id, now: new Date() }, steps))
      .catch(() => undefined);
  }

  private async onPermanentFailure(id: string, outcome: Parameters<typeof describeOutcome>[0]): Promise<void> {
    if (this.options.failFast) this.stop.abort();
    const task = (await this.writer.snapshot()).tasks.get(id);
    if (task?.status === 'failed')
      this.reporter.event({ type: 'failed', task: id, reason: task.failure_reason ?? describeOutcome(outcome) });
  }

  private async summarize(recovered: Recovered[], started: number): Promise<RunSummary> {
    const graph = await this.store.load();
    const index = dependencyIndex(graph);
    const inScope = [...graph.tasks.values()].filter((task) => !this.scope || this.scope.has(task.id));
    const failed = inScope
      .filter((task) => task.status === 'failed')
      .map((task) => ({ id: task.id, reason: task.failure_reason ?? 'unknown' }));
    const blocked = inScope
      .filter((task) => task.status === 'open' && unsatisfiedBlockers(graph, index, task.id).length > 0)
      .map((task) => ({
        id: task.id,
        waitingFor: unsatisfiedBlockers(graph, index, task.id).map((b) => `${b.id} (${b.status})`),
      }));
    const unassignable = [...this.unassignable]
      .filter(([id]) => graph.tasks.get(id)?.status === 'open')
      .map(([id, reasons]) => ({ id, reasons }));
    const open = inScope
      .filter((task) => task.status === 'open' || task.status === 'in-progress' || task.status === 'pending-review')
      .map((task) => task.id);
    // A pending-validation that the Rust wg set has no result wg could land: only upstream's tools (or wg done) move it on.
    const held = inScope
      .filter(
        (task) => UPSTREAM_STATUSES.has(task.status) || (task.status === 'pending-validation' && !task.pending_result),
      )
      .map((task) => ({ id: task.id, status: task.status }));
    const pendingValidation = awaitingReview(graph, this.scope).map((task) => ({
      id: task.id,
      waitedOnBy: blocked
        .filter((item) => item.waitingFor.includes(`${task.id} (pending-validation)`))
        .map((item) => item.id),
    }));
    const waiting = inScope
      .filter((task) => task.status === 'waiting')
      .map((task) =>
        task.question && !task.question.answer
          ? { id: task.id, for: `asked: ${task.question.text}`, next: `wg answer ${task.id} "..."` }
          : { id: task.id, for: `${task.assigned ?? 'a person'} to do it`, next: `wg done ${task.id}` },
      );
    const finished = inScope.every((task) => task.status === 'done' || task.status === 'abandoned');
    // Nothing failed or stuck: only verdicts are missing. A script tells that apart (exit 3) from a failure (1).
    const onlyReviews =
      pendingValidation.length > 0 &&
      held.length === 0 &&
      inScope.every(
        (task) =>
          task.status === 'done' ||
          task.status === 'abandoned' ||
          (task.status === 'pending-validation' && task.pending_result !== undefined) ||
          // Blocked work ends, down its chain, at a pending result (a failed blocker would be a failure here too).
          (task.status === 'open' && unsatisfiedBlockers(graph, index, task.id).length > 0),
      );
    const interrupted = this.interrupt.aborted;
    const writeFailure = this.writer.failure
      ? String((this.writer.failure as Error).message ?? this.writer.failure)
      : undefined;
    return {
      done: [...this.done],
      doneElsewhere: inScope
        .filter((task) => task.status === 'done' && !this.done.has(task.id) && !this.doneAtStart.has(task.id))
        .map((task) => task.id),
      failed,
      blocked,
      unassignable,
      open,
      held,
      pendingValidation,
      waiting,
      recovered,
      interrupted,
      reopened: [...this.reopened].filter((id) => graph.tasks.get(id)?.status === 'open'),
      writeFailure,
      budget: this.ledger.summary(graph),
      ...this.ledger.spending(),
      elapsedMs: Date.now() - started,
      exitCode: writeFailure ? 1 : finished ? 0 : onlyReviews ? EXIT_AWAITING_REVIEW : 1,
    };
  }
}
