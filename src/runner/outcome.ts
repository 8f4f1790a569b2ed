/** How one attempt of one task ended: a single union, described by one function. */
import type { RETRY_FROM_SETTINGS } from '../config/settings.js';
import { formatDuration } from '../graph/format.js';

export type Outcome =
  | { kind: 'succeeded' }
  | { kind: 'failed'; exitCode: number; reason?: string | undefined }
  | { kind: 'timed-out'; afterMs: number }
  | { kind: 'stalled'; afterMs: number }
  | { kind: 'killed'; signal: string }
  | { kind: 'spawn-error'; message: string }
  /** `combined`: the check failed on the target's newer head with this attempt's work brought onto it. */
  | {
      kind: 'verification-failed';
      exitCode: number;
      output: string;
      combined?: boolean;
      /** The check's whole output, relative to the project root. */ log?: string | undefined;
    }
  /** The task's `verify` command could not run at all (exit 126/127: not executable, not found): no retry can fix it. */
  | { kind: 'verify-cannot-run'; exitCode: number; command: string; output: string }
  | { kind: 'interrupted' }
  /** The task could not even be prepared (bad backend settings, working_dir outside the project...). */
  | { kind: 'invalid-configuration'; message: string }
  /** The agent exited 0 but did not write every declared deliverable (paths relative to the project root). */
  | { kind: 'missing-deliverable'; files: string[] }
  /**
   * The agent's permissions refused a call it made; the attempt was stopped at once. `request` names the call,
   * `rule` the `--tool` that would allow it (when one can), `tools` what the task granted (its `tools`) then.
   */
  | { kind: 'permission-denied'; request: string; rule?: string | undefined; tools?: readonly string[] | undefined }
  /** The agent asked for something only a person can give (an approval, an answer, a login); stopped at once. */
  | { kind: 'input-required'; request: string }
  /** The attempt's work could not be brought onto the target branch; `files` are the ones in the way. */
  | { kind: 'merge-conflict'; files: string[]; detail?: string | undefined }
  /**
   * The attempt succeeded but git failed to bring its work onto the target: wg's problem,
   * not the agent's. `message` is all git said; the work stays in `worktree` on `branch`.
   */
  | {
      kind: 'landing-failed';
      taskId: string;
      message: string;
      worktree?: string | undefined;
      branch?: string | undefined;
    }
  /** The task's spend reached its cap (`max_cost_usd`): stopped, and not retried. */
  | { kind: 'budget-exhausted'; spentUsd: number; capUsd: number }
  /**
   * The model's service refused for a rate or usage limit: not the task's failure. The task
   * is reopened without counting an attempt, and its backend pauses until `resetAt`.
   */
  | { kind: 'rate-limited'; detail: string; resetAt?: string | undefined };

export type OutcomeKind = Outcome['kind'];

/** The failure_reason recorded on the task, and the line people read. */
export function describeOutcome(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'succeeded':
      return 'succeeded';
    case 'failed':
      return outcome.reason ?? `exit code ${outcome.exitCode}`;
    case 'timed-out':
      return `timed out after ${formatDuration(outcome.afterMs)}`;
    case 'stalled':
      return `stalled: no output for ${formatDuration(outcome.afterMs)}`;
    case 'killed':
      return `killed by ${outcome.signal}`;
    case 'spawn-error':
      return `could not start the agent: ${outcome.message}`;
    case 'verification-failed': {
      const tail = outcome.output.trim().split('\n').at(-1);
      return `verification failed${outcome.combined ? ' on the combination with newer landed work' : ''} (exit code ${outcome.exitCode})${tail ? `: ${tail.slice(0, 200)}` : ''}`;
    }
    case 'verify-cannot-run': {
      const tail = outcome.output.trim().split('\n').at(-1);
      const why =
        outcome.exitCode === 127
          ? 'command not found'
          : outcome.exitCode === 126
            ? 'not executable'
            : 'could not start';
      return `the check could not run (${outcome.exitCode >= 0 ? `exit code ${outcome.exitCode}: ` : ''}${why})${tail ? `: ${tail.slice(0, 200)}` : ''}`;
    }
    case 'interrupted':
      return 'interrupted';
    case 'invalid-configuration':
      return `invalid configuration: ${outcome.message}`;
    case 'missing-deliverable':
      return `missing deliverable: ${outcome.files.join(', ')} ${outcome.files.length === 1 ? 'was' : 'were'} not written`;
    case 'permission-denied':
      return `permission denied: ${outcome.request}`;
    case 'input-required':
      return `input required: ${outcome.request}`;
    case 'rate-limited':
      return `rate limited${outcome.resetAt ? ` until ${outcome.resetAt}` : ''}: ${outcome.detail}`;
    case 'budget-exhausted':
      return `budget exhausted: the task has spent $${outcome.spentUsd.toFixed(2)} of its $${outcome.capUsd.toFixed(2)} cap`;
    case 'landing-failed': {
      const kept = outcome.worktree
        ? `The work is kept in ${outcome.worktree} on branch ${outcome.branch} (\`wg diff ${outcome.taskId}\` shows it): commit and merge it yourself, then \`wg done ${outcome.taskId}\`; or`
        : 'To try again:';
      return `could not land the work (the agent's attempt succeeded): ${outcome.message}\n${kept} fix the cause above, then \`wg retry ${outcome.taskId}\` (a retry would meet the same failure until then)`;
    }
    case 'merge-conflict':
      return `merge conflict${outcome.files.length > 0 ? ` in ${outcome.files.join(', ')}` : ''}${outcome.detail ? `: ${outcome.detail}` : ''}`;
  }
}

