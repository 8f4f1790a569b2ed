/**
 * Which ready work starts next: the scheduling policy of `wg run`, and the only one, since
 * its dry run drives the same scheduler (see simulate.ts). Readiness (a ReadyTracker that
 * catches up with what changed), start order (the longest remaining path first, or listed),
 * actor choice, trajectories, rate-limit pauses and `max_parallel` per backend, and the
 * budget's reservations. Pure: it reads the graph it is given and keeps its own books; it
 * never touches the disk, spawns, or reads the clock (`now` is passed in).
 */
import { chooseBackendName } from '../backends/index.js';
import { ConfigError, NotReadyError } from '../errors.js';
import { dependencyIndex, readiness, type DependencyIndex } from '../graph/deps.js';
import { getTask, type Graph } from '../graph/model.js';
import { byRemainingPath, expectedHours, remainingPathHours } from '../graph/priority.js';
import { ReadyTracker } from '../graph/ready-set.js';
import type { Actor, Task } from '../graph/schema.js';
import { planTrajectory } from '../graph/trajectory.js';
import type { Config } from '../config/config.js';
import { assignActor, jobSteps, runActors } from './assign.js';
import type { BudgetLedger, Job } from './budget.js';

export type StartOrder = 'critical-path' | 'listed';

export interface SchedulerOptions {
  /** Only these tasks may start (`wg run <task>`, see `runScope`); undefined: any. */
  scope?: ReadonlySet<string> | undefined;
  /** `--actor`: run as this actor only. */
  actor?: string | undefined;
  contextLimit?: number | undefined;
  /** The longest trajectory a job may walk (1: a job is one task); see `stepsPerJob`. */
  maxSteps: number;
  /** Which ready task starts first: the longest remaining path of work (default), or the listed order. */
  order?: StartOrder | undefined;
  /** `--backend`: every task runs on it. */
  backend?: string | undefined;
  /** For the backend a task runs on and its `max_parallel`. */
  config: Pick<Config, 'defaults' | 'backends'>;
}

/** A job to claim and run: its steps in order (one task, or a trajectory), who runs it, where, and its budget reservation. */
export interface Start {
  steps: string[];
  actor: Actor;
  /** Undefined when the backend cannot be told now (the attempt will report why). */
  backend: string | undefined;
  job: Job;
}

/** A ready task that did not start, and why. */
export type Held =
  | { kind: 'unassignable'; task: string; reasons: string[] }
  /** Only a person (an actor with `actor_type = "human"`) may do it: nothing is spawned, it waits for them. */
  | { kind: 'person'; task: string; actor: string }
  | { kind: 'paused'; task: string; backend: string; until: number }
  | { kind: 'max-parallel'; task: string; backend: string; limit: number }
  | { kind: 'budget'; task: string; steps: string[] };

export interface Picked {
  start: Start[];
  held: Held[];
}

/** How many steps a job may walk: `wg run <task>` walks a trajectory only when asked to. */
export function stepsPerJob(options: { only?: string | undefined; trajectory: boolean; maxSteps: number }): number {
  return options.only ? (options.trajectory ? options.maxSteps : 1) : options.maxSteps;
}

/** `wg run <task>` runs that task only, or with --trajectory the path planned from it; it must be ready. */
export function runScope(
  graph: Graph,
  only: string,
  options: { trajectory: boolean; maxSteps: number; actor?: string | undefined; contextLimit?: number | undefined },
  now: Date,
): Set<string> {
  const task = getTask(graph, only);
  const ready = readiness(graph, dependencyIndex(graph), task, now);
  if (!ready.ready) throw new NotReadyError(`cannot run ${only}: ${ready.reasons.join('; ')}`);
  if (!options.trajectory) return new Set([only]);
  const assignment = assignActor(graph, task, runActors(graph, options.actor, options.contextLimit));
  const actor = 'actor' in assignment ? assignment.actor : undefined;
  const trajectory = planTrajectory(graph, only, {
    actor,
    maxSteps: options.maxSteps,
    now,
    contextLimit: options.contextLimit,
  });
  return new Set(trajectory.steps.map((step) => step.id));
}

/** Per backend: the jobs running on it against its `max_parallel`, and rate-limit pauses. */
export class BackendGate {
  private readonly running = new Map<string, number>();
  private readonly pausedUntil = new Map<string, number>();

  constructor(private readonly config: Pick<Config, 'backends'>) {}

  /** Why nothing more may start on `backend` at `now`, if anything keeps it. */
  closed(
    backend: string,
    now: number,
  ): { kind: 'paused'; until: number } | { kind: 'max-parallel'; limit: number } | undefined {
    const until = this.pausedUntil.get(backend) ?? 0;
    if (until > now) return { kind: 'paused', until };
    const limit = this.config.backends?.[backend]?.max_parallel ?? Infinity;
    if ((this.running.get(backend) ?? 0) >= limit) return { kind: 'max-parallel', limit };
    return undefined;
  }

