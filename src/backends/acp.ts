/**
 * The `acp` backend: any agent that speaks the Agent Client Protocol on stdio, driven by
 * wg's ACP client (`wg agent-acp`, src/acp/). Known agents by name, no table needed:
 *
 *   backend = "acp:opencode"     # also acp:copilot, acp:claude-acp, acp:gemini, acp:qwen, acp:codex-acp
 *
 *   [backends."acp:opencode"]    # optional: settings for a known agent
 *   command = "/opt/opencode/bin/opencode"   # default: on PATH, else the npm package beside wg
 *   extra_args = []
 *   mode = "default"             # session/set_mode after session/new (default: the table of known agents)
 *   allowed_tools = ["Bash(npm test:*)"]     # added when the task names no tools
 *   mcp = true                   # pass wg's MCP server in session/new (`wg mcp`; over http for Copilot)
 *   resume = true                # a trajectory step continues the previous step's session (known agents that can)
 *   env = { }
 *
 *   [backends.myagent]           # any other ACP agent
 *   type = "acp"
 *   argv = ["my-agent", "--acp"]
 *
 * Permissions: the agent asks (`session/request_permission`) and wg answers at once from
 * the task's tools (src/acp/permission.ts); a refusal is recorded and handled by
 * `[run] on_permission_denied`. What an agent does without asking is its own settings'
 * business: opencode is told to ask for every shell command (OPENCODE_PERMISSION).
 */
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { KNOWN_ACP_AGENTS, knownAcpAgent, type KnownAcpAgent } from '../acp/known-agents.js';
import { editsAllowed } from '../acp/permission.js';
import { wgHttpMcp, wgMcpServer } from '../acp/wg-mcp.js';
import { ConfigError } from '../errors.js';
import type { Task } from '../graph/schema.js';
import { leadsOutside } from '../system/paths.js';
import { WG_TOOL_NAMES, type WgToolName } from '../mcp/tools.js';
import { WG_ENTRY } from '../system/wg-entry.js';
import { anthropicEventParser } from './anthropic.js';
import { protocolRules } from './claude.js';
import { findProgram, platformSuffix, type FoundProgram } from './find-program.js';
import { protocolCommandList } from './protocol.js';
import { parseSettings, withEnv } from './settings.js';
import type { Backend, LaunchSpec, OutputParser, PermissionContext, RunContext } from './types.js';

export const ACP_PREFIX = 'acp:';

export const AcpSettingsSchema = z.strictObject({
  type: z.literal('acp').optional(),
  /** A known agent's name, for a table of another name (`[backends.fast] type = "acp"  agent = "opencode"`). */
  agent: z.enum(Object.keys(KNOWN_ACP_AGENTS) as [string, ...string[]]).optional(),
  argv: z.array(z.string().min(1)).min(1).optional(),
  command: z.string().trim().min(1).optional(),
  extra_args: z.array(z.string()).default([]),
  mode: z.string().trim().min(1).optional(),
  allowed_tools: z.array(z.string().trim().min(1)).optional(),
  mcp: z.boolean().default(true),
  resume: z.boolean().default(true),
  env: z.record(z.string(), z.string()).optional(),
});
export type AcpSettings = z.infer<typeof AcpSettingsSchema>;

/** The known agent a backend name or its table names, if any. */
export function acpAgentName(backendName: string, settings: Pick<AcpSettings, 'agent'>): string | undefined {
  if (settings.agent) return settings.agent;
  return backendName.startsWith(ACP_PREFIX) ? backendName.slice(ACP_PREFIX.length) : undefined;
}

export function parseAcpSettings(name: string, settings: Record<string, unknown>): AcpSettings {
  const parsed = parseSettings(AcpSettingsSchema, name, settings);
  const agent = acpAgentName(name, parsed);
  if (agent !== undefined && !knownAcpAgent(agent))
    throw new ConfigError(
      `unknown ACP agent "${agent}" (known: ${Object.keys(KNOWN_ACP_AGENTS).join(', ')})`,
      `for another agent: [backends.${agent}] type = "acp" with argv = ["program", "args"...]`,
    );
  if (agent === undefined && parsed.argv === undefined)
    throw new ConfigError(`config.toml [backends.${name}]: an acp table needs argv (or agent, a known ACP agent)`);
  return parsed;
}

