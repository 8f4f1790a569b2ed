import { describe, expect, it } from 'vitest';
import { bottlenecks, criticalPath, impact } from '../../src/graph/analysis.js';
import { dependencyIndex } from '../../src/graph/deps.js';
import type { Graph } from '../../src/graph/model.js';
import { NotFoundError } from '../../src/errors.js';
import { chain, graphOf, type TaskLiteral } from '../support/graph.js';

describe('impact', () => {
  const graph = graphOf([
    { id: 'design', estimate: { hours: 3 } },
    { id: 'build', blocked_by: ['design'], estimate: { hours: 5 } },
    { id: 'docs', blocked_by: ['design'], status: 'done', estimate: { hours: 4 } },
    { id: 'test', blocked_by: ['build'] },
    // Declared from the blocker's side, and also reachable two ways: depth is the shortest.
    { id: 'ship', blocks: [], blocked_by: ['test'] },
    { id: 'unrelated' },
  ]);
  graph.tasks.set('build', { ...graph.tasks.get('build')!, blocks: ['ship'] });

  it('lists every transitive dependent with its shortest depth, nearest first', () => {
    const result = impact(graph, 'design');
    expect(result.dependents.map((d) => [d.id, d.depth])).toEqual([
      ['build', 1],
      ['docs', 1],
      ['test', 2],
      ['ship', 2],
    ]);
    expect(result.dependents.find((d) => d.id === 'build')!.status).toBe('blocked');
  });

  it('totals the hours of unfinished dependents, counting a missing estimate as 1h', () => {
    // build 5 + test 1 + ship 1; docs is done, so nothing of it is at stake.
    expect(impact(graph, 'design').hoursAtStake).toBe(7);
    expect(impact(graph, 'test').hoursAtStake).toBe(1);
    expect(impact(graph, 'unrelated')).toEqual({ id: 'unrelated', dependents: [], hoursAtStake: 0 });
  });

  it('skips ids that only a `blocks` list mentions and rejects unknown tasks', () => {
    const withGhost = graphOf([{ id: 'a', blocks: ['ghost'] }]);
    expect(impact(withGhost, 'a').dependents).toEqual([]);
    expect(() => impact(graph, 'nope')).toThrow(NotFoundError);
  });
});

/** Each step after the first must wait for the step before it. */
function expectValidChain(graph: Graph, ids: string[]): void {
  const index = dependencyIndex(graph);
  for (let i = 1; i < ids.length; i++) expect(index.blockersOf(ids[i]!)).toContain(ids[i - 1]);
}

