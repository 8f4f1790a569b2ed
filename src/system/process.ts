/**
 * Who a process is, and whether it is still alive. A pid alone is not enough: pids are
 * reused, and a zombie still answers `kill(pid, 0)`. On Linux we read /proc/<pid>/stat
 * for the state and the start time (clock ticks since boot), which together identify
 * one process for its whole life.
 *
 * A pid also means something only in its own pid namespace: Codex runs an agent's
 * commands in a sandbox with a namespace of its own, where the `wg` it runs is pid 2 and
 * the runner does not exist. So an identity names its namespace, and a process in
 * another namespace is judged like one on another host: its liveness is unknown.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

import type { ProcessIdentity } from '../graph/lease.js';

export type { ProcessIdentity };

interface ProcStat {
  state: string;
  startTime: string;
}

function readProcStat(pid: number): ProcStat | undefined | 'unsupported' {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return process.platform === 'linux' ? undefined : 'unsupported';
    return 'unsupported';
  }
  // The command name (field 2) is in parentheses and may itself contain spaces or ")".
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '?', startTime: fields[19] ?? '' };
}

export function processStartTime(pid: number): string | undefined {
  const stat = readProcStat(pid);
  return stat === undefined || stat === 'unsupported' ? undefined : stat.startTime;
}

let ownPidNamespace: string | undefined | null = null;

function pidNamespace(): string | undefined {
  if (ownPidNamespace === null) {
    try {
      ownPidNamespace = readlinkSync('/proc/self/ns/pid');
    } catch {
      ownPidNamespace = undefined;
    }
  }
  return ownPidNamespace;
}

let own: ProcessIdentity | undefined;

/** This process's identity: read once (a runner takes the lock hundreds of times a second), a fresh copy each call. */
export function currentProcess(): ProcessIdentity {
  if (!own) {
    const namespace = pidNamespace();
    own = {
      pid: process.pid,
      host: hostname(),
      pid_start: processStartTime(process.pid),
      ...(namespace ? { pid_ns: namespace } : {}),
    };
  }
  return { ...own };
}

/** Alive and still the same process (when `startTime` is known). Zombies count as dead. */
export function isProcessAlive(pid: number, startTime?: string): boolean {
  const stat = readProcStat(pid);
  if (stat === 'unsupported') {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  if (stat === undefined || stat.state === 'Z' || stat.state === 'X') return false;
  return startTime === undefined || stat.startTime === startTime;
}

/** Whether `identity`'s pid means the same process here: same host, same pid namespace. */
export function isLocal(identity: Pick<ProcessIdentity, 'host' | 'pid_ns'>): boolean {
  // Recorded by an older wg without a namespace: judged as before, in ours.
  return identity.host === hostname() && (identity.pid_ns === undefined || identity.pid_ns === pidNamespace());
}

/** Whether the process that `identity` names is gone, as far as this host can tell. */
export function isProcessGone(identity: ProcessIdentity): boolean | 'unknown' {
  if (!isLocal(identity)) return 'unknown';
  return !isProcessAlive(identity.pid, identity.pid_start);
}
