/**
 * An ACP session's `session/update` notifications and its `session/prompt` answer as wg's
 * normalized events, pure and stateful for one session: message chunks are gathered into
 * one `text` event per message (the last is the agent's summary), a tool call becomes a
 * `tool` event once it completes or fails, a plan becomes progress, and the usage the
 * agent reports (wherever it reports it) becomes one `usage` event at the end.
 */
import type { AgentEvent, Usage } from '../protocol/agent-event.js';
import { toolCallKey } from '../protocol/tool-call-key.js';

type Json = Record<string, unknown>;

const MAX_TEXT = 500;
const cap = (text: string, max = MAX_TEXT) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
const obj = (value: unknown): Json | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

interface ToolState {
  title: string;
  kind: string;
  input: unknown;
  /** The agent's own name of the tool, where it gives one (Qwen Code's `_meta.toolName`). */
  toolName?: string | undefined;
  /** The first line of its result, to tell calls apart when nothing else does. */
  result?: string | undefined;
  done: boolean;
}

/** What ended the prompt turn, as the agent said it (`stopReason`), or how the request failed. */
export type TurnEnd =
  | { kind: 'stopped'; stopReason: string; response: Json }
  | { kind: 'failed'; message: string; code?: number | undefined };

/** How rate and usage limits read in the agents' errors (opencode, Copilot, Claude Code, Gemini, Qwen, Codex). */
export const RATE_LIMITED =
  /\b429\b|rate[ _-]?limit|too many requests|quota|usage limit|resource[ _]exhausted|overloaded|insufficient_quota/i;

/**
 * An agent that gave up on the model but ends its turn as if it had finished (`end_turn`),
 * its error as the turn's last message: Copilot after its retries ("Error: Failed to get
 * response from the AI model; retried 5 times (…) Last error: 429 …", seen with 1.0.102).
 */
const GAVE_UP = /^Error: Failed to get response from the AI model\b/;

/** ACP's "authentication required" error code. */
const AUTH_REQUIRED = -32000;
/** The HTTP status Gemini CLI answers `session/prompt` with when its quota is spent (`429 You have exhausted your daily quota…`). */
const TOO_MANY_REQUESTS = 429;

function summarize(input: unknown, fallback: string): string {
  const object = obj(input);
  for (const key of ['command', 'cmd', 'filePath', 'file_path', 'path', 'pattern', 'url', 'query', 'description']) {
    const value = object?.[key];
    if (typeof value === 'string' && value.trim() !== '') return cap(value.trim().replace(/\s+/g, ' '), 200);
    if (Array.isArray(value) && value.length > 0) return cap(value.join(' '), 200);
  }
  return cap(fallback, 200);
}

export class UpdateMapper {
  private message = '';
  private lastMessage: string | undefined;
  private readonly tools = new Map<string, ToolState>();
  /** Dollars the agent reported (`usage_update.cost`, cumulative for the session). */
  private costUsd: number | undefined;
  /** Tokens of each model request, summed, where the agent reports them only so (Qwen Code: `_meta.usage` of a message chunk). */
  private readonly chunkUsage: Usage = {};

  constructor(private readonly agentName: string) {}

  /** The title a tool call was announced with (its `tool_call` update), if it was. */
  toolTitle(toolCallId: string): string | undefined {
    return this.tools.get(toolCallId)?.title || undefined;
  }

  /** Events for one `session/update` notification's `update`. */
  update(update: unknown): AgentEvent[] {
    const value = obj(update) ?? {};
    const kind = str(value.sessionUpdate);
    if (kind === 'agent_message_chunk') {
      const content = obj(value.content);
      if (content?.type === 'text' && typeof content.text === 'string') this.message += content.text;
      this.addChunkUsage(obj(obj(value._meta)?.usage));
      return [];
    }
    const events = this.flushMessage();
    switch (kind) {
      case 'agent_thought_chunk': {
        const text = str(obj(value.content)?.text)?.trim();
        return text ? [...events, { type: 'progress', message: cap(text) }] : events;
      }
      case 'tool_call':
      case 'tool_call_update':
        return [...events, ...this.toolUpdate(value)];
      case 'plan':
        return [...events, ...planProgress(value.entries)];
      case 'usage_update': {
        const cost = obj(value.cost);
        const amount = num(cost?.amount);
        if (amount !== undefined && (cost?.currency ?? 'USD') === 'USD') this.costUsd = amount;
        return events;
      }
      default:
        return events;
    }
  }

