/**
 * Work whose runner died: a claim records the runner's pid, host and process start
 * time. When `wg run` starts, every lease held by a runner that is gone (pid dead, or
 * reused by another process) is taken back; any agent that outlived its runner is
 * stopped first, so it cannot keep working on a task someone else will now take.
 */
import type { Graph } from '../graph/model.js';
import type { Claim, Task } from '../graph/schema.js';
import { reopenTask, type Caller } from '../graph/transitions.js';
import { isProcessAlive, isProcessGone } from '../system/process.js';
import { terminateTree } from '../system/kill.js';

export interface Recovered {
  task: string;
  status: string;
  reason: string;
}

function runnerIsGone(claim: Claim): boolean {
  if (claim.pid === undefined || claim.host === undefined) return false;
  return isProcessGone({ pid: claim.pid, host: claim.host, pid_start: claim.pid_start, pid_ns: claim.pid_ns }) === true;
}

/** Leases whose runner is gone (reads /proc; no changes). */
export function orphanedLeases(graph: Graph): Task[] {
  return [...graph.tasks.values()].filter((task) => task.claim !== undefined && runnerIsGone(task.claim));
}

/** Stop agents that outlived their runner. */
export async function stopOrphanedAgents(tasks: Task[], graceMs: number): Promise<void> {
  await Promise.all(
    tasks.map(async (task) => {
      const claim = task.claim;
      if (claim?.agent_pid !== undefined && isProcessAlive(claim.agent_pid, claim.agent_start)) await terminateTree(claim.agent_pid, graceMs);
    }),
  );
}

/** In the recovering runner's transaction: reopen (or fail) each orphaned lease, drop orphaned reservations. */
export function recoverOrphans(graph: Graph, ids: readonly string[], by: Omit<Caller, 'credentials' | 'force'>, maxRetries: number): Recovered[] {
  const recovered: Recovered[] = [];
  for (const id of ids) {
    const task = graph.tasks.get(id);
    // Re-check inside the transaction: another runner may have recovered it already.
    if (!task?.claim || !runnerIsGone(task.claim)) continue;
    if (task.status !== 'in-progress') {
      graph.tasks.set(id, { ...task, claim: undefined });
      recovered.push({ task: id, status: task.status, reason: 'reservation of a dead runner released' });
      continue;
    }
    const reopened = reopenTask(graph, id, by, 'runner died', { countsAsAttempt: true, maxRetries });
    recovered.push({ task: id, status: reopened.status, reason: 'runner died' });
  }
  return recovered;
}
