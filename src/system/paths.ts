import { isAbsolute, relative, resolve, sep } from 'node:path';
import { InvalidInputError } from '../errors.js';

/**
 * `path` (relative to `cwd`, or absolute) as a path relative to the project root,
 * refusing anything that leads outside the project.
 */
export function projectRelative(root: string, cwd: string, path: string, what = 'path'): string {
  const absolute = resolve(cwd, path);
  const inside = relative(root, absolute);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw new InvalidInputError(`${what} ${path} is outside the project (${root})`);
  }
  return inside.split(sep).join('/');
}
