/** What an attempt spends: its agent's token usage summed, priced, held against its allowance, and recorded. */
import { usageToRecord, type AgentEvent } from '../../backends/types.js';
import { addTokenUsage, recordAttemptCost } from '../../graph/transitions.js';
import type { TokenUsage } from '../../graph/schema.js';
import { costOf, type PriceTable } from '../cost.js';
import type { TaskLog } from './task-log.js';

export interface SpendTerms {
  attempt: number;
  backend: string;
  /** The model wg asked for; the one the agent reports wins. */
  model: string | undefined;
  prices: PriceTable;
  /** Dollars this attempt may spend (undefined: no cap). */
  allowanceUsd?: number | undefined;
  /** `[run] budget_warn` of the task's cap, less what earlier attempts spent: reaching it is warned of once. */
  warnAt?: { usd: number; message: string } | undefined;
}

export class SpendMeter {
  private readonly usage: Record<string, number> = {};
  private sawUsage = false;
  private priced = true;
  private exhausted = false;
  private warned = false;
  /** The model the agent said it used, which wins over the one wg asked for (or did not name). */
  reportedModel: string | undefined;
  spentUsd = 0;

  constructor(
    private readonly terms: SpendTerms,
    private readonly log: TaskLog,
    /** Called once, when the spend reaches the allowance: the agent must stop. */
    private readonly onExhausted: (request: string) => void,
    /** Called once, when the spend reaches `warnAt`. */
    private readonly onWarning: (message: string) => void = () => undefined,
  ) {}

  get model(): string | undefined {
    return this.reportedModel ?? this.terms.model;
  }

  add(usage: Extract<AgentEvent, { type: 'usage' }>): void {
    this.sawUsage = true;
    if (usage.model) this.reportedModel = usage.model;
    for (const [key, value] of Object.entries(usageToRecord(usage)) as Array<[string, number]>)
      this.usage[key] = (this.usage[key] ?? 0) + value;
    const spend = costOf(usage, this.model, this.terms.prices);
    if (!spend.priced && this.priced)
      this.log.log(
        `no price for model ${this.model ?? '(none named)'} under [prices] in config.toml: this attempt's tokens are not counted in dollars`,
      );
    this.priced &&= spend.priced;
    this.spentUsd = Math.round((this.spentUsd + spend.costUsd) * 1e6) / 1e6;
    const warnAt = this.terms.warnAt;
    if (warnAt && !this.warned && this.spentUsd >= warnAt.usd) {
      this.warned = true;
      this.onWarning(warnAt.message);
    }
    const allowance = this.terms.allowanceUsd;
    if (allowance !== undefined && this.spentUsd >= allowance && !this.exhausted) {
      this.exhausted = true;
      this.onExhausted(`spent $${this.spentUsd} of the $${allowance} this attempt was allowed`);
    }
  }

  /** Queue the attempt's usage and cost on the task (nothing if the agent reported no usage). */
  record(): void {
    if (!this.sawUsage) return;
    const taskId = this.log.taskId;
    // Dollars as counted here: reported by the agent, or tokens priced from config.toml.
    this.log.write((graph) => addTokenUsage(graph, taskId, { ...(this.usage as TokenUsage), cost_usd: this.spentUsd }));
    const { attempt, backend } = this.terms;
    const model = this.model;
    const tokens = { input_tokens: this.usage.input_tokens, output_tokens: this.usage.output_tokens };
    this.log.write((graph) =>
      recordAttemptCost(graph, taskId, {
        attempt,
        backend,
        ...(model ? { model } : {}),
        cost_usd: this.spentUsd,
        at: new Date().toISOString(),
        ...tokens,
        ...(this.priced ? {} : { priced: false }),
      }),
    );
  }
}
