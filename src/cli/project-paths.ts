/**
 * `wg add` / `wg edit` refuse a working_dir or context file that leads outside the
 * project, by its path or (when it exists) through a symlink: the runner would refuse
 * it later anyway, after claiming the task and recording a failure. Catching it here
 * leaves the graph untouched. (`wg run --allow-outside` still lets a hand-edited
 * working_dir lead outside on purpose.)
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { OutsideProjectError } from '../errors.js';
import { leadsOutside } from '../system/paths.js';
import type { TaskChanges } from '../graph/edit.js';

function realPath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined; // Not there yet: only its spelling can be judged now; the runner checks again.
  }
}

function assertInside(root: string, ref: string, what: string): void {
  const absolute = resolve(root, ref);
  if (leadsOutside(root, absolute)) throw new OutsideProjectError(`${what} ${ref} is outside the project (${root})`);
  const real = realPath(absolute);
  if (real !== undefined && leadsOutside(realpathSync(root), real)) throw new OutsideProjectError(`${what} ${ref} is a symlink that leads outside the project (to ${real})`);
}

export function assertPathsInsideProject(root: string, changes: TaskChanges): void {
  const workingDir = changes.set?.working_dir;
  if (typeof workingDir === 'string' && workingDir !== '') assertInside(root, workingDir, 'working_dir');
  for (const file of changes.add?.context_files ?? []) assertInside(root, file, 'context file');
}
