/**
 * The graph as `.workgraph/graph.jsonl`: read-modify-write under an exclusive lock,
 * written atomically (temp file in the same folder, fsync, rename) so a reader never
 * sees half a file and a crash leaves the previous graph intact.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { GraphFileError } from '../errors.js';
import { copyGraph, type Graph } from '../graph/model.js';
import { graphChanged, parseGraph, renderGraph, type ParsedGraph } from './jsonl.js';
import { acquireLock, type LockOptions } from './lock.js';
import type { GraphStore } from './store.js';

export const GRAPH_FILE = 'graph.jsonl';
export const LOCK_FILE = 'graph.lock';

export class FileGraphStore implements GraphStore {
  readonly graphPath: string;
  readonly lockPath: string;

  constructor(
    readonly dir: string,
    private readonly lockOptions: LockOptions = {},
  ) {
    this.graphPath = join(dir, GRAPH_FILE);
    this.lockPath = join(dir, LOCK_FILE);
  }

  /** Every line, valid or not, with the problems found (for `wg check`). */
  parse(): ParsedGraph {
    let text: string;
    try {
      text = readFileSync(this.graphPath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') text = '';
      else throw error;
    }
    return parseGraph(text, GRAPH_FILE);
  }

  private parseStrict(): ParsedGraph {
    const parsed = this.parse();
    if (parsed.problems.length > 0) throw new GraphFileError(parsed.problems);
    return parsed;
  }

  async load(): Promise<Graph> {
    return this.parseStrict().graph;
  }

  async transact<T>(change: (graph: Graph) => T | Promise<T>): Promise<T> {
    const lock = await acquireLock(this.lockPath, this.lockOptions);
    try {
      const parsed = this.parseStrict();
      const draft = copyGraph(parsed.graph);
      const result = await change(draft);
      if (graphChanged(draft, parsed.graph)) {
        writeFileAtomic.sync(this.graphPath, renderGraph(draft, parsed.lines), { fsync: true });
      }
      return result;
    } finally {
      lock.release();
    }
  }
}
