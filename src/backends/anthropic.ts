/**
 * The `anthropic` backend: wg's own agent on the Anthropic Messages API, run as a
 * separate process (`wg agent-anthropic`) so the runner supervises, times out and kills
 * it like any other agent.
 *
 *   [backends.anthropic]
 *   model = "claude-sonnet-5-5"     # when neither task, actor nor [defaults] names one
 *   base_url = "https://..."        # default: $ANTHROPIC_BASE_URL, else Anthropic's API
 *   tools = ["read_file", "write_file", "edit_file", "list_files", "search_files", "bash"]
 *   max_turns = 50
 *   max_tokens = 8192               # output limit of one response
 *   token_budget = 2000000          # input + output tokens for the whole session
 *   bash_timeout = "2m"
 *   max_retries = 4                 # per request, on 429, 5xx and connection errors
 *   resume = true                   # false: each trajectory step starts a conversation of its own
 *   env = { }
 *
 * Tools: those the task's `tools` name (Claude Code's names work too: Read, Write, Edit,
 * LS, Glob, Grep, Bash), else the `tools` above. Every path stays inside the working
 * directory; `bash` runs there but is otherwise as free as the user running wg.
 * The key comes from ANTHROPIC_API_KEY in the agent's environment.
 *
 * Sessions: the agent keeps its conversation in `session.json` beside the attempt's prompt,
 * and that file's path is the session's id. A retry that repairs its own work, and the next
 * step of a trajectory (unless `resume = false`), continue that conversation.
 */
import { dirname, join } from 'node:path';
import { WG_ENTRY } from '../system/wg-entry.js';
import { builtInToolName, WG_TOOL_NAMES } from '../mcp/tools.js';
import { z } from 'zod';
import { AGENT_TOOL_NAMES, chooseTools } from '../protocol/tool-names.js';
import { ConfigError } from '../errors.js';
import { Duration } from '../graph/schema.js';
import { capText, progressFromLine } from './lines.js';
import { parseJsonObject } from './json-lines.js';
import { anthropicEnvironment } from './program-env.js';
import { parseSettings, turnLimit, withEnv } from './settings.js';
import { protocolCommandList } from './protocol.js';
import { protocolRules } from './claude.js';
import { allowsAnyBash, narrowBashRules } from '../protocol/tool-rules.js';
import type { Task } from '../graph/schema.js';
import type { AgentEvent, Backend, LaunchSpec, OutputParser, PermissionContext, RunContext, Stream } from './types.js';

export const DEFAULT_ANTHROPIC_MODEL = 'claude-sonnet-5-5';

export const AnthropicSettingsSchema = z.strictObject({
  type: z.literal('anthropic').optional(),
  model: z.string().trim().min(1).optional(),
  base_url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  tools: z.array(z.enum(AGENT_TOOL_NAMES)).default([...AGENT_TOOL_NAMES]),
  max_turns: z.number().int().positive().optional(),
  max_tokens: z.number().int().positive().default(8192),
  token_budget: z.number().int().positive().optional(),
  bash_timeout: Duration.default('2m'),
  max_retries: z.number().int().nonnegative().default(4),
  resume: z.boolean().default(true),
  env: z.record(z.string(), z.string()).optional(),
});
export type AnthropicSettings = z.infer<typeof AnthropicSettingsSchema>;

export function parseAnthropicSettings(name: string, settings: Record<string, unknown>): AnthropicSettings {
  return parseSettings(AnthropicSettingsSchema, name, settings);
}

/**
 * The rules bash is held to, when the task's tools narrow it (`Bash(npm test:*)` and no bare
 * `Bash`): those, plus the protocol's `wg` commands and the task's check, as Claude Code gets
 * them. Undefined when bash may run anything (or is not offered at all).
 */
export function anthropicBashRules(task: Pick<Task, 'tools' | 'verify'> | undefined): string[] | undefined {
  const tools = task?.tools;
  if (tools === undefined || allowsAnyBash(tools)) return undefined;
  const narrow = narrowBashRules(tools);
  return narrow.length === 0 ? undefined : [...new Set([...protocolRules(task?.verify), ...narrow])];
}

