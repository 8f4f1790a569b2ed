/**
 * The graph's drawing: a layered layout by ELK (elkjs), computed in a worker thread so a
 * 1,000-task graph never stalls the server's event stream. Only the structure (ids and
 * edges) matters, so a layout is reused until a task or an edge is added or removed.
 */
import { Worker } from 'node:worker_threads';
import { packagePath } from '../system/package-root.js';
import type { Layout } from './api-types.js';

export type { Layout } from './api-types.js';

export interface LayoutInput {
  nodes: Array<{ id: string; width: number; height: number }>;
  edges: Array<{ from: string; to: string }>;
}

export const NODE_WIDTH = 180;
export const NODE_HEIGHT = 34;

/** tsc's output, not the bundle: the worker is a file of its own (it holds elkjs, 1.5 MB). */
const LAYOUT_WORKER = packagePath('dist', 'serve', 'layout-worker.js');

/** Run the layout in a fresh worker; it exits when done. */
export function computeLayout(input: LayoutInput): Promise<Layout> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(LAYOUT_WORKER, { workerData: input });
    worker.once('message', (layout: Layout) => resolve(layout));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the layout worker exited with code ${code}`));
    });
  });
}

interface Pending {
  key: string;
  input: () => LayoutInput;
  promise: Promise<Layout>;
  resolve(layout: Layout): void;
  reject(error: unknown): void;
  started: boolean;
}

/**
 * One layout per structure, one worker at a time: a structure that changes again while
 * a layout runs (tasks added one by one) is laid out once that one ends, in its latest
 * form only, and whoever waited for a skipped form gets the latest.
 */
export class LayoutCache {
  private current: Pending | undefined;
  private running = false;

  get(key: string, input: () => LayoutInput): Promise<Layout> {
    if (this.current?.key === key) return this.current.promise;
    let resolve!: (layout: Layout) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<Layout>((yes, no) => ([resolve, reject] = [yes, no]));
    const previous = this.current;
    const entry: Pending = { key, input, promise, resolve, reject, started: false };
    this.current = entry;
    if (previous && !previous.started) promise.then(previous.resolve, previous.reject);
    promise.catch(() => {
      if (this.current === entry) this.current = undefined;
    });
    this.pump();
    return promise;
  }

  private pump(): void {
    const entry = this.current;
    if (this.running || !entry || entry.started) return;
    entry.started = true;
    this.running = true;
    let input: LayoutInput;
    try {
      input = entry.input();
    } catch (error) {
      this.running = false;
      entry.reject(error);
      return;
    }
    computeLayout(input)
      .then(entry.resolve, entry.reject)
      .finally(() => {
        this.running = false;
        this.pump();
      });
  }
}
