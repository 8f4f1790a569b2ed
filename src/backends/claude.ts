/**
 * The `claude` backend: Claude Code in print mode, streaming JSON.
 *
 *   [backends.claude]
 *   command = "/opt/claude/bin/claude"    # default: claude on PATH, else the npm package's binary
 *   permission_mode = "acceptEdits"       # or dontAsk, bypassPermissions, plan, auto, default
 *   allowed_tools = ["Read", "Edit", "Bash(npm test)"]   # added when the task names no tools
 *   disallowed_tools = ["Task", "Agent", "EnterWorktree", "ExitWorktree", "Workflow"]
 *   max_turns = 40
 *   max_budget_usd = 2.5
 *   resume = true                         # false: each trajectory step starts a session of its own
 *   extra_args = []                       # appended to the command line
 *   env = { CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = "1" }
 *
 * The prompt goes on stdin, never in argv (a long prompt would overflow it). The protocol's
 * `wg` commands and the task's `verify` are always pre-approved (see `protocolRules`), so an
 * agent can do what its prompt asks with no settings at all. In print mode Claude Code never
 * asks a person: a tool call its permissions do not allow is refused, and wg then stops the
 * attempt at once as `permission-denied`, naming the call (widen the task's `tools` to allow it).
 *
 * Resuming: the next step of a trajectory passes `--resume <session>` (unless `resume = false`):
 * with worktrees it runs in the same folder as the step before it, where Claude Code keeps
 * that session. A step whose working directory differs starts a fresh session (the runner
 * logs why). When a session still cannot be resumed (it was deleted), the attempt fails
 * with a reason saying so, and the runner's retry of that step starts a fresh session.
 *
 * A retry after a failed check continues its own previous attempt's session (`--resume`,
 * whatever `resume` says) in the same worktree, which Claude Code needs: it keeps sessions
 * per folder. The agent then repairs its own work, remembering what it did.
 */
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { claudeStreamParser } from './claude-stream.js';
import { findProgram, platformSuffix, type FoundProgram } from './find-program.js';
import { claudeEnvironment } from './program-env.js';
import { parseSettings, turnLimit, withEnv } from './settings.js';
import { protocolCommandList, PROTOCOL_COMMANDS } from './protocol.js';
import { mcpServerSpec, type McpServerSpec } from '../mcp/spec.js';
import { WG_TOOL_NAMES, MCP_SERVER_NAME, type WgToolName } from '../mcp/tools.js';
import type { Task } from '../graph/schema.js';
import type { Backend, LaunchSpec, OutputParser, PermissionContext, RunContext } from './types.js';

/** Tools that take the agent out of its working directory or hand work to another agent. */
export const CLAUDE_TOOLS_LEAVING_WORKDIR = [
  'Task',
  'Agent',
  'EnterWorktree',
  'ExitWorktree',
  'Workflow',
  'SendMessage',
];

export const CLAUDE_PERMISSION_MODES = [
  'acceptEdits',
  'auto',
  'bypassPermissions',
  'default',
  'dontAsk',
  'plan',
] as const;

const ToolList = z.array(z.string().trim().min(1, 'tool names cannot be empty'));

export const ClaudeSettingsSchema = z.strictObject({
  type: z.literal('claude').optional(),
  command: z.string().trim().min(1).optional(),
  permission_mode: z.enum(CLAUDE_PERMISSION_MODES).default('acceptEdits'),
  allowed_tools: ToolList.optional(),
  disallowed_tools: ToolList.default(CLAUDE_TOOLS_LEAVING_WORKDIR),
  max_turns: z.number().int().positive().optional(),
  max_budget_usd: z.number().positive().optional(),
  resume: z.boolean().default(true),
  extra_args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).optional(),
});
export type ClaudeSettings = z.infer<typeof ClaudeSettingsSchema>;

export function parseClaudeSettings(name: string, settings: Record<string, unknown>): ClaudeSettings {
  return parseSettings(ClaudeSettingsSchema, name, settings);
}

/**
 * Bash rules for what every prompt asks the agent to run: the protocol's `wg` commands
 * (any arguments) and the task's `verify` command (exactly as written, and each part of a
 * compound one, since Claude Code judges `a && b` part by part). Nothing else of Bash.
 */
export function protocolRules(verify: string | undefined): string[] {
  const rules = PROTOCOL_COMMANDS.map((command) => `Bash(wg ${command}:*)`);
  const check = verify?.trim();
  if (check) {
    const parts = check
      .split(/\s*(?:&&|\|\||;|\n)\s*/)
      .map((part) => part.trim())
      .filter(Boolean);
    for (const command of new Set([check, ...parts])) rules.push(`Bash(${command})`);
  }
  return rules;
}

/** How Claude Code names an MCP server's tool to the model, and in its permission rules. */
export const claudeToolName = (tool: WgToolName): string => `mcp__${MCP_SERVER_NAME}__${tool}`;

/**
 * The tools pre-approved for a task: the protocol's (its `wg` commands, and with
 * `protocolTools` the `wg mcp` tools), plus the task's own `tools`, else the table's `allowed_tools`.
 */
