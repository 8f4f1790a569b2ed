/**
 * 50 agents that time out, each with a grandchild, a third of them holding the output
 * pipes open, half of them ignoring SIGTERM: afterwards no process of theirs may be left.
 * Checked two ways: the pid each grandchild wrote, and a scan of /proc for any live
 * process whose environment carries this project's WG_DIR (every agent and everything
 * it started inherits it). run.test.ts covers one such agent.
 *
 * The agents are `sh` commands (the shell backend), not the Node fake agent: `sh` starts
 * in a millisecond, while 25 Node processes starting at once on a loaded 2-core CI
 * machine can use up the whole 1 s timeout before they get to start their grandchild.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { alive, waitFor } from '../support/fake.js';
import { burnCpu, count, parseLines, processesOf } from '../support/fault.js';
import { cleanEnv, tempProject, WG_BIN, type Project } from '../support/wg.js';

let project: Project;
const AGENTS = count(50, 150);

/** An agent that starts a long-lived grandchild, writes its pid, then hangs. */
function hangingAgent(i: number): string {
  const ignoreSigterm = i % 2 === 0 ? "trap 'echo ignoring SIGTERM >&2' TERM; " : '';
  // A grandchild without redirections inherits the agent's stdout and stderr pipes.
  const holdOutput = i % 3 === 0 ? '' : ' >/dev/null 2>&1';
  return `${ignoreSigterm}sleep 600${holdOutput} & echo $! > gc-${i}.pid; echo working; sleep 600; sleep 600`;
}

describe('timed-out agents with grandchildren', () => {
  it(`${AGENTS} of them: every task fails as timed out and zero processes are left`, { timeout: 180_000 }, async () => {
    project = await tempProject();
    writeFileSync(
      join(project.dir, '.workgraph', 'config.toml'),
      '[defaults]\nbackend = "shell"\n\n[run]\nretry_backoff = "50ms"\ngrace = "200ms"\nmax_steps = 1\nparallel = 25\n',
    );
    const lines = Array.from({ length: AGENTS }, (_, i) =>
      JSON.stringify({
        kind: 'task',
        id: `hang-${i}`,
        title: `Hang ${i}`,
        status: 'open',
        timeout: '1s',
        max_retries: 1,
        exec: hangingAgent(i),
      }),
    );
    project.writeGraph(`${lines.join('\n')}\n`);
    const runner = execa('node', [WG_BIN, 'run'], { cwd: project.dir, env: cleanEnv(), reject: false });
    // The /proc scan below must be able to see the agents at all, or "none left" would prove nothing.
    await waitFor(() => processesOf(join(project.dir, '.workgraph')).length > 0, 'agents visible in /proc');
    expect((await runner).exitCode).toBe(1);
    const tasks = parseLines(project.graphText());
    expect(tasks).toHaveLength(AGENTS);
    for (const task of tasks)
      expect(task, task.id).toMatchObject({ status: 'failed', failure_reason: 'timed out after 1s' });
    const grandchildren = tasks.map((_, i) => Number(readFileSync(join(project.dir, `gc-${i}.pid`), 'utf8')));
    expect(grandchildren.every((pid) => pid > 0)).toBe(true);
    expect(grandchildren.filter(alive)).toEqual([]);
    expect(processesOf(join(project.dir, '.workgraph'))).toEqual([]);
  });

  it('an agent that dies on SIGTERM leaves no grandchild that moved to a session of its own and ignores SIGTERM, on a busy machine', async () => {
    // The agent is gone at once, so its group is empty and no walk of parent links reaches the grandchild any more:
    // only its mark (WG_PROC_...) finds it.
    project = await tempProject();
    writeFileSync(
      join(project.dir, '.workgraph', 'config.toml'),
      '[defaults]\nbackend = "shell"\nmax_retries = 0\n\n[run]\ngrace = "200ms"\n',
    );
    const grandchild = `setsid sh -c 'trap "" TERM; echo $$ > gc.pid; while :; do sleep 0.2; done' >/dev/null 2>&1 &`;
    const exec = `${grandchild} while [ ! -s gc.pid ]; do sleep 0.05; done; sleep 600`;
    project.writeGraph(
      `${JSON.stringify({ kind: 'task', id: 'escape', title: 'Escape', status: 'open', timeout: '2s', exec })}\n`,
    );
    const burner = burnCpu();
    try {
      expect((await project.wg(['run'])).exitCode).toBe(1);
    } finally {
      burner.stop();
    }
    expect(parseLines(project.graphText())[0]).toMatchObject({
      status: 'failed',
      failure_reason: 'timed out after 2s',
    });
    const pid = Number(readFileSync(join(project.dir, 'gc.pid'), 'utf8'));
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(false);
    expect(processesOf(join(project.dir, '.workgraph'))).toEqual([]);
  });

  it('after kill -9 of its runner, the next run stops the agent left behind and what it moved to a session of its own', async () => {
    project = await tempProject();
    writeFileSync(
      join(project.dir, '.workgraph', 'config.toml'),
      '[defaults]\nbackend = "shell"\nmax_retries = 1\n\n[run]\ngrace = "200ms"\n',
    );
    // The first attempt hangs with its grandchild; one after recovery (should it reopen the task) ends at once.
    const hang = `setsid sh -c 'trap "" TERM; echo $$ > gc.pid; while :; do sleep 0.2; done' >/dev/null 2>&1 & while [ ! -s gc.pid ]; do sleep 0.05; done; sleep 600`;
    const exec = `if [ "$WG_ATTEMPT" = 1 ]; then ${hang}; fi`;
    project.writeGraph(`${JSON.stringify({ kind: 'task', id: 'left', title: 'Left', status: 'open', exec })}\n`);
    const first = execa('node', [WG_BIN, 'run'], { cwd: project.dir, env: cleanEnv(), reject: false });
    // The claim names the agent and its mark once the runner has written them.
    await waitFor(
      () => existsSync(join(project.dir, 'gc.pid')) && /"agent_mark":"WG_PROC_/.test(project.graphNow()),
      'the grandchild started and the agent recorded',
    );
    first.kill('SIGKILL');
    await first;
    const grandchild = Number(readFileSync(join(project.dir, 'gc.pid'), 'utf8'));
    expect(alive(grandchild)).toBe(true);
    const second = await project.wg(['run']);
    expect(second.stdout).toMatch(/recovered left: runner died/);
    expect(alive(grandchild)).toBe(false);
    expect(processesOf(join(project.dir, '.workgraph'))).toEqual([]);
  });
});
