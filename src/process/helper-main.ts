/**
 * The small process that starts agent processes for a runner (see helper.ts). `spawn`
 * blocks its caller until the child has exec'd, and forking costs more the more memory
 * the caller maps: 1 ms from a process this size, 2-4 ms from a runner holding a large
 * graph, whose every thread waits meanwhile. Here it blocks only this process, so the
 * runner goes on planning and recording. It passes each process's output on as it
 * comes, stops reading while too much of it is unacknowledged, and does nothing else.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Stream } from './child.js';
import { applyEnvChange, type FromSpawner, type ToSpawner } from './protocol.js';

interface Running {
  child: ChildProcess;
  /** Output bytes sent and not yet acknowledged: past the limit both streams pause. */
  unacknowledged: number;
  /** Streams the runner asked to pause (its file is behind), apart from the limit above. */
  held: Set<Stream>;
}

/** About four reads of each stream in flight; memory stays bounded whatever the agent prints. */
const IN_FLIGHT_LIMIT = 512 * 1024;
const running = new Map<number, Running>();
/** The environment of the last spawn: each spawn message says how the next one differs. */
let lastEnv: Record<string, string> = {};
const post = (message: FromSpawner) => process.send!(message);

function flow(entry: Running): void {
  for (const stream of ['stdout', 'stderr'] as const) {
    const readable = entry.child[stream];
    if (entry.unacknowledged > IN_FLIGHT_LIMIT || entry.held.has(stream)) readable?.pause();
    else readable?.resume();
  }
}

/** Only a stream that sent something has anything to end; `closed` ends the rest (one message fewer per silent stream). */
function forward(id: number, entry: Running, stream: Stream): void {
  const readable = entry.child[stream];
  let sent = false;
  readable?.on('data', (chunk: Buffer) => {
    sent = true;
    entry.unacknowledged += chunk.length;
    post({ type: 'data', id, stream, chunk });
    if (entry.unacknowledged > IN_FLIGHT_LIMIT) flow(entry);
  });
  readable?.on('end', () => {
    if (sent) post({ type: 'end', id, stream });
  });
}

/** Whether anything is left in the process group `pid` led: only then must the runner hear of the exit (to stop the rest). */
function groupAnswers(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function start(id: number, message: Extract<ToSpawner, { type: 'spawn' }>): void {
  const { spec } = message;
  lastEnv = applyEnvChange(lastEnv, message.env);
  const child = spawn(spec.file, spec.args, {
    cwd: spec.cwd,
    env: lastEnv,
    // Its own process group, so the runner can signal everything it starts at once.
    detached: true,
    stdio: [spec.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  const entry: Running = { child, unacknowledged: 0, held: new Set() };
  running.set(id, entry);
  let failed: string | undefined;
  child.once('error', (error) => {
    // Only a process that never started ends here; a later error (a pipe) is the process's end's business.
    if (child.pid === undefined) failed = error.message;
  });
  child.once('spawn', () => {
    post({ type: 'spawned', id, pid: child.pid! });
    if (spec.stdin !== undefined && child.stdin) {
      // An agent that exits without reading its prompt closes the pipe: not our error.
      child.stdin.on('error', () => undefined);
      child.stdin.end(spec.stdin);
    }
  });
  forward(id, entry, 'stdout');
  forward(id, entry, 'stderr');
  child.once('exit', () => {
    if (child.pid !== undefined && groupAnswers(child.pid)) post({ type: 'exit', id });
  });
  child.once('close', (exitCode: number | null, signal: NodeJS.Signals | null) => {
    running.delete(id);
    post({
      type: 'closed',
      id,
      exitCode: failed === undefined ? exitCode : null,
      signal: failed === undefined ? signal : null,
      ...(failed === undefined ? {} : { error: failed }),
    });
  });
}

process.on('message', (message: ToSpawner) => {
  if (message.type === 'spawn') return start(message.id, message);
  const entry = running.get(message.id);
  if (!entry) return;
  if (message.type === 'ack') entry.unacknowledged -= message.bytes;
  else if (message.type === 'pause') entry.held.add(message.stream);
  else entry.held.delete(message.stream);
  flow(entry);
});
// The runner is gone (even killed -9): so is the reason to be here. This is what ends a
// helper, which runs in a session of its own and so hears no terminal's signals. The agents stay, in
// their own process groups, for the next runner to recover as it would after a crash.
process.on('disconnect', () => process.exit(0));
