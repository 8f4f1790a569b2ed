/**
 * The graph as `.workgraph/graph.jsonl`: read-modify-write under an exclusive lock,
 * written atomically (temp file in the same folder, fsync, rename) so a reader never
 * sees half a file and a crash leaves the previous graph intact.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GraphFileError } from '../errors.js';
import { copyGraph, type Graph } from '../graph/model.js';
import { graphBytes, parseGraph, renderGraph, type ParsedGraph, type RecordValidator, type SourceLine } from './jsonl.js';
import { acquireLock, type LockOptions } from './lock.js';
import type { GraphStore } from './store.js';
import { DerivedCache } from './derived-cache.js';
import { ValidationCache } from './validation-cache.js';

export const GRAPH_FILE = 'graph.jsonl';
export const LOCK_FILE = 'graph.lock';

/** zod is loaded only when some content actually needs validating. */
async function loadValidator(): Promise<RecordValidator> {
  const { recordProblem } = await import('../graph/schema.js');
  return recordProblem;
}

export class FileGraphStore implements GraphStore {
  readonly graphPath: string;
  readonly lockPath: string;
  private readonly cache: ValidationCache;
  /** The last content this process read or wrote, with the file identity it had. Never mutated. */
  private known: { identity: string; parsed: ParsedGraph } | undefined;

  constructor(
    readonly dir: string,
    private readonly lockOptions: LockOptions = {},
  ) {
    this.graphPath = join(dir, GRAPH_FILE);
    this.lockPath = join(dir, LOCK_FILE);
    this.cache = new ValidationCache(dir);
  }

  /**
   * The file's identity: an atomic rewrite (by wg or upstream) makes a new inode, an
   * edit in place a new mtime. Unchanged identity means unchanged content.
   */
  private fileIdentity(): string {
    try {
      const stat = statSync(this.graphPath, { bigint: true });
      return `${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw error;
    }
  }

  private readText(): string {
    try {
      return readFileSync(this.graphPath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw error;
    }
  }

  /** Every line, valid or not, with the problems found (for `wg check`, which passes `revalidate`). */
  async parse(options: { revalidate?: boolean } = {}): Promise<ParsedGraph> {
    // A long-lived process (the runner) reads the file again only when it changed.
    const identity = this.fileIdentity();
    if (!options.revalidate && this.known?.identity === identity) return this.known.parsed;
    const text = this.readText();
    // Replaced while we read it: the text is not the file `identity` names, so trust nothing.
    const stable = identity === this.fileIdentity();
    const trusted = stable && !options.revalidate && this.cache.isValidated(identity);
    const parsed = parseGraph(text, trusted ? undefined : await loadValidator(), GRAPH_FILE);
    if (parsed.problems.length === 0 && stable) {
      if (!trusted) this.cache.remember(identity);
      this.known = { identity, parsed };
    }
    return parsed;
  }

  private async parseStrict(): Promise<ParsedGraph> {
    const parsed = await this.parse();
    if (parsed.problems.length > 0) throw new GraphFileError(parsed.problems);
    return parsed;
  }

  async load(): Promise<Graph> {
    return (await this.parseStrict()).graph;
  }

  /**
   * `compute(graph)`, remembered on disk for this exact file until it changes. `compute`
   * must depend on the graph alone and return plain JSON. A broken file still throws.
   */
  async derived<T>(name: string, compute: (graph: Graph) => T): Promise<T> {
    const identity = this.fileIdentity();
    const cache = new DerivedCache(this.dir);
    const cached = cache.read(name, identity);
    if (cached !== undefined) return cached as T;
    const value = compute(await this.load());
    // Only if what we parsed is the file we looked at first (else the entry would lie).
    if (this.known?.identity === identity) cache.write(name, identity, value);
    return value;
  }

  async transact<T>(change: (graph: Graph) => T | Promise<T>): Promise<T> {
    const lock = await acquireLock(this.lockPath, this.lockOptions);
    try {
      const parsed = await this.parseStrict();
      const draft = copyGraph(parsed.graph);
      const result = await change(draft);
      const rendered = renderGraph(draft, parsed.lines);
      if (rendered.changed) await this.write(draft, rendered);
      return result;
    } finally {
      lock.release();
    }
  }

  /**
   * Records are validated where they enter: when the file is read, and when a command
   * builds one from its flags (graph/edit.ts); transitions keep them typed. So the
   * write itself does not load zod again (~80 ms for every `wg log` an agent runs).
   * The draft becomes the graph this store knows, uncopied: whoever called `transact`
   * must not change it afterwards (records are replaced, never mutated, anyway).
   */
  private async write(draft: Graph, rendered: { lines: SourceLine[] }): Promise<void> {
    const { default: writeFileAtomic } = await import('write-file-atomic');
    // The async form leaves the main thread free (fsync runs in the thread pool) while the lock is held.
    await writeFileAtomic(this.graphPath, graphBytes(rendered.lines), { fsync: true });
    // Under the lock no other wg process can have replaced it since the rename.
    const identity = this.fileIdentity();
    this.cache.remember(identity);
    this.known = { identity, parsed: { graph: draft, lines: rendered.lines, problems: [] } };
  }
}
