import { describe, expect, it } from 'vitest';
import { readiness, singleTaskIndex } from '../../src/graph/deps.js';
import {
  approveResult,
  awaitValidation,
  needsReview,
  parseReviewComment,
  rejectResult,
  reopenUnlanded,
} from '../../src/graph/review.js';
import { linesAround } from '../../src/worktree/review.js';
import type { Caller } from '../../src/graph/transitions.js';
import { graphOf } from '../support/graph.js';

const by: Caller = { actor: 'runner', now: new Date('2030-01-01T00:00:00Z') };
const person: Caller = { actor: 'alice', now: new Date('2030-01-01T01:00:00Z') };
const result = { attempt: 1, branch: 'wg/build/1', base: 'b'.repeat(40), head: 'h'.repeat(40) };

function pendingGraph(extra: object = {}) {
  const graph = graphOf([
    { id: 'build', status: 'in-progress', validation: 'external', ...extra },
    { id: 'ship', blocked_by: ['build'] },
  ]);
  awaitValidation(graph, 'build', by, result, { mode: 'external', summary: 'built it' });
  return graph;
}

describe('review before landing', () => {
  it('needs review only for external and llm, the task overriding the default', () => {
    expect(needsReview({ id: 'a', title: 'A', status: 'open' }, 'none')).toBe(false);
    expect(needsReview({ id: 'a', title: 'A', status: 'open' }, 'external')).toBe(true);
    expect(needsReview({ id: 'a', title: 'A', status: 'open', validation: 'none' }, 'llm')).toBe(false);
    expect(needsReview({ id: 'a', title: 'A', status: 'open', validation: 'llm' }, 'none')).toBe(true);
    expect(needsReview({ id: 'a', title: 'A', status: 'open', validation: 'integrated' }, 'none')).toBe(false);
  });

  it('a successful attempt waits unlanded, with its dependents blocked', () => {
    const graph = pendingGraph();
    const task = graph.tasks.get('build')!;
    expect(task).toMatchObject({ status: 'pending-validation', summary: 'built it', pending_result: result });
    expect(task.claim).toBeUndefined();
    expect(task.log!.at(-1)!.message).toMatch(/waits for a person .*wg approve build/);
    const ship = graph.tasks.get('ship')!;
    expect(readiness(graph, singleTaskIndex(graph, 'ship'), ship, by.now).ready).toBe(false);
  });

  it('approval records the verdict and where the result landed, and the task is done', () => {
    const graph = pendingGraph();
    const landed = { attempt: 1, target: 'main', base: 'b'.repeat(40), commit: 'c'.repeat(40) };
    const task = approveResult(graph, 'build', person, { reviewer: 'person', comment: 'nice', landed });
    expect(task).toMatchObject({
      status: 'done',
      landed,
      review: { verdict: 'approve', by: 'alice', comment: 'nice' },
    });
    expect(task.pending_result).toBeUndefined();
    const ship = graph.tasks.get('ship')!;
    expect(readiness(graph, singleTaskIndex(graph, 'ship'), ship, by.now).ready).toBe(true);
  });

  it('rejection reopens with the reason and comments, keeps the result for the retry, and uses up a retry', () => {
    const graph = pendingGraph();
    const comments = [parseReviewComment('src/a.ts:12: check for null here')];
    const task = rejectResult(graph, 'build', person, {
      reviewer: 'person',
      reason: 'misses the empty case',
      comments,
      defaultMaxRetries: 3,
    });
    expect(task).toMatchObject({
      status: 'open',
      retry_count: 1,
      rejection_count: 1,
      failure_reason: 'rejected: misses the empty case',
      pending_result: result,
      review: { verdict: 'reject', reason: 'misses the empty case', comments: [{ path: 'src/a.ts', line: 12 }] },
    });
    expect(task.log!.at(-1)!.message).toBe('rejected attempt 1: misses the empty case (1 line comment); reopened');
  });

  it('fails the task when rejections use up its retries, or reach max_rejections', () => {
    const out = rejectResult(pendingGraph({ retry_count: 1, max_retries: 2 }), 'build', person, {
      reviewer: 'llm',
      reason: 'still wrong',
      defaultMaxRetries: 5,
    });
    expect(out.status).toBe('failed');
    const capped = rejectResult(pendingGraph({ rejection_count: 1, max_rejections: 2 }), 'build', person, {
      reviewer: 'person',
      reason: 'no',
      defaultMaxRetries: 9,
    });
    expect(capped.status).toBe('failed');
  });

  it('refuses a verdict on a task with no pending result, and a rejection without a reason', () => {
    const graph = graphOf([{ id: 'a' }]);
    const landed = { attempt: 1, target: 'main', base: 'x', commit: 'y' };
    expect(() => approveResult(graph, 'a', person, { reviewer: 'person', landed })).toThrow(
      /a is open: only a result pending validation/,
    );
    expect(() =>
      rejectResult(pendingGraph(), 'build', person, { reviewer: 'person', reason: '  ', defaultMaxRetries: 3 }),
    ).toThrow(/needs a reason/);
  });

  it('reads line comments as path:line: text', () => {
    expect(parseReviewComment('src/x y.ts:3:  text: with colon')).toEqual({
      path: 'src/x y.ts',
      line: 3,
      text: 'text: with colon',
    });
    expect(() => parseReviewComment('no line here')).toThrow(/path:line: text/);
    expect(() => parseReviewComment('a.ts:0: zero')).toThrow(/path:line: text/);
  });

  it('an approved result that cannot land reopens with why, counting an attempt, and keeps the result', () => {
    const task = reopenUnlanded(pendingGraph(), 'build', person, {
      reason: 'merge conflict in a.ts',
      defaultMaxRetries: 3,
    });
    expect(task).toMatchObject({
      status: 'open',
      retry_count: 1,
      failure_reason: 'merge conflict in a.ts',
      pending_result: result,
    });
    expect(task.log!.at(-1)!.message).toBe(
      'approved attempt 1, but it could not land: merge conflict in a.ts; reopened',
    );
  });

  it("picks the diff lines around a comment's line, in the new file's numbering", () => {
    const patch = [
      'diff --git a/a.ts b/a.ts',
      '--- a/a.ts',
      '+++ b/a.ts',
      '@@ -10,4 +10,5 @@ function f() {',
      ' ten',
      '-eleven',
      '+eleven!',
      '+twelve',
      ' thirteen',
      ' fourteen',
    ].join('\n');
    expect(linesAround(patch, 11)).toBe(
      ['@@ -10,4 +10,5 @@ function f() {', ' ten', '-eleven', '+eleven!', '+twelve', ' thirteen', ' fourteen'].join(
        '\n',
      ),
    );
    // The removed line sits where its replacement begins (new line 11), within reach of 14.
    expect(linesAround(patch, 14)).toBe(
      ['@@ -10,4 +10,5 @@ function f() {', '-eleven', '+eleven!', '+twelve', ' thirteen', ' fourteen'].join('\n'),
    );
    expect(linesAround(patch, 40)).toBeUndefined();
  });
});
