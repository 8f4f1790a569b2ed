/**
 * wg serve's part of issue 21 §3, against the built binary, real git and the fake agent: the
 * inbox and a pending result's diff as JSON, and approve, reject (with line comments) and
 * answer as actions, only with --allow-actions and the token, through the same code as the CLI.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeProject, script } from '../support/fake.js';
import { git, initRepo } from '../support/git.js';
import { tempProject, type Project } from '../support/wg.js';
import { raw, serve, type Served } from './support.js';

let served: Served | undefined;
afterEach(async () => {
  await served?.stop();
  served = undefined;
});

const post = (served: Served, id: string, action: string, body: unknown, token: string | null | undefined) =>
  raw(served.port, `/api/tasks/${id}/${action}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });

/** A git project with the settings `wg init` wrote, validation turned on, and `calc` run to pending-validation. */
async function pendingProject(): Promise<Project> {
  const project = await tempProject();
  const config = join(project.dir, '.workgraph', 'config.toml');
  const written = readFileSync(config, 'utf8');
  expect(written).toContain('# validation = "none"');
  writeFileSync(config, written.replace('# validation = "none"', 'validation = "external"'));
  await initRepo(project.dir);
  await project.ok(['add', 'Write calc', '--id', 'calc', '--exec', 'printf "one\\ntwo\\n" > calc.txt']);
  const run = await project.wg(['run', '--no-wait']);
  expect(run.exitCode, run.stderr).toBe(3);
  expect((await project.show('calc')).status).toBe('pending-validation');
  return project;
}

