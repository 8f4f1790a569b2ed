/**
 * The graph as `.workgraph/graph.jsonl`, changed under an exclusive lock. A one-off
 * command writes the whole file atomically (temp file in the same folder, fsync,
 * rename), so a reader never sees half a file and a crash leaves the previous graph
 * intact. A long-lived writer (`wg run`) instead appends each transaction's changed
 * records to graph.journal (journal.ts) and rewrites graph.jsonl whole only once the
 * journal has grown to half its size, or has sat for a moment: so a transaction costs
 * what it changes, not the size of the graph. Every reader applies the journal over
 * graph.jsonl; graph.jsonl alone is always a valid upstream file, at most a moment old.
 */
import {
  closeSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { isProcessAlive } from '../../system/process.js';
import { watchFolder } from '../../system/watch-folder.js';
import { join } from 'node:path';
import { GraphFileError } from '../../errors.js';
import { RecordMap, type Graph } from '../../graph/model.js';
import { RECORD_KINDS } from '../../graph/types.js';
import { graphBytes, mapFor, parseGraph, type ParsedGraph, type RecordValidator } from '../jsonl.js';
import { JOURNAL_FILE, journalLine, type RecordChange } from './journal.js';
import { GraphSnapshot, memo, type JournalPosition } from './graph-snapshot.js';
import { JOURNAL_FOLD_DELAY_MS, journalPolicy } from './journal-policy.js';
import { acquireLock, unlinkQuietly, type LockOptions } from './lock.js';
import type { WorkspaceStore } from '../store.js';
import { DerivedCache } from './derived-cache.js';
import { contentDigest, identityOf, MISSING } from './file-identity.js';
import { StampWriter, ValidationCache } from './validation-cache.js';

export const GRAPH_FILE = 'graph.jsonl';
export const LOCK_FILE = 'graph.lock';
/** How long a watch waits for a burst of writes to end before reporting it. */
const WATCH_COALESCE_MS = 25;

/** zod is loaded only when some content actually needs validating. */
async function loadValidator(): Promise<RecordValidator> {
  const { recordProblem } = await import('../../graph/schema.js');
  return recordProblem;
}

export interface FileStoreOptions extends LockOptions {
  /** Append transactions to graph.journal (a long-lived writer, which folds it in when done). */
  journal?: boolean;
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
    const stale =
      /^graph\.jsonl\.\d+$/.test(name) ||
      (staging !== null && !isProcessAlive(Number(staging[1])) && olderThan(join(dir, name), STAGING_STALE_MS));
    if (!stale) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {
      // Still read-only, or gone already: nothing to do now.
    }
  }
}

