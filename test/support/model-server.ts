/**
 * A scripted model server on 127.0.0.1 for tests against the real agent programs. It
 * speaks just enough of four wire protocols:
 *
 * - Anthropic Messages (`POST /v1/messages`, SSE when `"stream": true`), used by the
 *   `claude` CLI and by @anthropic-ai/sdk (which sends `authorization: Bearer`, the CLI
 *   sends `x-api-key`: both are accepted);
 * - OpenAI Responses (`POST /v1/responses`, SSE), used by the `codex` CLI;
 * - OpenAI Chat Completions (`POST /v1/chat/completions`, SSE when `"stream": true`, tool
 *   calls as `delta.tool_calls`), used by opencode, Copilot (BYOK) and Qwen Code;
 * - the Gemini API (`POST /v1beta/models/{model}:streamGenerateContent?alt=sse`, function
 *   calls in `parts`), used by Gemini CLI: see gemini-api.ts.
 *
 * Each protocol has its own queue of scripted replies; every agent-loop request takes
 * the next one. A request that offers no tools is a side request of the program (a
 * title, a topic check) and gets a short text reply without using up the script.
 * When the queue is empty the server ends the conversation with a plain text reply.
 * With `followProtocol`, replies are not queued but derived from the wg prompt in the
 * conversation, step by step, as a model doing what it is told would.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { geminiMethod, geminiToolNames, sendGemini, sendGeminiError } from './gemini-api.js';
import { followProtocol } from './protocol-follower.js';

export type ScriptedReply =
  /** The model calls a tool. */
  (
    | { tool: string; input: Record<string, unknown>; namespace?: string }
    /** The model answers with text and ends its turn. */
    | { text: string }
    /** The request fails with this HTTP status (and an API error body naming `message`), with these response headers. */
    | {
        status: number;
        message?: string;
        headers?: Record<string, string>;
        /** Gemini API only: the error's `details` (a QuotaFailure, a RetryInfo). */
        details?: unknown[];
      }
    /** The stream starts and then reports an error (Anthropic: an `error` event; OpenAI: `response.failed`). */
    | { streamError: string }
  ) & {
    /** Answer only after this long: a model that is slow to reply (the agent may be stopped meanwhile). */
    delayMs?: number;
  };

export interface RecordedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
  /** Whether it took a scripted reply (false for side requests and unknown paths). */
  scripted: boolean;
  /** When its answer was sent (ms since the epoch). */
  answeredAt?: number;
}

export type Api = 'anthropic' | 'openai' | 'chat' | 'gemini';

export interface ModelServer {
  /** `http://127.0.0.1:PORT` (no trailing slash, no /v1). */
  url: string;
  requests: RecordedRequest[];
  /** What the protocol follower could not make sense of (it then answered with text). */
  followerErrors: string[];
  /** Agent-loop requests of one protocol, in order. */
  scripted(api: Api): RecordedRequest[];
  close(): Promise<void>;
}

export interface ModelServerScript {
  anthropic?: ScriptedReply[];
  openai?: ScriptedReply[];
  chat?: ScriptedReply[];
  gemini?: ScriptedReply[];
  /** Tokens reported for every reply. */
  usage?: { input: number; output: number };
  /** Instead of the queues, answer every agent-loop request by following the wg prompt it carries (see protocol-follower.ts). */
  followProtocol?: boolean;
}

const FINAL_TEXT = 'All done.';

