/** Who runs what, and how far its trajectory goes: shared by `wg run` and its dry run. */
import type { DependencyIndex } from '../graph/deps.js';
import { rankActors } from '../graph/matching.js';
import { TaskMap, type Graph } from '../graph/model.js';
import type { Actor, Task } from '../graph/schema.js';
import { planTrajectory } from '../graph/trajectory.js';

/** With no actors defined, one local actor that can do anything the graph asks for. */
export function defaultActor(graph: Graph, id: string | undefined, contextLimit: number | undefined): Actor {
  // A store's graph counts the skills asked for as tasks change; any other graph is looked through.
  const skills =
    graph.tasks instanceof TaskMap
      ? new Set(graph.tasks.skills.keys())
      : new Set([...graph.tasks.values()].flatMap((task) => task.skills ?? []));
  const actor: Actor = {
    id: id ?? 'local',
    name: 'local runner',
    actor_type: 'agent',
    trust_level: 'verified',
    capabilities: [...skills],
  };
  if (contextLimit !== undefined) actor.context_limit = contextLimit;
  return actor;
}

/** The actors a run may use: the graph's (or only `--actor`), else the default local one. */
export function runActors(graph: Graph, only: string | undefined, contextLimit: number | undefined): Actor[] {
  const defined = [...graph.actors.values()];
  if (defined.length === 0) return [defaultActor(graph, only, contextLimit)];
  return only ? defined.filter((actor) => actor.id === only) : defined;
}

export type Assignment = { actor: Actor } | { reasons: string[] };

/** The best eligible actor for the task (the core's scoring), or why each one is not. */
export function assignActor(graph: Graph, task: Task, actors: readonly Actor[]): Assignment {
  const first = actors[0];
  if (actors.length === 1 && first && !graph.actors.has(first.id)) return { actor: first };
  if (actors.length === 0) return { reasons: ['no such actor'] };
  const allowed = new Set(actors.map((actor) => actor.id));
  const ranked = rankActors(graph, task).filter((entry) => allowed.has(entry.actor.id));
  // An agent that may do the task does it; a person gets only what no agent may do.
  const best =
    ranked.find((entry) => entry.match.eligible && entry.actor.actor_type !== 'human') ??
    ranked.find((entry) => entry.match.eligible);
  if (best) return { actor: best.actor };
  return { reasons: ranked.map((entry) => `${entry.actor.id}: ${entry.match.reasons.join(', ') || 'not eligible'}`) };
}

/** The steps a job will walk from `task`: the task alone, or its trajectory (steps others hold left out). */
export function jobSteps(
  graph: Graph,
  task: Task,
  actor: Actor,
  options: {
    maxSteps: number;
    contextLimit?: number | undefined;
    exclude: (id: string) => boolean;
    index?: DependencyIndex | undefined;
    assumeDone?: ReadonlySet<string>;
  },
): string[] {
  if (options.maxSteps <= 1) return [task.id];
  const planned = planTrajectory(graph, task.id, {
    actor,
    maxSteps: options.maxSteps,
    now: new Date(),
    contextLimit: options.contextLimit,
    index: options.index,
    assumeDone: options.assumeDone,
  });
  return planned.steps.map((step) => step.id).filter((id, index) => index === 0 || !options.exclude(id));
}
