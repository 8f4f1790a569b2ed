/**
 * Dependencies. An edge is declared on either side: `blocked_by` on the dependent or
 * `blocks` on the blocker; both mean the same thing. "Blocked" is derived here for open
 * tasks; upstream's newer graphs also store it as a status (see TASK_STATUSES).
 */
import { TaskMap, type Graph } from './model.js';
import type { Task, TaskStatus } from './schema.js';

export interface DependencyIndex {
  /** Ids this task waits for (they may not exist). */
  blockersOf(id: string): readonly string[];
  /** Ids of tasks that wait for this one. */
  dependentsOf(id: string): readonly string[];
}

const NONE: readonly string[] = [];

export function dependencyIndex(graph: Graph): DependencyIndex {
  // Built on first use: most commands only ever ask one direction.
  let blockers: Map<string, string[]> | undefined;
  let dependents: Map<string, string[]> | undefined;
  const build = () => {
    blockers = new Map();
    dependents = new Map();
    // Plain arrays (edges per task are few): this runs on every command, over every task.
    const add = (map: Map<string, string[]>, key: string, value: string) => {
      const list = map.get(key);
      if (!list) map.set(key, [value]);
      else if (!list.includes(value)) list.push(value);
    };
    const link = (dependent: string, blocker: string) => {
      if (dependent === blocker) return;
      add(blockers!, dependent, blocker);
      add(dependents!, blocker, dependent);
    };
    for (const task of graph.tasks.values()) {
      if (task.blocked_by) for (const blocker of task.blocked_by) link(task.id, blocker);
      if (task.blocks) for (const dependent of task.blocks) link(dependent, task.id);
    }
  };
  // Graphs that only use `blocked_by` (wg's own, and most upstream ones) need no index to answer blockersOf.
  let onlyBlockedBy: boolean | undefined;
  const blockersFromField = (id: string): readonly string[] => {
    const list = graph.tasks.get(id)?.blocked_by;
    if (!list) return NONE;
    return hasSelfOrRepeat(list, id) ? [...new Set(list)].filter((blocker) => blocker !== id) : list;
  };
  return {
    blockersOf: (id) => {
      onlyBlockedBy ??= !anyTaskUsesBlocks(graph);
      if (onlyBlockedBy) return blockersFromField(id);
      if (!blockers) build();
      return blockers!.get(id) ?? NONE;
    },
    dependentsOf: (id) => {
      if (!dependents) build();
      return dependents!.get(id) ?? NONE;
    },
  };
}

/** Lists of blockers are short: a double loop beats allocating a Set for every task on every plan. */
function hasSelfOrRepeat(list: readonly string[], id: string): boolean {
  for (let i = 0; i < list.length; i++) {
    if (list[i] === id) return true;
    for (let j = 0; j < i; j++) if (list[j] === list[i]) return true;
  }
  return false;
}

function anyTaskUsesBlocks(graph: Graph): boolean {
  if (graph.tasks instanceof TaskMap) return graph.tasks.blocksUsers > 0;
  for (const task of graph.tasks.values()) if (task.blocks !== undefined && task.blocks.length > 0) return true;
  return false;
}

/**
 * The blockers of one task without building the whole index: its `blocked_by` plus
 * every task that lists it in `blocks`. One pass, no allocation per task, so a claim
 * in a 10k-task graph does not pay for an index of every edge.
 */
export function singleTaskIndex(graph: Graph, id: string): DependencyIndex {
  const task = graph.tasks.get(id);
  const blockers = new Set<string>(task?.blocked_by ?? NONE);
  if (anyTaskUsesBlocks(graph))
    for (const other of graph.tasks.values()) if (other.blocks?.includes(id) && other.id !== id) blockers.add(other.id);
  blockers.delete(id);
  const list = [...blockers];
  // Anything else asked of it needs the whole index after all: built once, on first use.
  let whole: DependencyIndex | undefined;
  const all = () => (whole ??= dependencyIndex(graph));
  return {
    blockersOf: (asked) => (asked === id ? list : all().blockersOf(asked)),
    dependentsOf: (asked) => all().dependentsOf(asked),
  };
}

/**
 * A dependency is satisfied by a blocker that is done or abandoned; a missing blocker never
 * is, nor one in any of upstream's newer statuses (pending-eval is not done until judged).
 */
export function satisfiesDependents(status: TaskStatus): boolean {
  return status === 'done' || status === 'abandoned';
}

/** Whether the blocker `id` lets its dependents start: a task done or abandoned, or an upstream archived one that was. */
export function blockerSatisfied(graph: Graph, id: string): boolean {
  const task = graph.tasks.get(id);
  if (task) return satisfiesDependents(task.status);
  const archived = graph.archived?.get(id);
  return archived !== undefined && satisfiesDependents(archived);
}

