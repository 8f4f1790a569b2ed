/**
 * Everything about one attempt that is decided before launch: prompt, backend, model,
 * working directory, environment and the exact process. `wg run --dry-run` and a
 * real run both go through `prepareLaunch`, so what a dry run shows is what runs.
 */
import { resolveBackend, chooseBackendName, type Backend, type LaunchSpec } from '../backends/index.js';
import type { Graph } from '../graph/model.js';
import type { Actor, Task } from '../graph/schema.js';
import { preparePrompt } from '../prompt/index.js';
import type { Config } from '../store/config.js';
import type { TreeInfo } from './isolation.js';
import { refusalPolicy } from './refusals.js';
import { resolveWorkdir } from './workdir.js';

export interface LaunchOptions {
  root: string;
  workgraphDir: string;
  config: Config;
  /** Folder holding the `wg` executable agents should find on PATH. */
  wgBinDir: string;
  backend?: string | undefined;
  model?: string | undefined;
  allowOutside: boolean;
  baseEnv: Record<string, string | undefined>;
}

export interface AttemptIdentity {
  actor: Actor;
  attempt: number;
  /** The lease token; a dry run shows a placeholder. */
  token: string;
  previousStepId?: string | undefined;
  resumeSession?: string | undefined;
  /** Dollars the attempt may still spend under the task's cap (undefined: no cap). */
  allowanceUsd?: number | undefined;
  /** The attempt's own tree, when runs are isolated: its project root and what to tell the agent about it. */
  place?: { root: string; info: TreeInfo | undefined } | undefined;
}

export interface PreparedLaunch {
  taskId: string;
  backendName: string;
  backend: Backend;
  model: string | undefined;
  workdir: string;
  prompt: string;
  promptTokens: number;
  omitted: string[];
  spec: LaunchSpec;
  /** The variables wg itself adds to the agent's environment (for display). */
  addedEnv: Record<string, string>;
  /** What the agent may do without asking, as its backend grants it (also in the prompt). */
  permissions: string[];
  /** What a refused call does to this attempt (`[run] on_permission_denied`, resolved for the task). */
  onPermissionDenied: 'fail' | 'continue';
}

export function agentEnv(options: LaunchOptions, task: Task, identity: AttemptIdentity): Record<string, string> {
  return {
    WG_DIR: options.workgraphDir,
    // In a worktree, the agent's paths (`wg artifact out.txt`) are relative to the project inside it.
    ...(identity.place && identity.place.root !== options.root ? { WG_ROOT: identity.place.root } : {}),
    WG_TASK_ID: task.id,
    WG_TOKEN: identity.token,
    WG_ACTOR: identity.actor.id,
    WG_ATTEMPT: String(identity.attempt),
    PATH: `${options.wgBinDir}:${options.baseEnv.PATH ?? ''}`,
  };
}

/**
 * Build the launch. `promptFile` is where prompt.md will be (the run directory); the
 * prompt text is returned for the caller to write there before launching.
 */
export function prepareLaunch(graph: Graph, task: Task, identity: AttemptIdentity, promptFile: string, options: LaunchOptions): PreparedLaunch {
  const backendName = options.backend ?? chooseBackendName(task, identity.actor, options.config);
  const { backend, settings } = resolveBackend(backendName, options.config);
  const root = identity.place?.root ?? options.root;
  const workdir = resolveWorkdir(root, task.working_dir, options.allowOutside);
  const model = options.model ?? task.model ?? identity.actor.model ?? options.config.defaults.model;
  const onPermissionDenied = refusalPolicy(options.config.run.on_permission_denied, task);
  const permissions = backend.permissions({ task, settings, workdir, workgraphDir: options.workgraphDir, onPermissionDenied });
  const prompt = backend.usesPrompt
    ? preparePrompt(root, options.workgraphDir, graph, task, { actor: identity.actor, contextLimit: options.config.defaults.context_limit, previousStepId: identity.previousStepId, workdir, permissions, tree: identity.place?.info })
    : { text: '', omitted: [], estimatedTokens: 0 };
  const addedEnv = agentEnv(options, task, identity);
  const spec = backend.launch({
    task,
    prompt: prompt.text,
    promptFile,
    workdir,
    workgraphDir: options.workgraphDir,
    model,
    settings,
    env: { ...options.baseEnv, ...addedEnv },
    resumeSession: identity.resumeSession,
    maxCostUsd: identity.allowanceUsd,
    onPermissionDenied,
  });
  return { taskId: task.id, backendName, backend, model, workdir, prompt: prompt.text, promptTokens: prompt.estimatedTokens, omitted: prompt.omitted, spec, addedEnv, permissions, onPermissionDenied };
}
