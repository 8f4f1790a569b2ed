/**
 * Reading a task's log by attempt. Each claim writes `claimed by ACTOR (attempt N)`; what
 * follows it, up to the next claim, is that attempt's. Downstream tasks are handed only the
 * latest attempt's entries: the failures of earlier attempts, and the runner's "reopened
 * for retry" between them, are history the next task does not need. Pure.
 */
import type { LogEntry } from './schema.js';

/** The log message a claim writes (the only place it is worded, so the pattern below matches it). */
export function claimedMessage(actor: string, attempt: number): string {
  return `claimed by ${actor} (attempt ${attempt})`;
}

/** Matches a claimedMessage: the actor, then the attempt number. */
export const CLAIMED_MESSAGE = /^claimed by (.+) \(attempt (\d+)\)$/;

/**
 * The entries after the last claim: for a done task, those of the attempt that succeeded.
 * A log with no claim in it (a task marked done by hand, or one upstream's tools ran) is
 * returned whole.
 */
export function latestAttemptLog(log: readonly LogEntry[]): LogEntry[] {
  for (let i = log.length - 1; i >= 0; i--) {
    if (CLAIMED_MESSAGE.test(log[i]!.message)) return log.slice(i + 1);
  }
  return [...log];
}
