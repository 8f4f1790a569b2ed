/**
 * Removing a task (`wg rm`), pure. A task others wait for is kept unless forced: removing
 * it would silently free its dependents (a missing blocker is only a warning), which is
 * rarely what a person fixing a typo means. Forced, every reference to it goes too, so
 * no task is left waiting for, or blocking, a task that does not exist.
 */
import { TransitionError } from '../errors.js';
import { dependencyIndex } from './deps.js';
import { getTask, type Graph } from './model.js';
import type { Task } from './schema.js';

export interface Removal {
  removed: Task;
  /** Tasks whose blocked_by or blocks named the removed task, and lost that reference. */
  unlinked: string[];
}

export function removeTask(graph: Graph, id: string, options: { force: boolean }): Removal {
  const task = getTask(graph, id);
  if (task.status === 'in-progress' || task.claim) {
    const holder = task.claim
      ? `${task.claim.trajectory ? 'reserved' : 'claimed'} by ${task.claim.actor}`
      : 'in progress';
    throw new TransitionError(
      `${id} is ${holder}: it cannot be removed while an agent may be working on it`,
      `stop its run, or \`wg unclaim ${id} --force\`, then remove it`,
    );
  }
  const dependents = dependencyIndex(graph)
    .dependentsOf(id)
    .filter((other) => other !== id && graph.tasks.has(other));
  if (dependents.length > 0 && !options.force) {
    throw new TransitionError(
      `${id} cannot be removed: ${dependents.join(', ')} ${dependents.length === 1 ? 'waits' : 'wait'} for it`,
      `\`wg rm ${id} --force\` removes it and drops it from their blocked_by (they may then start), or point them elsewhere first (\`wg edit ${dependents[0]} --remove-blocked-by ${id} --blocked-by <task>\`)`,
    );
  }
  graph.tasks.delete(id);
  const unlinked: string[] = [];
  for (const other of graph.tasks.values()) {
    const blockedBy = other.blocked_by?.includes(id);
    const blocks = other.blocks?.includes(id);
    if (!blockedBy && !blocks) continue;
    const next: Task = { ...other };
    const without = (refs: string[]) => (refs.some((ref) => ref !== id) ? refs.filter((ref) => ref !== id) : undefined);
    if (blockedBy) next.blocked_by = without(other.blocked_by!);
    if (blocks) next.blocks = without(other.blocks!);
    graph.tasks.set(other.id, next);
    unlinked.push(other.id);
  }
  return { removed: task, unlinked };
}
