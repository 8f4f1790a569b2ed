/**
 * Trajectories: a path of tasks one agent can walk in a row without losing its
 * footing. Upstream workgraph hands out the whole downstream cone of a task, which
 * nobody can claim as a unit; here we plan a chain where every next step becomes
 * runnable once the earlier steps are done and shares context with them, so the
 * agent carries what it learned from one step into the next. Pure: no IO.
 *
 * Shared-context score of a candidate against the chain so far:
 *   +3 per input of the candidate that an earlier step produces (deliverable or artifact)
 *   +2 per context file the candidate shares with an earlier step
 *   +1 per required skill shared with an earlier step (case-insensitive)
 *   +1 per tag shared with an earlier step
 * Consuming a step's output weighs most: that is the context most costly to rebuild.
 */
import { InvalidInputError, NotReadyError } from '../errors.js';
import { normalizeRef, taskContext } from './context.js';
import { blockerSatisfied, dependencyIndex, readiness, startable, type DependencyIndex } from './deps.js';
import { estimatePromptTokens } from './estimate.js';
import { nextTaskFor, scoreActor } from './matching.js';
import { getTask, type Graph } from './model.js';
import type { Actor, Task } from './schema.js';

export const CONSUMED_INPUT_POINTS = 3;
export const SHARED_CONTEXT_FILE_POINTS = 2;
export const SHARED_SKILL_POINTS = 1;
export const SHARED_TAG_POINTS = 1;
export const DEFAULT_MAX_STEPS = 5;

export interface TrajectoryStep {
  id: string;
  title: string;
  /** What the step consumes, each as `path (from <task>)`: outputs of earlier steps first, then of its upstream. */
  receives: string[];
  /** What it has in common with the earlier steps, each with its points (empty for the first step). */
  shares: string[];
  /** Its deliverables and artifacts. */
  produces: string[];
  /** Shared-context score with the chain so far; 0 for the first step. */
  score: number;
  estimatedTokens: number;
}

export type StopReason = 'max-steps' | 'context-limit' | 'no-coherent-next-step';

export interface Trajectory {
  start: string;
  /** The actor it was planned for, when one was given. */
  actor: string | undefined;
  /** The limit the running token total was held under, when there is one. */
  contextLimit: number | undefined;
  steps: TrajectoryStep[];
  totalTokens: number;
  stoppedBecause: StopReason;
}

export interface PlanOptions {
  actor?: Actor | undefined;
  maxSteps?: number | undefined;
  now: Date;
  /** Used when the actor has no context_limit of its own (e.g. config's defaults.context_limit). */
  contextLimit?: number | undefined;
  /** The graph's dependency index, when the caller already has one (planning many trajectories on one snapshot). */
  index?: DependencyIndex | undefined;
  /** Count these tasks as done (the runner's successes whose verdict is still being written). */
  assumeDone?: ReadonlySet<string> | undefined;
}

/** Code-point order: the same on every machine, whatever the locale. */
const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const skillKey = (skill: string) => skill.trim().toLowerCase();
const tagKey = (tag: string) => tag.trim();

/** What the chain so far offers a candidate to share. Maps are keyed by normalized value, to the step that brought it. */
interface ChainContext {
  ids: Set<string>;
  produced: Map<string, string>;
  contextFiles: Map<string, string>;
  skills: Map<string, string>;
  tags: Map<string, string>;
}

function addToChain(chain: ChainContext, task: Task): void {
  chain.ids.add(task.id);
  const remember = (map: Map<string, string>, key: string) => {
    if (!map.has(key)) map.set(key, task.id);
  };
  for (const ref of outputsOf(task)) remember(chain.produced, normalizeRef(ref));
  for (const file of task.context_files ?? []) remember(chain.contextFiles, normalizeRef(file));
  for (const skill of task.skills ?? []) remember(chain.skills, skillKey(skill));
  for (const tag of task.tags ?? []) remember(chain.tags, tagKey(tag));
}

/** Deliverables then artifacts, each path once. */
function outputsOf(task: Task): string[] {
  const seen = new Set<string>();
  const outputs: string[] = [];
  for (const ref of [...(task.deliverables ?? []), ...(task.artifacts ?? [])]) {
    const key = normalizeRef(ref);
    if (seen.has(key)) continue;
    seen.add(key);
    outputs.push(ref);
  }
  return outputs;
}

