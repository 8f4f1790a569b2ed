/**
 * What an attempt writes on its task while it runs: log entries, progress, its agent's
 * process, its artifacts. Rate-limited and capped, so a gigabyte of output does not become
 * a gigabyte of graph; every line is still in the run directory's files.
 */
import type { AgentEvent } from '../../backends/types.js';
import type { Graph } from '../../graph/model.js';
import { addArtifact, appendLog, recordAgentProcess, setProgress } from '../../graph/transitions.js';
import { processStartTime } from '../../system/process.js';
import type { GraphWriter } from '../graph-writer.js';
import type { AttemptSubject } from './context.js';

const PROGRESS_LOG_INTERVAL_MS = 1000;
const MAX_LOGGED_EVENTS = 200;

export class TaskLog {
  private pendingProgress: Extract<AgentEvent, { type: 'progress' }> | undefined;
  private lastProgressLog = 0;
  private logged = 0;

  constructor(
    private readonly writer: GraphWriter,
    private readonly subject: AttemptSubject,
  ) {}

  get taskId(): string {
    return this.subject.taskId;
  }

  /** A log entry about what the agent did; past the cap these go only to events.jsonl. */
  log(message: string): void {
    if (this.logged >= MAX_LOGGED_EVENTS) return;
    if (++this.logged === MAX_LOGGED_EVENTS)
      message = `${message} (further tool calls and errors only in events.jsonl)`;
    this.note(message);
  }

  /** A log entry outside the cap: progress, and wg's own lines about the attempt. */
  note(message: string): void {
    this.write((graph) => appendLog(graph, this.taskId, this.subject.caller(), message));
  }

  /** Progress is a state: at most one entry a second, the latest. */
  progress(event: Extract<AgentEvent, { type: 'progress' }>): void {
    this.pendingProgress = event;
    if (Date.now() - this.lastProgressLog >= PROGRESS_LOG_INTERVAL_MS) this.flushProgress();
  }

  flushProgress(): void {
    const event = this.pendingProgress;
    if (!event) return;
    this.pendingProgress = undefined;
    this.lastProgressLog = Date.now();
    if (event.percent !== undefined)
      this.write((graph) => setProgress(graph, this.taskId, this.subject.caller(), event.percent!, event.message));
    else this.note(event.message);
  }

  recordProcess(pid: number, mark: string): void {
    this.write((graph) =>
      recordAgentProcess(graph, this.taskId, this.subject.caller(), { pid, start: processStartTime(pid), mark }),
    );
  }

  registerArtifacts(paths: readonly string[]): void {
    for (const path of paths) this.write((graph) => addArtifact(graph, this.taskId, this.subject.caller(), path));
  }

  write(change: (graph: Graph) => unknown): void {
    // A lease that moved on (the agent finished the task itself) only means the entry is
    // dropped; a failed write is the writer's `failure`, which stops the runner.
    this.writer.apply(change).catch(() => undefined);
  }
}
