import { NotFoundError } from '../errors.js';
import type { Actor, Resource, Task, TaskStatus } from './schema.js';

/**
 * The whole graph in memory. Maps keep file order. Records are treated as immutable:
 * a change replaces the record object, which is how the store knows what to rewrite.
 */
export interface Graph {
  readonly tasks: Map<string, Task>;
  readonly actors: Map<string, Actor>;
  readonly resources: Map<string, Resource>;
  /**
   * Upstream's `archivedboundary` records, by id, with the status the task had: its `wg
   * archive` moves a task to archive.jsonl and leaves one, and a dependent of the archived
   * task waits on it as on the task (kept verbatim on its line; read-only here).
   */
  readonly archived?: ReadonlyMap<string, TaskStatus>;
}

/**
 * A map of records that can say what changed in it. A store changes its graph in
 * place, so a transaction on a graph of 10,000 tasks costs what it changes, not a copy
 * of every map: while `recording`, each change notes the key and the value it replaced
 * (to undo a change that failed, and to write only the records that changed).
 */
export class RecordMap<V> extends Map<string, V> {
  // Never constructed with entries: Map's constructor would call set() before these fields exist.
  /** Moves on every change: whatever was computed from the map at another revision is stale. */
  revision = 0;
  private undo: Array<{ key: string; had: boolean; previous: V | undefined }> | undefined;
  /** The key changed at each revision after `logStart`, for consumers catching up (bounded). */
  private log: string[] = [];
  private logStart = 0;

  override set(key: string, value: V): this {
    const had = super.has(key);
    const previous = super.get(key);
    this.undo?.push({ key, had, previous });
    super.set(key, value);
    this.changed(key, previous, value);
    return this;
  }

  override delete(key: string): boolean {
    if (!super.has(key)) return false;
    const previous = super.get(key);
    this.undo?.push({ key, had: true, previous });
    super.delete(key);
    this.changed(key, previous, undefined);
    return true;
  }

  override clear(): void {
    for (const key of [...this.keys()]) this.delete(key);
  }

  /** Called after every change; a subclass keeps facts about its records up to date here. */
  protected changed(key: string, _previous: V | undefined, _next: V | undefined): void {
    this.revision++;
    this.log.push(key);
    // A consumer this far behind rebuilds what it keeps instead of catching up.
    if (this.log.length > 65_536) {
      this.log = this.log.slice(32_768);
      this.logStart += 32_768;
    }
  }

  /** The keys changed since `revision` (repeats possible), or undefined if that is too long ago to say. */
  changesSince(revision: number): string[] | undefined {
    if (revision < this.logStart || revision > this.revision) return undefined;
    return this.log.slice(revision - this.logStart);
  }

  /** Start noting changes (for `changedKeys` and `rollBack`). */
  record(): void {
    this.undo = [];
  }

  /** The keys changed since `record()`, in order of first change. */
  changedKeys(): string[] {
    return [...new Set((this.undo ?? []).map((entry) => entry.key))];
  }

  stopRecording(): void {
    this.undo = undefined;
  }

  /** Put back every value changed since `record()` (a re-added key goes to the end of the order); stops recording. */
  rollBack(): void {
    const undo = this.undo ?? [];
    this.undo = undefined;
    for (const entry of undo.reverse()) {
      const current = super.get(entry.key);
      if (entry.had) super.set(entry.key, entry.previous as V);
      else super.delete(entry.key);
      this.changed(entry.key, current, entry.had ? entry.previous : undefined);
    }
  }
}

/**
 * The tasks, with the facts planning asks of all of them kept as they change, so it
 * need not look at every task each time: who uses `blocks`, and which skills are asked for.
 */
export class TaskMap extends RecordMap<Task> {
  /** Tasks whose `blocks` names any: while there are none, a task's blockers are its own `blocked_by`. */
  blocksUsers = 0;
  /** How many tasks ask for each skill, in the order skills were first asked for. */
  readonly skills = new Map<string, number>();

  protected override changed(key: string, previous: Task | undefined, next: Task | undefined): void {
    super.changed(key, previous, next);
    if (previous) this.count(previous, -1);
    if (next) this.count(next, 1);
  }

  private count(task: Task, by: 1 | -1): void {
    if (task.blocks && task.blocks.length > 0) this.blocksUsers += by;
    for (const skill of task.skills ?? []) {
      const left = (this.skills.get(skill) ?? 0) + by;
      if (left > 0) this.skills.set(skill, left);
      else this.skills.delete(skill);
    }
  }
}

export function emptyGraph(): Graph {
  return { tasks: new TaskMap(), actors: new RecordMap(), resources: new RecordMap() };
}

function fill<V>(map: RecordMap<V>, entries: Iterable<[string, V]>): RecordMap<V> {
  for (const [key, value] of entries) map.set(key, value);
  return map;
}

/** A shallow copy whose maps can be changed without touching the original. */
export function copyGraph(graph: Graph): Graph {
  const copy = {
    tasks: fill(new TaskMap(), graph.tasks),
    actors: fill(new RecordMap<Actor>(), graph.actors),
    resources: fill(new RecordMap<Resource>(), graph.resources),
  };
  return graph.archived ? { ...copy, archived: graph.archived } : copy;
}

export function getTask(graph: Graph, id: string): Task {
  const task = graph.tasks.get(id);
  if (!task) throw new NotFoundError(`no task "${id}"`, closestHint(id, graph.tasks.keys()));
  return task;
}

export function getActor(graph: Graph, id: string): Actor {
  const actor = graph.actors.get(id);
  if (!actor) throw new NotFoundError(`no actor "${id}"`, closestHint(id, graph.actors.keys(), 'wg actor list'));
  return actor;
}

function closestHint(id: string, ids: Iterable<string>, listCommand = 'wg list'): string {
  const candidates = closestIds(id, ids);
  if (candidates.length > 0) return `did you mean ${candidates.join(', ')}?`;
  return `\`${listCommand}\` shows what exists`;
}

/** Up to three ids `id` may have meant: one it is part of (or that is part of it), or one a typo or two away. */
export function closestIds(id: string, ids: Iterable<string>): string[] {
  const typos = id.length <= 4 ? 1 : 2;
  const candidates = [...ids].filter(
    (candidate) => candidate.includes(id) || id.includes(candidate) || editDistance(id, candidate, typos) <= typos,
  );
  return candidates.length <= 3 ? candidates : [];
}

/** Levenshtein distance, giving up (returning limit + 1) once it must exceed `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    if (Math.min(...current) > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length]!;
}
