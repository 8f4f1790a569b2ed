/**
 * Checks made before `wg run` claims anything, so that a graph that cannot run as
 * written is refused with one line and left exactly as it was: a dependency cycle
 * among unfinished tasks (they could never start), and a working_dir or context file
 * of an unfinished task that leads outside the project (unless --allow-outside).
 */
import { WgError } from '../errors.js';
import { findCycles } from '../graph/deps.js';
import type { Graph } from '../graph/model.js';
import { assertInsideProject } from '../system/paths.js';

const finished = (status: string | undefined) => status === 'done' || status === 'abandoned';

export function preflight(graph: Graph, root: string, options: { allowOutside: boolean }): void {
  const cycle = findCycles(graph).find((ids) => ids.some((id) => !finished(graph.tasks.get(id)?.status)));
  if (cycle)
    throw new WgError(
      `dependency cycle: ${cycle.join(' -> ')} (these tasks could never run)`,
      `break it: wg edit ${cycle[0]} --remove-blocked-by ${cycle[1]}`,
    );
  for (const task of graph.tasks.values()) {
    if (finished(task.status)) continue;
    if (task.working_dir && !options.allowOutside)
      assertInsideProject(root, task.working_dir, `task ${task.id}: working_dir`);
    for (const file of task.context_files ?? []) assertInsideProject(root, file, `task ${task.id}: context file`);
  }
}
