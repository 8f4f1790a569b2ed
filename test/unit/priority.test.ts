/** The start order of ready work: the longest remaining chain of work first. */
import { describe, expect, it } from 'vitest';
import { dependencyIndex } from '../../src/graph/deps.js';
import { byRemainingPath, expectedHours, remainingPathHours, UNIT_HOURS } from '../../src/graph/priority.js';
import { graphOf } from '../support/graph.js';

describe('expectedHours', () => {
  it('takes the estimate, else the median of earlier attempts, else one unit', () => {
    expect(expectedHours({ id: 'a', title: 'A', status: 'open', estimate: { hours: 0.5 } }, [3])).toBe(0.5);
    expect(expectedHours({ id: 'a', title: 'A', status: 'open' }, [0.2, 0.9, 0.4])).toBe(0.4);
    expect(expectedHours({ id: 'a', title: 'A', status: 'open' }, [0.2, 0.4])).toBeCloseTo(0.3);
    expect(expectedHours({ id: 'a', title: 'A', status: 'open' })).toBe(UNIT_HOURS);
  });
});

describe('remainingPathHours', () => {
  it('is each task plus the longest chain of unfinished work waiting on it; finished work counts nothing', () => {
    const graph = graphOf([
      { id: 'short', estimate: { hours: 0.5 } },
      { id: 'c1', estimate: { hours: 1 } },
      { id: 'c2', blocked_by: ['c1'], estimate: { hours: 1 } },
      { id: 'c3', blocked_by: ['c2'], estimate: { hours: 2 } },
      { id: 'side', blocked_by: ['c1'], estimate: { hours: 0.25 } },
      { id: 'done', status: 'done', estimate: { hours: 9 } },
      { id: 'after-done', blocked_by: ['done'] },
    ]);
    const hours = remainingPathHours(graph, dependencyIndex(graph), (task) => expectedHours(task));
    expect(Object.fromEntries(hours)).toEqual({ short: 0.5, c1: 4, c2: 3, c3: 2, side: 0.25, 'after-done': 1 });
    // The chain's head first, then by length; ties keep their listed order.
    const ready = [{ id: 'short' }, { id: 'after-done' }, { id: 'c1' }, { id: 'side' }];
    expect(byRemainingPath(ready, hours).map((task) => task.id)).toEqual(['c1', 'after-done', 'short', 'side']);
  });

  it('gives a task in a cycle its own duration and still terminates', () => {
    const graph = graphOf([
      { id: 'a', blocked_by: ['b'] },
      { id: 'b', blocked_by: ['a'] },
      { id: 'c', blocked_by: ['a'] },
    ]);
    const hours = remainingPathHours(graph, dependencyIndex(graph), () => 1);
    expect(hours.get('c')).toBe(1);
    expect(hours.get('a')).toBeGreaterThanOrEqual(1);
  });
});
