/**
 * Every setting of `.workgraph/config.toml`, declared once. From this table come the zod
 * schema (config.ts), the commented config.toml that `wg init` writes (config-template.ts),
 * the `wg run` flags that override settings (cli/setting-flags.ts) and the tables of
 * docs/configuration.md (config-docs.ts, `npm run docs:config`). Adding a setting is one
 * entry here, plus the code that reads it.
 */
import { z } from 'zod';
import { Duration, ENV_PASS_NAME, SANDBOX_MODES } from '../graph/schema.js';
import { count, durationText, loopLimit, nonNegativeNumber, oneOf, positiveCount } from './flag-values.js';

/** `[run] on_permission_denied`: what a refused tool call does to the attempt (see runner/refusals.ts). */
export const REFUSAL_SETTINGS = ['auto', 'fail', 'continue'] as const;

/** `[run] retry_from`: what a retry starts from (see runner/outcome.ts `retryFrom`). */
export const RETRY_FROM_SETTINGS = ['auto', 'clean', 'previous'] as const;

export const ISOLATION_SETTINGS = ['worktree', 'none'] as const;
export const SANDBOX_SETTINGS = SANDBOX_MODES;

/** `[run] validation`: who accepts a successful result before it lands (see graph/review.ts). */
export const VALIDATION_SETTINGS = ['none', 'external', 'llm'] as const;
export const ORDER_SETTINGS = ['critical-path', 'listed'] as const;
export const UPSTREAM_CHANGES_SETTINGS = ['diff', 'whole'] as const;

/** A `wg run` flag that takes the setting's place for that run. */
export interface SettingFlag<T> {
  /** `--parallel`; commander's key for it is the camelCase name (`parallel`, `budgetUsd`). */
  name: string;
  /** What the help calls the value: `<n>`, `<duration>`. */
  value: string;
  /** What the flag does, without its default: the help appends that from the table. */
  help: string;
  /** The flag's text as the setting's value; throws InvalidInputError with what was expected. */
  parse: (text: string) => T;
}

export interface Setting<S extends z.ZodType = z.ZodType, D extends z.output<S> | undefined = z.output<S> | undefined> {
  /** The value's schema; `.default()` or `.optional()` is added from `default`. */
  schema: S;
  /** What an unset key means to wg; undefined: it stays unset (see `unset`). */
  default: D;
  /** The key must be given (`input` of a price); then `default` is undefined. */
  required?: true;
  /** What leaving it unset means when it has no default value: "no stall limit". Markdown. */
  unset?: string;
  /** One paragraph, markdown: the docs' meaning, and the template's comment (links as their text). */
  doc: string;
  /** The value the template's commented line shows when there is no default. */
  example?: z.output<S>;
  /** `wg init` writes it uncommented, with its default. */
  active?: true;
  flag?: SettingFlag<z.output<S>>;
}

/** An entry, its types kept for the schema that config.ts derives. */
function setting<S extends z.ZodType, D extends z.output<S> | undefined = undefined>(
  entry: Setting<S, D>,
): Setting<S, D> {
  return entry;
}

/** An entry whose key must be given: its type says so, for the schema that config.ts derives. */
function required<S extends z.ZodType>(
  entry: Omit<Setting<S, undefined>, 'default' | 'required'>,
): Setting<S, undefined> & { required: true } {
  return { ...entry, default: undefined, required: true };
}

export interface Section {
  /** How config.toml names the table: `[run]`, `[backends.NAME]`. */
  table: string;
  /** For tables repeated once per name (`[prices."MODEL"]`): the name the template's example uses. */
  exampleName?: string;
  /** The template's comment above the table, and the docs' text above its keys. Markdown. */
  doc?: string;
  settings: Record<string, Setting>;
}

