/**
 * Whether the backends a graph's open tasks would run on can be launched at all: the
 * backend resolves, its table is usable, its program is there, and its credentials are
 * not a known trap. `wg run` asks this before it claims anything (a task that cannot
 * launch would otherwise be claimed, failed, counted against its retries and leave a
 * worktree behind), and `wg doctor` shows it per backend.
 *
 * No process is started here: the backend builds its launch exactly as a run would, and
 * the program it names is looked up on the agent's PATH.
 */
import { buildAgentEnv } from '../system/agent-env.js';
import { accessSync, constants, statSync } from 'node:fs';
import { chooseBackendName, resolveBackend } from '../backends/index.js';
import { searchPath } from '../backends/find-program.js';
import { ConfigError, WgError } from '../errors.js';
import { reachableOpenTasks } from '../graph/deps.js';
import type { Graph } from '../graph/model.js';
import type { Actor, Task } from '../graph/schema.js';
import { agentEnv, type LaunchOptions } from '../runner/prepare.js';
import { assignActor, runActors } from '../runner/assign.js';
import type { LaunchSpec } from '../backends/types.js';

export interface Fault {
  message: string;
  fix: string;
}

export interface BackendLaunch {
  /** The backend's name, or undefined for tasks whose backend could not even be chosen. */
  name: string | undefined;
  /** Its kind: the built-in's own name, or a table's `type`. */
  type: string | undefined;
  /** The open tasks that would run on it. */
  tasks: string[];
  /** What a launch would be (for the first of its tasks), when it could be built. */
  spec: LaunchSpec | undefined;
  /** Why no task on it could start; undefined when it can launch. */
  fault: Fault | undefined;
  /** Names of wg's environment its agent gets, and those withheld from it (for the first of its tasks). */
  environment?: { passed: string[]; withheld: string[] } | undefined;
}

export interface LaunchScope {
  /** `wg run TASK`: only that task. */
  only?: string | undefined;
  /** `wg run --actor`: only tasks this actor would take. */
  actor?: string | undefined;
  contextLimit?: number | undefined;
}

const OAUTH_PREFIX = 'sk-ant-oat';

/**
 * Credentials that are present but cannot work: the OAuth token of a Claude subscription
 * (`sk-ant-oat…`, what `claude setup-token` prints) in ANTHROPIC_API_KEY, which both
 * Claude Code and the API send as an API key, and the API refuses.
 */
