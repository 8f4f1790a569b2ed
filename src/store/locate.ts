/** Finding `.workgraph`: `--dir`, else `WG_DIR`, else the nearest one upwards, as git finds `.git`. */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { NoWorkgraphError } from '../errors.js';

export const WORKGRAPH_DIR = '.workgraph';

export interface Location {
  /** The `.workgraph` folder. */
  dir: string;
  /** The project it belongs to: the folder that holds `.workgraph`. */
  root: string;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Where `wg init` should create the folder (nothing is checked). */
export function chosenDir(explicit: string | undefined, cwd: string, env: NodeJS.ProcessEnv): string {
  const named = explicit ?? env.WG_DIR;
  return named ? resolve(cwd, named) : join(cwd, WORKGRAPH_DIR);
}

export function locateWorkgraph(explicit: string | undefined, cwd: string, env: NodeJS.ProcessEnv): Location {
  const named = explicit ?? env.WG_DIR;
  if (named) {
    const dir = resolve(cwd, named);
    if (!isDirectory(dir)) throw new NoWorkgraphError(`no workgraph at ${dir}`, '`wg init` creates one');
    // An agent in its own worktree works on the graph in WG_DIR but on files of the project inside its tree (WG_ROOT).
    return { dir, root: explicit === undefined && env.WG_ROOT ? resolve(cwd, env.WG_ROOT) : dirname(dir) };
  }
  for (let at = resolve(cwd); ; at = dirname(at)) {
    const candidate = join(at, WORKGRAPH_DIR);
    if (existsSync(candidate) && isDirectory(candidate)) return { dir: candidate, root: at };
    if (dirname(at) === at) break;
  }
  throw new NoWorkgraphError(`no ${WORKGRAPH_DIR} here or in any parent folder`, '`wg init` creates one, or pass --dir');
}
