/**
 * `wg run --dry-run` is the run: the same start order (on random graphs, against what a
 * real run did), the same worktree paths and prompts, and every prompt shown even where
 * the launch would fail, with a non-zero exit after everything is printed.
 */
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { fakeProject, script } from '../support/fake.js';
import { tempProject, type Project } from '../support/wg.js';

let project: Project;
interface Plan {
  steps: Array<{
    task: string;
    wave: number;
    cwd?: string;
    prompt?: string;
    error?: string;
    errors?: string[];
    backend?: string;
    args?: string[];
    addedEnv: Record<string, string>;
    worktree?: { path: string };
  }>;
  unassignable: unknown[];
  neverReady: string[];
  wouldFail: boolean;
}

async function dryRun(args: string[] = []): Promise<{ exitCode: number; plan: Plan }> {
  const result = await project.wg(['run', '--dry-run', '--json', ...args]);
  return { exitCode: result.exitCode, plan: JSON.parse(result.stdout) as Plan };
}

/** A small seeded generator (mulberry32), so a failing graph can be rebuilt from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A random DAG of `--exec` tasks, written in a shuffled order: each appends its id to
 * started.txt. Estimates vary (the critical path matters); shared tags and deliverables
 * consumed downstream make trajectories (wg init's default max_steps is 3).
 */
function randomGraph(seed: number): string {
  const next = random(seed);
  const count = 6 + Math.floor(next() * 6);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `t${i}`;
    const blockers = Array.from({ length: i }, (_, j) => `t${j}`).filter(() => next() < 0.3);
    const consumed = blockers.filter(() => next() < 0.5).map((blocker) => `${blocker}.out`);
    const task = {
      kind: 'task',
      id,
      title: `Task ${i}`,
      status: 'open',
      exec: `echo ${id} >> started.txt; touch ${id}.out`,
      ...(blockers.length > 0 ? { blocked_by: blockers } : {}),
      ...(consumed.length > 0 ? { inputs: consumed } : {}),
      deliverables: [`${id}.out`],
      estimate: { hours: [0.5, 1, 2, 3][Math.floor(next() * 4)] },
      ...(next() < 0.4 ? { tags: [['api', 'ui'][Math.floor(next() * 2)]] } : {}),
    };
    lines.splice(Math.floor(next() * (lines.length + 1)), 0, JSON.stringify(task));
  }
  return lines.join('\n') + '\n';
}