  /**
   * What the agent said of a call when it asked permission for it: Qwen Code 0.15 sends no
   * `tool_call`, and its updates carry neither title nor input, so this is all wg learns of
   * the call (and what tells one call from the next). It only fills gaps: Codex's adapter
   * asks about a call it already described, under a title of the question's own.
   */
  permission(toolCall: unknown): void {
    const call = obj(toolCall);
    const id = str(call?.toolCallId);
    if (!call || id === undefined) return;
    const state = this.tools.get(id) ?? { title: '', kind: 'other', input: undefined, done: false };
    if (state.title === '' && typeof call.title === 'string') state.title = call.title;
    if (state.kind === 'other' && typeof call.kind === 'string') state.kind = call.kind;
    // Gemini CLI sends no rawInput: its title (a shell call's command) and text (an MCP tool's arguments, a shell
    // call's folder) tell one call from the next.
    if (state.input === undefined) state.input = call.rawInput ?? textInput(call.title, call.content);
    this.tools.set(id, state);
  }

  private addChunkUsage(usage: Json | undefined): void {
    const add = (key: keyof Usage, value: unknown) => {
      const count = num(value);
      if (count !== undefined) this.chunkUsage[key] = (this.chunkUsage[key] ?? 0) + count;
    };
    add('inputTokens', usage?.inputTokens);
    add('outputTokens', usage?.outputTokens);
    add('cacheReadTokens', usage?.cachedReadTokens);
  }

  private flushMessage(): AgentEvent[] {
    const text = this.message.trim();
    this.message = '';
    if (text === '') return [];
    this.lastMessage = text;
    return [{ type: 'text', text: cap(text, 4000) }];
  }

  private toolUpdate(value: Json): AgentEvent[] {
    const id = str(value.toolCallId) ?? '?';
    const known = this.tools.get(id);
    const state: ToolState = known ?? { title: '', kind: 'other', input: undefined, done: false };
    if (typeof value.title === 'string' && value.title !== '') state.title = value.title;
    if (typeof value.kind === 'string') state.kind = value.kind;
    if (value.rawInput !== undefined) state.input = value.rawInput;
    const toolName = str(obj(value._meta)?.toolName);
    if (toolName) state.toolName = toolName;
    const firstText = Array.isArray(value.content)
      ? value.content.map((item) => str(obj(obj(item)?.content)?.text)).find((text) => text?.trim())
      : undefined;
    if (firstText) state.result = firstText.trim().split('\n')[0];
    this.tools.set(id, state);
    const status = str(value.status);
    const events: AgentEvent[] = [];
    if (!known && status !== 'completed' && status !== 'failed')
      events.push({ type: 'progress', message: cap(`${state.kind}: ${summarize(state.input, state.title)}`) });
    if ((status === 'completed' || status === 'failed') && !state.done) {
      state.done = true;
      const label = state.title || state.result || '';
      events.push({
        type: 'tool',
        name: state.kind !== 'other' ? state.kind : (state.toolName ?? (label !== '' ? cap(label, 80) : 'other')),
        summary: summarize(state.input, label),
        ...(state.input !== undefined ? { input: toolCallKey(state.input) } : {}),
        ...(status === 'failed' ? { isError: true } : {}),
      });
    }
    return events;
  }

