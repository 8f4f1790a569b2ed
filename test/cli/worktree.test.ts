/**
 * Isolation with real git in temporary repositories: each attempt in a worktree of its
 * own, results landed on the target branch in graph order, with default settings (a git
 * work tree with a commit isolates by default).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeProject, script, waitFor } from '../support/fake.js';
import { cleanEnv, WG_BIN, type Project } from '../support/wg.js';

let project: Project;
let scratch: string | undefined;
afterEach(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});

const read = (path: string) => readFileSync(join(project.dir, path), 'utf8');

async function git(...args: string[]): Promise<string> {
  const result = await execa('git', args, { cwd: project.dir });
  return String(result.stdout);
}

/** A project that is also a git repository with one commit on `main`. */
async function gitProject(): Promise<Project> {
  project = await fakeProject();
  await git('init', '--quiet', '--initial-branch', 'main');
  await git('config', 'user.email', 'tester@example.com');
  await git('config', 'user.name', 'Tester');
  writeFileSync(join(project.dir, 'README.md'), '# demo\n');
  await git('add', 'README.md');
  await git('commit', '--quiet', '-m', 'initial');
  return project;
}

/** A shell command that waits until every named task has started, so they truly run side by side. */
function rendezvous(dir: string, me: string, others: string[]): string {
  const wait = others
    .map((other) => `i=0; while [ ! -f ${dir}/${other} ]; do i=$((i+1)); [ $i -gt 400 ] && exit 9; sleep 0.05; done`)
    .join('; ');
  return `touch ${dir}/${me}; ${wait}`;
}

