/**
 * One attempt of one task, from the moment its lease is held to the moment its
 * verdict is recorded: prepare, write the run directory, launch, stream, verify,
 * and finish the task through the lease (which fences us out if it moved on).
 */
import { createWriteStream, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { join, resolve } from 'node:path';
import { chooseBackendName, resolveBackend } from '../backends/index.js';
import { usageToRecord, type AgentEvent, type Usage } from '../backends/types.js';
import { costOf, type PriceTable } from './cost.js';
import { StaleAttemptError, WgError } from '../errors.js';
import { getTask } from '../graph/model.js';
import type { Graph } from '../graph/model.js';
import { parseDuration } from '../graph/duration.js';
import {
  addArtifact,
  addTokenUsage,
  appendLog,
  completeTask,
  recordAttemptCost,
  failTask,
  recordAgentProcess,
  recordLanding,
  recordSummary,
  reopenTask,
  setProgress,
  type Caller,
} from '../graph/transitions.js';
import { processStartTime } from '../system/process.js';
import type { Task, TokenUsage } from '../graph/schema.js';
import { describeOutcome, remedyFor, type Outcome } from './outcome.js';
import type { RefusalPolicy } from './refusals.js';
import { checkDeliverables } from './deliverables.js';
import type { AttemptTree, Isolation, LandResult, Landing, StepPlace, TreeInfo } from './isolation.js';
import { describeStart, retryRequest, sessionToContinue, type PreviousAttempt } from './retry-start.js';
import type { GraphWriter } from './graph-writer.js';
import type { Reporter } from './events.js';
import { prepareLaunch, type AttemptIdentity, type LaunchOptions, type PreparedLaunch } from './prepare.js';
import { maskEnv, redactText, secretValues, StreamRedactor } from './redact.js';
import { supervise, type ProcessEnd } from './supervise.js';
import { runVerify } from './verify.js';

export interface AttemptContext {
  launch: LaunchOptions;
  /** Where each attempt works: the project itself, or a worktree of its own. */
  isolation: Isolation;
  writer: GraphWriter;
  reporter: Reporter;
  load(): Promise<Graph>;
  signal: AbortSignal;
  graceMs: number;
  stallMs?: number | undefined;
  defaultTimeoutMs?: number | undefined;
  defaultMaxRetries: number;
}

export interface AttemptResult {
  /** As measured; replaced by the agent's own verdict if it called `wg fail` (known once `recorded` settles). */
  outcome: Outcome;
  /** The task's status once the verdict is on disk ('lease lost' if the task moved on meanwhile). */
  recorded: Promise<string>;
  /** The agent's last words, for the next step of a trajectory. */
  lastText?: string | undefined;
  /** The agent's summary of its work (see the `summary` event), recorded on the task if the attempt succeeded. */
  summary?: string | undefined;
  sessionId?: string | undefined;
  /** What the attempt spent, in US dollars (0 when it reported nothing, or nothing priced). */
  costUsd?: number;
  /** The backend it ran on (undefined when it never launched), and the model it was given. */
  backend?: string | undefined;
  model?: string | undefined;
  /** The worktree it ran in (undefined: in place, or it never got one), for a retry that continues from it. */
  tree?: TreeInfo | undefined;
  /** The agent's working directory: a session continues only where it began (Claude Code keeps sessions per folder). */
  workdir?: string | undefined;
}

/** A step of a trajectory: where it works (see StepPlace), and where the step before it ran its agent. */
export interface AttemptStep extends StepPlace {
  previousWorkdir?: string | undefined;
}

/** Log entries from output are rate-limited: a gigabyte of output must not become a gigabyte of graph. */
const PROGRESS_LOG_INTERVAL_MS = 1000;
const MAX_LOGGED_EVENTS = 200;

export function runDirectory(workgraphDir: string, taskId: string, attempt: number): string {
  return join(workgraphDir, 'runs', taskId, String(attempt));
}

function closeStream(stream: Writable): Promise<void> {
  return new Promise((resolve) => stream.end(resolve));
}

/**
 * A file created with its first write: an agent that prints nothing leaves no empty
 * output.log or events.jsonl (creating inodes is most of what run files cost here).
 */
class FileOnFirstWrite extends Writable {
  private file: WriteStream | undefined;

  constructor(private readonly path: string) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (!this.file) {
      this.file = createWriteStream(this.path);
      this.file.on('error', (error) => this.destroy(error));
    }
    if (this.file.write(chunk)) done();
    else this.file.once('drain', () => done());
  }

  override _final(done: (error?: Error | null) => void): void {
    if (this.file) this.file.end(() => done());
    else done();
  }
}

