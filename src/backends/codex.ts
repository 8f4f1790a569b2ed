/**
 * The `codex` backend: OpenAI's Codex CLI, `codex exec --json`.
 *
 *   [backends.codex]
 *   command = "/opt/codex/bin/codex"      # default: codex on PATH, else the npm package's binary
 *   sandbox = "workspace-write"           # or read-only, danger-full-access
 *   config = { model_reasoning_effort = "high" }   # each becomes `-c key=value`
 *   extra_args = []                       # appended before the prompt argument
 *   resume = true                         # false: each trajectory step starts a thread of its own
 *   env = { CODEX_HOME = "/srv/codex-home" }
 *
 * The prompt is read from stdin (`-` as the prompt argument), which is then closed: codex
 * waits for more input while its stdin stays open. Providers, keys and login live in
 * codex's own `$CODEX_HOME/config.toml`. The task's `tools` are not mapped: codex has its
 * own fixed tool set, kept inside the working directory by the sandbox. `codex exec`
 * never asks a person: it runs with approval policy `never`, refusing what would need one.
 *
 * Continuing a session: a retry that repairs its own work, and the next step of a
 * trajectory (unless `resume = false`), run `codex exec resume <thread>` in the same
 * folder. That subcommand takes no `--sandbox`, `-C` or `--add-dir`: the sandbox and its
 * writable roots go as `-c` overrides, and the folder is the process's own.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { codexStreamParser } from './codex-stream.js';
import { findProgram, platformSuffix, type FoundProgram } from './find-program.js';
import { codexEnvironment } from './program-env.js';
import { parseSettings, withEnv } from './settings.js';
import { leadsOutside } from '../system/paths.js';
import { protocolCommandList } from './protocol.js';
import { mcpServerSpec, type McpServerSpec } from '../mcp/spec.js';
import { MCP_SERVER_NAME, WG_TOOL_NAMES, type WgToolName } from '../mcp/tools.js';
import type { Backend, LaunchSpec, OutputParser, PermissionContext, RunContext } from './types.js';

export const CODEX_SANDBOX_MODES = ['read-only', 'workspace-write', 'danger-full-access'] as const;

export const CodexSettingsSchema = z.strictObject({
  type: z.literal('codex').optional(),
  command: z.string().trim().min(1).optional(),
  sandbox: z.enum(CODEX_SANDBOX_MODES).default('workspace-write'),
  config: z.record(z.string().min(1), z.union([z.string(), z.number(), z.boolean()])).default({}),
  extra_args: z.array(z.string()).default([]),
  resume: z.boolean().default(true),
  env: z.record(z.string(), z.string()).optional(),
});
export type CodexSettings = z.infer<typeof CodexSettingsSchema>;

export function parseCodexSettings(name: string, settings: Record<string, unknown>): CodexSettings {
  return parseSettings(CodexSettingsSchema, name, settings);
}

/** A `-c key=value` override: codex parses the value as TOML, so strings are quoted. */
function configOverride(key: string, value: string | number | boolean): string {
  return `${key}=${typeof value === 'string' ? JSON.stringify(value) : String(value)}`;
}

/** Whether the agent's `wg` commands need the graph folder added to the sandbox's writable roots. */
function graphOutsideWorkdir(context: Pick<RunContext, 'workdir' | 'workgraphDir'>): boolean {
  return leadsOutside(context.workdir, context.workgraphDir);
}

/**
 * Codex runs commands in a login shell by default, whose profile rebuilds PATH and so
 * loses the folder wg put `wg` in: `allow_login_shell=false` keeps the PATH the runner
 * gave it (checked against codex-cli 0.169.0). The graph folder is added to the sandbox's
 * writable roots when it lies outside the working directory, so `wg log` can write it.
 */
export function codexArgs(
  settings: CodexSettings,
  context: Pick<RunContext, 'model' | 'workdir' | 'workgraphDir' | 'resumeSession' | 'continueSession'>,
  credentials: readonly string[] = [],
  /** `wg mcp` for this attempt, when the protocol is offered as tools. */
  mcp?: McpServerSpec,
): string[] {
  const thread = context.continueSession ?? (settings.resume ? context.resumeSession : undefined);
  const extraRoot = settings.sandbox === 'workspace-write' && graphOutsideWorkdir(context);
  const args = thread
    ? [
        'exec',
        'resume',
        thread,
        '--json',
        '--skip-git-repo-check',
        '-c',
        `sandbox_mode=${JSON.stringify(settings.sandbox)}`,
        '-c',
        'allow_login_shell=false',
        ...(extraRoot
          ? ['-c', `sandbox_workspace_write.writable_roots=${JSON.stringify([context.workgraphDir])}`]
          : []),
      ]
    : [
        'exec',
        '--json',
        '--sandbox',
        settings.sandbox,
        '--skip-git-repo-check',
        '-C',
        context.workdir,
        '-c',
        'allow_login_shell=false',
        ...(extraRoot ? ['--add-dir', context.workgraphDir] : []),
      ];
  if (context.model) args.push('-m', context.model);
  if (mcp) args.push(...codexMcpConfig(mcp));
  args.push(...shellEnvironmentPolicy(credentials));
  for (const [key, value] of Object.entries(settings.config)) args.push('-c', configOverride(key, value));
  args.push(...settings.extra_args, '-');
  return args;
}

