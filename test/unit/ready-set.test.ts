import { describe, expect, it } from 'vitest';
import { eachReadyTask } from '../../src/graph/deps.js';
import { copyGraph, emptyGraph, RecordMap, TaskMap, type Graph } from '../../src/graph/model.js';
import { ReadyTracker } from '../../src/graph/ready-set.js';
import type { Task, TaskStatus } from '../../src/graph/schema.js';
import { seeded } from '../support/fault.js';

const STATUSES: TaskStatus[] = ['open', 'in-progress', 'done', 'failed', 'abandoned'];

function randomGraph(random: () => number, size: number): Graph {
  const graph = emptyGraph();
  for (let i = 0; i < size; i++) {
    const blockers = Array.from({ length: Math.floor(random() * 3) }, () => `t${Math.floor(random() * size)}`);
    const task: Task = {
      id: `t${i}`,
      title: `t${i}`,
      status: random() < 0.6 ? 'open' : STATUSES[Math.floor(random() * STATUSES.length)]!,
    };
    if (blockers.length > 0) task.blocked_by = blockers;
    graph.tasks.set(task.id, task);
  }
  return graph;
}

/** One change of the kinds a run makes (status, claims) and the rarer ones (new tasks, edges, deletions). */
function randomChange(graph: Graph, random: () => number, step: number): void {
  const ids = [...graph.tasks.keys()];
  const task = graph.tasks.get(ids[Math.floor(random() * ids.length)]!)!;
  const roll = random();
  if (roll < 0.6) graph.tasks.set(task.id, { ...task, status: STATUSES[Math.floor(random() * STATUSES.length)]! });
  else if (roll < 0.7)
    graph.tasks.set(task.id, {
      ...task,
      claim: random() < 0.5 ? ({ actor: 'a', trajectory: 'x' } as Task['claim']) : undefined,
    });
  else if (roll < 0.8)
    graph.tasks.set(`new${step}`, { id: `new${step}`, title: 'new', status: 'open', blocked_by: [task.id] });
  else if (roll < 0.85) graph.tasks.set(task.id, { ...task, blocked_by: [ids[Math.floor(random() * ids.length)]!] });
  else if (roll < 0.9) graph.tasks.set(task.id, { ...task, blocks: [ids[Math.floor(random() * ids.length)]!] });
  else if (roll < 0.93) graph.tasks.delete(task.id);
  else graph.tasks.set(task.id, { ...task, not_before: random() < 0.5 ? '2999-01-01T00:00:00Z' : undefined });
}

const ids = (tasks: Iterable<Task>) => [...tasks].map((task) => task.id);

describe('ReadyTracker', () => {
  it('gives the same ready tasks as a full look at every task, after each of 2,000 random changes', () => {
    const random = seeded(13);
    const graph = randomGraph(random, 200);
    const tracker = new ReadyTracker();
    const now = new Date();
    for (let step = 0; step < 2000; step++) {
      // Several changes between looks, as a transaction's batch makes.
      for (let k = 0, n = 1 + Math.floor(random() * 4); k < n; k++) randomChange(graph, random, step * 10 + k);
      tracker.update(graph);
      const assumeDone = new Set([...graph.tasks.keys()].filter(() => random() < 0.02));
      expect(ids(tracker.readyTasks(graph, now, assumeDone)), `step ${step}`).toEqual(
        ids(eachReadyTask(graph, now, { assumeDone })),
      );
    }
  });

  it('starts over on another graph, and when the change log no longer reaches back', () => {
    const random = seeded(5);
    const graph = randomGraph(random, 50);
    const tracker = new ReadyTracker();
    tracker.update(graph);
    const other = copyGraph(graph);
    other.tasks.set('t0', { ...other.tasks.get('t0')!, status: 'done' });
    tracker.update(other);
    expect(ids(tracker.readyTasks(other, new Date()))).toEqual(ids(eachReadyTask(other, new Date())));
    for (let i = 0; i < 70_000; i++) graph.tasks.set('t1', { ...graph.tasks.get('t1')!, title: `again ${i}` });
    graph.tasks.set('t2', { ...graph.tasks.get('t2')!, status: 'open', blocked_by: undefined });
    tracker.update(graph);
    expect(ids(tracker.readyTasks(graph, new Date()))).toEqual(ids(eachReadyTask(graph, new Date())));
  });
});

describe('TaskMap facts', () => {
  it('counts the tasks that use blocks and the skills asked for, through changes, deletions and a roll-back', () => {
    const tasks = new TaskMap();
    tasks.set('a', { id: 'a', title: 'a', status: 'open', skills: ['rust', 'sql'] });
    tasks.set('b', { id: 'b', title: 'b', status: 'open', skills: ['rust'], blocks: ['a'] });
    expect([tasks.blocksUsers, Object.fromEntries(tasks.skills)]).toEqual([1, { rust: 2, sql: 1 }]);
    tasks.record();
    tasks.set('b', { id: 'b', title: 'b', status: 'open' });
    tasks.delete('a');
    expect([tasks.blocksUsers, Object.fromEntries(tasks.skills)]).toEqual([0, {}]);
    tasks.rollBack();
    expect([tasks.blocksUsers, Object.fromEntries(tasks.skills)]).toEqual([1, { rust: 2, sql: 1 }]);
    expect(tasks.get('b')?.blocks).toEqual(['a']);
  });

  it('a RecordMap says which keys changed since a revision, and rolls back a failed change', () => {
    const map = new RecordMap<number>();
    map.set('x', 1);
    const at = map.revision;
    map.record();
    map.set('y', 2);
    map.set('x', 3);
    expect(map.changesSince(at)).toEqual(['y', 'x']);
    expect(map.changedKeys()).toEqual(['y', 'x']);
    map.rollBack();
    expect([...map]).toEqual([['x', 1]]);
  });
});
