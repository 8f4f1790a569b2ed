/**
 * What the dashboard shows of a graph: one small record per task, the critical path,
 * and the run header. Pure: the server diffs successive views to stream changes.
 */
import { CLAIMED_MESSAGE } from '../graph/attempt-log.js';
import { criticalPath } from '../graph/analysis.js';
import { dependencyIndex, displayStatus } from '../graph/deps.js';
import type { Graph } from '../graph/model.js';
import type { Task } from '../graph/schema.js';
import type { ActiveRun, LastRun } from '../runner/run-record.js';
import type { AttemptSummary, GraphView, TaskView } from './api-types.js';

export type { AttemptSummary, GraphView, Header, TaskView } from './api-types.js';

export function taskCost(task: Task): number {
  const fromAttempts = (task.costs ?? []).reduce((sum, entry) => sum + entry.cost_usd, 0);
  return Math.round((fromAttempts || task.token_usage?.cost_usd || 0) * 1e6) / 1e6;
}

/** Every edge "waits for": blocked_by, and the reverse of blocks. */
export function blockersOf(graph: Graph, task: Task, index = dependencyIndex(graph)): string[] {
  return [...new Set(index.blockersOf(task.id))];
}

/**
 * `budgetUsd` is the configured budget; a live run's own (`wg run --budget-usd`) takes
 * its place, as the sum of the live runs' budgets.
 */
export function graphView(
  graph: Graph,
  budgetUsd: number | undefined,
  runs: readonly ActiveRun[] = [],
  last?: LastRun,
): GraphView {
  const index = dependencyIndex(graph);
  const tasks: TaskView[] = [];
  const counts: Record<string, number> = {};
  let spent = 0;
  let pauses = 0;
  let lastPause: string | null = null;
  let running = 0;
  for (const task of graph.tasks.values()) {
    const display = displayStatus(graph, index, task);
    counts[display] = (counts[display] ?? 0) + 1;
    const cost = taskCost(task);
    spent += cost;
    if (task.status === 'in-progress') running++;
    for (const entry of task.log ?? []) {
      if (entry.message.startsWith('rate limited')) {
        pauses++;
        if (lastPause === null || entry.timestamp > lastPause) lastPause = entry.timestamp;
      }
    }
    tasks.push({
      id: task.id,
      title: task.title,
      status: task.status,
      display,
      assigned: task.assigned ?? null,
      tags: task.tags ?? [],
      blocked_by: blockersOf(graph, task, index).filter((id) => graph.tasks.has(id)),
      attempts: task.attempts ?? 0,
      cost_usd: cost,
      progress: task.progress ?? null,
      log_count: task.log?.length ?? 0,
      last_log: task.log?.at(-1)?.message.slice(0, 200) ?? null,
      updated: task.log?.at(-1)?.timestamp ?? null,
    });
  }
  const path = criticalPath(graph).tasks.map((step) => step.id);
  return {
    tasks,
    critical_path: path,
    header: {
      counts,
      total: tasks.length,
      spent_usd: Math.round(spent * 1e6) / 1e6,
      budget_usd: runBudget(runs) ?? budgetUsd ?? null,
      rate_limit_pauses: pauses,
      last_pause: lastPause,
      runs: runs.map(({ host, pid, started_at, budget_usd, parallel }) => ({
        host,
        pid,
        started_at,
        budget_usd,
        parallel,
      })),
      paused: runs
        .flatMap((run) => Object.entries(run.paused).map(([backend, until]) => ({ backend, until })))
        .sort((a, b) => a.until.localeCompare(b.until)),
      // The live runs' time, else the last run's: never the span from a graph's first task to its last, which adds up every run and the days between.
      started_at: runs[0]?.started_at ?? last?.started_at ?? null,
      ended_at: runs.length > 0 ? null : (last?.ended_at ?? null),
      running,
    },
  };
}

function runBudget(runs: readonly ActiveRun[]): number | undefined {
  const budgets = runs.flatMap((run) => (run.budget_usd === null ? [] : [run.budget_usd]));
  return budgets.length === 0 ? undefined : budgets.reduce((sum, budget) => sum + budget, 0);
}

/** The layout depends only on which tasks exist and who waits for whom. */
export function structureKey(view: GraphView): string {
  return view.tasks.map((task) => `${task.id}<${task.blocked_by.join(',')}`).join('\n');
}

/** Each attempt's outcome, read from the log: the entries from its claim up to the next claim. */
export function attemptsOf(task: Task): AttemptSummary[] {
  const attempts: AttemptSummary[] = [];
  let current: AttemptSummary | undefined;
  for (const entry of task.log ?? []) {
    const claimed = CLAIMED_MESSAGE.exec(entry.message);
    if (claimed) {
      const number = Number(claimed[2]);
      const cost = task.costs?.find((item) => item.attempt === number);
      current = {
        attempt: number,
        actor: claimed[1]!,
        started: entry.timestamp,
        outcome: 'running',
        reason: null,
        output: null,
        cost_usd: cost?.cost_usd ?? null,
        backend: cost?.backend ?? null,
        model: cost?.model ?? null,
      };
      attempts.push(current);
      continue;
    }
    if (!current || current.outcome !== 'running') continue;
    const message = entry.message;
    if (message === 'done') current.outcome = 'done';
    else if (message.startsWith('failed: ')) {
      // Below the reason's line: where the check's output is, then its last lines.
      const [reason, , ...output] = message.slice('failed: '.length).split('\n');
      [current.outcome, current.reason, current.output] = [
        'failed',
        reason!,
        output.length > 0 ? output.join('\n') : null,
      ];
    } else if (message.startsWith('abandoned: '))
      [current.outcome, current.reason] = ['abandoned', message.slice('abandoned: '.length)];
    else if (message.startsWith('unclaimed'))
      [current.outcome, current.reason] = ['unclaimed', message.replace(/^unclaimed:? ?/, '') || null];
    else if (message.endsWith('; reopened') || message.endsWith('; no retries left')) {
      [current.outcome, current.reason] = [
        message.endsWith('; reopened') ? 'reopened' : 'failed',
        message.replace(/; (reopened|no retries left)$/, ''),
      ];
    }
  }
  // A finished task whose last attempt's end left no entry of its own.
  const lastAttempt = attempts.at(-1);
  if (lastAttempt && lastAttempt.outcome === 'running' && task.status !== 'in-progress') {
    lastAttempt.outcome = task.status;
    lastAttempt.reason = task.failure_reason ?? null;
  }
  return attempts;
}
