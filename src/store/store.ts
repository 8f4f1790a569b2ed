import type { Graph } from '../graph/model.js';
import type { ParsedGraph } from './jsonl.js';

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
  /** Write out whatever is held in a faster form (the file store's journal), so the store's main form is whole. */
  settle?(): Promise<void>;
}

/** What commands need of a store: the two calls, plus `wg check`'s full parse and `wg ready`'s cache. */
export interface WorkspaceStore extends GraphStore {
  /** Every record, valid or not, with the problems found (for `wg check`). */
  parse(options?: { revalidate?: boolean }): Promise<ParsedGraph>;
  /** `compute(graph)`, remembered where the store can tell the graph has not changed. */
  derived<T>(name: string, compute: (graph: Graph) => T): Promise<T>;
  /** Replace every record with those of an upstream-format graph (`wg import`), parsed and validated by the caller. */
  replaceAll(parsed: ParsedGraph): Promise<void>;
  /**
   * Call `onChange` soon after any process (on any machine the store reaches) commits a
   * change; a burst may be reported once. Returns the function that stops watching.
   */
  watch(onChange: () => void): Promise<() => Promise<void>>;
  /** Release connections, if the store holds any. */
  close?(): Promise<void>;
}
