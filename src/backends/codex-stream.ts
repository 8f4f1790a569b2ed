/**
 * `codex exec --json` lines as normalized events. One `exec` runs one turn: it ends with
 * `turn.completed` (success, with the turn's token usage) or `turn.failed`. Top-level
 * `error` lines saying "Reconnecting..." are retries in progress, not the end. The turn's
 * last `agent_message` is the agent's final message, passed on as its summary.
 */
import { capText, progressFromLine } from './lines.js';
import {
  asArray,
  asNumber,
  asObject,
  asString,
  parseJsonObject,
  summarizeToolInput,
  type JsonObject,
} from './json-lines.js';
import type { AgentEvent, OutputParser, Stream, Usage } from './types.js';
import { toolCallKey } from '../protocol/tool-call-key.js';

/** How Codex says it has no usable credentials: a missing provider key variable, or the API refusing the key. */
/** How Codex reports a rate or usage limit once its own retries are spent. */
const RATE_LIMITED = /429|Too Many Requests|rate limit|usage limit|quota/i;

const NEEDS_CREDENTIALS = /Missing environment variable|401 Unauthorized|not logged in|codex login/i;

export function codexStreamParser(): OutputParser {
  let completed = false;
  /** The last `agent_message` item: the agent's final message once the turn completes. */
  let lastMessage: string | undefined;
  let failure: string | undefined;
  let lastError: string | undefined;
  /** The thread's id: what `codex exec resume` continues. */
  let thread: string | undefined;

  const line = (object: JsonObject): AgentEvent[] => {
    switch (object.type) {
      case 'thread.started':
        thread = asString(object.thread_id);
        return [{ type: 'progress', message: `Codex thread ${thread ?? '?'} started` }];
      case 'item.started':
        return startedItem(asObject(object.item) ?? {});
      case 'item.completed': {
        const item = asObject(object.item) ?? {};
        if (item.type === 'agent_message' && asString(item.text)?.trim()) lastMessage = asString(item.text);
        return completedItem(item);
      }
      case 'turn.completed':
        completed = true;
        return usageEvents(asObject(object.usage) ?? {});
      case 'turn.failed': {
        const message = asString(asObject(object.error)?.message) ?? lastError ?? 'no reason given';
        failure = `Codex turn failed: ${capText(message, 300)}`;
        // No key or a refused one: only a person can log in or set the key, so no retry will help.
        if (NEEDS_CREDENTIALS.test(message))
          return [
            {
              type: 'halt',
              kind: 'input-required',
              request: `a login or an API key for Codex (${capText(message, 200)})`,
            },
          ];
        if (RATE_LIMITED.test(message))
          return [{ type: 'halt', kind: 'rate-limited', request: `Codex: ${capText(message, 200)}` }];
        return [];
      }
      case 'error': {
        const message = asString(object.message) ?? 'unknown error';
        if (/^Reconnecting/i.test(message)) return [{ type: 'progress', message: capText(message) }];
        lastError = message;
        return [{ type: 'error', message: capText(message) }];
      }
      default:
        return [];
    }
  };

  return {
    line(text: string, stream: Stream): AgentEvent[] {
      if (stream === 'stderr') return progressFromLine(text);
      const object = parseJsonObject(text);
      return object ? line(object) : progressFromLine(text);
    },
    end(): AgentEvent[] {
      const session = thread ? { sessionId: thread } : {};
      if (failure) return [{ type: 'result', ok: false, reason: failure, ...session }];
      if (completed)
        return [
          ...(lastMessage ? [{ type: 'summary', text: lastMessage } as const] : []),
          { type: 'result', ok: true, ...session },
        ];
      return [
        {
          type: 'result',
          ok: false,
          reason: `Codex ended without finishing its turn${lastError ? `: ${capText(lastError, 300)}` : ''}`,
          ...session,
        },
      ];
    },
  };
}

/** `/bin/bash -lc 'npm test'` -> `npm test`: the wrapper says nothing about what ran. */
export function unwrapShellCommand(command: string): string {
  const match = /^\S*\/(?:ba|z)?sh -l?c '(.*)'$/s.exec(command);
  return match ? match[1]!.replace(/'\\''/g, "'") : command;
}

function startedItem(item: JsonObject): AgentEvent[] {
  if (item.type !== 'command_execution') return [];
  return [{ type: 'progress', message: capText(`running ${unwrapShellCommand(asString(item.command) ?? '')}`) }];
}

function completedItem(item: JsonObject): AgentEvent[] {
  switch (item.type) {
    case 'agent_message': {
      const text = asString(item.text);
      return text && text.trim() !== '' ? [{ type: 'text', text }] : [];
    }
    case 'reasoning':
      return progressFromLine(asString(item.text) ?? '');
    case 'command_execution': {
      // `exec` never asks a person: a command that needed approval comes back declined.
      if (item.status === 'declined') {
        const command = unwrapShellCommand(asString(item.command) ?? '');
        return [
          { type: 'tool', name: 'shell', summary: capText(`${command} (declined)`, 200), isError: true },
          {
            type: 'halt',
            kind: 'permission-denied',
            request: capText(`shell (${command}): the command needed an approval outside the sandbox`, 300),
          },
        ];
      }
      const exitCode = asNumber(item.exit_code);
      const failed = item.status === 'failed' || (exitCode !== undefined && exitCode !== 0);
      const command = unwrapShellCommand(asString(item.command) ?? '');
      return [
        {
          type: 'tool',
          name: 'shell',
          summary: capText(`${command}${failed && exitCode !== undefined ? ` (exit code ${exitCode})` : ''}`, 200),
          // The command alone: a command repeated is the same call whatever it exits with.
          input: toolCallKey(command),
          ...(failed ? { isError: true } : {}),
        },
      ];
    }
    case 'file_change': {
      const changes = asArray(item.changes).map((change) => {
        const object = asObject(change) ?? {};
        return `${asString(object.kind) ?? 'change'} ${asString(object.path) ?? '?'}`;
      });
      return [
        {
          type: 'tool',
          name: 'edit',
          summary: capText(changes.join(', '), 200),
          ...(item.status === 'failed' ? { isError: true } : {}),
        },
      ];
    }
    case 'mcp_tool_call':
      return [
        {
          type: 'tool',
          name: `${asString(item.server) ?? 'mcp'}.${asString(item.tool) ?? 'tool'}`,
          summary: summarizeToolInput(item.arguments),
          ...(item.status === 'failed' ? { isError: true } : {}),
        },
      ];
    case 'web_search':
      return [{ type: 'tool', name: 'web_search', summary: capText(asString(item.query) ?? '', 200) }];
    case 'error':
      return [{ type: 'error', message: capText(asString(item.message) ?? 'unknown error') }];
    default:
      return [];
  }
}

/** OpenAI counts cached input inside input_tokens; wg's input_tokens, like Anthropic's, excludes it. */
function usageEvents(usage: JsonObject): AgentEvent[] {
  const input = asNumber(usage.input_tokens);
  const cached = asNumber(usage.cached_input_tokens) ?? 0;
  const tokens: Usage = {};
  if (input !== undefined) tokens.inputTokens = Math.max(0, input - cached);
  if (cached > 0) tokens.cacheReadTokens = cached;
  const cacheWrite = asNumber(usage.cache_write_input_tokens);
  if (cacheWrite) tokens.cacheWriteTokens = cacheWrite;
  const output = asNumber(usage.output_tokens);
  if (output !== undefined) tokens.outputTokens = output;
  return Object.keys(tokens).length > 0 ? [{ type: 'usage', ...tokens }] : [];
}