describe('wg run in a git repository (worktree isolation, the default)', () => {
  it('lands parallel tasks on the target in graph order; a task after four parallel ones sees all four', async () => {
    await gitProject();
    scratch = mkdtempSync(join(tmpdir(), 'wg-meet-'));
    const four = ['p1', 'p2', 'p3', 'p4'];
    for (const id of four) {
      await project.ok([
        'add',
        id,
        '--id',
        id,
        '--exec',
        `${rendezvous(
          scratch,
          id,
          four.filter((other) => other !== id),
        )}; echo ${id} > ${id}.txt`,
        '--deliverable',
        `${id}.txt`,
      ]);
    }
    await project.ok([
      'add',
      'Join',
      '--id',
      'join',
      '--blocked-by',
      four.join(','),
      '--exec',
      'cat p1.txt p2.txt p3.txt p4.txt > all.txt',
      '--deliverable',
      'all.txt',
    ]);
    const result = await project.wg(['run']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    // Every result is on main, one commit per task with its trailer, the join last.
    const log = await git('log', '--format=%s|%(trailers:key=Workgraph-Task,valueonly,separator=)', 'main');
    const subjects = log
      .trim()
      .split('\n')
      .map((line) => line.trim());
    expect(subjects[0]).toBe('Join|join');
    expect(subjects.slice(1, 5).sort()).toEqual(['p1|p1', 'p2|p2', 'p3|p3', 'p4|p4']);
    expect(subjects.at(-1)).toBe('initial|');
    // The user's clean checkout was brought along; the join saw all four results.
    expect(read('all.txt')).toBe('p1\np2\np3\np4\n');
    expect((await project.show('join')).artifacts).toEqual(['all.txt']);
    // Nothing is left behind: no worktree, no wg branch, nothing dirty.
    expect((await git('worktree', 'list')).trim().split('\n')).toHaveLength(1);
    expect(await git('branch', '--list', 'wg/*')).toBe('');
    expect(await git('status', '--porcelain', '--untracked-files=no')).toBe('');
    // The prompt and the command record say where each attempt worked.
    const command = JSON.parse(read('.workgraph/runs/p1/1/command.json')) as {
      cwd: string;
      worktree: { branch: string; target: string };
    };
    expect(command.worktree).toMatchObject({ branch: 'wg/p1/1', target: 'main' });
    expect(command.cwd).toBe(join(project.dir, '.workgraph', 'worktrees', 'p1', '1'));
  });

  it('two tasks writing the same file: one lands, the other fails naming the file and is kept for inspection', async () => {
    await gitProject();
    scratch = mkdtempSync(join(tmpdir(), 'wg-meet-'));
    await project.ok([
      'add',
      'Left',
      '--id',
      'left',
      '--exec',
      `${rendezvous(scratch, 'left', ['right'])}; echo left > same.txt`,
      '--max-retries',
      '1',
    ]);
    await project.ok([
      'add',
      'Right',
      '--id',
      'right',
      '--exec',
      `${rendezvous(scratch, 'right', ['left'])}; echo right > same.txt`,
      '--max-retries',
      '1',
    ]);
    const result = await project.wg(['run']);
    expect(result.exitCode).toBe(1);
    const [left, right] = [await project.show('left'), await project.show('right')];
    const loser = left.status === 'failed' ? left : right;
    const winner = loser === left ? 'right' : 'left';
    expect([left.status, right.status].sort()).toEqual(['done', 'failed']);
    expect(loser.failure_reason).toMatch(/^merge conflict in same\.txt: with main at [0-9a-f]{12}$/);
    // The target holds the winner's file and never a conflict marker.
    expect(read('same.txt')).toBe(`${winner}\n`);
    expect(await git('show', 'main:same.txt')).toBe(winner);
    // The loser's attempt is kept for inspection, and listed as failed.
    const loserId = loser === left ? 'left' : 'right';
    const trees = await project.json<Array<{ task: string; state: string; failed: string }>>(['worktree', 'list']);
    expect(trees).toEqual([
      expect.objectContaining({
        task: loserId,
        state: 'failed',
        failed: expect.stringMatching(/^merge conflict in same\.txt/),
      }),
    ]);
    expect(await project.ok(['worktree', 'prune'])).toMatch(/^Removed 1 worktree/);
    expect((await git('worktree', 'list')).trim().split('\n')).toHaveLength(1);
  });

  it("a merge conflict's retry starts from the new head, is told what conflicted, and lands", async () => {
    await gitProject();
    await project.ok(['add', 'First', '--id', 'first', '--exec', 'echo first > same.txt']);
    // The agent writes same.txt in its own tree and finishes only once `first` has landed (and so reached the checkout).
    const steps = [{ write: { path: 'same.txt', content: 'second\n' } }, { waitFor: join(project.dir, 'same.txt') }];
    await project.ok(['add', 'Second', '--id', 'second', '--max-retries', '2', '--prompt', script(steps)]);
    const result = await project.wg(['run', '--parallel', '2']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const second = await project.show('second');
    expect(second).toMatchObject({ status: 'done', attempts: 2 });
    expect(second.log.map((entry) => entry.message).join('\n')).toMatch(
      /failed: merge conflict in same\.txt: with main at/,
    );
    expect(read('.workgraph/runs/second/2/prompt.md')).toContain(
      '**This is a retry.** The previous attempt failed: merge conflict in same.txt',
    );
    // The retry started from main with `first` landed, and landed on top of it.
    const command = JSON.parse(read('.workgraph/runs/second/2/command.json')) as { worktree: { base: string } };
    expect(command.worktree.base).toBe((await git('rev-parse', 'main~1')).trim());
    expect(read('same.txt')).toBe('second\n');
    expect(await git('log', '--format=%s', 'main')).toBe('Second\nFirst\ninitial');
  });

  it('a retry starts from a clean tree: nothing its failed attempt wrote is there or lands', async () => {
    await gitProject();
    const exec =
      'if [ -f junk.txt ]; then echo saw-junk; exit 7; fi; if [ "$WG_ATTEMPT" = 1 ]; then echo junk > junk.txt; exit 1; fi; echo ok > out.txt';
    await project.ok([
      'add',
      'Flaky',
      '--id',
      'flaky',
      '--exec',
      exec,
      '--deliverable',
      'out.txt',
      '--max-retries',
      '2',
    ]);
    const result = await project.wg(['run']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(await project.show('flaky')).toMatchObject({ status: 'done', attempts: 2 });
    expect(read('out.txt')).toBe('ok\n');
    expect(existsSync(join(project.dir, 'junk.txt'))).toBe(false);
    expect(await git('ls-tree', '--name-only', 'main')).not.toContain('junk.txt');
    // The landed task's failed first attempt is cleaned up with it.
    expect((await git('worktree', 'list')).trim().split('\n')).toHaveLength(1);
  });

  it('refuses to start over uncommitted changes to tracked files, naming them, and touches nothing', async () => {
    await gitProject();
    writeFileSync(join(project.dir, 'README.md'), '# my unsaved edit\n');
    await project.ok(['add', 'Touch', '--id', 'touch', '--exec', 'echo landed > README.md']);
    const before = project.graphText();
    const result = await project.wg(['run']);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(
      /^error: your checkout of main has uncommitted changes to tracked files \(README\.md\)/,
    );
    expect(result.stderr).toContain('--isolation none');
    expect(read('README.md')).toBe('# my unsaved edit\n');
    expect(project.graphText()).toBe(before);
    // Landing on another branch leaves the checkout alone, so that is allowed.
    await git('branch', 'results');
    const elsewhere = await project.wg(['run', '--target', 'results']);
    expect(elsewhere.exitCode, elsewhere.stdout + elsewhere.stderr).toBe(0);
    expect(read('README.md')).toBe('# my unsaved edit\n');
    expect(await git('show', 'results:README.md')).toBe('landed');
  });

  it('after kill -9 of the runner, a new run prunes the dead worktrees and finishes', async () => {
    await gitProject();
    scratch = mkdtempSync(join(tmpdir(), 'wg-started-'));
    await project.ok([
      'add',
      'Slow',
      '--id',
      'slow',
      '--exec',
      `if [ "$WG_ATTEMPT" = 1 ]; then touch ${scratch}/started; sleep 60; fi; echo slow > slow.txt`,
      '--max-retries',
      '3',
    ]);
    const first = execa('node', [WG_BIN, 'run'], { cwd: project.dir, env: cleanEnv(), reject: false });
    await waitFor(() => existsSync(join(scratch!, 'started')), 'the first attempt to start');
    first.kill('SIGKILL');
    await first;
    expect(await git('worktree', 'list')).toContain('.workgraph/worktrees/slow/1');
    const second = await project.wg(['run']);
    expect(second.exitCode, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toMatch(/recovered slow: runner died/);
    expect(read('slow.txt')).toBe('slow\n');
    expect((await git('worktree', 'list')).trim().split('\n')).toHaveLength(1);
    expect(await git('branch', '--list', 'wg/*')).toBe('');
  });

  it("links the checkout's node_modules into each worktree and runs worktree_setup there; neither lands", async () => {
    await gitProject();
    writeFileSync(join(project.dir, '.gitignore'), 'node_modules/\n.setup-done\n');
    await git('add', '.gitignore');
    await git('commit', '--quiet', '-m', 'ignore dependencies');
    (await import('node:fs')).mkdirSync(join(project.dir, 'node_modules', 'dep'), { recursive: true });
    writeFileSync(join(project.dir, 'node_modules', 'dep', 'index.js'), 'module.exports = 42;\n');
    const config = join(project.dir, '.workgraph', 'config.toml');
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace('[run]\n', '[run]\nworktree_setup = "echo ready > .setup-done"\n'),
    );
    await project.ok([
      'add',
      'Use dep',
      '--id',
      'use-dep',
      '--exec',
      'test -f .setup-done && node -e "process.stdout.write(String(require(\'dep\')))" > answer.txt',
      '--deliverable',
      'answer.txt',
    ]);
    const result = await project.wg(['run']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(read('answer.txt')).toBe('42');
    expect((await git('ls-tree', '-r', '--name-only', 'main')).split('\n').sort()).toEqual([
      '.gitignore',
      'README.md',
      'answer.txt',
    ]);
  });

  it("--dry-run shows each attempt's worktree, branch and base", async () => {
    await gitProject();
    await project.ok(['add', 'Plan', '--id', 'plan', '--prompt', script([{ print: 'x' }])]);
    const head = (await git('rev-parse', 'HEAD')).trim();
    const text = await project.ok(['run', '--dry-run']);
    expect(text).toContain(
      `worktree: ${join(project.dir, '.workgraph', 'worktrees', 'plan', '1')} (branch wg/plan/1 from main at ${head.slice(0, 12)})`,
    );
    expect(text).toContain('This attempt has a git worktree of its own');
    expect(await git('worktree', 'list')).not.toContain('wg/plan');
  });
});

describe('wg run outside a git repository', () => {
  it('runs in place as before, and says so once', async () => {
    project = await fakeProject();
    await project.ok(['add', 'Here', '--id', 'here', '--exec', 'echo here > here.txt', '--deliverable', 'here.txt']);
    const result = await project.wg(['run']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(read('here.txt')).toBe('here\n');
    expect(result.stdout.match(/tasks run in place, without worktrees: not a git work tree/g)).toHaveLength(1);
    expect(existsSync(join(project.dir, '.workgraph', 'worktrees'))).toBe(false);
  });
});