const defaults = {
  table: '[defaults]',
  settings: {
    max_retries: setting({
      schema: z.number().int().nonnegative(),
      default: 2,
      active: true,
      doc: "How many times a failed task is retried before it stays failed; a task's own `max_retries` wins.",
      flag: {
        name: '--max-retries',
        value: '<n>',
        help: 'failed attempts allowed when the task sets no max_retries',
        parse: count,
      },
    }),
    backend: setting({
      schema: z.string(),
      default: undefined,
      example: 'command',
      doc: 'The backend for tasks that name none; a task with `exec` always uses `shell`. `wg init` sets it to the first agent backend that is ready.',
    }),
    model: setting({
      schema: z.string(),
      default: undefined,
      example: '',
      doc: 'The model passed to agent backends when neither the task nor the actor names one.',
    }),
    timeout: setting({
      schema: Duration,
      default: undefined,
      unset: 'no limit',
      example: '30m',
      doc: 'Wall-clock limit for one attempt of a task that sets no `timeout` of its own: `90s`, `30m`, `2h`.',
      flag: {
        name: '--timeout',
        value: '<duration>',
        help: 'wall-clock limit per attempt when the task sets none (e.g. 30m)',
        parse: durationText,
      },
    }),
    context_limit: setting({
      schema: z.number().int().positive(),
      default: undefined,
      example: 200000,
      doc: 'Context limit, in tokens, of the default local actor used when no actor is defined.',
    }),
    max_turns: setting({
      schema: z.number().int().positive(),
      default: 100,
      doc: "Model turns one attempt may take, on backends that have turns (Claude Code's `--max-turns`, the built-in agent); a task's own `max_turns` wins, then the backend table's. Codex has no turn limit: the loop limit, `timeout` and budgets stop it.",
    }),
    max_cost_usd: setting({
      schema: z.number().nonnegative(),
      default: undefined,
      unset: 'no limit',
      example: 5,
      doc: "The most one task may spend over all its attempts, in US dollars; a task's own `max_cost_usd` wins. Reaching it stops the task as `budget-exhausted`.",
    }),
  },
} satisfies Section;

const prices = {
  table: '[prices."MODEL"]',
  exampleName: '"gpt-5.5"',
  doc: 'Prices of models whose backends report tokens but no dollars (Codex, the built-in agent), in US dollars per million tokens. A model with no price is reported as unpriced.',
  settings: {
    input: required({
      schema: z.number().nonnegative(),
      example: 1.25,
      doc: 'Per million input tokens.',
    }),
    output: required({
      schema: z.number().nonnegative(),
      example: 10,
      doc: 'Per million output tokens.',
    }),
    cache_read: setting({
      schema: z.number().nonnegative(),
      default: undefined,
      unset: 'not priced',
      example: 0.125,
      doc: 'Per million input tokens read from the prompt cache.',
    }),
    cache_write: setting({
      schema: z.number().nonnegative(),
      default: undefined,
      unset: 'not priced',
      doc: 'Per million input tokens written to the prompt cache.',
    }),
  },
} satisfies Section;

/**
 * `[backends.NAME]` tables. Only the keys every backend shares are declared here: each
 * backend checks the rest of its table when it launches (see src/backends/), so backends
 * added later bring their keys without touching this table.
 */
const backends = {
  table: '[backends.NAME]',
  exampleName: 'reviewer',
  settings: {
    type: setting({
      schema: z.string(),
      default: undefined,
      unset: "the table's name, which must then be a backend type",
      example: 'command',
      doc: 'The backend type: `command`, `claude`, `codex` or `anthropic`. A table named after its type needs none.',
    }),
    max_parallel: setting({
      schema: z.number().int().positive(),
      default: undefined,
      unset: 'unlimited',
      example: 2,
      doc: 'The most jobs this backend runs at once.',
    }),
  },
} satisfies Section;

