/**
 * Children started by small helper processes (helper-main.ts), so the synchronous part of
 * `spawn` (fork and exec, which costs more the larger the caller) neither holds up the
 * runner's main thread nor copies its memory map (docs/decisions/spawner-helpers.md). The
 * helpers serve the whole process; they are started by `wg run` first thing (or with the
 * first agent), and each keeps the process alive only while some child of its runs.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { packagePath } from '../system/package-root.js';
import { ChildBase, type ChildHandle, type SpawnSpec, type Stream } from './child.js';
import { envChange, type FromSpawner, type ToSpawner } from './protocol.js';

/** tsc's output, not the bundle `wg` runs: a small program of its own (two modules). */
const HELPER_MAIN = packagePath('dist', 'process', 'helper-main.js');

/** One child of a helper, as the main thread sees it. */
class HelperChild extends ChildBase {
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
  private readonly children = new Map<number, HelperChild>();
  private nextId = 1;
  /** The environment sent with the last spawn: the next sends only how it differs. */
  private lastEnv: Readonly<Record<string, string | undefined>> = {};

  constructor() {
    this.helper = fork(HELPER_MAIN, [], {
      serialization: 'advanced',
      // Not the runner's own flags (a --cpu-prof or --inspect would apply twice).
      execArgv: [],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      // A session of its own: a terminal's Ctrl-C (SIGINT to the whole foreground process
      // group) must reach the runner alone, which stops the agents and reopens their tasks,
      // and not kill the helper under them. It still ends with the runner: see 'disconnect'.
      detached: true,
    });
    this.idle();
    this.helper.on('message', (message: FromSpawner) => this.receive(message));
    this.helper.on('error', (error) => this.failAll(`the process spawner failed: ${error.message}`));
    // It only ends with the runner, or with a bug in it (or a signal sent to it by pid); every
    // process it watched is then lost to us (supervise stops what is left of them).
    this.helper.on('exit', (code, signal) => {
      shared = shared.filter((spawner) => spawner !== this);
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

  get active(): number {
    return this.children.size;
  }

  post(message: ToSpawner): void {
    if (this.helper.connected) this.helper.send(message);
  }

  spawn(spec: SpawnSpec): HelperChild {
    const id = this.nextId++;
    const child = new HelperChild(id, this);
    if (this.children.size === 0) this.busy();
    this.children.set(id, child);
    const { env: given, ...rest } = spec;
    const env = child.envFor(given);
    this.post({ type: 'spawn', id, spec: rest, env: envChange(this.lastEnv, env) });
    this.lastEnv = env;
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
        child.emit(
          'data',
          message.stream,
          Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength),
        );
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

let shared: Spawner[] = [];
/**
 * One helper per core (up to four): each spawn blocks its helper for a millisecond or
 * more, so with eight agents starting and ending, one helper was the queue they waited in.
 */
const HELPERS = Math.max(1, Math.min(4, availableParallelism()));

/** Start the spawner processes now, so their start-up overlaps the runner's own instead of delaying its first agent. */
export function startSpawners(): void {
  while (shared.length < HELPERS) shared.push(new Spawner());
}

/** Start `spec` (in its own process group) from the least busy helper process. */
export function spawnViaHelper(spec: SpawnSpec): ChildHandle {
  startSpawners();
  const least = shared.reduce((a, b) => (a.active <= b.active ? a : b));
  return least.spawn(spec);
}
