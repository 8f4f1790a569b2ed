/**
 * Launch one agent process and watch it until it and everything it started are gone:
 * its own process group, output streamed (raw to a file, lines to a callback) with
 * backpressure, a wall-clock timeout, a stall timeout, and interruption.
 */
import type { Writable } from 'node:stream';
import { execa } from 'execa';
import type { LaunchSpec, Stream } from '../backends/types.js';
import { groupAlive, terminateTree } from '../system/kill.js';
import { LineSplitter } from './lines.js';

export interface SuperviseOptions {
  spec: LaunchSpec;
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
  onSpawn?(pid: number): void;
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
  const { spec } = options;
  const subprocess = execa(spec.file, spec.args, {
    cwd: spec.cwd,
    env: spec.env,
    extendEnv: false,
    detached: true,
    cleanup: false,
    buffer: false,
    reject: false,
    stripFinalNewline: false,
    ...(spec.stdin !== undefined ? { input: spec.stdin } : { stdin: 'ignore' as const }),
    stdout: 'pipe',
    stderr: 'pipe',
  });

  let stop: Stop | undefined;
  let stopping: Promise<void> | undefined;
  const timers: NodeJS.Timeout[] = [];
  const started = Date.now();
  const pid = () => subprocess.pid;

  const stopWith = (reason: Stop) => {
    if (stop || subprocess.pid === undefined) return;
    stop = reason;
    stopping = terminateTree(subprocess.pid, options.graceMs);
  };

  let stallTimer: NodeJS.Timeout | undefined;
  const armStall = () => {
    if (options.stallMs === undefined) return;
    if (stallTimer) clearTimeout(stallTimer);
    stallTimer = setTimeout(() => stopWith('stalled'), options.stallMs);
  };

  const attach = (stream: NodeJS.ReadableStream | null, name: Stream) => {
    if (!stream) return;
    const splitter = new LineSplitter(options.maxLineLength ?? 64 * 1024, (line) => options.onLine(line, name));
    const filter = options.filter?.(name);
    const forward = (chunk: Buffer) => {
      if (chunk.length === 0) return;
      if (!options.raw.write(chunk)) {
        stream.pause();
        options.raw.once('drain', () => stream.resume());
      }
      splitter.push(chunk);
    };
    stream.on('data', (chunk: Buffer) => {
      armStall();
      forward(filter ? filter.push(chunk) : chunk);
    });
    stream.on('end', () => {
      if (filter) forward(filter.end());
      splitter.end();
    });
  };
  attach(subprocess.stdout, 'stdout');
  attach(subprocess.stderr, 'stderr');

  subprocess.once('spawn', () => {
    if (subprocess.pid !== undefined) options.onSpawn?.(subprocess.pid);
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
  subprocess.once('exit', () => {
    const leader = pid();
    if (leader !== undefined && !stopping && groupAlive(leader)) stopping = terminateTree(leader, options.graceMs);
  });

  const result = await subprocess;
  await stopping;
  for (const timer of timers) clearTimeout(timer);
  if (stallTimer) clearTimeout(stallTimer);
  options.signal?.removeEventListener('abort', onAbort);
  options.halt?.removeEventListener('abort', onHalt);

  if (stop === 'timed-out') return { kind: 'timed-out', afterMs: options.timeoutMs ?? Date.now() - started };
  if (stop === 'stalled') return { kind: 'stalled', afterMs: options.stallMs ?? 0 };
  if (stop === 'interrupted') return { kind: 'interrupted' };
  if (stop === 'halted') return { kind: 'halted' };
  if (result.exitCode !== undefined) return { kind: 'exited', exitCode: result.exitCode };
  if (result.signal) return { kind: 'signalled', signal: result.signal };
  const cause = (result as { cause?: unknown }).cause;
  return { kind: 'spawn-error', message: cause instanceof Error ? cause.message : (result.shortMessage ?? 'unknown error') };
}