interface Shared {
  score: number;
  shares: string[];
}

function sharedContext(chain: ChainContext, task: Task): Shared {
  let score = 0;
  const shares: string[] = [];
  const count = (
    values: readonly string[] | undefined,
    key: (value: string) => string,
    map: Map<string, string>,
    describe: (value: string, from: string) => string,
    points: number,
  ) => {
    const counted = new Set<string>();
    for (const value of values ?? []) {
      const k = key(value);
      const from = map.get(k);
      if (from === undefined || counted.has(k)) continue;
      counted.add(k);
      score += points;
      shares.push(`${describe(value, from)} (+${points})`);
    }
  };
  count(
    task.inputs,
    normalizeRef,
    chain.produced,
    (value, from) => `input ${value} from ${from}`,
    CONSUMED_INPUT_POINTS,
  );
  count(
    task.context_files,
    normalizeRef,
    chain.contextFiles,
    (value, from) => `context file ${value}, as ${from}`,
    SHARED_CONTEXT_FILE_POINTS,
  );
  count(task.skills, skillKey, chain.skills, (value, from) => `skill ${value}, as ${from}`, SHARED_SKILL_POINTS);
  count(task.tags, tagKey, chain.tags, (value, from) => `tag ${value}, as ${from}`, SHARED_TAG_POINTS);
  return { score, shares };
}

/** Each input the step gets: from an earlier step of the chain, else from a task upstream of it. */
function receivesOf(graph: Graph, task: Task, chain: ChainContext): string[] {
  const upstream = new Map(taskContext(graph, task.id).inputs.map((source) => [normalizeRef(source.input), source]));
  const receives: string[] = [];
  for (const input of task.inputs ?? []) {
    const fromChain = chain.produced.get(normalizeRef(input));
    if (fromChain !== undefined) {
      receives.push(`${input} (from ${fromChain})`);
      continue;
    }
    const source = upstream.get(normalizeRef(input));
    if (source?.state === 'available') receives.push(`${input} (from ${source.from.join(', ')})`);
    else if (source?.state === 'promised')
      receives.push(`${input} (from ${source.from.join(', ')}, not registered yet)`);
  }
  return receives;
}

/** The reservation on `task` belongs to someone other than `actorId` (anyone, when no actor is known). */
function reservedForOther(task: Task, actorId: string | undefined): boolean {
  return task.claim !== undefined && task.claim.actor !== actorId;
}

/** Open, not held for someone else, not due later, and waiting only for finished tasks or earlier steps. */
function runnableAfterChain(
  graph: Graph,
  index: DependencyIndex,
  task: Task,
  chain: ChainContext,
  actorId: string | undefined,
  now: Date,
  assumeDone?: ReadonlySet<string>,
): boolean {
  if (task.status !== 'open' || chain.ids.has(task.id) || reservedForOther(task, actorId)) return false;
  // We cannot know when the chain's steps will finish, so a task due later is never planned in.
  if (!startable(task, now)) return false;
  return index.blockersOf(task.id).every((blocker) => {
    if (chain.ids.has(blocker) || assumeDone?.has(blocker)) return true;
    return blockerSatisfied(graph, blocker);
  });
}

function checkMaxSteps(maxSteps: number): void {
  if (!Number.isInteger(maxSteps) || maxSteps < 1)
    throw new InvalidInputError(`--max-steps must be a whole number of at least 1, got ${maxSteps}`);
}

/** Why the start cannot begin a trajectory, or undefined. A reservation held by the planning actor does not count against it. */
function startProblems(
  graph: Graph,
  index: DependencyIndex,
  task: Task,
  actorId: string | undefined,
  now: Date,
  assumeDone?: ReadonlySet<string>,
): string[] {
  const ownReservation = task.claim?.trajectory !== undefined && task.claim.actor === actorId;
  const ready = readiness(graph, index, ownReservation ? { ...task, claim: undefined } : task, now, assumeDone);
  return ready.ready ? [] : ready.reasons;
}

