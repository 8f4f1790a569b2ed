import { isAbsolute, relative, resolve, sep } from 'node:path';
import { realpathSync } from 'node:fs';
import { InvalidInputError, OutsideProjectError } from '../errors.js';

/** Whether `path` (absolute) lies outside the folder `base`. */
export function leadsOutside(base: string, path: string): boolean {
  const inside = relative(base, path);
  return inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside);
}

/**
 * `path` (relative to `cwd`, or absolute) as a path relative to the project root,
 * refusing anything that leads outside the project.
 */
export function projectRelative(root: string, cwd: string, path: string, what = 'path'): string {
  const absolute = resolve(cwd, path);
  const inside = relative(root, absolute);
  if (inside === '' || leadsOutside(root, absolute)) {
    throw new InvalidInputError(`${what} ${path} is outside the project (${root})`);
  }
  return inside.split(sep).join('/');
}

function realPath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined; // Not there yet: only its spelling can be judged now; the runner checks again.
  }
}

/** Refuse `ref` (relative to the project root) if it leads outside the project, by its path or through a symlink. */
export function assertInsideProject(root: string, ref: string, what: string): void {
  const absolute = resolve(root, ref);
  if (leadsOutside(root, absolute)) throw new OutsideProjectError(`${what} ${ref} is outside the project (${root})`);
  const real = realPath(absolute);
  if (real !== undefined && leadsOutside(realpathSync(root), real))
    throw new OutsideProjectError(`${what} ${ref} is a symlink that leads outside the project (to ${real})`);
}
