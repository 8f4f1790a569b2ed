/** What wg serve makes of a graph: counts, spend, pauses, the critical path, and each attempt's outcome. */
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/graph/model.js';
import type { Task } from '../../src/graph/schema.js';
import {
  abandonTask,
  claimTask,
  failTask,
  reopenTask,
  retryTask,
  unclaimTask,
  type Caller,
} from '../../src/graph/transitions.js';
import { attemptsOf, graphView, structureKey } from '../../src/serve/view.js';

const at = (minute: number) => `2026-11-30T10:${String(minute).padStart(2, '0')}:00.000Z`;

function graphOf(tasks: Task[]): Graph {
  return { tasks: new Map(tasks.map((task) => [task.id, task])), actors: new Map(), resources: new Map() };
}

describe('graphView', () => {
  it('counts by shown status, adds up spend against the budget, and counts rate-limit pauses from the logs', () => {
    const graph = graphOf([
      {
        id: 'a',
        title: 'A',
        status: 'done',
        started_at: at(0),
        completed_at: at(20),
        costs: [
          { attempt: 1, backend: 'claude', cost_usd: 0.5 },
          { attempt: 2, backend: 'claude', cost_usd: 0.25 },
        ],
        attempts: 2,
      },
      {
        id: 'b',
        title: 'B',
        status: 'open',
        blocked_by: ['a', 'missing'],
        log: [{ timestamp: at(5), actor: 'runner', message: 'rate limited until 10:06: 429; reopened' }],
      },
      { id: 'c', title: 'C', status: 'open', blocked_by: ['b'], tags: ['api'] },
      {
        id: 'd',
        title: 'D',
        status: 'in-progress',
        assigned: 'agent-1',
        started_at: at(10),
        token_usage: { cost_usd: 0.1 },
      },
    ]);
    const view = graphView(graph, 2);
    expect(view.header.counts).toEqual({ done: 1, blocked: 2, 'in-progress': 1 });
    expect(view.header.spent_usd).toBe(0.85);
    expect(view.header.budget_usd).toBe(2);
    expect(view.header.rate_limit_pauses).toBe(1);
    // No run known: no elapsed time, rather than the span from the first task ever started.
    expect([view.header.started_at, view.header.ended_at]).toEqual([null, null]);
    // With none alive, the last run's span; with one alive, its start and no end yet.
    const last = { started_at: at(30), ended_at: at(42) };
    expect(graphView(graph, 2, [], last).header).toMatchObject({ started_at: at(30), ended_at: at(42) });
    const live = { pid: 1, host: 'h', started_at: at(50), budget_usd: null, parallel: 4, paused: {} };
    expect(graphView(graph, 2, [live], last).header).toMatchObject({ started_at: at(50), ended_at: null });
    expect(view.tasks.find((task) => task.id === 'b')).toMatchObject({
      status: 'open',
      display: 'blocked',
      blocked_by: ['a'],
      log_count: 1,
    });
    expect(view.critical_path).toEqual(['b', 'c']);
    expect(structureKey(view)).toContain('c<b');
  });
});

describe('attemptsOf', () => {
  it("reads each attempt's outcome and reason from the log", () => {
    const task: Task = {
      id: 't',
      title: 'T',
      status: 'in-progress',
      attempts: 4,
      costs: [{ attempt: 2, backend: 'codex', model: 'gpt-5', cost_usd: 0.3 }],
      log: [
        { timestamp: at(0), actor: 'r', message: 'claimed by agent-1 (attempt 1)' },
        { timestamp: at(1), actor: 'agent-1', message: 'working' },
        { timestamp: at(2), actor: 'r', message: 'failed: exit code 4' },
        { timestamp: at(3), actor: 'me', message: 'reopened for retry 1 of 3 (last failure: exit code 4)' },
        { timestamp: at(4), actor: 'r', message: 'claimed by agent-2 (attempt 2)' },
        { timestamp: at(5), actor: 'r', message: 'rate limited until 10:06: 429; reopened' },
        { timestamp: at(6), actor: 'r', message: 'claimed by agent-2 (attempt 3)' },
        { timestamp: at(7), actor: 'me', message: 'unclaimed: handing over' },
        { timestamp: at(8), actor: 'r', message: 'claimed by agent-3 (attempt 4)' },
      ],
    };
    expect(
      attemptsOf(task).map((attempt) => [attempt.attempt, attempt.actor, attempt.outcome, attempt.reason]),
    ).toEqual([
      [1, 'agent-1', 'failed', 'exit code 4'],
      [2, 'agent-2', 'reopened', 'rate limited until 10:06: 429'],
      [3, 'agent-2', 'unclaimed', 'handing over'],
      [4, 'agent-3', 'running', null],
    ]);
    expect(attemptsOf(task)[1]).toMatchObject({ backend: 'codex', model: 'gpt-5', cost_usd: 0.3 });
  });

  it('reads the outcomes of attempts made through the real transitions, so a change in their wording shows here', () => {
    const graph = graphOf([{ id: 't', title: 'T', status: 'open' }]);
    const by = (actor: string, minute: number): Caller => ({ actor, now: new Date(at(minute)) });
    const claim = (actor: string, minute: number) =>
      claimTask(graph, 't', by(actor, minute), { tokenHash: 'sha256:x' });
    claim('agent-1', 0);
    failTask(graph, 't', by('runner', 1), 'exit code 4');
    retryTask(graph, 't', by('me', 2), 3);
    claim('agent-2', 3);
    reopenTask(graph, 't', by('runner', 4), 'rate limited until 10:06: 429', { countsAsAttempt: false, maxRetries: 3 });
    claim('agent-2', 5);
    unclaimTask(graph, 't', by('me', 6), 'handing over');
    claim('agent-3', 7);
    abandonTask(graph, 't', by('me', 8), 'not needed');
    expect(
      attemptsOf(graph.tasks.get('t')!).map((attempt) => [
        attempt.attempt,
        attempt.actor,
        attempt.outcome,
        attempt.reason,
      ]),
    ).toEqual([
      [1, 'agent-1', 'failed', 'exit code 4'],
      [2, 'agent-2', 'reopened', 'rate limited until 10:06: 429'],
      [3, 'agent-2', 'unclaimed', 'handing over'],
      [4, 'agent-3', 'abandoned', 'not needed'],
    ]);
  });
});
