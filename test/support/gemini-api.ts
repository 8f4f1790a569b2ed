/**
 * The scripted model's Gemini API (`@google/genai`, used by Gemini CLI):
 *
 * - `POST /v1beta/models/{model}:streamGenerateContent?alt=sse`: `data:` lines, each a
 *   `GenerateContentResponse` (one candidate whose `content.parts` hold text or a
 *   `functionCall {name, args}`), the last with `finishReason` and `usageMetadata`;
 * - `POST /v1beta/models/{model}:generateContent`: the same response as one JSON body.
 *   Gemini CLI's side requests (next-speaker check, model routing, loop detection) come
 *   this way without tools, asking for JSON in a schema: they get JSON made from it;
 * - `POST /v1beta/models/{model}:countTokens`: a count.
 *
 * Errors are Google's `{error: {code, message, status}}`. The key comes as `x-goog-api-key`.
 */
import type { ServerResponse } from 'node:http';

/** Whether a request path is a Gemini API model method, and which. */
export function geminiMethod(path: string): 'stream' | 'generate' | 'count' | undefined {
  const match = /\/models\/[^/:]+:(streamGenerateContent|generateContent|countTokens)$/.exec(path);
  if (!match) return undefined;
  return match[1] === 'streamGenerateContent' ? 'stream' : match[1] === 'generateContent' ? 'generate' : 'count';
}

/** The tools a Gemini request offers: every function declaration's name. */
export function geminiToolNames(body: any): string[] {
  return (Array.isArray(body.tools) ? body.tools : []).flatMap((tool: any) =>
    Array.isArray(tool?.functionDeclarations) ? tool.functionDeclarations.map((fn: any) => String(fn?.name ?? '')) : [],
  );
}

/** The JSON schema of one declared function's parameters (`parametersJsonSchema`, or the older `parameters`). */
export function geminiToolSchema(body: any, name: string): any {
  for (const tool of Array.isArray(body.tools) ? body.tools : [])
    for (const fn of Array.isArray(tool?.functionDeclarations) ? tool.functionDeclarations : [])
      if (fn?.name === name) return fn.parametersJsonSchema ?? fn.parameters;
  return undefined;
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

export function sendGeminiError(
  response: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
  details?: unknown[],
): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
  response.end(
    JSON.stringify({
      error: { code: status, message, status: STATUS_NAMES[status] ?? 'UNKNOWN', ...(details ? { details } : {}) },
    }),
  );
}

/** A value that fits a (Gemini or JSON) schema: the first enum value, empty strings, zeros, false. */
export function valueForSchema(schema: any): unknown {
  const type = String(schema?.type ?? (schema?.properties ? 'object' : 'string')).toLowerCase();
  if (Array.isArray(schema?.enum) && schema.enum.length > 0) return schema.enum[0];
  switch (type) {
    case 'object':
      return Object.fromEntries(
        Object.entries(schema?.properties ?? {}).map(([key, value]) => [key, valueForSchema(value)]),
      );
    case 'array':
      return [];
    case 'number':
    case 'integer':
      return 0;
    case 'boolean':
      return false;
    default:
      return '';
  }
}

export type GeminiReply = { tool: string; input: Record<string, unknown> } | { text: string } | { streamError: string };

export function sendGemini(
  response: ServerResponse,
  method: 'stream' | 'generate' | 'count',
  body: any,
  reply: GeminiReply,
  usage: { input: number; output: number },
  responseId: string,
): void {
  if (method === 'count') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ totalTokens: usage.input }));
    return;
  }
  // A side request that asks for JSON in a schema gets JSON from that schema instead of prose.
  const config = body?.generationConfig ?? {};
  const schema = config.responseJsonSchema ?? config.responseSchema;
  const part =
    'tool' in reply
      ? { functionCall: { name: reply.tool, args: reply.input } }
      : { text: 'text' in reply && schema === undefined ? reply.text : JSON.stringify(valueForSchema(schema)) };
  const final = {
    candidates: [{ content: { role: 'model', parts: [part] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: {
      promptTokenCount: usage.input,
      candidatesTokenCount: usage.output,
      totalTokenCount: usage.input + usage.output,
    },
    modelVersion: typeof body?.model === 'string' ? body.model : 'scripted-model',
    responseId,
  };
  if (method === 'generate') {
    if ('streamError' in reply) return sendGeminiError(response, 500, reply.streamError);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(final));
    return;
  }
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  if ('streamError' in reply) {
    // The SDK throws on a chunk that carries an `error`.
    response.write(
      `data: ${JSON.stringify({ error: { code: 500, message: reply.streamError, status: 'INTERNAL' } })}\n\n`,
    );
    response.end();
    return;
  }
  response.write(`data: ${JSON.stringify(final)}\n\n`);
  response.end();
}
