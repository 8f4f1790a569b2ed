/**
 * The `command` backend: any program, configured in config.toml.
 *
 *   [backends.command]                  # or [backends.NAME] with type = "command"
 *   argv = ["my-agent", "--prompt", "{prompt_file}", "--model", "{model}"]
 *   stdin = false                        # true: the prompt is also written to stdin
 *   env = { MY_AGENT_MODE = "batch" }    # added to the agent's environment
 *
 * Placeholders in every argv element: {prompt_file} (absolute path of the prompt),
 * {task_id}, {model} (empty when no model is set) and {workdir}; `{{name}}` is a
 * literal `{name}`, and any other `{name}` is a configuration error.
 *
 * Every non-empty output line (stdout or stderr) becomes a progress event, except
 * lines in this small protocol, which let a simple script report structure:
 *
 *   ::progress 40 wrote the parser      progress, 40 percent (the number is optional)
 *   ::tool Edit src/parser.ts            a tool call: NAME, then a summary
 *   ::rate-limit 90 | ::rate-limit 2026-12-01T10:00:00Z
 *                                        the model's service refused for a rate limit that
 *                                        lifts in 90 s, or at that time: the runner stops
 *                                        the agent, reopens the task without counting an
 *                                        attempt, and pauses this backend until then
 *   ::usage {"input_tokens": 1200, "output_tokens": 300, "cost_usd": 0.01}
 *                                        tokens and cost spent since the previous
 *                                        ::usage line (also cache_read_tokens and
 *                                        cache_write_tokens); a ::usage line whose JSON
 *                                        does not fit becomes an `error` event
 *   ::summary Wrote the parser; the CLI still reads stdin only
 *                                        what the agent did, for the tasks downstream:
 *                                        the last such line is kept on the task if the
 *                                        attempt succeeds, and shown in their prompts
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { capText, progressFromLine } from './lines.js';
import { fillPlaceholders } from './placeholders.js';
import { protocolCommandList } from './protocol.js';
import { parseSettings } from './settings.js';
import {
  usageFromRecord,
  type AgentEvent,
  type Backend,
  type LaunchSpec,
  type OutputParser,
  type PermissionContext,
  type RunContext,
} from './types.js';

/**
 * Strict, so a misspelt key (`stdn = true`) is reported instead of silently ignored.
 * `type` is what marks a named table as a command backend (see index.ts).
 */
export const CommandSettingsSchema = z.strictObject({
  type: z.literal('command').optional(),
  argv: z
    .array(z.string())
    .min(1, 'must name at least the program to run')
    .refine((argv) => argv[0]?.trim() !== '', 'its first element must name the program to run'),
  stdin: z.boolean().default(false),
  env: z.record(z.string(), z.string()).optional(),
});
export type CommandSettings = z.infer<typeof CommandSettingsSchema>;

export function parseCommandSettings(name: string, settings: Record<string, unknown>): CommandSettings {
  const table = `config.toml [backends.${name}]`;
  if (settings.argv === undefined) {
    throw new ConfigError(
      `${table} has no argv: the ${name} backend needs the command to run`,
      `add: argv = ["my-agent", "{prompt_file}"]`,
    );
  }
  return parseSettings(CommandSettingsSchema, name, settings);
}

export function commandBackend(name: string): Backend {
  return {
    name,
    usesPrompt: true,
    sandbox: 'process',

    launch(context: RunContext): LaunchSpec {
      const settings = parseCommandSettings(name, context.settings);
      const values = {
        prompt_file: context.promptFile,
        task_id: context.task.id,
        model: context.model ?? '',
        workdir: context.workdir,
      };
      const argv = settings.argv.map((arg, i) =>
        fillPlaceholders(arg, values, `config.toml [backends.${name}] argv[${i}]`),
      );
      return {
        file: argv[0]!,
        args: argv.slice(1),
        cwd: context.workdir,
        env: { ...context.env, ...settings.env },
        stdin: settings.stdin ? context.prompt : undefined,
      };
    },

    permissions(context: PermissionContext): string[] {
      const settings = parseCommandSettings(name, context.settings);
      return [
        `anything you can do yourself: wg runs \`${settings.argv[0]}\` as you, and it decides what its agent may do`,
        `\`wg\` is on PATH, so ${protocolCommandList()} and the task's check run as written`,
      ];
    },

    parser(): OutputParser {
      return { line: (text) => parseProtocolLine(text) };
    },
  };
}

const PROTOCOL_LINE = /^::(progress|tool|usage|rate-limit|summary)(?:\s+(.*))?$/s;

const UsageLineSchema = z.strictObject({
  input_tokens: z.number().int().nonnegative().optional(),
  output_tokens: z.number().int().nonnegative().optional(),
  cache_read_tokens: z.number().int().nonnegative().optional(),
  cache_write_tokens: z.number().int().nonnegative().optional(),
  cost_usd: z.number().nonnegative().optional(),
});

/** One output line of a command backend as events: a protocol line, else plain progress. */
export function parseProtocolLine(line: string): AgentEvent[] {
  const match = PROTOCOL_LINE.exec(line.trim());
  if (!match) return progressFromLine(line);
  const rest = match[2]?.trim() ?? '';
  // A bare `::progress`, `::tool` or `::summary` carries nothing to structure: report it as it stands.
  if (rest === '' && match[1] === 'rate-limit')
    return [{ type: 'halt', kind: 'rate-limited', request: 'the agent reported a rate limit' }];
  if (rest === '') return match[1] === 'usage' ? [usageEvent(rest)] : progressFromLine(line);
  switch (match[1]) {
    case 'progress':
      return [progressEvent(rest)];
    case 'rate-limit':
      return [rateLimitEvent(rest)];
    case 'summary':
      return [{ type: 'summary', text: rest }];
    case 'tool': {
      const [, name = rest, summary = ''] = /^(\S+)\s*(.*)$/s.exec(rest) ?? [];
      return [{ type: 'tool', name: capText(name), summary: capText(summary) }];
    }
    default:
      return [usageEvent(rest)];
  }
}

/** `::rate-limit 90` (seconds from now) or `::rate-limit 2026-12-01T10:00:00Z` (when it lifts). */
function rateLimitEvent(rest: string): AgentEvent {
  const resetAt = /^\d+(\.\d+)?$/.test(rest) ? new Date(Date.now() + Number(rest) * 1000) : new Date(rest);
  if (Number.isNaN(resetAt.getTime()))
    return { type: 'error', message: capText(`::rate-limit needs seconds or an ISO time, not: ${rest}`) };
  return {
    type: 'halt',
    kind: 'rate-limited',
    request: 'the agent reported a rate limit',
    resetAt: resetAt.toISOString(),
  };
}

function progressEvent(rest: string): AgentEvent {
  const [, number, message] = /^(\d+(?:\.\d+)?)%?(?:\s+(.*))?$/s.exec(rest) ?? [];
  if (number === undefined) return { type: 'progress', message: capText(rest) };
  const percent = Math.min(100, Number(number));
  return { type: 'progress', percent, message: capText(message?.trim() || `${percent}%`) };
}

function usageEvent(json: string): AgentEvent {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    return { type: 'error', message: capText(`::usage line is not JSON: ${json}`) };
  }
  const result = UsageLineSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    return {
      type: 'error',
      message: capText(`::usage line ignored: ${issue.path.join('.') || 'value'}: ${issue.message}`),
    };
  }
  return { type: 'usage', ...usageFromRecord(result.data) };
}