describe('wg run --dry-run starts tasks in the order wg run does', () => {
  // One slot makes the run's order exact (with more, it depends on which agent finishes first).
  it.each([
    [1, 'critical-path'],
    [2, 'critical-path'],
    [3, 'critical-path'],
    [4, 'listed'],
  ] as const)(
    "on a random DAG (seed %i), with wg init's defaults and one slot, --order %s",
    async (seed, order) => {
      project = await tempProject();
      project.writeGraph(randomGraph(seed));
      const { exitCode, plan } = await dryRun(['--parallel', '1', '--order', order]);
      expect(exitCode).toBe(0);
      expect(plan.neverReady).toEqual([]);
      const result = await project.wg(['run', '--parallel', '1', '--order', order]);
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      const started = readFileSync(join(project.dir, 'started.txt'), 'utf8').trim().split('\n');
      expect(started).toHaveLength(plan.steps.length);
      expect(plan.steps.map((step) => step.task)).toEqual(started);
    },
    120_000,
  );

  it("takes --parallel and [backends.NAME] max_parallel into account: waves of the run's picks", async () => {
    project = await tempProject();
    for (const id of ['a', 'b', 'c']) await project.ok(['add', id, '--id', id, '--exec', 'true']);
    await project.ok(['add', 'd', '--id', 'd', '--exec', 'true', '--blocked-by', 'a,b,c']);
    const waves = async (args: string[]) => (await dryRun(args)).plan.steps.map((step) => `${step.wave}:${step.task}`);
    expect(await waves(['--parallel', '3'])).toEqual(['1:a', '1:b', '1:c', '2:d']);
    expect(await waves(['--parallel', '2'])).toEqual(['1:a', '1:b', '2:c', '3:d']);
    const config = join(project.dir, '.workgraph', 'config.toml');
    writeFileSync(config, `${readFileSync(config, 'utf8')}\n[backends.shell]\nmax_parallel = 1\n`);
    expect(await waves(['--parallel', '3'])).toEqual(['1:a', '2:b', '3:c', '4:d']);
  });

  it('stops where the budget would stop the run', async () => {
    project = await tempProject();
    await project.ok(['add', 'a', '--id', 'a', '--exec', 'true', '--cost', '2']);
    await project.ok(['add', 'b', '--id', 'b', '--exec', 'true', '--cost', '2', '--blocked-by', 'a']);
    const result = await project.wg(['run', '--dry-run', '--budget-usd', '3']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('── wave 1: a');
    expect(result.stdout).not.toContain('wave 2: b');
    expect(result.stdout).toContain('the budget would keep these from starting: b');
  });
});

describe('wg run --dry-run where a launch would fail', () => {
  it("with wg init's defaults and no backend: prints every prompt and why, in run order, then exits 1", async () => {
    project = await tempProject();
    const config = join(project.dir, '.workgraph', 'config.toml');
    // Whatever this machine has installed, no backend is configured.
    writeFileSync(config, readFileSync(config, 'utf8').replace(/^backend = .*$/m, ''));
    await project.ok(['add', 'Write docs', '--id', 'docs', '-d', 'DOCS-BODY-41']);
    await project.ok(['add', 'Build', '--id', 'build', '--exec', 'echo built']);
    await project.ok(['add', 'Ship', '--id', 'ship', '--blocked-by', 'docs,build', '-d', 'SHIP-BODY-42']);
    const before = project.graphText();
    const text = await project.wg(['run', '--dry-run']);
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toContain('would fail: task docs names no backend and config.toml has no [defaults] backend');
    expect(text.stdout).toContain('would fail: task ship names no backend');
    expect(text.stdout).toContain('DOCS-BODY-41');
    expect(text.stdout).toContain('SHIP-BODY-42');
    // Ship's prompt is built as the run would build it: its upstream done by then.
    expect(text.stdout).toMatch(/### `docs`: Write docs \(done\)/);
    expect(text.stdout).toContain('"sh" "-c" "echo built"');
    expect(text.stdout.indexOf('wave 2: ship')).toBeGreaterThan(text.stdout.indexOf('wave 1: build'));
    expect(text.stdout.trimEnd().split('\n').at(-1)).toBe('2 launches would fail: wg run would not finish as planned');
    const { exitCode, plan } = await dryRun();
    expect(exitCode).toBe(1);
    expect(plan.wouldFail).toBe(true);
    expect(plan.steps.map((step) => [step.task, step.error !== undefined, step.prompt !== undefined])).toEqual([
      ['docs', true, true],
      ['build', false, false],
      ['ship', true, true],
    ]);
    expect(project.graphText()).toBe(before);
  });

  it('shows the prompt of a task whose backend cannot start, with why', async () => {
    project = await tempProject();
    await project.ok(['add', 'Agent work', '--id', 'agent-work', '--backend', 'nosuch', '-d', 'AGENT-BODY-43']);
    const result = await project.wg(['run', '--dry-run']);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('would fail: unknown backend "nosuch"');
    expect(result.stdout).toContain('AGENT-BODY-43');
  });
});

describe('wg run --dry-run in a git repository', () => {
  it('shows the worktree paths, cwd and prompt the agent really gets', async () => {
    project = await fakeProject();
    const git = (...args: string[]) => execa('git', args, { cwd: project.dir });
    await git('init', '--quiet', '--initial-branch', 'main');
    await git('config', 'user.email', 'tester@example.com');
    await git('config', 'user.name', 'Tester');
    mkdirSync(join(project.dir, 'lib'));
    writeFileSync(join(project.dir, 'lib', 'notes.md'), 'NOTES-44\n');
    await git('add', 'lib');
    await git('commit', '--quiet', '-m', 'initial');
    await project.ok([
      'add',
      'Plan',
      '--id',
      'plan',
      '--working-dir',
      'lib',
      '--context-file',
      'lib/notes.md',
      '--prompt',
      script([{ print: 'x' }], 'PLAN-45'),
    ]);
    const { exitCode, plan } = await dryRun();
    expect(exitCode).toBe(0);
    const step = plan.steps[0]!;
    const tree = join(project.dir, '.workgraph', 'worktrees', 'plan', '1');
    expect(step.worktree?.path).toBe(tree);
    expect(step.cwd).toBe(join(tree, 'lib'));
    expect(step.addedEnv.WG_ROOT).toBe(tree);
    expect(step.prompt).toContain(`Working directory: \`${join(tree, 'lib')}\``);
    expect(step.prompt).toContain('NOTES-44');

    const result = await project.wg(['run']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const runDir = join(project.dir, '.workgraph', 'runs', 'plan', '1');
    const command = JSON.parse(readFileSync(join(runDir, 'command.json'), 'utf8'));
    expect(command.cwd).toBe(step.cwd);
    expect(command.env.WG_ROOT).toBe(step.addedEnv.WG_ROOT);
    expect(readFileSync(join(runDir, 'prompt.md'), 'utf8')).toBe(step.prompt);
  });
});
