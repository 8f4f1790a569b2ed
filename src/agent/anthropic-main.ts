/**
 * The built-in agent as a process (`wg agent-anthropic`): read the prompt, run the tool
 * loop against the Messages API, and print every event as one JSON line on stdout for
 * the `anthropic` backend's parser. Imported only by that hidden command, so no other
 * command pays for loading the SDK.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import Anthropic, { APIConnectionError, APIError, AuthenticationError, PermissionDeniedError } from '@anthropic-ai/sdk';
import type { AgentEvent } from '../protocol/agent-event.js';
import { killRunningCommands } from './bash.js';
import { runAgentLoop } from './loop.js';
import type { AgentToolName } from '../protocol/tool-names.js';

export interface AnthropicAgentOptions {
  promptFile: string;
  workdir: string;
  model: string;
  tools: AgentToolName[];
  /** Also offer the protocol's own tools (`wg_log`, ...), bound to the task in WG_TASK_ID. */
  wgTools?: boolean | undefined;
  maxTurns: number;
  maxTokens: number;
  tokenBudget?: number | undefined;
  bashTimeoutMs: number;
  /** Undefined: ANTHROPIC_BASE_URL, else the SDK's default endpoint. */
  baseURL?: string | undefined;
  /** Retries of one request on connection errors, 408, 409, 429 and 5xx (the SDK backs off between them). */
  maxRetries: number;
  /** Only bash commands these rules allow run (see backends/tool-rules.ts); undefined: any. */
  allowBash?: string[] | undefined;
  /** A refused call ends the session (`fail`) or is returned to the model (`continue`). */
  onPermissionDenied?: 'fail' | 'continue' | undefined;
  /** Where this session's conversation is kept: its path is the session's id, for the next attempt or step to continue. */
  sessionFile?: string | undefined;
  /** bwrap's options (ending with `--`): each bash command runs in that sandbox. Undefined: none. */
  sandbox?: string[] | undefined;
  /** An earlier session's file to continue from. */
  resumeFrom?: string | undefined;
}

/** An earlier session's conversation, or why it cannot be continued. */
function loadSession(path: string): Anthropic.MessageParam[] | string {
  try {
    const messages = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (!Array.isArray(messages) || messages.length === 0) return 'it holds no conversation';
    return messages as Anthropic.MessageParam[];
  } catch (error) {
    return (error as Error).message;
  }
}

/** The API's own message from an error body, without the SDK's status prefix and JSON. */
function apiMessage(error: APIError): string {
  const body = error.error as { error?: { message?: unknown } } | undefined;
  const message = body?.error?.message;
  return typeof message === 'string' ? message : error.message;
}

