/**
 * Tells an agent that is going round in circles: its last `limit` tool calls were the same
 * call (the same tool with the same input). Pure: it sees the normalized `tool` events every
 * backend produces, so it holds for every agent program alike.
 */
import type { AgentEvent } from '../../protocol/agent-event.js';

type ToolEvent = Extract<AgentEvent, { type: 'tool' }>;

/** The call repeated, as people read it, and how many times in a row it came. */
export interface Loop {
  tool: string;
  summary: string;
  times: number;
}

/** What makes two calls the same: the tool, and its input's key, else (no key) its summary with spacing collapsed. */
function sameCallKey(event: ToolEvent): string {
  const input = event.input ?? `summary:${event.summary.trim().replace(/\s+/g, ' ')}`;
  return `${event.name.trim()}\u0000${input}`;
}

export class LoopDetector {
  private lastKey: string | undefined;
  private times = 0;

  /** `limit`: calls in a row that make a loop; 0 never finds one. */
  constructor(private readonly limit: number) {}

  /** The loop this call completes (once, on the call that reaches the limit), else undefined. */
  offer(event: ToolEvent): Loop | undefined {
    const key = sameCallKey(event);
    this.times = key === this.lastKey ? this.times + 1 : 1;
    this.lastKey = key;
    if (this.limit === 0 || this.times !== this.limit) return undefined;
    return { tool: event.name, summary: event.summary, times: this.times };
  }
}
