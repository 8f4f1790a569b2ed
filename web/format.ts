/**
 * How the page writes what it shows. Durations and dollars come from the module the CLI
 * uses (src/graph/format.ts), so the terminal and the page write them alike.
 */
import { formatElapsed, formatUsd } from '../src/graph/format.js';
import type { TaskStatus } from '../src/graph/types.js';

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

/** What an agent event says, on one line (events.jsonl holds the runner's parsed view of the output). */
export function eventLine(event: { at?: string; type?: string; [key: string]: unknown }): string | undefined {
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
      return event.cost_usd !== undefined ? `${time} usage: ${formatUsd(Number(event.cost_usd))}` : undefined;
    default:
      return undefined;
  }
}
