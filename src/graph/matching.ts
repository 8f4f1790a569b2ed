/**
 * Which actor fits which task. `wg match`, `wg next` and the runner all go through
 * `scoreActor`, so they can never disagree about who may do what. Hard rules exclude
 * (every reason is kept, so "nobody qualifies" can be explained per actor); soft
 * preferences only add points. Everything is deterministic: same graph, same answer.
 */
import { dependencyIndex, readiness, readyTasks, satisfiesDependents, type DependencyIndex } from './deps.js';
import { estimatePromptTokens } from './estimate.js';
import type { Graph } from './model.js';
import type { Actor, Task, TrustLevel } from './schema.js';

export const PREFERRED_SKILL_POINTS = 10;
export const TRUST_POINTS: Readonly<Record<TrustLevel, number>> = { verified: 5, provisional: 2, unknown: 0 };
/** A tie-breaker more than a preference: room to spare beats a prompt that just fits. */
export const CONTEXT_MARGIN_POINTS = 1;
export const CONTEXT_MARGIN_FACTOR = 2;

/** Why an actor may not take a task. */
export type Exclusion =
  | { kind: 'missing-skill'; skill: string }
  | { kind: 'needs-verified'; trust: TrustLevel }
  | { kind: 'context'; limit: number; estimate: number }
  | { kind: 'assigned'; to: string };

export type ActorMatch =
  | { eligible: true; score: number; reasons: string[] }
  | { eligible: false; reasons: string[]; exclusions: Exclusion[] };

export interface ScoreOptions {
  /** The task's estimated prompt size, when the caller already has it (scoring many actors). */
  promptTokens?: number;
}

export function describeExclusion(exclusion: Exclusion): string {
  switch (exclusion.kind) {
    case 'missing-skill':
      return `missing skill ${exclusion.skill}`;
    case 'needs-verified':
      return `complex task needs a verified actor (trust: ${exclusion.trust})`;
    case 'context':
      return `context limit ${exclusion.limit} ${exclusion.limit < exclusion.estimate ? '<' : '='} estimated prompt ${exclusion.estimate} tokens`;
    case 'assigned':
      return `assigned to ${exclusion.to}`;
  }
}

/** Skill names are typed by people and agents alike, so `Rust` and ` rust` are the same skill. */
const skillKey = (skill: string) => skill.trim().toLowerCase();

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/**
 * May `actor` take `task`, and how well does it fit? Required skills, trust for complex
 * tasks, the context limit and an assignment to someone else exclude; preferred skills,
 * trust and context to spare add points. An actor without a context_limit is not
 * excluded for size: nothing is known about it to hold against it.
 */
export function scoreActor(graph: Graph, task: Task, actor: Actor, options: ScoreOptions = {}): ActorMatch {
  const capabilities = new Set((actor.capabilities ?? []).map(skillKey));
  const trust = actor.trust_level ?? 'unknown';
  const estimate = options.promptTokens ?? estimatePromptTokens(graph, task);
  const limit = actor.context_limit;

  const exclusions: Exclusion[] = [];
  if (task.assigned !== undefined && task.assigned !== actor.id)
    exclusions.push({ kind: 'assigned', to: task.assigned });
  for (const skill of task.skills ?? []) {
    if (!capabilities.has(skillKey(skill))) exclusions.push({ kind: 'missing-skill', skill });
  }
  if (task.complexity === 'complex' && trust !== 'verified') exclusions.push({ kind: 'needs-verified', trust });
  if (limit !== undefined && limit <= estimate) exclusions.push({ kind: 'context', limit, estimate });
  if (exclusions.length > 0) return { eligible: false, reasons: exclusions.map(describeExclusion), exclusions };

  let score = 0;
  const reasons: string[] = [];
  if (task.assigned === actor.id) reasons.push('the task is assigned to it');
  const required = task.skills ?? [];
  if (required.length > 0)
    reasons.push(`has the required ${required.length === 1 ? 'skill' : 'skills'} ${required.join(', ')}`);
  for (const skill of task.prefers_skills ?? []) {
    if (capabilities.has(skillKey(skill))) {
      score += PREFERRED_SKILL_POINTS;
      reasons.push(`preferred skill ${skill} (+${PREFERRED_SKILL_POINTS})`);
    } else {
      reasons.push(`lacks preferred skill ${skill}`);
    }
  }
  score += TRUST_POINTS[trust];
  reasons.push(`trust ${trust} (+${TRUST_POINTS[trust]})`);
  if (limit === undefined) {
    reasons.push(`no context limit set (estimated prompt ${estimate} tokens)`);
  } else if (limit >= CONTEXT_MARGIN_FACTOR * estimate) {
    score += CONTEXT_MARGIN_POINTS;
    reasons.push(
      `context limit ${limit} is at least ${CONTEXT_MARGIN_FACTOR}x the estimated prompt ${estimate} tokens (+${CONTEXT_MARGIN_POINTS})`,
    );
  } else {
    reasons.push(`context limit ${limit} > estimated prompt ${estimate} tokens`);
  }
  return { eligible: true, score, reasons };
}

