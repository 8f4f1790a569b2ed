/**
 * Leases fence stale and confused processes: an agent launched for attempt N carries
 * that attempt's token, and once the task has moved on (a newer attempt, or no lease
 * at all) the old token no longer matches. Only a hash of the token is stored.
 */
import { createHash, randomBytes } from 'node:crypto';
import { StaleAttemptError } from '../errors.js';
import type { Task } from './schema.js';

/** Which process holds a lease or a lock: what a later process needs to tell whether it died. */
export interface ProcessIdentity {
  pid: number;
  host: string;
  /** Start time from /proc, when the platform has it. */
  pid_start?: string | undefined;
  /** The pid namespace (`pid:[inode]` on Linux), when the platform has one. */
  pid_ns?: string | undefined;
}

export interface Credentials {
  taskId: string;
  token: string;
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function hashToken(token: string): string {
  return `sha256:${createHash('sha256').update(token).digest('hex')}`;
}

export type LeaseCheck = { kind: 'holder' } | { kind: 'person' } | { kind: 'forced'; note: string };

/**
 * May the caller change `task`? An agent's credentials must match the task's current
 * lease; a person without credentials may change any task (the fence is for processes
 * that were launched as agents); `force` overrides and says so in the log.
 */
export function checkLease(task: Task, credentials: Credentials | undefined, force: boolean): LeaseCheck {
  const claim = task.claim;
  const mismatch = (): string | undefined => {
    if (!credentials) return undefined;
    if (credentials.taskId !== task.id) {
      return claim
        ? `task ${task.id} is leased to ${claim.actor} (attempt ${claim.attempt}); your token is for task ${credentials.taskId}`
        : undefined;
    }
    if (!claim) return `task ${task.id} has no active lease (its attempt ended)`;
    if (hashToken(credentials.token) !== claim.token_hash) {
      return `task ${task.id} is now at attempt ${claim.attempt} held by ${claim.actor}`;
    }
    return undefined;
  };
  const problem = mismatch();
  if (problem === undefined)
    return credentials && credentials.taskId === task.id ? { kind: 'holder' } : { kind: 'person' };
  if (force) return { kind: 'forced', note: `forced past the lease: ${problem}` };
  throw new StaleAttemptError(`stale attempt: ${problem}`, 'a person can override with --force');
}
