/**
 * An attempt's second phase: run the agent under supervision and fan its output out: raw
 * to output.log, parsed events to events.jsonl, the run's reporter, the task's log, the
 * spend meter and the agent's report. Ends when the agent and all it started are gone.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { AgentEvent } from '../../backends/types.js';
import { spawnViaHelper } from '../../process/helper.js';
import { supervise, type ProcessEnd } from '../../process/supervise.js';
import { StreamRedactor } from '../redact.js';
import type { AttemptContext } from './context.js';
import type { Ready } from './prepare.js';
import { AgentReport } from './report.js';
import type { Allowance } from './judge.js';
import { SpendMeter, type SpendTerms } from './spend.js';
import type { TaskLog } from './task-log.js';

export interface Launched {
  end: ProcessEnd;
  report: AgentReport;
  spend: SpendMeter;
  /** Values masked in everything written (the check's output too). */
  secrets: string[];
}

export async function launchAttempt(
  context: AttemptContext,
  ready: Ready,
  attempt: number,
  log: TaskLog,
): Promise<Launched> {
  const { launch, runDir, allowance } = ready;
  const secrets = launch.secrets;
  const raw = new FileOnFirstWrite(join(runDir, 'output.log'));
  const eventsFile = new FileOnFirstWrite(join(runDir, 'events.jsonl'));
  const halt = new AbortController();
  const report = new AgentReport(
    log,
    () => halt.abort(),
    launch.onPermissionDenied,
    context.launch.config.run.loop_limit,
  );
  const spend = new SpendMeter(
    {
      attempt,
      backend: launch.backendName,
      model: launch.model,
      prices: context.launch.config.prices,
      allowanceUsd: allowance && allowance.capUsd - allowance.spentBeforeUsd,
      warnAt: allowance && capWarning(allowance, context.launch.config.run.budget_warn),
    },
    log,
    (request) => report.take({ type: 'halt', kind: 'budget-exhausted', request }),
    (message) => {
      log.log(`budget: ${message}`);
      context.reporter.event({ type: 'budget-warning', budget: 'task', task: log.taskId, message });
    },
  );
  const emit = (event: AgentEvent) => {
    eventsFile.write(`${JSON.stringify({ at: new Date().toISOString(), ...event })}\n`);
    context.reporter.event({ type: 'agent', task: log.taskId, event });
    if (event.type === 'progress') log.progress(event);
    else if (event.type === 'usage') spend.add(event);
    else report.take(event);
  };
  const progress = new ProgressCoalescer(emit);
  const handle = (event: AgentEvent) =>
    event.type === 'progress' ? progress.offer(event) : (progress.flush(), emit(event));

  const parser = launch.backend.parser();
  const end = await supervise({
    spec: launch.spec,
    spawn: spawnViaHelper,
    timeoutMs: ready.timeoutMs,
    stallMs: context.stallMs,
    graceMs: context.graceMs,
    signal: context.signal,
    halt: halt.signal,
    raw,
    filter: () => new StreamRedactor(secrets),
    onLine: (text, stream) => parser.line(text, stream).forEach(handle),
    onSpawn: (pid, mark) => log.recordProcess(pid, mark),
  });
  (parser.end?.() ?? []).forEach(handle);
  progress.flush();
  await Promise.all([closeStream(raw), closeStream(eventsFile)]);
  return { end, report, spend, secrets };
}

/** Where this attempt's spend reaches `[run] budget_warn` of the task's cap; none when an earlier attempt already passed it. */
function capWarning(allowance: Allowance, percent: number): SpendTerms['warnAt'] {
  const atUsd = (allowance.capUsd * percent) / 100;
  if (percent <= 0 || allowance.spentBeforeUsd >= atUsd) return undefined;
  return {
    usd: atUsd - allowance.spentBeforeUsd,
    message: `the task has spent ${percent}% or more of its $${allowance.capUsd.toFixed(2)} cap (max_cost_usd)`,
  };
}

function closeStream(stream: Writable): Promise<void> {
  return new Promise((resolve) => stream.end(resolve));
}

/**
 * A file created with its first write: an agent that prints nothing leaves no empty
 * output.log or events.jsonl (creating inodes is most of what run files cost here).
 */
class FileOnFirstWrite extends Writable {
  private file: WriteStream | undefined;

  constructor(private readonly path: string) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (!this.file) {
      this.file = createWriteStream(this.path);
      this.file.on('error', (error) => this.destroy(error));
    }
    if (this.file.write(chunk)) done();
    else this.file.once('drain', () => done());
  }

  override _final(done: (error?: Error | null) => void): void {
    if (this.file) this.file.end(() => done());
    else done();
  }
}

/**
 * Progress is a state ("where the agent is now"), so a burst of output lines is passed
 * on as at most one progress event per interval, the latest one; every line is still in
 * output.log. This keeps a chatty agent's events, view and log cheap.
 */
export class ProgressCoalescer {
  private pending: Extract<AgentEvent, { type: 'progress' }> | undefined;
  private last = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly emit: (event: AgentEvent) => void,
    private readonly intervalMs = 100,
  ) {}

  offer(event: Extract<AgentEvent, { type: 'progress' }>): void {
    const now = Date.now();
    if (now - this.last >= this.intervalMs && !this.pending) {
      this.last = now;
      this.emit(event);
      return;
    }
    this.pending = event;
    this.timer ??= setTimeout(() => this.flush(), Math.max(0, this.intervalMs - (now - this.last)));
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const event = this.pending;
    this.pending = undefined;
    if (!event) return;
    this.last = Date.now();
    this.emit(event);
  }
}
