/**
 * One attempt of one task, from the moment its lease is held to the moment its verdict is
 * recorded, cut by the phases of its life (as execa cuts a process): prepare (attempt/prepare.ts)
 * → launch (attempt/launch.ts) → judge (attempt/judge.ts, pure) → land (attempt/land.ts) →
 * record (attempt/record.ts). The lease fences the record out if the task moved on.
 */
import { join } from 'node:path';
import { getTask } from '../graph/model.js';
import type { Task } from '../graph/schema.js';
import type { Caller } from '../graph/transitions.js';
import { checkDeliverables } from './attempt/deliverables.js';
import type { AttemptContext, AttemptResult, AttemptStep, AttemptSubject } from './attempt/context.js';
import { judge, underStop, type Evidence, type HaltEvent } from './attempt/judge.js';
import { hold, land } from './attempt/land.js';
import { launchAttempt, type Launched } from './attempt/launch.js';
import { prepareAttempt, type Ready } from './attempt/prepare.js';
import { reasonFor, recordVerdict, type Ending } from './attempt/record.js';
import { intendedBackend } from './attempt/step.js';
import { TaskLog } from './attempt/task-log.js';
import { checkEnv, runVerify } from './attempt/verify.js';
import type { HeldResult, LandResult } from './isolation.js';
import { needsReview } from '../graph/review.js';
import type { ValidationMode } from '../graph/types.js';
import type { Outcome } from './outcome.js';
import type { AttemptIdentity } from './prepare.js';
import { redactText } from './redact.js';
import { sandboxNeverStarted } from './sandbox.js';
import type { PreviousAttempt } from './retry-start.js';

export type { AttemptContext, AttemptResult, AttemptStep, Verdict } from './attempt/context.js';

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
  const subject: AttemptSubject = { taskId, identity, caller };
  const log = new TaskLog(context.writer, subject);
  const graph = await context.load();
  const task = getTask(graph, taskId);
  const reportStart = (backend: string) =>
    context.reporter.event({
      type: 'start',
      task: taskId,
      title: task.title,
      actor: identity.actor.id,
      attempt: identity.attempt,
      backend,
    });

  const preparation = await prepareAttempt(context, graph, task, identity, log, previous, step);
  if (preparation.kind === 'not-started') {
    const backend = intendedBackend(task, identity, context.launch);
    reportStart(backend);
    return finish(
      context,
      subject,
      started,
      { outcome: preparation.outcome, defaultMaxRetries: context.defaultMaxRetries },
      { backend },
    );
  }
  const { ready } = preparation;
  reportStart(ready.launch.backendName);
  const launched = await launchAttempt(context, ready, identity.attempt, log);
  const { report, spend, secrets } = launched;
  const { landed, present, held } = await judgeAndLand(context, task, ready, launched, identity.attempt);

  const succeeded = landed.outcome.kind === 'succeeded';
  // Downstream prompts see only registered files: a declared deliverable is registered even if the agent forgot.
  if (succeeded) log.registerArtifacts(present);
  // Output is masked before it is parsed; masking again costs nothing and holds even for a secret the parser unescaped from JSON.
  const summary = report.summary === undefined ? undefined : redactText(report.summary, secrets);
  log.flushProgress();
  // The agent's last message is logged unless it is recorded as the task's summary.
  if (report.lastText && !(succeeded && summary !== undefined))
    log.note(`agent's last message: ${report.lastText.slice(0, 300)}`);
  spend.record();
  return finish(
    context,
    subject,
    started,
    {
      ...landed,
      summary,
      defaultMaxRetries: context.defaultMaxRetries,
      held: held && { ...held, session: report.result?.sessionId, backend: ready.launch.backendName },
    },
    {
      heldForReview: held !== undefined && landed.outcome.kind === 'succeeded',
      lastText: report.lastText,
      summary,
      sessionId: report.result?.sessionId,
      costUsd: spend.spentUsd,
      backend: ready.launch.backendName,
      model: spend.model,
      tree: ready.tree.info,
      workdir: ready.launch.workdir,
    },
  );
}

