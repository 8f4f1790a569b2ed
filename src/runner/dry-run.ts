/**
 * `wg run --dry-run`: everything a run would build (assignments, trajectories, prompts,
 * argv, cwd, environment, worktrees) for every task, in the order the run would start
 * them: the run's own scheduler plays the run out in memory (simulate.ts), assuming each
 * task succeeds. A launch that would fail is still shown, prompt included, with why.
 * Nothing is launched and the graph is not written.
 */
import { join } from 'node:path';
import { copyGraph, getTask, type Graph } from '../graph/model.js';
import type { Actor } from '../graph/schema.js';
import { runDirectory } from './attempt/prepare.js';
import type { TreeInfo } from './isolation.js';
import { previewLaunch, type AttemptPlace, type LaunchOptions } from './prepare.js';
import { maskEnv } from './redact.js';
import { runScope, stepsPerJob, type StartOrder } from './scheduler.js';
import { simulateRun } from './simulate.js';

export interface PlannedStep {
  /** Which pick of the run starts its job (1: the first). */
  wave: number;
  task: string;
  title: string;
  actor: string;
  attempt: number;
  /** Set for the second and later steps of a trajectory. */
  after?: string | undefined;
  backend?: string | undefined;
  model?: string | undefined;
  file?: string | undefined;
  args?: string[] | undefined;
  cwd?: string | undefined;
  stdin?: string | undefined;
  addedEnv?: Record<string, string> | undefined;
  env?: Record<string, string> | undefined;
  /** Names of wg's environment the agent gets and, by name only, those withheld from it. */
  envPassed?: string[] | undefined;
  envWithheld?: string[] | undefined;
  prompt?: string | undefined;
  promptTokens?: number | undefined;
  omitted?: string[] | undefined;
  /** What the agent may do without asking (as in its prompt). */
  permissions?: string[] | undefined;
  /** The worktree the attempt would get, when runs are isolated. */
  worktree?: TreeInfo | undefined;
  /** Why this step's launch would fail (the first reason; all of them in `errors`). */
  error?: string | undefined;
  errors?: string[] | undefined;
}

export interface DryRunPlan {
  steps: PlannedStep[];
  unassignable: Array<{ task: string; reasons: string[] }>;
  /** Tasks the budget would keep from starting. */
  overBudget: string[];
  /** Tasks that would still be waiting when everything runnable has run. */
  neverReady: string[];
  /** Whether any launch would fail (a step that cannot be launched, or a task no actor may take): `wg run --dry-run` exits 1. */
  wouldFail: boolean;
}

export interface DryRunOptions {
  only?: string | undefined;
  trajectory: boolean;
  maxSteps: number;
  actor?: string | undefined;
  contextLimit?: number | undefined;
  parallel: number;
  order?: StartOrder | undefined;
  budgetUsd?: number | undefined;
  expectedCostUsd: number;
  /** The tree each attempt would get (isolated runs); its files are read from the project meanwhile. */
  preview?: ((taskId: string, attempt: number) => AttemptPlace) | undefined;
}

const TOKEN_PLACEHOLDER = '<lease token>';

export function planDryRun(graph: Graph, launch: LaunchOptions, options: DryRunOptions, now = new Date()): DryRunPlan {
  const scope = options.only ? runScope(graph, options.only, options, now) : undefined;
  const simulation = simulateRun(
    graph,
    {
      scope,
      actor: options.actor,
      contextLimit: options.contextLimit,
      maxSteps: stepsPerJob(options),
      order: options.order,
      backend: launch.backend,
      config: launch.config,
      parallel: options.parallel,
      budgetUsd: options.budgetUsd,
      expectedCostUsd: options.expectedCostUsd,
    },
    now,
  );
  // Each prompt is built from the graph as the run would have it then: the steps finished before it count as done.
  const then = copyGraph(graph);
  let finished = 0;
  const begins = simulation.starts.flatMap((start, job) =>
    start.steps.map((id, step) => ({ id, job, step, after: start.finishedBefore[step]! })),
  );
  begins.sort((a, b) => a.after - b.after);
  const built = new Map<string, PlannedStep>();
  for (const { id, job, step, after } of begins) {
    for (; finished < after; finished++) {
      const done = simulation.finished[finished]!;
      then.tasks.set(done, { ...getTask(then, done), status: 'done', claim: undefined });
    }
    const start = simulation.starts[job]!;
    built.set(id, plannedStep(then, launch, options, start.wave, start.actor, id, start.steps[step - 1]));
  }
  const steps = simulation.starts.flatMap((start) => start.steps.map((id) => built.get(id)!));
  const wouldFail = steps.some((step) => step.error !== undefined) || simulation.unassignable.length > 0;
  return {
    steps,
    unassignable: simulation.unassignable,
    overBudget: simulation.overBudget,
    neverReady: simulation.neverReady,
    wouldFail,
  };
}

function plannedStep(
  graph: Graph,
  launch: LaunchOptions,
  options: DryRunOptions,
  wave: number,
  actor: Actor,
  id: string,
  previous: string | undefined,
): PlannedStep {
  const task = getTask(graph, id);
  const attempt = (task.attempts ?? 0) + 1;
  const place = options.preview?.(id, attempt);
  const identity = { actor, attempt, token: TOKEN_PLACEHOLDER, previousStepId: previous, place };
  const built = previewLaunch(
    graph,
    task,
    identity,
    join(runDirectory(launch.workgraphDir, id, attempt), 'prompt.md'),
    launch,
  );
  const usesPrompt = built.backend?.usesPrompt ?? true;
  return {
    wave,
    task: id,
    title: task.title,
    actor: actor.id,
    attempt,
    after: previous,
    backend: built.backendName,
    model: built.model,
    file: built.spec?.file,
    args: built.spec?.args,
    cwd: built.spec?.cwd ?? built.workdir,
    stdin: built.spec?.stdin === undefined ? undefined : 'the prompt',
    addedEnv: maskEnv(built.addedEnv ?? {}),
    env: built.spec ? maskEnv(built.spec.env) : undefined,
    envPassed: built.environment?.passed,
    envWithheld: built.environment?.withheld,
    prompt: usesPrompt ? built.prompt : undefined,
    promptTokens: usesPrompt ? built.promptTokens : undefined,
    omitted: built.omitted,
    permissions: built.permissions,
    worktree: place?.info,
    error: built.errors[0],
    errors: built.errors.length > 0 ? built.errors : undefined,
  };
}
