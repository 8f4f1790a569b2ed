import { describe, expect, it } from 'vitest';
import { JOURNAL_FOLD_DELAY_MS, journalPolicy, MIN_JOURNAL_BYTES } from '../../src/store/file/journal-policy.js';

describe('journalPolicy: append to graph.journal, or rewrite graph.jsonl whole', () => {
  const small = { journalBytes: 1_000, baseBytes: 10_000, ageMs: 0 };

  it('appends while the journal is young and small', () => {
    expect(journalPolicy(small)).toBe('append');
    expect(journalPolicy({ ...small, ageMs: JOURNAL_FOLD_DELAY_MS - 1 })).toBe('append');
  });

  it('rewrites once the journal has sat for the fold delay', () => {
    expect(journalPolicy({ ...small, ageMs: JOURNAL_FOLD_DELAY_MS })).toBe('rewrite');
  });

  it('on a small graph, lets the journal grow to the minimum before rewriting', () => {
    expect(journalPolicy({ ...small, journalBytes: MIN_JOURNAL_BYTES - 1 })).toBe('append');
    expect(journalPolicy({ ...small, journalBytes: MIN_JOURNAL_BYTES })).toBe('rewrite');
  });

  it('on a large graph, rewrites once the journal reaches half its size', () => {
    const baseBytes = 4 * MIN_JOURNAL_BYTES;
    expect(journalPolicy({ journalBytes: baseBytes / 2 - 1, baseBytes, ageMs: 0 })).toBe('append');
    expect(journalPolicy({ journalBytes: baseBytes / 2, baseBytes, ageMs: 0 })).toBe('rewrite');
  });
});
