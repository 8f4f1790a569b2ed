/** What every command needs: where the graph is, who is acting, and how to print. */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { Credentials } from '../graph/lease.js';
import type { Caller } from '../graph/transitions.js';
import type { Config } from '../store/config.js';
import { FileGraphStore } from '../store/file-store.js';
import { locateWorkgraph, type Location } from '../store/locate.js';

export interface Workspace extends Location {
  store: FileGraphStore;
  /** Loaded on demand: most commands never need it, and it brings in the TOML parser and zod. */
  config(): Promise<Config>;
}

/** Global options live on the root program; `optsWithGlobals` merges them in. */
export function globalOptions(command: Command): { dir?: string } {
  return command.optsWithGlobals() as { dir?: string };
}

export function openWorkspace(command: Command): Workspace {
  const location = locateWorkgraph(globalOptions(command).dir, process.cwd(), process.env);
  return {
    ...location,
    store: new FileGraphStore(location.dir),
    config: async () => (await import('../store/config.js')).loadConfig(location.dir),
  };
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
export function credentialsFor(taskId: string, token: string | undefined, env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
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
