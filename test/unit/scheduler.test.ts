/** The scheduling policy on literal graphs: what starts, in which order, and why the rest waits. */
import { describe, expect, it } from 'vitest';
import { NotReadyError } from '../../src/errors.js';
import type { Graph } from '../../src/graph/model.js';
import type { Actor } from '../../src/graph/schema.js';
import { BudgetLedger } from '../../src/runner/budget.js';
import { runScope, Scheduler, stepsPerJob, type SchedulerOptions } from '../../src/runner/scheduler.js';
import { simulateRun } from '../../src/runner/simulate.js';
import { graphOf, type TaskLiteral } from '../support/graph.js';

const NOW = new Date('2030-01-01T00:00:00Z');
const config = (backends: Record<string, { max_parallel?: number }> = {}) =>
  ({ defaults: { backend: 'agent' }, backends }) as unknown as SchedulerOptions['config'];

function scheduler(options: Partial<SchedulerOptions> = {}, ledger = new BudgetLedger(undefined, 1)): Scheduler {
  return new Scheduler({ maxSteps: 1, config: config(), ...options }, ledger);
}

const heads = (graph: Graph, sched: Scheduler, free: number, assumeDone?: Set<string>) =>
  sched.pick(graph, NOW, free, assumeDone).start.map((start) => start.steps[0]);

/** Short tasks listed before a chain of longer ones: the chain's head has the most work below it. */
const shortsBeforeAChain = (): TaskLiteral[] => [
  { id: 's1', estimate: { hours: 0.5 } },
  { id: 's2', estimate: { hours: 0.5 } },
  { id: 'c1', estimate: { hours: 1 } },
  { id: 'c2', estimate: { hours: 1 }, blocked_by: ['c1'] },
];