export function claudeAllowedTools(
  settings: ClaudeSettings,
  task: Pick<Task, 'tools' | 'verify'> | undefined,
  protocolTools = false,
): string[] {
  return [
    ...new Set([
      ...(protocolTools ? WG_TOOL_NAMES.map(claudeToolName) : []),
      ...protocolRules(task?.verify),
      ...(task?.tools ?? settings.allowed_tools ?? []),
    ]),
  ];
}

/**
 * `--mcp-config`'s JSON for `wg mcp`. No environment in it (it is on the command line):
 * Claude Code starts its servers with its own, which holds the attempt's WG_TASK_ID and WG_TOKEN.
 * `alwaysLoad`: print mode otherwise connects its servers in the background and may send
 * the first request before the tools are there (checked against Claude Code 2.1.197);
 * with it, Claude Code waits for the server, up to MCP_CONNECT_TIMEOUT_MS (see claudeEnv).
 */
export function claudeMcpConfig(spec: McpServerSpec): string {
  return JSON.stringify({
    mcpServers: { [spec.name]: { type: 'stdio', command: spec.command, args: spec.args, alwaysLoad: true } },
  });
}

/** How long Claude Code waits for `wg mcp` to start (its default, 5 s, is short on a loaded machine). */
export const CLAUDE_MCP_CONNECT_TIMEOUT_MS = '30000';

/** Everything after the program name. Pure: the same inputs give the same command line. */
export function claudeArgs(
  settings: ClaudeSettings,
  context: Pick<RunContext, 'model' | 'task' | 'resumeSession' | 'continueSession' | 'maxCostUsd' | 'defaultMaxTurns'> &
    Partial<Pick<RunContext, 'ownSandbox' | 'workgraphDir'>>,
  /** `wg mcp` for this attempt, when the protocol is offered as tools. */
  mcp?: McpServerSpec,
): string[] {
  const args = ['-p', '--verbose', '--output-format', 'stream-json', '--permission-mode', settings.permission_mode];
  if (context.model) args.push('--model', context.model);
  if (mcp) args.push('--mcp-config', claudeMcpConfig(mcp));
  const allowed = claudeAllowedTools(settings, context.task, mcp !== undefined);
  args.push('--allowedTools', ...allowed);
  // A tool the task asks for by name is allowed even if it would leave the folder: the task's author chose it.
  const disallowed = settings.disallowed_tools.filter((tool) => !allowed.includes(tool));
  if (disallowed.length > 0) args.push('--disallowedTools', ...disallowed);
  const turns = turnLimit(context, settings.max_turns);
  if (turns !== undefined) args.push('--max-turns', String(turns));
  // The tighter of the table's per-session limit and what the task's cap still allows; Claude Code enforces it itself.
  const budget = Math.min(settings.max_budget_usd ?? Infinity, context.maxCostUsd ?? Infinity);
  if (Number.isFinite(budget)) args.push('--max-budget-usd', String(Math.round(budget * 1e4) / 1e4));
  // A retry continuing its own attempt's session needs no setting; a trajectory step resumes the previous step's unless `resume = false`.
  if (context.continueSession) args.push('--resume', context.continueSession);
  else if (settings.resume && context.resumeSession) args.push('--resume', context.resumeSession);
  if (context.ownSandbox && context.workgraphDir)
    args.push('--settings', JSON.stringify(claudeSandboxSettings(context.workgraphDir)));
  args.push(...settings.extra_args);
  return args;
}

/**
 * Claude Code's own sandbox, as `[run] sandbox = "bwrap"` turns it on: its Bash commands run
 * in bubblewrap, writing only in the working directory, temp folders and the graph folder
 * (where the agent's `wg` commands write), with no network but through Claude Code's proxy,
 * which lets through only the domains its own `sandbox.network.allowedDomains` lists (wg adds
 * none). It must start or Claude Code exits; no command may leave it; and being sandboxed
 * approves no command: wg's tool rules still decide.
 */
export function claudeSandboxSettings(workgraphDir: string): { sandbox: Record<string, unknown> } {
  return {
    sandbox: {
      enabled: true,
      failIfUnavailable: true,
      allowUnsandboxedCommands: false,
      autoAllowBashIfSandboxed: false,
      filesystem: { allowWrite: [workgraphDir] },
    },
  };
}

/** The child's environment: Claude Code refuses to start when CLAUDECODE says it is nested in a session. */
export function claudeEnv(settings: ClaudeSettings, env: RunContext['env']): Record<string, string | undefined> {
  const childEnv = withEnv(env, settings.env);
  delete childEnv.CLAUDECODE;
  return childEnv;
}

/**
 * Claude Code sources the file named by CLAUDE_ENV_FILE in the shell of every Bash command
 * before running it, so unsetting its credential there keeps the key from the agent's
 * commands while Claude Code itself keeps it. (Its own CLAUDE_CODE_SUBPROCESS_ENV_SCRUB=1
 * would scrub too, but it also forces the permission mode to `default` and refuses to
 * start without bubblewrap: checked against Claude Code 2.1.197.)
 */
