/**
 * Work whose runner died: a claim records the runner's pid, host, pid namespace and
 * process start time, and (for a runner's lease) when it expires unless renewed. When
 * `wg run` starts, and while it waits on other runners' work, every lease whose runner
 * is gone (pid dead, or reused by another process) or whose expiry has passed (a runner
 * on another machine that stopped renewing) is taken back; any agent that outlived its
 * runner on this machine is stopped first, so it cannot keep working on a task someone
 * else will now take.
 */
import type { Graph } from '../graph/model.js';
import type { Claim, Task } from '../graph/schema.js';
import { heldBy, reopenTask, type Caller } from '../graph/transitions.js';
import { isLocal, isProcessAlive, isProcessGone, type ProcessIdentity } from '../system/process.js';
import { terminateMarked, terminateTree } from '../process/terminate.js';

export interface Recovered {
  task: string;
  status: string;
  reason: string;
}

function holderOf(claim: Claim): ProcessIdentity | undefined {
  if (claim.pid === undefined || claim.host === undefined) return undefined;
  return { pid: claim.pid, host: claim.host, pid_start: claim.pid_start, pid_ns: claim.pid_ns };
}

function where(claim: Claim): string {
  return claim.pid === undefined ? claim.actor : `pid ${claim.pid} on ${claim.host ?? 'an unknown host'}`;
}

/**
 * Why `claim` may be taken back now, or undefined while its holder may still be working.
 * `self` is the judging runner: its own leases are never orphans, however late its renewal.
 */
export function orphanReason(claim: Claim, now: Date, self?: ProcessIdentity): string | undefined {
  if (self && heldBy(claim, self)) return undefined;
  const holder = holderOf(claim);
  if (holder && isProcessGone(holder) === true) return 'runner died';
  if (claim.expires !== undefined && Date.parse(claim.expires) <= now.getTime())
    return `lease of the runner (${where(claim)}) expired at ${claim.expires} without renewal`;
  return undefined;
}

/** Leases that can be taken back now (reads /proc; no changes). */
export function orphanedLeases(graph: Graph, now: Date, self?: ProcessIdentity): Task[] {
  return [...graph.tasks.values()].filter(
    (task) => task.claim !== undefined && orphanReason(task.claim, now, self) !== undefined,
  );
}

/** The soonest time a lease held by another runner lapses, if any does. */
export function nextExpiry(graph: Graph, self: ProcessIdentity): number | undefined {
  let soonest: number | undefined;
  for (const task of graph.tasks.values()) {
    const claim = task.claim;
    if (claim?.expires === undefined || heldBy(claim, self)) continue;
    const at = Date.parse(claim.expires);
    if (soonest === undefined || at < soonest) soonest = at;
  }
  return soonest;
}

/** Stop agents on this machine that outlived their runner (an agent elsewhere is not ours to reach). */
export async function stopOrphanedAgents(tasks: Task[], graceMs: number): Promise<void> {
  await Promise.all(
    tasks.map(async (task) => {
      const claim = task.claim;
      const holder = claim && holderOf(claim);
      if (!holder || !isLocal(holder)) return;
      if (claim?.agent_pid === undefined) return;
      if (isProcessAlive(claim.agent_pid, claim.agent_start))
        await terminateTree(claim.agent_pid, graceMs, claim.agent_mark);
      // The agent is gone, but what it started may not be (the pid alone no longer leads to it).
      else if (claim.agent_mark !== undefined) await terminateMarked(claim.agent_mark, graceMs);
    }),
  );
}

/** In the recovering runner's transaction: reopen (or fail) each orphaned lease, drop orphaned reservations. */
export function recoverOrphans(
  graph: Graph,
  ids: readonly string[],
  by: Omit<Caller, 'credentials' | 'force'>,
  maxRetries: number,
  self?: ProcessIdentity,
): Recovered[] {
  const recovered: Recovered[] = [];
  for (const id of ids) {
    const task = graph.tasks.get(id);
    // Re-check inside the transaction: another runner may have recovered it already, or the lease was renewed.
    const reason = task?.claim && orphanReason(task.claim, by.now, self);
    if (!task || !reason) continue;
    if (task.status !== 'in-progress') {
      graph.tasks.set(id, { ...task, claim: undefined });
      recovered.push({ task: id, status: task.status, reason: `reservation released: ${reason}` });
      continue;
    }
    const taken = reason === 'runner died' ? reason : `${reason}; taken over by ${by.actor}`;
    const reopened = reopenTask(graph, id, by, taken, { countsAsAttempt: true, maxRetries });
    recovered.push({ task: id, status: reopened.status, reason: taken });
  }
  return recovered;
}
