import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeEach, describe, expect, it } from 'vitest';
import { cleanEnv, runWg, tempProject, WG_BIN, type Project, type ShownTask } from '../support/wg.js';

let project: Project;
beforeEach(async () => {
  project = await tempProject();
});
describe('claims under contention', () => {
  it('16 processes racing for one task: exactly one wins, the rest are told who has it', async () => {
    await project.ok(['add', 'Contested', '--id', 'contested']);
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) => project.wg(['claim', 'contested', '--actor', `agent-${i}`])),
    );
    const winners = results.filter((r) => r.exitCode === 0);
    expect(winners).toHaveLength(1);
    const winner = (await project.show('contested')).assigned;
    for (const loser of results.filter((r) => r.exitCode !== 0)) {
      expect(loser.exitCode).toBe(1);
      expect(loser.stderr).toMatch(new RegExp(`^error: already claimed by ${winner} \\(since \\d{4}-\\d\\d-\\d\\dT`));
    }
  });

  it('16 processes logging and claiming at once lose no update', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `t${i}`);
    for (const id of ids) await project.ok(['add', `Task ${id}`, '--id', id]);
    await project.ok(['add', 'Shared', '--id', 'shared']);
    // Each process appends three log lines to one shared task, and half of them also claim a task.
    const script = (i: number) =>
      [1, 2, 3].map((j) => `node ${WG_BIN} log shared "p${i}-m${j}"`).join(' && ') +
      (i < 8 ? ` && node ${WG_BIN} claim t${i} --actor p${i}` : '');
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        execa('sh', ['-c', script(i)], { cwd: project.dir, env: cleanEnv(), reject: false }),
      ),
    );
    expect(results.filter((r) => r.exitCode !== 0).map((r) => r.stderr)).toEqual([]);
    const messages = (await project.show('shared')).log.map((entry) => entry.message);
    expect(messages.sort()).toEqual(
      Array.from({ length: 16 }, (_, i) => [1, 2, 3].map((j) => `p${i}-m${j}`))
        .flat()
        .sort(),
    );
    for (const [i, id] of ids.entries())
      expect(await project.show(id)).toMatchObject({ status: 'in-progress', assigned: `p${i}` });
  });
});

describe('leases fence stale attempts', () => {
  async function claim(id: string, actor = 'bot'): Promise<string> {
    return (await project.json<{ token: string }>(['claim', id, '--actor', actor])).token;
  }
  const asAgent = (id: string, token: string) => ({ env: { WG_TASK_ID: id, WG_TOKEN: token } });

  it('an agent with the current token may log, report progress, register artifacts and finish', async () => {
    await project.ok(['add', 'Work', '--id', 'work']);
    const token = await claim('work');
    await project.ok(['log', 'work', 'started'], asAgent('work', token));
    await project.ok(['progress', 'work', '50', 'half way'], asAgent('work', token));
    await project.ok(['artifact', 'work', 'out.txt'], asAgent('work', token));
    await project.ok(['done', 'work'], asAgent('work', token));
    const shown = await project.show('work');
    expect(shown).toMatchObject({ status: 'done', artifacts: ['out.txt'], progress: 100 });
    expect(shown.log.map((entry) => entry.message)).toContain('progress 50%: half way');
  });

  it('refuses a wrong or missing token with "stale attempt", for every lease-checked command', async () => {
    await project.ok(['add', 'Work', '--id', 'work']);
    await claim('work');
    const before = project.graphText();
    for (const args of [
      ['done', 'work'],
      ['fail', 'work', '--reason', 'x'],
      ['unclaim', 'work'],
      ['log', 'work', 'hi'],
      ['progress', 'work', '10'],
      ['artifact', 'work', 'a.txt'],
    ]) {
      for (const env of [
        { WG_TASK_ID: 'work', WG_TOKEN: 'not-the-token' },
        { WG_TASK_ID: 'work' },
        { WG_TASK_ID: 'other-task', WG_TOKEN: 'x' },
      ]) {
        const result = await project.wg(args, { env });
        expect(result.exitCode, `${args.join(' ')} with ${JSON.stringify(env)}`).toBe(1);
        expect(result.stderr).toMatch(/^error: stale attempt: /);
      }
    }
    const wrongFlag = await project.wg(['done', 'work', '--token', 'nope']);
    expect(wrongFlag.stderr).toMatch(/^error: stale attempt/);
    expect(project.graphText()).toBe(before);
  });

  it("an old attempt's done is refused after the task was reclaimed; --force overrides and is logged", async () => {
    await project.ok(['add', 'Work', '--id', 'work']);
    const oldToken = await claim('work', 'first');
    await project.ok(['unclaim', 'work', '--reason', 'agent went quiet']);
    const stillOpen = await project.wg(['done', 'work'], asAgent('work', oldToken));
    expect(stillOpen.stderr).toMatch(/^error: stale attempt: task work has no active lease/);
    await claim('work', 'second');
    const stale = await project.wg(['done', 'work'], asAgent('work', oldToken));
    expect(stale.exitCode).toBe(1);
    expect(stale.stderr).toMatch(/^error: stale attempt: task work is now at attempt 2 held by second/);
    expect((await project.show('work')).status).toBe('in-progress');
    await project.ok(['done', 'work', '--force', '--actor', 'admin'], asAgent('work', oldToken));
    const shown = await project.show('work');
    expect(shown.status).toBe('done');
    expect(shown.log.some((entry) => entry.actor === 'admin' && /forced past the lease/.test(entry.message))).toBe(
      true,
    );
  });
});

