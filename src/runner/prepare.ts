/**
 * Everything about one attempt that is decided before launch: prompt, backend, model,
 * working directory, environment and the exact process. `wg run --dry-run` and a
 * real run both go through `prepareLaunch`, so what a dry run shows is what runs.
 */
import { resolve } from 'node:path';
import { resolveBackend, chooseBackendName, type Backend, type LaunchSpec } from '../backends/index.js';
import { WgError } from '../errors.js';
import type { Graph } from '../graph/model.js';
import type { Actor, Task } from '../graph/schema.js';
import { preparePrompt, type UpstreamChangeReader } from '../prompt/index.js';
import type { RetryBasis } from '../prompt/types.js';
import type { Config } from '../config/config.js';
import type { TreeInfo } from './isolation.js';
import { buildAgentEnv } from '../system/agent-env.js';
import { WG_TOOL_NAMES } from '../mcp/tools.js';
import { redactText, secretValues } from './redact.js';
import { refusalPolicy } from './refusals.js';
import { futureWorkdir, resolveWorkdir } from './workdir.js';
import { sandboxed, bwrapOptions } from '../sandbox/bwrap.js';
import { sandboxFor, type SandboxUse } from './sandbox.js';

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
  /** Runs isolated in git worktrees: how a prompt reads what an upstream task's landed commit changed. */
  upstreamChanges?: UpstreamChangeReader | undefined;
  /** Why upstream files are shown whole instead (said once in each prompt that has some). */
  wholeFiles?: string | undefined;
}

export interface AttemptPlace {
  root: string;
  info: TreeInfo | undefined;
  /** A dry run's tree is not made yet: check and read its files here (the checkout it will be made from). */
  readFrom?: string | undefined;
  /** What a retry's tree (and session) started from, for its prompt. */
  retry?: RetryBasis | undefined;
}