/** The task's cap, what earlier attempts spent of it, and so what this attempt may spend. */
interface Allowance {
  capUsd: number;
  spentBeforeUsd: number;
}

function outcomeOf(
  end: ProcessEnd,
  result: Extract<AgentEvent, { type: 'result' }> | undefined,
  halt: Extract<AgentEvent, { type: 'halt' }> | undefined,
  spentUsd: number,
  allowance: Allowance | undefined,
  task: Task,
): Outcome {
  // What the agent asked for explains the end better than how its process ended (we stopped it).
  if (halt && end.kind !== 'interrupted') {
    if (halt.kind === 'rate-limited') return { kind: 'rate-limited', detail: halt.request, resetAt: halt.resetAt };
    // What the task granted goes with it: a retry is worth it only once that changed.
    if (halt.kind === 'permission-denied')
      return { kind: 'permission-denied', request: halt.request, rule: halt.rule, tools: task.tools };
    if (halt.kind !== 'budget-exhausted') return { kind: halt.kind, request: halt.request };
    return {
      kind: 'budget-exhausted',
      spentUsd: (allowance?.spentBeforeUsd ?? 0) + spentUsd,
      capUsd: allowance?.capUsd ?? spentUsd,
    };
  }
  switch (end.kind) {
    case 'exited':
      if (end.exitCode !== 0)
        return { kind: 'failed', exitCode: end.exitCode, reason: result && !result.ok ? result.reason : undefined };
      if (result && !result.ok)
        return { kind: 'failed', exitCode: 0, reason: result.reason ?? 'the agent reported an error' };
      return { kind: 'succeeded' };
    case 'signalled':
      return { kind: 'killed', signal: end.signal };
    case 'spawn-error':
      return { kind: 'spawn-error', message: end.message };
    case 'timed-out':
      return { kind: 'timed-out', afterMs: end.afterMs };
    case 'stalled':
      return { kind: 'stalled', afterMs: end.afterMs };
    case 'interrupted':
      return { kind: 'interrupted' };
    case 'halted':
      return { kind: 'failed', exitCode: -1, reason: 'stopped by the runner' };
  }
}

/** The backend an attempt that never launched would have used (the same choice as prepareLaunch), or why there is none. */
function intendedBackend(task: Task, identity: AttemptIdentity, launch: LaunchOptions): string {
  try {
    return launch.backend ?? chooseBackendName(task, identity.actor, launch.config);
  } catch (error) {
    if (error instanceof WgError) return 'no backend';
    throw error;
  }
}

/** The backend an attempt would use, when it can be resolved (else undefined: prepareLaunch then says why). */
function backendOf(
  name: string,
  launch: LaunchOptions,
): { name: string; continuesSessions: boolean; resumesSteps: boolean } | undefined {
  try {
    const { backend, settings } = resolveBackend(name, launch.config);
    const continuesSessions = backend.continuesSessions === true;
    // `resume = false` in the backend's table keeps each trajectory step in a session of its own.
    return { name, continuesSessions, resumesSteps: continuesSessions && settings.resume !== false };
  } catch (error) {
    if (error instanceof WgError) return undefined;
    throw error;
  }
}

/** The task log's line about where a trajectory step works, when it was asked to continue the tree before it. */
function describeStep(
  tree: AttemptTree,
  step: AttemptStep | undefined,
  previousStep: string | undefined,
): string | undefined {
  if (!step?.from || !tree.step) return undefined;
  if (tree.step.continued) {
    const where = tree.info ? ` ${tree.info.path}, now on branch ${tree.info.branch}` : '';
    return `continues in ${previousStep ?? 'the previous step'}'s worktree${where}`;
  }
  return `starts in a worktree of its own: ${previousStep ?? 'the previous step'}'s could not be continued (${tree.step.why})`;
}

