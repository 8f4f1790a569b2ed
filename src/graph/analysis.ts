/**
 * Planning questions over the whole graph: what a task holds up (impact), the longest
 * chain of remaining work (critical path), and which unfinished tasks hold up the most
 * (bottlenecks). A task without an estimate counts as one hour, so unestimated work is
 * not treated as free.
 */
import {
  dependencyIndex,
  displayStatus,
  satisfiesDependents,
  transitiveDependents,
  type DependencyIndex,
  type DisplayStatus,
} from './deps.js';
import { getTask, type Graph } from './model.js';
import type { Task } from './schema.js';
import { acyclicView, subgraph, type Subgraph } from './topology.js';

export const DEFAULT_HOURS = 1;

export function taskHours(task: Task): number {
  return task.estimate?.hours ?? DEFAULT_HOURS;
}

/** Sums of fractional hours pick up float noise (0.1 + 0.2); nobody estimates below a microhour. */
function roundHours(hours: number): number {
  return Math.round(hours * 1e6) / 1e6;
}

function isFinished(task: Task): boolean {
  return satisfiesDependents(task.status);
}

export interface TaskSummary {
  id: string;
  title: string;
  status: DisplayStatus;
}

function summary(graph: Graph, index: DependencyIndex, task: Task): TaskSummary {
  return { id: task.id, title: task.title, status: displayStatus(graph, index, task) };
}

export interface ImpactEntry extends TaskSummary {
  /** 1 for a direct dependent, 2 for a dependent of one, and so on (shortest distance). */
  depth: number;
  hours: number;
}

export interface Impact {
  id: string;
  dependents: ImpactEntry[];
  /** Estimated hours of the dependents that are not done or abandoned: the work this task holds up. */
  hoursAtStake: number;
}

/** Every task that transitively waits for `id`, nearest first, then in file order. */
export function impact(graph: Graph, id: string): Impact {
  getTask(graph, id);
  const index = dependencyIndex(graph);
  const depths = transitiveDependents(graph, id);
  const dependents: ImpactEntry[] = [];
  // File order first, then a stable sort by depth: ties read in the order people wrote them.
  for (const task of graph.tasks.values()) {
    const depth = depths.get(task.id);
    if (depth !== undefined) dependents.push({ ...summary(graph, index, task), depth, hours: taskHours(task) });
  }
  dependents.sort((a, b) => a.depth - b.depth);
  const atStake = dependents.filter((entry) => !isFinished(graph.tasks.get(entry.id)!));
  return { id, dependents, hoursAtStake: roundHours(atStake.reduce((sum, entry) => sum + entry.hours, 0)) };
}

/** The tasks still to be finished and the dependencies among them. */
function remainingWork(graph: Graph, index: DependencyIndex): Subgraph {
  const ids: string[] = [];
  for (const task of graph.tasks.values()) if (!isFinished(task)) ids.push(task.id);
  return subgraph(ids, index.blockersOf);
}

export interface PathStep extends TaskSummary {
  hours: number;
}

export interface CriticalPath {
  /** First task to last: each waits for the one before it. */
  tasks: PathStep[];
  totalHours: number;
  /** Unfinished tasks on dependency cycles; the edges among them were ignored. */
  tasksOnCycles: number;
}

/**
 * The chain of unfinished tasks with the most estimated hours, where each waits for the
 * previous one. Linear time: one pass in topological order, keeping for every task the
 * heaviest chain that ends with it.
 */
export function criticalPath(graph: Graph): CriticalPath {
  const index = dependencyIndex(graph);
  const work = remainingWork(graph, index);
  const view = acyclicView(work);
  const hours = work.ids.map((id) => taskHours(graph.tasks.get(id)!));
  const heaviest = new Float64Array(work.ids.length);
  const previous = new Int32Array(work.ids.length).fill(-1);
  let end = -1;
  for (const node of view.order) {
    for (const blocker of work.blockers[node]!) {
      if (!view.counts(blocker, node)) continue;
      if (previous[node] === -1 || heaviest[blocker]! > heaviest[previous[node]!]!) previous[node] = blocker;
    }
    heaviest[node] = hours[node]! + (previous[node] === -1 ? 0 : heaviest[previous[node]!]!);
    if (end === -1 || heaviest[node]! > heaviest[end]! || (heaviest[node] === heaviest[end] && node < end)) end = node;
  }
  const tasks: PathStep[] = [];
  for (let node = end; node !== -1; node = previous[node]!) {
    tasks.push({ ...summary(graph, index, graph.tasks.get(work.ids[node]!)!), hours: hours[node]! });
  }
  tasks.reverse();
  const tasksOnCycles = view.inCycle.reduce((sum, flag) => sum + flag, 0);
  return { tasks, totalHours: roundHours(tasks.reduce((sum, step) => sum + step.hours, 0)), tasksOnCycles };
}

