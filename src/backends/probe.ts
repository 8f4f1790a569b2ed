/**
 * `wg backends`: for each backend, whether its program is there, which version, and what
 * it still lacks (an API key, a login). Looks at the disk and runs `--version`, so it is
 * kept apart from the backends themselves, which only build launches.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { parse as parseToml } from 'smol-toml';
import { ConfigError } from '../errors.js';
import { ACP_BACKEND_NAMES, BUILTIN_BACKENDS, resolveBackend } from './index.js';
import { acpAgentName, locateAcpAgent } from './acp.js';
import { knownAcpAgent } from '../acp/known-agents.js';
import { locateClaude } from './claude.js';
import { locateCodex } from './codex.js';
import { packageFolder, searchPath } from './find-program.js';
import type { Config } from '../config/config.js';

export interface BackendReport {
  name: string;
  /** The backend kind: the built-in's own name, or a table's `type`. */
  type: string;
  program: string | null;
  /** How the program was found: config, PATH, package (beside wg), or runtime (wg's own Node). */
  source: string | null;
  version: string | null;
  /** What stops it from running; empty when it is ready. */
  missing: string[];
  /** What its agents may do without asking, for a task that narrows nothing (see Backend.permissions). */
  permissions: string[];
}

type Env = Record<string, string | undefined>;

const VERSION_TIMEOUT_MS = 15_000;

/** One `--version` per program, however many tables use it. */
const versions = new Map<string, Promise<string | null>>();

function versionOf(file: string, timeoutMs: number): Promise<string | null> {
  let version = versions.get(file);
  if (!version) versions.set(file, (version = runVersion(file, timeoutMs)));
  return version;
}

async function runVersion(file: string, timeoutMs: number): Promise<string | null> {
  const result = await execa(file, ['--version'], {
    reject: false,
    timeout: timeoutMs,
    stdin: 'ignore',
    env: { CLAUDECODE: undefined },
  });
  const line = `${result.stdout}`.trim().split('\n')[0]?.trim();
  return result.exitCode === 0 && line ? line : null;
}

function claudeCredentials(env: Env): string[] {
  if (env.ANTHROPIC_API_KEY || env.ANTHROPIC_AUTH_TOKEN || env.CLAUDE_CODE_OAUTH_TOKEN) return [];
  const configDir = env.CLAUDE_CONFIG_DIR ?? join(env.HOME ?? homedir(), '.claude');
  if (existsSync(join(configDir, '.credentials.json'))) return [];
  return ['an API key (ANTHROPIC_API_KEY) or a login (run claude, then /login)'];
}

/** Codex reads keys from its login (auth.json), OPENAI_API_KEY, or the env_key of its configured provider. */
function codexCredentials(env: Env): string[] {
  const home = env.CODEX_HOME ?? join(env.HOME ?? homedir(), '.codex');
  if (existsSync(join(home, 'auth.json')) || env.OPENAI_API_KEY || env.CODEX_API_KEY) return [];
  try {
    const config = parseToml(readFileSync(join(home, 'config.toml'), 'utf8')) as {
      model_provider?: string;
      model_providers?: Record<string, { env_key?: string }>;
    };
    const provider = config.model_provider ? config.model_providers?.[config.model_provider] : undefined;
    if (provider && (provider.env_key === undefined || env[provider.env_key])) return [];
    if (provider?.env_key)
      return [
        `${provider.env_key} (the key of model provider ${config.model_provider} in ${join(home, 'config.toml')})`,
      ];
  } catch {
    // No readable config: only a login or OPENAI_API_KEY would do.
  }
  return ['an API key (OPENAI_API_KEY) or a login (codex login)'];
}

/** Where a project's agents would work, for the permissions a backend reports. */
export interface ProbePlace {
  cwd: string;
  workgraphDir: string;
}