  /** The turn's end: any message still gathered, the usage, and the result. */
  end(turn: TurnEnd): AgentEvent[] {
    const events = this.flushMessage();
    if (turn.kind === 'failed') {
      const usage = this.usage(undefined);
      if (usage) events.push(usage);
      return [...events, ...failure(this.agentName, turn)];
    }
    const usage = this.usage(turn.response);
    if (usage) events.push(usage);
    const name = this.agentName;
    switch (turn.stopReason) {
      case 'end_turn':
        if (this.lastMessage && GAVE_UP.test(this.lastMessage))
          return [...events, ...failure(name, { kind: 'failed', message: this.lastMessage })];
        if (this.lastMessage) events.push({ type: 'summary', text: this.lastMessage });
        events.push({ type: 'result', ok: true });
        break;
      case 'max_tokens':
        events.push({
          type: 'result',
          ok: false,
          reason: `${name} stopped: the model reached its output limit (max_tokens)`,
        });
        break;
      case 'max_turn_requests':
        events.push({
          type: 'result',
          ok: false,
          reason: `${name} stopped: it reached its turn limit (max_turn_requests)`,
        });
        break;
      case 'refusal':
        events.push({ type: 'result', ok: false, reason: `${name} refused to go on (stopReason refusal)` });
        break;
      case 'cancelled':
        events.push({ type: 'result', ok: false, reason: `${name}'s turn was cancelled` });
        break;
      default:
        events.push({
          type: 'result',
          ok: false,
          reason: `${name} stopped with an unknown reason: ${turn.stopReason}`,
        });
    }
    return events;
  }

  /** Tokens from `PromptResponse.usage` (or Gemini's `_meta.quota`), and the cost from `usage_update`. */
  private usage(response: Json | undefined): AgentEvent | undefined {
    const usage: Usage = {};
    const standard = obj(response?.usage);
    const quota = obj(obj(obj(response?._meta)?.quota)?.token_count);
    const input = num(standard?.inputTokens) ?? num(quota?.input_tokens) ?? this.chunkUsage.inputTokens;
    const output = num(standard?.outputTokens) ?? num(quota?.output_tokens) ?? this.chunkUsage.outputTokens;
    if (input !== undefined) usage.inputTokens = input;
    if (output !== undefined) usage.outputTokens = output;
    const cacheRead =
      num(standard?.cachedReadTokens) ?? (standard || quota ? undefined : this.chunkUsage.cacheReadTokens);
    const cacheWrite = num(standard?.cachedWriteTokens);
    if (cacheRead) usage.cacheReadTokens = cacheRead;
    if (cacheWrite) usage.cacheWriteTokens = cacheWrite;
    if (this.costUsd !== undefined) usage.costUsd = this.costUsd;
    return Object.keys(usage).length > 0 ? { type: 'usage', ...usage } : undefined;
  }
}

/** A call's title and text content (its arguments, as some agents show them) as an input, if it has any text. */
function textInput(title: unknown, content: unknown): Json | undefined {
  const text = Array.isArray(content)
    ? content.map((item) => str(obj(obj(item)?.content)?.text)).find((value) => value?.trim())
    : undefined;
  return text === undefined ? undefined : { title: str(title) ?? '', text };
}

function planProgress(entries: unknown): AgentEvent[] {
  const list = Array.isArray(entries) ? entries.map((entry) => obj(entry) ?? {}) : [];
  if (list.length === 0) return [];
  const done = list.filter((entry) => entry.status === 'completed').length;
  const current =
    list.find((entry) => entry.status === 'in_progress') ?? list.find((entry) => entry.status !== 'completed');
  const now = current ? `: ${str(current.content) ?? ''}` : '';
  return [{ type: 'progress', message: cap(`plan ${done}/${list.length} done${now}`) }];
}

/** A failed prompt request (or a failed start) as the events that say what to do about it. */
export function failure(agentName: string, turn: Extract<TurnEnd, { kind: 'failed' }>): AgentEvent[] {
  const message = cap(turn.message, 300);
  if (turn.code === AUTH_REQUIRED || /auth(entication)? required|not logged in|please log ?in|\/login/i.test(message))
    return [
      { type: 'halt', kind: 'input-required', request: `a login or an API key for ${agentName} (${message})` },
      { type: 'result', ok: false, reason: `${agentName} needs authentication: ${message}` },
    ];
  if (turn.code === TOO_MANY_REQUESTS || RATE_LIMITED.test(message))
    return [
      { type: 'halt', kind: 'rate-limited', request: `${agentName}: ${message}` },
      { type: 'result', ok: false, reason: `${agentName} was rate-limited: ${message}` },
    ];
  return [
    { type: 'error', message },
    { type: 'result', ok: false, reason: `${agentName} failed: ${message}` },
  ];
}
