/**
 * The agent protocol as tools (pure): each tool is one `wg` command, bound to the
 * attempt's task, with a zod schema for its input and the command line it runs. The MCP
 * server (server.ts) and the built-in agent offer these same tools; both run the command
 * line through run.ts, so a tool answers exactly what the CLI would print, and a call
 * the lease no longer allows is refused with the CLI's own message.
 *
 * Write tools act on the bound task only (the prompt forbids editing other tasks); `show`
 * and `context` may read another task. Arguments follow a `--`, so a message that starts
 * with a dash is never taken for an option (`--force`).
 */
import { z } from 'zod';

export const WG_TOOL_NAMES = ['log', 'progress', 'artifact', 'ask', 'fail', 'show', 'context'] as const;
export type WgToolName = (typeof WG_TOOL_NAMES)[number];

/** The server's name in an agent's MCP configuration: Claude Code calls its tools `mcp__wg__log`, ... */
export const MCP_SERVER_NAME = 'wg';

/** The built-in agent offers the same tools itself, as `wg_log`, ... */
export const builtInToolName = (tool: WgToolName): string => `wg_${tool}`;

/** The protocol tool a built-in agent's call names, if it names one. */
export function builtInTool(callName: string): WgToolName | undefined {
  const tool = callName.startsWith('wg_') ? callName.slice(3) : '';
  return isWgToolName(tool) ? tool : undefined;
}

const text = (description: string) => z.string().trim().min(1).describe(description);
const otherTask = z
  .string()
  .trim()
  .min(1)
  .optional()
  .describe('another task to read (an upstream one); default: your own task');

const INPUTS = {
  log: z.object({ message: text('what you did or found, one line or a few') }),
  progress: z.object({
    percent: z.number().min(0).max(100).describe('how far along the task is, 0 to 100'),
    message: z.string().trim().min(1).optional().describe('what was just done'),
  }),
  artifact: z.object({ path: text('a file you produced: relative to your working directory, or absolute') }),
  ask: z.object({ question: text('what only a person can tell you, in a few lines') }),
  fail: z.object({ reason: text('why the task cannot be completed, in one line') }),
  show: z.object({ id: otherTask }),
  context: z.object({ id: otherTask }),
} satisfies Record<WgToolName, z.ZodObject>;

export type WgToolInput<T extends WgToolName> = z.infer<(typeof INPUTS)[T]>;

export interface WgTool<T extends WgToolName = WgToolName> {
  name: T;
  description: string;
  input: (typeof INPUTS)[T];
  /** The `wg` arguments for a call on the bound task. */
  argv(input: WgToolInput<T>, taskId: string): string[];
}

function tool<T extends WgToolName>(
  name: T,
  description: string,
  argv: (input: WgToolInput<T>, taskId: string) => string[],
): WgTool<T> {
  return { name, description, input: INPUTS[name], argv };
}

export const WG_TOOLS: { [T in WgToolName]: WgTool<T> } = {
  log: tool('log', "Append a message to your task's log (`wg log`).", (input, id) => ['log', '--', id, input.message]),
  progress: tool(
    'progress',
    'Record how far your task is, 0-100, with an optional message (`wg progress`).',
    (input, id) => ['progress', '--', id, String(input.percent), ...(input.message ? [input.message] : [])],
  ),
  artifact: tool(
    'artifact',
    'Register a file you produced, so the tasks downstream see it (`wg artifact`).',
    (input, id) => ['artifact', '--', id, input.path],
  ),
  ask: tool(
    'ask',
    'Ask a person what only a person can tell you; your attempt then ends: stop after this call (`wg ask`).',
    (input, id) => ['ask', '--', id, input.question],
  ),
  fail: tool(
    'fail',
    'Give up on your task, saying why; the next attempt reads the reason (`wg fail`).',
    (input, id) => ['fail', `--reason=${input.reason}`, '--', id],
  ),
  show: tool('show', 'Show your task (or another one): status, log, artifacts (`wg show`).', (input, id) => [
    'show',
    '--',
    input.id ?? id,
  ]),
  context: tool(
    'context',
    'What upstream tasks produced for your task (or another one), and which inputs are missing (`wg context`).',
    (input, id) => ['context', '--', input.id ?? id],
  ),
};

/** A call's arguments checked against its tool's schema: the argv to run, or what was wrong with them. */
export function toolArgv(name: WgToolName, input: unknown, taskId: string): { argv: string[] } | { error: string } {
  const tool = WG_TOOLS[name] as WgTool;
  const parsed = tool.input.safeParse(input ?? {});
  if (!parsed.success) return { error: z.prettifyError(parsed.error) };
  return { argv: tool.argv(parsed.data as never, taskId) };
}

export function isWgToolName(name: string): name is WgToolName {
  return (WG_TOOL_NAMES as readonly string[]).includes(name);
}
