/**
 * Whether and how an attempt runs in the sandbox (`[run] sandbox`, a task's `sandbox`), and
 * the plan for it (src/sandbox/bwrap.ts): what bwrap is told to leave writable and visible.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { ProcessEnd } from '../process/supervise.js';
import type { Backend } from '../backends/types.js';
import type { Config } from '../config/config.js';
import { ConfigError } from '../errors.js';
import type { Task } from '../graph/schema.js';
import { SANDBOX_MARKER, type SandboxPlan } from '../sandbox/bwrap.js';

/** How an attempt's sandbox applies; undefined: it runs without one. */
export type SandboxUse =
  | { kind: 'process' | 'commands'; plan: SandboxPlan; marker: string }
  /** The backend's program has a sandbox of its own: turned on (Claude Code's), or left as it is (Codex's). */
  | { kind: 'own'; backend: string; turnedOn: boolean };

export interface SandboxPlace {
  task: Task;
  config: Config;
  backend: Backend;
  backendName: string;
  /** The attempt's worktree, when it has one; else the agent's working directory is where it writes. */
  worktree: string | undefined;
  workdir: string;
  root: string;
  workgraphDir: string;
  wgBinDir: string;
  promptFile: string;
  env: Readonly<Record<string, string | undefined>>;
}

export function sandboxFor(place: SandboxPlace): SandboxUse | undefined {
  const { task, config } = place;
  if ((task.sandbox ?? config.run.sandbox) !== 'bwrap') return undefined;
  const postgres = Boolean(place.env.WG_STORE_URL || config.store.url);
  if (!place.backend.sandbox) return { kind: 'own', backend: place.backendName, turnedOn: false };
  if (place.backend.sandbox === 'own') {
    if (postgres)
      throw new ConfigError(
        `${place.backendName}'s own sandbox keeps its commands off the network, and with a PostgreSQL store the agent's wg commands reach the graph over it`,
        `run its tasks without the sandbox (wg edit ${task.id} --sandbox none)`,
      );
    return { kind: 'own', backend: place.backendName, turnedOn: true };
  }
  const network = config.run.sandbox_network;
  if (!network && postgres)
    throw new ConfigError(
      'sandbox = "bwrap" keeps the network off, and with a PostgreSQL store the agent\'s wg commands reach the graph over it',
      'set sandbox_network = true under [run] (the agent then has the network too), or run this task with --sandbox none',
    );
  const temp = [...new Set(['/tmp', place.env.TMPDIR].filter((path): path is string => !!path && isAbsolute(path)))];
  return {
    kind: place.backend.sandbox,
    marker: join(dirname(place.promptFile), SANDBOX_MARKER),
    plan: {
      tree: place.worktree ?? place.workdir,
      workgraphDir: place.workgraphDir,
      // The project (its node_modules), wg's install and node (the agent's `wg` must start), and HOME, read-only.
      keep: [
        place.root,
        dirname(place.wgBinDir),
        dirname(process.execPath),
        ...(place.env.HOME ? [place.env.HOME] : []),
      ],
      temp,
      network,
    },
  };
}

/** One line for the task's log and the dry run: what the sandbox does, or why there is none. */
export function describeSandbox(use: SandboxUse): string {
  if (use.kind === 'own')
    return use.turnedOn
      ? `sandbox: ${use.backend}'s own sandbox is on: its commands run in bubblewrap, writing only in the working directory, temp folders and the graph folder, with no network`
      : `sandbox: ${use.backend} runs in its own sandbox, as its settings say ([run] sandbox wraps shell, command and anthropic agents, and turns Claude Code's on)`;
  const what = use.kind === 'process' ? 'the agent runs' : "the agent's commands run";
  return `sandbox: ${what} in bubblewrap: writable only ${use.plan.tree}, the graph folder and a private /tmp; network ${use.plan.network ? 'on' : 'off'}`;
}

/**
 * Why a sandboxed program never started: it exited with an error and left no marker, so bwrap
 * itself failed (a folder it could not bind, namespaces refused); its `bwrap:` lines say why.
 * Undefined: it started (whatever became of it is the agent's).
 */
export function sandboxNeverStarted(
  use: SandboxUse | undefined,
  end: ProcessEnd,
  outputLog: string,
): string | undefined {
  if (use?.kind !== 'process' || end.kind !== 'exited' || end.exitCode === 0 || existsSync(use.marker))
    return undefined;
  let output = '';
  try {
    output = readFileSync(outputLog, 'utf8');
  } catch {
    // It printed nothing.
  }
  const said = output.split('\n').filter((line) => line.startsWith('bwrap:'));
  return `sandbox = "bwrap": the sandbox did not start: ${said.slice(-3).join('; ') || `bwrap exited with code ${end.exitCode}`}`;
}
