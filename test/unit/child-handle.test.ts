/**
 * The two ways to start a child (src/process/direct.ts, in this process; src/process/helper.ts,
 * from a helper process) behave alike under supervise: one contract, run against both, with
 * real processes. The helper forks its compiled main, so both come from the build in dist/.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ChildHandle, SpawnChild, SpawnSpec } from '../../src/process/child.js';
import { alive } from '../support/fake.js';

const dist = new URL('../../dist/process/', import.meta.url);
const fromDist = <T>(file: string) => import(new URL(file, dist).href) as Promise<T>;
const { spawnDirect } = await fromDist<typeof import('../../src/process/direct.js')>('direct.js');
const { spawnViaHelper } = await fromDist<typeof import('../../src/process/helper.js')>('helper.js');
const { supervise } = await fromDist<typeof import('../../src/process/supervise.js')>('supervise.js');
const { groupAlive } = await fromDist<typeof import('../../src/process/terminate.js')>('terminate.js');
const { markedProcesses } = await fromDist<typeof import('../../src/process/marked.js')>('marked.js');

/** A file that takes its time: every write waits a turn, so a fast child must be paused. */
class SlowSink extends Writable {
  bytes = 0;
  constructor() {
    super({ highWaterMark: 1024 });
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.bytes += chunk.length;
    setImmediate(done);
  }
}

function sh(script: string, stdin?: string): SpawnSpec {
  return { file: 'sh', args: ['-c', script], cwd: process.cwd(), env: { PATH: process.env.PATH }, stdin };
}

async function run(
  spawn: SpawnChild,
  spec: SpawnSpec,
  options: { timeoutMs?: number; signal?: AbortSignal; onLine?: (text: string) => void } = {},
) {
  const lines: string[] = [];
  const raw = new SlowSink();
  let pid: number | undefined;
  const end = await supervise({
    spec,
    spawn,
    graceMs: 2000,
    raw,
    onLine: (text, stream) => {
      lines.push(`${stream}: ${text}`);
      options.onLine?.(text);
    },
    onSpawn: (spawned) => (pid = spawned),
    timeoutMs: options.timeoutMs,
    signal: options.signal,
  });
  // As an attempt does: what was written is on disk once the file is closed.
  await new Promise((resolve) => raw.end(resolve));
  return { end, lines, bytes: raw.bytes, pid };
}

describe.each([
  ['direct', spawnDirect],
  ['helper', spawnViaHelper],
] as const)('a child started %s', (_name, spawn) => {
  it('passes its output on line by line, its input in, and its exit code out', async () => {
    const result = await run(spawn, sh('read line; echo "got $line"; echo oops >&2; exit 3', 'hello\n'));
    expect(result.end).toEqual({ kind: 'exited', exitCode: 3 });
    expect(result.lines.sort()).toEqual(['stderr: oops', 'stdout: got hello']);
  });

  it('says why it never started', async () => {
    const result = await run(spawn, { ...sh(''), file: '/nonexistent/agent' });
    expect(result.end).toMatchObject({ kind: 'spawn-error', message: expect.stringContaining('ENOENT') });
    expect(result.pid).toBeUndefined();
  });

  it('is paused while its reader is behind, and loses nothing', async () => {
    const result = await run(spawn, sh('head -c 2000000 /dev/zero | tr "\\0" x; echo; echo last'));
    expect(result.end).toEqual({ kind: 'exited', exitCode: 0 });
    expect(result.bytes).toBe(2_000_006);
    expect(result.lines.at(-1)).toBe('stdout: last');
  });

  it('is stopped at its timeout with everything it started', async () => {
    const result = await run(spawn, sh('sleep 30 & sleep 30'), { timeoutMs: 300 });
    expect(result.end).toEqual({ kind: 'timed-out', afterMs: 300 });
    expect(groupAlive(result.pid!)).toBe(false);
  });

  it('takes what it left running with it when it exits', async () => {
    const result = await run(spawn, sh('sleep 30 & echo started'));
    expect(result.end).toEqual({ kind: 'exited', exitCode: 0 });
    expect(result.lines).toEqual(['stdout: started']);
    expect(groupAlive(result.pid!)).toBe(false);
  });

  it('is stopped with a descendant that moved to a session of its own and ignores SIGTERM, found by its mark', async () => {
    // sh dies of the SIGTERM at once, so its group is empty and no parent link leads to the grandchild any more.
    const grandchild = `setsid sh -c 'trap "" TERM; echo $$; while :; do sleep 0.2; done' &`;
    const stop = new AbortController();
    let handle: ChildHandle | undefined;
    const tracked: SpawnChild = (spec) => (handle = spawn(spec));
    const result = await run(tracked, sh(`${grandchild} sleep 30`), {
      signal: stop.signal,
      onLine: () => stop.abort(),
    });
    expect(result.end).toEqual({ kind: 'interrupted' });
    const escaped = Number(result.lines[0]!.replace('stdout: ', ''));
    expect(escaped).toBeGreaterThan(0);
    expect(alive(escaped)).toBe(false);
    expect(markedProcesses(handle!.mark)).toEqual([]);
  });
});
