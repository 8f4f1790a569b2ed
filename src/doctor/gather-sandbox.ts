/**
 * What `wg doctor` needs of the sandbox: which open tasks would run in it and whether
 * bubblewrap starts one here (one trial run, only when some task uses it; nothing when none
 * asks for it); and, for Codex,
 * whether its CODEX_HOME lies where its own bubblewrap sandbox refuses to work.
 */
import { homedir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import type { Config } from '../config/config.js';
import type { Graph } from '../graph/model.js';
import { findBwrap, probeSandbox } from '../sandbox/probe.js';
import type { BackendLaunch } from './launch.js';
import type { SandboxFacts } from './types.js';

/** Backend types whose programs keep a sandbox of their own that `[run] sandbox` leaves be (Claude Code's it turns on: bubblewrap too). */
const OWN_SANDBOX = new Set(['codex']);

export async function gatherSandbox(
  graph: Graph,
  config: Config,
  launches: readonly BackendLaunch[],
  env: Record<string, string | undefined>,
): Promise<SandboxFacts | undefined> {
  const tasks = launches
    .filter((launch) => !OWN_SANDBOX.has(launch.type ?? ''))
    .flatMap((launch) => launch.tasks)
    .filter((id) => (graph.tasks.get(id)?.sandbox ?? config.run.sandbox) === 'bwrap');
  // Nobody asked for it: no line at all.
  if (tasks.length === 0 && config.run.sandbox !== 'bwrap') return undefined;
  const network = config.run.sandbox_network;
  return {
    tasks,
    network,
    postgres: Boolean(env.WG_STORE_URL || config.store.url),
    probe: tasks.length > 0 ? await probeSandbox(network, env) : undefined,
  };
}

const inside = (path: string, folder: string) => {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/**
 * Codex makes the helper its bubblewrap sandbox runs commands through in CODEX_HOME, and
 * refuses to under the temp folder (TMPDIR, else /tmp): with bwrap installed every command
 * then fails (`bwrap: execvp codex-linux-sandbox`). Undefined: not the case.
 */
export function codexHomeUnderTemp(
  agentEnv: Record<string, string | undefined>,
  wgEnv: Record<string, string | undefined>,
): { home: string; temp: string } | undefined {
  if (!findBwrap(agentEnv.PATH === undefined ? wgEnv : agentEnv)) return undefined;
  const home = agentEnv.CODEX_HOME || join(agentEnv.HOME || homedir(), '.codex');
  const temp = agentEnv.TMPDIR || '/tmp';
  return inside(home, temp) ? { home, temp } : undefined;
}
