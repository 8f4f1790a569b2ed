/** The messages between the runner's main thread and the process that spawns its agents (spawner-process.ts). */
import type { LaunchSpec, Stream } from '../backends/types.js';

export type ToSpawner =
  | { type: 'spawn'; id: number; spec: LaunchSpec }
  /** Stop reading a stream while the main thread's file is behind (backpressure); `resume` starts again. */
  | { type: 'pause' | 'resume'; id: number; stream: Stream }
  /** Output the runner has taken in, so more may be sent. */
  | { type: 'ack'; id: number; bytes: number };

export type FromSpawner =
  | { type: 'spawned'; id: number; pid: number }
  | { type: 'data'; id: number; stream: Stream; chunk: Uint8Array }
  | { type: 'end'; id: number; stream: Stream }
  /** The process itself ended; its output may still be open in processes it left behind. */
  | { type: 'exit'; id: number }
  /** Everything is over: the process ended and its output was closed (or it never started: `error`). */
  | { type: 'closed'; id: number; exitCode: number | null; signal: string | null; error?: string };
