import { isAbsolute, relative, resolve, sep } from 'node:path';
import { InvalidInputError } from '../errors.js';

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
