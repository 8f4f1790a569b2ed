/**
 * Every path the built-in agent's tools touch must stay inside its working directory.
 * Checked twice: lexically (`..`, absolute paths elsewhere) and on disk, by resolving
 * symlinks along the way, so a link inside the folder that points outside (to a file
 * or to a folder above) is refused too. The messages are what the model reads.
 */
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { WgError } from '../errors.js';
import { leadsOutside } from '../system/paths.js';

export class OutsideWorkdirError extends WgError {}

function isInside(root: string, path: string): boolean {
  return !leadsOutside(root, path);
}

/** The real path of the deepest part of `path` that exists, plus the rest (which does not exist yet). */
function realPrefix(path: string): { real: string; rest: string } {
  let current = path;
  let rest = '';
  for (;;) {
    try {
      return { real: realpathSync(current), rest };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
      // A dangling symlink: follow its target lexically, so a link to a missing file outside is still caught.
      const link = danglingLinkTarget(current);
      if (link !== undefined) return realPrefix(resolve(link, rest));
      const parent = dirname(current);
      if (parent === current) return { real: current, rest };
      rest = rest === '' ? relative(parent, current) : `${relative(parent, current)}${sep}${rest}`;
      current = parent;
    }
  }
}

function danglingLinkTarget(path: string): string | undefined {
  try {
    if (!lstatSync(path).isSymbolicLink()) return undefined;
    return resolve(dirname(path), readlinkSync(path));
  } catch {
    return undefined;
  }
}

/**
 * The absolute path `requested` names inside `workdir`, or OutsideWorkdirError. Relative
 * paths are taken from `workdir`; an absolute path is accepted only if it lies inside it.
 */
export function resolveInside(workdir: string, requested: string): string {
  if (typeof requested !== 'string' || requested.trim() === '') throw new OutsideWorkdirError('a path is required');
  if (requested.includes('\0')) throw new OutsideWorkdirError('the path contains a NUL byte');
  const root = realpathSync(workdir);
  const lexical = resolve(workdir, requested);
  if (!isInside(resolve(workdir), lexical)) {
    throw new OutsideWorkdirError(
      `${requested} is outside the working directory: ${isAbsolute(requested) ? 'absolute paths must lie inside it' : 'paths may not climb out of it with ..'}; use a path relative to ${workdir}`,
    );
  }
  const { real, rest } = realPrefix(lexical);
  const actual = rest === '' ? real : resolve(real, rest);
  if (!isInside(root, actual)) {
    throw new OutsideWorkdirError(
      `${requested} leads outside the working directory through a symbolic link; only files inside ${workdir} can be used`,
    );
  }
  return actual;
}

/** `path` relative to the working directory, for messages and listings. */
export function displayPath(workdir: string, path: string): string {
  const rel = relative(realpathSync(workdir), path);
  return rel === '' ? '.' : rel;
}
