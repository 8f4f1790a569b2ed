/**
 * `wg add` / `wg edit` refuse a working_dir or context file that leads outside the
 * project, by its path or (when it exists) through a symlink: the runner would refuse
 * it later anyway, after claiming the task and recording a failure. Catching it here
 * leaves the graph untouched. (`wg run --allow-outside` still lets a hand-edited
 * working_dir lead outside on purpose.)
 */
import type { TaskChanges } from '../graph/edit.js';
import { assertInsideProject } from '../system/paths.js';

export function assertPathsInsideProject(root: string, changes: TaskChanges): void {
  const workingDir = changes.set?.working_dir;
  if (typeof workingDir === 'string' && workingDir !== '') assertInsideProject(root, workingDir, 'working_dir');
  for (const file of changes.add?.context_files ?? []) assertInsideProject(root, file, 'context file');
}
