/** The messages between the runner's main thread (helper.ts) and a process that spawns its agents (helper-main.ts). */
import type { SpawnSpec, Stream } from './child.js';

export type ToSpawner =
  /**
   * `spec.env` is left out: `env` says how this process's environment differs from the
   * one sent with the spawn before (the first time: all of it). An environment is some
   * kilobytes, and agents' differ by a few variables.
   */
  | { type: 'spawn'; id: number; spec: Omit<SpawnSpec, 'env'>; env: EnvChange }
  /** Stop reading a stream while the main thread's file is behind (backpressure); `resume` starts again. */
  | { type: 'pause' | 'resume'; id: number; stream: Stream }
  /** Output the runner has taken in, so more may be sent. */
  | { type: 'ack'; id: number; bytes: number };

export type FromSpawner =
  | { type: 'spawned'; id: number; pid: number }
  | { type: 'data'; id: number; stream: Stream; chunk: Uint8Array }
  /** Sent only for a stream that had data; `closed` ends the others. */
  | { type: 'end'; id: number; stream: Stream }
  /** The process itself ended and left something in its process group (which may hold its output open). */
  | { type: 'exit'; id: number }
  /** Everything is over: the process ended and its output was closed (or it never started: `error`). */
  | { type: 'closed'; id: number; exitCode: number | null; signal: string | null; error?: string };

export interface EnvChange {
  set: Record<string, string>;
  unset: string[];
}

/** How `next` differs from `previous`. */
export function envChange(
  previous: Readonly<Record<string, string | undefined>>,
  next: Readonly<Record<string, string | undefined>>,
): EnvChange {
  const set: Record<string, string> = {};
  const unset: string[] = [];
  for (const [name, value] of Object.entries(next))
    if (value !== undefined && previous[name] !== value) set[name] = value;
  for (const [name, value] of Object.entries(previous))
    if (value !== undefined && next[name] === undefined) unset.push(name);
  return { set, unset };
}

/** `previous` changed by `change`, as a new object. */
export function applyEnvChange(previous: Readonly<Record<string, string>>, change: EnvChange): Record<string, string> {
  const env = { ...previous, ...change.set };
  for (const name of change.unset) delete env[name];
  return env;
}