export function anthropicArgs(
  settings: AnthropicSettings,
  context: Pick<
    RunContext,
    | 'task'
    | 'model'
    | 'promptFile'
    | 'workdir'
    | 'onPermissionDenied'
    | 'resumeSession'
    | 'continueSession'
    | 'protocolTools'
    | 'sandbox'
  >,
): string[] {
  const tools = chooseTools(context.task.tools, settings.tools);
  const args = [
    WG_ENTRY,
    'agent-anthropic',
    '--prompt-file',
    context.promptFile,
    '--workdir',
    context.workdir,
    '--model',
    context.model ?? settings.model ?? DEFAULT_ANTHROPIC_MODEL,
    `--tools=${tools.join(',')}`,
    ...(context.protocolTools ? ['--wg-tools'] : []),
    '--max-turns',
    // The agent's own default (50) only when wg was given no limit at all.
    String(turnLimit(context, settings.max_turns) ?? 50),
    '--max-tokens',
    String(settings.max_tokens),
    '--bash-timeout',
    settings.bash_timeout,
    '--max-retries',
    String(settings.max_retries),
  ];
  const rules = anthropicBashRules(context.task);
  for (const rule of rules ?? []) args.push(`--allow-bash=${rule}`);
  if (rules && context.onPermissionDenied) args.push('--on-permission-denied', context.onPermissionDenied);
  if (settings.token_budget !== undefined) args.push('--token-budget', String(settings.token_budget));
  if (settings.base_url !== undefined) args.push('--base-url', settings.base_url);
  args.push('--session-file', join(dirname(context.promptFile), 'session.json'));
  const resumeFrom = context.continueSession ?? (settings.resume ? context.resumeSession : undefined);
  if (resumeFrom) args.push('--resume-from', resumeFrom);
  if (context.sandbox) args.push('--sandbox', JSON.stringify(context.sandbox));
  return args;
}

export function anthropicBackend(name: string): Backend {
  return {
    name,
    usesPrompt: true,
    sandbox: 'commands',
    continuesSessions: true,

    launch(context: RunContext): LaunchSpec {
      const settings = parseAnthropicSettings(name, context.settings);
      const env = withEnv(context.env, settings.env);
      if (!env.ANTHROPIC_API_KEY) {
        throw new ConfigError(
          `the ${name} backend needs ANTHROPIC_API_KEY in the environment`,
          'export ANTHROPIC_API_KEY=... before wg run, or set it under env in [backends.anthropic]',
        );
      }
      // The same Node that runs wg runs the agent: no dependence on which `node` is on PATH.
      return { file: process.execPath, args: anthropicArgs(settings, context), cwd: context.workdir, env };
    },

    environment: () => anthropicEnvironment,

    protocolToolName: builtInToolName,

    permissions(context: PermissionContext): string[] {
      const settings = parseAnthropicSettings(name, context.settings);
      const tools = chooseTools(context.task?.tools, settings.tools);
      const files = tools.filter((tool) => tool !== 'bash');
      const rules = anthropicBashRules(context.task);
      return [
        ...(context.protocolTools
          ? [`use wg's tools: ${WG_TOOL_NAMES.map((tool) => `\`${builtInToolName(tool)}\``).join(', ')}`]
          : []),
        ...(files.length > 0 ? [`use ${files.join(', ')}, with every path inside the working directory`] : []),
        rules
          ? `run with bash, in the working directory, only what these rules allow: ${rules.join(', ')}; any other command is refused (\`wg edit ${context.task!.id} --tool "Bash(...)"\` widens them)`
          : tools.includes('bash')
            ? `run any command with bash in the working directory, as you (${protocolCommandList()} and the task's check included)`
            : context.protocolTools
              ? "no commands at all: the task's tools leave out bash (wg's tools above still report)"
              : "no commands at all: the task's tools leave out bash, so the agent cannot run `wg`; wg still registers its declared deliverables",
      ];
    },

    parser(): OutputParser {
      return anthropicEventParser();
    },
  };
}

const EVENT_TYPES = new Set(['progress', 'tool', 'text', 'summary', 'usage', 'result', 'error', 'halt']);

/** The agent prints normalized events already: read them back, and anything else as progress. */
export function anthropicEventParser(label = 'the built-in agent'): OutputParser {
  let sawResult = false;
  let lastStderr: string | undefined;
  return {
    line(text: string, stream: Stream): AgentEvent[] {
      if (stream === 'stderr') {
        if (text.trim() !== '') lastStderr = text.trim();
        return progressFromLine(text);
      }
      const object = parseJsonObject(text);
      if (!object || typeof object.type !== 'string' || !EVENT_TYPES.has(object.type)) return progressFromLine(text);
      if (object.type === 'result') sawResult = true;
      return [object as unknown as AgentEvent];
    },
    end(): AgentEvent[] {
      if (sawResult) return [];
      return [
        {
          type: 'result',
          ok: false,
          reason: `${label} ended without a result${lastStderr ? `: ${capText(lastStderr, 300)}` : ''}`,
        },
      ];
    },
  };
}
