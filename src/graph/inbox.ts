/**
 * Everything that waits on a person, pure: computed from the graph and what the runners
 * recorded (a live run's paused backends, the last run's budget stop), oldest first, each
 * with the one command that moves it on. `wg inbox` prints it; notifications use the same
 * kinds and commands (see notify/).
 */
import type { Graph } from './model.js';
import type { Task } from './schema.js';
import { reviewCommand } from './review.js';

export type InboxKind =
  | 'pending-validation'
  | 'input-required'
  | 'permission-denied'
  | 'failed'
  | 'human-task'
  | 'budget-stopped'
  | 'rate-limit-paused';

export interface InboxItem {
  kind: InboxKind;
  /** The task it is about; a budget stop or a paused backend has none. */
  task?: string;
  /** One line for a person. */
  text: string;
  /** The one command that resolves it. */
  command: string;
  /** Since when it waits (ISO time): what "oldest first" orders by. */
  since: string;
}

/** What the runners recorded that the graph cannot say (plain data: graph/ reads no files). */
export interface RunFacts {
  /** Live runs' rate-limit pauses: backend → until (ISO), with when the run started. */
  paused: Array<{ backend: string; until: string; since: string }>;
  /** The last run that ended, if its budget stopped it. */
  budgetStopped?: { endedAt: string; limitUsd: number; spentUsd: number; notStarted: string[] } | undefined;
}

const oneLine = (text: string, max = 160): string => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

/** When the task last changed: its last log entry, else when it was made. */
function lastChange(task: Task): string {
  return task.log?.at(-1)?.timestamp ?? task.completed_at ?? task.created_at ?? new Date(0).toISOString();
}

function taskItem(task: Task): InboxItem | undefined {
  const id = task.id;
  const question = task.question && !task.question.answer ? task.question : undefined;
  if (task.status === 'pending-validation' && task.pending_result)
    return {
      kind: 'pending-validation',
      task: id,
      text: `${id} (${oneLine(task.title, 80)}): attempt ${task.pending_result.attempt}'s result waits for a review`,
      command: reviewCommand(id),
      since: task.pending_result.since,
    };
  if (task.status === 'waiting' && question?.kind === 'question')
    return {
      kind: 'input-required',
      task: id,
      text: `${id} asks: ${oneLine(question.text)}`,
      command: `wg answer ${id} "..."`,
      since: question.asked_at,
    };
  if (task.status === 'waiting')
    return {
      kind: 'human-task',
      task: id,
      text: `${id} (${oneLine(task.title, 80)}) is for ${task.assigned ?? 'a person'} to do`,
      command: `wg done ${id}`,
      since: lastChange(task),
    };
  if (task.status === 'failed' && question?.kind === 'refusal')
    return {
      kind: 'permission-denied',
      task: id,
      text: `${id}: a call was refused: ${oneLine(question.text)}`,
      command: question.rule ? `wg answer ${id} "..." --allow ${shellWord(question.rule)}` : `wg answer ${id} "..."`,
      since: question.asked_at,
    };
  if (task.status === 'failed')
    return {
      kind: 'failed',
      task: id,
      text: `${id} failed: ${oneLine(task.failure_reason ?? 'no reason recorded')}`,
      command: `wg retry ${id}`,
      since: lastChange(task),
    };
  return undefined;
}

/** A rule such as `Bash(npm test:*)` pasted into a shell as one word. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The inbox: every task that waits on a person, the last run's budget stop, and each
 * backend a live run paused for longer than `longPauseMs` from now; oldest first.
 */
export function computeInbox(graph: Graph, runs: RunFacts, now: Date, longPauseMs: number): InboxItem[] {
  const items: InboxItem[] = [];
  for (const task of graph.tasks.values()) {
    const item = taskItem(task);
    if (item) items.push(item);
  }
  const stop = runs.budgetStopped;
  if (stop)
    items.push({
      kind: 'budget-stopped',
      text: `the last run stopped at its budget ($${stop.spentUsd.toFixed(2)} of $${stop.limitUsd.toFixed(2)})${
        stop.notStarted.length > 0 ? `; not started: ${stop.notStarted.join(', ')}` : ''
      }`,
      command: 'wg run --budget-usd N (a larger budget)',
      since: stop.endedAt,
    });
  for (const pause of runs.paused) {
    const left = Date.parse(pause.until) - now.getTime();
    if (left <= longPauseMs) continue;
    items.push({
      kind: 'rate-limit-paused',
      text: `${pause.backend} is paused by a rate limit until ${pause.until}`,
      command: 'wg edit ID --backend OTHER (or wait: the run resumes by itself)',
      since: pause.since,
    });
  }
  return items.sort((a, b) => a.since.localeCompare(b.since) || (a.task ?? '').localeCompare(b.task ?? ''));
}
