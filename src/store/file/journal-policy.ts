/**
 * When a long-lived writer appends a transaction to graph.journal and when it rewrites
 * graph.jsonl whole instead (folding the journal in). Pure: the file store measures, this
 * decides. Why a journal at all: docs/decisions/graph-journal.md.
 */

/** The journal is folded into graph.jsonl once it holds this much and half graph.jsonl's size... */
export const MIN_JOURNAL_BYTES = 256 * 1024;
/** ...or once it has gone this long without being folded in (an idle writer's timer folds it then, too). */
export const JOURNAL_FOLD_DELAY_MS = 2000;

export interface JournalState {
  /** The journal's size with this transaction's line appended. */
  journalBytes: number;
  /** graph.jsonl's size. */
  baseBytes: number;
  /** How long since this writer began the journal it has not folded in yet (0 if it has none). */
  ageMs: number;
}

/**
 * Append while the journal is young and small next to graph.jsonl: a transaction then costs
 * what it changes. Otherwise rewrite, so readers never replay a long journal and graph.jsonl
 * alone is never long behind.
 */
export function journalPolicy({ journalBytes, baseBytes, ageMs }: JournalState): 'append' | 'rewrite' {
  const young = ageMs < JOURNAL_FOLD_DELAY_MS;
  const small = journalBytes < Math.max(MIN_JOURNAL_BYTES, baseBytes / 2);
  return young && small ? 'append' : 'rewrite';
}
