/**
 * Agent processes started by a small helper process (spawner-process.ts), so the
 * synchronous part of `spawn` (fork and exec, which costs more the larger the caller)
 * neither holds up the runner's main thread nor copies its memory map. One helper
 * serves the whole runner; it is started with the first agent and keeps the runner
 * alive only while some agent runs.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { LaunchSpec, Stream } from '../backends/types.js';
import type { FromSpawner, ToSpawner } from './spawner-protocol.js';

export interface ChildEvents {
  spawned: [pid: number];
  data: [stream: Stream, chunk: Buffer];
  end: [stream: Stream];
  exit: [];
  closed: [end: { exitCode: number | null; signal: string | null; error?: string | undefined }];
}

/** One agent process, as the main thread sees it. */
export class SpawnedChild extends EventEmitter<ChildEvents> {
  pid: number | undefined;

  constructor(
    private readonly id: number,
    private readonly spawner: Spawner,
  ) {
    super();
  }

  pause(stream: Stream): void {
    this.spawner.post({ type: 'pause', id: this.id, stream });
  }

  resume(stream: Stream): void {
    this.spawner.post({ type: 'resume', id: this.id, stream });
  }
}

class Spawner {
  private readonly helper: ChildProcess;
  private readonly children = new Map<number, SpawnedChild>();
  private nextId = 1;

  constructor() {
    this.helper = fork(fileURLToPath(new URL('./spawner-process.js', import.meta.url)), [], {
      serialization: 'advanced',
      // Not the runner's own flags (a --cpu-prof or --inspect would apply twice).
      execArgv: [],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.idle();
    this.helper.on('message', (message: FromSpawner) => this.receive(message));
    this.helper.on('error', (error) => this.failAll(`the process spawner failed: ${error.message}`));
    // It only ends with the runner, or with a bug in it; every process it watched is then lost to us.
    this.helper.on('exit', (code, signal) => {
      if (shared === this) shared = undefined;
      this.failAll(`the process spawner stopped (${signal ?? `exit code ${code}`})`);
    });
  }

  /** Neither the helper nor its channel keeps the runner alive while no agent runs. */
  private idle(): void {
    this.helper.unref();
    (this.helper.channel as { unref?(): void } | undefined)?.unref?.();
  }

  private busy(): void {
    this.helper.ref();
    (this.helper.channel as { ref?(): void } | undefined)?.ref?.();
  }

  post(message: ToSpawner): void {
    if (this.helper.connected) this.helper.send(message);
  }

  spawn(spec: LaunchSpec): SpawnedChild {
    const id = this.nextId++;
    const child = new SpawnedChild(id, this);
    if (this.children.size === 0) this.busy();
    this.children.set(id, child);
    this.post({ type: 'spawn', id, spec });
    return child;
  }

  private receive(message: FromSpawner): void {
    const child = this.children.get(message.id);
    if (!child) return;
    switch (message.type) {
      case 'spawned':
        child.pid = message.pid;
        child.emit('spawned', message.pid);
        return;
      case 'data':
        child.emit('data', message.stream, Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength));
        this.post({ type: 'ack', id: message.id, bytes: message.chunk.byteLength });
        return;
      case 'end':
        child.emit('end', message.stream);
        return;
      case 'exit':
        child.emit('exit');
        return;
      case 'closed':
        this.forget(message.id);
        child.emit('closed', { exitCode: message.exitCode, signal: message.signal, error: message.error });
        return;
    }
  }

  private forget(id: number): void {
    this.children.delete(id);
    if (this.children.size === 0) this.idle();
  }

  private failAll(reason: string): void {
    for (const [id, child] of [...this.children]) {
      this.forget(id);
      child.emit('closed', { exitCode: null, signal: null, error: reason });
    }
  }
}

let shared: Spawner | undefined;

/** Start `spec` (in its own process group) from the spawner process. */
export function spawnChild(spec: LaunchSpec): SpawnedChild {
  shared ??= new Spawner();
  return shared.spawn(spec);
}
