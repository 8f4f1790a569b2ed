/**
 * Claude Code's `--output-format stream-json` lines as normalized events. Unknown line
 * types are ignored (the CLI adds new ones often). Tokens and cost come from the final
 * `result` line only, which totals the whole session; the per-message usage on
 * `assistant` lines would count the same tokens twice. The result's text (its `result`
 * field) is the agent's final message, passed on as its summary.
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
import { bashRuleFor, ruleForCall } from '../protocol/tool-rules.js';
import type { AgentEvent, OutputParser, Stream, Usage } from './types.js';

/**
 * How Claude Code 2.1 words a tool call that its permissions refused (print mode never
 * asks a person): "This command requires approval", "... contains multiple operations. The
 * following part requires approval: ...", "... shell operators that require approval ...",
 * "cd in '/tmp' was blocked", "Claude requested permissions to write to X, but you
 * haven't granted it yet." Other failed calls (`<tool_use_error>`, a non-zero exit) are
 * not refusals.
 */
const PERMISSION_REFUSED = /requires? approval|haven't granted it yet|was blocked/i;

/** What Claude Code says when it has no usable credentials ("Not logged in · Please run /login", "Invalid API key"). */
const NEEDS_LOGIN = /not logged in|please run \/login|invalid api key/i;

/** What Claude Code prints on stderr when `--resume` names a session it does not have. */
const RESUME_FAILED = /No conversation found with session ID|--resume requires a valid session/i;

export function claudeStreamParser(): OutputParser {
  const toolNames = new Map<string, ToolCall>();
  let sawResult = false;
  let resumeFailure: string | undefined;
  let lastStderr: string | undefined;
  /** From the `init` line: the model Claude Code runs, named or its own default (the result line does not say). */
  let model: string | undefined;
  /** Refused calls already reported as halts: the result's permission_denials repeat them. */
  let refusals = 0;

  const stdoutLine = (object: JsonObject): AgentEvent[] => {
    switch (object.type) {
      case 'system':
        if (object.subtype === 'init') model = asString(object.model) ?? model;
        return systemEvents(object);
      case 'assistant':
        return assistantEvents(object, toolNames);
      case 'user': {
        const events = toolResultErrors(object, toolNames);
        refusals += events.filter((event) => event.type === 'halt' && event.kind === 'permission-denied').length;
        return events;
      }
      case 'rate_limit_event':
        return rateLimitEvents(object);
      case 'result':
        sawResult = true;
        return resultEvents(object, resumeFailure, model, refusals);
      default:
        return [];
    }
  };

  return {
    line(text: string, stream: Stream): AgentEvent[] {
      if (stream === 'stderr') {
        if (text.trim() !== '') lastStderr = text.trim();
        if (RESUME_FAILED.test(text)) resumeFailure = text.trim();
        return progressFromLine(text);
      }
      const object = parseJsonObject(text);
      return object ? stdoutLine(object) : progressFromLine(text);
    },
    end(): AgentEvent[] {
      if (sawResult) return [];
      const reason = resumeFailure
        ? resumeReason(resumeFailure)
        : `Claude Code ended without a result${lastStderr ? `: ${capText(lastStderr, 300)}` : ''}`;
      return [{ type: 'result', ok: false, reason }];
    },
  };
}

function resumeReason(message: string): string {
  return `could not resume the previous step's Claude Code session (${capText(message, 200)}); a retry starts a fresh session`;
}

function systemEvents(object: JsonObject): AgentEvent[] {
  if (object.subtype === 'init') {
    const version = asString(object.claude_code_version);
    const model = asString(object.model);
    return [
      {
        type: 'progress',
        message: `Claude Code${version ? ` ${version}` : ''} started${model ? ` with model ${model}` : ''}, session ${asString(object.session_id) ?? '?'}`,
      },
    ];
  }
  if (object.subtype === 'api_retry') {
    const status = asNumber(object.error_status);
    // A refused key is retried ten times over minutes by default; no retry can fix it.
    if (status === 401 || object.error === 'authentication_failed')
      return [
        {
          type: 'halt',
          kind: 'input-required',
          request: `a login or a valid API key for Claude Code (the model API answered HTTP ${status ?? 401})`,
        },
      ];
    const delay = asNumber(object.retry_delay_ms);
    const what = [status !== undefined ? `HTTP ${status}` : undefined, asString(object.error)]
      .filter(Boolean)
      .join(' ');
    return [
      {
        type: 'error',
        message: `model API request failed (${what || 'unknown error'}); retry ${asNumber(object.attempt) ?? '?'} of ${asNumber(object.max_retries) ?? '?'}${delay !== undefined ? ` in ${Math.round(delay)}ms` : ''}`,
      },
    ];
  }
  return [];
}

