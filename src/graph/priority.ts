/**
 * Which ready task to start first when there are more than free slots: the one with the
 * longest chain of remaining work below it (its own duration included), as list
 * schedulers do (HLFET). Starting the critical path first keeps a run near its lower
 * bound, max(critical path, total work / slots), where listed order can start a long
 * chain last.
 */
import type { DependencyIndex } from './deps.js';
import { satisfiesDependents } from './deps.js';
import type { Graph } from './model.js';
import type { Task } from './schema.js';
import { acyclicView, subgraph } from './topology.js';

/** One unit of work, in hours, for a task with neither an estimate nor a history. */
export const UNIT_HOURS = 1;

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** Hours a task is expected to take: its estimate; else the median of its earlier attempts (hours); else one unit. */
export function expectedHours(task: Task, history: readonly number[] = []): number {
  if (task.estimate?.hours !== undefined) return task.estimate.hours;
  if (history.length > 0) return median(history);
  return UNIT_HOURS;
}

/**
 * For every unfinished task, the hours of the longest chain of unfinished work that
 * starts with it and runs through its dependents. Tasks in a cycle count their own
 * duration only (a cycle never becomes ready anyway). Linear in tasks + dependencies.
 */
export function remainingPathHours(
  graph: Graph,
  index: DependencyIndex,
  hoursOf: (task: Task) => number,
): Map<string, number> {
  const ids: string[] = [];
  for (const task of graph.tasks.values()) if (!satisfiesDependents(task.status)) ids.push(task.id);
  const sub = subgraph(ids, index.blockersOf);
  const view = acyclicView(sub);
  const below = new Float64Array(ids.length);
  for (let i = view.order.length - 1; i >= 0; i--) {
    const node = view.order[i]!;
    let longest = 0;
    for (const dependent of sub.dependents[node]!)
      if (view.counts(node, dependent)) longest = Math.max(longest, below[dependent]!);
    below[node] = hoursOf(graph.tasks.get(ids[node]!)!) + longest;
  }
  const result = new Map<string, number>();
  ids.forEach((id, node) => result.set(id, below[node]! || hoursOf(graph.tasks.get(id)!)));
  return result;
}

/** `tasks` with the longest remaining path first; ties keep their listed order. */
export function byRemainingPath<T extends { id: string }>(
  tasks: readonly T[],
  pathHours: ReadonlyMap<string, number>,
): T[] {
  return tasks
    .map((task, position) => ({ task, position, hours: pathHours.get(task.id) ?? UNIT_HOURS }))
    .sort((a, b) => b.hours - a.hours || a.position - b.position)
    .map((entry) => entry.task);
}
