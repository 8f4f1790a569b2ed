import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { fakeProject, script, waitFor } from '../support/fake.js';
import { cleanEnv, WG_BIN, type Project } from '../support/wg.js';

let project: Project;
describe('wg run options', () => {
  it('refuses up front a backend whose program is not there: nothing claimed, failed or retried', async () => {
    project = await fakeProject();
    await project.ok(['add', 'Missing program', '--id', 'missing', '--max-retries', '5', '--backend', 'ghost']);
    const { appendFileSync } = await import('node:fs');
    appendFileSync(
      join(project.dir, '.workgraph', 'config.toml'),
      '\n[backends.ghost]\ntype = "command"\nargv = ["/nonexistent/agent-binary", "{prompt_file}"]\n',
    );
    const result = await project.wg(['run']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(
      /^error: wg run cannot launch task missing: backend ghost: its program \/nonexistent\/agent-binary .* was not found or is not executable; nothing was started\nhint: install it/,
    );
    const shown = await project.show('missing');
    expect(shown.status).toBe('open');
    expect(shown.retry_count ?? 0).toBe(0);
    expect(existsSync(join(project.dir, '.workgraph', 'runs', 'missing'))).toBe(false);
  });

  it('treats an unusable configuration as final: a working_dir that does not exist', async () => {
    project = await fakeProject();
    await project.ok([
      'add',
      'Nowhere',
      '--id',
      'nowhere',
      '--max-retries',
      '5',
      '--working-dir',
      'no/such/folder',
      '--exec',
      'pwd',
    ]);
    const result = await project.wg(['run']);
    expect(result.exitCode).toBe(1);
    expect((await project.show('nowhere')).failure_reason).toMatch(
      /^invalid configuration: working_dir no\/such\/folder does not exist/,
    );
    expect(readdirSync(join(project.dir, '.workgraph', 'runs', 'nowhere'))).toEqual(['1']);
  });

  it('refuses to start when a task would run outside the project, leaving the graph as it was', async () => {
    project = await fakeProject();
    // `wg add` refuses such a path; a graph written by hand or by another tool can still hold one.
    const graph = '{"kind":"task","id":"escape","title":"Escape","status":"open","working_dir":"..","exec":"pwd"}\n';
    project.writeGraph(graph);
    for (const args of [['run'], ['run', '--dry-run']]) {
      const result = await project.wg(args);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/^error: task escape: working_dir \.\. is outside the project/);
    }
    expect(project.graphText()).toBe(graph);
  });

  it('--fail-fast stops the other running agents at the first final failure', async () => {
    project = await fakeProject();
    await project.ok(['add', 'Breaks', '--id', 'breaks', '--max-retries', '1', '--exec', 'exit 2']);
    await project.ok(['add', 'Slow', '--id', 'slow', '--prompt', script([{ print: 'started' }, { sleep: 600000 }])]);
    const result = await project.wg(['run', '--fail-fast', '--parallel', '2']);
    expect(result.exitCode).toBe(1);
    expect((await project.show('breaks')).status).toBe('failed');
    expect(await project.show('slow')).toMatchObject({ status: 'open', failure_reason: 'interrupted' });
  });

  it('masks secrets from the environment in output.log, events.jsonl and the task log', async () => {
    project = await fakeProject();
    await project.ok([
      'add',
      'Leaky',
      '--id',
      'leaky',
      '--exec',
      'echo "key is $SERVICE_API_KEY"; echo "token $WG_TOKEN"',
      '--env-pass',
      'SERVICE_API_KEY',
    ]);
    const secret = 'sk-test-0123456789abcdef';
    const result = await project.wg(['run'], { env: { SERVICE_API_KEY: secret } });
    expect(result.exitCode, result.stderr).toBe(0);
    const runDir = join(project.dir, '.workgraph', 'runs', 'leaky', '1');
    const written =
      ['output.log', 'events.jsonl', 'command.json']
        .map((file) => readFileSync(join(runDir, file), 'utf8'))
        .join('\n') +
      project.graphText() +
      result.stdout;
    expect(written).not.toContain(secret);
    expect(readFileSync(join(runDir, 'output.log'), 'utf8')).toBe('key is ***\ntoken ***\n');
  });

  it('wg run <task> --trajectory walks the path in one job, each step seeing the one before', async () => {
    project = await fakeProject();
    await project.ok([
      'add',
      'Draft',
      '--id',
      'draft',
      '--deliverable',
      'draft.md',
      '--prompt',
      script([{ write: { path: 'draft.md', content: 'DRAFT-BODY' } }, { wg: ['artifact', '$TASK', 'draft.md'] }]),
    ]);
    await project.ok([
      'add',
      'Edit',
      '--id',
      'edit',
      '--blocked-by',
      'draft',
      '--input',
      'draft.md',
      '--prompt',
      script([{ copyPrompt: 'edit-prompt.md' }]),
    ]);
    await project.ok(['add', 'Unrelated', '--id', 'unrelated', '--exec', 'true']);
    const result = await project.wg(['run', 'draft', '--trajectory', '--max-steps', '3']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect((await project.show('edit')).status).toBe('done');
    expect((await project.show('unrelated')).status).toBe('open');
    expect(readFileSync(join(project.dir, 'edit-prompt.md'), 'utf8')).toContain('DRAFT-BODY');
  });

  it('gives back the reserved steps when a task is abandoned during its retry backoff', async () => {
    // The backoff only has to outlast one `wg abandon` (a few hundred ms); the margin is for a loaded machine.
    project = await fakeProject('retry_backoff = "6s"\ngrace = "300ms"');
    await project.ok(['add', 'Draft', '--id', 'draft', '--deliverable', 'draft.md', '--prompt', script([{ exit: 1 }])]);
    await project.ok([
      'add',
      'Edit',
      '--id',
      'edit',
      '--blocked-by',
      'draft',
      '--input',
      'draft.md',
      '--prompt',
      script([]),
    ]);
    const run = project.wg(['run', 'draft', '--trajectory', '--max-steps', '2']);
    const status = (id: string) =>
      project
        .graphNow()
        .split('\n')
        .find((line) => line.includes(`"id":"${id}"`)) ?? '';
    await waitFor(() => status('draft').includes('"status":"failed"'), 'draft to fail its first attempt');
    expect(status('edit')).toContain('"trajectory":"draft"');
    await project.ok(['abandon', 'draft', '--reason', 'not needed after all']);
    const result = await run;
    expect(result.stdout + result.stderr).not.toContain('runner error');
    expect((await project.show('draft')).status).toBe('abandoned');
    // Released, edit is ready (an abandoned blocker lets its dependents proceed), so the run does it.
    expect((await project.show('edit')).status).toBe('done');
  });

  it('prints one plain line per event in a pipe, with no colour codes', async () => {
    project = await fakeProject();
    await project.ok(['add', 'Hello', '--id', 'hello', '--exec', 'echo hello-from-agent']);
    const result = await project.wg(['run'], { env: { NO_COLOR: undefined, FORCE_COLOR: undefined } });
    expect(result.stdout).toMatch(/^\d\d:\d\d:\d\d start hello \(local, attempt 1, shell\)$/m);
    expect(result.stdout).toMatch(/^\d\d:\d\d:\d\d {3}hello: hello-from-agent$/m);
    expect(result.stdout).not.toContain('\x1b[');
  });

  it('--json prints the events as NDJSON, ending with the summary', async () => {
    project = await fakeProject();
    await project.ok(['add', 'Hello', '--id', 'hello', '--exec', 'echo hi']);
    const result = await project.wg(['run', '--json']);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.map((event) => event.type)).toEqual(['notice', 'start', 'agent', 'end', 'summary']);
    expect(events[0].message).toBe('tasks run in place, without worktrees: not a git work tree');
    expect(events[3].outcome).toEqual({ kind: 'succeeded' });
    expect(events[4]).toMatchObject({ done: ['hello'], exitCode: 0 });
  });

  it('wg log --follow tails a running task until it finishes', async () => {
    project = await fakeProject();
    await project.ok([
      'add',
      'Talker',
      '--id',
      'talker',
      '--exec',
      'i=0; while [ ! -f go ]; do i=$((i+1)); [ $i -gt 400 ] && exit 9; sleep 0.05; done; wg log talker "after the go signal"',
    ]);
    const follower = execa('node', [WG_BIN, 'log', 'talker', '--follow'], {
      cwd: project.dir,
      env: cleanEnv(),
      reject: false,
    });
    const runner = execa('node', [WG_BIN, 'run'], { cwd: project.dir, env: cleanEnv(), reject: false });
    let seen = '';
    follower.stdout!.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    await waitFor(() => seen.includes('claimed by local'), 'the follower to show the claim');
    (await import('node:fs')).writeFileSync(join(project.dir, 'go'), '');
    expect((await runner).exitCode).toBe(0);
    const followed = await follower;
    expect(followed.exitCode).toBe(0);
    expect(followed.stdout).toMatch(/after the go signal/);
    expect(followed.stdout.trim().split('\n').at(-1)).toBe('talker is done');
    expect(existsSync(join(project.dir, 'go'))).toBe(true);
  });
});