/**
 * `wg mcp` as one of codex's MCP servers, as `-c` overrides. Its environment is forwarded
 * by name (`env_vars`) from codex's own, which holds the attempt's WG_* variables: the
 * lease token never appears on the command line. Codex would otherwise start its first
 * turn before the server has listed its tools (checked against codex-cli 0.169.0):
 * `startup_readiness = "catalog"` waits for the list, and `required` fails the start
 * rather than go on without the tools the prompt names.
 */
/** Codex offers an MCP server's tools as one namespace (`mcp__wg`) of functions: the qualified name, as the prompt gives it. */
export const codexToolName = (tool: WgToolName): string => `mcp__${MCP_SERVER_NAME}__${tool}`;

export function codexMcpConfig(spec: McpServerSpec): string[] {
  const key = `mcp_servers.${spec.name}`;
  return [
    `${key}.command=${JSON.stringify(spec.command)}`,
    `${key}.args=${JSON.stringify(spec.args)}`,
    `${key}.env_vars=${JSON.stringify(Object.keys(spec.env))}`,
    `${key}.startup_timeout_sec=30`,
    `${key}.startup_readiness="catalog"`,
    `${key}.required=true`,
    // `codex exec` never asks: without this, every call is refused as needing an approval.
    `${key}.default_tools_approval_mode="approve"`,
  ].flatMap((override) => ['-c', override]);
}

/**
 * The commands codex runs get its environment less its credential. Codex's own default
 * excludes (every *KEY*, *SECRET*, *TOKEN*) are switched off: what reaches codex has
 * passed wg's allowlist, so a GITHUB_TOKEN named in `env_pass` is meant for the commands.
 */
export function shellEnvironmentPolicy(credentials: readonly string[]): string[] {
  return [
    '-c',
    'shell_environment_policy.ignore_default_excludes=true',
    '-c',
    `shell_environment_policy.exclude=${JSON.stringify(credentials)}`,
  ];
}

/** Rust target triples the npm package uses for its vendored binaries. */
const CODEX_TRIPLES: Record<string, string> = {
  'linux-x64': 'x86_64-unknown-linux-musl',
  'linux-arm64': 'aarch64-unknown-linux-musl',
  'darwin-x64': 'x86_64-apple-darwin',
  'darwin-arm64': 'aarch64-apple-darwin',
};

export function locateCodex(
  configured: string | undefined,
  pathVariable: string | undefined,
  cwd: string,
): FoundProgram | undefined {
  const suffix = platformSuffix();
  const triple = CODEX_TRIPLES[suffix];
  const platformPackage = `@openai/codex-${suffix}`;
  return findProgram('codex', {
    configured,
    pathVariable,
    cwd,
    packaged: [
      ...(triple
        ? [
            { packageName: platformPackage, relativePath: `vendor/${triple}/bin/codex` },
            { packageName: platformPackage, relativePath: `vendor/${triple}/codex/codex` },
          ]
        : []),
      { packageName: '@openai/codex', relativePath: 'bin/codex.js' },
    ],
  });
}

const SANDBOX_EFFECT: Record<CodexSettings['sandbox'], string> = {
  'read-only': 'run commands that only read (read-only sandbox): even `wg log` cannot write the graph',
  'workspace-write': 'run commands in the workspace-write sandbox',
  'danger-full-access': 'run any command, as you, without a sandbox (danger-full-access)',
};

export function codexPermissions(
  settings: CodexSettings,
  context: Pick<PermissionContext, 'workdir' | 'workgraphDir' | 'protocolTools'>,
): string[] {
  const writable =
    settings.sandbox === 'workspace-write'
      ? [
          `write: \`${context.workdir}\`${graphOutsideWorkdir(context) ? ` and \`${context.workgraphDir}\`` : ''}, and temporary folders`,
        ]
      : [];
  return [
    ...(context.protocolTools
      ? [`use wg's tools: ${WG_TOOL_NAMES.map((tool) => `\`${codexToolName(tool)}\``).join(', ')}`]
      : []),
    SANDBOX_EFFECT[settings.sandbox],
    ...writable,
    `run ${protocolCommandList()} and the task's check: \`wg\` is on PATH in its (non-login) shell`,
    'nothing that needs an approval: codex exec refuses it, and a declined command ends the attempt',
  ];
}

export function codexBackend(name: string, locate: typeof locateCodex = locateCodex): Backend {
  return {
    name,
    usesPrompt: true,

    continuesSessions: true,

    launch(context: RunContext): LaunchSpec {
      const settings = parseCodexSettings(name, context.settings);
      const env = withEnv(context.env, settings.env);
      const program = locate(settings.command, env.PATH, context.workdir);
      if (!program) {
        throw new ConfigError(
          settings.command
            ? `config.toml [backends.${name}] command: ${settings.command} was not found or is not executable`
            : 'Codex (codex) is not on PATH and not installed beside wg',
          settings.command
            ? 'give the absolute path of the codex binary'
            : 'npm install -g @openai/codex, or set command under [backends.codex] in .workgraph/config.toml',
        );
      }
      return {
        file: program.path,
        args: codexArgs(
          settings,
          context,
          codexEnvironment(env).credentials,
          context.protocolTools ? mcpServerSpec(env) : undefined,
        ),
        cwd: context.workdir,
        env,
        stdin: context.prompt,
      };
    },

    environment: codexEnvironment,

    protocolToolName: codexToolName,

    permissions(context: PermissionContext): string[] {
      return codexPermissions(parseCodexSettings(name, context.settings), context);
    },

    parser(): OutputParser {
      return codexStreamParser();
    },
  };
}
