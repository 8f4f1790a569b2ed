/**
 * The verdict on an attempt, from what is known of it: how its process ended, what the
 * agent said (its result, a halt it asked for), what it spent, whether its deliverables
 * are there and what its check said. Pure: every input is measured by another phase.
 */
import type { AgentEvent } from '../../backends/types.js';
import type { ProcessEnd } from '../../process/supervise.js';
import type { Outcome } from '../outcome.js';
import type { Loop } from './loop-detector.js';

export type ResultEvent = Extract<AgentEvent, { type: 'result' }>;
export type HaltEvent = Extract<AgentEvent, { type: 'halt' }>;

/** The task's cap, and what earlier attempts spent of it: what this attempt may spend is the difference. */
export interface Allowance {
  capUsd: number;
  spentBeforeUsd: number;
}

export interface Evidence {
  end: ProcessEnd;
  /** Why the sandbox the agent was to run in never started: then the agent never ran. */
  sandboxFailure?: string | undefined;
  result?: ResultEvent | undefined;
  halt?: HaltEvent | undefined;
  /** The call the agent kept repeating, when that is why it was stopped. */
  loop?: Loop | undefined;
  spentUsd: number;
  allowance?: Allowance | undefined;
  /** What the task granted (its `tools`) when it ran: a refused call is worth retrying only once that changed. */
  tools?: readonly string[] | undefined;
  /** Files the task declares and the attempt did not write; undefined: not looked at (yet). */
  missingDeliverables?: readonly string[] | undefined;
  /** What the task's `verify` check came to (see judgeCheck); undefined: not run (yet). */
  check?: Outcome | undefined;
}

export function judge(evidence: Evidence): Outcome {
  const ran = judgeRun(evidence);
  if (ran.kind !== 'succeeded') return ran;
  const missing = evidence.missingDeliverables ?? [];
  if (missing.length > 0) return { kind: 'missing-deliverable', files: [...missing] };
  return evidence.check ?? ran;
}

/** How the agent's run went, before anything it left behind is looked at. */
function judgeRun({ end, result, halt, loop, spentUsd, allowance, tools, sandboxFailure }: Evidence): Outcome {
  if (sandboxFailure) return { kind: 'invalid-configuration', message: sandboxFailure };
  // We stopped it for repeating itself.
  if (loop && end.kind === 'halted') return { kind: 'looping', tool: loop.tool, call: loop.summary, times: loop.times };
  // What the agent asked for explains the end better than how its process ended (we stopped it).
  if (halt && end.kind !== 'interrupted') {
    if (halt.kind === 'rate-limited') return { kind: 'rate-limited', detail: halt.request, resetAt: halt.resetAt };
    // What the task granted goes with it: a retry is worth it only once that changed.
    if (halt.kind === 'permission-denied')
      return { kind: 'permission-denied', request: halt.request, rule: halt.rule, tools };
    if (halt.kind !== 'budget-exhausted') return { kind: halt.kind, request: halt.request };
    return {
      kind: 'budget-exhausted',
      spentUsd: (allowance?.spentBeforeUsd ?? 0) + spentUsd,
      capUsd: allowance?.capUsd ?? spentUsd,
    };
  }
  switch (end.kind) {
    case 'exited':
      if (end.exitCode !== 0)
        return { kind: 'failed', exitCode: end.exitCode, reason: result && !result.ok ? result.reason : undefined };
      if (result && !result.ok)
        return { kind: 'failed', exitCode: 0, reason: result.reason ?? 'the agent reported an error' };
      return { kind: 'succeeded' };
    case 'signalled':
      return { kind: 'killed', signal: end.signal };
    case 'spawn-error':
      return { kind: 'spawn-error', message: end.message };
    case 'timed-out':
      return { kind: 'timed-out', afterMs: end.afterMs };
    case 'stalled':
      return { kind: 'stalled', afterMs: end.afterMs };
    case 'interrupted':
      return { kind: 'interrupted' };
    case 'halted':
      return { kind: 'failed', exitCode: -1, reason: 'stopped by the runner' };
  }
}

/** sh's own verdicts on a command: not executable (126), not found (127). */
const CANNOT_RUN = new Set([126, 127]);

/** The task's `verify` check, from how it ended: `tail` is its last lines, `log` the file holding all of them. */
export function judgeCheck(end: ProcessEnd, check: { command: string; tail: readonly string[]; log: string }): Outcome {
  const output = check.tail.join('\n');
  switch (end.kind) {
    case 'exited':
      if (end.exitCode === 0) return { kind: 'succeeded' };
      if (CANNOT_RUN.has(end.exitCode))
        return { kind: 'verify-cannot-run', exitCode: end.exitCode, command: check.command, output };
      return { kind: 'verification-failed', exitCode: end.exitCode, output, log: check.log };
    case 'interrupted':
      return { kind: 'interrupted' };
    case 'timed-out':
      return {
        kind: 'verification-failed',
        exitCode: -1,
        output: [...check.tail, `verify timed out after ${Math.round(end.afterMs / 1000)}s`].join('\n'),
        log: check.log,
      };
    case 'spawn-error':
      return { kind: 'verify-cannot-run', exitCode: -1, command: check.command, output: end.message };
    case 'signalled':
    case 'stalled':
    case 'halted':
      return { kind: 'verification-failed', exitCode: -1, output: `verify ended by ${end.kind}` };
  }
}

/**
 * While the run is stopping (Ctrl-C, --fail-fast), an attempt that did not succeed gets no
 * verdict: the stop may be what ended it (an agent, a check or a git command the terminal's
 * Ctrl-C reached, a spawner gone). Its task is reopened without counting an attempt.
 */
export function underStop(outcome: Outcome, stopping: boolean): Outcome {
  return stopping && outcome.kind !== 'succeeded' && outcome.kind !== 'rate-limited'
    ? { kind: 'interrupted' }
    : outcome;
}
