/**
 * What the page knows of the graph, and how a change from /api/events updates it. Pure (no
 * DOM, no fetch): unit-tested in test/unit/web-state.test.ts.
 *
 * A state is never changed, only replaced, and keeps every part that did not change: a
 * view compares parts by identity to patch only what changed. A new `order` means a new
 * set of tasks (rebuild the list, lay the graph out again); a new task object, that task
 * changed; a new `critical`, that the critical path moved.
 */
import type { GraphEvent, GraphPayload, Header, TaskView } from './api.js';

export interface State {
  readonly tasks: ReadonlyMap<string, TaskView>;
  /** The tasks' ids in the server's order. */
  readonly order: readonly string[];
  readonly critical: ReadonlySet<string>;
  readonly header: Header | undefined;
}

/** Before the first load. */
export const EMPTY: State = { tasks: new Map(), order: [], critical: new Set(), header: undefined };

/** The whole graph, from /api/graph or a `full` event. */
export function fromGraph(graph: Pick<GraphPayload, 'tasks' | 'critical_path' | 'header'>): State {
  return {
    tasks: new Map(graph.tasks.map((task) => [task.id, task])),
    order: graph.tasks.map((task) => task.id),
    critical: new Set(graph.critical_path),
    header: graph.header,
  };
}

export function applyEvent(state: State, message: GraphEvent): State {
  if (message.full) return fromGraph(message);
  const pathChanged = [...state.critical].join() !== message.critical_path.join();
  let tasks = state.tasks;
  let order = state.order;
  if (message.changed.length > 0 || message.removed.length > 0) {
    const next = new Map(state.tasks);
    for (const id of message.removed) next.delete(id);
    for (const task of message.changed) next.set(task.id, task);
    tasks = next;
  }
  if (message.removed.length > 0) {
    const removed = new Set(message.removed);
    order = order.filter((id) => !removed.has(id));
  }
  return {
    tasks,
    order,
    critical: pathChanged ? new Set(message.critical_path) : state.critical,
    header: message.header,
  };
}
