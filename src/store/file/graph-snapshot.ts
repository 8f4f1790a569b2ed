/**
 * The graph as one process last read or wrote it: graph.jsonl plus the journal lines
 * applied over it. Pure bookkeeping (the file store does the reading and writing); its
 * methods keep the fields in step, so the store never has to.
 */
import type { Graph } from '../../graph/model.js';
import type { RecordKind } from '../../graph/types.js';
import { mapFor, recordKey, renderGraph, type RecordValidator, type SourceLine } from '../jsonl.js';
import type { FileIdentity } from './file-identity.js';
import { applyJournal, type RecordChange } from './journal.js';

/** How much of which journal file is applied to a graph: whole lines only. */
export interface JournalPosition {
  ino: bigint;
  length: number;
  lines: number;
}

/** graph.jsonl as read or written: which file, its lines, its digest (computed once, on first use) and size. */
export interface BaseFile {
  identity: FileIdentity;
  lines: SourceLine[];
  digest: () => string;
  bytes: number;
}

/** `compute()`, computed once, on first use. */
export function memo(compute: () => string): () => string {
  let value: string | undefined;
  return () => (value ??= compute());
}

function countLines(bytes: Buffer, length: number): number {
  let lines = 0;
  for (let at = bytes.indexOf(0x0a); at !== -1 && at < length; at = bytes.indexOf(0x0a, at + 1)) lines++;
  return lines;
}

export class GraphSnapshot {
  #identity: FileIdentity;
  #lines: SourceLine[];
  #digest: () => string;
  #baseBytes: number;
  #journal: JournalPosition | undefined;
  /** The field aliases of lines that use them (later-format graphs), by record key: built on first use. */
  #aliases: Map<string, Record<string, string>> | undefined;

  /**
   * `graph` is graph.jsonl's records, which the journal and this process's transactions
   * then change in place (its maps record what changed); `lines` stay graph.jsonl's own.
   */
  constructor(
    readonly graph: Graph,
    base: BaseFile,
  ) {
    this.#identity = base.identity;
    this.#lines = base.lines;
    this.#digest = memo(base.digest);
    this.#baseBytes = base.bytes;
  }

  /** graph.jsonl's identity when it was read (or written) for this snapshot. */
  get identity(): FileIdentity {
    return this.#identity;
  }

  /** graph.jsonl's content digest, computed on first use. */
  digest(): string {
    return this.#digest();
  }

  get baseBytes(): number {
    return this.#baseBytes;
  }

  /** How much of the journal is applied; undefined if none has been seen since graph.jsonl was read. */
  get journal(): JournalPosition | undefined {
    return this.#journal;
  }

  /** graph.jsonl's lines with the journal folded in, as a whole rewrite would write them. */
  wholeLines(): SourceLine[] {
    return this.#journal && this.#journal.length > 0 ? renderGraph(this.graph, this.#lines).lines : this.#lines;
  }

  /** graph.jsonl's lines as they would be rewritten now. */
  render(): SourceLine[] {
    return renderGraph(this.graph, this.#lines).lines;
  }

  /**
   * Apply the journal `ino`'s bytes from offset `from` (0, or where this snapshot stopped).
   * Returns the problems found; a snapshot with problems is to be dropped.
   */
  catchUp(ino: bigint, from: number, bytes: Buffer, validate: RecordValidator | undefined): string[] {
    const lines = from === this.#journal?.length ? this.#journal.lines : 0;
    const read = applyJournal(this.graph, bytes, lines + 1, validate);
    this.#journal = { ino, length: from + read.length, lines: lines + countLines(bytes, read.length) };
    return read.problems;
  }

  /** Where this snapshot's journal ends in the file `ino` (0 if that is another journal than the one applied). */
  appliedLength(ino: bigint): number {
    return this.#journal?.ino === ino ? this.#journal.length : 0;
  }

  /** One line of `length` bytes appended (and synced) after what `appliedLength(ino)` said. */
  afterAppend(ino: bigint, length: number): void {
    const known = this.#journal?.ino === ino ? this.#journal : { ino, length: 0, lines: 0 };
    this.#journal = { ino, length: known.length + length, lines: known.lines + 1 };
  }

  /** graph.jsonl rewritten whole from this snapshot's graph, the journal folded in and removed. */
  afterRewrite(base: BaseFile): void {
    this.#identity = base.identity;
    this.#lines = base.lines;
    this.#digest = memo(base.digest);
    this.#baseBytes = base.bytes;
    this.#journal = undefined;
    this.#aliases = undefined;
  }

  /** What a journal line records for this record: its current value, and the aliases its line was written with. */
  changeOf(kind: RecordKind, id: string): RecordChange {
    this.#aliases ??= new Map(
      this.#lines
        .filter((line) => line.aliases && line.kind)
        .map((line) => [recordKey(line.kind!, line.id), line.aliases!]),
    );
    return { kind, id, record: mapFor(this.graph, kind).get(id), aliases: this.#aliases.get(recordKey(kind, id)) };
  }
}
