import { describe, expect, it } from 'vitest';
import { consumersOf, taskContext } from '../../src/graph/context.js';
import { graphOf } from '../support/graph.js';

const log = (...messages: string[]) =>
  messages.map((message) => ({ timestamp: '2030-01-01T00:00:00Z', actor: 'a', message }));

describe('taskContext', () => {
  const graph = graphOf([
    {
      id: 'spec',
      status: 'done',
      artifacts: ['docs/api.md'],
      deliverables: ['docs/api.md'],
      log: log('one', 'two', 'three', 'four'),
    },
    { id: 'schema', status: 'in-progress', deliverables: ['schema.sql'], blocks: ['build'] },
    { id: 'design', status: 'done', blocked_by: ['spec'] },
    {
      id: 'build',
      blocked_by: ['design', 'ghost'],
      inputs: ['./docs/api.md', 'schema.sql', 'secrets.env', 'other.txt'],
    },
    // Produces other.txt but is not upstream of build, so build cannot count on it.
    { id: 'unrelated', status: 'done', artifacts: ['other.txt'] },
  ]);

  it('lists each direct dependency with its outputs and last three log entries', () => {
    const context = taskContext(graph, 'build');
    // In the order the edges appear in the file: schema's `blocks` line comes first.
    expect(context.upstream.map((dep) => [dep.id, dep.status])).toEqual([
      ['schema', 'in-progress'],
      ['design', 'done'],
      ['ghost', 'missing'],
    ]);
    const spec = taskContext(graph, 'design').upstream[0]!;
    expect(spec.artifacts).toEqual(['docs/api.md']);
    expect(spec.log.map((entry) => entry.message)).toEqual(['two', 'three', 'four']);
  });

  it('marks inputs available from transitive upstream artifacts, promised by deliverables, or missing', () => {
    expect(taskContext(graph, 'build').inputs).toEqual([
      { input: './docs/api.md', state: 'available', from: ['spec'] },
      { input: 'schema.sql', state: 'promised', from: ['schema'] },
      { input: 'secrets.env', state: 'missing', from: [] },
      { input: 'other.txt', state: 'missing', from: [] },
    ]);
  });
});

describe('consumersOf', () => {
  it("finds the tasks whose inputs are this task's outputs, flagging those that do not wait for it", () => {
    const graph = graphOf([
      { id: 'api', artifacts: ['src/api.rs'], deliverables: ['src/api.rs', 'openapi.yaml'] },
      { id: 'client', blocked_by: ['mid'], inputs: ['openapi.yaml'] },
      { id: 'mid', blocked_by: ['api'] },
      { id: 'docs', inputs: ['src/api.rs', 'unrelated.md'] },
    ]);
    const use = consumersOf(graph, 'api');
    expect(use.outputs).toEqual([
      { path: 'src/api.rs', produced: true },
      { path: 'openapi.yaml', produced: false },
    ]);
    expect(use.consumers.map((c) => [c.id, c.consumes, c.downstream])).toEqual([
      ['client', ['openapi.yaml'], true],
      ['docs', ['src/api.rs'], false],
    ]);
  });
});
