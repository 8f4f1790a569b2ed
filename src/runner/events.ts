/** What a run reports as it goes: the live view, the line log and --json all read these. */
import type { AgentEvent } from '../backends/types.js';
import type { Outcome } from './outcome.js';

/** Which budget: the run's, the day's, or a task's own cap. */
export type BudgetKind = 'run' | 'day' | 'task';

export type RunEvent =
  | { type: 'recovered'; task: string; reason: string; status: string }
  | {
      type: 'start';
      task: string;
      title: string;
      actor: string;
      attempt: number;
      backend: string;
      step?: { index: number; of: number } | undefined;
    }
  | { type: 'agent'; task: string; event: AgentEvent }
  | {
      type: 'end';
      task: string;
      attempt: number;
      outcome: Outcome;
      reason: string;
      elapsedMs: number;
      /** It succeeded, and its result waits for a verdict (pending-validation) instead of landing. */
      heldForReview?: true;
    }
  | { type: 'retry'; task: string; attempt: number; inMs: number; reason: string }
  /** The task failed for good in this run: no retry follows (its `end` said how the attempt ended). */
  | { type: 'failed'; task: string; reason: string }
  | { type: 'unassignable'; task: string; reasons: string[] }
  | { type: 'warning'; message: string }
  /**
   * Spend reached `[run] budget_warn` of a budget: the run's (`budget_usd`), the day's
   * (`budget_usd_per_day`) or the task's own cap (`max_cost_usd`). Once per budget per run;
   * `task` is the task whose spend reached it.
   */
  | { type: 'budget-warning'; budget: BudgetKind; task: string; message: string }
  /** Said once at the start of a run: how it runs (in place, without worktrees, and why). */
  | { type: 'notice'; message: string }
  /** A rate limit: nothing more starts on `backend` until `until`; the run goes on by itself then. */
  | { type: 'paused'; backend: string; until: string; reason: string };

export interface Reporter {
  event(event: RunEvent): void;
  /** Called once before the summary is printed, to take down a live display. */
  close(): void;
}
