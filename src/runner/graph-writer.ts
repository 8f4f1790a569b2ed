/**
 * The runner's only way to change the graph, as a group commit: a change waits only
 * for the write in progress (if any); everything that arrives meanwhile goes into the
 * next transaction together. A busy run of 1,000 tasks thus rewrites the file a few
 * hundred times instead of once per claim, log line and completion, and an idle one
 * writes at once. The graph as last committed is kept as `snapshot`, so planning and
 * prompts do not re-read the file.
 */
import type { Graph } from '../graph/model.js';
import type { GraphStore } from '../store/store.js';

interface Pending {
  change: (graph: Graph) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class GraphWriter {
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private latest: Graph | undefined;
  /** Set when a write failed: the graph on disk is intact, but the runner must stop. */
  failure: unknown;

  constructor(private readonly store: GraphStore) {}

  /** Apply `change` in the next transaction; resolves with its result once that is on disk. */
  apply<T>(change: (graph: Graph) => T): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ change, resolve: resolve as (value: unknown) => void, reject });
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  /** The graph as of the last transaction (read from disk the first time). */
  async snapshot(): Promise<Graph> {
    if (!this.latest) this.latest = await this.store.load();
    return this.latest;
  }

  /** Read the file again (another process may have changed it) and use that as the snapshot. */
  async refresh(): Promise<Graph> {
    this.latest = await this.store.load();
    return this.latest;
  }

  private async flushLoop(): Promise<void> {
    // Let changes made in the same tick join the first transaction.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.pending.length > 0) await this.flushBatch(this.pending.splice(0));
    this.flushing = undefined;
  }

  private async flushBatch(batch: Pending[]): Promise<void> {
    const results: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      await this.store.transact((graph) => {
        results.length = 0;
        for (const item of batch) {
          // Transitions validate before they replace a record, so a change that throws leaves the graph as it was.
          try {
            results.push({ ok: true, value: item.change(graph) });
          } catch (error) {
            results.push({ ok: false, error });
          }
        }
        this.latest = graph;
      });
    } catch (error) {
      this.failure = error;
      for (const item of [...batch, ...this.pending.splice(0)]) item.reject(error);
      this.latest = undefined;
      return;
    }
    batch.forEach((item, i) => {
      const result = results[i]!;
      if (result.ok) item.resolve(result.value);
      else item.reject(result.error);
    });
  }

  /** Wait until everything applied so far is on disk. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }
}
