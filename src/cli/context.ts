/** What every command needs: where the graph is, who is acting, and how to print. */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { Credentials } from '../graph/lease.js';
import type { Caller } from '../graph/transitions.js';
import type { Config } from '../config/config.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Graph } from '../graph/model.js';
import { FileGraphStore } from '../store/file/file-store.js';
import type { ParsedGraph } from '../store/jsonl.js';
import type { WorkspaceStore } from '../store/store.js';
import { locateWorkgraph, type Location } from '../store/locate.js';

export interface Workspace extends Location {
  store: WorkspaceStore;
  /** Loaded on demand: most commands never need it, and it brings in the TOML parser and zod. */
  config(): Promise<Config>;
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

/**
 * The PostgreSQL URL this workspace uses, if any: WG_STORE_URL, else `[store] url` in
 * config.toml. A config without a [store] table is not even parsed, so file-store
 * commands pay nothing for this.
 */
async function storeUrl(dir: string): Promise<string | undefined> {
  if (process.env.WG_STORE_URL) return process.env.WG_STORE_URL;
  let text = '';
  try {
    text = readFileSync(join(dir, 'config.toml'), 'utf8');
  } catch {
    return undefined;
  }
  if (!/^\s*\[store\]/m.test(text)) return undefined;
  return (await import('../config/config.js')).loadConfig(dir).store.url;
}

/** The store, decided on first use: graph.jsonl, or PostgreSQL (loaded only then). */
class WorkspaceStoreChoice implements WorkspaceStore {
  private chosen: Promise<WorkspaceStore> | undefined;

  constructor(
    private readonly dir: string,
    private readonly longLived: boolean,
  ) {}

  private store(): Promise<WorkspaceStore> {
    this.chosen ??= (async () => {
      const url = await storeUrl(this.dir);
      if (url === undefined) return new FileGraphStore(this.dir, { journal: this.longLived });
      const { PostgresGraphStore } = await import('../store/postgres/postgres-store.js');
      const store = new PostgresGraphStore(url);
      openStores.push(store);
      return store;
    })();
    return this.chosen;
  }

  async load() {
    return (await this.store()).load();
  }

  async transact<T>(change: (graph: Graph) => T | Promise<T>): Promise<T> {
    return (await this.store()).transact(change);
  }

  async parse(options?: { revalidate?: boolean }) {
    return (await this.store()).parse(options);
  }

  async derived<T>(name: string, compute: (graph: Graph) => T): Promise<T> {
    return (await this.store()).derived(name, compute);
  }

  async replaceAll(parsed: ParsedGraph): Promise<void> {
    return (await this.store()).replaceAll(parsed);
  }

  async watch(onChange: () => void): Promise<() => Promise<void>> {
    return (await this.store()).watch(onChange);
  }

  async settle(): Promise<void> {
    if (this.chosen) await (await this.chosen).settle?.();
  }
}

/**
 * `longLived`: a process that will make many changes over a while (`wg run`); on the
 * file store its transactions go to the journal, folded into graph.jsonl by `settle`.
 */
export function openWorkspace(
  command: Command,
  options: { longLived?: boolean } = {},
): Workspace & { store: WorkspaceStoreChoice } {
  const location = locateWorkgraph(globalOptions(command).dir, process.cwd(), process.env);
  return {
    ...location,
    store: new WorkspaceStoreChoice(location.dir, options.longLived ?? false),
    config: async () => (await import('../config/config.js')).loadConfig(location.dir),
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
