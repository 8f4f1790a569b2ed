/** `.workgraph/config.toml`, validated; every setting is optional. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { Duration } from '../graph/schema.js';

import { CONFIG_FILE } from './config-template.js';

/** `[run] on_permission_denied`: what a refused tool call does to the attempt (see runner/refusals.ts). */
export const REFUSAL_SETTINGS = ['auto', 'fail', 'continue'] as const;

/** `[run] retry_from`: what a retry starts from (see runner/outcome.ts `retryFrom`). */
export const RETRY_FROM_SETTINGS = ['auto', 'clean', 'previous'] as const;

const ConfigSchema = z.looseObject({
  defaults: z
    .looseObject({
      max_retries: z.number().int().nonnegative().default(2),
      backend: z.string().optional(),
      model: z.string().optional(),
      timeout: Duration.optional(),
      context_limit: z.number().int().positive().optional(),
      max_cost_usd: z.number().nonnegative().optional(),
    })
    .prefault({}),
  run: z
    .looseObject({
      parallel: z.number().int().positive().default(4),
      max_steps: z.number().int().positive().default(3),
      stall_timeout: Duration.optional(),
      retry_backoff: Duration.default('1s'),
      grace: Duration.default('5s'),
      isolation: z.enum(['worktree', 'none']).optional(),
      reverify: z.boolean().default(true),
      worktree_setup: z.string().trim().min(1).optional(),
      worktree_link: z.array(z.string().trim().min(1)).default(['node_modules']),
      order: z.enum(['critical-path', 'listed']).default('critical-path'),
      budget_usd: z.number().nonnegative().optional(),
      expected_cost_usd: z.number().nonnegative().default(1),
      rate_limit_pause: Duration.default('60s'),
      on_permission_denied: z.enum(REFUSAL_SETTINGS).default('auto'),
      /** How an upstream task's edited artifact reaches a downstream prompt: its landed change as a diff, or the whole file. */
      upstream_changes: z.enum(['diff', 'whole']).default('diff'),
      retry_from: z.enum(RETRY_FROM_SETTINGS).default('auto'),
    })
    .prefault({}),
  /**
   * `[backends.<name>]` tables. Only `type` is checked here: each backend validates
   * its own table when it launches (see src/backends/), so backends added later bring
   * their keys without touching this schema.
   */
  /** `[store] url`: the graph lives in PostgreSQL instead of graph.jsonl (WG_STORE_URL overrides it). */
  store: z.looseObject({ url: z.string().trim().min(1).optional(), lease_ttl: Duration.default('60s') }).prefault({}),
  /** `[prices."MODEL"]`: US dollars per million tokens, for backends that report tokens but no cost. */
  prices: z
    .record(
      z.string(),
      z.strictObject({
        input: z.number().nonnegative(),
        output: z.number().nonnegative(),
        cache_read: z.number().nonnegative().optional(),
        cache_write: z.number().nonnegative().optional(),
      }),
    )
    .default({}),
  backends: z
    .record(
      z.string(),
      z.looseObject({ type: z.string().optional(), max_parallel: z.number().int().positive().optional() }),
    )
    .optional(),
});
export type Config = z.infer<typeof ConfigSchema>;

export function loadConfig(dir: string): Config {
  const path = join(dir, CONFIG_FILE);
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  let data: unknown;
  try {
    data = parseToml(text);
  } catch (error) {
    throw new ConfigError(`${CONFIG_FILE}: ${(error as Error).message.split('\n')[0]}`);
  }
  const result = ConfigSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(`${CONFIG_FILE}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return result.data;
}