describe('criticalPath', () => {
  it('follows hours, not the number of tasks', () => {
    const graph = graphOf([
      { id: 'start' },
      { id: 'big', blocked_by: ['start'], estimate: { hours: 10 } },
      { id: 'a', blocked_by: ['start'] },
      { id: 'b', blocked_by: ['a'] },
      { id: 'c', blocked_by: ['b'] },
      { id: 'end', blocked_by: ['big', 'c'], estimate: { hours: 0.5 } },
    ]);
    const path = criticalPath(graph);
    expect(path.tasks.map((step) => [step.id, step.hours])).toEqual([
      ['start', 1],
      ['big', 10],
      ['end', 0.5],
    ]);
    expect(path.totalHours).toBe(11.5);
    expect(path.tasksOnCycles).toBe(0);
  });

  it('leaves out done and abandoned tasks, so finished work breaks a chain', () => {
    const graph = graphOf([
      { id: 'huge', status: 'done', estimate: { hours: 100 } },
      { id: 'after-huge', blocked_by: ['huge'], estimate: { hours: 2 } },
      { id: 'x', status: 'in-progress', estimate: { hours: 1 } },
      { id: 'y', blocked_by: ['x'], estimate: { hours: 1.5 } },
      { id: 'dropped', status: 'abandoned', blocked_by: ['y'], estimate: { hours: 50 } },
    ]);
    const path = criticalPath(graph);
    expect(path.tasks.map((step) => step.id)).toEqual(['x', 'y']);
    expect(path.totalHours).toBe(2.5);
    expect(path.tasks[0]!.status).toBe('in-progress');
  });

  it('keeps zero-hour tasks in the chain so it still respects dependencies', () => {
    const graph = graphOf([
      { id: 'a', estimate: { hours: 0 } },
      { id: 'b', blocked_by: ['a'], estimate: { hours: 4 } },
    ]);
    expect(criticalPath(graph).tasks.map((step) => step.id)).toEqual(['a', 'b']);
  });

  it('is empty when everything is finished', () => {
    expect(criticalPath(graphOf([{ id: 'a', status: 'done' }]))).toEqual({
      tasks: [],
      totalHours: 0,
      tasksOnCycles: 0,
    });
  });

  it('ignores the edges inside a cycle instead of hanging', () => {
    const graph = graphOf([
      { id: 'root', estimate: { hours: 2 } },
      { id: 'p', blocked_by: ['root', 'q'] },
      { id: 'q', blocked_by: ['p'] },
      { id: 'tail', blocked_by: ['q'], estimate: { hours: 3 } },
    ]);
    const path = criticalPath(graph);
    expect(path.tasksOnCycles).toBe(2);
    // p <-> q is ignored; root -> p and q -> tail count: root, p is 3h and q, tail is 4h.
    expect(path.tasks.map((step) => step.id)).toEqual(['q', 'tail']);
    expect(path.totalHours).toBe(4);
  });

  // Recursion would overflow the stack here, and a quadratic walk would outlast the test timeout.
  it('handles a 100k-task chain', () => {
    const graph = graphOf(chain(100_000, { estimate: { hours: 2 } }));
    const path = criticalPath(graph);
    expect(path.tasks).toHaveLength(100_000);
    expect(path.tasks[0]!.id).toBe('t0');
    expect(path.tasks.at(-1)!.id).toBe('t99999');
    expect(path.totalHours).toBe(200_000);
  });

  it('returns a valid heaviest chain on a layered graph', () => {
    const tasks: TaskLiteral[] = [];
    for (let layer = 0; layer < 6; layer++) {
      for (let i = 0; i < 4; i++) {
        const blockers =
          layer === 0 ? [] : [0, 1, 2, 3].filter((j) => (i + j) % 2 === 0).map((j) => `l${layer - 1}-${j}`);
        tasks.push({ id: `l${layer}-${i}`, blocked_by: blockers, estimate: { hours: (layer * 7 + i * 3) % 5 } });
      }
    }
    const graph = graphOf(tasks);
    const path = criticalPath(graph);
    expectValidChain(
      graph,
      path.tasks.map((step) => step.id),
    );
    expect(path.totalHours).toBe(bruteForceLongest(graph));
  });
});

/** Longest path by exhaustive memoised search: fine for small acyclic test graphs. */
function bruteForceLongest(graph: Graph): number {
  const index = dependencyIndex(graph);
  const memo = new Map<string, number>();
  const longestEndingAt = (id: string): number => {
    if (memo.has(id)) return memo.get(id)!;
    const task = graph.tasks.get(id)!;
    const before = Math.max(0, ...index.blockersOf(id).map(longestEndingAt));
    const value = (task.estimate?.hours ?? 1) + before;
    memo.set(id, value);
    return value;
  };
  return Math.max(0, ...[...graph.tasks.keys()].map(longestEndingAt));
}

