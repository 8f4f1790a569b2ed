/** `wg mcp`: the agent protocol as MCP tools over stdio, for the attempt in $WG_TASK_ID (see src/mcp/). */
import type { Command } from 'commander';
import { InvalidInputError } from '../../errors.js';
import { packageVersion } from '../../version.js';
import { examples } from '../help.js';

export function register(program: Command): void {
  const command = program
    .command('mcp')
    .description(
      "serve the agent protocol (log, progress, artifact, ask, fail, show, context) as MCP tools on stdin/stdout, bound to the attempt's lease ($WG_TASK_ID, $WG_TOKEN); wg run offers it to agents",
    )
    .action(async () => {
      const taskId = process.env.WG_TASK_ID;
      if (!taskId)
        throw new InvalidInputError(
          'wg mcp serves one attempt: WG_TASK_ID is not set',
          'wg run starts it for its agents; by hand: WG_TASK_ID=ID WG_TOKEN=TOKEN wg mcp',
        );
      const { serveMcp } = await import('../../mcp/server.js');
      await serveMcp({ taskId, cwd: process.cwd(), env: { ...process.env } }, packageVersion());
    });
  examples(command, 'WG_TASK_ID=build-api WG_TOKEN=... wg mcp');
}
