/** `.workgraph/config.toml`, validated; every setting is optional. Its keys are declared in settings.ts. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { CONFIG_FILE } from './config-template.js';
import { SETTINGS, type Setting } from './settings.js';

/** A setting's schema as a key of its table: required, with its default, or optional. */
type Field<E> =
  E extends Setting<infer S, infer D>
    ? E extends { required: true }
      ? S
      : [D] extends [undefined]
        ? z.ZodOptional<S>
        : z.ZodDefault<S>
    : never;
type Shape<T extends Record<string, Setting>> = { [K in keyof T]: Field<T[K]> };

function shape<T extends Record<string, Setting>>(settings: T): Shape<T> {
  const fields = Object.entries(settings).map(([key, entry]) => {
    if (entry.required) return [key, entry.schema];
    return [key, entry.default === undefined ? entry.schema.optional() : entry.schema.default(entry.default)];
  });
  return Object.fromEntries(fields) as Shape<T>;
}

/** Unknown keys are kept and ignored, so wg can share upstream's `.wg/config.toml`. */
const ConfigSchema = z.looseObject({
  defaults: z.looseObject(shape(SETTINGS.defaults.settings)).prefault({}),
  run: z.looseObject(shape(SETTINGS.run.settings)).prefault({}),
  review: z.looseObject(shape(SETTINGS.review.settings)).prefault({}),
  /** `[store] url`: the graph lives in PostgreSQL instead of graph.jsonl (WG_STORE_URL overrides it). */
  store: z.looseObject(shape(SETTINGS.store.settings)).prefault({}),
  prices: z.record(z.string(), z.strictObject(shape(SETTINGS.prices.settings))).default({}),
  /**
   * Only the keys every backend shares are checked here: each backend validates its own
   * table when it launches (see src/backends/).
   */
  backends: z.record(z.string(), z.looseObject(shape(SETTINGS.backends.settings))).optional(),
  /** `[notify]`: who hears of what waits on a person (see notify/). */
  notify: z.looseObject(shape(SETTINGS.notify.settings)).prefault({}),
});
export type Config = z.infer<typeof ConfigSchema>;

/** Check a parsed config.toml; throws ConfigError naming the file, the key and what is wrong. */
export function parseConfig(data: unknown): Config {
  const result = ConfigSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(`${CONFIG_FILE}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return result.data;
}

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
  return parseConfig(data);
}
