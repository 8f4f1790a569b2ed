/**
 * A run's money: what its attempts spent (in all, by backend, by model) and what running
 * jobs have reserved. A job reserves its tasks' expected cost before it starts and starts
 * only if that fits in what is left beside everything already spent or reserved, so
 * parallel jobs cannot overshoot the budget together.
 */
import { WgError } from '../errors.js';
import { formatDuration } from '../graph/format.js';
import type { Graph } from '../graph/model.js';
import type { Task } from '../graph/schema.js';
import { expectedCost } from './cost.js';
import type { BudgetKind } from './events.js';

const DAY_MS = 24 * 60 * 60_000;

/** What every run together spent in the 24 hours before `now`, from the attempt costs on the tasks, and when the oldest of it leaves that window. */
export function spentInLastDay(graph: Graph, now: Date): { spentUsd: number; oldestAt: number | undefined } {
  const since = now.getTime() - DAY_MS;
  let spentUsd = 0;
  let oldestAt: number | undefined;
  for (const task of graph.tasks.values())
    for (const cost of task.costs ?? []) {
      const at = cost.at === undefined ? NaN : Date.parse(cost.at);
      if (!(at > since) || cost.cost_usd === 0) continue;
      spentUsd += cost.cost_usd;
      oldestAt = Math.min(oldestAt ?? at, at);
    }
  return { spentUsd: round(spentUsd), oldestAt };
}

/** `[run] budget_usd_per_day`, as a run starting `now` finds it: the dollars it may spend, or an error when none are left. */
export function dayBudgetLeft(graph: Graph, limitUsd: number, now: Date): { spentUsd: number; leftUsd: number } {
  const { spentUsd, oldestAt } = spentInLastDay(graph, now);
  const leftUsd = round(limitUsd - spentUsd);
  if (leftUsd > 1e-9) return { spentUsd, leftUsd };
  const frees =
    oldestAt === undefined
      ? ''
      : `; spend starts leaving the window in ${formatDuration(oldestAt + DAY_MS - now.getTime())}`;
  throw new WgError(
    `the day budget is spent: $${spentUsd.toFixed(2)} of $${limitUsd.toFixed(2)} in the last 24 hours ([run] budget_usd_per_day)${frees}; nothing was started`,
    'wait, or raise it: wg run --budget-usd-per-day <usd>, or budget_usd_per_day under [run] in config.toml',
  );
}

/** A budget watched for its warning: `baseUsd` was spent before this run began. */
export interface WatchedBudget {
  kind: Exclude<BudgetKind, 'task'>;
  name: string;
  limitUsd: number;
  baseUsd: number;
}

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
  private readonly warned = new Set<string>();

  constructor(
    /** Undefined: no limit (spend is still counted). */
    private limitUsd: number | undefined,
    /** What a task with neither a cost estimate nor a history is expected to cost. */
    private readonly fallbackUsd: number,
    /** A warning once this run's spend brings a watched budget to this percentage; 0: none. */
    private readonly warnPercent = 0,
  ) {
    if (limitUsd !== undefined) this.watched.push({ kind: 'run', name: "the run's budget", limitUsd, baseUsd: 0 });
  }

  private readonly watched: WatchedBudget[] = [];

  /** The day's budget, as this run found it: what it may spend is the tighter of what is left of it and the run's own budget. */
  limitToDay(limitUsd: number, spentUsd: number): void {
    this.limitUsd = Math.min(this.limitUsd ?? Infinity, round(limitUsd - spentUsd));
    this.watched.push({ kind: 'day', name: "the day's budget", limitUsd, baseUsd: spentUsd });
  }

  get limit(): number | undefined {
    return this.limitUsd;
  }

  /** The warnings this run's spend now calls for, each budget's once: "$8.10 of the day's budget of $10.00 (81%)". */
  warnings(): Array<{ budget: WatchedBudget['kind']; message: string }> {
    if (this.warnPercent <= 0) return [];
    const found: Array<{ budget: WatchedBudget['kind']; message: string }> = [];
    for (const budget of this.watched) {
      const spent = budget.baseUsd + this.spentUsd;
      if (this.warned.has(budget.name) || budget.limitUsd <= 0 || spent < (budget.limitUsd * this.warnPercent) / 100)
        continue;
      this.warned.add(budget.name);
      found.push({
        budget: budget.kind,
        message: `$${spent.toFixed(2)} spent of ${budget.name} of $${budget.limitUsd.toFixed(2)} (${Math.round((spent / budget.limitUsd) * 100)}%, warning at ${this.warnPercent}%)`,
      });
    }
    return found;
  }

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
