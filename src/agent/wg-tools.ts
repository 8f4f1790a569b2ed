/**
 * The protocol's tools, offered by the built-in agent itself (`wg_log`, ...): the same
 * tools `wg mcp` serves (src/mcp/tools.ts), run the same way, so the agent reports to wg
 * without a shell and a call its lease no longer allows is refused with the CLI's words.
 */
import { z } from 'zod';
import { builtInTool, builtInToolName, WG_TOOL_NAMES, WG_TOOLS } from '../mcp/tools.js';
import { runWgTool } from '../mcp/run.js';
import type { ToolContext, ToolOutcome } from './tools.js';

export interface WgToolDefinition {
  name: string;
  description: string;
  input_schema: { type: 'object'; [key: string]: unknown };
}

export function wgToolDefinitions(): WgToolDefinition[] {
  return WG_TOOL_NAMES.map((tool) => {
    const { $schema: _dialect, ...schema } = z.toJSONSchema(WG_TOOLS[tool].input) as Record<string, unknown>;
    return {
      name: builtInToolName(tool),
      description: WG_TOOLS[tool].description,
      input_schema: { ...schema, type: 'object' },
    };
  });
}

/** Whether a call names one of these tools. */
export const isWgToolCall = (name: string): boolean => builtInTool(name) !== undefined;

export async function runWgToolCall(name: string, input: unknown, context: ToolContext): Promise<ToolOutcome> {
  const tool = builtInTool(name);
  const taskId = context.env.WG_TASK_ID;
  if (tool === undefined) return { content: `unknown tool ${name}`, isError: true };
  if (!taskId) return { content: `${name}: this agent is not bound to a task (WG_TASK_ID is not set)`, isError: true };
  const answer = await runWgTool(tool, input, { taskId, cwd: context.workdir, env: context.env });
  return { content: answer.text, isError: answer.isError };
}
