/** `.workgraph/config.toml`, validated; every setting is optional. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { Duration } from '../graph/schema.js';

export const CONFIG_FILE = 'config.toml';

const ConfigSchema = z.looseObject({
  defaults: z
    .looseObject({
      max_retries: z.number().int().nonnegative().default(2),
      backend: z.string().optional(),
      model: z.string().optional(),
      timeout: Duration.optional(),
      context_limit: z.number().int().positive().optional(),
    })
    .prefault({}),
});
export type Config = z.infer<typeof ConfigSchema>;

export const CONFIG_TEMPLATE = `# wg configuration. Every setting is optional; commented lines show the defaults.

[defaults]
# How many times a failed task is retried before it stays failed
# (a task's own max_retries wins).
max_retries = 2

# The backend for tasks that name none (a task with \`exec\` always uses "shell").
# backend = "command"

# The model passed to agent backends when neither the task nor the actor names one.
# model = ""

# Wall-clock limit for one attempt of a task: 90s, 30m, 2h.
# timeout = "30m"

# Context limit, in tokens, of the default local actor used when no actor is defined.
# context_limit = 200000
`;

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
