/**
 * `wg run --dry-run`: everything a run would build (assignments, trajectories,
 * prompts, argv, cwd, environment) for every task, in the order it would run,
 * assuming each task succeeds. Nothing is launched and the graph is not written.
 */
import { join } from 'node:path';
import { NotReadyError, WgError } from '../errors.js';
import { dependencyIndex, readiness, readyTasks } from '../graph/deps.js';
import { copyGraph, getTask, type Graph } from '../graph/model.js';
import { assignActor, jobSteps, runActors } from './assign.js';
import type { TreeInfo } from './isolation.js';
import { prepareLaunch, type LaunchOptions } from './prepare.js';
import { maskEnv } from './redact.js';
import { runDirectory } from './attempt.js';

export interface PlannedStep {
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
  prompt?: string | undefined;
  promptTokens?: number | undefined;
  omitted?: string[] | undefined;
  /** What the agent may do without asking (as in its prompt). */
  permissions?: string[] | undefined;
  /** The worktree the attempt would get, when runs are isolated. */
  worktree?: TreeInfo | undefined;
  /** Why this step could not be prepared (it would fail with this reason). */
  error?: string | undefined;
}

export interface DryRunPlan {
  steps: PlannedStep[];
  unassignable: Array<{ task: string; reasons: string[] }>;
  /** Tasks that would still be waiting when everything runnable has run. */
  neverReady: string[];
}

export interface DryRunOptions {
  only?: string | undefined;
  trajectory: boolean;
  maxSteps: number;
  actor?: string | undefined;
  contextLimit?: number | undefined;
  /** The tree each attempt would get (isolated runs); the prompt is still built from the project itself. */
  preview?: ((taskId: string, attempt: number) => TreeInfo) | undefined;
}

const TOKEN_PLACEHOLDER = '<lease token>';

export function planDryRun(loaded: Graph, launch: LaunchOptions, options: DryRunOptions): DryRunPlan {
  const graph = copyGraph(loaded);
  const steps: PlannedStep[] = [];
  const unassignable: DryRunPlan['unassignable'] = [];
  const planned = new Set<string>();
  const now = new Date();
  const maxSteps = options.only ? (options.trajectory ? options.maxSteps : 1) : options.maxSteps;
  if (options.only) {
    const ready = readiness(graph, dependencyIndex(graph), getTask(graph, options.only), now);
    if (!ready.ready) throw new NotReadyError(`cannot run ${options.only}: ${ready.reasons.join('; ')}`);
  }
  for (let wave = 1; ; wave++) {
    const actors = runActors(graph, options.actor, options.contextLimit);
    const ready = readyTasks(graph, now).filter((task) => !planned.has(task.id) && (!options.only || wave === 1) && (!options.only || task.id === options.only));
    if (ready.length === 0) break;
    const finished: string[] = [];
    for (const task of ready) {
      if (planned.has(task.id)) continue;
      const assignment = assignActor(graph, task, actors);
      if ('reasons' in assignment) {
        unassignable.push({ task: task.id, reasons: assignment.reasons });
        planned.add(task.id);
        continue;
      }
      const chain = jobSteps(graph, task, assignment.actor, { maxSteps, contextLimit: options.contextLimit, exclude: (id) => planned.has(id) });
      let previous: string | undefined;
      for (const id of chain) {
        const step = getTask(graph, id);
        const attempt = (step.attempts ?? 0) + 1;
        const base: PlannedStep = { wave, task: id, title: step.title, actor: assignment.actor.id, attempt, after: previous };
        try {
          const worktree = options.preview?.(id, attempt);
          const identity = { actor: assignment.actor, attempt, token: TOKEN_PLACEHOLDER, previousStepId: previous, place: { root: launch.root, info: worktree } };
          const prepared = prepareLaunch(graph, step, identity, join(runDirectory(launch.workgraphDir, id, attempt), 'prompt.md'), launch);
          steps.push({
            ...base,
            backend: prepared.backendName,
            model: prepared.model,
            file: prepared.spec.file,
            args: prepared.spec.args,
            cwd: prepared.spec.cwd,
            stdin: prepared.spec.stdin === undefined ? undefined : 'the prompt',
            addedEnv: maskEnv(prepared.addedEnv),
            env: maskEnv(prepared.spec.env),
            prompt: prepared.backend.usesPrompt ? prepared.prompt : undefined,
            promptTokens: prepared.backend.usesPrompt ? prepared.promptTokens : undefined,
            omitted: prepared.omitted,
            permissions: prepared.permissions,
            worktree,
          });
        } catch (error) {
          if (!(error instanceof WgError)) throw error;
          steps.push({ ...base, error: error.message });
        }
        planned.add(id);
        finished.push(id);
        previous = id;
      }
    }
    // Pretend this wave succeeded, so the next wave sees its dependents as ready.
    for (const id of finished) graph.tasks.set(id, { ...getTask(graph, id), status: 'done', claim: undefined });
    if (options.only) break;
  }
  const neverReady = [...graph.tasks.values()].filter((task) => task.status === 'open' && !planned.has(task.id)).map((task) => task.id);
  return { steps, unassignable, neverReady };
}