export interface Blocker {
  id: string;
  /** `missing` when no task has this id. */
  status: TaskStatus | 'missing';
}

export function unsatisfiedBlockers(
  graph: Graph,
  index: DependencyIndex,
  id: string,
  assumeDone?: ReadonlySet<string>,
): Blocker[] {
  const result: Blocker[] = [];
  for (const blockerId of index.blockersOf(id)) {
    if (assumeDone?.has(blockerId)) continue;
    const status = graph.tasks.get(blockerId)?.status ?? graph.archived?.get(blockerId);
    if (status === undefined) result.push({ id: blockerId, status: 'missing' });
    else if (!satisfiesDependents(status)) result.push({ id: blockerId, status });
  }
  return result;
}

export type Readiness = { ready: true } | { ready: false; reasons: string[] };

/**
 * Why a task can or cannot be claimed right now. `assumeDone` counts those tasks as
 * done (the runner's successes whose verdict is still being written).
 */
export function readiness(
  graph: Graph,
  index: DependencyIndex,
  task: Task,
  now: Date,
  assumeDone?: ReadonlySet<string>,
): Readiness {
  const reasons: string[] = [];
  if (task.status !== 'open') reasons.push(`status is ${task.status}`);
  for (const blocker of unsatisfiedBlockers(graph, index, task.id, assumeDone)) {
    reasons.push(
      blocker.status === 'missing'
        ? `blocked by ${blocker.id} (no such task)`
        : `blocked by ${blocker.id} (${blocker.status})`,
    );
  }
  if (!startable(task, now)) reasons.push(`not before ${task.not_before}`);
  if (task.claim?.trajectory && task.status === 'open') {
    reasons.push(`reserved by ${task.claim.actor} for trajectory ${task.claim.trajectory}`);
  }
  return reasons.length === 0 ? { ready: true } : { ready: false, reasons };
}

/** The last moment a Date can hold: what is ready at the end of time is ready but for `not_before`. */
export const END_OF_TIME = new Date(8.64e15);

/** Whether `not_before`, the one readiness rule that depends on the clock, lets the task start at `now`. */
export function startable(task: Task, now: Date): boolean {
  return !task.not_before || Date.parse(task.not_before) <= now.getTime();
}

/** Ready tasks in file order, one at a time, so a caller that needs only a few can stop early. */
export function* eachReadyTask(
  graph: Graph,
  now: Date,
  options: { index?: DependencyIndex; assumeDone?: ReadonlySet<string> } = {},
): Generator<Task> {
  const index = options.index ?? dependencyIndex(graph);
  const satisfied = (id: string) => {
    if (options.assumeDone?.has(id)) return true;
    return blockerSatisfied(graph, id);
  };
  // The same rules as readiness(), without building a list of reasons for every task.
  for (const task of graph.tasks.values()) {
    if (task.status !== 'open' || task.claim?.trajectory) continue;
    if (!startable(task, now)) continue;
    if (index.blockersOf(task.id).every(satisfied)) yield task;
  }
}

export function readyTasks(
  graph: Graph,
  now: Date,
  options: { index?: DependencyIndex; assumeDone?: ReadonlySet<string> } = {},
): Task[] {
  return [...eachReadyTask(graph, now, options)];
}

export function isBlocked(graph: Graph, index: DependencyIndex, task: Task): boolean {
  return unsatisfiedBlockers(graph, index, task.id).length > 0;
}

/**
 * The open tasks a run could still start: each of their unsatisfied blockers, all the way
 * up, is itself open or in progress. A task behind a failed, pending-review or missing
 * blocker, or one in any of upstream's newer statuses, waits for something a run does not
 * do, so nothing about how it would launch matters yet.
 */
export function reachableOpenTasks(graph: Graph, index: DependencyIndex = dependencyIndex(graph)): Set<string> {
  const reachable = new Map<string, boolean>();
  const canFinish = (id: string): boolean => {
    const known = reachable.get(id);
    if (known !== undefined) return known;
    // Explicit stack so a 100k-long chain cannot overflow the call stack; a cycle counts as unreachable.
    const stack: Array<{ id: string; blockers: readonly string[]; next: number }> = [
      { id, blockers: index.blockersOf(id), next: 0 },
    ];
    const onPath = new Set<string>([id]);
    const settle = (taskId: string, value: boolean) => {
      reachable.set(taskId, value);
      onPath.delete(taskId);
      stack.pop();
    };
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const status = graph.tasks.get(frame.id)?.status;
      if (status !== 'open' && status !== 'in-progress') {
        settle(frame.id, false);
        continue;
      }
      let descended = false;
      let blocked = false;
      while (frame.next < frame.blockers.length && !descended) {
        const blocker = frame.blockers[frame.next]!;
        if (blockerSatisfied(graph, blocker)) frame.next++;
        else if (reachable.has(blocker) || onPath.has(blocker)) {
          if (!reachable.get(blocker)) blocked = true;
          frame.next++;
        } else {
          onPath.add(blocker);
          stack.push({ id: blocker, blockers: index.blockersOf(blocker), next: 0 });
          descended = true;
        }
        if (blocked) break;
      }
      if (!descended) settle(frame.id, !blocked);
    }
    return reachable.get(id)!;
  };
  const result = new Set<string>();
  for (const task of graph.tasks.values()) if (task.status === 'open' && canFinish(task.id)) result.add(task.id);
  return result;
}

