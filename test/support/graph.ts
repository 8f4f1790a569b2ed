/** Literal graphs for unit tests: a task needs only an id; title and status default. */
import { emptyGraph, type Graph } from '../../src/graph/model.js';
import type { Actor, Resource, Task } from '../../src/graph/schema.js';

export type TaskLiteral = Partial<Task> & { id: string };

export function graphOf(tasks: TaskLiteral[], more: { actors?: Actor[]; resources?: Resource[] } = {}): Graph {
  const graph = emptyGraph();
  for (const task of tasks) graph.tasks.set(task.id, { title: task.id.toUpperCase(), status: 'open', ...task });
  for (const actor of more.actors ?? []) graph.actors.set(actor.id, actor);
  for (const resource of more.resources ?? []) graph.resources.set(resource.id, resource);
  return graph;
}

/** `count` tasks t0 <- t1 <- ... each waiting for the one before. */
export function chain(count: number, extra: Partial<Task> = {}): TaskLiteral[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `t${i}`,
    ...(i > 0 ? { blocked_by: [`t${i - 1}`] } : {}),
    ...extra,
  }));
}