export interface AttemptIdentity {
  actor: Actor;
  attempt: number;
  /** The lease token; a dry run shows a placeholder. */
  token: string;
  previousStepId?: string | undefined;
  resumeSession?: string | undefined;
  /** The previous attempt's session, continued by this retry (see backends/types.ts). */
  continueSession?: string | undefined;
  /** Dollars the attempt may still spend under the task's cap (undefined: no cap). */
  allowanceUsd?: number | undefined;
  /** The attempt's own tree, when runs are isolated: its project root and what to tell the agent about it. */
  place?: AttemptPlace | undefined;
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
  /** Names of wg's environment the agent gets, and those it does not (src/system/agent-env.ts). */
  environment: { passed: string[]; withheld: string[] };
  /** Values masked in all the attempt writes: every secret-looking value of wg's environment, passed or withheld, and of the agent's. */
  secrets: string[];
  /** What the agent may do without asking, as its backend grants it (also in the prompt). */
  permissions: string[];
  /** What a refused call does to this attempt (`[run] on_permission_denied`, resolved for the task). */
  onPermissionDenied: 'fail' | 'continue';
  /** The sandbox it runs in (`[run] sandbox`, the task's `sandbox`); undefined: none. */
  sandbox: SandboxUse | undefined;
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
export function prepareLaunch(
  graph: Graph,
  task: Task,
  identity: AttemptIdentity,
  promptFile: string,
  options: LaunchOptions,
): PreparedLaunch {
  // Not tolerant: the first part that cannot be built has thrown, so every part is there.
  const { errors: _none, ...launch } = assemble(graph, task, identity, promptFile, options, false);
  return launch as PreparedLaunch;
}

/** What a dry run shows of a launch: all that can be built, and why the launch would fail (if it would). */
export interface LaunchPreview extends Partial<Omit<PreparedLaunch, 'backend'>> {
  backend?: Backend | undefined;
  /** Each reason the launch would fail, first the one a real run would report. */
  errors: string[];
}

/**
 * As `prepareLaunch`, but a part that cannot be built does not stop the rest: the prompt
 * is built even when no backend can be chosen or started (then as an agent would get it).
 */
export function previewLaunch(
  graph: Graph,
  task: Task,
  identity: AttemptIdentity,
  promptFile: string,
  options: LaunchOptions,
): LaunchPreview {
  return assemble(graph, task, identity, promptFile, options, true);
}

/** The one way a launch is built; `tolerant`: record a WgError and go on without that part, instead of throwing it. */
function assemble(
  graph: Graph,
  task: Task,
  identity: AttemptIdentity,
  promptFile: string,
  options: LaunchOptions,
  tolerant: boolean,
): LaunchPreview {
  const errors: string[] = [];
  const attempt = <T>(build: () => T): T | undefined => {
    if (!tolerant) return build();
    try {
      return build();
    } catch (error) {
      if (!(error instanceof WgError)) throw error;
      errors.push(error.message);
      return undefined;
    }
  };
  const backendName = attempt(() => options.backend ?? chooseBackendName(task, identity.actor, options.config));
  const resolved = backendName === undefined ? undefined : attempt(() => resolveBackend(backendName, options.config));
  const backend = resolved?.backend;
  const settings = resolved?.settings ?? {};
  const root = identity.place?.root ?? options.root;
  const readFrom = identity.place?.readFrom;
  const workdir = attempt(() =>
    readFrom === undefined
      ? resolveWorkdir(root, task.working_dir, options.allowOutside)
      : futureWorkdir(root, readFrom, task.working_dir, options.allowOutside),
  );
  const model = options.model ?? task.model ?? identity.actor.model ?? options.config.defaults.model;
  const onPermissionDenied = refusalPolicy(options.config.run.on_permission_denied, task);
  // The protocol as tools, where the backend can offer them (`[run] mcp`): the prompt names them instead of `wg` commands.
  const toolName = options.config.run.mcp ? backend?.protocolToolName : undefined;
  const protocolTools = toolName && Object.fromEntries(WG_TOOL_NAMES.map((tool) => [tool, toolName(tool)]));
  const permissions =
    backend && workdir !== undefined
      ? attempt(() =>
          backend.permissions({
            task,
            settings,
            workdir,
            workgraphDir: options.workgraphDir,
            onPermissionDenied,
            protocolTools: protocolTools !== undefined,
          }),
        )
      : undefined;
  // The allowlist: wg's environment less what neither the rule, the backend nor env_pass lets through.
  const allowed = buildAgentEnv({
    parent: options.baseEnv,
    program: backend?.environment?.(options.baseEnv).program ?? [],
    pass: [...options.config.run.env_pass, ...(task.env_pass ?? [])],
  });
  const environment = { passed: allowed.passed, withheld: allowed.withheld };
  // With no backend known, the prompt is shown as an agent would get it.
  const built =
    (backend?.usesPrompt ?? true)
      ? attempt(() =>
          preparePrompt(root, options.workgraphDir, graph, task, {
            actor: identity.actor,
            contextLimit: options.config.defaults.context_limit,
            previousStepId: identity.previousStepId,
            workdir: workdir ?? resolve(root, task.working_dir ?? '.'),
            permissions,
            tree: identity.place?.info,
            readFrom,
            upstreamChanges: options.upstreamChanges,
            wholeFiles: options.wholeFiles,
            retry: identity.place?.retry,
            sessionContinues: identity.resumeSession !== undefined && identity.previousStepId !== undefined,
            protocolTools,
          }),
        )
      : { text: '', omitted: [], estimatedTokens: 0 };
  const addedEnv = agentEnv(options, task, identity);
  const baseSecrets = secretValues({ ...options.baseEnv, ...addedEnv });
  // A secret a task's text or an upstream file carries is masked in the prompt too.
  const prompt = built && { ...built, text: redactText(built.text, baseSecrets) };
  const sandbox =
    backend && backendName !== undefined && workdir !== undefined
      ? attempt(() =>
          sandboxFor({
            task,
            config: options.config,
            backend,
            backendName,
            worktree: identity.place?.info ? root : undefined,
            workdir,
            root: options.root,
            workgraphDir: options.workgraphDir,
            wgBinDir: options.wgBinDir,
            promptFile,
            env: options.baseEnv,
          }),
        )
      : undefined;
  const launched =
    backend && workdir !== undefined && permissions !== undefined && prompt !== undefined
      ? attempt(() =>
          backend.launch({
            task,
            prompt: prompt.text,
            promptFile,
            workdir,
            workgraphDir: options.workgraphDir,
            model,
            settings,
            env: { ...allowed.env, ...addedEnv },
            resumeSession: identity.resumeSession,
            continueSession: identity.continueSession,
            maxCostUsd: identity.allowanceUsd,
            defaultMaxTurns: options.config.defaults.max_turns,
            onPermissionDenied,
            protocolTools: protocolTools !== undefined,
            sandbox: sandbox?.kind === 'commands' ? bwrapOptions(sandbox.plan, workdir) : undefined,
            ownSandbox: sandbox?.kind === 'own' && sandbox.turnedOn,
          }),
        )
      : undefined;
  const spec =
    launched && sandbox?.kind === 'process'
      ? { ...launched, ...sandboxed(launched, sandbox.plan, sandbox.marker) }
      : launched;
  return {
    taskId: task.id,
    backendName,
    backend,
    model,
    workdir,
    prompt: prompt?.text,
    promptTokens: prompt?.estimatedTokens,
    omitted: prompt?.omitted,
    spec,
    addedEnv,
    environment,
    secrets: spec ? mergeSecrets(baseSecrets, secretValues(spec.env)) : baseSecrets,
    permissions,
    onPermissionDenied,
    sandbox,
    errors,
  };
}

/** Both lists, longest first (so a secret containing another is masked whole). */
function mergeSecrets(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])].sort((x, y) => y.length - x.length);
}