/** Where a known agent's program is: the configured command, PATH, else its npm package beside wg. */
export function locateAcpAgent(
  agent: KnownAcpAgent,
  configured: string | undefined,
  pathVariable: string | undefined,
  cwd: string,
): (FoundProgram & { node: boolean }) | undefined {
  const suffix = platformSuffix();
  const packaged = agent.packaged.map((entry) => ({
    ...entry,
    packageName: entry.packageName.replace('{platform}', suffix),
  }));
  const found = findProgram(agent.program, { configured, pathVariable, cwd, packaged });
  if (!found) return undefined;
  const entry =
    found.source === 'package' ? packaged.find((item) => found.path.endsWith(item.relativePath)) : undefined;
  return { ...found, node: entry?.node === true };
}

/** The program and its arguments, or a ConfigError that says how to get it. */
function agentCommand(
  name: string,
  settings: AcpSettings,
  env: RunContext['env'],
  cwd: string,
): { file: string; args: string[] } {
  const agentName = acpAgentName(name, settings);
  const agent = agentName === undefined ? undefined : knownAcpAgent(agentName);
  if (settings.argv && !agent) {
    const [program, ...rest] = settings.argv;
    const found = findProgram(program!, { configured: program, pathVariable: env.PATH, cwd });
    if (!found)
      throw new ConfigError(`config.toml [backends.${name}] argv: ${program} was not found or is not executable`);
    return { file: found.path, args: [...rest, ...settings.extra_args] };
  }
  const known = agent!;
  const found = locateAcpAgent(known, settings.command ?? settings.argv?.[0], env.PATH, cwd);
  if (!found)
    throw new ConfigError(
      `the ACP agent ${agentName} (${known.program}) is not on PATH and not installed beside wg`,
      `npm install -g ${known.npm}, or set command under [backends."${ACP_PREFIX}${agentName}"] in .workgraph/config.toml`,
    );
  const args = [...(settings.argv ? settings.argv.slice(1) : known.args), ...settings.extra_args];
  return found.node ? { file: process.execPath, args: [found.path, ...args] } : { file: found.path, args };
}

/** The rules wg answers permission requests by: the protocol's and the check's, plus the task's tools (else the table's). */
export function acpRules(settings: AcpSettings, task: Pick<Task, 'tools' | 'verify'> | undefined): string[] {
  return [...new Set([...protocolRules(task?.verify), ...(task?.tools ?? settings.allowed_tools ?? [])])];
}

/** The agent's environment: wg's (the allowlist), what wg sets for a known agent unless a person set it, then the table's. */
function agentEnv(agent: KnownAcpAgent | undefined, settings: AcpSettings, env: RunContext['env']): RunContext['env'] {
  const set: Record<string, string> = {};
  for (const [key, value] of Object.entries(agent?.setEnv ?? {})) if (env[key] === undefined) set[key] = value;
  // Claude Code refuses to start able to bypass permissions as root unless told it is sandboxed, and only `1` tells it
  // (an inherited IS_SANDBOX=yes does not: checked against claude-agent-acp 0.49.0).
  if (agent === KNOWN_ACP_AGENTS['claude-acp'] && process.getuid?.() === 0) set.IS_SANDBOX = '1';
  const merged = withEnv({ ...env, ...set }, settings.env);
  delete merged.CLAUDECODE;
  return merged;
}

export const ACP_SPEC_FILE = 'acp.json';

