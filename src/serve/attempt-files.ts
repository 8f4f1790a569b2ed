/**
 * Where an attempt's files are, for wg serve: only inside `.workgraph/runs/`, and never
 * through a link (an agent can write there, and could plant one pointing anywhere).
 */
import { lstat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { HttpError } from './http.js';

/** `runs/TASK/ATTEMPT`, refused if the attempt is not a number or the path leads out of `runsDir`. */
export function attemptFolder(runsDir: string, id: string, attempt: string): string {
  if (!/^[1-9]\d{0,5}$/.test(attempt)) throw new HttpError(400, `bad attempt number "${attempt}"`);
  const dir = resolve(runsDir, id, attempt);
  const inside = relative(runsDir, dir);
  if (inside.startsWith('..') || inside.startsWith(sep) || inside === '')
    throw new HttpError(400, 'that path leads outside the runs folder');
  return dir;
}

/** The path of `name` in the attempt folder `dir`, refused if it or any folder up to `runsDir` is a link. */
export async function unlinkedFile(runsDir: string, dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  const info = await lstat(path).catch(() => undefined);
  if (info?.isSymbolicLink())
    throw new HttpError(403, `${name} of this attempt is a link; wg serve does not follow it`);
  for (let folder = dir; folder !== runsDir && folder.startsWith(runsDir); folder = resolve(folder, '..')) {
    if ((await lstat(folder).catch(() => undefined))?.isSymbolicLink())
      throw new HttpError(403, "this attempt's folder is a link; wg serve does not follow it");
  }
  return path;
}
