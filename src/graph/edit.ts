/** Creating and editing tasks and actors: pure functions over the transaction's graph. */
import { CycleError, InvalidInputError } from '../errors.js';
import { cycleIfBlocked } from './deps.js';
import { assertValidId, uniqueIdFromTitle } from './ids.js';
import { closestIds, getTask, type Graph } from './model.js';
import { ActorSchema, TaskSchema, type Actor, type Task } from './schema.js';
import type { ListField, ScalarField } from './types.js';

export interface TaskChanges {
  /** `undefined` leaves a field alone; `null` clears it. */
  set?: Partial<Record<ScalarField, string | number | null>>;
  add?: Partial<Record<ListField, string[]>>;
  remove?: Partial<Record<ListField, string[]>>;
  estimate?: { hours?: number | undefined; cost?: number | undefined };
}

export interface NewTask extends TaskChanges {
  id?: string | undefined;
  title: string;
}

/** Validate a record built from flags with the same schema the file is read with. */
function validTask(candidate: Record<string, unknown>): Task {
  const result = TaskSchema.safeParse(candidate);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new InvalidInputError(`${issue.path.join('.') || 'task'}: ${issue.message}`);
  }
  return result.data;
}

function applyChanges(task: Task, changes: TaskChanges): Record<string, unknown> {
  const next: Record<string, unknown> = { ...task };
  for (const [field, value] of Object.entries(changes.set ?? {})) {
    if (value === undefined) continue;
    next[field] = value === null || value === '' ? undefined : value;
  }
  for (const [field, values] of Object.entries(changes.add ?? {})) {
    const current = (next[field] as string[] | undefined) ?? [];
    next[field] = [...current, ...(values ?? []).filter((value) => !current.includes(value))];
  }
  for (const [field, values] of Object.entries(changes.remove ?? {})) {
    const current = (next[field] as string[] | undefined) ?? [];
    const missing = (values ?? []).filter((value) => !current.includes(value));
    if (missing.length > 0) throw new InvalidInputError(`${task.id} has no ${field} ${missing.join(', ')}`);
    next[field] = current.filter((value) => !(values ?? []).includes(value));
  }
  if (changes.estimate && (changes.estimate.hours !== undefined || changes.estimate.cost !== undefined)) {
    const estimate = { ...(task.estimate ?? {}) };
    if (changes.estimate.hours !== undefined) estimate.hours = changes.estimate.hours;
    if (changes.estimate.cost !== undefined) estimate.cost = changes.estimate.cost;
    next.estimate = estimate;
  }
  return next;
}

function refuseCycles(graph: Graph, id: string, blockers: readonly string[]): void {
  const cycle = cycleIfBlocked(graph, id, blockers);
  if (cycle) throw new CycleError(cycle);
}

export interface AddResult {
  task: Task;
  /** Blockers named that do not exist (yet), allowed by `allowPhantom`: the task stays blocked until they do and finish. */
  unknownBlockers: string[];
}

export interface BlockerOptions {
  /** Accept blockers that do not exist yet (a graph written dependents first); `wg check` still reports them as errors. */
  allowPhantom?: boolean | undefined;
}

/**
 * A blocker that does not exist is an error, as in `wg check` and upstream's `wg add`: most
 * often a typo, which would leave the task blocked for ever without a word.
 */
function phantomBlockers(graph: Graph, blockers: readonly string[], options: BlockerOptions): string[] {
  const unknown = blockers.filter((blocker) => !graph.tasks.has(blocker) && !graph.archived?.has(blocker));
  if (unknown.length === 0 || options.allowPhantom) return unknown;
  const guesses = unknown.flatMap((blocker) =>
    closestIds(blocker, graph.tasks.keys()).map((guess) => `${guess} (for ${blocker})`),
  );
  throw new InvalidInputError(
    `no task ${unknown.map((blocker) => `"${blocker}"`).join(', ')} to wait for`,
    `${guesses.length > 0 ? `did you mean ${guesses.join(', ')}? Or, to` : 'to'} name a task you will add later, pass --allow-phantom`,
  );
}

export function addTask(graph: Graph, spec: NewTask, now: Date, options: BlockerOptions = {}): AddResult {
  if (spec.title.trim() === '') throw new InvalidInputError('a task needs a title');
  let id: string;
  if (spec.id !== undefined) {
    assertValidId(spec.id);
    if (graph.tasks.has(spec.id))
      throw new InvalidInputError(
        `task id "${spec.id}" is taken`,
        'choose another --id, or leave it out to derive one from the title',
      );
    id = spec.id;
  } else {
    id = uniqueIdFromTitle(spec.title, (candidate) => graph.tasks.has(candidate));
  }
  const base: Task = { id, title: spec.title, status: 'open', created_at: now.toISOString() };
  const task = validTask(applyChanges(base, spec));
  refuseCycles(graph, id, task.blocked_by ?? []);
  const unknownBlockers = phantomBlockers(graph, task.blocked_by ?? [], options);
  graph.tasks.set(id, task);
  return { task, unknownBlockers };
}

export function editTask(graph: Graph, id: string, changes: TaskChanges, options: BlockerOptions = {}): AddResult {
  const before = getTask(graph, id);
  const task = validTask(applyChanges(before, changes));
  const added = (task.blocked_by ?? []).filter((blocker) => !(before.blocked_by ?? []).includes(blocker));
  refuseCycles(graph, id, added);
  const unknownBlockers = phantomBlockers(graph, added, options);
  graph.tasks.set(id, task);
  return { task, unknownBlockers };
}

export function addActor(graph: Graph, fields: Record<string, unknown>): Actor {
  const result = ActorSchema.safeParse(fields);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new InvalidInputError(`${issue.path.join('.') || 'actor'}: ${issue.message}`);
  }
  const actor = result.data;
  if (graph.actors.has(actor.id)) throw new InvalidInputError(`actor id "${actor.id}" is taken`);
  graph.actors.set(actor.id, actor);
  return actor;
}
