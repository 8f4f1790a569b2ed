/**
 * A run played out in memory for `wg run --dry-run`: the same Scheduler as a real run, on
 * a copy of the graph, assuming every attempt succeeds, takes its expected time
 * (`estimate.hours`, else one unit) and spends its expected cost. A finished step frees its
 * dependents and a finished job its slot; after each, the scheduler picks again, as the
 * runner does. With one slot (or tasks whose durations are as expected) the start order
 * is the real run's. Pure: no disk, no clock beyond the `now` given, no processes.
 */
import { copyGraph, getTask, type Graph } from '../graph/model.js';
import { expectedHours } from '../graph/priority.js';
import { BudgetLedger } from './budget.js';
import { Scheduler, type Held, type SchedulerOptions, type Start } from './scheduler.js';

export interface SimulationOptions extends SchedulerOptions {
  parallel: number;
  /** Undefined: no limit. */
  budgetUsd?: number | undefined;
  /** What a job reserves when neither its tasks' estimates nor their history say more. */
  expectedCostUsd: number;
}

export interface SimulatedStart extends Start {
  /** Which pick started it: 1 for the first pick that started anything, and so on. */
  wave: number;
  /** Hours after the run began (in expected durations). */
  at: number;
  /** For each step, how many steps of the run (`Simulation.finished`) had finished when it began. */
  finishedBefore: number[];
}

export interface Simulation {
  /** Jobs in the order they start. */
  starts: SimulatedStart[];
  /** Steps in the order they finish. */
  finished: string[];
  /** Ready tasks no actor may take (the reasons from the last time they were looked at). */
  unassignable: Array<{ task: string; reasons: string[] }>;
  /** Tasks the budget kept from starting. */
  overBudget: string[];
  /** Open tasks in scope that never start (blocked by work outside the plan, or by the above). */
  neverReady: string[];
}

interface Running {
  start: SimulatedStart;
  /** The step running now. */
  step: number;
  /** When it ends. */
  endsAt: number;
  order: number;
}

export function simulateRun(loaded: Graph, options: SimulationOptions, now: Date): Simulation {
  const graph = copyGraph(loaded);
  const ledger = new BudgetLedger(options.budgetUsd, options.expectedCostUsd);
  const scheduler = new Scheduler(options, ledger);
  const starts: SimulatedStart[] = [];
  const finished: string[] = [];
  const unassignable = new Map<string, string[]>();
  const overBudget = new Set<string>();
  const running: Running[] = [];
  const hoursOf = (id: string) => expectedHours(getTask(graph, id));
  let clock = 0;
  let wave = 0;
  for (;;) {
    const picked = scheduler.pick(graph, now, options.parallel - running.length);
    note(picked.held, unassignable, overBudget);
    if (picked.start.length > 0) wave++;
    for (const start of picked.start) {
      const simulated = { ...start, wave, at: clock, finishedBefore: [finished.length] };
      starts.push(simulated);
      start.steps.forEach((id) => (unassignable.delete(id), overBudget.delete(id)));
      running.push({ start: simulated, step: 0, endsAt: clock + hoursOf(start.steps[0]!), order: starts.length });
    }
    const next = running.reduce<Running | undefined>(
      (soonest, job) =>
        !soonest || job.endsAt < soonest.endsAt || (job.endsAt === soonest.endsAt && job.order < soonest.order)
          ? job
          : soonest,
      undefined,
    );
    if (!next) break;
    clock = next.endsAt;
    const id = next.start.steps[next.step]!;
    ledger.account(next.start.job, { costUsd: ledger.expected(getTask(graph, id)) });
    graph.tasks.set(id, { ...getTask(graph, id), status: 'done', claim: undefined });
    finished.push(id);
    next.step++;
    if (next.step < next.start.steps.length) {
      next.endsAt = clock + hoursOf(next.start.steps[next.step]!);
      next.start.finishedBefore.push(finished.length);
    } else {
      running.splice(running.indexOf(next), 1);
      scheduler.end(next.start);
    }
  }
  const planned = new Set(starts.flatMap((start) => start.steps));
  const neverReady = [...graph.tasks.values()]
    .filter(
      (task) =>
        task.status === 'open' &&
        !planned.has(task.id) &&
        !unassignable.has(task.id) &&
        !overBudget.has(task.id) &&
        (!options.scope || options.scope.has(task.id)),
    )
    .map((task) => task.id);
  return {
    starts,
    finished,
    unassignable: [...unassignable].map(([task, reasons]) => ({ task, reasons })),
    overBudget: [...overBudget],
    neverReady,
  };
}

function note(held: readonly Held[], unassignable: Map<string, string[]>, overBudget: Set<string>): void {
  for (const item of held) {
    if (item.kind === 'unassignable') unassignable.set(item.task, item.reasons);
    if (item.kind === 'budget') overBudget.add(item.task);
    // wg run would not spawn it: it sets it waiting for that person.
    if (item.kind === 'person')
      unassignable.set(item.task, [
        `waits for ${item.actor}, a person (never spawned; \`wg done ${item.task}\` when done)`,
      ]);
  }
}
