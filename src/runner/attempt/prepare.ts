/**
 * An attempt's first phase: its run directory, its tree (a worktree of its own, or the
 * project), the launch (prompt, backend, process; see ../prepare.ts) and the files that
 * record it (prompt.md, command.json). Or the reason it cannot start.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { WgError } from '../../errors.js';
import { parseDuration } from '../../graph/duration.js';
import type { Graph } from '../../graph/model.js';
import type { Task } from '../../graph/schema.js';
import type { AttemptTree } from '../isolation.js';
import type { Outcome } from '../outcome.js';
import { prepareLaunch, type AttemptIdentity, type PreparedLaunch } from '../prepare.js';
import { maskEnv } from '../redact.js';
import {
  describeStart,
  rejectedAttempt,
  retryRequest,
  sessionToContinue,
  type PreviousAttempt,
} from '../retry-start.js';
import type { AttemptContext, AttemptStep } from './context.js';
import type { Allowance } from './judge.js';
import { backendTraits, describeStep, intendedBackend, stepSession } from './step.js';
import type { TaskLog } from './task-log.js';
import { describeSandbox, type SandboxUse } from '../sandbox.js';
import { probeSandbox } from '../../sandbox/probe.js';

export function runDirectory(workgraphDir: string, taskId: string, attempt: number): string {
  return join(workgraphDir, 'runs', taskId, String(attempt));
}

/** An attempt ready to launch. */
export interface Ready {
  runDir: string;
  tree: AttemptTree;
  launch: PreparedLaunch;
  allowance: Allowance | undefined;
  timeoutMs: number | undefined;
}

export type Preparation = { kind: 'ready'; ready: Ready } | { kind: 'not-started'; outcome: Outcome };

export async function prepareAttempt(
  context: AttemptContext,
  graph: Graph,
  task: Task,
  identity: AttemptIdentity,
  log: TaskLog,
  previous: PreviousAttempt | undefined,
  step: AttemptStep | undefined,
): Promise<Preparation> {
  const notStarted = (outcome: Outcome): Preparation => ({ kind: 'not-started', outcome });
  const runDir = runDirectory(context.launch.workgraphDir, task.id, identity.attempt);
  // Blocking calls, on purpose (here and for the files below): in the thread pool these small
  // steps queued behind the run's other file work, and the task's start waited for them
  // (docs/decisions/blocking-file-calls.md).
  mkdirSync(runDir, { recursive: true });

  const capUsd = task.max_cost_usd ?? context.launch.config.defaults.max_cost_usd;
  const allowance: Allowance | undefined =
    capUsd === undefined ? undefined : { capUsd, spentBeforeUsd: task.token_usage?.cost_usd ?? 0 };
  if (allowance && allowance.spentBeforeUsd >= allowance.capUsd)
    return notStarted({ kind: 'budget-exhausted', spentUsd: allowance.spentBeforeUsd, capUsd: allowance.capUsd });
  // A retry after a rejection continues the rejected work (and session), as a retry after a failed check would.
  previous ??= rejectedAttempt(task);
  let tree: AttemptTree;
  try {
    const retry = retryRequest(graph, task, previous, context.launch.config.run.retry_from);
    tree = await context.isolation.open(task, identity.attempt, context.signal, retry, step);
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
  const backend = backendTraits(backendName, context.launch);
  const stepLine = describeStep(tree, step, identity.previousStepId);
  if (stepLine) log.note(stepLine);
  const resumed = stepSession(identity, step, resolve(tree.root, task.working_dir ?? '.'), backend);
  if (resumed.line) log.note(resumed.line);
  const continueSession = sessionToContinue(tree.basis, previous, backend);
  const basis =
    tree.basis?.kind === 'continued' ? { ...tree.basis, session: continueSession !== undefined } : tree.basis;
  if (basis) log.note(describeStart(basis, tree.info, backendName));

  let launch: PreparedLaunch;
  try {
    launch = prepareLaunch(
      graph,
      task,
      {
        ...identity,
        resumeSession: resumed.session,
        allowanceUsd: allowance && allowance.capUsd - allowance.spentBeforeUsd,
        continueSession,
        place: { root: tree.root, info: tree.info, retry: basis },
      },
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
  if (launch.sandbox) {
    const failure = await sandboxCannotStart(launch.sandbox);
    if (failure) {
      const outcome: Outcome = { kind: 'invalid-configuration', message: failure };
      await tree.keep(outcome);
      return notStarted(outcome);
    }
    log.note(describeSandbox(launch.sandbox));
  }
  const timeoutMs = task.timeout ? parseDuration(task.timeout) : context.defaultTimeoutMs;
  if (launch.backend.usesPrompt) writeFileSync(join(runDir, 'prompt.md'), launch.prompt);
  for (const file of launch.spec.files ?? []) writeFileSync(join(runDir, file.name), file.content);
  writeFileSync(join(runDir, 'command.json'), commandRecord(task, identity, launch, tree, timeoutMs, context.stallMs));
  return { kind: 'ready', ready: { runDir, tree, launch, allowance, timeoutMs } };
}

/** command.json: exactly what was launched, secrets masked. */
function commandRecord(
  task: Task,
  identity: AttemptIdentity,
  launch: PreparedLaunch,
  tree: AttemptTree,
  timeoutMs: number | undefined,
  stallMs: number | undefined,
): string {
  const { spec } = launch;
  const record = {
    task: task.id,
    attempt: identity.attempt,
    actor: identity.actor.id,
    backend: launch.backendName,
    model: launch.model ?? null,
    file: spec.file,
    args: spec.args,
    cwd: spec.cwd,
    worktree: tree.info ?? null,
    stdin: spec.stdin === undefined ? null : `prompt (${Buffer.byteLength(spec.stdin)} bytes)`,
    timeout_ms: timeoutMs ?? null,
    stall_timeout_ms: stallMs ?? null,
    env: maskEnv(spec.env),
    // By name only: a withheld value is never written.
    env_withheld: launch.environment.withheld,
  };
  return `${JSON.stringify(record, null, 2)}\n`;
}

/** Why the sandbox cannot start on this machine (bwrap missing, namespaces forbidden); undefined: it can. */
async function sandboxCannotStart(use: SandboxUse): Promise<string | undefined> {
  if (use.kind === 'own' && !use.turnedOn) return undefined;
  // Claude Code's own sandbox is bubblewrap too, with the network off.
  const probe = await probeSandbox(use.kind === 'own' ? false : use.plan.network);
  return probe.ok ? undefined : `sandbox = "bwrap": ${probe.reason}`;
}