/** The backend's own account of its defaults; a table it cannot use is something missing. */
function permissionsOf(name: string, config: ProbeConfig, place: ProbePlace, report: BackendReport): void {
  try {
    const { backend, settings } = resolveBackend(name, config);
    report.permissions = backend.permissions({
      task: undefined,
      settings,
      workdir: place.cwd,
      workgraphDir: place.workgraphDir,
      // `[run] mcp` (on unless a project turns it off): the protocol's tools, where the backend offers them.
      protocolTools: backend.protocolToolName !== undefined && (config.run?.mcp ?? true),
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // A table already reported as incomplete (a command backend without argv) needs no second line.
    if (!report.missing.some((entry) => entry.includes(`[backends.${name}]`)))
      report.missing.push(`a usable table: ${error.message}`);
  }
}

/** `wg doctor` keeps to its time limit, and asks only the programs it will use for their versions. */
export interface ProbeOptions {
  versionTimeoutMs?: number;
  versionsFor?: (name: string) => boolean;
}

async function probeOne(
  name: string,
  type: string,
  table: Record<string, unknown>,
  env: Env,
  cwd: string,
  options: ProbeOptions,
): Promise<BackendReport> {
  const version = (file: string) =>
    (options.versionsFor?.(name) ?? true)
      ? versionOf(file, options.versionTimeoutMs ?? VERSION_TIMEOUT_MS)
      : Promise.resolve(null);
  const report: BackendReport = {
    name,
    type,
    program: null,
    source: null,
    version: null,
    missing: [],
    permissions: [],
  };
  const command = typeof table.command === 'string' ? table.command : undefined;
  switch (type) {
    case 'shell': {
      report.program = searchPath('sh', env.PATH) ?? null;
      report.source = report.program ? 'PATH' : null;
      if (!report.program) report.missing.push('sh on PATH');
      return report;
    }
    case 'command': {
      const argv = Array.isArray(table.argv) ? table.argv : undefined;
      const program = typeof argv?.[0] === 'string' ? argv[0] : undefined;
      if (!program) {
        report.missing.push(`argv under [backends.${name}] in .workgraph/config.toml`);
        return report;
      }
      report.program = program.includes('/')
        ? existsSync(program)
          ? program
          : null
        : (searchPath(program, env.PATH) ?? null);
      report.source = report.program ? (program.includes('/') ? 'config' : 'PATH') : null;
      if (!report.program) report.missing.push(`${program} (argv[0]) was not found`);
      return report;
    }
    case 'claude': {
      const found = locateClaude(command, env.PATH, cwd);
      if (found)
        Object.assign(report, { program: found.path, source: found.source, version: await version(found.path) });
      else report.missing.push('the claude program (npm install -g @anthropic-ai/claude-code)');
      report.missing.push(...claudeCredentials(env));
      return report;
    }
    case 'codex': {
      const found = locateCodex(command, env.PATH, cwd);
      if (found)
        Object.assign(report, { program: found.path, source: found.source, version: await version(found.path) });
      else report.missing.push('the codex program (npm install -g @openai/codex)');
      report.missing.push(...codexCredentials(env));
      return report;
    }
    case 'anthropic': {
      report.program = process.execPath;
      report.source = 'runtime';
      const sdk = packageFolder('@anthropic-ai/sdk');
      const version = sdk
        ? (JSON.parse(readFileSync(join(sdk, 'package.json'), 'utf8')) as { version?: string }).version
        : undefined;
      report.version = version ? `@anthropic-ai/sdk ${version}` : null;
      if (!sdk) report.missing.push('the @anthropic-ai/sdk package');
      if (!env.ANTHROPIC_API_KEY && !(table.env as Env | undefined)?.ANTHROPIC_API_KEY)
        report.missing.push('an API key (ANTHROPIC_API_KEY)');
      return report;
    }
    case 'acp': {
      const agentName = acpAgentName(name, { agent: typeof table.agent === 'string' ? table.agent : undefined });
      const agent = agentName === undefined ? undefined : knownAcpAgent(agentName);
      if (!agent) {
        // Another ACP agent: its argv, as a command table's.
        const argv = Array.isArray(table.argv) ? table.argv : undefined;
        const program = typeof argv?.[0] === 'string' ? argv[0] : undefined;
        report.program = program ? (program.includes('/') ? program : (searchPath(program, env.PATH) ?? null)) : null;
        report.source = report.program ? (program?.includes('/') ? 'config' : 'PATH') : null;
        if (!report.program)
          report.missing.push(program ? `${program} (argv[0]) was not found` : `argv under [backends.${name}]`);
        return report;
      }
      const found = locateAcpAgent(agent, command, env.PATH, cwd);
      if (!found) {
        report.missing.push(`the ${agent.program} program (npm install -g ${agent.npm})`);
        return report;
      }
      Object.assign(report, { program: found.path, source: found.source });
      // Beside wg (found there, or on a PATH leading there) its package says its version; elsewhere the program does.
      const folder = packageFolder(agent.npm);
      const real = realpathSync(found.path);
      const inPackage = folder !== undefined && (found.source === 'package' || isInside(realpathSync(folder), real));
      report.version = inPackage
        ? `${agent.npm} ${(JSON.parse(readFileSync(join(folder!, 'package.json'), 'utf8')) as { version?: string }).version ?? '?'}`
        : agent.versionFlag
          ? await version(found.path)
          : null;
      return report;
    }
    default:
      report.missing.push(`a known type (this table has type "${type}")`);
      return report;
  }
}

/** The settings a probe reads: the backend tables, and `[run] mcp` when there is a project. */
type ProbeConfig = Pick<Config, 'backends'> & { run?: Pick<Config['run'], 'mcp'> };

/** Every built-in backend and every typed `[backends.NAME]` table, probed in parallel. */
export async function probeBackends(
  config: ProbeConfig,
  env: Env,
  place: ProbePlace,
  options: ProbeOptions = {},
): Promise<BackendReport[]> {
  const tables = config.backends ?? {};
  const entries: Array<[name: string, type: string]> = Object.keys(BUILTIN_BACKENDS).map((name) => [name, name]);
  // The known ACP agents, installed or not: which are is what people ask `wg backends` and `wg doctor`.
  for (const name of ACP_BACKEND_NAMES) entries.push([name, 'acp']);
  for (const [name, table] of Object.entries(tables)) {
    if (!Object.hasOwn(BUILTIN_BACKENDS, name) && !ACP_BACKEND_NAMES.includes(name) && typeof table.type === 'string')
      entries.push([name, table.type]);
  }
  return Promise.all(
    entries.map(async ([name, type]) => {
      const report = await probeOne(
        name,
        type,
        Object.hasOwn(tables, name) ? tables[name]! : {},
        { ...env, ...((tables[name]?.env as Env | undefined) ?? {}) },
        place.cwd,
        options,
      );
      permissionsOf(name, config, place, report);
      return report;
    }),
  );
}

function isInside(folder: string, path: string): boolean {
  const back = relative(folder, path);
  return back !== '' && !back.startsWith('..');
}