describe('bottlenecks', () => {
  it('counts every unfinished task waiting transitively, each once', () => {
    // A diamond: d waits for a through both b and c, but is counted once.
    const graph = graphOf([
      { id: 'a' },
      { id: 'b', blocked_by: ['a'] },
      { id: 'c', blocked_by: ['a'] },
      { id: 'd', blocked_by: ['b', 'c'] },
      { id: 'e' },
    ]);
    expect(bottlenecks(graph, 10).map((b) => [b.id, b.waiting, b.direct])).toEqual([
      ['a', 3, 2],
      ['b', 1, 1],
      ['c', 1, 1],
    ]);
  });

  it('ignores finished tasks both as bottlenecks and as waiters', () => {
    const graph = graphOf([
      { id: 'done-root', status: 'done' },
      { id: 'x', blocked_by: ['done-root'] },
      { id: 'y', blocked_by: ['x'] },
      { id: 'gone', status: 'abandoned', blocked_by: ['y'] },
      { id: 'z', blocked_by: ['gone'] },
    ]);
    expect(bottlenecks(graph, 10).map((b) => [b.id, b.waiting, b.status])).toEqual([['x', 1, 'open']]);
  });

  it('breaks ties in file order and honours the limit', () => {
    const graph = graphOf([
      { id: 'p' },
      { id: 'q' },
      { id: 'r' },
      ...['p', 'q', 'r'].map((id) => ({ id: `${id}-child`, blocked_by: [id] })),
    ]);
    expect(bottlenecks(graph, 2).map((b) => b.id)).toEqual(['p', 'q']);
  });

  it('counts tasks on a cycle without hanging', () => {
    const graph = graphOf([
      { id: 'p', blocked_by: ['q'] },
      { id: 'q', blocked_by: ['p'] },
      { id: 'tail', blocked_by: ['q'] },
    ]);
    expect(bottlenecks(graph, 10).map((b) => [b.id, b.waiting])).toEqual([
      ['p', 2],
      ['q', 2],
    ]);
  });

  it('matches an exhaustive count on random graphs for every limit', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 80; round++) {
      const size = 5 + Math.floor(random() * 80);
      const statuses = ['open', 'open', 'open', 'in-progress', 'done', 'abandoned', 'failed'] as const;
      const tasks: TaskLiteral[] = Array.from({ length: size }, (_, i) => ({
        id: `n${i}`,
        status: statuses[Math.floor(random() * statuses.length)]!,
        // Mostly earlier blockers (a DAG), sometimes later ones (cycles).
        blocked_by: Array.from(
          { length: Math.floor(random() * (round % 2 ? 2 : 4)) },
          () => `n${Math.floor(random() * (random() < 0.9 ? i || 1 : size))}`,
        ),
      }));
      const graph = graphOf(tasks);
      const expected = exhaustiveRanking(graph);
      for (const limit of [1, 2, 3, 5, 10, size]) {
        expect(bottlenecks(graph, limit).map((b) => [b.id, b.waiting])).toEqual(expected.slice(0, limit));
      }
    }
  });

  // Counting every task's dependents on this chain is 5 billion steps; pruning needs about three walks.
  it('ranks a 100k-task chain without counting every task', () => {
    const graph = graphOf(chain(100_000));
    expect(bottlenecks(graph, 3).map((b) => [b.id, b.waiting])).toEqual([
      ['t0', 99_999],
      ['t1', 99_998],
      ['t2', 99_997],
    ]);
  });
});

/** Every unfinished task's transitive unfinished dependents, by brute force. */
function exhaustiveRanking(graph: Graph): Array<[string, number]> {
  const index = dependencyIndex(graph);
  const unfinished = (id: string) => {
    const status = graph.tasks.get(id)?.status;
    return status !== undefined && status !== 'done' && status !== 'abandoned';
  };
  const ranking: Array<[string, number]> = [];
  for (const id of graph.tasks.keys()) {
    if (!unfinished(id)) continue;
    const seen = new Set<string>([id]);
    const queue = [id];
    while (queue.length > 0) {
      for (const dependent of index.dependentsOf(queue.pop()!)) {
        if (unfinished(dependent) && !seen.has(dependent)) {
          seen.add(dependent);
          queue.push(dependent);
        }
      }
    }
    if (seen.size > 1) ranking.push([id, seen.size - 1]);
  }
  // Stable sort keeps file order among ties.
  return ranking.sort((a, b) => b[1] - a[1]);
}
