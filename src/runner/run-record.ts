/**
 * Each live runner keeps a small record of itself in `.workgraph/active-runs/`: who it
 * is, when it started, its budget, and which backends a rate limit has paused until
 * when. The graph cannot say these (a run's `--budget-usd` is not in it), and `wg serve`
 * shows them in its header. The record is rewritten atomically as it changes and removed
 * when the run ends; one left by a killed runner names a dead pid, and readers skip it.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import type { RunFacts } from '../graph/inbox.js';
import { currentProcess, isProcessGone } from '../system/process.js';
import type { Reporter, RunEvent } from './events.js';

export const ACTIVE_RUNS_DIR = 'active-runs';
/** When the last run that ended began and ended, beside the live records (not `.json`, so never read as one). */
export const LAST_RUN_FILE = 'last.run';

const LastRunSchema = z.object({
  started_at: z.string(),
  ended_at: z.string(),
  /** Its budget stopped it: for `wg inbox`, until another run ends. */
  budget_stopped: z
    .object({ limit_usd: z.number(), spent_usd: z.number(), not_started: z.array(z.string()) })
    .optional(),
});
export type LastRun = z.infer<typeof LastRunSchema>;

export const ActiveRunSchema = z.object({
  pid: z.number().int().positive(),
  host: z.string(),
  pid_start: z.string().optional(),
  pid_ns: z.string().optional(),
  started_at: z.string(),
  budget_usd: z.number().nonnegative().nullable(),
  parallel: z.number().int().positive(),
  /** Backends a rate limit paused, and until when. */
  paused: z.record(z.string(), z.string()),
  /** When each pause began (`wg inbox` orders by it). */
  paused_at: z.record(z.string(), z.string()).optional(),
});
export type ActiveRun = z.infer<typeof ActiveRunSchema>;

/** Passes every event on to `inner`, keeping this runner's record up to date on the way. */
export class RunRecordReporter implements Reporter {
  private readonly path: string;
  private readonly record: ActiveRun;
  private writing = Promise.resolve();
  private budgetStopped: LastRun['budget_stopped'];

  constructor(
    workgraphDir: string,
    private readonly inner: Reporter,
    settings: { budgetUsd: number | undefined; parallel: number },
  ) {
    const self = currentProcess();
    this.record = {
      ...self,
      started_at: new Date().toISOString(),
      budget_usd: settings.budgetUsd ?? null,
      parallel: settings.parallel,
      paused: {},
    };
    const dir = join(workgraphDir, ACTIVE_RUNS_DIR);
    // Best effort, like every write of the record: a folder that cannot take it is the graph writer's to report.
    try {
      mkdirSync(dir, { recursive: true });
    } catch {
      // Nothing to show in wg serve's header, then.
    }
    this.path = join(dir, `${self.host}.${self.pid}.json`);
    this.save();
  }

  event(event: RunEvent): void {
    if (event.type === 'paused') {
      this.record.paused[event.backend] = event.until;
      this.record.paused_at = { ...this.record.paused_at, [event.backend]: new Date().toISOString() };
      this.save();
    }
    this.inner.event(event);
  }

  /** The run stopped at its budget: the last run's record says so, for `wg inbox`. Called before close(). */
  budgetStop(stop: { limitUsd: number; spentUsd: number; notStarted: string[] }): void {
    this.budgetStopped = { limit_usd: stop.limitUsd, spent_usd: stop.spentUsd, not_started: stop.notStarted };
  }

  close(): void {
    this.inner.close();
    const last: LastRun = {
      started_at: this.record.started_at,
      ended_at: new Date().toISOString(),
      ...(this.budgetStopped ? { budget_stopped: this.budgetStopped } : {}),
    };
    // After any write still under way, so the record does not come back; the last run's span first, so a reader never sees neither.
    void this.writing.then(async () => {
      await writeFileAtomic(join(dirname(this.path), LAST_RUN_FILE), `${JSON.stringify(last)}\n`).catch(
        () => undefined,
      );
      try {
        rmSync(this.path, { force: true });
      } catch {
        // A folder that turned read-only keeps it; readers skip a record whose runner is gone.
      }
    });
  }

  private save(): void {
    const text = `${JSON.stringify(this.record)}\n`;
    // A record that cannot be written only leaves wg serve's header less complete.
    this.writing = this.writing.then(() => writeFileAtomic(this.path, text).catch(() => undefined));
  }
}

/** The span of the last run that ended, if any run of this graph has ended since wg kept it. */
export function lastRun(workgraphDir: string): LastRun | undefined {
  try {
    return LastRunSchema.parse(JSON.parse(readFileSync(join(workgraphDir, ACTIVE_RUNS_DIR, LAST_RUN_FILE), 'utf8')));
  } catch {
    return undefined;
  }
}

/** The records of the runners alive now; records of dead ones on this machine are removed. */
export function activeRuns(workgraphDir: string): ActiveRun[] {
  const dir = join(workgraphDir, ACTIVE_RUNS_DIR);
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  const runs: ActiveRun[] = [];
  for (const name of names) {
    let record: ActiveRun;
    try {
      record = ActiveRunSchema.parse(JSON.parse(readFileSync(join(dir, name), 'utf8')));
    } catch {
      continue; // Being replaced right now, or not ours: nothing to show.
    }
    if (isProcessGone(record) === true) {
      rmSync(join(dir, name), { force: true });
      continue;
    }
    runs.push(record);
  }
  return runs.sort((a, b) => a.started_at.localeCompare(b.started_at));
}

/** What the runners recorded that the inbox needs (`wg inbox`, `wg serve`): live pauses, and the last run's budget stop. */
export function inboxRunFacts(workgraphDir: string): RunFacts {
  const paused = activeRuns(workgraphDir).flatMap((run) =>
    Object.entries(run.paused).map(([backend, until]) => ({
      backend,
      until,
      since: run.paused_at?.[backend] ?? run.started_at,
    })),
  );
  const last = lastRun(workgraphDir);
  const stop = last?.budget_stopped;
  return {
    paused,
    budgetStopped: stop
      ? { endedAt: last.ended_at, limitUsd: stop.limit_usd, spentUsd: stop.spent_usd, notStarted: stop.not_started }
      : undefined,
  };
}