/**
 * The previous step's agent session, continued only where it can be: on a backend that
 * continues sessions, in the same working directory (Claude Code keeps sessions per folder).
 * Otherwise a fresh session, and the log says why.
 */
function stepSession(
  identity: AttemptIdentity,
  step: AttemptStep | undefined,
  workdir: string,
  backend: { name: string; resumesSteps: boolean } | undefined,
): { session: string | undefined; line?: string } {
  if (!identity.resumeSession || !backend?.resumesSteps) return { session: undefined };
  if (step?.previousWorkdir !== undefined && step.previousWorkdir !== workdir) {
    return {
      session: undefined,
      line: `starts a fresh ${backend.name} session: its working directory ${workdir} is not the previous step's (${step.previousWorkdir}), where that session lives`,
    };
  }
  return { session: identity.resumeSession, line: `continues the previous step's ${backend.name} session` };
}

/** `previous`: the attempt this one retries, as this run saw it end (what it may continue from). */
export async function runAttempt(
  context: AttemptContext,
  taskId: string,
  identity: AttemptIdentity,
  previous?: PreviousAttempt,
  step?: AttemptStep,
): Promise<AttemptResult> {
  const started = Date.now();
  const caller = (): Caller => ({
    actor: identity.actor.id,
    now: new Date(),
    credentials: { taskId, token: identity.token },
  });
  const graph = await context.load();
  const task = getTask(graph, taskId);
  const runDir = runDirectory(context.launch.workgraphDir, taskId, identity.attempt);
  // Blocking calls, on purpose (here and for the files below): in the thread pool these small
  // steps queued behind the run's other file work, ~3.5 ms each per task at 1k tasks against
  // well under 1 ms blocking, and the task's start waited for them.
  mkdirSync(runDir, { recursive: true });

  const capUsd = task.max_cost_usd ?? context.launch.config.defaults.max_cost_usd;
  const allowance: Allowance | undefined =
    capUsd === undefined ? undefined : { capUsd, spentBeforeUsd: task.token_usage?.cost_usd ?? 0 };
  const reportStart = (backend: string) =>
    context.reporter.event({
      type: 'start',
      task: taskId,
      title: task.title,
      actor: identity.actor.id,
      attempt: identity.attempt,
      backend,
    });
  const notStarted = (outcome: Outcome) => {
    const backend = intendedBackend(task, identity, context.launch);
    reportStart(backend);
    return finish(context, taskId, identity, caller, outcome, started, { backend });
  };
  if (allowance && allowance.spentBeforeUsd >= allowance.capUsd)
    return notStarted({ kind: 'budget-exhausted', spentUsd: allowance.spentBeforeUsd, capUsd: allowance.capUsd });
  let tree: AttemptTree;
  try {
    tree = await context.isolation.open(
      task,
      identity.attempt,
      context.signal,
      retryRequest(graph, task, previous, context.launch.config.run.retry_from),
      step,
    );
  } catch (error) {
    if (!(error instanceof WgError)) throw error;
    return notStarted({
      kind: 'failed',
      exitCode: -1,
      reason: `could not prepare the attempt's worktree: ${error.message}`,
    });
  }
  // Stopped while the tree was being made (a worktree_setup can take minutes): launch nothing.
  if (context.signal.aborted) return notStarted({ kind: 'interrupted' });
  const backendName = intendedBackend(task, identity, context.launch);
  const stepLine = describeStep(tree, step, identity.previousStepId);
  if (stepLine) context.writer.apply((graph) => appendLog(graph, taskId, caller(), stepLine)).catch(() => undefined);
  const resumed = stepSession(
    identity,
    step,
    resolve(tree.root, task.working_dir ?? '.'),
    backendOf(backendName, context.launch),
  );
  if (resumed.line)
    context.writer.apply((graph) => appendLog(graph, taskId, caller(), resumed.line!)).catch(() => undefined);
  identity = { ...identity, resumeSession: resumed.session };
  const continueSession = sessionToContinue(tree.basis, previous, backendOf(backendName, context.launch));
  const basis =
    tree.basis?.kind === 'continued' ? { ...tree.basis, session: continueSession !== undefined } : tree.basis;
  if (basis) {
    const line = describeStart(basis, tree.info, backendName);
    context.writer.apply((graph) => appendLog(graph, taskId, caller(), line)).catch(() => undefined);
  }
  let prepared: PreparedLaunch;
  try {
    const allowanceUsd = allowance && allowance.capUsd - allowance.spentBeforeUsd;
    prepared = prepareLaunch(
      graph,
      task,
      { ...identity, allowanceUsd, continueSession, place: { root: tree.root, info: tree.info, retry: basis } },
      join(runDir, 'prompt.md'),
      context.launch,
    );
  } catch (error) {
    if (!(error instanceof WgError)) throw error;
    const outcome: Outcome = {
      kind: 'invalid-configuration',
      message: error.hint ? `${error.message} (${error.hint})` : error.message,
    };
    await tree.keep(outcome);
    return notStarted(outcome);
  }
  if (prepared.backend.usesPrompt) writeFileSync(join(runDir, 'prompt.md'), prepared.prompt);
  const timeoutMs = task.timeout ? parseDuration(task.timeout) : context.defaultTimeoutMs;
  writeFileSync(
    join(runDir, 'command.json'),
    `${JSON.stringify(
      {
        task: taskId,
        attempt: identity.attempt,
        actor: identity.actor.id,
        backend: prepared.backendName,
        model: prepared.model ?? null,
        file: prepared.spec.file,
        args: prepared.spec.args,
        cwd: prepared.spec.cwd,
        worktree: tree.info ?? null,
        stdin: prepared.spec.stdin === undefined ? null : `prompt (${Buffer.byteLength(prepared.spec.stdin)} bytes)`,
        timeout_ms: timeoutMs ?? null,
        stall_timeout_ms: context.stallMs ?? null,
        env: maskEnv(prepared.spec.env),
      },
      null,
      2,
    )}\n`,
  );
  reportStart(prepared.backendName);

  const secrets = secretValues(prepared.spec.env);
  const raw = new FileOnFirstWrite(join(runDir, 'output.log'));
  const eventsFile = new FileOnFirstWrite(join(runDir, 'events.jsonl'));
  const halt = new AbortController();
  const spendLimit = allowance && { allowanceUsd: allowance.capUsd - allowance.spentBeforeUsd };
  const sink = new EventSink(
    context,
    taskId,
    caller,
    () => halt.abort(),
    {
      attempt: identity.attempt,
      backend: prepared.backendName,
      model: prepared.model,
      prices: context.launch.config.prices,
      ...spendLimit,
    },
    prepared.onPermissionDenied,
  );
  const parser = prepared.backend.parser();
  const emit = (event: AgentEvent) => {
    eventsFile.write(`${JSON.stringify({ at: new Date().toISOString(), ...event })}\n`);
    context.reporter.event({ type: 'agent', task: taskId, event });
    sink.take(event);
  };
  const progress = new ProgressCoalescer(emit);
  const handle = (event: AgentEvent) =>
    event.type === 'progress' ? progress.offer(event) : (progress.flush(), emit(event));

  const end = await supervise({
    spec: prepared.spec,
    timeoutMs,
    stallMs: context.stallMs,
    graceMs: context.graceMs,
    signal: context.signal,
    halt: halt.signal,
    raw,
    filter: () => new StreamRedactor(secrets),
    onLine: (text, stream) => parser.line(text, stream).forEach(handle),
    onSpawn: (pid) => sink.recordProcess(pid),
  });
  (parser.end?.() ?? []).forEach(handle);
  progress.flush();
  await Promise.all([closeStream(raw), closeStream(eventsFile)]);

  let outcome = outcomeOf(end, sink.result, sink.halt, sink.spentUsd, allowance, task);
  const deliverables =
    outcome.kind === 'succeeded' ? await checkDeliverables(tree.root, task.deliverables ?? []) : undefined;
  if (deliverables && deliverables.missing.length > 0)
    outcome = { kind: 'missing-deliverable', files: deliverables.missing };
  const verify = () =>
    runVerify(task.verify!, prepared, runDir, {
      timeoutMs: timeoutMs ?? 10 * 60_000,
      graceMs: context.graceMs,
      signal: context.signal,
      secrets,
    });
  if (outcome.kind === 'succeeded' && task.verify) outcome = await verify();
  // Only work that succeeded lands; a failed attempt's tree is kept for inspection.
  let landing: Landing | undefined;
  if (outcome.kind === 'succeeded') ({ outcome, landing } = await landOrFail(tree, task, verify));
  if (outcome.kind !== 'succeeded') await tree.keep(outcome);
  // Downstream prompts see only registered files: a declared deliverable is registered even if the agent forgot.
  if (outcome.kind === 'succeeded') sink.registerArtifacts(deliverables?.present ?? []);
  // Output is masked before it is parsed; masking again costs nothing and holds even for a secret the parser unescaped from JSON.
  const summary = sink.summary === undefined ? undefined : redactText(sink.summary, secrets);
  sink.flush(outcome.kind === 'succeeded' && summary !== undefined);
  return finish(
    context,
    taskId,
    identity,
    caller,
    outcome,
    started,
    {
      lastText: sink.lastText,
      summary,
      sessionId: sink.result?.sessionId,
      costUsd: sink.spentUsd,
      backend: prepared.backendName,
      model: sink.reportedModel ?? prepared.model,
      tree: tree.info,
      workdir: prepared.workdir,
    },
    landing,
  );
}

