/**
 * A run's money: what its attempts spent (in all, by backend, by model) and what running
 * jobs have reserved. A job reserves its tasks' expected cost before it starts and starts
 * only if that fits in what is left beside everything already spent or reserved, so
 * parallel jobs cannot overshoot the budget together.
 */
import type { Graph } from '../graph/model.js';
import type { Task } from '../graph/schema.js';
import { expectedCost } from './cost.js';

export interface Job {
  reservedUsd: number;
  spentUsd: number;
}

export interface BudgetSummary {
  limitUsd: number;
  spentUsd: number;
  /** Whether the budget kept tasks from starting (they stay open for a later run) or retrying. */
  stopped: boolean;
  notStarted: string[];
}

export interface Spending {
  spentUsd: number;
  spentBy: { backend: Record<string, number>; model: Record<string, number> };
}

const round = (usd: number) => Math.round(usd * 1e6) / 1e6;

export class BudgetLedger {
  private readonly jobs = new Set<Job>();
  private spentUsd = 0;
  private readonly spentBy: Spending['spentBy'] = { backend: {}, model: {} };
  private readonly notStarted = new Set<string>();
  /** Whether the budget has kept anything from starting yet. */
  stopped = false;

  constructor(
    /** Undefined: no limit (spend is still counted). */
    private readonly limitUsd: number | undefined,
    /** What a task with neither a cost estimate nor a history is expected to cost. */
    private readonly fallbackUsd: number,
  ) {}

  expected(task: Task): number {
    return expectedCost(task, this.fallbackUsd);
  }

  /** Spent so far, plus what running jobs (but `except`) reserved and have not spent yet. */
  committed(except?: Job): number {
    let total = this.spentUsd;
    for (const job of this.jobs) if (job !== except) total += Math.max(0, job.reservedUsd - job.spentUsd);
    return total;
  }

  fits(amountUsd: number, except?: Job): boolean {
    return this.limitUsd === undefined || this.committed(except) + amountUsd <= this.limitUsd + 1e-9;
  }

  /** A job for `steps`, holding their expected cost; undefined (and they stay open) when it does not fit. */
  reserve(graph: Graph, steps: readonly string[]): Job | undefined {
    const reservedUsd = steps.reduce((sum, id) => sum + this.expected(graph.tasks.get(id)!), 0);
    if (!this.fits(reservedUsd)) {
      this.stopped = true;
      steps.forEach((id) => this.notStarted.add(id));
      return undefined;
    }
    const job: Job = { reservedUsd, spentUsd: 0 };
    this.jobs.add(job);
    steps.forEach((id) => this.notStarted.delete(id));
    return job;
  }

  release(job: Job): void {
    this.jobs.delete(job);
  }

  /** An attempt's spend, counted against its job and the run. */
  account(
    job: Job,
    attempt: { costUsd?: number | undefined; backend?: string | undefined; model?: string | undefined },
  ): void {
    const cost = attempt.costUsd ?? 0;
    job.spentUsd += cost;
    this.spentUsd += cost;
    if (cost === 0) return;
    const add = (totals: Record<string, number>, key: string) => (totals[key] = round((totals[key] ?? 0) + cost));
    add(this.spentBy.backend, attempt.backend ?? '?');
    add(this.spentBy.model, attempt.model ?? '(default)');
  }

  spending(): Spending {
    return { spentUsd: round(this.spentUsd), spentBy: this.spentBy };
  }

  summary(graph: Graph): BudgetSummary | undefined {
    if (this.limitUsd === undefined) return undefined;
    const notStarted = [...this.notStarted].filter((id) => graph.tasks.get(id)?.status === 'open');
    return { limitUsd: this.limitUsd, spentUsd: round(this.spentUsd), stopped: this.stopped, notStarted };
  }
}