interface ToolCall {
  name: string;
  summary: string;
  /** The task `tools` rule that would allow this call, should it be refused. */
  rule?: string | undefined;
}

function assistantEvents(object: JsonObject, toolNames: Map<string, ToolCall>): AgentEvent[] {
  const events: AgentEvent[] = [];
  for (const block of asArray(asObject(object.message)?.content)) {
    const item = asObject(block);
    if (item?.type === 'text' && typeof item.text === 'string' && item.text.trim() !== '') {
      events.push({ type: 'text', text: item.text });
    } else if (item?.type === 'tool_use') {
      const name = asString(item.name) ?? 'tool';
      const id = asString(item.id);
      const summary = summarizeToolInput(item.input);
      if (id) toolNames.set(id, { name, summary, rule: ruleForCall(name, item.input) });
      events.push({ type: 'tool', name, summary });
      // Its own ask-the-user tool: nobody answers in print mode, so the attempt ends as a question for a person.
      if (name === ASK_USER_TOOL) events.push({ type: 'halt', kind: 'input-required', request: askedText(item.input) });
    }
  }
  return events;
}

/** Claude Code's tool for asking the user a question (with options to choose from). */
const ASK_USER_TOOL = 'AskUserQuestion';

/** The questions of an AskUserQuestion call, each with its options: `question (a / b)`, one a line. */
function askedText(input: unknown): string {
  const questions = asArray(asObject(input)?.questions)
    .map((entry) => {
      const question = asObject(entry);
      const text = asString(question?.question)?.trim();
      if (!text) return undefined;
      const options = asArray(question?.options)
        .map((option) => asString(asObject(option)?.label) ?? asString(option))
        .filter((label): label is string => Boolean(label));
      return options.length > 0 ? `${text} (${options.join(' / ')})` : text;
    })
    .filter((line): line is string => line !== undefined);
  return capText(questions.join('\n') || `Claude Code asked the user: ${summarizeToolInput(input)}`, 2_000);
}

/**
 * Tool results come back on `user` lines; only the failed ones are worth an event (the
 * call itself was one already). A call its permissions refused also halts the attempt:
 * the agent cannot do what it set out to, and nobody is there to approve it.
 */
function toolResultErrors(object: JsonObject, toolNames: Map<string, ToolCall>): AgentEvent[] {
  const events: AgentEvent[] = [];
  for (const block of asArray(asObject(object.message)?.content)) {
    const item = asObject(block);
    if (item?.type !== 'tool_result' || item.is_error !== true) continue;
    const call = toolNames.get(asString(item.tool_use_id) ?? '');
    const text = contentText(item.content);
    events.push({ type: 'error', message: capText(`${call?.name ?? 'a tool'} failed: ${text}`) });
    if (PERMISSION_REFUSED.test(text))
      events.push({
        type: 'halt',
        kind: 'permission-denied',
        request: capText(`${call ? `${call.name} (${call.summary})` : 'a tool call'}: ${text}`, 300),
        rule: refusedRule(call, text),
      });
  }
  return events;
}

/** The rule that would allow a refused call: for one part of a compound command, the part Claude Code names. */
function refusedRule(call: ToolCall | undefined, text: string): string | undefined {
  const part = /following parts? requires? approval:\s*(.+)/i.exec(text)?.[1]?.split('\n')[0]?.trim();
  if (part && call?.name === 'Bash') return bashRuleFor(part);
  return call?.rule;
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content.trim();
  return asArray(content)
    .map((part) => asString(asObject(part)?.text) ?? '')
    .join(' ')
    .trim();
}

function rateLimitEvents(object: JsonObject): AgentEvent[] {
  const info = asObject(object.rate_limit_info) ?? {};
  const status = asString(info.status) ?? 'unknown';
  const kind = asString(info.rateLimitType);
  const resets = asNumber(info.resetsAt);
  const until = resets !== undefined ? ` until ${new Date(resets * 1000).toISOString()}` : '';
  const message = `rate limit ${status}${kind ? ` (${kind})` : ''}${until}`;
  if (status !== 'rejected') return [{ type: 'progress', message }];
  return [
    { type: 'error', message },
    {
      type: 'halt',
      kind: 'rate-limited',
      request: `Claude Code's ${kind ?? 'usage'} limit was reached`,
      resetAt: resets !== undefined ? new Date(resets * 1000).toISOString() : undefined,
    },
  ];
}