/** Land the work; a git failure while landing fails the attempt (not retried: it is wg's, not the agent's) instead of the run. */
async function landOrFail(tree: AttemptTree, task: Task, verify: () => Promise<Outcome>): Promise<LandResult> {
  try {
    return await tree.land(task, verify);
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
 * Record the verdict through the lease; an agent may already have called `wg done` or
 * `wg fail` itself. Not awaited here: the runner treats a success as done at once (its
 * dependents' claims queue behind this write, so the file never disagrees), and awaits
 * `recorded` only when it needs the status (after a failure).
 */
function finish(
  context: AttemptContext,
  taskId: string,
  identity: AttemptIdentity,
  caller: () => Caller,
  outcome: Outcome,
  started: number,
  extra: Pick<
    AttemptResult,
    'lastText' | 'summary' | 'sessionId' | 'costUsd' | 'backend' | 'model' | 'tree' | 'workdir'
  >,
  landing?: Landing,
): AttemptResult {
  // While the run is stopping (Ctrl-C, --fail-fast), an attempt that did not succeed gets no
  // verdict: the stop may be what ended it (an agent, a check or a git command the terminal's
  // Ctrl-C reached, a spawner gone). Its task is reopened without counting an attempt.
  const measured: Outcome =
    context.signal.aborted && outcome.kind !== 'succeeded' && outcome.kind !== 'rate-limited'
      ? { kind: 'interrupted' }
      : outcome;
  const result: AttemptResult = { outcome: measured, recorded: Promise.resolve('unknown'), ...extra };
  const remedy = remedyFor(measured, taskId);
  const reason = `${describeOutcome(measured)}${remedy ? `; ${remedy}` : ''}`;
  result.recorded = context.writer
    .apply((graph) => {
      const current = getTask(graph, taskId);
      const ownAttempt = current.claim?.attempt === identity.attempt;
      // The work is on the target whoever marked the task done (the runner, or the agent itself).
      const landed = () => landing && recordLanding(graph, taskId, caller(), { attempt: identity.attempt, ...landing });
      if (!ownAttempt && current.status === 'done') {
        // The agent ran `wg done` itself; its account of the work still goes with the task.
        if (measured.kind === 'succeeded' && extra.summary !== undefined) recordSummary(graph, taskId, extra.summary);
        return (landed(), 'done');
      }
      if (!ownAttempt && current.status === 'failed') {
        result.outcome = {
          kind: 'failed',
          exitCode: measured.kind === 'failed' ? measured.exitCode : 0,
          reason: current.failure_reason ?? 'the agent failed the task',
        };
        return 'failed';
      }
      if (measured.kind === 'succeeded') {
        const done = completeTask(graph, taskId, caller(), extra.summary);
        return (landed() ?? done).status;
      }
      if (measured.kind === 'interrupted' || measured.kind === 'rate-limited') {
        return reopenTask(graph, taskId, caller(), describeOutcome(measured), {
          countsAsAttempt: false,
          maxRetries: context.defaultMaxRetries,
        }).status;
      }
      return failTask(graph, taskId, caller(), reason, checkOutput(measured)).status;
    })
    .catch((error: unknown) => {
      if (!(error instanceof StaleAttemptError)) throw error;
      context.reporter.event({
        type: 'warning',
        message: `${taskId}: ${error.message}; this attempt's result was not recorded`,
      });
      return 'lease lost';
    });
  context.reporter.event({
    type: 'end',
    task: taskId,
    attempt: identity.attempt,
    outcome: measured,
    reason,
    elapsedMs: Date.now() - started,
  });
  return result;
}

/** What a failed check printed, for the task (and so the retry's prompt) and its log. */
function checkOutput(outcome: Outcome): { text: string; source: string } | undefined {
  if (outcome.kind === 'verification-failed' && outcome.output.trim() !== '') {
    return {
      text: outcome.output,
      source: `the check's last lines${outcome.log ? ` (all of its output: ${outcome.log})` : ''}`,
    };
  }
  if (outcome.kind === 'verify-cannot-run' && outcome.output.trim() !== '')
    return { text: outcome.output, source: `what \`${outcome.command}\` printed` };
  return undefined;
}

/**
 * Progress is a state ("where the agent is now"), so a burst of output lines is passed
 * on as at most one progress event per interval, the latest one; every line is still in
 * output.log. This keeps a chatty agent's events, view and log cheap.
 */
export class ProgressCoalescer {
  private pending: Extract<AgentEvent, { type: 'progress' }> | undefined;
  private last = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly emit: (event: AgentEvent) => void,
    private readonly intervalMs = 100,
  ) {}

  offer(event: Extract<AgentEvent, { type: 'progress' }>): void {
    const now = Date.now();
    if (now - this.last >= this.intervalMs && !this.pending) {
      this.last = now;
      this.emit(event);
      return;
    }
    this.pending = event;
    this.timer ??= setTimeout(() => this.flush(), Math.max(0, this.intervalMs - (now - this.last)));
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const event = this.pending;
    this.pending = undefined;
    if (!event) return;
    this.last = Date.now();
    this.emit(event);
  }
}

/** Turns agent events into task log entries, progress and token usage, without flooding the graph. */
class EventSink {
  result: Extract<AgentEvent, { type: 'result' }> | undefined;
  halt: Extract<AgentEvent, { type: 'halt' }> | undefined;
  lastText: string | undefined;
  summary: string | undefined;
  private pendingProgress: Extract<AgentEvent, { type: 'progress' }> | undefined;
  private lastProgressLog = 0;
  private logged = 0;
  private readonly usage: Record<string, number> = {};
  private sawUsage = false;
  /** The model the agent said it used, which wins over the one wg asked for (or did not name). */
  reportedModel: string | undefined;
  spentUsd = 0;
  private priced = true;

  constructor(
    private readonly context: AttemptContext,
    private readonly taskId: string,
    private readonly caller: () => Caller,
    private readonly stopAgent: () => void,
    private readonly spend: {
      attempt: number;
      backend: string;
      model: string | undefined;
      prices: PriceTable;
      allowanceUsd?: number | undefined;
    },
    private readonly onRefusal: RefusalPolicy = 'fail',
  ) {}

  take(event: AgentEvent): void {
    switch (event.type) {
      case 'progress':
        this.pendingProgress = event;
        if (Date.now() - this.lastProgressLog >= PROGRESS_LOG_INTERVAL_MS) this.logProgress();
        return;
      case 'tool':
        this.log(`tool ${event.name}: ${event.summary}${event.isError ? ' (error)' : ''}`);
        return;
      case 'error':
        this.log(`error: ${event.message}`);
        return;
      case 'text':
        this.lastText = event.text;
        return;
      case 'summary':
        this.summary = event.text;
        return;
      case 'usage':
        this.sawUsage = true;
        if (event.model) this.reportedModel = event.model;
        for (const [key, value] of Object.entries(usageToRecord(event)) as Array<[string, number]>)
          this.usage[key] = (this.usage[key] ?? 0) + value;
        this.addSpend(event);
        return;
      case 'result':
        this.result = event;
        if (!event.ok && event.reason) this.log(`agent reported failure: ${event.reason}`);
        return;
      case 'halt':
        if (this.halt) return;
        if (event.kind === 'permission-denied' && this.onRefusal === 'continue') {
          // The agent got the refusal as its call's result and goes on; the task's check still decides.
          const allow = event.rule
            ? `; \`wg edit ${this.taskId} --tool ${JSON.stringify(event.rule)}\` would allow it`
            : '';
          this.log(`refused: ${event.request}${allow} (on_permission_denied = continue: the agent goes on)`);
          return;
        }
        this.halt = event;
        this.log(`stopping the agent: ${event.kind.replace('-', ' ')}: ${event.request}`);
        this.stopAgent();
        return;
    }
  }

  private addSpend(usage: Usage): void {
    const model = this.reportedModel ?? this.spend.model;
    const spend = costOf(usage, model, this.spend.prices);
    if (!spend.priced && this.priced)
      this.log(
        `no price for model ${model ?? '(none named)'} under [prices] in config.toml: this attempt's tokens are not counted in dollars`,
      );
    this.priced &&= spend.priced;
    this.spentUsd = Math.round((this.spentUsd + spend.costUsd) * 1e6) / 1e6;
    const allowance = this.spend.allowanceUsd;
    if (allowance !== undefined && this.spentUsd >= allowance && !this.halt) {
      this.take({
        type: 'halt',
        kind: 'budget-exhausted',
        request: `spent $${this.spentUsd} of the $${allowance} this attempt was allowed`,
      });
    }
  }

  registerArtifacts(paths: readonly string[]): void {
    for (const path of paths) this.write((graph) => addArtifact(graph, this.taskId, this.caller(), path));
  }

  recordProcess(pid: number): void {
    this.write((graph) => recordAgentProcess(graph, this.taskId, this.caller(), { pid, start: processStartTime(pid) }));
  }

  private logProgress(): void {
    const event = this.pendingProgress;
    if (!event) return;
    this.pendingProgress = undefined;
    this.lastProgressLog = Date.now();
    if (event.percent !== undefined)
      this.write((graph) => setProgress(graph, this.taskId, this.caller(), event.percent!, event.message));
    else this.log(event.message, true);
  }

  private log(message: string, isProgress = false): void {
    if (!isProgress && this.logged >= MAX_LOGGED_EVENTS) return;
    if (!isProgress && ++this.logged === MAX_LOGGED_EVENTS)
      message = `${message} (further tool calls and errors only in events.jsonl)`;
    this.write((graph) => appendLog(graph, this.taskId, this.caller(), message));
  }

  private write(change: (graph: Graph) => unknown): void {
    // A lease that moved on (the agent finished the task itself) only means the entry is
    // dropped; a failed write is the writer's `failure`, which stops the runner.
    this.context.writer.apply(change).catch(() => undefined);
  }

  /**
   * Queue what is still owed; the writes land before (or with) the verdict, which is queued
   * after them. The agent's last message is logged unless it is recorded as the task's summary.
   */
  flush(summaryRecorded: boolean): void {
    this.logProgress();
    if (this.lastText && !summaryRecorded) this.log(`agent's last message: ${this.lastText.slice(0, 300)}`, true);
    if (!this.sawUsage) return;
    // Dollars as counted here: reported by the agent, or tokens priced from config.toml.
    this.write((graph) =>
      addTokenUsage(graph, this.taskId, { ...(this.usage as TokenUsage), cost_usd: this.spentUsd }),
    );
    const { attempt, backend } = this.spend;
    const model = this.reportedModel ?? this.spend.model;
    const tokens = { input_tokens: this.usage.input_tokens, output_tokens: this.usage.output_tokens };
    this.write((graph) =>
      recordAttemptCost(graph, this.taskId, {
        attempt,
        backend,
        ...(model ? { model } : {}),
        cost_usd: this.spentUsd,
        ...tokens,
        ...(this.priced ? {} : { priced: false }),
      }),
    );
  }
}
