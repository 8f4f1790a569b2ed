/**
 * Which store a workspace uses, decided once when it is opened: PostgreSQL when a URL is
 * configured, else graph.jsonl. Each implementation is loaded only when chosen, so a
 * file-store command never loads node-postgres, and a PostgreSQL one never the journal.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkspaceStore } from './store.js';

export interface OpenStoreOptions {
  /**
   * A process that will make many changes over a while (`wg run`): on the file store its
   * transactions go to the journal, folded into graph.jsonl by `settle`.
   */
  longLived?: boolean;
  env?: NodeJS.ProcessEnv;
}

/**
 * The PostgreSQL URL this workspace uses, if any: WG_STORE_URL, else `[store] url` in
 * config.toml. A config without a [store] table is not even parsed, so file-store
 * commands pay nothing for this.
 */
export async function configuredStoreUrl(
  dir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  if (env.WG_STORE_URL) return env.WG_STORE_URL;
  let text: string;
  try {
    text = readFileSync(join(dir, 'config.toml'), 'utf8');
  } catch {
    return undefined;
  }
  if (!/^\s*\[store\]/m.test(text)) return undefined;
  return (await import('../config/config.js')).loadConfig(dir).store.url;
}

/** The store of the workspace whose `.workgraph` folder is `dir`. */
export async function openStore(dir: string, options: OpenStoreOptions = {}): Promise<WorkspaceStore> {
  const url = await configuredStoreUrl(dir, options.env);
  if (url !== undefined) {
    const { PostgresGraphStore } = await import('./postgres/postgres-store.js');
    return new PostgresGraphStore(url);
  }
  const { FileGraphStore } = await import('./file/file-store.js');
  return new FileGraphStore(dir, { journal: options.longLived ?? false });
}