/**
 * What a retry starts from:
 * - `previous-attempt`: the previous attempt's tree as it was left (brought onto the
 *   target's head if that moved), and its agent session where the backend can continue
 *   one: the agent repairs its own work, remembering what it did;
 * - `previous-diff`: a fresh tree at the target's head, with the previous attempt's change
 *   applied where it still applies (the rest named in the prompt);
 * - `clean`: a fresh tree at the target's head and a fresh session.
 */
export type RetryFrom = 'previous-attempt' | 'previous-diff' | 'clean';

/** `false`: not retried at all. */
type RetryRule = false | RetryFrom;

/**
 * Which outcomes a retry may fix, and what it starts from. A program that cannot start, a
 * configuration that cannot work, a check that cannot run, a call the permissions refuse
 * (while they stay as they were) and a question only a person can answer will not fix
 * themselves; an agent that forgot a file or failed its check may do better once its prompt
 * says so. Only work that ran to its end and was judged is worth continuing: after a crash,
 * a stall or a timeout, what the tree and session hold is unknown, so those start clean.
 * (A review's rejection, once reviews exist, continues from the previous attempt too.)
 */
const RETRY: Readonly<Record<OutcomeKind, RetryRule>> = {
  succeeded: false,
  failed: 'clean',
  'timed-out': 'clean',
  stalled: 'clean',
  killed: 'clean',
  'spawn-error': false,
  // The work was finished and checked: the agent repairs it, in the same session, with the check's output.
  'verification-failed': 'previous-attempt',
  // The same command fails the same way whatever the agent does: the check itself must change.
  'verify-cannot-run': false,
  interrupted: false,
  'invalid-configuration': false,
  'missing-deliverable': 'clean',
  // Refused again as long as the permissions stay as they were (isRetryable compares them).
  'permission-denied': 'clean',
  'input-required': false,
  // The retry starts from the target's new head with its own change offered again, and its prompt shows what clashed.
  'merge-conflict': 'previous-diff',
  'budget-exhausted': false,
  // Git refused, not the agent: another attempt would do the same work and meet the same refusal.
  'landing-failed': false,
  // Not a failure at all: the runner reopens the task and tries again once the limit lifts.
  'rate-limited': false,
};

/** `[run] retry_from`: `auto` follows the table; `clean` never continues; `previous` continues after any retried failure. */
export type RetryFromSetting = (typeof RETRY_FROM_SETTINGS)[number];

/** What the retry after `outcome` starts from, under `[run] retry_from`. */
export function retryFrom(outcome: Outcome, setting: RetryFromSetting = 'auto'): RetryFrom {
  const rule = RETRY[outcome.kind] || 'clean';
  if (setting === 'clean') return 'clean';
  // A landing conflict's tree holds work that cannot land as it is: it is offered as a diff whatever the setting.
  if (setting === 'previous' && rule === 'clean') return 'previous-attempt';
  return rule;
}

/** Tool lists compared as sets: order and repeats do not change what a task may do. */
function sameTools(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const key = (tools: readonly string[] | undefined) =>
    tools === undefined ? '(none)' : [...new Set(tools.map((tool) => tool.trim()))].sort().join('\n');
  return key(a) === key(b);
}

/**
 * Whether to retry after `outcome`. `now` is the task as it stands: a refused call is worth
 * another attempt only once its tools changed since (someone ran `wg edit ID --tool ...`).
 */
export function isRetryable(outcome: Outcome, now?: { tools?: readonly string[] | undefined }): boolean {
  if (outcome.kind === 'permission-denied') return now !== undefined && !sameTools(outcome.tools, now.tools);
  return RETRY[outcome.kind] !== false;
}

/**
 * What would change an outcome no retry will fix, naming the task: the line a person
 * reads after the reason (recorded with it, so \`wg show\` and the page say it too).
 */
export function remedyFor(outcome: Outcome, taskId: string): string | undefined {
  switch (outcome.kind) {
    case 'verify-cannot-run':
      return `not retried: fix the check (\`wg edit ${taskId} --verify "<a command that runs>"\`, or install what it needs), then \`wg retry ${taskId}\``;
    case 'permission-denied':
      return outcome.rule
        ? `not retried while the task's tools stay as they are: \`wg answer ${taskId} "..." --allow ${JSON.stringify(outcome.rule)}\` grants it and reopens the task`
        : `not retried while the task's permissions stay as they are: widen them (\`wg edit ${taskId} --tool ...\`, or the backend's settings), then \`wg retry ${taskId}\``;
    case 'invalid-configuration':
      return `not retried: fix the task (\`wg edit ${taskId} ...\`) or config.toml, then \`wg retry ${taskId}\``;
    default:
      return undefined;
  }
}