const run = {
  table: '[run]',
  settings: {
    parallel: setting({
      schema: z.number().int().positive(),
      default: 4,
      active: true,
      doc: 'How many jobs `wg run` runs at once.',
      flag: { name: '--parallel', value: '<n>', help: 'how many jobs run at once', parse: positiveCount },
    }),
    max_steps: setting({
      schema: z.number().int().positive(),
      default: 3,
      active: true,
      doc: 'The longest context-coherent trajectory one job walks; `1` turns trajectories off.',
      flag: {
        name: '--max-steps',
        value: '<n>',
        help: 'longest trajectory a job may walk (1 turns trajectories off)',
        parse: positiveCount,
      },
    }),
    retry_backoff: setting({
      schema: Duration,
      default: '1s',
      active: true,
      doc: 'Wait before the first automatic retry; it doubles for each further one.',
      flag: {
        name: '--retry-backoff',
        value: '<duration>',
        help: 'wait before the first automatic retry, doubling after',
        parse: durationText,
      },
    }),
    grace: setting({
      schema: Duration,
      default: '5s',
      active: true,
      doc: 'Between SIGTERM and SIGKILL when an agent is stopped.',
      flag: {
        name: '--grace',
        value: '<duration>',
        help: 'time between SIGTERM and SIGKILL when stopping an agent',
        parse: durationText,
      },
    }),
    stall_timeout: setting({
      schema: Duration,
      default: undefined,
      unset: 'no stall limit',
      example: '10m',
      doc: 'Kill an agent that prints nothing for this long.',
      flag: {
        name: '--stall-timeout',
        value: '<duration>',
        help: 'kill an agent that prints nothing for this long',
        parse: durationText,
      },
    }),
    order: setting({
      schema: z.enum(ORDER_SETTINGS),
      default: 'critical-path',
      doc: 'Which ready task starts first: `critical-path` (the longest chain of work below it) or `listed`.',
      flag: {
        name: '--order',
        value: '<order>',
        help: 'which ready task starts first: critical-path (the longest remaining chain of work) or listed',
        parse: oneOf(ORDER_SETTINGS),
      },
    }),
    budget_usd: setting({
      schema: z.number().nonnegative(),
      default: undefined,
      unset: 'no limit',
      example: 20,
      doc: "The most a whole run may spend, in US dollars. Each job reserves its expected cost before it starts (the task's `estimate.cost`, else its history, else `expected_cost_usd`), and none starts that does not fit.",
      flag: {
        name: '--budget-usd',
        value: '<usd>',
        help: 'the most the whole run may spend: each task reserves its expected cost before it starts, and none starts that does not fit',
        parse: nonNegativeNumber,
      },
    }),
    budget_usd_per_day: setting({
      schema: z.number().nonnegative(),
      default: undefined,
      unset: 'no limit',
      example: 50,
      doc: "The most all runs together may spend in any 24 hours, in US dollars, whichever runner they run on: what attempts spent is recorded on their tasks with its time, in the graph's store. A run does not start while the last 24 hours' spend has reached it, and within a run it limits what may start as `budget_usd` does.",
      flag: {
        name: '--budget-usd-per-day',
        value: '<usd>',
        help: 'the most all runs together may spend in any 24 hours',
        parse: nonNegativeNumber,
      },
    }),
    budget_warn: setting({
      schema: z.number().min(0).max(100),
      default: 80,
      doc: "A warning, in the task's log, the run's view and (with `[notify]`) a notification, once per budget per run, when spend reaches this percentage of a budget (the run's `budget_usd`, the day's `budget_usd_per_day`, a task's `max_cost_usd`); `0` turns the warnings off.",
    }),
    expected_cost_usd: setting({
      schema: z.number().nonnegative(),
      default: 1,
      doc: "What a job reserves of the budget when neither the task's `estimate.cost` nor its history says more.",
    }),
    rate_limit_pause: setting({
      schema: Duration,
      default: '60s',
      doc: 'After a rate limit, a backend starts nothing until the limit lifts: when the service says when; otherwise after this long.',
    }),
    on_permission_denied: setting({
      schema: z.enum(REFUSAL_SETTINGS),
      default: 'auto',
      doc: "When an agent's permissions refuse a call (a Bash command its tools do not allow): `fail` ends the attempt at once; `continue` tells the agent and lets it go on, the task's `verify` deciding; `auto` is `continue` for tasks with a `verify`, else `fail`.",
      flag: {
        name: '--on-permission-denied',
        value: '<policy>',
        help: "what a call the agent's permissions refuse does: fail (end the attempt), continue (the agent is told and goes on; verify decides) or auto (continue when the task has a verify)",
        parse: oneOf(REFUSAL_SETTINGS),
      },
    }),
    loop_limit: setting({
      schema: z
        .number()
        .int()
        .refine((n) => n === 0 || n >= 2, 'expected 0 (off) or at least 2'),
      default: 5,
      doc: "An agent whose last this-many tool calls were the same call (the same tool with the same input) is stopped at once, as `looping`; its retry's prompt names the call. `0` turns it off.",
      flag: {
        name: '--loop-limit',
        value: '<n>',
        help: 'stop an agent whose last n tool calls were the same call (0: never)',
        parse: loopLimit,
      },
    }),
    retry_from: setting({
      schema: z.enum(RETRY_FROM_SETTINGS),
      default: 'auto',
      doc: "What a retry starts from. `auto` follows the table in [isolation.md](isolation.md#retries): after a failed check, the previous attempt's work (brought onto the target's newest head) and its agent session; after a merge conflict, the target's head with the previous change applied where it still applies; after a crash, stall or timeout, a clean tree. `clean`: always a clean tree and a fresh session. `previous`: the previous attempt's work after any failure.",
    }),
    isolation: setting({
      schema: z.enum(ISOLATION_SETTINGS),
      default: undefined,
      unset: '`worktree` in a git work tree with a commit, else `none`',
      example: 'worktree',
      doc: '`worktree`: each attempt works in a git worktree of its own (`.workgraph/worktrees/TASK/ATTEMPT`, branch `wg/TASK/ATTEMPT`), and its result lands on the branch checked out when the run starts (or `--target`) when it succeeds; `none`: every attempt runs in the project itself.',
      flag: {
        name: '--isolation',
        value: '<mode>',
        help: 'worktree: each attempt in a git worktree of its own, results landed on the target in graph order; none: in place',
        parse: oneOf(ISOLATION_SETTINGS),
      },
    }),
    sandbox: setting({
      schema: z.enum(SANDBOX_SETTINGS),
      default: 'none',
      doc: "What the agents of tasks that set no `sandbox` of their own run in. `bwrap`: bubblewrap's sandbox (Linux, the `bubblewrap` package): the file system read-only except the attempt's worktree (or working directory), the graph folder and a private temp folder, and no network unless `sandbox_network`. It wraps `shell` and `command` agents and the built-in agent's commands; Claude Code and Codex keep their own sandboxes. A sandbox that cannot start ends the attempt as `invalid-configuration`. See [isolation.md](isolation.md#a-sandbox-on-request).",
      flag: {
        name: '--sandbox',
        value: '<mode>',
        help: 'what agents run in when their task sets no sandbox: bwrap (bubblewrap: writes only in their worktree, no network) or none',
        parse: oneOf(SANDBOX_SETTINGS),
      },
    }),
    sandbox_network: setting({
      schema: z.boolean(),
      default: false,
      doc: "Whether a sandboxed agent keeps the network (a PostgreSQL store needs it: the agent's `wg` commands reach the graph over it).",
    }),
    validation: setting({
      schema: z.enum(VALIDATION_SETTINGS),
      default: 'none',
      doc: 'Who accepts a successful result of a task that sets no `validation` of its own: `none` lands it at once; `external` keeps it unlanded (status `pending-validation`) until `wg approve` lands it or `wg reject` sends it back; `llm` has a reviewer agent (`[review]`) approve or reject it, and waits for a person when it gives no usable verdict. See [review.md](review.md).',
      flag: {
        name: '--validation',
        value: '<mode>',
        help: 'who accepts a successful result of a task that sets no validation: none (land at once), external (wait for wg approve) or llm (a reviewer agent)',
        parse: oneOf(VALIDATION_SETTINGS),
      },
    }),
    reverify: setting({
      schema: z.boolean(),
      default: true,
      doc: 'Check a result again when other work landed on the target since its attempt began.',
    }),
    worktree_setup: setting({
      schema: z.string().trim().min(1),
      default: undefined,
      example: 'npm ci --prefer-offline',
      doc: 'A command run in each new worktree before its agent starts; what it writes must be ignored by git (or it lands with the work).',
    }),
    worktree_link: setting({
      schema: z.array(z.string().trim().min(1)),
      default: ['node_modules'],
      doc: 'Folders of your checkout linked into each new worktree that lacks them.',
    }),
    upstream_changes: setting({
      schema: z.enum(UPSTREAM_CHANGES_SETTINGS),
      default: 'diff',
      doc: "How a file an upstream task edited reaches the prompts after it: as the diff of that task's landed commit (`diff`; files it created are shown whole), or always whole (`whole`). Without worktrees there is no landed commit, and files are shown whole.",
    }),
    mcp: setting({
      schema: z.boolean(),
      default: true,
      doc: 'Offer the agent protocol (`log`, `progress`, `artifact`, `ask`, `fail`, `show`, `context`) as tools to agents that take them: `wg mcp` as an MCP server for Claude Code and Codex, the same tools built in for the `anthropic` agent. The prompt then names the tools, and an agent needs no shell to report. `false`: the prompt names the `wg` shell commands only ([backends.md](backends.md#the-protocol-as-tools-wg-mcp)).',
    }),
    env_pass: setting({
      schema: z.array(z.string().regex(ENV_PASS_NAME, 'a variable name, or a glob with * or ?')),
      default: [],
      example: ['GITHUB_TOKEN', 'AWS_*'],
      doc: "Variables of wg's environment that every agent also gets (names, or globs with `*` and `?`). An agent's environment is an allowlist: the basics (`PATH`, `HOME`, `USER`, `LANG`, `LC_*`, `TERM`, `TMPDIR`, `TZ`...), proxy and CA settings, `WG_*`, its backend's own credential, this list and the task's `env_pass`; everything else is withheld ([run.md](run.md#the-agents-environment)).",
    }),
  },
} satisfies Section;

