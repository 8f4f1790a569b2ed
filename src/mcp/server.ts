/**
 * `wg mcp`: a stdio MCP server offering the agent protocol's tools (tools.ts), bound to
 * the attempt whose WG_TASK_ID and WG_TOKEN are in its environment. Each call runs the
 * `wg` command it stands for (run.ts), so the lease is checked as the CLI checks it: a
 * call from an attempt whose lease is gone is refused with `stale attempt`.
 *
 * The server lives until its client closes stdin (or kills it).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { WG_TOOL_NAMES, WG_TOOLS, MCP_SERVER_NAME } from './tools.js';
import { runWgTool, type ToolBinding } from './run.js';

export async function serveMcp(binding: ToolBinding, version: string): Promise<void> {
  const server = new McpServer({ name: MCP_SERVER_NAME, version });
  for (const name of WG_TOOL_NAMES) {
    const tool = WG_TOOLS[name];
    server.registerTool(name, { description: tool.description, inputSchema: tool.input }, async (input: unknown) => {
      const answer = await runWgTool(name, input, binding);
      return { content: [{ type: 'text' as const, text: answer.text }], isError: answer.isError };
    });
  }
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = resolve;
    process.stdin.once('end', () => void server.close().then(resolve, resolve));
  });
  await server.connect(transport);
  await closed;
}
