/**
 * The graph's drawing: a layered layout by ELK (elkjs), computed in a worker thread so a
 * 1,000-task graph never stalls the server's event stream. Only the structure (ids and
 * edges) matters, so a layout is reused until a task or an edge is added or removed.
 */
import { Worker } from 'node:worker_threads';

export interface LayoutInput {
  nodes: Array<{ id: string; width: number; height: number }>;
  edges: Array<{ from: string; to: string }>;
}

export interface Layout {
  width: number;
  height: number;
  nodes: Record<string, { x: number; y: number; width: number; height: number }>;
  edges: Array<{ from: string; to: string; points: Array<[number, number]> }>;
  ms: number;
}

export const NODE_WIDTH = 180;
export const NODE_HEIGHT = 34;

/** Run the layout in a fresh worker; it exits when done. */
export function computeLayout(input: LayoutInput): Promise<Layout> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./layout-worker.js', import.meta.url), { workerData: input });
    worker.once('message', (layout: Layout) => resolve(layout));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the layout worker exited with code ${code}`));
    });
  });
}

/** One layout per structure; a new structure starts a new computation, the latest wins. */
export class LayoutCache {
  private key: string | undefined;
  private pending: Promise<Layout> | undefined;

  get(key: string, input: () => LayoutInput): Promise<Layout> {
    if (key !== this.key || !this.pending) {
      this.key = key;
      const promise = computeLayout(input());
      promise.catch(() => {
        if (this.pending === promise) this.key = undefined;
      });
      this.pending = promise;
    }
    return this.pending;
  }
}