const store = {
  table: '[store]',
  doc: '`wg init --store postgres://user@host:port/db` writes this table; without it the graph is `graph.jsonl`.',
  settings: {
    url: setting({
      schema: z.string().trim().min(1),
      default: undefined,
      example: 'postgres://wg@localhost:5432/graph',
      doc: 'The graph lives in PostgreSQL (WG_STORE_URL overrides this).',
    }),
    lease_ttl: setting({
      schema: Duration,
      default: '60s',
      doc: 'A runner renews its leases every third of this; one that stops renewing (its machine died) loses its tasks to any other runner once it has passed.',
    }),
  },
} satisfies Section;

/** `[review]`: the reviewer agent of tasks whose `validation` is `llm` (see src/review/llm.ts). */
const review = {
  table: '[review]',
  doc: 'The reviewer agent that gives the verdict on a result of a task whose `validation` is `llm`. See [review.md](review.md).',
  settings: {
    backend: setting({
      schema: z.string().trim().min(1),
      default: undefined,
      unset: "the backend the task's own attempts run on",
      example: 'claude',
      doc: 'The backend the reviewer runs on: a backend type or a `[backends.NAME]` table (a `command` backend prints its verdict as JSON).',
    }),
    model: setting({
      schema: z.string().trim().min(1),
      default: undefined,
      unset: "the task's `validator_model`, else the backend's default",
      example: 'claude-opus-4',
      doc: "The reviewer's model when the task sets no `validator_model`.",
    }),
  },
} satisfies Section;

