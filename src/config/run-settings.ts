/**
 * `wg run`'s settings, resolved: flags over config.toml over the table's defaults, with
 * durations in milliseconds. The runner reads these and nothing else for them, so it has
 * no defaults of its own.
 */
import { parseDuration } from '../graph/duration.js';
import type { Config } from './config.js';
import { SETTINGS, type SectionName } from './settings.js';

/** A flag's value in place of a setting's (`--parallel 8` for `[run] parallel`). */
export interface SettingOverride {
  section: SectionName;
  key: string;
  value: unknown;
}

export interface RunSettings {
  maxSteps: number;
  parallel: number;
  /** For tasks that set no `max_retries`. */
  maxRetries: number;
  retryBackoffMs: number;
  /** For tasks that set no `timeout`; undefined: no limit. */
  timeoutMs: number | undefined;
  /** Undefined: no stall limit. */
  stallMs: number | undefined;
  graceMs: number;
  /** Of the default local actor (when the graph defines none); undefined: no limit. */
  contextLimit: number | undefined;
  /** Which ready task starts first: the longest remaining path of work, or the order tasks are listed in. */
  order: Config['run']['order'];
  /** Dollars the whole run may spend; undefined: no limit. */
  budgetUsd: number | undefined;
  /** Dollars all runs may spend in any 24 hours; undefined: no limit. */
  budgetUsdPerDay: number | undefined;
  /** The percentage of a budget at which a warning is given; 0: none. */
  budgetWarnPercent: number;
  /** What to reserve for a task with neither a cost estimate nor a history. */
  expectedCostUsd: number;
  /** How long a backend pauses after a rate limit whose reset time nobody said. */
  rateLimitPauseMs: number;
  /** How long a lease holds without renewal; renewed every third of it. */
  leaseTtlMs: number;
  /** Who accepts a successful result of a task that sets no `validation`. */
  validation: Config['run']['validation'];
}

/** The config with each override in place of its setting (a copy; `config` is left as it was). */
export function withOverrides(config: Config, overrides: readonly SettingOverride[]): Config {
  let resolved = config;
  for (const { section, key, value } of overrides) {
    // Per-name tables ([prices."MODEL"], [backends.NAME]) have no flags: there is no one table to override.
    if (section === 'prices' || section === 'backends' || !Object.hasOwn(SETTINGS[section].settings, key))
      throw new Error(`no setting ${section}.${key} to override`);
    resolved = { ...resolved, [section]: { ...resolved[section], [key]: value } };
  }
  return resolved;
}

const duration = (text: string | undefined) => (text === undefined ? undefined : parseDuration(text));

/** Flags over config over defaults: the config as the run sees it, and the runner's settings from it. */
export function resolveRun(
  loaded: Config,
  overrides: readonly SettingOverride[],
): { config: Config; settings: RunSettings } {
  const config = withOverrides(loaded, overrides);
  const { run, defaults, store } = config;
  return {
    config,
    settings: {
      maxSteps: run.max_steps,
      parallel: run.parallel,
      maxRetries: defaults.max_retries,
      retryBackoffMs: parseDuration(run.retry_backoff),
      timeoutMs: duration(defaults.timeout),
      stallMs: duration(run.stall_timeout),
      graceMs: parseDuration(run.grace),
      contextLimit: defaults.context_limit,
      order: run.order,
      budgetUsd: run.budget_usd,
      budgetUsdPerDay: run.budget_usd_per_day,
      budgetWarnPercent: run.budget_warn,
      expectedCostUsd: run.expected_cost_usd,
      rateLimitPauseMs: parseDuration(run.rate_limit_pause),
      leaseTtlMs: parseDuration(store.lease_ttl),
      validation: run.validation,
    },
  };
}
