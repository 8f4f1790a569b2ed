/**
 * The ready tasks of a graph that a store changes in place, kept up to date from the
 * tasks that changed since the last look (TaskMap's change log) instead of by looking
 * at every task at every plan: at 10,000 tasks that look cost more than the rest of a
 * plan. The answers are eachReadyTask's (deps.ts), which the tests hold it to.
 */
import { blockerSatisfied, startable, type DependencyIndex } from './deps.js';
import { TaskMap, type Graph } from './model.js';
import type { Task } from './schema.js';

const NONE: readonly string[] = [];

/** A task's edges as one comparable string: a change to them means the index is rebuilt. */
const edgesOf = (task: Task | undefined) =>
  task ? `${(task.blocked_by ?? NONE).join('\0')}\u0001${(task.blocks ?? NONE).join('\0')}` : '';

export class ReadyTracker {
  private tasks: Graph['tasks'] | undefined;
  private revision = 0;
  private blockers = new Map<string, string[]>();
  private dependents = new Map<string, string[]>();
  private edges = new Map<string, string>();
  /** Open, not reserved for a trajectory, every blocker done or abandoned (not_before is checked on reading). */
  private readonly ready = new Set<string>();
  /** File order, for reading the ready tasks in the order eachReadyTask gives them. */
  private position = new Map<string, number>();
  private nextPosition = 0;

  readonly index: DependencyIndex = {
    blockersOf: (id) => this.blockers.get(id) ?? NONE,
    dependentsOf: (id) => this.dependents.get(id) ?? NONE,
  };

  /** Bring what is kept up to date with `graph` (the same graph as last time, changed in place, or another). */
  update(graph: Graph): void {
    const tasks = graph.tasks;
    const changed = tasks === this.tasks && tasks instanceof TaskMap ? tasks.changesSince(this.revision) : undefined;
    if (changed === undefined || changed.length > tasks.size / 4 || !this.applyChanges(graph, changed))
      this.rebuild(graph);
    this.tasks = tasks;
    this.revision = tasks instanceof TaskMap ? tasks.revision : 0;
  }

  /** The ready tasks at `now`, in file order; `assumeDone` counts those tasks as done. */
  readyTasks(graph: Graph, now: Date, assumeDone: ReadonlySet<string> = new Set()): Task[] {
    const ids = new Set<string>();
    for (const id of this.ready) if (startable(graph.tasks.get(id)!, now)) ids.add(id);
    // Dependents of tasks assumed done may be ready on that assumption.
    for (const done of assumeDone) {
      for (const id of this.index.dependentsOf(done)) {
        const task = graph.tasks.get(id);
        if (task && !ids.has(id) && this.isReady(graph, task, assumeDone) && startable(task, now)) ids.add(id);
      }
    }
    return [...ids].sort((a, b) => this.position.get(a)! - this.position.get(b)!).map((id) => graph.tasks.get(id)!);
  }

  private isReady(graph: Graph, task: Task, assumeDone?: ReadonlySet<string>): boolean {
    if (task.status !== 'open' || task.claim?.trajectory) return false;
    for (const id of this.index.blockersOf(task.id)) {
      if (assumeDone?.has(id)) continue;
      if (!blockerSatisfied(graph, id)) return false;
    }
    return true;
  }

  private link(dependent: string, blocker: string): void {
    if (dependent === blocker) return;
    const blockers = this.blockers.get(dependent);
    if (!blockers) this.blockers.set(dependent, [blocker]);
    else if (!blockers.includes(blocker)) blockers.push(blocker);
    else return;
    const dependents = this.dependents.get(blocker);
    if (!dependents) this.dependents.set(blocker, [dependent]);
    else dependents.push(dependent);
  }

  private linkTask(task: Task): void {
    for (const blocker of task.blocked_by ?? NONE) this.link(task.id, blocker);
    for (const dependent of task.blocks ?? NONE) this.link(dependent, task.id);
  }

  private rebuild(graph: Graph): void {
    this.blockers = new Map();
    this.dependents = new Map();
    this.edges = new Map();
    this.position = new Map();
    this.nextPosition = 0;
    this.ready.clear();
    for (const task of graph.tasks.values()) {
      this.linkTask(task);
      this.edges.set(task.id, edgesOf(task));
      this.position.set(task.id, this.nextPosition++);
    }
    for (const task of graph.tasks.values()) if (this.isReady(graph, task)) this.ready.add(task.id);
  }

  /**
   * Look again at the tasks that changed and at their dependents (a blocker finishing
   * frees them). False when edges changed other than by a task added with `blocked_by`
   * only: then everything is rebuilt.
   */
  private applyChanges(graph: Graph, changed: readonly string[]): boolean {
    const look = new Set<string>();
    for (const id of new Set(changed)) {
      const task = graph.tasks.get(id);
      const edges = edgesOf(task);
      const known = this.edges.get(id);
      if (known !== edges) {
        const added = known === undefined && task !== undefined && !task.blocks?.length;
        if (!added) return false;
        this.linkTask(task);
        this.edges.set(id, edges);
        this.position.set(id, this.nextPosition++);
      }
      look.add(id);
      for (const dependent of this.index.dependentsOf(id)) look.add(dependent);
    }
    for (const id of look) {
      const task = graph.tasks.get(id);
      if (task && this.isReady(graph, task)) this.ready.add(id);
      else this.ready.delete(id);
    }
    return true;
  }
}
