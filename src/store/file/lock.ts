/**
 * An exclusive cross-process lock: a file created atomically that names its owner
 * (pid, host, process start time, pid namespace). A lock whose owner is gone is stale
 * and is taken over at once; one from another host or pid namespace (an agent's command
 * in Codex's sandbox) only after `staleAfterMs`.
 *
 * Why not proper-lockfile: its takeover is stat -> rmdir -> mkdir, so two waiters that
 * both judged a lock stale can both end up holding it, and it needs a heartbeat timer.
 * Here, breaking a stale lock happens under a second O_EXCL file and re-checks that
 * the lock is still the one judged stale, so only one waiter can take it over.
 */
import { closeSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { LockTimeoutError } from '../../errors.js';
import { currentProcess, isProcessGone, type ProcessIdentity } from '../../system/process.js';

export interface LockOptions {
  /** Give up waiting for a live holder after this long. */
  timeoutMs?: number;
  /** A lock from another host (or without a readable owner) is stale after this long. */
  staleAfterMs?: number;
}

interface Owner extends ProcessIdentity {
  nonce: string;
  acquired_at: string;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_STALE_MS = 10_000;
/** An owner file is written right after it is created; give a slow writer this long. */
const UNWRITTEN_GRACE_MS = 2_000;

export interface HeldLock {
  release(): void;
}

/**
 * Create `path` holding `content`, or return false if it exists. The content is written
 * to a file of our own first and hard-linked into place, so no one ever sees the lock
 * without its owner (a holder descheduled between create and write would otherwise
 * look like one killed there). Filesystems without hard links get O_EXCL and a write.
 */
function tryCreate(path: string, content: string): boolean {
  const staging = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(staging, content, { mode: 0o644 });
  try {
    linkSync(staging, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
    return tryCreateExclusive(path, content);
  } finally {
    unlinkQuietly(staging);
  }
}

function tryCreateExclusive(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function parseOwner(text: string): Owner | undefined {
  try {
    const owner = JSON.parse(text) as Owner;
    return typeof owner.pid === 'number' && typeof owner.host === 'string' ? owner : undefined;
  } catch {
    return undefined;
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function isStale(text: string, path: string, staleAfterMs: number): boolean {
  const owner = parseOwner(text);
  if (!owner) return ageMs(path) > UNWRITTEN_GRACE_MS;
  const gone = isProcessGone(owner);
  return gone === 'unknown' ? ageMs(path) > staleAfterMs : gone;
}

/**
 * Remove `path` only if it still holds `expected`, serialised with other breakers.
 * False when another breaker holds the guard: the caller waits before looking again.
 */
function breakStaleLock(path: string, expected: string, staleAfterMs: number): boolean {
  const guard = `${path}.break`;
  if (!tryCreate(guard, String(process.pid))) {
    // A breaker that died mid-break leaves its guard; it is only ever held for microseconds.
    if (ageMs(guard) > staleAfterMs) unlinkQuietly(guard);
    return false;
  }
  try {
    if (readText(path) === expected) unlinkQuietly(path);
  } finally {
    unlinkQuietly(guard);
  }
  return true;
}

/** Remove `path` if it is there. */
export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Who holds the lock at `path` now, and whether the next writer would take it over as stale (for `wg doctor`). */
export function inspectLock(
  path: string,
  staleAfterMs = DEFAULT_STALE_MS,
): { state: 'free' | 'held' | 'stale'; owner: string | undefined; ageMs: number | undefined } {
  const text = readText(path);
  if (text === undefined) return { state: 'free', owner: undefined, ageMs: undefined };
  const holder = parseOwner(text);
  const owner = holder ? `pid ${holder.pid} on ${holder.host} (since ${holder.acquired_at})` : undefined;
  return { state: isStale(text, path, staleAfterMs) ? 'stale' : 'held', owner, ageMs: ageMs(path) };
}

export async function acquireLock(path: string, options: LockOptions = {}): Promise<HeldLock> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_MS;
  const owner: Owner = {
    ...currentProcess(),
    nonce: randomBytes(8).toString('hex'),
    acquired_at: new Date().toISOString(),
  };
  const content = JSON.stringify(owner);
  const deadline = Date.now() + timeoutMs;
  let wait = 1;
  for (;;) {
    if (tryCreate(path, content)) return { release: () => releaseLock(path, content) };
    const current = readText(path);
    // Without the guard, looping at once would spin (synchronously) until its holder is done.
    if (current !== undefined && isStale(current, path, staleAfterMs) && breakStaleLock(path, current, staleAfterMs))
      continue;
    if (Date.now() > deadline) {
      const holder = current ? parseOwner(current) : undefined;
      const who = holder ? `pid ${holder.pid} on ${holder.host} (since ${holder.acquired_at})` : 'another process';
      throw new LockTimeoutError(
        `the graph is locked by ${who}`,
        `if that process is stuck, stop it; its lock is ${path}`,
      );
    }
    // Jittered backoff keeps many waiters from retrying in lockstep.
    await sleep(wait + Math.random() * wait);
    wait = Math.min(wait * 2, 50);
  }
}

function releaseLock(path: string, content: string): void {
  if (readText(path) === content) unlinkQuietly(path);
}
