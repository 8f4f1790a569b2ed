import { NotFoundError } from '../errors.js';
import type { Actor, Resource, Task } from './schema.js';

/**
 * The whole graph in memory. Maps keep file order. Records are treated as immutable:
 * a change replaces the record object, which is how the store knows what to rewrite.
 */
export interface Graph {
  readonly tasks: Map<string, Task>;
  readonly actors: Map<string, Actor>;
  readonly resources: Map<string, Resource>;
}

export function emptyGraph(): Graph {
  return { tasks: new Map(), actors: new Map(), resources: new Map() };
}

/** A shallow copy whose maps can be changed without touching the original. */
export function copyGraph(graph: Graph): Graph {
  return { tasks: new Map(graph.tasks), actors: new Map(graph.actors), resources: new Map(graph.resources) };
}

export function getTask(graph: Graph, id: string): Task {
  const task = graph.tasks.get(id);
  if (!task) throw new NotFoundError(`no task "${id}"`, closestHint(id, graph.tasks.keys()));
  return task;
}

export function getActor(graph: Graph, id: string): Actor {
  const actor = graph.actors.get(id);
  if (!actor) throw new NotFoundError(`no actor "${id}"`, closestHint(id, graph.actors.keys(), 'wg actor list'));
  return actor;
}

function closestHint(id: string, ids: Iterable<string>, listCommand = 'wg list'): string {
  const candidates = [...ids].filter((candidate) => candidate.includes(id) || id.includes(candidate));
  if (candidates.length > 0 && candidates.length <= 3) return `did you mean ${candidates.join(', ')}?`;
  return `\`${listCommand}\` shows what exists`;
}