export interface Bottleneck extends TaskSummary {
  /** Unfinished tasks that wait for this one, directly or through others. */
  waiting: number;
  /** Unfinished tasks that wait for it directly. */
  direct: number;
}

/**
 * The unfinished tasks that the most unfinished tasks transitively wait for, best first
 * (ties in file order). Counting every task's descendants exactly is quadratic, so this
 * counts only candidates that could still make the top `limit`: an upper bound for every
 * task (the sum over its dependents, from one pass in reverse topological order) orders
 * the candidates, and each exact count also caps the tasks below it. Chains, trees and
 * wide fan-outs therefore need about `limit` walks.
 */
export function bottlenecks(graph: Graph, limit: number): Bottleneck[] {
  const index = dependencyIndex(graph);
  const work = remainingWork(graph, index);
  const view = acyclicView(work);
  const n = work.ids.length;
  const bound = upperBounds(work, view.order, view.inCycle);
  const candidates = [...Array(n).keys()].filter((node) => bound[node]! > 0);
  const initial = Float64Array.from(bound);
  candidates.sort((a, b) => initial[b]! - initial[a]! || a - b);

  const top: Array<{ node: number; waiting: number }> = [];
  // Does a task with this count (or bound) and position rank above `entry`?
  const beats = (waiting: number, node: number, entry: { node: number; waiting: number }) =>
    waiting > entry.waiting || (waiting === entry.waiting && node < entry.node);
  const reach = reachability(work);
  for (const node of candidates) {
    const last = top.length === limit ? top[limit - 1]! : undefined;
    // Candidates are sorted by their initial bound, so once that cannot win, nothing after can.
    if (last && !beats(initial[node]!, node, last)) break;
    if (last && !beats(bound[node]!, node, last)) continue;
    const reached = reach(node);
    const waiting = reached.length;
    // A task below this one waits for a strict subset of what waits for this one (unless they share a cycle).
    const cap = view.inCycle[node] ? waiting : waiting - 1;
    for (const below of reached) if (bound[below]! > cap) bound[below] = cap;
    if (last && !beats(waiting, node, last)) continue;
    const entry = { node, waiting };
    let at = top.length;
    while (at > 0 && beats(waiting, node, top[at - 1]!)) at--;
    top.splice(at, 0, entry);
    if (top.length > limit) top.pop();
  }
  return top.map(({ node, waiting }) => ({
    ...summary(graph, index, graph.tasks.get(work.ids[node]!)!),
    waiting,
    direct: work.dependents[node]!.length,
  }));
}

/** For each node, an upper bound on how many nodes transitively wait for it (at most all the others). */
function upperBounds(work: Subgraph, order: readonly number[], inCycle: Uint8Array): Float64Array {
  const n = work.ids.length;
  const cap = Math.max(0, n - 1);
  const bound = new Float64Array(n).fill(cap);
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i]!;
    // On a cycle the sum over dependents would miss the edges it ignores; keep the cap.
    if (inCycle[node]) continue;
    let sum = 0;
    for (const dependent of work.dependents[node]!) sum += 1 + bound[dependent]!;
    bound[node] = Math.min(cap, sum);
  }
  return bound;
}

/** A breadth-first walk over dependents that reuses its buffers, so many walks stay cheap. */
function reachability(work: Subgraph): (start: number) => Int32Array {
  const n = work.ids.length;
  const seenBy = new Int32Array(n).fill(-1);
  const queue = new Int32Array(n);
  return (start) => {
    let tail = 0;
    seenBy[start] = start;
    queue[tail++] = start;
    for (let head = 0; head < tail; head++) {
      for (const dependent of work.dependents[queue[head]!]!) {
        if (seenBy[dependent] === start) continue;
        seenBy[dependent] = start;
        queue[tail++] = dependent;
      }
    }
    return queue.subarray(1, tail);
  };
}