/** `[notify]`: who is told when something waits on a person (see src/notify/). */
const notify = {
  table: '[notify]',
  doc: 'Tell a person when something waits on them (see [notifications.md](notifications.md)): each event is one JSON object, given to `command` on its stdin and/or POSTed to `webhook`. A notifier that fails or takes over 10 seconds is logged and never fails or slows the run.',
  settings: {
    command: setting({
      schema: z.array(z.string()).min(1),
      default: undefined,
      unset: 'no command',
      example: ['notify-send', 'wg'],
      doc: 'A program and its arguments (argv, no shell), run once per event with the event as JSON on its stdin.',
    }),
    webhook: setting({
      schema: z.url(),
      default: undefined,
      unset: 'no webhook',
      example: 'https://chat.example.com/hooks/wg',
      doc: 'A URL each event is POSTed to as JSON.',
    }),
    debounce: setting({
      schema: Duration,
      default: '5m',
      doc: 'At most one message per task (or budget) per kind of event in this long, however many runs see it.',
    }),
    long_pause: setting({
      schema: Duration,
      default: '15m',
      doc: 'A backend paused by a rate limit for longer than this is news to a person: it is notified and listed by `wg inbox`.',
    }),
  },
} satisfies Section;

/** The tables of config.toml, in the order `wg init` writes them. */
export const SETTINGS = { store, defaults, prices, backends, run, review, notify } as const;
export type SectionName = keyof typeof SETTINGS;

/** A setting that a command-line flag can take the place of. */
export interface FlaggedSetting {
  section: SectionName;
  key: string;
  setting: Setting;
  flag: SettingFlag<unknown>;
}

/** Every setting with a flag, in the table's order. */
export function flaggedSettings(): FlaggedSetting[] {
  return Object.entries(SETTINGS).flatMap(([section, { settings }]) =>
    Object.entries(settings as Record<string, Setting>).flatMap(([key, setting]) =>
      setting.flag ? [{ section: section as SectionName, key, setting, flag: setting.flag }] : [],
    ),
  );
}