/**
 * A context-coherent chain starting at `startId`: at each step the runnable candidate
 * with the highest shared-context score (ties by id), until `maxSteps`, until the next
 * step would take the chain's estimated prompt total to the context limit or past it
 * (the same "must stay below" rule as scoreActor), or until no candidate shares anything.
 */
export function planTrajectory(graph: Graph, startId: string, options: PlanOptions): Trajectory {
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  checkMaxSteps(maxSteps);
  const { actor, now } = options;
  const index = options.index ?? dependencyIndex(graph);
  const start = getTask(graph, startId);
  const problems = startProblems(graph, index, start, actor?.id, now, options.assumeDone);
  if (problems.length > 0)
    throw new NotReadyError(
      `cannot start a trajectory at ${startId}: ${problems.join('; ')}`,
      '`wg ready` lists the tasks that can start one',
    );
  const tokensOf = (task: Task) => estimatePromptTokens(graph, task, index);
  const eligible = (task: Task, tokens: number) =>
    actor ? scoreActor(graph, task, actor, { promptTokens: tokens }) : undefined;

  const startTokens = tokensOf(start);
  const startMatch = eligible(start, startTokens);
  if (startMatch && !startMatch.eligible)
    throw new NotReadyError(
      `${actor!.id} may not take ${startId}: ${startMatch.reasons.join('; ')}`,
      `\`wg match ${startId}\` shows who may`,
    );
  const contextLimit = actor?.context_limit ?? options.contextLimit;

  const chain: ChainContext = {
    ids: new Set(),
    produced: new Map(),
    contextFiles: new Map(),
    skills: new Map(),
    tags: new Map(),
  };
  const steps: TrajectoryStep[] = [
    {
      id: start.id,
      title: start.title,
      receives: receivesOf(graph, start, chain),
      shares: [],
      produces: outputsOf(start),
      score: 0,
      estimatedTokens: startTokens,
    },
  ];
  addToChain(chain, start);
  let totalTokens = startTokens;
  // Without an actor nothing has checked the start against the limit: it is still the first step, but nothing follows it.
  if (contextLimit !== undefined && startTokens >= contextLimit)
    return { start: startId, actor: actor?.id, contextLimit, steps, totalTokens, stoppedBecause: 'context-limit' };

  for (;;) {
    if (steps.length >= maxSteps)
      return { start: startId, actor: actor?.id, contextLimit, steps, totalTokens, stoppedBecause: 'max-steps' };
    let best: { task: Task; shared: Shared; tokens: number } | undefined;
    for (const task of graph.tasks.values()) {
      if (!runnableAfterChain(graph, index, task, chain, actor?.id, now, options.assumeDone)) continue;
      const shared = sharedContext(chain, task);
      if (shared.score === 0) continue;
      if (
        best &&
        (shared.score < best.shared.score || (shared.score === best.shared.score && byId(task.id, best.task.id) > 0))
      )
        continue;
      const tokens = tokensOf(task);
      const match = eligible(task, tokens);
      if (match && !match.eligible) continue;
      best = { task, shared, tokens };
    }
    if (!best)
      return {
        start: startId,
        actor: actor?.id,
        contextLimit,
        steps,
        totalTokens,
        stoppedBecause: 'no-coherent-next-step',
      };
    if (contextLimit !== undefined && totalTokens + best.tokens >= contextLimit) {
      return { start: startId, actor: actor?.id, contextLimit, steps, totalTokens, stoppedBecause: 'context-limit' };
    }
    const { task, shared, tokens } = best;
    steps.push({
      id: task.id,
      title: task.title,
      receives: receivesOf(graph, task, chain),
      shares: shared.shares,
      produces: outputsOf(task),
      score: shared.score,
      estimatedTokens: tokens,
    });
    addToChain(chain, task);
    totalTokens += tokens;
  }
}

/** The trajectory that starts at the best ready task for `actor` (what `wg next` would suggest). */
export function trajectoryForActor(graph: Graph, actor: Actor, options: Omit<PlanOptions, 'actor'>): Trajectory {
  const next = nextTaskFor(graph, actor, options.now);
  if (!next.suggestion) throw new NotReadyError(`nothing ready for ${actor.id}: ${next.whyNothing}`);
  return planTrajectory(graph, next.suggestion.task.id, { ...options, actor });
}
