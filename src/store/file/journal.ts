/**
 * graph.journal: the changes a long-lived writer (the runner) committed since graph.jsonl
 * was last written whole. One line per transaction, appended under the lock:
 *
 *   {"set":[<record, exactly as its graph.jsonl line>,...],"delete":[{"kind":"task","id":"x"}]}
 *
 * A line holds whole records, never differences, so replaying a line twice (after a
 * crash between rewriting graph.jsonl and removing the journal) changes nothing. A line
 * without its newline is a write cut short by a crash: it never happened.
 */
import type { Graph } from '../../graph/model.js';
import type { RecordKind } from '../../graph/types.js';
import { mapFor, normalizeAliases, serializeRecord, type RecordValidator } from '../jsonl.js';

export const JOURNAL_FILE = 'graph.journal';

export interface RecordChange {
  kind: RecordKind;
  id: string;
  /** undefined: deleted. */
  record: object | undefined;
  aliases?: Record<string, string> | undefined;
}

/** One transaction's line, newline included. */
export function journalLine(changes: readonly RecordChange[]): string {
  const set = changes
    .filter((change) => change.record !== undefined)
    .map((change) => serializeRecord(change.kind, change.record!, change.aliases));
  const deleted = changes
    .filter((change) => change.record === undefined)
    .map((change) => JSON.stringify({ kind: change.kind, id: change.id }));
  return `{"set":[${set.join(',')}],"delete":[${deleted.join(',')}]}\n`;
}

export interface JournalRead {
  /** Bytes of whole lines read: where the next read starts. */
  length: number;
  problems: string[];
}

const isKind = (kind: unknown): kind is RecordKind => kind === 'task' || kind === 'actor' || kind === 'resource';

/**
 * Apply the whole lines of `bytes` to `graph`, in order. `firstLine` numbers problems
 * (`graph.journal:LINE: reason`); `validate` is zod's verdict on each record, skipped
 * for lines this process wrote itself.
 */
export function applyJournal(
  graph: Graph,
  bytes: Buffer,
  firstLine: number,
  validate: RecordValidator | undefined,
): JournalRead {
  const end = bytes.lastIndexOf(0x0a) + 1;
  const problems: string[] = [];
  let lineNo = firstLine - 1;
  for (const row of bytes.subarray(0, end).toString('utf8').split('\n')) {
    lineNo++;
    if (row.length === 0) continue;
    const fail = (reason: string) => problems.push(`${JOURNAL_FILE}:${lineNo}: ${reason}`);
    let entry: { set?: unknown; delete?: unknown };
    try {
      entry = JSON.parse(row) as typeof entry;
    } catch (error) {
      fail(`invalid JSON (${(error as Error).message})`);
      continue;
    }
    if (!Array.isArray(entry.set) || !Array.isArray(entry.delete)) {
      fail('not a journal entry (needs "set" and "delete" lists)');
      continue;
    }
    for (const raw of entry.set as unknown[]) {
      const kind = (raw as { kind?: unknown } | null)?.kind;
      if (!isKind(kind)) {
        fail('a record without a known kind');
        continue;
      }
      const { record } = normalizeAliases(raw as Record<string, unknown>);
      const problem = typeof record.id !== 'string' ? 'id: missing or not a string' : validate?.(kind, record);
      if (problem !== undefined) {
        fail(`${kind} "${String(record.id)}": ${problem}`);
        continue;
      }
      mapFor(graph, kind).set(record.id as string, record as never);
    }
    for (const raw of entry.delete as unknown[]) {
      const { kind, id } = (raw ?? {}) as { kind?: unknown; id?: unknown };
      if (!isKind(kind) || typeof id !== 'string') fail('a deletion without a known kind and an id');
      else mapFor(graph, kind).delete(id);
    }
  }
  return { length: end, problems };
}
