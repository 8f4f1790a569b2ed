/**
 * How an agent program starts `wg mcp` for one attempt: the same Node and wg that run
 * the runner (no `wg` on PATH needed), and wg's own variables from the attempt's
 * environment, which bind the server to the attempt's lease. Backends that take MCP
 * servers (Claude Code's --mcp-config, Codex's mcp_servers, ACP's session/new) use this.
 */
import { WG_ENTRY } from '../system/wg-entry.js';
import { MCP_SERVER_NAME } from './tools.js';

export interface McpServerSpec {
  /** The server's name in the agent's configuration: its tools reach the model as e.g. `mcp__wg__log`. */
  name: string;
  command: string;
  args: string[];
  /** WG_DIR, WG_ROOT, WG_TASK_ID, WG_TOKEN, WG_ACTOR, WG_ATTEMPT, as the attempt has them. */
  env: Record<string, string>;
}

/** The stdio server for the attempt whose environment (the agent's, with wg's WG_* in it) is `env`. */
export function mcpServerSpec(env: Readonly<Record<string, string | undefined>>): McpServerSpec {
  const bound: Record<string, string> = {};
  // Sorted: the same attempt gives the same command line (codex names the variables on it).
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (name.startsWith('WG_') && value !== undefined) bound[name] = value;
  }
  return { name: MCP_SERVER_NAME, command: process.execPath, args: [WG_ENTRY, 'mcp'], env: bound };
}
