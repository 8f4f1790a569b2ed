import { describe, expect, it } from 'vitest';
import { canonicalStatus, idProblem, TASK_STATUSES, UPSTREAM_STATUSES } from '../../src/graph/types.js';
import { readiness, satisfiesDependents, dependencyIndex } from '../../src/graph/deps.js';
import { graphOf } from '../support/graph.js';

describe("upstream's statuses", () => {
  it('reads every spelling upstream reads (kebab, snake, Rust debug, run together, spaced) and nothing else', () => {
    for (const status of TASK_STATUSES) expect(canonicalStatus(status)).toBe(status);
    expect(canonicalStatus('FailedPendingEval')).toBe('failed-pending-eval');
    expect(canonicalStatus('pending_validation')).toBe('pending-validation');
    expect(canonicalStatus('InProgress')).toBe('in-progress');
    expect(canonicalStatus('inprogress')).toBe('in-progress');
    expect(canonicalStatus(' Pending Eval ')).toBe('pending-eval');
    expect(canonicalStatus('WAITING')).toBe('waiting');
    expect(canonicalStatus('on-hold')).toBeUndefined();
    expect(canonicalStatus('')).toBeUndefined();
  });

  it('none of the newer statuses is ready or satisfies a dependency', () => {
    const now = new Date('2026-06-01T00:00:00Z');
    for (const status of UPSTREAM_STATUSES) {
      expect(satisfiesDependents(status)).toBe(false);
      const graph = graphOf([
        { id: 'a', status },
        { id: 'b', status: 'open', blocked_by: ['a'] },
      ]);
      const index = dependencyIndex(graph);
      expect(readiness(graph, index, graph.tasks.get('a')!, now)).toEqual({
        ready: false,
        reasons: [`status is ${status}`],
      });
      expect(readiness(graph, index, graph.tasks.get('b')!, now)).toEqual({
        ready: false,
        reasons: [`blocked by a (${status})`],
      });
    }
  });

  it("accepts upstream's dot-named ids but nothing that climbs", () => {
    expect(idProblem('.flip-build')).toBeUndefined();
    expect(idProblem('.evaluate-build.2')).toBeUndefined();
    for (const id of ['.', '..', '..x', '.-x', 'a/b', './x', '..flip']) expect(idProblem(id)).toBeDefined();
  });
});
