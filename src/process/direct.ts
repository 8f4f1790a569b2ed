/**
 * A child started by this process itself. Simpler than a helper (no second process, no
 * messages), but `spawn` blocks this process's thread for the fork, which costs more the
 * more memory it maps: fine for a small process or a single child, not for a runner
 * starting agents by the hundred (docs/decisions/spawner-helpers.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ChildBase, type ChildHandle, type SpawnSpec, type Stream } from './child.js';

class DirectChild extends ChildBase {
  child!: ChildProcess;

  pause(stream: Stream): void {
    this.child[stream]?.pause();
  }

  resume(stream: Stream): void {
    this.child[stream]?.resume();
  }
}

export function spawnDirect(spec: SpawnSpec): ChildHandle {
  const handle = new DirectChild();
  const child = spawn(spec.file, spec.args, {
    cwd: spec.cwd,
    env: handle.envFor(spec.env),
    // Its own process group, so everything it starts can be signalled at once.
    detached: true,
    stdio: [spec.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  handle.child = child;
  let failed: string | undefined;
  child.once('error', (error) => {
    // Only a process that never started ends here; a later error (a pipe) is the process's end's business.
    if (child.pid === undefined) failed = error.message;
  });
  child.once('spawn', () => {
    handle.pid = child.pid!;
    handle.emit('spawned', child.pid!);
    if (spec.stdin !== undefined && child.stdin) {
      // A child that exits without reading its input closes the pipe: not our error.
      child.stdin.on('error', () => undefined);
      child.stdin.end(spec.stdin);
    }
  });
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]?.on('data', (chunk: Buffer) => handle.emit('data', stream, chunk));
    child[stream]?.on('end', () => handle.emit('end', stream));
  }
  child.once('exit', () => handle.emit('exit'));
  child.once('close', (exitCode: number | null, signal: NodeJS.Signals | null) =>
    handle.emit(
      'closed',
      failed === undefined ? { exitCode, signal } : { exitCode: null, signal: null, error: failed },
    ),
  );
  return handle;
}
