/**
 * wg's own MCP server (`wg mcp`: the protocol as tools) as an ACP `session/new` entry, when
 * this installation has that command; until then the agent gets none and follows the
 * protocol through its shell, as every other backend's agent does.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface StdioMcpServer {
  name: string;
  command: string;
  args: string[];
  env: Array<{ name: string; value: string }>;
}

/** Variables the MCP server needs to reach the task's graph as the agent's own `wg` would. */
const PASSED = ['WG_DIR', 'WG_TASK_ID', 'WG_TOKEN', 'WG_ACTOR', 'WG_ATTEMPT', 'WG_RUN_ID', 'PATH', 'HOME'];

/** `wgEntry`: bin/wg.js of this installation; the command module sits in dist/cli/commands/. */
export function wgMcpServer(
  wgEntry: string,
  env: Record<string, string | undefined>,
  hasCommand: (entry: string) => boolean = (entry) =>
    existsSync(join(dirname(entry), '..', 'dist', 'cli', 'commands', 'mcp.js')),
): StdioMcpServer | undefined {
  if (!hasCommand(wgEntry)) return undefined;
  return {
    name: 'wg',
    command: process.execPath,
    args: [wgEntry, 'mcp'],
    env: Object.entries(env)
      .filter(([name, value]) => value !== undefined && (PASSED.includes(name) || name.startsWith('WG_')))
      .map(([name, value]) => ({ name, value: value! })),
  };
}
