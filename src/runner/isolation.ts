/**
 * Where an attempt works. Without isolation every attempt works in the project itself;
 * with it (see src/worktree/), each attempt gets a tree of its own and its result is
 * landed only when it succeeds. The runner knows only this interface.
 */
import type { Graph } from '../graph/model.js';
import type { Landed, Task } from '../graph/schema.js';
import type { RetryBasis } from '../prompt/types.js';
import type { Outcome, RetryFrom } from './outcome.js';

/** What a prompt and a dry run say about an attempt's own tree. */
export interface TreeInfo {
  /** Absolute path of the worktree. */
  path: string;
  branch: string;
  /** The branch results land on. */
  target: string;
  /** The commit the worktree started from (the target's head then). */
  base: string;
}

/** Where a successful attempt's work went: the target moved from `base` to `commit` (the same when it changed nothing). */
export interface Landing {
  target: string;
  base: string;
  commit: string;
}

/** A successful result kept unlanded for review: committed on its branch, in its worktree. */
export interface HeldResult {
  branch: string;
  base: string;
  head: string;
  target: string;
  worktree: string;
}

/** What landing came to: the outcome that stands, and where the work went when it landed. */
export interface LandResult {
  outcome: Outcome;
  landing?: Landing | undefined;
}

/** A retry that starts from something of the attempt before it (see runner/outcome.ts `retryFrom`). */
export interface RetryRequest {
  from: Exclude<RetryFrom, 'clean'>;
  /** The attempt before this one, its outcome and its tree. */
  previous: { attempt: number; outcome: Outcome; tree: TreeInfo };
  /** Other tasks' landings, to name whose landed work a conflicting file met. */
  landings: Array<{ id: string; title: string; landed: Landed }>;
}

/**
 * Where a step of a trajectory works: the next step continues in the tree the step before it
 * landed from (the same folder, so the agent's session can continue: Claude Code keeps
 * sessions per folder), and a tree stays after landing while more steps follow.
 */
export interface StepPlace {
  /** The tree of the step before, which landed; undefined for a job's first step. */
  from?: TreeInfo | undefined;
  /** More steps follow this one: once landed, keep the tree for the next. */
  more: boolean;
}

export interface AttemptTree {
  /** The project root inside this tree: working_dir, deliverables and upstream files resolve here. */
  root: string;
  info: TreeInfo | undefined;
  /** What a retry's tree started from, when it was asked to start from something of the attempt before it. */
  basis?: RetryBasis | undefined;
  /** For a trajectory step asked to continue the tree before it: that it did, or why it could not. */
  step?: { continued: true } | { continued: false; why: string } | undefined;
  /**
   * After the attempt succeeded in its tree: bring its work onto the target. `reverify`
   * runs the task's check again in the tree (used when the target moved meanwhile).
   * Returns the outcome that stands (`succeeded`, or why the work did not land) and, once
   * landed, the commits. Throws a WgError when git itself fails (the work stays on its branch).
   */
  land(task: Task, reverify: () => Promise<Outcome>): Promise<LandResult>;
  /** After a failure: nothing lands; the tree stays for inspection until pruned. */
  keep(outcome: Outcome): Promise<void>;
  /**
   * After a success that needs review: commit the work on the tree's branch and keep the tree
   * until the verdict. Undefined in place (the files are already where they go). Throws a
   * WgError when git fails.
   */
  hold(task: Task): Promise<HeldResult | undefined>;
}

export interface Isolation {
  /**
   * `signal`: the run is stopping; whatever setting up the tree runs (worktree_setup) is stopped with it.
   * `retry`: start from the previous attempt's tree or change; when that cannot be done the tree starts clean and `basis` says why.
   */
  open(task: Task, attempt: number, signal?: AbortSignal, retry?: RetryRequest, step?: StepPlace): Promise<AttemptTree>;
  /** A tree kept for a next step that did not run (the job ended first): remove it, as landing would have. */
  discard?(tree: TreeInfo): Promise<void>;
  /** The tree of a result held for review (see AttemptTree.hold), to land it once approved. */
  resume?(held: { worktree: string; branch: string; base: string }): AttemptTree;
  /** At the start of a run, once dead runs are recovered: remove trees that no live attempt holds. */
  sweep?(graph: Graph): Promise<unknown>;
}

/** No isolation: every attempt works in the project itself, as before worktrees. */
export function inPlace(root: string): Isolation {
  const tree: AttemptTree = {
    root,
    info: undefined,
    land: async () => ({ outcome: { kind: 'succeeded' } }),
    keep: async () => {},
    hold: async () => undefined,
  };
  return { open: async () => tree };
}