export function acpBackend(name: string): Backend {
  const known = (settings: Pick<AcpSettings, 'agent'>) => {
    const agent = acpAgentName(name, settings);
    return agent === undefined ? undefined : knownAcpAgent(agent);
  };
  // The prompt names wg's MCP tools for a known agent whose naming of them was seen (see known-agents.ts).
  const toolPrefix = known({})?.mcpToolPrefix;
  return {
    name,
    usesPrompt: true,
    // Only agents seen to resume or load a session (session/resume, session/load) continue one; others start afresh.
    continuesSessions: known({})?.continuesSessions === true,
    ...(toolPrefix !== undefined ? { protocolToolName: (tool: WgToolName) => `${toolPrefix}${tool}` } : {}),

    launch(context: RunContext): LaunchSpec {
      const settings = parseAcpSettings(name, context.settings);
      const agent = known(settings);
      const env = agentEnv(agent, settings, context.env);
      const command = agentCommand(name, settings, env, context.workdir);
      // A prompt that names the tools always gets the server; otherwise the table's `mcp` decides. An agent
      // that takes only http servers gets the same tools served by `wg agent-acp` over http instead.
      const offered = context.protocolTools || settings.mcp;
      const stdio = agent?.stdioMcp ?? true;
      const mcp = offered && stdio ? wgMcpServer(env) : undefined;
      const httpMcp = offered && !stdio ? wgHttpMcp(env) : undefined;
      const protocolTools =
        context.protocolTools && toolPrefix !== undefined
          ? WG_TOOL_NAMES.flatMap((tool) => [
              `${toolPrefix}${tool}`,
              ...(agent?.mcpPermissionTitle ? [agent.mcpPermissionTitle.replace('{tool}', tool)] : []),
            ])
          : [];
      const resumeSession = context.continueSession ?? (settings.resume ? context.resumeSession : undefined);
      const specFile = join(dirname(context.promptFile), ACP_SPEC_FILE);
      const spec = {
        agentName: name,
        file: command.file,
        args: command.args,
        cwd: context.workdir,
        promptFile: context.promptFile,
        ...((settings.mode ?? agent?.mode) ? { mode: settings.mode ?? agent?.mode } : {}),
        mcpServers: mcp ? [mcp] : [],
        ...(resumeSession !== undefined ? { resumeSession } : {}),
        ...(httpMcp ? { httpMcp } : {}),
        policy: {
          rules: acpRules(settings, context.task),
          edits: editsAllowed(context.task.tools),
          workdir: context.workdir,
          ...(leadsOutside(context.workdir, context.workgraphDir) ? { writableRoots: [context.workgraphDir] } : {}),
          ...(protocolTools.length > 0 && (mcp ?? httpMcp)
            ? { protocolTools, protocolServer: (mcp ?? httpMcp)!.name }
            : {}),
          ...(agent?.commandInTitle ? { commandInTitle: true } : {}),
        },
      };
      return {
        file: process.execPath,
        args: [WG_ENTRY, 'agent-acp', '--spec', specFile],
        cwd: context.workdir,
        env,
        files: [{ name: ACP_SPEC_FILE, content: `${JSON.stringify(spec, null, 2)}\n` }],
      };
    },

    // Only the backend's name is known here: a known agent under a table of another name gets its variables through env_pass.
    environment() {
      const agent = known({});
      return { program: agent?.env ?? [], credentials: agent?.credentials ?? [] };
    },

    permissions(context: PermissionContext): string[] {
      const settings = parseAcpSettings(name, context.settings);
      const rules = acpRules(settings, context.task);
      const granted = new Set(protocolRules(context.task?.verify));
      const extra = rules.filter((rule) => !granted.has(rule));
      const check = context.task?.verify?.trim();
      const onRefusal = context.onPermissionDenied ?? 'fail';
      return [
        editsAllowed(context.task?.tools)
          ? 'read files, and create and edit files in the working directory'
          : "read files; no edits (the task's tools leave out Write and Edit)",
        ...(context.protocolTools && toolPrefix !== undefined
          ? [`use wg's tools: ${WG_TOOL_NAMES.map((tool) => `\`${toolPrefix}${tool}\``).join(', ')}`]
          : []),
        `run ${protocolCommandList()}${check ? ` and the task's check (\`${check}\`)` : ''}`,
        ...(extra.length > 0 ? [`use ${extra.join(', ')}`] : []),
        `anything else the agent asks about is refused ${onRefusal === 'continue' ? "(it is told so and goes on; the task's check decides)" : 'and ends the attempt'}; what the agent does without asking is up to its own settings`,
      ];
    },

    parser(): OutputParser {
      return anthropicEventParser(`the ACP client of ${name}`);
    },
  };
}