/** Code-point order: the same on every machine, whatever the locale. */
const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export interface RankedActor {
  actor: Actor;
  match: ActorMatch;
}

/** Every actor scored for `task`: eligible ones best first, then the excluded ones; ties by id. */
export function rankActors(graph: Graph, task: Task): RankedActor[] {
  const promptTokens = estimatePromptTokens(graph, task);
  const ranked = [...graph.actors.values()].map((actor) => ({
    actor,
    match: scoreActor(graph, task, actor, { promptTokens }),
  }));
  const scoreOf = (entry: RankedActor) => (entry.match.eligible ? entry.match.score : 0);
  return ranked.sort(
    (a, b) =>
      Number(b.match.eligible) - Number(a.match.eligible) || scoreOf(b) - scoreOf(a) || byId(a.actor.id, b.actor.id),
  );
}

export interface Suggestion {
  task: Task;
  score: number;
  reasons: string[];
  /** Unfinished tasks that transitively wait for this one. */
  unblocks: number;
}

export interface Rejection {
  id: string;
  reasons: string[];
  exclusions: Exclusion[];
}

export interface NextTask {
  actor: string;
  readyCount: number;
  /** The best ready task for the actor, or undefined. */
  suggestion: Suggestion | undefined;
  /** Every ready task the actor may take, best first (the suggestion is the first). */
  candidates: Suggestion[];
  /** Ready tasks the actor may not take, and why. */
  rejected: Rejection[];
  /** One line saying why there is no suggestion; undefined when there is one. */
  whyNothing: string | undefined;
}

/**
 * The best ready task for `actor`: highest score, then the one that unblocks the most
 * (more transitive dependents), then by id. Only a suggestion: nothing is claimed.
 */
export function nextTaskFor(graph: Graph, actor: Actor, now: Date): NextTask {
  const index = dependencyIndex(graph);
  const ready = [...readyTasks(graph, now, { index }), ...ownReservedSteps(graph, index, actor.id, now)];
  const unblocks = unblockCounter(graph, index);
  const candidates: Suggestion[] = [];
  const rejected: Rejection[] = [];
  for (const task of ready) {
    const match = scoreActor(graph, task, actor, { promptTokens: estimatePromptTokens(graph, task, index) });
    const reasons = task.claim?.trajectory
      ? [`reserved for ${actor.id} by trajectory ${task.claim.trajectory}`, ...match.reasons]
      : match.reasons;
    if (match.eligible) candidates.push({ task, score: match.score, reasons, unblocks: unblocks(task.id) });
    else rejected.push({ id: task.id, reasons: match.reasons, exclusions: match.exclusions });
  }
  candidates.sort((a, b) => b.score - a.score || b.unblocks - a.unblocks || byId(a.task.id, b.task.id));
  const suggestion = candidates[0];
  const whyNothing = suggestion ? undefined : explainNothing(graph, actor.id, ready.length, rejected);
  return { actor: actor.id, readyCount: ready.length, suggestion, candidates, rejected, whyNothing };
}

/**
 * Steps of a trajectory the actor reserved that can start now: `wg claim` lets the
 * reserving actor take them, so `wg next` offers them to that actor (and to no one else),
 * but only while it holds no task in progress: then something (a runner, or the agent
 * itself) is walking the trajectory, and will claim the next step as it gets there.
 */
