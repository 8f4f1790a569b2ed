/**
 * Finding the graph's folder as the Rust wg (graphwork/wg) finds it: `--dir`, else `WG_DIR`,
 * else the nearest `.wg` or `.workgraph` upwards, as git finds `.git`. Upstream's `wg init`
 * writes `.wg`; wg's writes `.workgraph`; both are read wherever they are.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { NoWorkgraphError } from '../errors.js';

/** The folder wg's own `wg init` creates. */
export const WORKGRAPH_DIR = '.workgraph';

/** The names looked for in each folder, in upstream's order: where both exist, `.wg` wins, as it does upstream. */
export const WORKGRAPH_DIR_NAMES = ['.wg', WORKGRAPH_DIR] as const;

export interface Location {
  /** The `.wg` or `.workgraph` folder. */
  dir: string;
  /** The project it belongs to: the folder that holds it. */
  root: string;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The graph folder directly inside `folder`, if it has one. */
function graphFolderIn(folder: string): string | undefined {
  for (const name of WORKGRAPH_DIR_NAMES) {
    const candidate = join(folder, name);
    if (isDirectory(candidate)) return candidate;
  }
  return undefined;
}

/**
 * A named folder is the graph folder itself, unless it is a project root that holds one
 * (upstream accepts `--dir .` for `--dir ./.wg`): then that one.
 */
function namedFolder(path: string): string {
  if ((WORKGRAPH_DIR_NAMES as readonly string[]).includes(basename(path)) || existsSync(join(path, 'graph.jsonl')))
    return path;
  return graphFolderIn(path) ?? path;
}

/** Where `wg init` should create the folder: the one named, else the one already in `cwd`, else `cwd/.workgraph`. */
export function chosenDir(explicit: string | undefined, cwd: string, env: NodeJS.ProcessEnv): string {
  const named = explicit ?? (env.WG_DIR === '' ? undefined : env.WG_DIR);
  if (named) return namedFolder(resolve(cwd, named));
  // An upstream project's `.wg` here would win over a new `.workgraph` at every later command.
  return graphFolderIn(resolve(cwd)) ?? join(cwd, WORKGRAPH_DIR);
}

export function locateWorkgraph(explicit: string | undefined, cwd: string, env: NodeJS.ProcessEnv): Location {
  const named = explicit ?? (env.WG_DIR === '' ? undefined : env.WG_DIR);
  if (named) {
    const dir = namedFolder(resolve(cwd, named));
    if (!isDirectory(dir)) throw new NoWorkgraphError(`no workgraph at ${dir}`, '`wg init` creates one');
    // An agent in its own worktree works on the graph in WG_DIR but on files of the project inside its tree (WG_ROOT).
    return { dir, root: explicit === undefined && env.WG_ROOT ? resolve(cwd, env.WG_ROOT) : dirname(dir) };
  }
  for (let at = resolve(cwd); ; at = dirname(at)) {
    const found = graphFolderIn(at);
    if (found) return { dir: found, root: at };
    if (dirname(at) === at) break;
  }
  throw new NoWorkgraphError(
    'no .wg or .workgraph here or in any parent folder',
    '`wg init` creates one, or pass --dir',
  );
}
