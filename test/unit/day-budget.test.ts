import { describe, expect, it } from 'vitest';
import { BudgetLedger, dayBudgetLeft, spentInLastDay } from '../../src/runner/budget.js';
import { graphOf } from '../support/graph.js';

const now = new Date('2026-05-02T12:00:00Z');
const hoursAgo = (hours: number) => new Date(now.getTime() - hours * 3_600_000).toISOString();

describe('the day budget', () => {
  const graph = graphOf([
    {
      id: 'a',
      costs: [
        { attempt: 1, backend: 'fake', cost_usd: 2, at: hoursAgo(25) },
        { attempt: 2, backend: 'fake', cost_usd: 0.5, at: hoursAgo(3) },
      ],
    },
    // A record from before costs carried their time counts nowhere.
    {
      id: 'b',
      costs: [
        { attempt: 1, backend: 'fake', cost_usd: 9 },
        { attempt: 2, backend: 'fake', cost_usd: 0.25, at: hoursAgo(1) },
      ],
    },
  ]);

  it('counts what every task spent in the last 24 hours', () => {
    expect(spentInLastDay(graph, now)).toEqual({ spentUsd: 0.75, oldestAt: Date.parse(hoursAgo(3)) });
    expect(dayBudgetLeft(graph, 1, now)).toEqual({ spentUsd: 0.75, leftUsd: 0.25 });
  });

  it('refuses when it is spent, saying when spend leaves the window', () => {
    expect(() => dayBudgetLeft(graph, 0.75, now)).toThrow(
      'the day budget is spent: $0.75 of $0.75 in the last 24 hours ([run] budget_usd_per_day); spend starts leaving the window in 21h',
    );
  });

  it('limits what a run may start, and warns once per budget', () => {
    const ledger = new BudgetLedger(10, 1, 80);
    ledger.limitToDay(1, 0.75);
    expect(ledger.limit).toBe(0.25);
    const job = { reservedUsd: 0, spentUsd: 0 };
    ledger.account(job, { costUsd: 0.1 });
    expect(ledger.warnings()).toEqual([
      { budget: 'day', message: "$0.85 spent of the day's budget of $1.00 (85%, warning at 80%)" },
    ]);
    ledger.account(job, { costUsd: 0.1 });
    expect(ledger.warnings()).toEqual([]);
  });
});
