import { describe, expect, it } from 'vitest';
import { reachableOpenTasks } from '../../src/graph/deps.js';
import { chain, graphOf } from '../support/graph.js';

describe('reachableOpenTasks', () => {
  it('keeps open tasks whose unfinished blockers a run can finish, and drops those behind a held, failed, review or missing one', () => {
    const graph = graphOf([
      { id: 'done', status: 'done' },
      { id: 'running', status: 'in-progress' },
      { id: 'next', blocked_by: ['done', 'running'] },
      { id: 'after-next', blocked_by: ['next'] },
      { id: 'eval', status: 'pending-eval' },
      { id: 'behind-eval', blocked_by: ['eval'] },
      { id: 'two-behind-eval', blocked_by: ['behind-eval', 'done'] },
      { id: 'broken', status: 'failed' },
      { id: 'behind-failure', blocked_by: ['broken'] },
      { id: 'review', status: 'pending-review' },
      { id: 'behind-review', blocked_by: ['review'] },
      { id: 'behind-ghost', blocked_by: ['ghost'] },
      { id: 'dropped', status: 'abandoned' },
      { id: 'behind-dropped', blocked_by: ['dropped'] },
    ]);
    expect([...reachableOpenTasks(graph)].sort()).toEqual(['after-next', 'behind-dropped', 'next']);
  });

  it('counts a cycle as unreachable, and walks a 100k-long chain without recursion', () => {
    expect([
      ...reachableOpenTasks(
        graphOf([
          { id: 'a', blocked_by: ['b'] },
          { id: 'b', blocked_by: ['a'] },
          { id: 'c', blocked_by: ['a'] },
        ]),
      ),
    ]).toEqual([]);
    const long = chain(100_000);
    expect(reachableOpenTasks(graphOf(long)).size).toBe(100_000);
    expect(reachableOpenTasks(graphOf([{ ...long[0]!, status: 'failed' }, ...long.slice(1)])).size).toBe(0);
  });
});
