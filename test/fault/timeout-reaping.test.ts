/**
 * 50 agents that time out, each with a grandchild that holds the output pipes open,
 * half of them ignoring SIGTERM: afterwards no process of theirs may be left. Checked
 * two ways: the pid each grandchild wrote, and a scan of /proc for any live process
 * whose environment carries this project's WG_DIR (every agent and everything it
 * started inherits it). run.test.ts covers one such agent.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, fakeProject, script } from '../support/fake.js';
import { count, parseLines, processesOf } from '../support/fault.js';
import type { Project } from '../support/wg.js';

let project: Project;
afterEach(() => project?.cleanup());

const AGENTS = count(50, 150);

describe('timed-out agents with grandchildren', () => {
  it(`${AGENTS} of them: every task fails as timed out and zero processes are left`, { timeout: 180_000 }, async () => {
    project = await fakeProject('retry_backoff = "50ms"\ngrace = "200ms"\nmax_steps = 1\nparallel = 25');
    const lines = Array.from({ length: AGENTS }, (_, i) => {
      const steps = [
        ...(i % 2 === 0 ? [{ ignoreSigterm: true }] : []),
        { grandchild: { pidFile: `gc-${i}.pid`, sleepMs: 600_000, holdOutput: i % 3 === 0 } },
        { print: 'working' },
        { sleep: 600_000 },
      ];
      return JSON.stringify({ kind: 'task', id: `hang-${i}`, title: `Hang ${i}`, status: 'open', timeout: '1s', max_retries: 1, prompt: script(steps) });
    });
    project.writeGraph(`${lines.join('\n')}\n`);
    const result = await project.wg(['run']);
    expect(result.exitCode).toBe(1);
    const tasks = parseLines(project.graphText());
    for (const task of tasks) expect(task, task.id).toMatchObject({ status: 'failed', failure_reason: 'timed out after 1s' });
    const grandchildren = tasks.map((_, i) => Number(readFileSync(join(project.dir, `gc-${i}.pid`), 'utf8')));
    expect(grandchildren.every((pid) => pid > 0)).toBe(true);
    expect(grandchildren.filter(alive)).toEqual([]);
    expect(processesOf(join(project.dir, '.workgraph'))).toEqual([]);
  });
});
