/**
 * The built-in agent's conversation: send the prompt with the offered tools, run every
 * tool call the model makes, return all results in one user message, and go on until
 * the model ends its turn, the turn limit or the token budget. Each response is
 * streamed (long generations would otherwise hit HTTP timeouts). Events go to `emit`
 * as they happen; the verdict is returned.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { AgentEvent } from '../protocol/agent-event.js';
import { toolCallKey } from '../protocol/tool-call-key.js';
import { describeToolCall, runTool, TOOL_DEFINITIONS, type AgentToolName, type ToolContext } from './tools.js';
import { isWgToolCall, runWgToolCall, wgToolDefinitions } from './wg-tools.js';

export interface AgentLoopOptions {
  client: Anthropic;
  model: string;
  prompt: string;
  tools: AgentToolName[];
  /** Also offer the protocol's tools (`wg_log`, ...; see wg-tools.ts). */
  wgTools?: boolean | undefined;
  maxTurns: number;
  maxTokens: number;
  /** Input plus output tokens over the whole session; undefined: no budget. */
  tokenBudget?: number | undefined;
  toolContext: ToolContext;
  /** A refused call: `fail` ends the session at once; `continue` returns the refusal to the model. */
  onRefusal?: 'fail' | 'continue' | undefined;
  /** An earlier session's conversation to continue: the prompt is its next user message. */
  history?: Anthropic.MessageParam[] | undefined;
  /** The conversation so far, after each response and each round of tool results (to continue it later). */
  onMessages?(messages: Anthropic.MessageParam[]): void;
  emit(event: AgentEvent): void;
}

/** The earlier conversation with the prompt as its next user message (joined to a trailing user message, as the API wants turns to alternate). */
export function continueConversation(history: Anthropic.MessageParam[], prompt: string): Anthropic.MessageParam[] {
  const last = history.at(-1);
  if (last?.role !== 'user') return [...history, { role: 'user', content: prompt }];
  const content = typeof last.content === 'string' ? [{ type: 'text' as const, text: last.content }] : last.content;
  return [...history.slice(0, -1), { role: 'user', content: [...content, { type: 'text', text: prompt }] }];
}

export interface AgentVerdict {
  ok: boolean;
  reason?: string;
  turns: number;
  /** The text of the model's last message when it ended its turn: its summary of the work. */
  summary?: string | undefined;
}

function systemPrompt(workdir: string, tools: string[]): string {
  const using =
    tools.length > 0 ? `Use the tools (${tools.join(', ')}) to do the work` : 'You have no tools: answer in text';
  return `You are an autonomous agent working in the folder ${workdir}. ${using}. Every path is relative to that folder and must stay inside it. Nobody will answer questions: decide, act, and finish with a short summary of what you did.`;
}

export async function runAgentLoop(options: AgentLoopOptions): Promise<AgentVerdict> {
  const { client, emit } = options;
  const tools = [
    ...options.tools.map((name) => TOOL_DEFINITIONS[name]),
    ...(options.wgTools ? wgToolDefinitions() : []),
  ];
  const messages: Anthropic.MessageParam[] = options.history
    ? continueConversation(options.history, options.prompt)
    : [{ role: 'user', content: options.prompt }];
  let spent = 0;

  for (let turn = 1; turn <= options.maxTurns; turn++) {
    const stream = client.messages.stream({
      model: options.model,
      max_tokens: options.maxTokens,
      system: systemPrompt(
        options.toolContext.workdir,
        tools.map((tool) => tool.name),
      ),
      messages,
      ...(tools.length > 0 ? { tools } : {}),
    });
    const message = await stream.finalMessage();
    const usage = message.usage;
    emit({
      type: 'usage',
      inputTokens: usage.input_tokens,
      outputTokens: usage.output_tokens,
      ...(usage.cache_read_input_tokens ? { cacheReadTokens: usage.cache_read_input_tokens } : {}),
      ...(usage.cache_creation_input_tokens ? { cacheWriteTokens: usage.cache_creation_input_tokens } : {}),
    });
    spent +=
      usage.input_tokens +
      usage.output_tokens +
      (usage.cache_read_input_tokens ?? 0) +
      (usage.cache_creation_input_tokens ?? 0);
    messages.push({ role: 'assistant', content: message.content as Anthropic.ContentBlockParam[] });
    options.onMessages?.(messages);

    const calls: Anthropic.ToolUseBlock[] = [];
    for (const block of message.content) {
      if (block.type === 'text' && block.text.trim() !== '') emit({ type: 'text', text: block.text });
      if (block.type === 'tool_use') calls.push(block);
    }

    switch (message.stop_reason) {
      case 'tool_use': {
        const results: Anthropic.ToolResultBlockParam[] = [];
        for (const call of calls) {
          emit({
            type: 'tool',
            name: call.name,
            summary: describeToolCall(call.name, call.input),
            input: toolCallKey(call.input),
          });
          const outcome = isWgToolCall(call.name)
            ? await runWgToolCall(call.name, call.input, options.toolContext)
            : await runTool(call.name, call.input, options.toolContext);
          if (outcome.refused) {
            emit({
              type: 'halt',
              kind: 'permission-denied',
              request: outcome.refused.request,
              rule: outcome.refused.rule,
            });
            if ((options.onRefusal ?? 'fail') === 'fail')
              return { ok: false, reason: `permission denied: ${outcome.refused.request}`, turns: turn };
          }
          if (outcome.isError)
            emit({
              type: 'error',
              message: `${call.name}: ${outcome.content.split('\n').slice(0, 3).join(' ').slice(0, 300)}`,
            });
          results.push({
            type: 'tool_result',
            tool_use_id: call.id,
            content: outcome.content,
            is_error: outcome.isError,
          });
        }
        messages.push({ role: 'user', content: results });
        options.onMessages?.(messages);
        if (options.tokenBudget !== undefined && spent >= options.tokenBudget) {
          return {
            ok: false,
            reason: `the built-in agent used up its token budget (${spent} of ${options.tokenBudget} tokens) after ${turn} turns`,
            turns: turn,
          };
        }
        continue;
      }
      case 'pause_turn':
        // The API paused a long turn; sending the conversation back lets it carry on.
        continue;
      case 'max_tokens':
        return {
          ok: false,
          reason: `a response hit the max_tokens limit (${options.maxTokens}); raise max_tokens under [backends.anthropic]`,
          turns: turn,
        };
      case 'refusal':
        return { ok: false, reason: 'the model refused the task', turns: turn };
      default: {
        const text = message.content
          .flatMap((block) => (block.type === 'text' ? [block.text.trim()] : []))
          .filter((part) => part !== '');
        return { ok: true, turns: turn, ...(text.length > 0 ? { summary: text.join('\n\n') } : {}) };
      }
    }
  }
  return {
    ok: false,
    reason: `the built-in agent stopped at its turn limit (${options.maxTurns} turns)`,
    turns: options.maxTurns,
  };
}