export const CLAUDE_ENV_FILE = 'claude-env.sh';

export function claudeScrubScript(): string {
  return `# Written by wg: the agent's commands run without Claude Code's credential.\nunset ${claudeEnvironment.credentials.join(' ')}\n`;
}

export function locateClaude(
  configured: string | undefined,
  pathVariable: string | undefined,
  cwd: string,
): FoundProgram | undefined {
  const suffix = platformSuffix();
  return findProgram('claude', {
    configured,
    pathVariable,
    cwd,
    packaged: [
      { packageName: `@anthropic-ai/claude-code-${suffix}`, relativePath: 'claude' },
      { packageName: `@anthropic-ai/claude-code-${suffix}-musl`, relativePath: 'claude' },
      { packageName: '@anthropic-ai/claude-code', relativePath: 'bin/claude.exe' },
    ],
  });
}

/** What each permission mode lets Claude Code do beyond the listed tools, in its own words. */
const MODE_EFFECT: Record<ClaudeSettings['permission_mode'], string> = {
  acceptEdits: 'read files, and create and edit files in the working directory (permission mode acceptEdits)',
  default: 'read files; edits need an approval nobody can give here (permission mode default)',
  dontAsk: 'only the tools listed here (permission mode dontAsk)',
  plan: 'read files only, no edits (permission mode plan)',
  auto: "whatever Claude Code's auto mode judges safe (permission mode auto)",
  bypassPermissions: 'anything at all: every permission check is bypassed (permission mode bypassPermissions)',
};

export function claudePermissions(
  settings: ClaudeSettings,
  task: Pick<Task, 'tools' | 'verify'> | undefined,
  onRefusal: 'fail' | 'continue' = 'fail',
  protocolTools = false,
): string[] {
  const allowed = claudeAllowedTools(settings, task, protocolTools);
  const check = task?.verify?.trim();
  const toolNames = protocolTools ? WG_TOOL_NAMES.map(claudeToolName) : [];
  const granted = new Set([...toolNames, ...protocolRules(check)]);
  const extra = allowed.filter((tool) => !granted.has(tool));
  const disallowed = settings.disallowed_tools.filter((tool) => !allowed.includes(tool));
  return [
    MODE_EFFECT[settings.permission_mode],
    ...(protocolTools ? [`use wg's tools: ${toolNames.map((name) => `\`${name}\``).join(', ')}`] : []),
    `run ${protocolCommandList()} with Bash`,
    ...(check ? [`run the task's check with Bash: \`${check}\``] : []),
    ...(extra.length > 0 ? [`use ${extra.join(', ')}`] : []),
    ...(settings.permission_mode === 'bypassPermissions'
      ? []
      : [
          `no other Bash command but those Claude Code itself judges read-only (ls, cat, git status): any other call is refused ${onRefusal === 'continue' ? "(you are told so and go on without it; the task's check decides)" : 'and ends the attempt'}`,
        ]),
    ...(disallowed.length > 0 ? [`never: ${disallowed.join(', ')}`] : []),
  ];
}

export function claudeBackend(name: string, locate: typeof locateClaude = locateClaude): Backend {
  return {
    name,
    usesPrompt: true,
    sandbox: 'own',
    continuesSessions: true,

    launch(context: RunContext): LaunchSpec {
      const settings = parseClaudeSettings(name, context.settings);
      const env = claudeEnv(settings, context.env);
      const program = locate(settings.command, env.PATH, context.workdir);
      if (!program) {
        throw new ConfigError(
          settings.command
            ? `config.toml [backends.${name}] command: ${settings.command} was not found or is not executable`
            : 'Claude Code (claude) is not on PATH and not installed beside wg',
          settings.command
            ? 'give the absolute path of the claude binary'
            : 'npm install -g @anthropic-ai/claude-code, or set command under [backends.claude] in .workgraph/config.toml',
        );
      }
      const mcp = context.protocolTools ? mcpServerSpec(context.env) : undefined;
      if (mcp) env.MCP_CONNECT_TIMEOUT_MS ??= CLAUDE_MCP_CONNECT_TIMEOUT_MS;
      return {
        file: program.path,
        args: claudeArgs(settings, context, mcp),
        cwd: context.workdir,
        env: { ...env, CLAUDE_ENV_FILE: join(dirname(context.promptFile), CLAUDE_ENV_FILE) },
        stdin: context.prompt,
        files: [{ name: CLAUDE_ENV_FILE, content: claudeScrubScript() }],
      };
    },

    environment: () => claudeEnvironment,

    protocolToolName: claudeToolName,

    permissions(context: PermissionContext): string[] {
      return claudePermissions(
        parseClaudeSettings(name, context.settings),
        context.task,
        context.onPermissionDenied,
        context.protocolTools ?? false,
      );
    },

    parser(): OutputParser {
      return claudeStreamParser();
    },
  };
}
