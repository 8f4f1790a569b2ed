/** Which ready task wg run starts first, and per-backend concurrency caps, seen through `wg run --json` events. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeProject } from '../support/fake.js';
import type { Project } from '../support/wg.js';

let project: Project;
interface RunEvent {
  type: string;
  task?: string;
}

async function events(args: string[]): Promise<RunEvent[]> {
  const result = await project.wg(['run', '--json', ...args]);
  expect(result.exitCode, result.stdout + result.stderr).toBe(0);
  return result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as RunEvent);
}

const starts = (list: RunEvent[]) => list.filter((event) => event.type === 'start').map((event) => event.task);

/** Short tasks listed before a chain of longer ones: the chain's head has the most work below it. */
async function shortsBeforeAChain(): Promise<void> {
  for (const id of ['s1', 's2', 's3']) await project.ok(['add', id, '--id', id, '--exec', 'true', '--hours', '0.5']);
  await project.ok(['add', 'c1', '--id', 'c1', '--exec', 'true', '--hours', '1']);
  await project.ok(['add', 'c2', '--id', 'c2', '--exec', 'true', '--hours', '1', '--blocked-by', 'c1']);
}

describe('wg run start order', () => {
  it('starts the task with the longest remaining chain of work first', async () => {
    project = await fakeProject();
    await shortsBeforeAChain();
    expect(starts(await events(['--parallel', '1']))).toEqual(['c1', 'c2', 's1', 's2', 's3']);
  });

  it('--order listed starts them in the order they are listed', async () => {
    project = await fakeProject();
    await shortsBeforeAChain();
    expect(starts(await events(['--parallel', '1', '--order', 'listed']))).toEqual(['s1', 's2', 's3', 'c1', 'c2']);
  });

  it('[backends.NAME] max_parallel caps how many of its jobs run at once', async () => {
    project = await fakeProject();
    const config = join(project.dir, '.workgraph', 'config.toml');
    writeFileSync(
      config,
      '[defaults]\nmax_retries = 0\n\n[backends.shell]\nmax_parallel = 1\n\n[run]\nmax_steps = 1\n',
    );
    // Each task fails if another is running: with the cap, none ever sees another's marker.
    const exec = (id: string) =>
      `if ls running-* >/dev/null 2>&1; then exit 9; fi; touch running-${id}; sleep 0.2; rm running-${id}`;
    for (const id of ['a', 'b', 'c']) await project.ok(['add', id, '--id', id, '--exec', exec(id)]);
    const list = await events(['--parallel', '3']);
    const order = list
      .filter((event) => event.type === 'start' || event.type === 'end')
      .map((event) => `${event.type} ${event.task}`);
    expect(order).toEqual(order.flatMap((_, i) => (i % 2 === 0 ? [order[i]!, order[i]!.replace('start', 'end')] : [])));
  });
});