/** The model that cost most in the result's `modelUsage` (Claude Code also calls a small model on the side). */
function mainModel(object: JsonObject): string | undefined {
  const byModel = asObject(object.modelUsage);
  if (!byModel) return undefined;
  const cost = (name: string) => asNumber(asObject(byModel[name])?.costUSD) ?? 0;
  return Object.keys(byModel).sort((a, b) => cost(b) - cost(a))[0];
}

function resultEvents(
  object: JsonObject,
  resumeFailure: string | undefined,
  initModel: string | undefined,
  reportedRefusals: number,
): AgentEvent[] {
  const events: AgentEvent[] = [];
  const usage = asObject(object.usage) ?? {};
  const tokens: Usage = {};
  const set = (key: keyof Usage, value: number | undefined) => {
    if (value !== undefined) tokens[key] = value;
  };
  set('inputTokens', asNumber(usage.input_tokens));
  set('outputTokens', asNumber(usage.output_tokens));
  set('cacheReadTokens', asNumber(usage.cache_read_input_tokens));
  set('cacheWriteTokens', asNumber(usage.cache_creation_input_tokens));
  set('costUsd', asNumber(object.total_cost_usd));
  const model = initModel ?? mainModel(object);
  if (Object.keys(tokens).length > 0) events.push({ type: 'usage', ...tokens, ...(model ? { model } : {}) });

  const reason = resumeFailure ? resumeReason(resumeFailure) : failureReason(object, reportedRefusals);
  if (object.subtype === 'error_max_budget_usd')
    events.push({
      type: 'halt',
      kind: 'budget-exhausted',
      request: reason ?? 'Claude Code stopped at its budget limit',
    });
  const text = asString(object.result) ?? '';
  const status = asNumber(object.api_error_status);
  // 429 (rate limit) and 529 (overloaded) outlast Claude Code's own retries: wait, do not fail the task.
  if (object.is_error === true && (status === 429 || status === 529))
    events.push({
      type: 'halt',
      kind: 'rate-limited',
      request: `the model API answered HTTP ${status}${text ? `: ${capText(text, 200)}` : ''}`,
    });
  if (object.is_error === true && NEEDS_LOGIN.test(text))
    events.push({
      type: 'halt',
      kind: 'input-required',
      request: `a login or an API key for Claude Code (${capText(text, 200)})`,
    });
  const sessionId = asString(object.session_id);
  // On success the result's text is the agent's final message: its summary for the tasks downstream.
  if (!reason && text.trim() !== '') events.push({ type: 'summary', text });
  const result: AgentEvent = reason ? { type: 'result', ok: false, reason } : { type: 'result', ok: true };
  // A session that could not be resumed must not be offered to the next step again.
  if (sessionId && !resumeFailure) result.sessionId = sessionId;
  events.push(result);
  return events;
}

/**
 * Why a `result` line means failure, or undefined when it is a success. Refused calls
 * fail it only beyond the `reportedRefusals` already reported as they happened: those the
 * runner has dealt with (stopped the agent, or let it go on under on_permission_denied).
 */
export function failureReason(result: JsonObject, reportedRefusals = 0): string | undefined {
  const subtype = asString(result.subtype) ?? 'unknown';
  const turns = asNumber(result.num_turns);
  const text = asString(result.result)?.trim();
  if (subtype === 'error_max_turns')
    return `Claude Code stopped at its turn limit${turns !== undefined ? ` after ${turns} turns` : ''}`;
  if (subtype === 'error_max_budget_usd')
    return `Claude Code stopped at its budget limit${asNumber(result.total_cost_usd) !== undefined ? ` ($${asNumber(result.total_cost_usd)} spent)` : ''}`;
  if (result.is_error === true || subtype !== 'success') {
    const status = asNumber(result.api_error_status);
    const detail = text ? `: ${capText(text, 300)}` : '';
    if (status !== undefined) return `Claude Code failed on a model API error (HTTP ${status})${detail}`;
    return `Claude Code reported an error (${subtype})${detail}`;
  }
  const denials = asArray(result.permission_denials)
    .map(asObject)
    .filter((denial): denial is JsonObject => denial !== undefined);
  if (denials.length > reportedRefusals) {
    const calls = denials.map(
      (denial) => `${asString(denial.tool_name) ?? 'a tool'} (${summarizeToolInput(denial.tool_input, 80)})`,
    );
    return capText(
      `Claude Code was denied permission for ${calls.join(', ')}; allow it in the task's tools or [backends.claude] allowed_tools`,
    );
  }
  return undefined;
}