function ownReservedSteps(graph: Graph, index: DependencyIndex, actorId: string, now: Date): Task[] {
  const steps: Task[] = [];
  for (const task of graph.tasks.values())
    if (task.status === 'in-progress' && task.claim?.actor === actorId) return steps;
  for (const task of graph.tasks.values()) {
    if (task.status !== 'open' || task.claim?.trajectory === undefined || task.claim.actor !== actorId) continue;
    if (readiness(graph, index, { ...task, claim: undefined }, now).ready) steps.push(task);
  }
  return steps;
}

/**
 * Counts, for one task at a time, the unfinished tasks that transitively wait for it.
 * `next` asks this for every ready task, and a wide frontier over a deep graph makes
 * that many long walks, so the walk runs over integer-indexed adjacency with buffers
 * reused between calls (walks over Maps took a minute for 1,000 ready tasks above a 50,000-task chain).
 */
function unblockCounter(graph: Graph, index: DependencyIndex): (id: string) => number {
  const ids = [...graph.tasks.values()].filter((task) => !satisfiesDependents(task.status)).map((task) => task.id);
  const position = new Map(ids.map((id, node) => [id, node]));
  // Compressed adjacency: node's dependents are targets[offsets[node] .. offsets[node + 1]).
  const lists = ids.map((id) => index.dependentsOf(id).flatMap((dependent) => position.get(dependent) ?? []));
  const offsets = new Int32Array(ids.length + 1);
  lists.forEach((list, node) => (offsets[node + 1] = offsets[node]! + list.length));
  const targets = Int32Array.from(lists.flat());
  const seenBy = new Int32Array(ids.length).fill(-1);
  const queue = new Int32Array(ids.length);
  return (id) => {
    const start = position.get(id);
    if (start === undefined) return 0;
    let tail = 0;
    seenBy[start] = start;
    queue[tail++] = start;
    for (let head = 0; head < tail; head++) {
      const node = queue[head]!;
      for (let edge = offsets[node]!, end = offsets[node + 1]!; edge < end; edge++) {
        const dependent = targets[edge]!;
        if (seenBy[dependent] === start) continue;
        seenBy[dependent] = start;
        queue[tail++] = dependent;
      }
    }
    return tail - 1;
  };
}

/** e.g. "3 ready tasks, but alice lacks skills go, rust; is not verified (trust: unknown) for 1 complex task". */
function explainNothing(graph: Graph, actorId: string, readyCount: number, rejected: Rejection[]): string {
  if (readyCount === 0) {
    const waiting = [...graph.tasks.values()].filter((task) => task.status === 'open').length;
    return waiting === 0
      ? 'no task is ready (no open tasks)'
      : `no task is ready (${plural(waiting, 'open task')} waiting on dependencies, a start time or a reservation)`;
  }
  const all = rejected.flatMap((rejection) => rejection.exclusions);
  const tasksWith = (kind: Exclusion['kind']) =>
    rejected.filter((rejection) => rejection.exclusions.some((exclusion) => exclusion.kind === kind)).length;
  const parts: string[] = [];
  const skills = [
    ...new Set(all.flatMap((exclusion) => (exclusion.kind === 'missing-skill' ? [exclusion.skill] : []))),
  ].sort(byId);
  if (skills.length > 0) parts.push(`lacks ${skills.length === 1 ? 'skill' : 'skills'} ${skills.join(', ')}`);
  const trust = all.find((exclusion) => exclusion.kind === 'needs-verified');
  if (trust)
    parts.push(`is not verified (trust: ${trust.trust}) for ${plural(tasksWith('needs-verified'), 'complex task')}`);
  const context = all.find((exclusion) => exclusion.kind === 'context');
  if (context)
    parts.push(`has too small a context (limit ${context.limit}) for ${plural(tasksWith('context'), 'task')}`);
  if (tasksWith('assigned') > 0) parts.push(`is not the assignee of ${plural(tasksWith('assigned'), 'task')}`);
  return `${plural(readyCount, 'ready task')}, but ${actorId} ${parts.join('; ')}`;
}
