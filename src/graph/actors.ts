/** What an actor is doing: the tasks assigned to it and the leases it holds. */
import { getActor, type Graph } from './model.js';
import type { Actor, TaskStatus } from './schema.js';

export interface AssignedTask {
  id: string;
  title: string;
  status: TaskStatus;
}

export interface HeldLease {
  task: string;
  attempt: number;
  since: string;
  /** Set when the lease is a trajectory reservation that has not started yet. */
  trajectory?: string;
}

export interface ActorWork {
  actor: Actor;
  assigned: AssignedTask[];
  leases: HeldLease[];
}

export function actorWork(graph: Graph, id: string): ActorWork {
  const actor = getActor(graph, id);
  const assigned: AssignedTask[] = [];
  const leases: HeldLease[] = [];
  for (const task of graph.tasks.values()) {
    if (task.assigned === id) assigned.push({ id: task.id, title: task.title, status: task.status });
    const claim = task.claim;
    if (claim?.actor === id)
      leases.push({
        task: task.id,
        attempt: claim.attempt,
        since: claim.since,
        ...(claim.trajectory ? { trajectory: claim.trajectory } : {}),
      });
  }
  return { actor, assigned, leases };
}