export function credentialTrap(type: string | undefined, env: Record<string, string | undefined>): Fault | undefined {
  if (!env.ANTHROPIC_API_KEY?.trim().startsWith(OAUTH_PREFIX)) return undefined;
  if (type === 'claude') {
    return {
      message:
        'ANTHROPIC_API_KEY holds an OAuth token (sk-ant-oat…), which Claude Code sends as an API key and the API refuses',
      fix: 'move it: export CLAUDE_CODE_OAUTH_TOKEN="$ANTHROPIC_API_KEY"; unset ANTHROPIC_API_KEY',
    };
  }
  if (type === 'anthropic') {
    return {
      message:
        'ANTHROPIC_API_KEY holds an OAuth token (sk-ant-oat…); the Anthropic API takes only API keys (sk-ant-api…)',
      fix: 'create an API key at console.anthropic.com and export ANTHROPIC_API_KEY=sk-ant-api…, or run tasks on the claude backend with CLAUDE_CODE_OAUTH_TOKEN',
    };
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The program of a launch as the spawn would find it: a path as given (from the agent's cwd), else on the agent's PATH. */
export function programPath(spec: LaunchSpec): string | undefined {
  if (spec.file.includes('/')) {
    const path = spec.file.startsWith('/') ? spec.file : `${spec.cwd}/${spec.file}`;
    return isExecutableFile(path) ? path : undefined;
  }
  return searchPath(spec.file, spec.env.PATH);
}

/** The open tasks in scope that a run could reach (see reachableOpenTasks), grouped by the backend each would run on, with whether that backend can launch. */
export function backendLaunches(graph: Graph, options: LaunchOptions, scope: LaunchScope = {}): BackendLaunch[] {
  const actors = runActors(graph, scope.actor, scope.contextLimit);
  const byName = new Map<string | undefined, BackendLaunch>();
  const reachable = reachableOpenTasks(graph);
  for (const task of graph.tasks.values()) {
    if (!reachable.has(task.id) || (scope.only !== undefined && task.id !== scope.only)) continue;
    const assignment = assignActor(graph, task, actors);
    // A task no actor may take is reported by the run itself (unassignable); it launches nothing.
    if ('reasons' in assignment) continue;
    let name: string | undefined;
    let unchosen: Fault | undefined;
    try {
      name = options.backend ?? chooseBackendName(task, assignment.actor, options.config);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      unchosen = {
        message: 'no backend is named, by the task, its actor or [defaults] backend in config.toml',
        fix: error.hint ?? 'set backend = "<name>" under [defaults] in .workgraph/config.toml',
      };
    }
    let entry = byName.get(name);
    if (!entry) {
      entry =
        name === undefined
          ? { name, type: undefined, tasks: [], spec: undefined, fault: unchosen }
          : inspectLaunch(task, assignment.actor, name, options);
      byName.set(name, entry);
    }
    entry.tasks.push(task.id);
  }
  return [...byName.values()];
}

function inspectLaunch(task: Task, actor: Actor, name: string, options: LaunchOptions): BackendLaunch {
  const table = Object.hasOwn(options.config.backends ?? {}, name) ? options.config.backends![name] : undefined;
  const type = typeof table?.type === 'string' ? table.type : name;
  const entry: BackendLaunch = { name, type, tasks: [], spec: undefined, fault: undefined };
  try {
    const { backend, settings } = resolveBackend(name, options.config);
    const allowed = buildAgentEnv({
      parent: options.baseEnv,
      program: backend.environment?.(options.baseEnv).program ?? [],
      pass: [...options.config.run.env_pass, ...(task.env_pass ?? [])],
    });
    entry.environment = { passed: allowed.passed, withheld: allowed.withheld };
    const env = { ...allowed.env, ...agentEnv(options, task, { actor, attempt: 1, token: '<lease token>' }) };
    entry.spec = backend.launch({
      task,
      prompt: '',
      promptFile: `${options.workgraphDir}/runs/${task.id}/1/prompt.md`,
      workdir: options.root,
      workgraphDir: options.workgraphDir,
      model: options.model ?? task.model ?? actor.model ?? options.config.defaults.model,
      settings,
      env,
      protocolTools: options.config.run.mcp && backend.protocolToolName !== undefined,
    });
  } catch (error) {
    if (!(error instanceof WgError)) throw error;
    entry.fault = { message: error.message, fix: error.hint ?? `fix [backends.${name}] in .workgraph/config.toml` };
    return entry;
  }
  if (programPath(entry.spec) === undefined) {
    const where = type === 'command' ? `argv[0] under [backends.${name}]` : `command under [backends.${name}]`;
    entry.fault = {
      message: `its program ${entry.spec.file} (${where}) was not found${entry.spec.file.includes('/') ? ' or is not executable' : ' on PATH'}`,
      fix: `install it, or put its absolute path as ${where} in .workgraph/config.toml`,
    };
    return entry;
  }
  entry.fault = credentialTrap(type, entry.spec.env);
  return entry;
}

/** `wg run` would claim tasks that cannot start: nothing was started. */
export class CannotLaunchError extends WgError {}

/** Refuse a run whose tasks no backend can launch, with the fix, before anything is claimed. */
export function assertLaunchable(graph: Graph, options: LaunchOptions, scope: LaunchScope = {}): void {
  const faulty = backendLaunches(graph, options, scope).filter((entry) => entry.fault !== undefined);
  if (faulty.length === 0) return;
  const describe = (entry: BackendLaunch) => {
    const tasks = `${entry.tasks.slice(0, 3).join(', ')}${entry.tasks.length > 3 ? ` and ${entry.tasks.length - 3} more` : ''}`;
    const who = `${entry.tasks.length === 1 ? 'task' : 'tasks'} ${tasks}`;
    return entry.name === undefined
      ? `${who}: ${entry.fault!.message}`
      : `${who}: backend ${entry.name}: ${entry.fault!.message}`;
  };
  const [first, ...rest] = faulty;
  const more = rest.length > 0 ? `; and ${rest.map(describe).join('; ')}` : '';
  throw new CannotLaunchError(
    `wg run cannot launch ${describe(first!)}${more}; nothing was started`,
    `${first!.fault!.fix} (\`wg doctor\` checks everything)`,
  );
}
