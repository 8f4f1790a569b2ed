/**
 * What flows along the dependency edges: what upstream tasks produced for a task
 * (artifacts), what they only promised (deliverables), and which downstream tasks
 * declare one of a task's outputs as an input. The runner builds an agent's prompt
 * from `upstreamOf`, so `wg context` shows what an agent would be told: each upstream
 * task's summary and the latest entries of its latest attempt (for a done task, the one
 * that succeeded), never the failures of the attempts before it.
 */
import { latestAttemptLog } from './attempt-log.js';
import { dependencyIndex, type DependencyIndex } from './deps.js';
import { getTask, type Graph } from './model.js';
import type { LogEntry, Task, TaskStatus } from './schema.js';

/** How many of the latest entries of each dependency's latest attempt are passed on. */
export const UPSTREAM_LOG_ENTRIES = 3;

export interface Upstream {
  id: string;
  /** Undefined when no task has this id. */
  title: string | undefined;
  status: TaskStatus | 'missing';
  artifacts: string[];
  deliverables: string[];
  /** What its agent said it did when it succeeded (see TaskSchema's `summary`). */
  summary?: string | undefined;
  /** The latest entries of its latest attempt. */
  log: LogEntry[];
}

/** What `task` hands on downstream, with up to `logEntries` entries of its latest attempt's log. */
export function handOff(task: Task, logEntries: number): Upstream {
  return {
    id: task.id,
    title: task.title,
    status: task.status,
    artifacts: task.artifacts ?? [],
    deliverables: task.deliverables ?? [],
    ...(task.summary ? { summary: task.summary } : {}),
    log: logEntries > 0 ? latestAttemptLog(task.log ?? []).slice(-logEntries) : [],
  };
}

/** The direct dependencies of `task`, each with what it handed on (see `handOff`). */
export function upstreamOf(
  graph: Graph,
  task: Task,
  index: DependencyIndex = dependencyIndex(graph),
  logEntries = UPSTREAM_LOG_ENTRIES,
): Upstream[] {
  return index.blockersOf(task.id).map((id) => {
    const blocker = graph.tasks.get(id);
    if (!blocker) return { id, title: undefined, status: 'missing', artifacts: [], deliverables: [], log: [] };
    return handOff(blocker, logEntries);
  });
}

/**
 * `available`: an upstream task registered it as an artifact; `promised`: an upstream
 * task lists it as a deliverable but has not registered it yet; `missing`: no upstream
 * task mentions it, so nothing in the graph will provide it.
 */
export type InputState = 'available' | 'promised' | 'missing';

export interface InputSource {
  input: string;
  state: InputState;
  /** The upstream tasks that have (available) or promise (promised) it, nearest first. */
  from: string[];
}

export interface TaskContext {
  id: string;
  title: string;
  upstream: Upstream[];
  inputs: InputSource[];
}

/** Inputs, artifacts and deliverables are compared as paths, so `./a.md` and `a.md` match. */
export function sameRef(a: string, b: string): boolean {
  return normalizeRef(a) === normalizeRef(b);
}

export function normalizeRef(ref: string): string {
  return ref.trim().replace(/^(\.\/)+/, '');
}

const lists = (refs: readonly string[] | undefined, wanted: string) => (refs ?? []).some((ref) => sameRef(ref, wanted));

export function taskContext(graph: Graph, id: string): TaskContext {
  const task = getTask(graph, id);
  const index = dependencyIndex(graph);
  const ancestors = walk(index.blockersOf, id)
    .map((ancestor) => graph.tasks.get(ancestor))
    .filter((ancestor): ancestor is Task => ancestor !== undefined);
  const inputs = (task.inputs ?? []).map((input): InputSource => {
    const produced = ancestors.filter((ancestor) => lists(ancestor.artifacts, input)).map((ancestor) => ancestor.id);
    if (produced.length > 0) return { input, state: 'available', from: produced };
    const promised = ancestors.filter((ancestor) => lists(ancestor.deliverables, input)).map((ancestor) => ancestor.id);
    return { input, state: promised.length > 0 ? 'promised' : 'missing', from: promised };
  });
  return { id, title: task.title, upstream: upstreamOf(graph, task, index), inputs };
}

export interface Output {
  path: string;
  /** Registered as an artifact, not merely listed as a deliverable. */
  produced: boolean;
}

export interface Consumer {
  id: string;
  title: string;
  status: TaskStatus;
  /** Which of the task's outputs this task declares as inputs. */
  consumes: string[];
  /** False when the consumer does not (transitively) wait for the task: a likely missing dependency. */
  downstream: boolean;
}

export interface OutputUse {
  id: string;
  title: string;
  outputs: Output[];
  consumers: Consumer[];
}

/** Which tasks declare one of `id`'s deliverables or artifacts as an input. */
export function consumersOf(graph: Graph, id: string): OutputUse {
  const task = getTask(graph, id);
  const outputs: Output[] = [];
  for (const path of [...(task.artifacts ?? []), ...(task.deliverables ?? [])]) {
    if (!outputs.some((output) => sameRef(output.path, path)))
      outputs.push({ path, produced: lists(task.artifacts, path) });
  }
  const downstream = new Set(walk(dependencyIndex(graph).dependentsOf, id));
  const consumers: Consumer[] = [];
  for (const other of graph.tasks.values()) {
    if (other.id === id) continue;
    const consumes = outputs.filter((output) => lists(other.inputs, output.path)).map((output) => output.path);
    if (consumes.length > 0)
      consumers.push({
        id: other.id,
        title: other.title,
        status: other.status,
        consumes,
        downstream: downstream.has(other.id),
      });
  }
  // Real consumers first; the ones outside the dependency chain are the surprises.
  consumers.sort((a, b) => Number(b.downstream) - Number(a.downstream));
  return { id, title: task.title, outputs, consumers };
}

/** Every id reachable from `start` by `next`, nearest first, without `start` itself. */
function walk(next: (id: string) => readonly string[], start: string): string[] {
  const seen = new Set([start]);
  const order: string[] = [];
  for (let frontier = [start]; frontier.length > 0;) {
    const following: string[] = [];
    for (const current of frontier) {
      for (const neighbour of next(current)) {
        if (seen.has(neighbour)) continue;
        seen.add(neighbour);
        order.push(neighbour);
        following.push(neighbour);
      }
    }
    frontier = following;
  }
  return order;
}