export function failureReason(
  error: unknown,
  options: Pick<AnthropicAgentOptions, 'maxRetries'>,
  baseURL: string,
): string {
  if (error instanceof AuthenticationError)
    return `the Anthropic API rejected the API key (HTTP 401: ${apiMessage(error)}); check ANTHROPIC_API_KEY`;
  if (error instanceof PermissionDeniedError)
    return `the Anthropic API refused access (HTTP 403: ${apiMessage(error)}); check the key's permissions`;
  if (error instanceof APIConnectionError)
    return `could not reach the Anthropic API at ${baseURL} after ${options.maxRetries} retries: ${error.message}`;
  if (error instanceof APIError) {
    const status = error.status;
    if (status === undefined) return `the Anthropic API stream failed: ${apiMessage(error)}`;
    if (status === 429 || status >= 500)
      return `the Anthropic API failed with HTTP ${status} after ${options.maxRetries} retries: ${apiMessage(error)}`;
    return `the Anthropic API refused the request (HTTP ${status}): ${apiMessage(error)}`;
  }
  return `the built-in agent failed: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * When a rate limit lifts, from the response's headers: `retry-after` (seconds), else the
 * latest `anthropic-ratelimit-*-reset` (RFC 3339). Undefined when the API said neither.
 */
export function rateLimitReset(headers: Headers | undefined, now = Date.now()): string | undefined {
  const after = Number(headers?.get('retry-after'));
  if (headers?.get('retry-after') && Number.isFinite(after)) return new Date(now + after * 1000).toISOString();
  const resets = ['requests', 'tokens', 'input-tokens', 'output-tokens']
    .map((kind) => Date.parse(headers?.get(`anthropic-ratelimit-${kind}-reset`) ?? ''))
    .filter((time) => Number.isFinite(time));
  return resets.length > 0 ? new Date(Math.max(...resets)).toISOString() : undefined;
}

/** The agent's own key stays with the agent: its bash tool's commands run without it. */
export function withoutCredentials(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { ANTHROPIC_API_KEY: _key, ANTHROPIC_AUTH_TOKEN: _token, ...rest } = env;
  return rest;
}

/** Runs the agent; resolves to the process's exit code. */
export async function runAnthropicAgent(
  options: AnthropicAgentOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const emit = (event: AgentEvent) => process.stdout.write(`${JSON.stringify(event)}\n`);
  const apiKey = env.ANTHROPIC_API_KEY;
  if (!apiKey) {
    emit({ type: 'result', ok: false, reason: 'ANTHROPIC_API_KEY is not set: the built-in agent needs an API key' });
    return 1;
  }
  const baseURL = options.baseURL ?? env.ANTHROPIC_BASE_URL ?? 'https://api.anthropic.com';
  // The runner stops an agent by signalling its process group; bash calls run in groups of their own.
  // `on`, not `once`: the runner's signal often comes twice (to the group, and down the tree), and
  // with no listener left the second would take the default action before the commands were killed.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      killRunningCommands();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
  try {
    const prompt = readFileSync(options.promptFile, 'utf8');
    const client = new Anthropic({ apiKey, baseURL, maxRetries: options.maxRetries });
    emit({
      type: 'progress',
      message: `built-in agent started with model ${options.model}, tools: ${[...options.tools, ...(options.wgTools ? ["wg's protocol tools"] : [])].join(', ') || 'none'}`,
    });
    let history: Anthropic.MessageParam[] | undefined;
    if (options.resumeFrom) {
      const loaded = loadSession(options.resumeFrom);
      if (typeof loaded === 'string')
        emit({
          type: 'progress',
          message: `could not continue the session in ${options.resumeFrom} (${loaded}): a new one starts`,
        });
      else {
        history = loaded;
        emit({
          type: 'progress',
          message: `continues the session in ${options.resumeFrom} (${loaded.length} messages)`,
        });
      }
    }
    const sessionFile = options.sessionFile;
    const save = sessionFile
      ? (messages: Anthropic.MessageParam[]) => writeFileSync(sessionFile, JSON.stringify(messages))
      : undefined;
    const verdict = await runAgentLoop({
      client,
      model: options.model,
      prompt,
      tools: options.tools,
      wgTools: options.wgTools,
      maxTurns: options.maxTurns,
      maxTokens: options.maxTokens,
      tokenBudget: options.tokenBudget,
      toolContext: {
        workdir: options.workdir,
        bashTimeoutMs: options.bashTimeoutMs,
        env: withoutCredentials(env),
        bashRules: options.allowBash,
        sandbox: options.sandbox,
      },
      onRefusal: options.onPermissionDenied,
      history,
      onMessages: save,
      emit,
    });
    if (verdict.summary) emit({ type: 'summary', text: verdict.summary });
    const session = sessionFile ? { sessionId: sessionFile } : {};
    emit(
      verdict.ok
        ? { type: 'result', ok: true, ...session }
        : { type: 'result', ok: false, reason: verdict.reason ?? 'the built-in agent failed', ...session },
    );
    return verdict.ok ? 0 : 1;
  } catch (error) {
    const reason = failureReason(error, options, baseURL);
    // A rejected key needs a person, not a retry.
    if (error instanceof AuthenticationError)
      emit({ type: 'halt', kind: 'input-required', request: `a valid API key (${reason})` });
    // 429 and 529 outlasted the SDK's retries: a limit to wait out, not the task's failure.
    if (error instanceof APIError && (error.status === 429 || error.status === 529)) {
      emit({
        type: 'halt',
        kind: 'rate-limited',
        request: reason,
        resetAt: rateLimitReset(error.headers as Headers | undefined),
      });
    }
    emit({ type: 'result', ok: false, reason });
    return 1;
  }
}
