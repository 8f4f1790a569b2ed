/**
 * wg's MCP server: the agent protocol's tools (tools.ts), bound to one attempt (its task,
 * working directory and WG_* environment). Each call runs the `wg` command it stands for
 * (run.ts), so the lease is checked as the CLI checks it: a call from an attempt whose
 * lease is gone is refused with `stale attempt`. Two transports serve it: stdio here
 * (`wg mcp`), and http (http.ts) for agents that take only http servers.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { WG_TOOL_NAMES, WG_TOOLS, MCP_SERVER_NAME } from './tools.js';
import { runWgTool, type ToolBinding } from './run.js';

/** A server offering every protocol tool, bound to `binding`; not yet connected to a transport. */
export function wgMcpServer(binding: ToolBinding, version: string): McpServer {
  const server = new McpServer({ name: MCP_SERVER_NAME, version });
  for (const name of WG_TOOL_NAMES) {
    const tool = WG_TOOLS[name];
    server.registerTool(name, { description: tool.description, inputSchema: tool.input }, async (input: unknown) => {
      const answer = await runWgTool(name, input, binding);
      return { content: [{ type: 'text' as const, text: answer.text }], isError: answer.isError };
    });
  }
  return server;
}

/** `wg mcp`: serve on stdin/stdout until the client closes stdin (or kills it). */
export async function serveMcp(binding: ToolBinding, version: string): Promise<void> {
  const server = wgMcpServer(binding, version);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = resolve;
    process.stdin.once('end', () => void server.close().then(resolve, resolve));
  });
  await server.connect(transport);
  await closed;
}