/**
 * Judge the run, look at what it left only while it still stands (its deliverables, then its
 * check), and land it or keep its tree; a success on a task that needs review is held instead
 * (`held`), unlanded. `present`: the declared deliverables it wrote.
 */
async function judgeAndLand(
  context: AttemptContext,
  task: Task,
  ready: Ready,
  { end, report, spend, secrets }: Launched,
  attempt: number,
): Promise<{ landed: LandResult; present: string[]; held?: { mode: ValidationMode; result: HeldResult | undefined } }> {
  const evidence: Evidence = {
    end,
    sandboxFailure: sandboxNeverStarted(ready.launch.sandbox, end, join(ready.runDir, 'output.log')),
    result: report.result,
    halt: report.halt ?? (await questionAsked(context, task.id, attempt)),
    loop: report.loop,
    spentUsd: spend.spentUsd,
    allowance: ready.allowance,
    tools: task.tools,
  };
  let present: string[] = [];
  if (judge(evidence).kind === 'succeeded') {
    const found = await checkDeliverables(ready.tree.root, task.deliverables ?? []);
    evidence.missingDeliverables = found.missing;
    present = found.present;
  }
  const check = () => runCheck(context, task, ready, secrets);
  if (judge(evidence).kind === 'succeeded' && task.verify) evidence.check = await check();
  const judged = judge(evidence);
  if (judged.kind === 'succeeded' && needsReview(task, context.defaultValidation)) {
    const mode = task.validation ?? context.defaultValidation;
    const kept = await hold(ready.tree, task);
    if ('outcome' in kept) return { landed: kept, present };
    return { landed: { outcome: judged }, present, held: { mode, result: kept.result } };
  }
  return { landed: await land(ready.tree, task, judged, check), present };
}

/**
 * The question the agent asked with `wg ask` during this attempt, as a halt: whatever its
 * process did after, the attempt ends there (its work is not checked or landed).
 */
async function questionAsked(context: AttemptContext, taskId: string, attempt: number): Promise<HaltEvent | undefined> {
  const now = (await context.load()).tasks.get(taskId);
  const question = now?.status === 'waiting' ? now.question : undefined;
  if (question?.kind !== 'question' || question.attempt !== attempt || question.answer) return undefined;
  return { type: 'halt', kind: 'input-required', request: question.text };
}

function runCheck(context: AttemptContext, task: Task, ready: Ready, secrets: string[]): Promise<Outcome> {
  return runVerify(task.verify!, { workdir: ready.launch.workdir, env: checkEnv(ready.launch) }, ready.runDir, {
    timeoutMs: ready.timeoutMs ?? 10 * 60_000,
    graceMs: context.graceMs,
    signal: context.signal,
    secrets,
  });
}

/** Queue the verdict (the writes above land before it), report the end, and hand back what the runner needs. */
function finish(
  context: AttemptContext,
  subject: AttemptSubject,
  started: number,
  ending: Ending,
  extra: Omit<AttemptResult, 'outcome' | 'recorded'>,
): AttemptResult {
  const outcome = underStop(ending.outcome, context.signal.aborted);
  const recorded = recordVerdict(context.writer, subject, { ...ending, outcome }).then((verdict) => {
    if (verdict.kind === 'lease-lost')
      context.reporter.event({
        type: 'warning',
        message: `${subject.taskId}: ${verdict.reason}; this attempt's result was not recorded`,
      });
    return verdict;
  });
  context.reporter.event({
    type: 'end',
    task: subject.taskId,
    attempt: subject.identity.attempt,
    outcome,
    reason: reasonFor(outcome, subject.taskId),
    elapsedMs: Date.now() - started,
    ...(outcome.kind === 'succeeded' && ending.held ? { heldForReview: true as const } : {}),
  });
  return { outcome, recorded, ...extra };
}