  /** Hold `backend` until `until` (ms since the epoch); false when it was held that long already. */
  pause(backend: string, until: number): boolean {
    if ((this.pausedUntil.get(backend) ?? 0) >= until) return false;
    this.pausedUntil.set(backend, until);
    return true;
  }

  took(backend: string): void {
    this.running.set(backend, (this.running.get(backend) ?? 0) + 1);
  }

  freed(backend: string): void {
    this.running.set(backend, (this.running.get(backend) ?? 1) - 1);
  }
}

export class Scheduler {
  readonly gate: BackendGate;
  /** The ready tasks, kept up to date from what changed (not found again by looking at every task). */
  private readonly readiness = new ReadyTracker();
  /** Every step of every job started and not yet ended (the heads claimed, the rest reserved). */
  private readonly inFlight = new Set<string>();
  private pathHours: Map<string, number> | undefined;
  /** Hours each attempt of a task took, for the expected duration of its retries. */
  private readonly durations = new Map<string, number[]>();

  constructor(
    private readonly options: SchedulerOptions,
    private readonly ledger: BudgetLedger,
  ) {
    this.gate = new BackendGate(options.config);
  }

  /**
   * What to start now in `free` slots: ready tasks (`assumeDone` counts as done) in start
   * order, each with its actor, trajectory and reservation; and why the others examined
   * did not start. Once the slots are full the rest is not looked at. What it starts is
   * in flight until `end`.
   */
  pick(graph: Graph, now: Date, free: number, assumeDone: ReadonlySet<string> = new Set()): Picked {
    // The tracker catches up with what changed since the last pick, and answers for the index as well.
    this.readiness.update(graph);
    const picked: Picked = { start: [], held: [] };
    if (free <= 0) return picked;
    const index = this.readiness.index;
    const actors = runActors(graph, this.options.actor, this.options.contextLimit);
    const scope = this.options.scope;
    const ready: Task[] = [];
    for (const task of this.readiness.readyTasks(graph, now, assumeDone)) {
      if (!this.inFlight.has(task.id) && (!scope || scope.has(task.id))) ready.push(task);
    }
    for (const task of this.inStartOrder(graph, index, ready)) {
      if (free <= 0) break;
      if (this.inFlight.has(task.id)) continue;
      const choice = assignActor(graph, task, actors);
      if ('reasons' in choice) {
        picked.held.push({ kind: 'unassignable', task: task.id, reasons: choice.reasons });
        continue;
      }
      if (choice.actor.actor_type === 'human') {
        picked.held.push({ kind: 'person', task: task.id, actor: choice.actor.id });
        continue;
      }
      const backend = this.backendOf(task, choice.actor);
      const closed = backend === undefined ? undefined : this.gate.closed(backend, now.getTime());
      if (closed) {
        picked.held.push({ ...closed, task: task.id, backend: backend! });
        continue;
      }
      const steps = jobSteps(graph, task, choice.actor, {
        maxSteps: this.options.maxSteps,
        contextLimit: this.options.contextLimit,
        index,
        assumeDone,
        exclude: (id) => this.inFlight.has(id) || (scope !== undefined && !scope.has(id)),
      });
      const job = this.ledger.reserve(graph, steps);
      if (!job) {
        picked.held.push({ kind: 'budget', task: task.id, steps });
        continue;
      }
      steps.forEach((id) => this.inFlight.add(id));
      free--;
      if (backend !== undefined) this.gate.took(backend);
      picked.start.push({ steps, actor: choice.actor, backend, job });
    }
    return picked;
  }

  /** A started job is over (finished, failed, or its claim did not go through): its steps and slot are free. */
  end(start: Start): void {
    start.steps.forEach((id) => this.inFlight.delete(id));
    if (start.backend !== undefined) this.gate.freed(start.backend);
    this.ledger.release(start.job);
  }

  /** An attempt of `id` took `hours`: its retries are expected to take as long. */
  took(id: string, hours: number): void {
    this.durations.set(id, [...(this.durations.get(id) ?? []), hours]);
  }

  /**
   * Ready tasks in the order to start them: listed order, or (the default) the longest
   * remaining path of work first, so a long chain is not started last. Path lengths are
   * computed once per run; a task added meanwhile has them computed again.
   */
  private inStartOrder(graph: Graph, index: DependencyIndex, ready: Task[]): Task[] {
    if (this.options.order === 'listed' || ready.length < 2) return ready;
    if (!this.pathHours || ready.some((task) => !this.pathHours!.has(task.id))) {
      this.pathHours = remainingPathHours(graph, index, (task) => expectedHours(task, this.durations.get(task.id)));
    }
    return byRemainingPath(ready, this.pathHours);
  }

  /** The backend a job would run on, for `[backends.NAME] max_parallel`; undefined when that is for its attempt to report. */
  private backendOf(task: Task, actor: Actor): string | undefined {
    try {
      return this.options.backend ?? chooseBackendName(task, actor, this.options.config);
    } catch (error) {
      if (error instanceof ConfigError) return undefined;
      throw error;
    }
  }
}
