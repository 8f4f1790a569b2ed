/**
 * One child process as wg sees it, whoever started it: this process (direct.ts) or a helper
 * process (helper.ts). supervise.ts knows only this interface, so the two are interchangeable.
 */
import { EventEmitter } from 'node:events';
import { newMark } from './marked.js';
import { groupAlive, terminateTree } from './terminate.js';

export type Stream = 'stdout' | 'stderr';

/** What to start. Structurally the backends' `LaunchSpec`, declared here so process/ needs nothing above it. */
export interface SpawnSpec {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  /** Written to stdin, which is then closed. Undefined: stdin is not connected at all. */
  stdin?: string | undefined;
}

/** How the child ended; `error`: it never started (or whoever started it is gone). */
export interface ChildClosed {
  exitCode: number | null;
  signal: string | null;
  error?: string | undefined;
}

export interface ChildEvents {
  spawned: [pid: number];
  data: [stream: Stream, chunk: Buffer];
  /** A stream that sent nothing may get no `end`: `closed` ends it. */
  end: [stream: Stream];
  /** The child itself exited; its process group may still hold its output open. */
  exit: [];
  /** Everything is over: the child ended and its output was closed, or it never started. */
  closed: [end: ChildClosed];
}

export interface ChildHandle extends EventEmitter<ChildEvents> {
  /** Known once `spawned` was emitted. */
  readonly pid: number | undefined;
  /** Stop reading a stream while its reader is behind (backpressure); `resume` starts again. */
  pause(stream: Stream): void;
  resume(stream: Stream): void;
  /**
   * The environment variable (its name; the value is `1`) the child and everything it starts
   * carry, by which its stop finds them wherever they moved (marked.ts).
   */
  readonly mark: string;
  /** Whether anything live is left in the child's process group (the child runs in a group of its own). */
  groupAlive(): boolean;
  /** SIGTERM to the child's whole tree, SIGKILL after `graceMs`; resolves once nothing is left. */
  killTree(graceMs: number): Promise<void>;
}

export type SpawnChild = (spec: SpawnSpec) => ChildHandle;

/** The tree handling both implementations share: every child leads a process group of its own. */
export abstract class ChildBase extends EventEmitter<ChildEvents> implements ChildHandle {
  pid: number | undefined;
  readonly mark = newMark();

  abstract pause(stream: Stream): void;
  abstract resume(stream: Stream): void;

  groupAlive(): boolean {
    return this.pid !== undefined && groupAlive(this.pid);
  }

  killTree(graceMs: number): Promise<void> {
    return this.pid === undefined ? Promise.resolve() : terminateTree(this.pid, graceMs, this.mark);
  }

  /** The environment to start the child with: `env` and its mark. */
  envFor(env: SpawnSpec['env']): SpawnSpec['env'] {
    return { ...env, [this.mark]: '1' };
  }
}