/** One node of a why-blocked explanation: a blocker and, recursively, what blocks it. */
export interface BlockerTree extends Blocker {
  title?: string;
  blockedBy: BlockerTree[];
  /** Already explained higher up in the tree. */
  seen?: boolean;
}

export function whyBlocked(graph: Graph, id: string): BlockerTree[] {
  const index = dependencyIndex(graph);
  const seen = new Set<string>([id]);
  const explain = (taskId: string): BlockerTree[] =>
    unsatisfiedBlockers(graph, index, taskId).map((blocker) => {
      const title = graph.tasks.get(blocker.id)?.title;
      if (seen.has(blocker.id)) return { ...blocker, title, blockedBy: [], seen: true };
      seen.add(blocker.id);
      return { ...blocker, title, blockedBy: explain(blocker.id) };
    });
  return explain(id);
}

/** Every task that transitively waits for `id`, with its distance. */
export function transitiveDependents(graph: Graph, id: string): Map<string, number> {
  const index = dependencyIndex(graph);
  const depth = new Map<string, number>();
  let frontier = [id];
  for (let level = 1; frontier.length > 0; level++) {
    const next: string[] = [];
    for (const current of frontier) {
      for (const dependent of index.dependentsOf(current)) {
        if (dependent === id || depth.has(dependent)) continue;
        depth.set(dependent, level);
        next.push(dependent);
      }
    }
    frontier = next;
  }
  return depth;
}

/**
 * If making `taskId` wait for `newBlockers` would close a cycle, the cycle as a list of
 * ids where each waits for the next (first and last are `taskId`).
 */
export function cycleIfBlocked(graph: Graph, taskId: string, newBlockers: readonly string[]): string[] | undefined {
  const index = dependencyIndex(graph);
  for (const start of newBlockers) {
    if (start === taskId) return [taskId, taskId];
    const path = pathVia(index.blockersOf, start, taskId);
    if (path) return [taskId, ...path];
  }
  return undefined;
}

/** A path from `from` to `to` following `next`, or undefined. Iterative: graphs can be deep. */
function pathVia(next: (id: string) => readonly string[], from: string, to: string): string[] | undefined {
  const parent = new Map<string, string | null>([[from, null]]);
  const queue = [from];
  for (let head = 0; head < queue.length; head++) {
    const current = queue[head]!;
    if (current === to) {
      const path: string[] = [];
      for (let at: string | null = current; at !== null; at = parent.get(at) ?? null) path.unshift(at);
      return path;
    }
    for (const neighbour of next(current)) {
      if (!parent.has(neighbour)) {
        parent.set(neighbour, current);
        queue.push(neighbour);
      }
    }
  }
  return undefined;
}

/** Every distinct cycle found by a depth-first walk (each reported once, as ids that wait on the next). */
export function findCycles(graph: Graph): string[][] {
  const index = dependencyIndex(graph);
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles: string[][] = [];
  for (const root of graph.tasks.keys()) {
    if (state.has(root)) continue;
    // Explicit stack so a 100k-long chain cannot overflow the call stack.
    const stack: Array<{ id: string; blockers: readonly string[]; next: number }> = [];
    const path: string[] = [];
    const enter = (id: string) => {
      state.set(id, 'visiting');
      path.push(id);
      stack.push({ id, blockers: index.blockersOf(id).filter((b) => graph.tasks.has(b)), next: 0 });
    };
    enter(root);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      if (frame.next < frame.blockers.length) {
        const blocker = frame.blockers[frame.next++]!;
        const seen = state.get(blocker);
        if (seen === 'visiting') cycles.push([...path.slice(path.indexOf(blocker)), blocker]);
        else if (seen === undefined) enter(blocker);
      } else {
        state.set(frame.id, 'done');
        path.pop();
        stack.pop();
      }
    }
  }
  return cycles;
}

/** `blocked` is a stored status too (upstream's), so the display needs no value of its own. */
export type DisplayStatus = TaskStatus;

/** The stored status, except that an open task waiting on blockers shows as `blocked`. */
export function displayStatus(graph: Graph, index: DependencyIndex, task: Task): DisplayStatus {
  return task.status === 'open' && isBlocked(graph, index, task) ? 'blocked' : task.status;
}