function journalInfo(path: string): { ino: bigint; size: number } | undefined {
  try {
    const stat = statSync(path, { bigint: true });
    return { ino: stat.ino, size: Number(stat.size) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Where reading the journal now can carry on from `known`, or undefined if it must be read from the start. */
function continuesFrom(
  known: JournalPosition | undefined,
  now: { ino: bigint; size: number } | undefined,
): number | undefined {
  if (!now) return known === undefined || known.length === 0 ? 0 : undefined;
  if (known === undefined || (known.ino !== now.ino && known.length === 0)) return 0;
  return known.ino === now.ino && now.size >= known.length ? known.length : undefined;
}

function readFrom(path: string, from: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
    throw error;
  }
  try {
    const size = Number(fstatSync(fd).size);
    const buffer = Buffer.alloc(Math.max(0, size - from));
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, from + read);
      if (n === 0) break;
      read += n;
    }
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

const recordMaps = (graph: Graph) => RECORD_KINDS.map((kind) => [kind, mapFor(graph, kind)] as const);

export class FileGraphStore implements WorkspaceStore {
  readonly graphPath: string;
  readonly lockPath: string;
  readonly journalPath: string;
  private readonly cache: ValidationCache;
  private readonly stamps: StampWriter;
  /** The graph as this process last read or wrote it, while it is known to be current. */
  private live: GraphSnapshot | undefined;
  /** Whether this process has cleared what dead writers left in the folder (once is enough). */
  private swept = false;
  /** This store's calls, one at a time: a transaction changes the graph that reads return. */
  private queue: Promise<unknown> = Promise.resolve();
  private foldTimer: NodeJS.Timeout | undefined;
  /** When this process began the journal it has not folded in yet. */
  private journalStarted: number | undefined;
  /** A fold the timer started failed: the next transaction reports it (the runner stops, as on any failed write). */
  private foldFailure: unknown;

  constructor(
    readonly dir: string,
    private readonly options: FileStoreOptions = {},
  ) {
    this.graphPath = join(dir, GRAPH_FILE);
    this.lockPath = join(dir, LOCK_FILE);
    this.journalPath = join(dir, JOURNAL_FILE);
    this.cache = new ValidationCache(dir);
    this.stamps = new StampWriter(this.cache);
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private readText(): string {
    try {
      return readFileSync(this.graphPath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw error;
    }
  }

  /**
   * Everything from the start: graph.jsonl (zod only if its stamp does not vouch for it),
   * then the journal over it (always checked: it is never stamped). `cacheable` when
   * graph.jsonl did not change while we read.
   */
  private async readAll(revalidate: boolean): Promise<{ live: GraphSnapshot; problems: string[]; cacheable: boolean }> {
    const identity = identityOf(this.graphPath);
    const text = this.readText();
    // Replaced while we read it (or created and removed again): the text is not the file `identity` names, so trust nothing.
    const stable = identity.key === identityOf(this.graphPath).key && (identity !== MISSING || text === '');
    const digest = memo(() => contentDigest(text));
    const trusted = stable && !revalidate && this.cache.isValidated(identity, digest);
    const parsed = parseGraph(text, trusted ? undefined : await loadValidator(), GRAPH_FILE);
    if (parsed.problems.length === 0 && stable && !trusted) this.cache.remember(identity, digest());
    const live = new GraphSnapshot(parsed.graph, {
      identity,
      lines: parsed.lines,
      digest,
      bytes: Buffer.byteLength(text),
    });
    const problems = [...parsed.problems];
    const journal = journalInfo(this.journalPath);
    if (journal) {
      const bytes = readFrom(this.journalPath, 0);
      problems.push(...live.catchUp(journal.ino, 0, bytes, bytes.length > 0 ? await loadValidator() : undefined));
    }
    return {
      live,
      problems,
      cacheable: stable && problems.length === 0 && identityOf(this.graphPath).key === identity.key,
    };
  }

  /**
   * The graph as it stands: what we hold, brought up to date with the journal lines
   * other processes appended since, or read again whole if graph.jsonl changed.
   */
  private async current(): Promise<GraphSnapshot> {
    const live = this.live;
    if (live && identityOf(this.graphPath).key === live.identity.key) {
      const journal = journalInfo(this.journalPath);
      const from = continuesFrom(live.journal, journal);
      if (from !== undefined) {
        // A journal begun since (even an empty one) is noted, so its next lines are read from where it stood.
        if (journal && (journal.size > from || !live.journal)) await this.readNewEntries(live, journal.ino, from);
        return live;
      }
    }
    const { live: fresh, problems, cacheable } = await this.readAll(false);
    if (problems.length > 0) {
      this.live = undefined;
      throw new GraphFileError(problems);
    }
    this.live = cacheable ? fresh : undefined;
    return fresh;
  }

  private async readNewEntries(live: GraphSnapshot, ino: bigint, from: number): Promise<void> {
    const bytes = readFrom(this.journalPath, from);
    const problems = live.catchUp(ino, from, bytes, bytes.length > 0 ? await loadValidator() : undefined);
    if (problems.length > 0) {
      this.live = undefined;
      throw new GraphFileError(problems);
    }
  }

  /** Every line, valid or not, with the problems found (for `wg check`, which passes `revalidate`). */
  async parse(options: { revalidate?: boolean } = {}): Promise<ParsedGraph> {
    return this.serial(async () => {
      if (!options.revalidate) {
        try {
          const live = await this.current();
          return { graph: live.graph, lines: live.wholeLines(), problems: [] };
        } catch (error) {
          if (!(error instanceof GraphFileError)) throw error;
        }
      }
      const { live, problems } = await this.readAll(options.revalidate ?? false);
      return { graph: live.graph, lines: live.wholeLines(), problems };
    });
  }

  /** The graph as it stands. In a process that writes it too, the same object, changed in place by each transaction. */
  async load(): Promise<Graph> {
    return this.serial(async () => (await this.current()).graph);
  }

  /**
   * `compute(graph)`, remembered on disk for this exact file until it changes. `compute`
   * must depend on the graph alone and return plain JSON. A broken file still throws.
   * While a journal is open (a run is going) it is computed afresh.
   */
  async derived<T>(name: string, compute: (graph: Graph) => T): Promise<T> {
    return this.serial(async () => {
      if ((journalInfo(this.journalPath)?.size ?? 0) > 0) return compute((await this.current()).graph);
      const identity = identityOf(this.graphPath);
      const cache = new DerivedCache(this.dir);
      const cached = cache.read(name, identity, () => contentDigest(this.readText()));
      if (cached !== undefined) return cached as T;
      const live = await this.current();
      const value = compute(live.graph);
      // Only if what we parsed is the file we looked at first (else the entry would lie).
      if (this.live === live && live.identity.key === identity.key && !live.journal?.length)
        cache.write(name, identity, live.digest(), value);
      return value;
    });
  }

  async transact<T>(change: (graph: Graph) => T | Promise<T>): Promise<T> {
    return this.serial(async () => {
      const lock = await acquireLock(this.lockPath, this.options);
      try {
        if (this.foldFailure !== undefined) {
          const failure = this.foldFailure;
          this.foldFailure = undefined;
          throw failure;
        }
        if (!this.swept) sweepLeftovers(this.dir);
        this.swept = true;
        const live = await this.current();
        const maps = recordMaps(live.graph);
        for (const [, map] of maps) (map as RecordMap<object>).record();
        try {
          const result = await change(live.graph);
          const changes = maps.flatMap(([kind, map]) =>
            (map as RecordMap<object>).changedKeys().map((id) => live.changeOf(kind, id)),
          );
          if (changes.length > 0) await this.commit(live, changes);
          for (const [, map] of maps) (map as RecordMap<object>).stopRecording();
          return result;
        } catch (error) {
          // Nothing was written (or what was is a torn journal line, which never happened): the graph is as it was.
          for (const [, map] of maps) (map as RecordMap<object>).rollBack();
          throw error;
        }
      } finally {
        lock.release();
      }
    });
  }

  /** One transaction to disk: a journal line, or (a one-off writer, or a journal grown large) the whole file. */
  private async commit(live: GraphSnapshot, changes: RecordChange[]): Promise<void> {
    const line = Buffer.from(journalLine(changes));
    const policy = journalPolicy({
      journalBytes: (live.journal?.length ?? 0) + line.length,
      baseBytes: live.baseBytes,
      ageMs: this.journalStarted === undefined ? 0 : Date.now() - this.journalStarted,
    });
    if (this.options.journal && policy === 'append') {
      this.append(live, line);
      this.journalStarted ??= Date.now();
      // An idle writer folds it in too, so graph.jsonl is never long behind.
      this.foldTimer ??= setTimeout(() => {
        this.foldTimer = undefined;
        this.settle().catch((error: unknown) => (this.foldFailure = error));
      }, JOURNAL_FOLD_DELAY_MS).unref();
      return;
    }
    await this.rewrite(live);
  }

  /**
   * One line at the end of the journal, synced before the transaction counts as done.
   * Blocking, like the whole rewrite below: an fsync in the thread pool waited behind
   * the runner's other file work, and the run took longer (docs/decisions/blocking-file-calls.md).
   */
  private append(live: GraphSnapshot, line: Buffer): void {
    const fd = openSync(this.journalPath, 'a');
    try {
      const ino = fstatSync(fd, { bigint: true }).ino;
      const applied = live.appliedLength(ino);
      // Past what we applied is only ever a line a crashed writer did not finish: cut it off.
      if (Number(fstatSync(fd).size) !== applied) ftruncateSync(fd, applied);
      let written = 0;
      while (written < line.length) written += writeSync(fd, line, written);
      fsyncSync(fd);
      live.afterAppend(ino, line.length);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * The whole graph to graph.jsonl, then the journal (now folded in) removed. Blocking
   * calls, on purpose: in the thread pool each step queued behind the runner's other file
   * work and a 1 ms write took 10. A crash between the two steps leaves a journal whose
   * lines are already in graph.jsonl: replaying whole records changes nothing.
   * Records are validated where they enter (reads, and commands building them from
   * flags), so the write does not load zod. The validation stamp is hashed afterwards,
   * off the main thread.
   */
  private async rewrite(live: GraphSnapshot): Promise<void> {
    const { default: writeFileAtomic } = await import('write-file-atomic');
    const lines = live.render();
    const bytes = graphBytes(lines);
    let written: bigint | undefined;
    writeFileAtomic.sync(this.graphPath, bytes, {
      fsync: true,
      tmpfileCreated: (temp) => void (written = statSync(temp, { bigint: true }).ino),
    });
    unlinkQuietly(this.journalPath);
    clearTimeout(this.foldTimer);
    this.foldTimer = undefined;
    this.journalStarted = undefined;
    const identity = identityOf(this.graphPath);
    live.afterRewrite({ identity, lines, digest: () => contentDigest(bytes), bytes: bytes.length });
    // The lock binds only wg: an editor may have replaced the file since our rename, and that file is not ours to vouch for.
    if (identity.ino !== written) {
      this.live = undefined;
      return;
    }
    this.live = live;
    this.stamps.offer(identity, bytes);
  }

  /** Fold the journal into graph.jsonl now (a runner does when it ends), so graph.jsonl alone is the whole graph. */
  async settle(): Promise<void> {
    clearTimeout(this.foldTimer);
    this.foldTimer = undefined;
    if (journalInfo(this.journalPath) === undefined) return;
    await this.serial(async () => {
      const lock = await acquireLock(this.lockPath, this.options);
      try {
        const live = await this.current();
        if (journalInfo(this.journalPath) !== undefined) await this.rewrite(live);
      } finally {
        lock.release();
      }
    });
  }

  /**
   * Every committed change renames a new graph.jsonl into the folder or appends to
   * graph.journal (or an editor rewrites the file), and the folder's watch sees that;
   * no polling. Events are coalesced for a moment, so a burst of writes is reported once.
   */
  async watch(onChange: () => void): Promise<() => Promise<void>> {
    // Persistent: a process waiting only on changes (wg log --follow) must stay up until it stops watching.
    const stop = watchFolder(this.dir, onChange, { names: [GRAPH_FILE, JOURNAL_FILE], coalesceMs: WATCH_COALESCE_MS });
    return async () => stop();
  }

  /** Replace the whole file with these lines (`wg import`: parsed and validated by the caller). */
  async replaceAll(parsed: ParsedGraph): Promise<void> {
    await this.serial(async () => {
      const lock = await acquireLock(this.lockPath, this.options);
      try {
        const { default: writeFileAtomic } = await import('write-file-atomic');
        writeFileAtomic.sync(this.graphPath, graphBytes(parsed.lines), { fsync: true });
        unlinkQuietly(this.journalPath);
        this.live = undefined;
      } finally {
        lock.release();
      }
    });
  }
}
