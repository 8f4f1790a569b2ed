/**
 * What `wg check` finds: every problem at once, not just the first. Errors make the graph
 * wrong (a line that does not load, a cycle, a reference to something that does not
 * exist); warnings are workable but suspicious states a person should look at.
 */
import { findCycles } from './deps.js';
import type { Graph } from './model.js';
import type { Task } from './schema.js';

export type Severity = 'error' | 'warning';

export type ProblemKind =
  | 'line'
  | 'cycle'
  | 'missing-task'
  | 'missing-resource'
  | 'missing-actor'
  | 'self-dependency'
  | 'unheld-in-progress'
  | 'stale-lease';

export interface Problem {
  kind: ProblemKind;
  severity: Severity;
  message: string;
  /** The graph.jsonl line, for problems found while parsing. */
  line?: number;
  task?: string;
}

/** Parse problems arrive formatted as `graph.jsonl:LINE: reason`. */
const LINE_NUMBER = /^[^:]*:(\d+): /;

/**
 * `lineProblems` are the parser's; `graph` holds the records that did load, so a task
 * whose line is broken shows up again as missing wherever it is referenced.
 */
export function checkGraph(graph: Graph, lineProblems: readonly string[]): Problem[] {
  const problems: Problem[] = lineProblems.map((message) => {
    const line = LINE_NUMBER.exec(message)?.[1];
    return line === undefined
      ? { kind: 'line', severity: 'error', message }
      : { kind: 'line', severity: 'error', message, line: Number(line) };
  });
  for (const cycle of findCycles(graph)) {
    problems.push({
      kind: 'cycle',
      severity: 'error',
      message: `dependency cycle: ${cycle.join(' -> ')} (each waits for the next)`,
    });
  }
  // Upstream graphs assign tasks to free-form names, and `wg claim` assigns whoever claims,
  // so an unknown assignee is only worth a warning, and only once actors are defined at all.
  const checkAssignees = graph.actors.size > 0;
  for (const task of graph.tasks.values()) problems.push(...taskProblems(graph, task, checkAssignees));
  return problems;
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((problem) => problem.severity === 'error');
}

function taskProblems(graph: Graph, task: Task, checkAssignees: boolean): Problem[] {
  const problems: Problem[] = [];
  const report = (kind: ProblemKind, severity: Severity, message: string) =>
    problems.push({ kind, severity, message: `task ${task.id}: ${message}`, task: task.id });
  for (const field of ['blocked_by', 'blocks'] as const) {
    for (const id of task[field] ?? []) {
      if (id === task.id) report('self-dependency', 'warning', `${field} names the task itself (ignored)`);
      else if (!graph.tasks.has(id) && !graph.archived?.has(id))
        report('missing-task', 'error', `${field} names "${id}", but there is no such task`);
    }
  }
  for (const id of task.requires ?? []) {
    if (!graph.resources.has(id))
      report('missing-resource', 'error', `requires "${id}", but there is no such resource`);
  }
  if (checkAssignees && task.assigned !== undefined && !graph.actors.has(task.assigned)) {
    report('missing-actor', 'warning', `assigned to "${task.assigned}", who is not a defined actor`);
  }
  if (task.status === 'in-progress' && !task.assigned && !task.claim) {
    report(
      'unheld-in-progress',
      'warning',
      'in-progress, but nobody is assigned and no lease is held (`wg unclaim` reopens it)',
    );
  }
  if (task.claim && !leaseExpected(task)) {
    report(
      'stale-lease',
      'warning',
      `${task.status}, but still holds the lease of attempt ${task.claim.attempt} by ${task.claim.actor}`,
    );
  }
  return problems;
}

/** A lease belongs to a running attempt, or to an open task reserved for a trajectory. */
function leaseExpected(task: Task): boolean {
  if (task.status === 'in-progress' || task.status === 'pending-review') return true;
  return task.status === 'open' && task.claim?.trajectory !== undefined;
}