describe('wg serve: inbox, diff, approve, reject, answer', () => {
  it('gives the inbox and the pending diff read-only, and refuses verdicts without actions or the token', async () => {
    const project = await pendingProject();
    const start = await git(project.dir, 'rev-parse', 'main');
    served = await serve(project.dir);

    const inbox = (await (await fetch(`${served.api}api/inbox`)).json()) as {
      items: Array<{ kind: string; task?: string; command: string }>;
    };
    expect(inbox.items).toEqual([
      expect.objectContaining({
        kind: 'pending-validation',
        task: 'calc',
        command: 'wg diff calc, then wg approve calc or wg reject calc --reason TEXT',
      }),
    ]);
    // The same items as wg inbox --json.
    expect(inbox.items).toEqual(await project.json(['inbox', '--json']));

    const diff = (await (await fetch(`${served.api}api/tasks/calc/diff`)).json()) as {
      source: string;
      files: Array<{ path: string; additions: number }>;
      patch: string;
    };
    expect(diff).toMatchObject({ source: 'pending', files: [{ path: 'calc.txt', status: 'A', additions: 2 }] });
    expect(diff.patch).toContain('+one\n+two\n');
    expect(diff).toEqual(await project.json(['diff', 'calc', '--json']));
    const stat = (await (await fetch(`${served.api}api/tasks/calc/diff?stat=1`)).json()) as { patch?: string };
    expect(stat.patch).toBeUndefined();
    expect((await raw(served.port, '/api/tasks/nope/diff')).status).toBe(404);
    expect((await raw(served.port, '/api/tasks/calc/diff?attempt=zero')).status).toBe(400);

    for (const [action, body] of [
      ['approve', {}],
      ['reject', { reason: 'no' }],
      ['answer', { text: 'yes' }],
    ] as const) {
      const refused = await post(served, 'calc', action, body, 'anything');
      expect(refused.status, action).toBe(403);
      expect(JSON.parse(refused.body).error).toBe('actions are off: start wg serve with --allow-actions');
    }
    await served.stop();

    served = await serve(project.dir, ['--allow-actions']);
    for (const token of [undefined, 'wrong-token', `${served.token}x`]) {
      expect((await post(served, 'calc', 'approve', {}, token)).status, String(token)).toBe(403);
      expect((await post(served, 'calc', 'reject', { reason: 'no' }, token)).status, String(token)).toBe(403);
    }
    expect((await project.show('calc')).status).toBe('pending-validation');
    expect(await git(project.dir, 'rev-parse', 'main')).toBe(start);
  }, 120_000);

  it('rejects with line comments (the retry reads them), then approves: the result lands on main', async () => {
    const project = await pendingProject();
    const start = await git(project.dir, 'rev-parse', 'main');
    served = await serve(project.dir, ['--allow-actions']);
    const token = served.token;

    const badComment = await post(served, 'calc', 'reject', { reason: 'no', comments: ['calc.txt one'] }, token);
    expect(badComment.status).toBe(400);
    expect(JSON.parse(badComment.body).error).toBe('a comment is "path:line: text", not "calc.txt one"');
    expect((await post(served, 'calc', 'reject', { comments: [] }, token)).status).toBe(400);

    const rejected = await post(
      served,
      'calc',
      'reject',
      { reason: 'two is wrong', comments: ['calc.txt:2: should be 2'] },
      token,
    );
    expect(rejected.status, rejected.body).toBe(200);
    expect(JSON.parse(rejected.body)).toEqual({ id: 'calc', status: 'open' });
    const reopened = await project.json<{
      review: { comments: Array<{ path: string; line: number; text: string; diff?: string }> };
    }>(['show', 'calc']);
    expect(reopened.review).toMatchObject({ verdict: 'reject', reviewer: 'person', reason: 'two is wrong' });
    expect(reopened.review.comments[0]).toMatchObject({ path: 'calc.txt', line: 2, text: 'should be 2' });
    expect(reopened.review.comments[0]!.diff).toContain('+two');

    const again = await project.wg(['run', '--no-wait']);
    expect(again.exitCode, again.stderr).toBe(3);
    expect(await git(project.dir, 'rev-parse', 'main')).toBe(start);

    const approved = await post(served, 'calc', 'approve', { comment: 'fine' }, token);
    expect(approved.status, approved.body).toBe(200);
    expect(JSON.parse(approved.body)).toEqual({ id: 'calc', status: 'done' });
    expect(await git(project.dir, 'show', 'main:calc.txt')).toBe('one\ntwo');
    expect(await project.show('calc')).toMatchObject({
      status: 'done',
      review: { verdict: 'approve', comment: 'fine' },
    });

    const twice = await post(served, 'calc', 'approve', {}, token);
    expect(twice.status).toBe(409);
    expect(JSON.parse(twice.body).error).toBe(
      'calc is done: only a result pending validation can be approved or rejected',
    );
    const inbox = (await (await fetch(`${served.api}api/inbox`)).json()) as { items: unknown[] };
    expect(inbox.items).toEqual([]);
  }, 120_000);

  it("answers a task's question: it reopens with the answer and the granted tool", async () => {
    const project = await fakeProject();
    await project.ok([
      'add',
      'Paint banner',
      '--id',
      'banner',
      '--max-retries',
      '0',
      '--prompt',
      script([{ wg: ['ask', '$TASK', 'Which colour?'] }, { exit: 0 }]),
    ]);
    await project.wg(['run']);
    expect((await project.show('banner')).status).toBe('waiting');
    served = await serve(project.dir, ['--allow-actions']);
    const inbox = (await (await fetch(`${served.api}api/inbox`)).json()) as { items: unknown[] };
    expect(inbox.items).toEqual([
      expect.objectContaining({ kind: 'input-required', task: 'banner', command: 'wg answer banner "..."' }),
    ]);

    expect((await post(served, 'banner', 'answer', { text: '  ' }, served.token)).status).toBe(400);
    expect((await post(served, 'banner', 'answer', { text: 'blue', allow: 'x' }, served.token)).status).toBe(400);
    const answered = await post(served, 'banner', 'answer', { text: 'Dark blue', allow: ['Bash(ls:*)'] }, served.token);
    expect(answered.status, answered.body).toBe(200);
    expect(JSON.parse(answered.body)).toEqual({ id: 'banner', status: 'open' });
    const task = await project.show('banner');
    expect(task.question?.answer).toMatchObject({ text: 'Dark blue' });
    expect(task.tools).toContain('Bash(ls:*)');

    const notAsked = await post(served, 'banner', 'answer', { text: 'again' }, served.token);
    expect(notAsked.status).toBe(409);
    expect(JSON.parse(notAsked.body).error).toMatch(/^banner /);
  }, 120_000);
});
