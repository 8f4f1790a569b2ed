/**
 * Launch one process and watch it until it and everything it started are gone: its own
 * process group, output streamed (raw to a file, lines to a callback) with backpressure,
 * a wall-clock timeout, a stall timeout, and interruption. Whoever starts the process
 * (`spawn`: in this process, or a helper) gives it to us as a ChildHandle.
 */
import type { Writable } from 'node:stream';
import type { ChildClosed, SpawnChild, SpawnSpec, Stream } from './child.js';
import { LineSplitter } from './lines.js';

export interface SuperviseOptions {
  spec: SpawnSpec;
  spawn: SpawnChild;
  timeoutMs?: number | undefined;
  stallMs?: number | undefined;
  /** Between SIGTERM and SIGKILL. */
  graceMs: number;
  signal?: AbortSignal | undefined;
  /** Aborted when the agent must be stopped for what it did (see the `halt` event); ends as `halted`. */
  halt?: AbortSignal | undefined;
  /** Receives every byte of stdout and stderr, in arrival order. */
  raw: Writable;
  onLine(text: string, stream: Stream): void;
  /** `mark`: what every process of its tree carries in its environment (marked.ts). */
  onSpawn?(pid: number, mark: string): void;
  maxLineLength?: number;
  /** Rewrites output before anything sees it (secret redaction); `end` flushes what it held back. */
  filter?: (stream: Stream) => { push(chunk: Buffer): Buffer; end(): Buffer };
}

export type ProcessEnd =
  | { kind: 'exited'; exitCode: number }
  | { kind: 'signalled'; signal: string }
  | { kind: 'spawn-error'; message: string }
  | { kind: 'timed-out'; afterMs: number }
  | { kind: 'stalled'; afterMs: number }
  | { kind: 'interrupted' }
  | { kind: 'halted' };

type Stop = 'timed-out' | 'stalled' | 'interrupted' | 'halted';

export async function supervise(options: SuperviseOptions): Promise<ProcessEnd> {
  const child = options.spawn(options.spec);

  let stop: Stop | undefined;
  let stopping: Promise<void> | undefined;
  const timers: NodeJS.Timeout[] = [];
  const started = Date.now();

  // A stop asked for before the process has started is carried out once it has.
  const stopWith = (reason: Stop) => {
    if (stop) return;
    stop = reason;
    if (child.pid !== undefined) stopping = child.killTree(options.graceMs);
  };

  let stallTimer: NodeJS.Timeout | undefined;
  const armStall = () => {
    if (options.stallMs === undefined) return;
    if (stallTimer) clearTimeout(stallTimer);
    stallTimer = setTimeout(() => stopWith('stalled'), options.stallMs);
  };

  const splitters = { stdout: splitterFor('stdout'), stderr: splitterFor('stderr') };
  function splitterFor(name: Stream) {
    return {
      lines: new LineSplitter(options.maxLineLength ?? 64 * 1024, (line) => options.onLine(line, name)),
      filter: options.filter?.(name),
    };
  }
  const forward = (name: Stream, chunk: Buffer) => {
    if (chunk.length === 0) return;
    if (!options.raw.write(chunk)) {
      child.pause(name);
      options.raw.once('drain', () => child.resume(name));
    }
    splitters[name].lines.push(chunk);
  };
  child.on('data', (name, chunk) => {
    armStall();
    const { filter } = splitters[name];
    forward(name, filter ? filter.push(chunk) : chunk);
  });
  const ended = new Set<Stream>();
  const end = (name: Stream) => {
    if (ended.has(name)) return;
    ended.add(name);
    const { filter, lines } = splitters[name];
    if (filter) forward(name, filter.end());
    lines.end();
  };
  child.on('end', end);

  child.once('spawned', (pid) => {
    if (stop) stopping = child.killTree(options.graceMs);
    options.onSpawn?.(pid, child.mark);
    armStall();
    if (options.timeoutMs !== undefined) timers.push(setTimeout(() => stopWith('timed-out'), options.timeoutMs));
  });
  const onAbort = () => stopWith('interrupted');
  if (options.signal?.aborted) queueMicrotask(onAbort);
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  const onHalt = () => stopWith('halted');
  options.halt?.addEventListener('abort', onHalt, { once: true });

  // When the agent itself exits, whatever it left running in its group goes too, so
  // no grandchild survives and the pipes it held open get closed.
  child.once('exit', () => {
    if (!stopping && child.groupAlive()) stopping = child.killTree(options.graceMs);
  });

  const result = await new Promise<ChildClosed>((resolve) => child.once('closed', resolve));
  // The spawner died under a running agent: nobody reads its output any more, so it must not go on unseen.
  if (result.error !== undefined && !stopping && child.groupAlive()) stopping = child.killTree(options.graceMs);
  // A stream that never sent anything gets no `end` of its own.
  end('stdout');
  end('stderr');
  await stopping;
  for (const timer of timers) clearTimeout(timer);
  if (stallTimer) clearTimeout(stallTimer);
  options.signal?.removeEventListener('abort', onAbort);
  options.halt?.removeEventListener('abort', onHalt);

  // Stopped by the runner's interrupt: however the process then ended (or its spawner with it), nothing is learned about the task.
  if (stop === 'interrupted') return { kind: 'interrupted' };
  if (result.error !== undefined) return { kind: 'spawn-error', message: result.error };
  if (stop === 'timed-out') return { kind: 'timed-out', afterMs: options.timeoutMs ?? Date.now() - started };
  if (stop === 'stalled') return { kind: 'stalled', afterMs: options.stallMs ?? 0 };
  if (stop === 'halted') return { kind: 'halted' };
  if (result.exitCode !== null) return { kind: 'exited', exitCode: result.exitCode };
  return { kind: 'signalled', signal: result.signal ?? 'unknown' };
}