export async function startModelServer(script: ModelServerScript): Promise<ModelServer> {
  const queues = {
    anthropic: [...(script.anthropic ?? [])],
    openai: [...(script.openai ?? [])],
    chat: [...(script.chat ?? [])],
    gemini: [...(script.gemini ?? [])],
  };
  const usage = script.usage ?? { input: 100, output: 20 };
  const requests: RecordedRequest[] = [];
  const followerErrors: string[] = [];
  const pending = new Set<NodeJS.Timeout>();
  const follow = (api: Api, body: any): ScriptedReply => {
    try {
      return followProtocol(api, body);
    } catch (error) {
      followerErrors.push((error as Error).message);
      return { text: `I cannot follow this prompt: ${(error as Error).message}` };
    }
  };
  let counter = 0;
  const nextId = (prefix: string) => `${prefix}_${String(++counter).padStart(6, '0')}`;

  const server = createServer((request, response) => {
    let raw = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (raw += chunk));
    request.on('end', () => {
      const path = (request.url ?? '/').split('?')[0]!;
      let body: any = {};
      try {
        body = raw === '' ? {} : JSON.parse(raw);
      } catch {
        body = { unparsed: raw };
      }
      const recorded: RecordedRequest = { path, headers: request.headers, body, scripted: false };
      requests.push(recorded);
      const gemini = geminiMethod(path);
      const api: Api | undefined = apiOf(path);
      if (request.method !== 'POST' || api === undefined)
        return sendJson(response, 404, { error: { message: `not scripted: ${request.method} ${path}` } });
      if (!hasKey(request)) return sendApiError(response, api, 401, 'no API key was sent');
      // Gemini's tools are `functionDeclarations` inside `tools` entries; a token count is never an agent-loop request.
      const offersTools =
        api === 'gemini'
          ? gemini !== 'count' && geminiToolNames(body).length > 0
          : Array.isArray(body.tools) && body.tools.length > 0;
      let reply: ScriptedReply = { text: FINAL_TEXT };
      if (offersTools) {
        recorded.scripted = true;
        reply = script.followProtocol ? follow(api, body) : (queues[api].shift() ?? { text: FINAL_TEXT });
      }
      const answer = (reply: ScriptedReply) => {
        recorded.answeredAt = Date.now();
        if ('status' in reply)
          return sendApiError(
            response,
            api,
            reply.status,
            reply.message ?? `scripted HTTP ${reply.status}`,
            reply.headers,
            reply.details,
          );
        if (api === 'anthropic') return sendAnthropic(response, body, reply, usage, nextId);
        if (api === 'chat') return sendChat(response, body, reply, usage, nextId);
        if (api === 'gemini') return sendGemini(response, gemini!, body, reply, usage, nextId('resp'));
        return sendOpenAi(response, body, reply, usage, nextId);
      };
      if (reply.delayMs === undefined) return answer(reply);
      const timer = setTimeout(() => {
        pending.delete(timer);
        if (!response.destroyed) answer(reply);
      }, reply.delayMs);
      pending.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    followerErrors,
    scripted: (api) => requests.filter((request) => request.scripted && apiOf(request.path) === api),
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of pending) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function apiOf(path: string): Api | undefined {
  if (path.endsWith('/messages')) return 'anthropic';
  if (path.endsWith('/responses')) return 'openai';
  if (path.endsWith('/chat/completions')) return 'chat';
  return geminiMethod(path) ? 'gemini' : undefined;
}

function hasKey(request: IncomingMessage): boolean {
  const bearer = request.headers.authorization;
  return (
    Boolean(request.headers['x-api-key']) ||
    Boolean(request.headers['x-goog-api-key']) ||
    (typeof bearer === 'string' && bearer.startsWith('Bearer ') && bearer.length > 'Bearer '.length)
  );
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

function sendApiError(
  response: ServerResponse,
  api: Api,
  status: number,
  message: string,
  headers: Record<string, string> = {},
  details?: unknown[],
): void {
  if (api === 'gemini') return sendGeminiError(response, status, message, headers, details);
  if (api === 'anthropic') {
    const type =
      status === 401
        ? 'authentication_error'
        : status === 429
          ? 'rate_limit_error'
          : status >= 500
            ? 'api_error'
            : 'invalid_request_error';
    return sendJson(response, status, { type: 'error', error: { type, message } }, headers);
  }
  const code =
    status === 401
      ? 'invalid_api_key'
      : status === 429
        ? 'rate_limit_exceeded'
        : status >= 500
          ? 'server_error'
          : 'invalid_request_error';
  return sendJson(response, status, { error: { type: code, code, message, param: null } }, headers);
}

function startSse(response: ServerResponse): (event: string, data: unknown) => void {
  response.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  return (event, data) => response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

type Usage = { input: number; output: number };
type Reply = Exclude<ScriptedReply, { status: number }>;

function sendAnthropic(
  response: ServerResponse,
  body: any,
  reply: Reply,
  usage: Usage,
  nextId: (prefix: string) => string,
): void {
  const model = typeof body.model === 'string' ? body.model : 'scripted-model';
  const block =
    'tool' in reply
      ? { type: 'tool_use', id: nextId('toolu'), name: reply.tool, input: reply.input }
      : { type: 'text', text: 'text' in reply ? reply.text : '' };
  const stopReason = 'tool' in reply ? 'tool_use' : 'end_turn';
  const message = {
    id: nextId('msg'),
    type: 'message',
    role: 'assistant',
    model,
    content: [] as unknown[],
    stop_reason: null as string | null,
    stop_sequence: null,
    usage: { input_tokens: usage.input, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  };
  if (body.stream !== true) {
    if ('streamError' in reply) return sendApiError(response, 'anthropic', 500, reply.streamError);
    return sendJson(response, 200, {
      ...message,
      content: [block],
      stop_reason: stopReason,
      usage: { ...message.usage, output_tokens: usage.output },
    });
  }
  const send = startSse(response);
  send('message_start', { type: 'message_start', message });
  if ('streamError' in reply) {
    send('error', { type: 'error', error: { type: 'overloaded_error', message: reply.streamError } });
    response.end();
    return;
  }
  if (block.type === 'tool_use') {
    send('content_block_start', { type: 'content_block_start', index: 0, content_block: { ...block, input: {} } });
    send('content_block_delta', {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'input_json_delta', partial_json: JSON.stringify((block as { input: unknown }).input) },
    });
  } else {
    send('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    send('content_block_delta', {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: (block as { text: string }).text },
    });
  }
  send('content_block_stop', { type: 'content_block_stop', index: 0 });
  send('message_delta', {
    type: 'message_delta',
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: usage.output },
  });
  send('message_stop', { type: 'message_stop' });
  response.end();
}

function sendOpenAi(
  response: ServerResponse,
  body: any,
  reply: Reply,
  usage: Usage,
  nextId: (prefix: string) => string,
): void {
  const model = typeof body.model === 'string' ? body.model : 'scripted-model';
  const id = nextId('resp');
  const base = {
    id,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    model,
    status: 'in_progress',
    output: [] as unknown[],
  };
  const send = startSse(response);
  let sequence = 0;
  const emit = (type: string, data: Record<string, unknown>) =>
    send(type, { type, sequence_number: sequence++, ...data });
  emit('response.created', { response: base });
  if ('streamError' in reply) {
    emit('response.failed', {
      response: { ...base, status: 'failed', error: { code: 'invalid_prompt', message: reply.streamError } },
    });
    response.end();
    return;
  }
  const item =
    'tool' in reply
      ? {
          type: 'function_call',
          id: nextId('fc'),
          call_id: nextId('call'),
          name: reply.tool,
          // A function of a Responses `namespace` tool (Codex offers an MCP server's tools so).
          ...(reply.namespace ? { namespace: reply.namespace } : {}),
          arguments: JSON.stringify(reply.input),
          status: 'completed',
        }
      : {
          type: 'message',
          id: nextId('msg'),
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: reply.text, annotations: [] }],
        };
  emit('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress' } });
  if (item.type === 'message') {
    const text = (reply as { text: string }).text;
    emit('response.output_text.delta', { item_id: item.id, output_index: 0, content_index: 0, delta: text });
    emit('response.output_text.done', { item_id: item.id, output_index: 0, content_index: 0, text });
  }
  emit('response.output_item.done', { output_index: 0, item });
  emit('response.completed', {
    response: {
      ...base,
      status: 'completed',
      output: [item],
      usage: {
        input_tokens: usage.input,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: usage.output,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: usage.input + usage.output,
      },
    },
  });
  response.end();
}

