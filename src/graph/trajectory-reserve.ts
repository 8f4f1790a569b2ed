/**
 * Reserving a planned trajectory, inside the caller's transaction: the first step is
 * claimed, every later step keeps status `open` but carries a claim marked with the
 * trajectory's first step id. readiness() reports such a step as not ready, so nobody
 * else is offered it, and claimTask lets only the reserving actor take it. Pure.
 */
import { AlreadyClaimedError, InvalidInputError, NotReadyError, TransitionError } from '../errors.js';
import { blockerSatisfied, singleTaskIndex } from './deps.js';
import { getTask, type Graph } from './model.js';
import type { Claim, Task } from './schema.js';
import { claimTask, holderFields, type Caller, type ClaimRequest } from './transitions.js';
import type { Trajectory } from './trajectory.js';

/** Not the hash of any token, so no credentials match a reservation. */
export const RESERVED_TOKEN_HASH = 'reserved';

export interface Reservation {
  /** The first step, now in progress for the caller. */
  head: Task;
  /** The later steps, still open, reserved for the caller. */
  reserved: Task[];
}

function logged(task: Task, by: Caller, message: string): Task {
  return { ...task, log: [...(task.log ?? []), { timestamp: by.now.toISOString(), actor: by.actor, message }] };
}

/** Why a later step cannot be reserved; every check runs before anything changes. */
function checkReservable(graph: Graph, task: Task, earlier: ReadonlySet<string>, by: Caller): void {
  if (task.status === 'in-progress')
    throw new AlreadyClaimedError(
      `trajectory step ${task.id} is already claimed by ${task.claim?.actor ?? task.assigned ?? 'someone'}`,
    );
  if (task.claim && task.claim.actor !== by.actor) {
    throw new AlreadyClaimedError(
      `trajectory step ${task.id} is reserved by ${task.claim.actor} for trajectory ${task.claim.trajectory ?? '?'} (since ${task.claim.since})`,
    );
  }
  if (task.status !== 'open')
    throw new NotReadyError(`trajectory step ${task.id} is ${task.status}`, 'plan the trajectory again');
  for (const blocker of singleTaskIndex(graph, task.id).blockersOf(task.id)) {
    if (earlier.has(blocker) || blockerSatisfied(graph, blocker)) continue;
    throw new NotReadyError(
      `trajectory step ${task.id} waits for ${blocker}, which is neither finished nor an earlier step`,
      'plan the trajectory again',
    );
  }
}

/**
 * Claim the first step and reserve the rest, all or nothing. Meant for the same
 * transaction that planned the trajectory; the checks also catch a plan gone stale.
 */
export function reserveTrajectory(
  graph: Graph,
  trajectory: Trajectory,
  by: Caller,
  request: ClaimRequest,
): Reservation {
  const ids = trajectory.steps.map((step) => step.id);
  const headId = ids[0];
  if (headId === undefined) throw new InvalidInputError('the trajectory has no steps');
  if (new Set(ids).size !== ids.length)
    throw new InvalidInputError(`the trajectory visits a task twice: ${ids.join(' -> ')}`);
  const later = ids.slice(1).map((id) => getTask(graph, id));
  later.forEach((task, i) => checkReservable(graph, task, new Set(ids.slice(0, i + 1)), by));

  // claimTask validates the head completely before it replaces anything, so a refusal here still changes nothing.
  const head = claimTask(graph, headId, by, request);
  const reserved = later.map((task, i) => {
    const claim: Claim = {
      attempt: (task.attempts ?? 0) + 1,
      actor: by.actor,
      // No token opens a reserved step: its actor claims it (and gets a token) when it starts.
      token_hash: RESERVED_TOKEN_HASH,
      since: by.now.toISOString(),
      ...holderFields(request),
      trajectory: headId,
    };
    const updated = logged(
      { ...task, claim },
      by,
      `reserved by ${by.actor}: step ${i + 2} of ${ids.length} of trajectory ${headId}`,
    );
    graph.tasks.set(updated.id, updated);
    return updated;
  });
  return { head, reserved };
}

/**
 * Clear what is left of the reservations of the trajectory that started at `headId`
 * (the runner calls this when a step fails). Only the reserving actor may, unless
 * `force`. Returns the released tasks; none left is not an error. `among` limits the
 * search to the trajectory's steps when the caller knows them (the runner does).
 */
export function releaseReservations(graph: Graph, headId: string, by: Caller, among?: readonly string[]): Task[] {
  const candidates = among ? among.flatMap((id) => graph.tasks.get(id) ?? []) : [...graph.tasks.values()];
  const held = candidates.filter((task) => task.status === 'open' && task.claim?.trajectory === headId);
  const foreign = held.find((task) => task.claim!.actor !== by.actor);
  if (foreign && !by.force) {
    throw new TransitionError(
      `trajectory ${headId} is reserved by ${foreign.claim!.actor}, not ${by.actor}`,
      'use --force to release it anyway',
    );
  }
  return held.map((task) => {
    const released = logged({ ...task, claim: undefined }, by, `reservation for trajectory ${headId} released`);
    graph.tasks.set(released.id, released);
    return released;
  });
}
