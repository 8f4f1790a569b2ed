/**
 * Three ways to watch a run: a live view on a terminal (running tasks, their last
 * progress line, counters), one line per event in a pipe, or the events as NDJSON.
 */
import type logUpdateType from 'log-update';
import { colors as pc } from './output.js';
import type { RunEvent, Reporter } from '../runner/events.js';
import { formatDuration, formatElapsed } from '../graph/format.js';

function stamp(): string {
  return new Date().toISOString().slice(11, 19);
}

function agentLine(event: Extract<RunEvent, { type: 'agent' }>['event']): string | undefined {
  switch (event.type) {
    case 'progress':
      return event.percent !== undefined ? `${event.percent}% ${event.message}` : event.message;
    case 'tool':
      return `tool ${event.name}: ${event.summary}`;
    case 'error':
      return `error: ${event.message}`;
    case 'text':
      return event.text.split('\n')[0];
    case 'result':
      return event.ok ? undefined : `agent reported failure: ${event.reason ?? ''}`;
    case 'usage':
      return undefined;
    case 'summary':
      // wg show has it; the agents that talk in messages have just shown it as text.
      return undefined;
  }
}

/** Lines shared by the line reporter and the live view's permanent part. */
function eventLine(event: RunEvent): string | undefined {
  switch (event.type) {
    case 'recovered':
      return `${pc.yellow('recovered')} ${event.task}: ${event.reason} (now ${event.status})`;
    case 'start':
      return `${pc.blue('start')} ${event.task} ${pc.dim(`(${event.actor}, attempt ${event.attempt}, ${event.backend})`)}`;
    case 'end':
      if (event.outcome.kind === 'succeeded' && event.heldForReview)
        return `${pc.magenta('review')} ${event.task} ${pc.dim(`succeeded in ${formatDuration(event.elapsedMs)}; waits for wg approve ${event.task} or wg reject ${event.task}`)}`;
      if (event.outcome.kind === 'succeeded')
        return `${pc.green('done')} ${event.task} ${pc.dim(`in ${formatDuration(event.elapsedMs)}`)}`;
      // Not a failure: the task is reopened as it was.
      if (event.outcome.kind === 'interrupted')
        return `${pc.yellow('interrupted')} ${event.task}: stopped, to be reopened without counting an attempt`;
      return `${pc.red(event.outcome.kind)} ${event.task}: ${event.reason}`;
    case 'retry':
      return `${pc.yellow('retry')} ${event.task} in ${formatDuration(event.inMs)} (attempt ${event.attempt} ${event.reason})`;
    case 'unassignable':
      return `${pc.yellow('unassignable')} ${event.task}: ${event.reasons.join('; ')}`;
    case 'warning':
      return `${pc.yellow('warning')} ${event.message}`;
    case 'budget-warning':
      return `${pc.yellow('warning')} ${event.budget === 'task' ? `${event.task}: ` : ''}budget: ${event.message}`;
    case 'notice':
      return pc.dim(`note: ${event.message}`);
    case 'paused':
      return `${pc.yellow('paused')} backend ${event.backend} until ${event.until} (${event.reason})`;
    case 'agent':
      return undefined;
    case 'failed':
      // Its `end` has said how it failed.
      return undefined;
  }
}

export class LineReporter implements Reporter {
  event(event: RunEvent): void {
    const line = event.type === 'agent' ? agentLine(event.event) : eventLine(event);
    if (line === undefined) return;
    const prefix = event.type === 'agent' ? `  ${event.task}: ` : '';
    process.stdout.write(`${pc.dim(stamp())} ${prefix}${line}\n`);
  }

  close(): void {}
}

export class JsonReporter implements Reporter {
  event(event: RunEvent): void {
    process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), ...event })}\n`);
  }

  close(): void {}
}

interface Running {
  actor: string;
  since: number;
  last: string;
}

export class LiveReporter implements Reporter {
  private readonly running = new Map<string, Running>();
  private done = 0;
  private failed = 0;
  private readonly timer: NodeJS.Timeout;

  /** `logUpdate`: passed in, so a run without a terminal (CI, scripts, agents) never loads it and its dependencies. */
  constructor(private readonly logUpdate: typeof logUpdateType) {
    // Elapsed times tick even when no agent says anything.
    this.timer = setInterval(() => this.render(), 500);
    this.timer.unref();
  }

  event(event: RunEvent): void {
    if (event.type === 'start') this.running.set(event.task, { actor: event.actor, since: Date.now(), last: '' });
    if (event.type === 'agent') {
      const line = agentLine(event.event);
      const entry = this.running.get(event.task);
      if (entry && line) entry.last = line;
    }
    if (event.type === 'end') {
      this.running.delete(event.task);
      if (event.outcome.kind === 'succeeded') this.done++;
      else this.failed++;
    }
    const permanent = eventLine(event);
    if (permanent && event.type !== 'start') {
      this.logUpdate.clear();
      process.stdout.write(`${pc.dim(stamp())} ${permanent}\n`);
    }
    this.render();
  }

  private render(): void {
    const width = process.stdout.columns ?? 100;
    const rows = [...this.running].map(([task, entry]) => {
      const head = `  ${pc.blue('●')} ${task} ${pc.dim(entry.actor)} ${formatElapsed(Date.now() - entry.since)}`;
      const room = Math.max(10, width - head.length - 4);
      const last = entry.last.length > room ? `${entry.last.slice(0, room - 1)}…` : entry.last;
      return `${head}  ${pc.dim(last)}`;
    });
    const counters = `${pc.green(`${this.done} done`)}  ${pc.red(`${this.failed} failed`)}  ${pc.blue(`${this.running.size} running`)}`;
    this.logUpdate([...rows, counters].join('\n'));
  }

  close(): void {
    clearInterval(this.timer);
    this.logUpdate.clear();
    this.logUpdate.done();
  }
}
