import { NotFoundError } from '../errors.js';
import type { Actor, Resource, Task } from './schema.js';

/**
 * The whole graph in memory. Maps keep file order. Records are treated as immutable:
 * a change replaces the record object, which is how the store knows what to rewrite.
 */
export interface Graph {
  readonly tasks: Map<string, Task>;
  readonly actors: Map<string, Actor>;
  readonly resources: Map<string, Resource>;
}

/**
 * A map of records that can say what changed in it. A store changes its graph in
 * place, so a transaction on a graph of 10,000 tasks costs what it changes, not a copy
 * of every map: while `recording`, each change notes the key and the value it replaced
 * (to undo a change that failed, and to write only the records that changed).
 */
export class RecordMap<V> extends Map<string, V> {
  /** Moves on every change: whatever was computed from the map at another revision is stale. */
  revision = 0;
  private undo: Array<{ key: string; had: boolean; previous: V | undefined }> | undefined;

  override set(key: string, value: V): this {
    this.undo?.push({ key, had: super.has(key), previous: super.get(key) });
    this.revision++;
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    if (!super.has(key)) return false;
    this.undo?.push({ key, had: true, previous: super.get(key) });
    this.revision++;
    return super.delete(key);
  }

  override clear(): void {
    for (const key of [...this.keys()]) this.delete(key);
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
      if (entry.had) super.set(entry.key, entry.previous as V);
      else super.delete(entry.key);
      this.revision++;
    }
  }
}

export function emptyGraph(): Graph {
  return { tasks: new RecordMap(), actors: new RecordMap(), resources: new RecordMap() };
}

function recordMapOf<V>(entries: Iterable<[string, V]>): RecordMap<V> {
  const map = new RecordMap<V>();
  for (const [key, value] of entries) map.set(key, value);
  return map;
}

/** A shallow copy whose maps can be changed without touching the original. */
export function copyGraph(graph: Graph): Graph {
  return { tasks: recordMapOf(graph.tasks), actors: recordMapOf(graph.actors), resources: recordMapOf(graph.resources) };
}

/** The revision of a graph's tasks: an index or a plan made at another one is stale. */
export function tasksRevision(graph: Graph): number | undefined {
  return graph.tasks instanceof RecordMap ? graph.tasks.revision : undefined;
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
  const candidates = [...ids].filter((candidate) => candidate.includes(id) || id.includes(candidate));
  if (candidates.length > 0 && candidates.length <= 3) return `did you mean ${candidates.join(', ')}?`;
  return `\`${listCommand}\` shows what exists`;
}
