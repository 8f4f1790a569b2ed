/**
 * How the page writes what it shows. Durations and dollars come from the module the CLI
 * uses (src/graph/format.ts), so the terminal and the page write them alike.
 */
import { formatElapsed, formatUsd } from '../src/graph/format.js';
import type { TaskStatus } from '../src/graph/types.js';
import type { AgentEvent } from '../src/protocol/agent-event.js';

export { formatElapsed, formatUsd };

/**
 * Every status (TASK_STATUSES), in the order the header's counts show them: wg's own first,
 * `blocked` beside `open` since wg displays an open task that waits as blocked; the last
 * five are set only by the Rust wg (graphwork/wg), and wg shows them as they are.
 */
export const STATUSES: readonly TaskStatus[] = [
  'open',
  'blocked',
  'in-progress',
  'pending-review',
  'done',
  'failed',
  'abandoned',
  'waiting',
  'pending-validation',
  'pending-eval',
  'failed-pending-eval',
  'incomplete',
];

/**
 * One line of an attempt's events.jsonl: an agent event as the runner parsed it from the
 * output, and when. Parsed on the page, not checked: the line is written as the text it
 * shows, whatever its fields hold.
 */
export type EventRecord = AgentEvent & { at?: string };

/** What an agent event says, on one line. */
export function eventLine(event: EventRecord): string | undefined {
  const time = typeof event.at === 'string' ? event.at.slice(11, 19) : '';
  const text = (value: unknown) =>
    String(value ?? '')
      .split('\n')[0]!
      .slice(0, 300);
  switch (event.type) {
    case 'progress':
      return `${time} progress ${event.percent !== undefined ? `${text(event.percent)}% ` : ''}${text(event.message)}`;
    case 'tool':
      return `${time} tool ${text(event.name)}: ${text(event.summary)}${event.isError ? ' (error)' : ''}`;
    case 'text':
      return `${time} says: ${text(event.text)}`;
    case 'error':
      return `${time} error: ${text(event.message)}`;
    case 'result':
      return `${time} result: ${event.ok ? 'ok' : `failed${event.reason ? `: ${text(event.reason)}` : ''}`}`;
    case 'halt':
      return `${time} halted (${text(event.kind)}): ${text(event.request)}`;
    case 'usage':
      return event.costUsd !== undefined ? `${time} usage: ${formatUsd(Number(event.costUsd))}` : undefined;
    case 'summary':
      // The task page shows the summary that counts, once the attempt succeeds.
      return undefined;
    default:
      // An event of a newer wg.
      return undefined;
  }
}
