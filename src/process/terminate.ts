/**
 * Killing a whole process tree. Agents run in their own process group, so one signal
 * to the group reaches every descendant that stayed in it; tree-kill walks parent
 * links as well, which finds descendants that moved to a session of their own while
 * their parents live; and the mark every descendant inherits (marked.ts) finds the rest,
 * however they moved and whoever their parent now is.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import treeKill from 'tree-kill';
import { markedProcesses, signalMarked } from './marked.js';

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: nobody left in the group.
  }
}

function signalDescendants(pid: number, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => treeKill(pid, signal, () => resolve()));
}

export async function signalTree(pid: number, signal: NodeJS.Signals): Promise<void> {
  await signalDescendants(pid, signal);
  signalGroup(pid, signal);
}

/**
 * Whether any live process is left in the group led (once) by `pid`. On Linux, /proc
 * tells zombies apart: orphans that nobody reaps (no init in a container) would
 * otherwise look alive for ever.
 */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // Something answers; scanning /proc (slow) tells whether it is more than zombies.
  const members = liveGroupMembers(pid);
  return members === undefined ? true : members > 0;
}

function liveGroupMembers(pgid: number): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  let live = 0;
  for (const entry of entries) {
    if (entry.charCodeAt(0) > 57) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the parenthesised command: state, ppid, pgrp, ...
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') live++;
  }
  return live;
}

/**
 * Whether the grace period is off for this process: a second Ctrl-C means "stop now".
 * Process-wide on purpose: the person asks it of everything this process is stopping.
 */
let graceWaived = false;

/** From now on every tree being terminated (and every later one) gets its SIGKILL at once. */
export function waiveGrace(): void {
  graceWaived = true;
}

/** After the SIGKILL, how long to go on sweeping for marked processes (one in uninterruptible sleep may take its time to die). */
const KILL_SWEEP_MS = 5000;
/** During the grace period, how often to sweep /proc for marked processes once the group is empty (a sweep costs milliseconds). */
const GRACE_SWEEP_MS = 100;

/**
 * SIGTERM to the tree, then SIGKILL to whatever is still there after `graceMs` (at once
 * once `waiveGrace` was called). With the tree's `mark`, every process carrying it is
 * signalled too, and the SIGKILL is repeated until none is left, so nothing forked during
 * the stop escapes. Resolves once nothing of the tree is left (or, should a killed
 * process not die, `KILL_SWEEP_MS` after the SIGKILL).
 */
export async function terminateTree(pid: number, graceMs: number, mark?: string): Promise<void> {
  await signalTree(pid, 'SIGTERM');
  if (mark !== undefined) signalMarked(mark, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  let swept = 0;
  /** Whether the last sweep found nothing: then none is needed after the grace period. */
  let clean = false;
  while (!graceWaived && Date.now() < deadline) {
    if (!groupAlive(pid)) {
      if (mark === undefined) break;
      if (Date.now() - swept >= GRACE_SWEEP_MS) {
        swept = Date.now();
        if ((markedProcesses(mark)?.length ?? 0) === 0) {
          clean = true;
          break;
        }
      }
    }
    await sleep(25);
  }
  if (groupAlive(pid)) {
    clean = false;
    await signalTree(pid, 'SIGKILL');
  }
  if (mark === undefined || clean) return;
  const giveUp = Date.now() + KILL_SWEEP_MS;
  while (signalMarked(mark, 'SIGKILL') > 0 && Date.now() < giveUp) await sleep(10);
}

/**
 * What is left of a tree whose leader is gone (a runner's crash left it), found by its mark
 * alone: SIGTERM, then SIGKILL after `graceMs` until none is left.
 */
export async function terminateMarked(mark: string, graceMs: number): Promise<void> {
  if (signalMarked(mark, 'SIGTERM') === 0) return;
  const deadline = Date.now() + graceMs;
  while (!graceWaived && Date.now() < deadline && (markedProcesses(mark)?.length ?? 0) > 0) await sleep(GRACE_SWEEP_MS);
  const giveUp = Date.now() + KILL_SWEEP_MS;
  while (signalMarked(mark, 'SIGKILL') > 0 && Date.now() < giveUp) await sleep(10);
}
