import type { Graph } from '../graph/model.js';

/**
 * Where the graph lives. Commands only ever `load` it, or run a function over it in
 * a `transact`ion; a PostgreSQL-backed store can implement the same two calls.
 */
export interface GraphStore {
  /** A consistent snapshot, without taking the lock. */
  load(): Promise<Graph>;
  /**
   * Lock, read, let `change` edit a private copy of the graph, and write it back
   * atomically if any record changed. If `change` throws, nothing is written.
   */
  transact<T>(change: (graph: Graph) => T | Promise<T>): Promise<T>;
}
