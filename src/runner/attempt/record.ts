/**
 * Record an attempt's end on its task, through the lease: done, failed, or reopened. The
 * agent may already have run `wg done` or `wg fail` itself; its word then stands, and the
 * verdict says so. A lease that moved on (the task was taken back) records nothing.
 */
import { StaleAttemptError } from '../../errors.js';
import { getTask } from '../../graph/model.js';
import type { TaskStatus, ValidationMode } from '../../graph/schema.js';
import { awaitValidation } from '../../graph/review.js';
import { askQuestion, recordRefusal } from '../../graph/questions.js';
import { completeTask, failTask, recordLanding, recordSummary, reopenTask } from '../../graph/transitions.js';
import type { GraphWriter } from '../graph-writer.js';
import type { HeldResult, Landing } from '../isolation.js';
import { describeOutcome, remedyFor, type Outcome } from '../outcome.js';
import type { AttemptSubject, Verdict } from './context.js';

export interface Ending {
  outcome: Outcome;
  /** The agent's account of its work, kept on the task when the attempt succeeded. */
  summary?: string | undefined;
  /** Where the work landed, when it did. */
  landing?: Landing | undefined;
  /** A success that waits for review instead of landing: where its result is kept (nothing, in place). */
  held?:
    | {
        mode: ValidationMode;
        result: HeldResult | undefined;
        session?: string | undefined;
        backend?: string | undefined;
      }
    | undefined;
  /** For a reopened task: the retry limit that applies when the task sets none. */
  defaultMaxRetries: number;
}

/** The failure_reason recorded on the task and the line people read: the outcome, and what would change it. */
export function reasonFor(outcome: Outcome, taskId: string): string {
  const remedy = remedyFor(outcome, taskId);
  return `${describeOutcome(outcome)}${remedy ? `; ${remedy}` : ''}`;
}

export async function recordVerdict(writer: GraphWriter, subject: AttemptSubject, ending: Ending): Promise<Verdict> {
  const { taskId, identity, caller } = subject;
  const { outcome, summary, landing } = ending;
  try {
    return await writer.apply((graph): Verdict => {
      const current = getTask(graph, taskId);
      const ownAttempt = current.claim?.attempt === identity.attempt;
      const recorded = (status: TaskStatus, stands: Outcome = outcome): Verdict => ({
        kind: 'recorded',
        status,
        outcome: stands,
      });
      // The work is on the target whoever marked the task done (the runner, or the agent itself).
      const landed = () => landing && recordLanding(graph, taskId, caller(), { attempt: identity.attempt, ...landing });
      if (!ownAttempt && current.status === 'done') {
        // The agent ran `wg done` itself; its account of the work still goes with the task.
        if (outcome.kind === 'succeeded' && summary !== undefined) recordSummary(graph, taskId, summary);
        landed();
        return recorded('done');
      }
      if (!ownAttempt && current.status === 'failed') {
        // The agent ran `wg fail` itself: its reason is the outcome.
        return recorded('failed', {
          kind: 'failed',
          exitCode: outcome.kind === 'failed' ? outcome.exitCode : 0,
          reason: current.failure_reason ?? 'the agent failed the task',
        });
      }
      if (!ownAttempt && current.status === 'waiting' && current.question?.attempt === identity.attempt) {
        // The agent ran `wg ask` itself: its question is the outcome, whatever its process did after.
        return recorded('waiting', { kind: 'input-required', request: current.question.text });
      }
      if (outcome.kind === 'succeeded' && ending.held) {
        const { mode, result, session, backend } = ending.held;
        const waiting = awaitValidation(
          graph,
          taskId,
          caller(),
          { attempt: identity.attempt, ...result, session, backend },
          { mode, summary },
        );
        return recorded(waiting.status);
      }
      if (outcome.kind === 'succeeded') {
        const done = completeTask(graph, taskId, caller(), summary);
        return recorded((landed() ?? done).status);
      }
      if (outcome.kind === 'interrupted' || outcome.kind === 'rate-limited') {
        const reopened = reopenTask(graph, taskId, caller(), describeOutcome(outcome), {
          countsAsAttempt: false,
          maxRetries: ending.defaultMaxRetries,
        });
        return recorded(reopened.status);
      }
      // Only a person can give what was asked for: the task waits for `wg answer`, no retry counted.
      if (outcome.kind === 'input-required')
        return recorded(askQuestion(graph, taskId, caller(), outcome.request).status);
      const failed = failTask(graph, taskId, caller(), reasonFor(outcome, taskId), checkOutput(outcome));
      // A refused call is something a person can answer too (`wg answer ID --allow RULE`).
      if (outcome.kind === 'permission-denied')
        recordRefusal(graph, taskId, caller(), {
          request: outcome.request,
          rule: outcome.rule,
          attempt: identity.attempt,
        });
      return recorded(failed.status);
    });
  } catch (error) {
    if (!(error instanceof StaleAttemptError)) throw error;
    return { kind: 'lease-lost', reason: error.message };
  }
}

/** What a failed check printed, for the task (and so the retry's prompt) and its log. */
function checkOutput(outcome: Outcome): { text: string; source: string } | undefined {
  if (outcome.kind === 'verification-failed' && outcome.output.trim() !== '') {
    return {
      text: outcome.output,
      source: `the check's last lines${outcome.log ? ` (all of its output: ${outcome.log})` : ''}`,
    };
  }
  if (outcome.kind === 'verify-cannot-run' && outcome.output.trim() !== '')
    return { text: outcome.output, source: `what \`${outcome.command}\` printed` };
  return undefined;
}
