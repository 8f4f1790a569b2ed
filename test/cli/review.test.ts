/**
 * Review before landing (issue 21 §1), through the built `wg`, real git and the fake agent:
 * with `validation = "external"` nothing reaches the target before `wg approve`; approvals land
 * each result once, in graph order; a rejection's reason, comments and diff lines reach the
 * retry's prompt, which continues the rejected work; `wg run` waits for verdicts unless --no-wait.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { fakeProject, script, waitFor } from '../support/fake.js';
import { git, initRepo } from '../support/git.js';
import { cleanEnv, tempProject, WG_BIN } from '../support/wg.js';

const head = (dir: string) => git(dir, 'rev-parse', 'main');

describe('review before landing', () => {
  it('in a 10-task graph, nothing lands before wg approve; approved, main holds each result once, in graph order', async () => {
    const project = await tempProject();
    // The config wg init wrote, with its commented validation line turned on.
    const config = join(project.dir, '.workgraph', 'config.toml');
    const written = readFileSync(config, 'utf8');
    expect(written).toContain('# validation = "none"');
    writeFileSync(config, written.replace('# validation = "none"', 'validation = "external"'));
    await initRepo(project.dir);
    // t01, t02 start; each later task waits for the one two before it.
    for (let i = 1; i <= 10; i++) {
      const id = `t${String(i).padStart(2, '0')}`;
      const after = i > 2 ? ['--blocked-by', `t${String(i - 2).padStart(2, '0')}`] : [];
      await project.ok(['add', `Task ${id}`, '--id', id, '--exec', `echo ${id} > ${id}.txt`, ...after]);
    }
    const start = await head(project.dir);
    const approved: string[] = [];
    for (let round = 1; approved.length < 10; round++) {
      expect(round).toBeLessThanOrEqual(5);
      const run = await project.wg(['run', '--no-wait', '--json']);
      const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
        pendingValidation: Array<{ id: string; waitedOnBy: string[] }>;
        exitCode: number;
      };
      // Everything else waits on the reviews: a script can tell that (3) from a failure (1).
      expect(run.exitCode).toBe(3);
      const pending = summary.pendingValidation.map((item) => item.id).sort();
      expect(pending).toHaveLength(2);
      // Nothing landed since the last approval.
      expect((await git(project.dir, 'log', '--format=%s', 'main')).split('\n')).toHaveLength(1 + approved.length);
      if (round === 1) {
        expect(await head(project.dir)).toBe(start);
        expect(summary.pendingValidation.find((item) => item.id === 't01')!.waitedOnBy).toEqual(['t03']);
        const diff = await project.json<{ source: string; files: Array<{ path: string }> }>(['diff', 't01']);
        expect(diff).toMatchObject({ source: 'pending', files: [{ path: 't01.txt' }] });
      }
      for (const id of pending) {
        await project.ok(['approve', id]);
        approved.push(id);
      }
    }
    const subjects = (await git(project.dir, 'log', '--reverse', '--format=%s', `${start}..main`)).split('\n');
    expect(subjects).toEqual(approved.map((id) => `Task ${id}`));
    expect(approved).toEqual(['t01', 't02', 't03', 't04', 't05', 't06', 't07', 't08', 't09', 't10']);
    for (const id of approved) expect(readFileSync(join(project.dir, `${id}.txt`), 'utf8')).toBe(`${id}\n`);
    const task = await project.show('t05');
    expect(task).toMatchObject({ status: 'done', review: { verdict: 'approve', reviewer: 'person' } });
    // Landed: the kept worktrees are gone.
    expect(await git(project.dir, 'worktree', 'list')).not.toContain('worktrees');
  }, 300_000);

  it("a rejected result's retry continues it, its prompt carrying the reason, the comments and their diff lines; approved, it lands", async () => {
    const project = await fakeProject('retry_backoff = "50ms"\ngrace = "300ms"\nmax_steps = 1');
    await initRepo(project.dir);
    const steps = [
      { write: { path: 'calc.js', content: 'const add = (a, b) => a - b;\nmodule.exports = { add };\n' } },
    ];
    await project.ok(['add', 'Write add', '--id', 'calc', '--validation', 'external', '--prompt', script(steps)]);
    await project.ok(['add', 'Use add', '--id', 'use', '--blocked-by', 'calc', '--exec', 'echo used > use.txt']);
    const start = await head(project.dir);

    const first = await project.wg(['run', '--no-wait']);
    expect(first.exitCode).toBe(3);
    expect(first.stdout).toMatch(/review\s+calc: waits for wg approve calc .*; use waits on it/);
    expect(await head(project.dir)).toBe(start);
    expect((await project.show('calc')).status).toBe('pending-validation');

    await project.ok(['reject', 'calc', '--reason', 'add subtracts', '--comment', 'calc.js:1: this should be a + b']);
    expect((await project.show('calc')).status).toBe('open');
    const second = await project.wg(['run', '--no-wait']);
    expect(second.exitCode).toBe(3);
    const prompt = readFileSync(join(project.dir, '.workgraph', 'runs', 'calc', '2', 'prompt.md'), 'utf8');
    expect(prompt).toContain("rejected attempt 1's result: add subtracts");
    expect(prompt).toContain('`calc.js` line 1: this should be a + b');
    expect(prompt).toContain('+const add = (a, b) => a - b;');
    expect(prompt).toContain("You continue attempt 1's work");
    const log = (await project.show('calc')).log.map((entry) => entry.message);
    expect(log.some((line) => line.startsWith("retry continues attempt 1's work"))).toBe(true);
    expect(await head(project.dir)).toBe(start);

    await project.ok(['approve', 'calc', '--comment', 'fine now']);
    expect(await git(project.dir, 'show', 'main:calc.js')).toContain('a - b');
    expect(await project.show('calc')).toMatchObject({
      status: 'done',
      retry_count: 1,
      review: { verdict: 'approve', comment: 'fine now' },
    });
    // The dependent runs once its blocker is approved; it needs no review.
    await project.ok(['run']);
    expect((await project.show('use')).status).toBe('done');
  }, 180_000);

  it('wg run waits for a verdict, saying so once, and goes on when the approval lands', async () => {
    const project = await tempProject();
    await initRepo(project.dir);
    await project.ok(['add', 'First', '--id', 'first', '--exec', 'echo 1 > first.txt', '--validation', 'external']);
    await project.ok(['add', 'Second', '--id', 'second', '--blocked-by', 'first', '--exec', 'echo 2 > second.txt']);
    const run = execa('node', [WG_BIN, 'run'], { cwd: project.dir, env: cleanEnv(), reject: false, all: true });
    let output = '';
    run.all!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(
      () => output.includes('waiting for the review of 1 result(s): first'),
      'the run to wait for the review',
      90_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; the run printed: ${output}`);
    });
    await project.ok(['approve', 'first']);
    const ended = await run;
    expect(ended.exitCode).toBe(0);
    expect(output.match(/waiting for the review/g)).toHaveLength(1);
    expect(output).toMatch(/review first succeeded in .*; waits for wg approve first or wg reject first/);
    expect((await project.show('second')).status).toBe('done');
    expect(await git(project.dir, 'log', '--format=%s', 'main')).toBe('Second\nFirst\ninitial');
  }, 180_000);

  it('refuses a verdict on a task with nothing pending, an agent approving, and a malformed comment, in one line', async () => {
    const project = await tempProject();
    await project.ok(['add', 'Open', '--id', 'open']);
    const approve = await project.wg(['approve', 'open']);
    expect(approve.exitCode).not.toBe(0);
    expect(approve.stderr).toMatch(/^error: open is open: only a result pending validation can be approved/);
    const agent = await project.wg(['approve', 'open'], { env: { WG_TASK_ID: 'open', WG_TOKEN: 'x' } });
    expect(agent.stderr).toMatch(/^error: an agent cannot approve results/);
    const comment = await project.wg(['reject', 'open', '--reason', 'no', '--comment', 'nowhere']);
    expect(comment.stderr).toMatch(/^error: a comment is "path:line: text"/);
    const mode = await project.wg(['edit', 'open', '--validation', 'sometimes']);
    expect(mode.exitCode).not.toBe(0);
  });
});