describe('claim, fail and retry', () => {
  it('refuses to claim a blocked task with the reason, unless --force', async () => {
    await project.ok(['add', 'First', '--id', 'first']);
    await project.ok(['add', 'Second', '--id', 'second', '--blocked-by', 'first']);
    const refused = await project.wg(['claim', 'second']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/^error: cannot claim second: blocked by first \(open\)/);
    await project.ok(['claim', 'second', '--force']);
    expect((await project.show('second')).log[0]!.message).toMatch(/claimed with --force despite: blocked by first/);
  });

  it('fail counts toward max_retries and retry stops at the limit', async () => {
    const claim = async (id: string) => project.ok(['claim', id, '--actor', 'bot']);
    await project.ok(['add', 'Flaky', '--id', 'flaky', '--max-retries', '1']);
    await claim('flaky');
    await project.ok(['fail', 'flaky', '--reason', 'tests broke']);
    expect(await project.show('flaky')).toMatchObject({
      status: 'failed',
      retry_count: 1,
      failure_reason: 'tests broke',
    });
    const refused = await project.wg(['retry', 'flaky']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/has failed 1 times \(max_retries 1\)/);
    await project.ok(['edit', 'flaky', '--max-retries', '3']);
    await project.ok(['retry', 'flaky']);
    expect((await project.show('flaky')).status).toBe('open');
  });
});

describe('the graph lock', () => {
  it('is taken over at once when the process holding it was killed', async () => {
    const holder = execa('node', ['test/support/lock-holder.mjs', `${project.dir}/.workgraph`], {
      cwd: new URL('../..', import.meta.url).pathname,
      reject: false,
    });
    await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
    holder.kill('SIGKILL');
    await holder;
    const started = Date.now();
    const result = await runWg(['add', 'After the crash', '--id', 'after'], { cwd: project.dir });
    expect(result.exitCode).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(project.graphText()).toContain('"after"');
  });

  it('makes a writer wait for a live holder instead of overwriting its work', async () => {
    const holder = execa('node', ['test/support/lock-holder.mjs', `${project.dir}/.workgraph`], {
      cwd: new URL('../..', import.meta.url).pathname,
      stdin: 'pipe',
    });
    await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
    const writer = runWg(['add', 'Waiting writer', '--id', 'writer'], { cwd: project.dir });
    // While the lock is held the graph must not change; the writer finishes after release.
    const during = project.graphText();
    holder.stdin!.end();
    await holder;
    expect((await writer).exitCode).toBe(0);
    expect(during).not.toContain('"writer"');
    expect(project.graphText()).toContain('"writer"');
  });
});

describe('two runners on one graph.jsonl', () => {
  it('a runner whose remaining work another live runner holds waits for it, woken by the file changing, and runs what it unblocks', async () => {
    // slow holds its lease until the test releases it, once the second runner has said it waits
    // (no race with that runner's start-up on a loaded machine); bounded, so a failure leaves no process.
    const release = join(project.dir, 'release');
    const waitForRelease = `for i in $(seq 1200); do [ -e ${release} ] && exit 0; sleep 0.05; done; exit 1`;
    await project.ok(['add', 'Slow', '--id', 'slow', '--exec', waitForRelease]);
    await project.ok(['add', 'After', '--id', 'after', '--blocked-by', 'slow', '--exec', 'true']);
    const first = execa('node', [WG_BIN, 'run', 'slow', '--json'], {
      cwd: project.dir,
      env: cleanEnv(),
      reject: false,
    });
    let held: ShownTask & { claim?: { expires?: string } } = { status: 'open', log: [] };
    for (let looks = 0; held.status !== 'in-progress'; looks++) {
      if (looks > 200) throw new Error('the first runner never claimed slow');
      held = await project.json<ShownTask & { claim?: { expires?: string } }>(['show', 'slow']);
      if (held.status === 'done') throw new Error('slow finished before the second runner could start');
    }
    const running = execa('node', [WG_BIN, 'run', '--json'], { cwd: project.dir, env: cleanEnv(), reject: false });
    let seen = '';
    running.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('other runners hold: slow')) writeFileSync(release, '');
    });
    const second = await running;
    expect(second.exitCode, String(second.stderr)).toBe(0);
    expect((await first).exitCode).toBe(0);
    const events = String(second.stdout)
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { at: string; type: string; task?: string; message?: string });
    expect(events.filter((event) => event.type === 'notice').map((event) => event.message)).toContainEqual(
      expect.stringMatching(/^waiting for 1 task\(s\) other runners hold: slow/),
    );
    expect(events.filter((event) => event.type === 'start').map((event) => event.task)).toEqual(['after']);
    // Woken by slow's completion, not by its lease (60 s) running out.
    const afterStarted = events.find((event) => event.type === 'start' && event.task === 'after')!.at;
    expect(Date.parse(afterStarted)).toBeLessThan(Date.parse(held.claim!.expires!));
    expect((await project.show('after')).status).toBe('done');
  });
});