describe('Scheduler.pick', () => {
  it('starts the longest remaining chain of work first, or the listed order with order=listed', () => {
    const graph = graphOf(shortsBeforeAChain());
    expect(heads(graph, scheduler(), 4)).toEqual(['c1', 's1', 's2']);
    expect(heads(graph, scheduler({ order: 'listed' }), 4)).toEqual(['s1', 's2', 'c1']);
  });

  it('fills only the free slots, keeps what it started in flight until it ends, and then picks the rest', () => {
    const graph = graphOf([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    const sched = scheduler({ order: 'listed' });
    const first = sched.pick(graph, NOW, 2);
    expect(first.start.map((start) => start.steps)).toEqual([['a'], ['b']]);
    expect(heads(graph, sched, 0)).toEqual([]);
    expect(heads(graph, sched, 5)).toEqual(['c']);
    sched.end(first.start[0]!);
    // a's claim did not go through (it is still open): it may start again.
    expect(heads(graph, sched, 5)).toEqual(['a']);
  });

  it("frees a task's dependents once the task is done, or assumed done while its verdict is written", () => {
    const graph = graphOf([{ id: 'a' }, { id: 'b', blocked_by: ['a'] }]);
    const sched = scheduler();
    const [a] = sched.pick(graph, NOW, 4).start;
    expect(heads(graph, sched, 4)).toEqual([]);
    expect(heads(graph, sched, 4, new Set(['a']))).toEqual(['b']);
    sched.end(a!);
    const other = scheduler();
    graph.tasks.set('a', { ...graph.tasks.get('a')!, status: 'done' });
    expect(heads(graph, other, 4)).toEqual(['b']);
  });

  it('leaves out tasks not yet startable (not_before) and tasks outside the scope', () => {
    const graph = graphOf([{ id: 'later', not_before: '2031-01-01T00:00:00Z' }, { id: 'in' }, { id: 'out' }]);
    expect(heads(graph, scheduler({ scope: new Set(['in', 'later']) }), 4)).toEqual(['in']);
  });

  it("holds a task no actor may take, with every actor's reason, and starts the others", () => {
    const actors: Actor[] = [{ id: 'ann', capabilities: ['rust'], trust_level: 'verified' }];
    const graph = graphOf(
      [
        { id: 'py', skills: ['python'] },
        { id: 'rs', skills: ['rust'] },
      ],
      { actors },
    );
    const picked = scheduler().pick(graph, NOW, 4);
    expect(picked.start.map((start) => [start.steps[0], start.actor.id])).toEqual([['rs', 'ann']]);
    expect(picked.held).toEqual([{ kind: 'unassignable', task: 'py', reasons: ['ann: missing skill python'] }]);
  });

  it('caps jobs per backend at max_parallel and holds a paused backend until its pause ends', () => {
    const graph = graphOf([{ id: 'a' }, { id: 'b' }, { id: 'c', backend: 'other' }]);
    const sched = scheduler({ order: 'listed', config: config({ agent: { max_parallel: 1 } }) });
    const first = sched.pick(graph, NOW, 4);
    expect(first.start.map((start) => [start.steps[0], start.backend])).toEqual([
      ['a', 'agent'],
      ['c', 'other'],
    ]);
    expect(first.held).toEqual([{ kind: 'max-parallel', task: 'b', backend: 'agent', limit: 1 }]);
    sched.end(first.start[0]!);
    expect(sched.gate.pause('agent', NOW.getTime() + 60_000)).toBe(true);
    expect(sched.gate.pause('agent', NOW.getTime() + 1_000)).toBe(false);
    const paused = sched.pick(graph, NOW, 4);
    expect(paused.start).toEqual([]);
    expect(paused.held.map((held) => [held.kind, held.task])).toEqual([
      ['paused', 'a'],
      ['paused', 'b'],
    ]);
    expect(heads(graph, sched, 4).length).toBe(0);
    expect(sched.pick(graph, new Date(NOW.getTime() + 60_001), 1).start.map((start) => start.steps[0])).toEqual(['a']);
  });

  it("reserves each job's expected cost and holds what does not fit beside the reservations", () => {
    const graph = graphOf([
      { id: 'a', estimate: { cost: 2 } },
      { id: 'b', estimate: { cost: 2 } },
      { id: 'c', estimate: { cost: 0.5 } },
    ]);
    const ledger = new BudgetLedger(3, 1);
    const sched = scheduler({ order: 'listed' }, ledger);
    const picked = sched.pick(graph, NOW, 4);
    expect(picked.start.map((start) => start.steps[0])).toEqual(['a', 'c']);
    expect(picked.held).toEqual([{ kind: 'budget', task: 'b', steps: ['b'] }]);
    // a is done having spent only 0.5: b now fits beside c's reservation (0.5 + 0.5 + 2 <= 3).
    ledger.account(picked.start[0]!.job, { costUsd: 0.5 });
    sched.end(picked.start[0]!);
    graph.tasks.set('a', { ...graph.tasks.get('a')!, status: 'done' });
    expect(heads(graph, sched, 4)).toEqual(['b']);
  });

  it('walks a trajectory as one job and keeps its later steps from starting elsewhere', () => {
    const graph = graphOf([
      { id: 'design', deliverables: ['api.md'] },
      { id: 'build', blocked_by: ['design'], inputs: ['api.md'], deliverables: ['server'] },
      { id: 'docs', blocked_by: ['build'], inputs: ['server'] },
      { id: 'other' },
    ]);
    const sched = scheduler({ maxSteps: 3, order: 'listed' });
    const picked = sched.pick(graph, NOW, 4);
    expect(picked.start.map((start) => start.steps)).toEqual([['design', 'build', 'docs'], ['other']]);
    // Even counted as done, design frees build only for the job that holds it.
    expect(heads(graph, sched, 4, new Set(['design']))).toEqual([]);
  });
});

describe('runScope and stepsPerJob', () => {
  it('`wg run <task>` runs that task alone, or its trajectory with --trajectory, and only when it is ready', () => {
    const graph = graphOf([
      { id: 'a', deliverables: ['x'] },
      { id: 'b', blocked_by: ['a'], inputs: ['x'] },
    ]);
    expect([...runScope(graph, 'a', { trajectory: false, maxSteps: 3 }, NOW)]).toEqual(['a']);
    expect([...runScope(graph, 'a', { trajectory: true, maxSteps: 3 }, NOW)]).toEqual(['a', 'b']);
    expect(() => runScope(graph, 'b', { trajectory: false, maxSteps: 3 }, NOW)).toThrow(NotReadyError);
    expect(stepsPerJob({ only: 'a', trajectory: false, maxSteps: 3 })).toBe(1);
    expect(stepsPerJob({ only: 'a', trajectory: true, maxSteps: 3 })).toBe(3);
    expect(stepsPerJob({ trajectory: false, maxSteps: 3 })).toBe(3);
  });
});

describe('simulateRun', () => {
  const simulate = (graph: Graph, options: Partial<Parameters<typeof simulateRun>[1]> = {}) =>
    simulateRun(graph, { maxSteps: 1, config: config(), parallel: 1, expectedCostUsd: 1, ...options }, NOW);
  const order = (graph: Graph, options: Partial<Parameters<typeof simulateRun>[1]> = {}) =>
    simulate(graph, options).starts.map((start) => `${start.wave}:${start.steps.join('+')}`);

  it('plays a diamond out: one slot starts one task per pick, two slots start the middle together', () => {
    const diamond = () =>
      graphOf([
        { id: 'a' },
        { id: 'b', blocked_by: ['a'] },
        { id: 'c', blocked_by: ['a'] },
        { id: 'd', blocked_by: ['b', 'c'] },
      ]);
    expect(order(diamond())).toEqual(['1:a', '2:b', '3:c', '4:d']);
    expect(order(diamond(), { parallel: 2 })).toEqual(['1:a', '2:b', '2:c', '3:d']);
  });

  it('starts the critical path first, and what finishes first frees its dependents first', () => {
    const graph = graphOf([
      { id: 'short', estimate: { hours: 1 } },
      { id: 'long', estimate: { hours: 5 } },
      { id: 'after-short', blocked_by: ['short'], estimate: { hours: 1 } },
      { id: 'after-long', blocked_by: ['long'], estimate: { hours: 1 } },
    ]);
    // One slot: the longest chain (6 h) first; then short's chain (2 h) beats the 1 h left of long's.
    expect(order(graph)).toEqual(['1:long', '2:short', '3:after-short', '4:after-long']);
    const sim = simulate(graph, { parallel: 2 });
    expect(sim.starts.map((start) => [start.steps[0], start.at])).toEqual([
      ['long', 0],
      ['short', 0],
      ['after-short', 1],
      ['after-long', 5],
    ]);
  });

  it('respects max_parallel across the whole run', () => {
    const graph = graphOf([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    const sim = simulate(graph, { parallel: 3, order: 'listed', config: config({ agent: { max_parallel: 2 } }) });
    expect(sim.starts.map((start) => [start.steps[0], start.at])).toEqual([
      ['a', 0],
      ['b', 0],
      ['c', 1],
    ]);
  });

  it('stops starting when the budget is spent, and says which tasks it kept and which never became ready', () => {
    const graph = graphOf([
      { id: 'a', estimate: { cost: 1 } },
      { id: 'b', estimate: { cost: 1 }, blocked_by: ['a'] },
      { id: 'c', estimate: { cost: 1 }, blocked_by: ['b'] },
    ]);
    const sim = simulate(graph, { budgetUsd: 2 });
    expect(sim.starts.map((start) => start.steps[0])).toEqual(['a', 'b']);
    expect(sim.overBudget).toEqual(['c']);
    expect(sim.neverReady).toEqual([]);
    const blocked = simulate(
      graphOf(
        [
          { id: 'x', skills: ['cobol'] },
          { id: 'y', blocked_by: ['x'] },
        ],
        { actors: [{ id: 'ann' }] },
      ),
    );
    expect(blocked.unassignable).toEqual([{ task: 'x', reasons: ['ann: missing skill cobol'] }]);
    expect(blocked.neverReady).toEqual(['y']);
  });

  it('walks trajectories step by step and records what had finished before each step began', () => {
    const graph = graphOf([
      { id: 'design', deliverables: ['api.md'] },
      { id: 'build', blocked_by: ['design'], inputs: ['api.md'] },
      { id: 'side', blocked_by: ['design'] },
    ]);
    const sim = simulate(graph, { maxSteps: 2, parallel: 2, order: 'listed' });
    expect(sim.starts.map((start) => [start.steps, start.finishedBefore])).toEqual([
      [
        ['design', 'build'],
        [0, 1],
      ],
      [['side'], [1]],
    ]);
    expect(sim.finished).toEqual(['design', 'build', 'side']);
  });

  it('does not change the graph it is given', () => {
    const graph = graphOf([{ id: 'a' }, { id: 'b', blocked_by: ['a'] }]);
    simulate(graph);
    expect([...graph.tasks.values()].map((task) => task.status)).toEqual(['open', 'open']);
  });
});
