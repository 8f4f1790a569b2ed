/**
 * wg's own MCP server (`wg mcp`: the protocol as tools) as an ACP `session/new` entry. The
 * prompt still names the shell commands for ACP agents (each names MCP tools its own way),
 * so the tools are there for agents that prefer them, and the shell stays the documented path.
 */
import { mcpServerSpec } from '../mcp/spec.js';

export interface StdioMcpServer {
  name: string;
  command: string;
  args: string[];
  env: Array<{ name: string; value: string }>;
}

/** The server bound to the attempt whose agent environment is `env` (its WG_* variables). */
export function wgMcpServer(env: Record<string, string | undefined>): StdioMcpServer {
  const spec = mcpServerSpec(env);
  return {
    name: spec.name,
    command: spec.command,
    args: spec.args,
    env: Object.entries(spec.env).map(([name, value]) => ({ name, value })),
  };
}
