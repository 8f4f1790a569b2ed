import { describe, expect, it } from 'vitest';
import { checkGraph, hasErrors, type Problem } from '../../src/graph/check.js';
import { parseGraph } from '../../src/store/jsonl.js';
import { recordProblem } from '../../src/graph/schema.js';
import { graphOf } from '../support/graph.js';

const kinds = (problems: Problem[]) => problems.map((problem) => [problem.kind, problem.severity, problem.task]);

describe('checkGraph', () => {
  it('finds nothing in a consistent graph', () => {
    const graph = graphOf(
      [
        { id: 'a', assigned: 'alice', requires: ['gpu'] },
        {
          id: 'b',
          blocked_by: ['a'],
          status: 'in-progress',
          claim: { attempt: 1, actor: 'x', token_hash: 'h', since: '2025-01-01T00:00:00Z' },
        },
        { id: 'c', blocks: ['b'], status: 'done' },
      ],
      { actors: [{ id: 'alice' }], resources: [{ id: 'gpu' }] },
    );
    expect(checkGraph(graph, [])).toEqual([]);
  });

  it('turns parse problems into line errors with their line numbers', () => {
    const parsed = parseGraph(
      '{"kind":"task","id":"a","title":"A","status":"open"}\nnot json\n{"kind":"task","id":"a","title":"A","status":"open"}\n',
      recordProblem,
    );
    const problems = checkGraph(parsed.graph, parsed.problems);
    expect(problems.map((problem) => [problem.kind, problem.line])).toEqual([
      ['line', 2],
      ['line', 3],
    ]);
    expect(problems[1]!.message).toBe('graph.jsonl:3: duplicate task id "a" (first on line 1)');
    expect(hasErrors(problems)).toBe(true);
  });

  it('reports each cycle as an error', () => {
    const problems = checkGraph(
      graphOf([{ id: 'a', blocked_by: ['b'] }, { id: 'b', blocked_by: ['a'] }, { id: 'c' }]),
      [],
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ kind: 'cycle', severity: 'error' });
    expect(problems[0]!.message).toContain('a -> b -> a');
  });

  it('reports references to missing tasks on either side and missing resources as errors', () => {
    const problems = checkGraph(
      graphOf([{ id: 'a', blocked_by: ['ghost'], blocks: ['phantom'], requires: ['gpu'] }]),
      [],
    );
    expect(kinds(problems)).toEqual([
      ['missing-task', 'error', 'a'],
      ['missing-task', 'error', 'a'],
      ['missing-resource', 'error', 'a'],
    ]);
    expect(problems.map((problem) => problem.message)).toEqual([
      'task a: blocked_by names "ghost", but there is no such task',
      'task a: blocks names "phantom", but there is no such task',
      'task a: requires "gpu", but there is no such resource',
    ]);
  });

  it('warns about unknown assignees only once actors are defined', () => {
    const tasks = [{ id: 'a', assigned: 'bob' }];
    expect(checkGraph(graphOf(tasks), [])).toEqual([]);
    const problems = checkGraph(graphOf(tasks, { actors: [{ id: 'alice' }] }), []);
    expect(kinds(problems)).toEqual([['missing-actor', 'warning', 'a']]);
    expect(hasErrors(problems)).toBe(false);
  });

  it('warns about self-dependencies, unheld in-progress tasks and leftover leases', () => {
    const claim = { attempt: 2, actor: 'agent-1', token_hash: 'h', since: '2025-01-01T00:00:00Z' };
    const problems = checkGraph(
      graphOf([
        { id: 'self', blocked_by: ['self'] },
        { id: 'orphan', status: 'in-progress' },
        { id: 'finished', status: 'done', claim },
        { id: 'reserved', status: 'open', claim: { ...claim, trajectory: 'traj-1' } },
        { id: 'held', status: 'in-progress', claim },
      ]),
      [],
    );
    expect(kinds(problems)).toEqual([
      ['self-dependency', 'warning', 'self'],
      ['unheld-in-progress', 'warning', 'orphan'],
      ['stale-lease', 'warning', 'finished'],
    ]);
    expect(problems[2]!.message).toBe('task finished: done, but still holds the lease of attempt 2 by agent-1');
  });
});
