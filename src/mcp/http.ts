/**
 * wg's MCP server (server.ts) over Streamable HTTP, for agents that take only http MCP
 * servers (GitHub Copilot CLI refuses stdio ones in ACP's `session/new`). It runs inside
 * the process that starts the agent, on 127.0.0.1 and a port the system picks, and lives
 * as long as the session.
 *
 * Any local process can reach a loopback port, and the tools write to the attempt's task
 * under its lease: so every request must carry `Authorization: Bearer TOKEN`, a random
 * token only the agent is given; any other request is answered 401 before MCP sees it.
 *
 * Stateless: each POST gets a fresh server and transport (the tools keep no state; the
 * lease is in the binding), answered as plain JSON, so there are no MCP sessions to track
 * or expire and a client that reconnects is served like a new one.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { ToolBinding } from './run.js';
import { wgMcpServer } from './server.js';

export const MCP_HTTP_PATH = '/mcp';

export interface HttpMcpServer {
  /** `http://127.0.0.1:PORT/mcp`. */
  url: string;
  /** The value of the Authorization header every request must carry: `Bearer …`. */
  authorization: string;
  close(): Promise<void>;
}

function reply(response: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  // A JSON-RPC error, as MCP clients expect from a Streamable HTTP endpoint.
  response.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

/** Serve the tools bound to `binding` over http until `close()`. */
export async function serveMcpHttp(
  binding: ToolBinding,
  version: string,
  onError: (error: Error) => void = () => undefined,
): Promise<HttpMcpServer> {
  const authorization = `Bearer ${randomBytes(32).toString('base64url')}`;
  const expected = Buffer.from(authorization);
  const authorized = (request: IncomingMessage) => {
    const given = Buffer.from(request.headers.authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    if (!authorized(request)) return reply(response, 401, 'unauthorized', { 'www-authenticate': 'Bearer' });
    if (new URL(request.url ?? '/', 'http://127.0.0.1').pathname !== MCP_HTTP_PATH)
      return reply(response, 404, 'not found');
    // Stateless: no server-sent stream to open (GET) and no session to end (DELETE).
    if (request.method !== 'POST') return reply(response, 405, 'method not allowed', { allow: 'POST' });
    const server = wgMcpServer(binding, version);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    response.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request, response);
  };

  const http = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      onError(error instanceof Error ? error : new Error(String(error)));
      if (!response.headersSent) reply(response, 500, 'internal error');
      else response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${MCP_HTTP_PATH}`,
    authorization,
    close: () =>
      new Promise<void>((resolve) => {
        // A client's keep-alive connection would hold close() open until it times out.
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
