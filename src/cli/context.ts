/** What every command needs: where the graph is, who is acting, and how to print. */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { Credentials } from '../graph/lease.js';
import type { Caller } from '../graph/transitions.js';
import type { Config } from '../config/config.js';
import type { Graph } from '../graph/model.js';
import type { WorkspaceStore } from '../store/store.js';
import { locateWorkgraph, type Location } from '../store/locate.js';
import { openStore } from '../store/open.js';

/** Where the graph is, and its settings: enough for commands that never read the graph (`wg backends`). */
export interface WorkspacePlace extends Location {
  /** Loaded on demand: most commands never need it, and it brings in the TOML parser and zod. */
  config(): Promise<Config>;
}

export interface Workspace extends WorkspacePlace {
  /** The store, chosen when the workspace was opened: graph.jsonl or PostgreSQL. */
  store: WorkspaceStore;
}

/** Global options live on the root program; `optsWithGlobals` merges them in. */
export function globalOptions(command: Command): { dir?: string } {
  return command.optsWithGlobals() as { dir?: string };
}

/** Stores this process opened that hold connections: closed when the command is over. */
const openStores: WorkspaceStore[] = [];

export async function closeOpenStores(): Promise<void> {
  await Promise.all(openStores.splice(0).map((store) => store.close?.()));
}

/** The graph's folder and settings, without opening its store. */
export function locateWorkspace(command: Command): WorkspacePlace {
  const location = locateWorkgraph(globalOptions(command).dir, process.cwd(), process.env);
  return {
    ...location,
    config: async () => (await import('../config/config.js')).loadConfig(location.dir),
  };
}

/**
 * The workspace with its store open. `longLived`: a process that will make many changes
 * over a while (`wg run`); on the file store its transactions go to the journal.
 */
export async function openWorkspace(command: Command, options: { longLived?: boolean } = {}): Promise<Workspace> {
  const place = locateWorkspace(command);
  return { ...place, store: await storeOf(place, options) };
}

/** The store of a workspace already located (closed, if it holds connections, when the command is over). */
export async function storeOf(place: Location, options: { longLived?: boolean } = {}): Promise<WorkspaceStore> {
  const store = await openStore(place.dir, { longLived: options.longLived ?? false });
  if (store.close) openStores.push(store);
  return store;
}

/** The graph as it stands: what most read commands need, and nothing else. */
export async function loadGraph(command: Command): Promise<Graph> {
  return (await openWorkspace(command)).store.load();
}

export function defaultActor(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WG_ACTOR) return env.WG_ACTOR;
  try {
    return userInfo().username || 'cli';
  } catch {
    return env.USER ?? 'cli';
  }
}

/**
 * Lease credentials: `--token` applies to the task named on the command line; the
 * runner gives every agent WG_TASK_ID and WG_TOKEN in its environment.
 */
export function credentialsFor(
  taskId: string,
  token: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Credentials | undefined {
  if (token !== undefined) return { taskId, token };
  if (env.WG_TASK_ID) return { taskId: env.WG_TASK_ID, token: env.WG_TOKEN ?? '' };
  return undefined;
}

export interface LeaseOptions {
  actor?: string;
  token?: string;
  force?: boolean;
}

export function callerFor(taskId: string, options: LeaseOptions): Caller {
  return {
    actor: options.actor ?? defaultActor(),
    now: new Date(),
    credentials: credentialsFor(taskId, options.token),
    force: options.force ?? false,
  };
}

/** The options every lease-checked command takes. */
export function withLeaseOptions(command: Command): Command {
  return command
    .option('--actor <id>', 'who is acting (default: $WG_ACTOR, else your user name)')
    .option('--token <token>', 'the lease token from `wg claim` (agents get $WG_TOKEN)')
    .option('--force', 'override the lease check (recorded in the task log)');
}
