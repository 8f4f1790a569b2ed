/**
 * The graph as `.workgraph/graph.jsonl`: read-modify-write under an exclusive lock,
 * written atomically (temp file in the same folder, fsync, rename) so a reader never
 * sees half a file and a crash leaves the previous graph intact.
 */
import { readdirSync, readFileSync, statSync, unlinkSync, watch } from 'node:fs';
import { isProcessAlive } from '../system/process.js';
import { join } from 'node:path';
import { GraphFileError } from '../errors.js';
import { copyGraph, type Graph } from '../graph/model.js';
import { graphBytes, parseGraph, renderGraph, type ParsedGraph, type RecordValidator, type SourceLine } from './jsonl.js';
import { acquireLock, type LockOptions } from './lock.js';
import type { WorkspaceStore } from './store.js';
import { DerivedCache } from './derived-cache.js';
import { contentDigest, identityOf, MISSING, type FileIdentity } from './file-identity.js';
import { StampWriter, ValidationCache } from './validation-cache.js';

export const GRAPH_FILE = 'graph.jsonl';
export const LOCK_FILE = 'graph.lock';
/** How long a watch waits for a burst of writes to end before reporting it. */
const WATCH_COALESCE_MS = 25;

/** zod is loaded only when some content actually needs validating. */
async function loadValidator(): Promise<RecordValidator> {
  const { recordProblem } = await import('../graph/schema.js');
  return recordProblem;
}

/** What this process last read or wrote, with the identity the file had. Never mutated. */
interface Known {
  identity: FileIdentity;
  parsed: ParsedGraph;
  digest(): string;
}

function memo(compute: () => string): () => string {
  let value: string | undefined;
  return () => (value ??= compute());
}

/**
 * Files a writer leaves only if it dies mid-write, or if the folder turned read-only under
 * it: the temp file of a graph write (`graph.jsonl.N`; any is stale while we hold the
 * lock, since only the lock holder writes the graph) and a lock's staging file
 * (`graph.lock.PID.HEX`, stale once its pid is gone; and only when older than a few
 * seconds, as the pid may belong to another namespace, such as Codex's sandbox, where a
 * live contender is about to link it). Called with the lock held.
 */
const STAGING_STALE_MS = 10_000;

function olderThan(path: string, ms: number): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs > ms;
  } catch {
    return false;
  }
}

function sweepLeftovers(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const staging = /^graph\.lock\.(\d+)\.[0-9a-f]+$/.exec(name);
    const stale = /^graph\.jsonl\.\d+$/.test(name) || (staging !== null && !isProcessAlive(Number(staging[1])) && olderThan(join(dir, name), STAGING_STALE_MS));
    if (!stale) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {
      // Still read-only, or gone already: nothing to do now.
    }
  }
}

export class FileGraphStore implements WorkspaceStore {
  readonly graphPath: string;
  readonly lockPath: string;
  private readonly cache: ValidationCache;
  private readonly stamps: StampWriter;
  private known: Known | undefined;
  /** Whether this process has cleared what dead writers left in the folder (once is enough). */
  private swept = false;

  constructor(
    readonly dir: string,
    private readonly lockOptions: LockOptions = {},
  ) {
    this.graphPath = join(dir, GRAPH_FILE);
    this.lockPath = join(dir, LOCK_FILE);
    this.cache = new ValidationCache(dir);
    this.stamps = new StampWriter(this.cache);
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
    const identity = identityOf(this.graphPath);
    if (!options.revalidate && this.known?.identity.key === identity.key) return this.known.parsed;
    const text = this.readText();
    // Replaced while we read it (or created and removed again): the text is not the file `identity` names, so trust nothing.
    const stable = identity.key === identityOf(this.graphPath).key && (identity !== MISSING || text === '');
    const digest = memo(() => contentDigest(text));
    const trusted = stable && !options.revalidate && this.cache.isValidated(identity, digest);
    const parsed = parseGraph(text, trusted ? undefined : await loadValidator(), GRAPH_FILE);
    if (parsed.problems.length === 0 && stable) {
      if (!trusted) this.cache.remember(identity, digest());
      this.known = { identity, parsed, digest };
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
    const identity = identityOf(this.graphPath);
    const cache = new DerivedCache(this.dir);
    const cached = cache.read(name, identity, () => contentDigest(this.readText()));
    if (cached !== undefined) return cached as T;
    const value = compute(await this.load());
    // Only if what we parsed is the file we looked at first (else the entry would lie).
    if (this.known?.identity.key === identity.key) cache.write(name, identity, this.known.digest(), value);
    return value;
  }

  async transact<T>(change: (graph: Graph) => T | Promise<T>): Promise<T> {
    const lock = await acquireLock(this.lockPath, this.lockOptions);
    try {
      if (!this.swept) sweepLeftovers(this.dir);
      this.swept = true;
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
   * Every committed change renames a new graph.jsonl into the folder (or an editor
   * rewrites it), and the folder's watch sees that; no polling. Events are coalesced
   * for a moment, so a burst of writes is reported once.
   */
  async watch(onChange: () => void): Promise<() => Promise<void>> {
    let pending: NodeJS.Timeout | undefined;
    // Persistent: a process waiting only on changes (wg log --follow) must stay up until it stops watching.
    const watcher = watch(this.dir, (_event, name) => {
      if (name !== null && name !== GRAPH_FILE) return;
      pending ??= setTimeout(() => {
        pending = undefined;
        onChange();
      }, WATCH_COALESCE_MS);
    });
    watcher.on('error', () => undefined);
    return async () => {
      if (pending) clearTimeout(pending);
      watcher.close();
    };
  }

  /** Replace the whole file with these lines (`wg import`: parsed and validated by the caller). */
  async replaceAll(parsed: ParsedGraph): Promise<void> {
    const lock = await acquireLock(this.lockPath, this.lockOptions);
    try {
      await this.write(parsed.graph, { lines: parsed.lines });
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
   *
   * Written with blocking calls, on purpose: the writes of one store are serialized by
   * the lock anyway, and in the thread pool each step queued behind the runner's other
   * file work (run folders, logs), so a 1 ms write took 10 ms and every claim waited
   * for it. The digest, which only spares other processes a validation, is stamped
   * afterwards, off the main thread.
   */
  private async write(draft: Graph, rendered: { lines: SourceLine[] }): Promise<void> {
    const { default: writeFileAtomic } = await import('write-file-atomic');
    const bytes = graphBytes(rendered.lines);
    let written: bigint | undefined;
    writeFileAtomic.sync(this.graphPath, bytes, { fsync: true, tmpfileCreated: (temp) => void (written = statSync(temp, { bigint: true }).ino) });
    const identity = identityOf(this.graphPath);
    // The lock binds only wg: an editor may have replaced the file since our rename, and that file is not ours to vouch for.
    if (identity.ino !== written) {
      this.known = undefined;
      return;
    }
    const digest = memo(() => contentDigest(bytes));
    this.known = { identity, parsed: { graph: draft, lines: rendered.lines, problems: [] }, digest };
    this.stamps.offer(identity, bytes);
  }
}
