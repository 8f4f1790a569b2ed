import { describe, expect, it } from 'vitest';
import { computeInbox } from '../../src/graph/inbox.js';
import { graphOf } from '../support/graph.js';

const now = new Date('2030-01-01T12:00:00Z');
const at = (hour: number) => `2030-01-01T${String(hour).padStart(2, '0')}:00:00.000Z`;
const log = (hour: number) => [{ timestamp: at(hour), message: 'changed' }];

describe('the inbox, computed from the graph and the run records', () => {
  it('lists each kind of wait with the command that resolves it, oldest first', () => {
    const graph = graphOf([
      { id: 'done-one', status: 'done', log: log(1) },
      { id: 'open-one', status: 'open', log: log(1) },
      { id: 'broke', status: 'failed', failure_reason: 'exit 1', log: log(5) },
      {
        id: 'refused',
        status: 'failed',
        failure_reason: 'permission denied',
        question: { kind: 'refusal', text: 'Bash(rm -rf x)', by: 'bot', asked_at: at(4), rule: 'Bash(rm:*)' },
      },
      { id: 'sign', status: 'waiting', assigned: 'alice', log: log(3) },
      {
        id: 'ask',
        status: 'waiting',
        question: { kind: 'question', text: 'Blue\nor red?', by: 'bot', asked_at: at(2) },
      },
      {
        id: 'answered',
        status: 'open',
        question: {
          kind: 'question',
          text: 'x',
          by: 'bot',
          asked_at: at(1),
          answer: { text: 'y', by: 'alice', at: at(2) },
        },
      },
      { id: 'result', status: 'pending-validation', pending_result: { attempt: 1, since: at(6) } },
      // Set by the Rust wg: no result wg could land, so nothing for wg's inbox.
      { id: 'upstream', status: 'pending-validation', log: log(0) },
    ]);
    const items = computeInbox(
      graph,
      {
        paused: [
          { backend: 'claude', until: '2030-01-01T13:00:00Z', since: at(7) },
          { backend: 'codex', until: '2030-01-01T12:05:00Z', since: at(0) },
        ],
        budgetStopped: { endedAt: at(8), limitUsd: 5, spentUsd: 5.01, notStarted: ['later'] },
      },
      now,
      15 * 60_000,
    );
    expect(items.map((item) => [item.kind, item.task, item.command])).toEqual([
      ['input-required', 'ask', 'wg answer ask "..."'],
      ['human-task', 'sign', 'wg done sign'],
      ['permission-denied', 'refused', `wg answer refused "..." --allow 'Bash(rm:*)'`],
      ['failed', 'broke', 'wg retry broke'],
      ['pending-validation', 'result', 'wg diff result, then wg approve result or wg reject result --reason TEXT'],
      ['rate-limit-paused', undefined, 'wg edit ID --backend OTHER (or wait: the run resumes by itself)'],
      ['budget-stopped', undefined, 'wg run --budget-usd N (a larger budget)'],
    ]);
    expect(items[0]!.text).toBe('ask asks: Blue or red?');
    expect(items[1]!.text).toBe('sign (SIGN) is for alice to do');
    expect(items[5]!.text).toBe('claude is paused by a rate limit until 2030-01-01T13:00:00Z');
    expect(items[6]!.text).toBe('the last run stopped at its budget ($5.01 of $5.00); not started: later');
  });

  it('is empty when nothing waits on a person', () => {
    expect(computeInbox(graphOf([{ id: 'a' }]), { paused: [] }, now, 0)).toEqual([]);
  });
});
