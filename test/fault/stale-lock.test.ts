/**
 * Locks left behind by processes that died, in the forms leases.test.ts does not
 * cover (it kills a live holder): a pid that now belongs to another process, a lock
 * file killed before its owner was written, an owner on another host, and a
 * breaker's guard file left by a process killed mid-takeover (or still held by a
 * live one, which must be waited for without spinning). Each must be taken
 * over by the next command within the stale timeout (10 s; 2 s for an unwritten
 * owner), and a lock that is not stale must not be.
 */
import { existsSync, readFileSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/fake.js';
import { cleanEnv, tempProject, WG_BIN, type Project } from '../support/wg.js';

let project: Project;
let lockPath: string;
beforeEach(async () => {
  project = await tempProject();
  lockPath = join(project.dir, '.workgraph', 'graph.lock');
});
let cleanupHolder: (() => void) | undefined;
afterEach(() => {
  cleanupHolder?.();
  cleanupHolder = undefined;
});

const STALE_MS = 10_000;
const owner = (fields: object) =>
  JSON.stringify({ nonce: 'left-behind', acquired_at: new Date().toISOString(), ...fields });
/** Back-date a file so it looks `ageMs` old. */
const age = (path: string, ageMs: number) =>
  utimesSync(path, new Date(Date.now() - ageMs), new Date(Date.now() - ageMs));

/** CPU time (user + system) a live process has used so far, from /proc (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function timedAdd(id: string): Promise<number> {
  const started = Date.now();
  const result = await project.wg(['add', `After ${id}`, '--id', id]);
  expect(result.exitCode, result.stderr).toBe(0);
  expect(project.graphText()).toContain(`"id":"${id}"`);
  return Date.now() - started;
}

/**
 * With the lock (aged to 3 s before stale) held, `wg add ID` must leave the graph as it
 * was until the lock goes stale, then add the task.
 */
async function expectWaitedForLock(id: string): Promise<void> {
  // Stale in 3 s, so the test does not wait the whole 10 s.
  const agedAt = Date.now();
  age(lockPath, STALE_MS - 3_000);
  const before = project.graphText();
  const writer = project.wg(['add', `Must wait ${id}`, '--id', id]);
  // Give the writer time to try (it polls every <=50 ms); the file must stay as it was.
  const deadline = Date.now() + 1_500;
  while (Date.now() < deadline) {
    expect(project.graphText()).toBe(before);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect((await writer).exitCode).toBe(0);
  // Not written before the lock went stale, however late the writer started.
  expect(Date.now() - agedAt).toBeGreaterThanOrEqual(2_900);
  expect(project.graphText()).toContain(`"${id}"`);
}

describe('a lock left by a killed process', () => {
  it('naming a pid that was reused by another process (start time differs): taken over at once', async () => {
    // Our own pid is certainly alive, but not with this start time.
    writeFileSync(lockPath, owner({ pid: process.pid, host: hostname(), pid_start: '1' }));
    expect(await timedAdd('reused')).toBeLessThan(STALE_MS / 2);
  });

  it('whose owner was never written (killed between create and write): taken over after the 2 s grace', async () => {
    writeFileSync(lockPath, '');
    const waited = await timedAdd('unwritten');
    expect(waited).toBeGreaterThan(1_500);
    expect(waited).toBeLessThan(STALE_MS);
  });

  it('from another host, whose liveness cannot be checked: waited for until it is stale, then taken over', async () => {
    writeFileSync(lockPath, owner({ pid: 12345, host: 'some-other-host' }));
    // 6 s old: the next command must wait the remaining 4 s, not the full timeout, and not zero.
    // Timed from the back-dating, so Node's start-up cannot pass for waiting.
    const agedAt = Date.now();
    age(lockPath, STALE_MS - 4_000);
    await timedAdd('other-host');
    expect(Date.now() - agedAt).toBeGreaterThanOrEqual(3_900);
    expect(Date.now() - agedAt).toBeLessThan(STALE_MS);
  });

  it('with a takeover guard left by a breaker that was killed too: both are cleared', async () => {
    writeFileSync(lockPath, owner({ pid: 2 ** 22 + 7, host: hostname() }));
    writeFileSync(`${lockPath}.break`, '999999');
    age(`${lockPath}.break`, STALE_MS + 1_000);
    expect(await timedAdd('after-breaker')).toBeLessThan(STALE_MS / 2);
    expect(existsSync(`${lockPath}.break`)).toBe(false);
    expect(existsSync(lockPath)).toBe(false);
  });

  it('whose takeover guard is held by a live breaker: waited for without spinning, then taken over', async () => {
    writeFileSync(lockPath, owner({ pid: 2 ** 22 + 7, host: hostname() }));
    writeFileSync(`${lockPath}.break`, String(process.pid));
    const writer = execa('node', [WG_BIN, 'add', 'After guard', '--id', 'after-guard'], {
      cwd: project.dir,
      env: cleanEnv(),
      reject: false,
    });
    await waitFor(() => cpuMs(writer.pid!) > 0, 'the writer to start');
    // A measuring window, not synchronisation: a waiter that loops without sleeping burns a whole core.
    const before = cpuMs(writer.pid!);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    // At most the rest of its start-up (~300 ms of CPU here), against ~2 s for a spinning waiter.
    expect(cpuMs(writer.pid!) - before).toBeLessThan(800);
    unlinkSync(`${lockPath}.break`);
    const result = await writer;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(project.graphText()).toContain('"id":"after-guard"');
  });

  it('a fresh lock from another host is respected: the graph is not written while it is held', async () => {
    writeFileSync(lockPath, owner({ pid: 12345, host: 'some-other-host' }));
    await expectWaitedForLock('must-wait');
  });

  it('held by a live process in another pid namespace (as Codex runs agent commands) is respected until it is stale', async () => {
    // A holder that is pid 1 of a namespace of its own: its pid names another process out here.
    const script = `import { writeFileSync } from 'node:fs';
      import { currentProcess } from ${JSON.stringify(join(WG_BIN, '..', '..', 'dist', 'system', 'process.js'))};
      writeFileSync(${JSON.stringify(lockPath)}, JSON.stringify({ ...currentProcess(), nonce: 'namespaced', acquired_at: new Date().toISOString() }));
      process.stdin.resume();`;
    const holder = execa('unshare', ['--pid', '--fork', '--mount-proc', 'node', '--input-type=module', '-e', script], {
      reject: false,
      stdin: 'pipe',
    });
    cleanupHolder = () => holder.kill('SIGKILL');
    await waitFor(
      () => existsSync(lockPath) && readFileSync(lockPath, 'utf8').includes('namespaced'),
      'the namespaced holder to take the lock',
    );
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).pid).toBe(1);
    await expectWaitedForLock('must-wait-too');
  });
});
