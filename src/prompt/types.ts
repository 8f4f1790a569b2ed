/**
 * What a prompt is built from. sources.ts gathers it (the only part that reads files);
 * build.ts turns it into text without touching the disk, so it can be tested on
 * literal values and `--dry-run` shows exactly what a real run sends.
 */
import type { InputSource, Upstream } from '../graph/context.js';
import type { Landed, Task } from '../graph/schema.js';

/** A file named by the prompt, as read from the project. */
export type FileContent =
  /** `complete` is false when the file was larger than what was read: it can only be shown in part. */
  | { kind: 'text'; text: string; bytes: number; complete: boolean }
  | { kind: 'binary'; bytes: number }
  | { kind: 'directory' }
  | { kind: 'missing' }
  | { kind: 'unreadable'; reason: string };

export interface PromptSources {
  task: Task;
  /** Where each declared input comes from (see graph/context.ts). */
  inputs: InputSource[];
  /** The direct dependencies, in dependency order, each with its latest log entries. */
  upstream: Upstream[];
  /** The step of the trajectory that ran just before this one, with a longer log. */
  previousStep: Upstream | undefined;
  /** Every artifact and context file above, keyed by normalizeRef(path). */
  files: Record<string, FileContent>;
  /** Absolute working directory of the agent. */
  workdir: string;
  /** Absolute project root: deliverable and artifact paths are relative to it. */
  root: string;
  /** What the agent may do, one line each, as its backend grants it; empty when the backend cannot say. */
  permissions: string[];
  /** The agent continues the session of the previous trajectory step: what that step did is already in it. */
  sessionContinues?: boolean | undefined;
  /** The attempt's own git worktree (runs are isolated): where it is, its branch, and what it started from. */
  tree?: { path: string; branch: string; target: string; base: string } | undefined;
  /**
   * Per upstream task id, what its landed commit did to each of its artifacts (keyed by
   * normalizeRef). Absent for a task with no landed commit (it ran in place, or by hand):
   * its files are shown whole.
   */
  changes?: Record<string, Record<string, UpstreamFileChange>> | undefined;
  /** Why upstream files are shown whole even where they were edited (no git isolation, or `upstream_changes = "whole"`); undefined: changes are shown as diffs. */
  wholeFiles?: string | undefined;
  /** What a retry's tree (and session) started from; undefined for a first attempt, or a retry that started clean as always. */
  retry?: RetryBasis | undefined;
  /**
   * The protocol's tools as the agent sees them, by command (`log` → `mcp__wg__log`), when it
   * is offered them (`[run] mcp`): the Protocol section (template `protocol-tools`) names them
   * as `{{log_tool}}`, ... Undefined: it names the `wg` shell commands.
   */
  protocolTools?: Record<string, string> | undefined;
}

/**
 * What an upstream task's landed commit did to one file it registered. A file it changed
 * reaches the prompt as that change; a file it created, or one it left as it was, whole.
 */
export type UpstreamFileChange =
  | { kind: 'modified'; patch: string; additions: number; deletions: number }
  | { kind: 'added' }
  | { kind: 'unchanged' }
  | { kind: 'deleted' }
  | { kind: 'binary' }
  /** git could not tell (the commit is gone, git failed): the file is shown whole, as without isolation. */
  | { kind: 'unknown'; reason: string };

/** Reads what a landed commit did to a file (given relative to the project root). IO: see src/worktree/upstream-change.ts. */
export type UpstreamChangeReader = (landed: Landed, ref: string) => UpstreamFileChange;

/** A file a landing conflict was about: whose landed work it met, and both sides' change to it since the attempt began. */
export interface Clash {
  file: string;
  /** The tasks whose landed commits changed the file on the target meanwhile. */
  tasks: Array<{ id: string; title: string; commit: string }>;
  /** The failed attempt's change to the file (a unified diff, perhaps cut short). */
  ours: string;
  /** The target's change to it since the attempt's base. */
  theirs: string;
}

/**
 * What a retry starts from (gathered by the runner's isolation, see runner/outcome.ts `retryFrom`):
 * - `continued`: the previous attempt's tree as it was left (rebased onto `onto` when the
 *   target moved), and with `session` its agent session too;
 * - `clean-instead`: continuing was wanted but could not be done (`why`): a clean tree;
 * - `offered-diff`: after a landing conflict, a clean tree at the target's head with the
 *   previous attempt's change applied file by file where it applied (`applied`), the rest
 *   not (`notApplied`); `clashes` say what each conflicting file met.
 */
export type RetryBasis =
  | { kind: 'continued'; attempt: number; session: boolean; onto?: string | undefined }
  | { kind: 'clean-instead'; attempt: number; why: string }
  | { kind: 'offered-diff'; attempt: number; applied: string[]; notApplied: string[]; clashes: Clash[] };

/** A template's text and where it came from (named in errors). */
export interface Template {
  name: string;
  source: string;
  text: string;
}

export interface PromptTemplates {
  /** The frame: section order and headings. */
  task: Template;
  /** How the agent reports to wg. */
  protocol: Template;
}

export interface BuiltPrompt {
  text: string;
  /** Each file the budget cut, with how (also named in the prompt's "omitted:" line). */
  omitted: string[];
  estimatedTokens: number;
}
