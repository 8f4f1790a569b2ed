/**
 * Gathering what a prompt is built from (IO): the task's upstream from the graph, and
 * the files to inline, read relative to the project root. Agents run with the prompt
 * as their brief, so a path that leads outside the project (by `..`, an absolute path
 * or a symlink) is refused outright rather than inlined: a graph line must not be able
 * to leak ~/.ssh into a model's context. A missing file is only noted: an upstream
 * task may list what it has not written yet.
 */
import { closeSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { OutsideProjectError } from '../errors.js';
import { leadsOutside } from '../system/paths.js';
import { handOff, normalizeRef, taskContext, upstreamOf, type Upstream } from '../graph/context.js';
import { dependencyIndex } from '../graph/deps.js';
import { getTask, type Graph } from '../graph/model.js';
import type { Task } from '../graph/schema.js';
import type { FileContent, PromptSources, UpstreamChangeReader, UpstreamFileChange } from './types.js';

/** The previous trajectory step is what the agent just did, so more of its (latest attempt's) log is passed on than of other dependencies. */
export const PREVIOUS_STEP_LOG_ENTRIES = 10;
/** Enough for any file that can be inlined whole under a default budget; larger ones are read only this far, for their first lines. */
export const MAX_READ_BYTES = 1024 * 1024;

export interface GatherOptions {
  previousStepId?: string | undefined;
  /** What the agent may do (see PromptSources). */
  permissions?: string[] | undefined;
  tree?: PromptSources['tree'];
  retry?: PromptSources['retry'];
  protocolTools?: PromptSources['protocolTools'];
  /** Absolute working directory of the agent. */
  workdir: string;
  /**
   * Where to read the files from when `root` does not exist yet (a dry run's worktree):
   * the checkout the tree will be made from. The prompt still names `root`.
   */
  readFrom?: string | undefined;
  /** How to read what an upstream task's landed commit changed; undefined: upstream files are shown whole, for the reason in `wholeFiles`. */
  upstreamChanges?: UpstreamChangeReader | undefined;
  wholeFiles?: string | undefined;
  /** The agent continues the previous step's session (see PromptSources). */
  sessionContinues?: boolean | undefined;
}

function isInside(base: string, path: string): boolean {
  return !leadsOutside(base, path);
}

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException).code;

function readHead(path: string, bytes: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(bytes, MAX_READ_BYTES));
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** Read `ref` (relative to `root`, or absolute inside it) as a prompt may show it. `what` names it in errors. */
export function readProjectFile(root: string, ref: string, what: string): FileContent {
  const absolute = resolve(root, ref);
  if (!isInside(root, absolute)) throw new OutsideProjectError(`${what} ${ref} is outside the project (${root})`);
  let real: string;
  try {
    real = realpathSync(absolute);
  } catch (error) {
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return { kind: 'missing' };
    return { kind: 'unreadable', reason: (error as Error).message };
  }
  // The root itself may sit behind a symlink (e.g. /tmp on macOS), so compare real paths.
  const realRoot = realpathSync(root);
  if (!isInside(realRoot, real))
    throw new OutsideProjectError(`${what} ${ref} is a symlink that leads outside the project (to ${real})`);
  try {
    const stat = statSync(real);
    if (stat.isDirectory()) return { kind: 'directory' };
    // A FIFO or device would block or never end.
    if (!stat.isFile()) return { kind: 'unreadable', reason: 'not a regular file' };
    const head = readHead(real, stat.size);
    // Git's test: a NUL byte means binary.
    if (head.includes(0)) return { kind: 'binary', bytes: stat.size };
    return { kind: 'text', text: head.toString('utf8'), bytes: stat.size, complete: head.length >= stat.size };
  } catch (error) {
    return { kind: 'unreadable', reason: (error as Error).message };
  }
}

function previousStepOf(graph: Graph, id: string): Upstream {
  return handOff(getTask(graph, id), PREVIOUS_STEP_LOG_ENTRIES);
}

export function gatherPromptSources(root: string, graph: Graph, task: Task, options: GatherOptions): PromptSources {
  const upstream = upstreamOf(graph, task, dependencyIndex(graph));
  const previousStep = options.previousStepId === undefined ? undefined : previousStepOf(graph, options.previousStepId);
  const named: Array<[ref: string, what: string]> = [
    ...upstream.flatMap((dep) => dep.artifacts.map((ref): [string, string] => [ref, `artifact of ${dep.id}`])),
    ...(previousStep?.artifacts ?? []).map((ref): [string, string] => [ref, `artifact of ${previousStep!.id}`]),
    ...(task.context_files ?? []).map((ref): [string, string] => [ref, `context file of ${task.id}`]),
  ];
  const files: Record<string, FileContent> = {};
  for (const [ref, what] of named) {
    const key = normalizeRef(ref);
    if (!Object.hasOwn(files, key)) files[key] = readProjectFile(options.readFrom ?? root, ref, what);
  }
  const changes: Record<string, Record<string, UpstreamFileChange>> = {};
  const reader = options.upstreamChanges;
  if (reader) {
    for (const dep of previousStep ? [...upstream, previousStep] : upstream) {
      const landed = graph.tasks.get(dep.id)?.landed;
      if (!landed || Object.hasOwn(changes, dep.id) || dep.artifacts.length === 0) continue;
      const byFile: Record<string, UpstreamFileChange> = {};
      for (const ref of dep.artifacts) byFile[normalizeRef(ref)] ??= reader(landed, ref);
      changes[dep.id] = byFile;
    }
  }
  return {
    task,
    inputs: taskContext(graph, task.id).inputs,
    upstream,
    previousStep,
    files,
    workdir: options.workdir,
    root,
    permissions: options.permissions ?? [],
    tree: options.tree,
    sessionContinues: options.sessionContinues,
    changes,
    wholeFiles: reader ? undefined : options.wholeFiles,
    retry: options.retry,
    protocolTools: options.protocolTools,
  };
}
