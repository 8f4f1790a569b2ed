/**
 * What an attempt costs. Claude Code and `::usage` lines report dollars themselves; Codex
 * and the built-in agent report tokens, priced here from config.toml's `[prices."MODEL"]`
 * (US dollars per million tokens). Pure.
 */
import type { Usage } from '../backends/types.js';
import { median } from '../graph/priority.js';
import type { Config } from '../config/config.js';

export type PriceTable = Config['prices'];

export interface Spend {
  costUsd: number;
  /** False when some tokens had no price, so costUsd undercounts them. */
  priced: boolean;
}

const round = (usd: number) => Math.round(usd * 1e6) / 1e6;

/** The dollars one usage report stands for. */
export function costOf(usage: Usage, model: string | undefined, prices: PriceTable): Spend {
  if (usage.costUsd !== undefined) return { costUsd: usage.costUsd, priced: true };
  const tokens =
    (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0) + (usage.cacheReadTokens ?? 0) + (usage.cacheWriteTokens ?? 0);
  if (tokens === 0) return { costUsd: 0, priced: true };
  const price = model !== undefined && Object.hasOwn(prices, model) ? prices[model]! : undefined;
  if (!price) return { costUsd: 0, priced: false };
  const perToken = (perMillion: number) => perMillion / 1e6;
  const costUsd =
    (usage.inputTokens ?? 0) * perToken(price.input) +
    (usage.outputTokens ?? 0) * perToken(price.output) +
    (usage.cacheReadTokens ?? 0) * perToken(price.cache_read ?? price.input) +
    (usage.cacheWriteTokens ?? 0) * perToken(price.cache_write ?? price.input);
  return { costUsd: round(costUsd), priced: true };
}

/** What to reserve before starting a task: its estimate, else the median of its earlier attempts, else the default. */
export function expectedCost(
  task: {
    estimate?: { cost?: number | undefined } | undefined;
    costs?: ReadonlyArray<{ cost_usd: number }> | undefined;
  },
  fallbackUsd: number,
): number {
  if (task.estimate?.cost !== undefined) return task.estimate.cost;
  if (task.costs && task.costs.length > 0) return median(task.costs.map((entry) => entry.cost_usd));
  return fallbackUsd;
}
