import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { alive, fakeProject, script, waitFor } from '../support/fake.js';
import { cleanEnv, WG_BIN, type Project } from '../support/wg.js';

let project: Project;
const read = (path: string) => readFileSync(join(project.dir, path), 'utf8');

describe('wg run', () => {
  it('runs a diamond in dependency order, with the middle tasks in parallel', async () => {
    project = await fakeProject();
    // b and c each wait for the other to have started: only a parallel run can finish them.
    const meet = (me: string, other: string) =>
      `touch ${me}.started; i=0; while [ ! -f ${other}.started ]; do i=$((i+1)); [ $i -gt 400 ] && exit 9; sleep 0.05; done; echo ${me} > ${me}.txt`;
    await project.ok(['add', 'A', '--id', 'a', '--exec', 'echo a > a.txt']);
    await project.ok(['add', 'B', '--id', 'b', '--blocked-by', 'a', '--exec', `test -f a.txt && ${meet('b', 'c')}`]);
    await project.ok(['add', 'C', '--id', 'c', '--blocked-by', 'a', '--exec', `test -f a.txt && ${meet('c', 'b')}`]);
    await project.ok([
      'add',
      'D',
      '--id',
      'd',
      '--blocked-by',
      'b,c',
      '--exec',
      'test -f b.txt && test -f c.txt && echo d > d.txt',
    ]);
    const result = await project.wg(['run', '--parallel', '4']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    for (const id of ['a', 'b', 'c', 'd']) expect((await project.show(id)).status).toBe('done');
    expect(read('d.txt')).toBe('d\n');
    expect(result.stdout).toMatch(/4 done, 0 failed/);
  });

  it("puts an upstream artifact's content into the downstream prompt", async () => {
    project = await fakeProject();
    await project.ok([
      'add',
      'Research',
      '--id',
      'research',
      '--prompt',
      script([
        { write: { path: 'notes.md', content: 'FINDING-7f3a: the cache is cold' } },
        { wg: ['artifact', '$TASK', 'notes.md'] },
      ]),
    ]);
    await project.ok([
      'add',
      'Write up',
      '--id',
      'write-up',
      '--blocked-by',
      'research',
      '--prompt',
      script([{ copyPrompt: 'received.md' }, { expectPrompt: 'FINDING-7f3a: the cache is cold' }]),
    ]);
    const result = await project.wg(['run']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect((await project.show('research')).artifacts).toEqual(['notes.md']);
    expect((await project.show('write-up')).status).toBe('done');
    expect(read('received.md')).toContain('FINDING-7f3a: the cache is cold');
    const runDir = join(project.dir, '.workgraph', 'runs', 'write-up', '1');
    expect(readFileSync(join(runDir, 'prompt.md'), 'utf8')).toContain('FINDING-7f3a');
    const command = JSON.parse(readFileSync(join(runDir, 'command.json'), 'utf8'));
    expect(command.env.WG_TOKEN).toBe('***');
    expect(command.args.at(-1)).toBe(join(runDir, 'prompt.md'));
  });

  it('--dry-run shows prompts and argv in run order and leaves the graph byte for byte unchanged', async () => {
    project = await fakeProject();
    await project.ok(['add', 'First', '--id', 'first', '--prompt', script([{ print: 'x' }], 'PROMPT-OF-FIRST')]);
    await project.ok(['add', 'Second', '--id', 'second', '--blocked-by', 'first', '--exec', 'echo second']);
    const before = project.graphText();
    const result = await project.wg(['run', '--dry-run']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout.indexOf('wave 1: first')).toBeLessThan(result.stdout.indexOf('wave 2: second'));
    expect(result.stdout).toContain('PROMPT-OF-FIRST');
    expect(result.stdout).toContain('"sh" "-c" "echo second"');
    const plan = await project.json<{ steps: Array<{ task: string; args: string[]; env: Record<string, string> }> }>([
      'run',
      '--dry-run',
    ]);
    expect(plan.steps.map((step) => step.task)).toEqual(['first', 'second']);
    expect(plan.steps[0]!.env.WG_TOKEN).toBe('***');
    expect(project.graphText()).toBe(before);
    expect(existsSync(join(project.dir, '.workgraph', 'runs'))).toBe(false);
  });

  it('kills the whole process tree on timeout: no grandchild survives', async () => {
    project = await fakeProject();
    // 3 s, not 1: a Node agent starting on a loaded CI machine must get to start its grandchild in time.
    await project.ok([
      'add',
      'Hang',
      '--id',
      'hang',
      '--timeout',
      '3s',
      '--max-retries',
      '1',
      '--prompt',
      script([
        { ignoreSigterm: true },
        { grandchild: { pidFile: 'gc.pid', sleepMs: 600000, holdOutput: true } },
        { print: 'working' },
        { sleep: 600000 },
      ]),
    ]);
    const result = await project.wg(['run']);
    expect(result.exitCode).toBe(1);
    const shown = await project.show('hang');
    expect(shown).toMatchObject({ status: 'failed', failure_reason: 'timed out after 3s' });
    const grandchild = Number(read('gc.pid'));
    expect(grandchild).toBeGreaterThan(0);
    expect(alive(grandchild)).toBe(false);
  });

  it('kills an agent that stays silent past the stall timeout', async () => {
    project = await fakeProject();
    await project.ok([
      'add',
      'Quiet',
      '--id',
      'quiet',
      '--max-retries',
      '1',
      '--prompt',
      script([{ print: 'starting' }, { silent: 600000 }]),
    ]);
    const result = await project.wg(['run', '--stall-timeout', '700ms']);
    expect(result.exitCode).toBe(1);
    expect((await project.show('quiet')).failure_reason).toBe('stalled: no output for 700ms');
  });

  it('retries a flaky task and then succeeds', async () => {
    project = await fakeProject();
    await project.ok([
      'add',
      'Flaky',
      '--id',
      'flaky',
      '--max-retries',
      '3',
      '--prompt',
      script([{ failOnAttempts: [1], code: 3, message: 'flaky' }, { print: 'ok now' }]),
    ]);
    const result = await project.wg(['run']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const shown = await project.show('flaky');
    expect(shown).toMatchObject({ status: 'done', retry_count: 1, attempts: 2 });
    expect(shown.log.map((entry) => entry.message)).toContain('failed: exit code 3');
    expect(readdirSync(join(project.dir, '.workgraph', 'runs', 'flaky')).sort()).toEqual(['1', '2']);
  });

  it('a permanent failure blocks its dependents and the run exits 1', async () => {
    project = await fakeProject();
    await project.ok(['add', 'Broken', '--id', 'broken', '--max-retries', '1', '--exec', 'echo nope >&2; exit 4']);
    await project.ok(['add', 'After', '--id', 'after', '--blocked-by', 'broken', '--exec', 'true']);
    await project.ok(['add', 'Unrelated', '--id', 'unrelated', '--exec', 'true']);
    const result = await project.wg(['run']);
    expect(result.exitCode).toBe(1);
    expect(await project.show('broken')).toMatchObject({ status: 'failed', failure_reason: 'exit code 4' });
    expect((await project.show('after')).status).toBe('open');
    expect((await project.show('unrelated')).status).toBe('done');
    expect(result.stdout).toMatch(/blocked\s+after: waits for broken \(failed\)/);
  });

  it('verify decides: a passing agent whose check fails is not done', async () => {
    project = await fakeProject();
    await project.ok([
      'add',
      'Checked',
      '--id',
      'checked',
      '--max-retries',
      '1',
      '--exec',
      'echo 41 > answer.txt',
      '--verify',
      'grep -q 42 answer.txt',
    ]);
    const result = await project.wg(['run']);
    expect(result.exitCode).toBe(1);
    expect((await project.show('checked')).failure_reason).toMatch(/^verification failed \(exit code 1\)/);
  });

  it("refuses an old attempt's wg log/done while a newer attempt runs", async () => {
    project = await fakeProject();
    const exec =
      'echo "$WG_TOKEN" > token-$WG_ATTEMPT.txt; [ "$WG_ATTEMPT" = 2 ] || exit 1; i=0; while [ ! -f go ]; do i=$((i+1)); [ $i -gt 400 ] && exit 9; sleep 0.05; done';
    await project.ok(['add', 'Twice', '--id', 'twice', '--max-retries', '3', '--exec', exec]);
    const runner = execa('node', [WG_BIN, 'run'], { cwd: project.dir, env: cleanEnv(), reject: false });
    await waitFor(() => existsSync(join(project.dir, 'token-2.txt')), 'the second attempt');
    const oldToken = read('token-1.txt').trim();
    const stale = await project.wg(['done', 'twice'], { env: { WG_TASK_ID: 'twice', WG_TOKEN: oldToken } });
    expect(stale.exitCode).toBe(1);
    expect(stale.stderr).toMatch(/^error: stale attempt: task twice is now at attempt 2/);
    (await import('node:fs')).writeFileSync(join(project.dir, 'go'), '');
    expect((await runner).exitCode).toBe(0);
    const shown = await project.show('twice');
    expect(shown.status).toBe('done');
    expect(shown.log.filter((entry) => entry.message === 'done')).toHaveLength(1);
  });

  it('after kill -9 of the runner, a new wg run recovers and finishes every task exactly once', async () => {
    project = await fakeProject('retry_backoff = "50ms"\ngrace = "300ms"\nmax_steps = 1\nparallel = 2');
    const ids = ['t1', 't2', 't3', 't4', 't5', 't6'];
    for (const id of ids)
      await project.ok([
        'add',
        id,
        '--id',
        id,
        '--max-retries',
        '3',
        '--exec',
        `echo run >> runs-${id}.txt; sleep 0.4`,
      ]);
    const first = execa('node', [WG_BIN, 'run'], { cwd: project.dir, env: cleanEnv(), reject: false });
    await waitFor(
      () => /"status":"done"/.test(project.graphNow()) && /"status":"in-progress"/.test(project.graphNow()),
      'one task done and one running',
    );
    first.kill('SIGKILL');
    await first;
    const second = await project.wg(['run']);
    expect(second.exitCode, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toMatch(/recovered \S+: runner died/);
    for (const id of ids) {
      const shown = await project.show(id);
      expect(shown.status).toBe('done');
      expect(shown.log.filter((entry) => entry.message === 'done')).toHaveLength(1);
    }
  });

  it('Ctrl-C stops running agents, reopens their tasks as interrupted and exits 130', async () => {
    project = await fakeProject();
    await project.ok([
      'add',
      'Long',
      '--id',
      'long',
      '--prompt',
      script([{ grandchild: { pidFile: 'gc.pid', sleepMs: 600000 } }, { print: 'started' }, { sleep: 600000 }]),
    ]);
    const runner = execa('node', [WG_BIN, 'run'], { cwd: project.dir, env: cleanEnv(), reject: false });
    await waitFor(() => existsSync(join(project.dir, 'gc.pid')) && read('gc.pid').length > 0, 'the agent to start');
    runner.kill('SIGINT');
    const result = await runner;
    expect(result.exitCode).toBe(130);
    expect(await project.show('long')).toMatchObject({ status: 'open', failure_reason: 'interrupted' });
    expect(alive(Number(read('gc.pid')))).toBe(false);
  });
});
