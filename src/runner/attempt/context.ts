/** What every phase of an attempt works with (see ../attempt.ts), and what an attempt hands back to the runner. */
import type { Graph } from '../../graph/model.js';
import type { Caller } from '../../graph/transitions.js';
import type { Reporter } from '../events.js';
import type { GraphWriter } from '../graph-writer.js';
import type { Isolation, StepPlace, TreeInfo } from '../isolation.js';
import type { Outcome } from '../outcome.js';
import type { AttemptIdentity, LaunchOptions } from '../prepare.js';
import type { TaskStatus, ValidationMode } from '../../graph/schema.js';

export interface AttemptContext {
  launch: LaunchOptions;
  /** Where each attempt works: the project itself, or a worktree of its own. */
  isolation: Isolation;
  writer: GraphWriter;
  reporter: Reporter;
  load(): Promise<Graph>;
  signal: AbortSignal;
  graceMs: number;
  stallMs?: number | undefined;
  defaultTimeoutMs?: number | undefined;
  defaultMaxRetries: number;
  /** Who accepts a successful result of a task that sets no `validation` ([run] validation). */
  defaultValidation: ValidationMode;
}

/** A step of a trajectory: where it works (see StepPlace), and where the step before it ran its agent. */
export interface AttemptStep extends StepPlace {
  previousWorkdir?: string | undefined;
}

/** Which attempt of which task this is, and who acts for it: the lease's holder, with its token. */
export interface AttemptSubject {
  taskId: string;
  identity: AttemptIdentity;
  caller(): Caller;
}

/**
 * What an attempt's end did to its task, as recorded: the status it left and the outcome that
 * stands (the agent's own `wg fail` over what was measured); or nothing, the lease had moved on.
 */
export type Verdict =
  { kind: 'recorded'; status: TaskStatus; outcome: Outcome } | { kind: 'lease-lost'; reason: string };

export interface AttemptResult {
  /** As measured and judged; the task may end otherwise (the agent ran `wg fail` itself): see `recorded`. */
  outcome: Outcome;
  /**
   * What was recorded on the task. Not awaited by the attempt: the runner treats a success as
   * done at once (its dependents' claims queue behind this write, so the file never disagrees),
   * and awaits it only when it needs the status (after a failure).
   */
  recorded: Promise<Verdict>;
  /** The agent's last words, for the next step of a trajectory. */
  lastText?: string | undefined;
  /** The agent's summary of its work (see the `summary` event), recorded on the task if the attempt succeeded. */
  summary?: string | undefined;
  sessionId?: string | undefined;
  /** What the attempt spent, in US dollars (0 when it reported nothing, or nothing priced). */
  costUsd?: number;
  /** The backend it ran on (undefined when it never launched), and the model it was given. */
  backend?: string | undefined;
  model?: string | undefined;
  /** The worktree it ran in (undefined: in place, or it never got one), for a retry that continues from it. */
  tree?: TreeInfo | undefined;
  /** The agent's working directory: a session continues only where it began (Claude Code keeps sessions per folder). */
  workdir?: string | undefined;
  /** It succeeded on a task that needs review: its result waits unlanded (pending-validation), its tree kept for the verdict. */
  heldForReview?: boolean;
}