/** OpenAI Chat Completions: one choice; streamed as `chat.completion.chunk`s ending in `[DONE]`, usage last when asked for. */
function sendChat(
  response: ServerResponse,
  body: any,
  reply: Reply,
  usage: Usage,
  nextId: (prefix: string) => string,
): void {
  const model = typeof body.model === 'string' ? body.model : 'scripted-model';
  const id = nextId('chatcmpl');
  const created = Math.floor(Date.now() / 1000);
  const toolCall =
    'tool' in reply
      ? { id: nextId('call'), type: 'function', function: { name: reply.tool, arguments: JSON.stringify(reply.input) } }
      : undefined;
  const text = 'text' in reply ? reply.text : '';
  const finish = toolCall ? 'tool_calls' : 'stop';
  const tokens = {
    prompt_tokens: usage.input,
    completion_tokens: usage.output,
    total_tokens: usage.input + usage.output,
  };
  if (body.stream !== true) {
    if ('streamError' in reply) return sendApiError(response, 'chat', 500, reply.streamError);
    return sendJson(response, 200, {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: toolCall ? null : text,
            ...(toolCall ? { tool_calls: [toolCall] } : {}),
          },
          finish_reason: finish,
        },
      ],
      usage: tokens,
    });
  }
  response.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    response.write(
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })}\n\n`,
    );
  if ('streamError' in reply) {
    response.write(`data: ${JSON.stringify({ error: { message: reply.streamError, type: 'server_error' } })}\n\n`);
    response.end();
    return;
  }
  chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
  if (toolCall) chunk([{ index: 0, delta: { tool_calls: [{ index: 0, ...toolCall }] }, finish_reason: null }]);
  else chunk([{ index: 0, delta: { content: text }, finish_reason: null }]);
  chunk([{ index: 0, delta: {}, finish_reason: finish }]);
  if (body.stream_options?.include_usage) chunk([], { usage: tokens });
  response.write('data: [DONE]\n\n');
  response.end();
}
