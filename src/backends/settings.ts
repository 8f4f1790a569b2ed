/** Validation of a backend's `[backends.NAME]` table, with errors that name the table and the key. */
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { RunContext } from './types.js';

export function parseSettings<Schema extends z.ZodType>(
  schema: Schema,
  name: string,
  settings: Record<string, unknown>,
): z.infer<Schema> {
  const result = schema.safeParse(settings);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const key = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  throw new ConfigError(`config.toml [backends.${name}]: ${key}${issue.message}`);
}

/** Model turns an attempt may take: the task's own limit, else the backend table's, else `[defaults] max_turns`. */
export function turnLimit(
  context: Pick<RunContext, 'task' | 'defaultMaxTurns'>,
  table: number | undefined,
): number | undefined {
  return context.task.max_turns ?? table ?? context.defaultMaxTurns;
}

/** `env` values a table adds to the agent's environment, over the inherited ones. */
export function withEnv(
  base: Record<string, string | undefined>,
  added: Record<string, string> | undefined,
): Record<string, string | undefined> {
  return { ...base, ...added };
}
