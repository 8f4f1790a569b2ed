/**
 * What an agent reports, whatever the program: the events the built-in agent prints and
 * every backend's parser produces. Shared by `agent/` and `backends/`, so neither imports
 * the other.
 */

export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  costUsd?: number;
}

/** What a run reports, whatever the agent program. */
export type AgentEvent =
  | { type: 'progress'; message: string; percent?: number }
  /**
   * A tool call. `input`: a key of its whole input (protocol/tool-call-key.ts) when the
   * backend sees it; calls are compared by it, else by name and summary (a loop, see
   * runner/attempt/loop-detector.ts).
   */
  | { type: 'tool'; name: string; summary: string; isError?: boolean; input?: string | undefined }
  | { type: 'text'; text: string }
  /**
   * The agent's own account of what it did, from its final message (a command agent's
   * `::summary` line); the last one counts. Kept on the task if the attempt succeeds, and
   * handed to the tasks downstream.
   */
  | { type: 'summary'; text: string }
  /** `model`: the model the agent program says it used, when it says (it may differ from the one asked for, or none was). */
  | ({ type: 'usage'; model?: string | undefined } & Usage)
  | { type: 'result'; ok: boolean; reason?: string; sessionId?: string }
  | { type: 'error'; message: string }
  /**
   * The agent wants what a headless run cannot give (a refused permission, an approval, an
   * answer, a login): the runner stops it at once instead of letting it wait or flounder.
   * `request` names what was asked, for the task's failure reason.
   */
  | {
      type: 'halt';
      kind: 'permission-denied' | 'input-required' | 'budget-exhausted' | 'rate-limited';
      request: string;
      /** rate-limited: when the limit lifts (ISO time), if the service said. */ resetAt?: string | undefined;
      /** permission-denied: the task `tools` rule that would allow the call, e.g. `Bash(npx ava:*)`. */ rule?:
        string | undefined;
    };
