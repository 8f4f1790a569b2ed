/**
 * A hand-off, not a log (issue 19, item 2), through the built `wg`: an upstream task that
 * fails once and then succeeds hands its downstream task the summary and the log of the
 * attempt that succeeded, never the first attempt's failure or the runner's "reopened for
 * retry" between them. Once in a project as `wg init` leaves it (the built-in agent, the
 * scripted model server standing in for the model), once with a command backend's
 * `::summary` line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OFFLINE_ENV, TEST_API_KEY } from '../support/agents.js';
import { fakeProject, script } from '../support/fake.js';
import { startModelServer, type ModelServer } from '../support/model-server.js';
import { textsOnPage } from '../serve/browser.js';
import { serve } from '../serve/support.js';
import { tempProject, type Project } from '../support/wg.js';

let project: Project | undefined;
let server: ModelServer | undefined;
afterEach(async () => {
  await server?.close();
  [project, server] = [undefined, undefined];
});

const promptOf = (id: string, attempt: number) =>
  readFileSync(join(project!.dir, '.workgraph', 'runs', id, String(attempt), 'prompt.md'), 'utf8');

/** What must never reach a downstream prompt from an upstream task that failed once. */
function expectNoStaleFailure(text: string, failure: string): void {
  expect(text).not.toContain(failure);
  expect(text).not.toContain('failed:');
  expect(text).not.toContain('reopened for retry');
  expect(text).not.toMatch(/claimed by \S+ \(attempt 1\)/);
}

describe('an upstream task that failed once, then succeeded', () => {
  it('with wg init settings (the built-in agent): the next step gets its summary and its succeeding attempt, not the failure', async () => {
    project = await tempProject();
    server = await startModelServer({
      anthropic: [
        { tool: 'write_file', input: { path: 'answer.txt', content: '41\n' } },
        { text: 'Wrote 41.' },
        { tool: 'write_file', input: { path: 'answer.txt', content: '42\n' } },
        { text: 'Wrote 42 to answer.txt; the check passes now.' },
        { text: 'Reported the answer.' },
      ],
    });
    const env = { ...OFFLINE_ENV, ANTHROPIC_API_KEY: TEST_API_KEY, ANTHROPIC_BASE_URL: server.url };
    const check = 'echo "AssertionError: expected 42, got $(cat answer.txt)"; grep -qx 42 answer.txt';
    // Report consumes answer's deliverable: the runner walks the two as one trajectory.
    await project.ok([
      'add',
      'Answer',
      '--id',
      'answer',
      '--backend',
      'anthropic',
      '--model',
      'claude-scripted-1',
      '--deliverable',
      'answer.txt',
      '--verify',
      check,
    ]);
    await project.ok([
      'add',
      'Report',
      '--id',
      'report',
      '--blocked-by',
      'answer',
      '--input',
      'answer.txt',
      '--backend',
      'anthropic',
      '--model',
      'claude-scripted-1',
    ]);
    const result = await project.wg(['run'], { env });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);

    const answer = await project!.show('answer');
    expect(answer).toMatchObject({
      status: 'done',
      attempts: 2,
      summary: 'Wrote 42 to answer.txt; the check passes now.',
    });
    // The log keeps the whole story; the summary is not repeated in it.
    const story = answer.log.map((entry) => entry.message);
    expect(story.some((message) => message.includes('expected 42, got 41'))).toBe(true);
    expect(story.some((message) => message.startsWith("agent's last message: Wrote 42"))).toBe(false);
    expect(story).toContain("agent's last message: Wrote 41.");
    expect((await project!.show('report')).summary).toBe('Reported the answer.');

    // Report ran as the next step of answer's trajectory, continuing its conversation (the agent
    // remembers its own work, the repair included): the prompt names that step instead of handing it over.
    const prompt = promptOf('report', 1);
    const fromUpstream = prompt.slice(prompt.indexOf('## Context from upstream'), prompt.indexOf('## Context files'));
    expect(fromUpstream).toContain(
      '### Previous step of your trajectory: `answer`: Answer (done)\n\nYou did this step earlier in this same session, and its files (`answer.txt`)',
    );
    expect(fromUpstream).toMatch(
      /What it just did:\n\n(- .*\n)*- \S+ \S+: tool write_file: answer.txt\n- \S+ \S+: artifact answer.txt\n- \S+ \S+: done\n\n/,
    );
    expectNoStaleFailure(fromUpstream, 'expected 42, got 41');
    // What the model was sent is that file, as the next user message of the same conversation.
    const lastRequest = server.scripted('anthropic').at(-1)!;
    const userTexts = lastRequest.body.messages.flatMap((message: { role: string; content: unknown }) =>
      message.role !== 'user'
        ? []
        : typeof message.content === 'string'
          ? [message.content]
          : (message.content as Array<{ type: string; text?: string }>).flatMap((block) =>
              block.type === 'text' ? [block.text!] : [],
            ),
    );
    expect(userTexts.at(-1)).toBe(prompt);
    expect(String(lastRequest.body.messages[0].content)).toMatch(/^# Task `answer`/);

    // wg context shows what the prompt got; wg show shows the summary.
    const context = await project.ok(['context', 'report']);
    expect(context).toContain('summary:\n    | Wrote 42 to answer.txt; the check passes now.');
    expect(context).toMatch(/: tool write_file: answer.txt\n.*: artifact answer.txt\n.*: done\n/);
    expectNoStaleFailure(context, 'expected 42, got 41');
    expect(await project.ok(['show', 'answer'])).toContain(
      'summary:\n  | Wrote 42 to answer.txt; the check passes now.',
    );
  });

  it("with a command backend: its last ::summary line is kept, a failed attempt's never is", async () => {
    // max_steps = 1: report is an ordinary dependent, not the next step of a trajectory.
    project = await fakeProject();
    const answer = script([
      { print: '::summary I am about to fail: this must not be kept' },
      { failOnAttempts: [1], code: 3, message: 'flaky on the first try' },
      { write: { path: 'answer.txt', content: '42\n' } },
      { print: '::summary a draft the next line replaces' },
      { print: '::summary Wrote 42 to answer.txt.' },
    ]);
    await project.ok(['add', 'Answer', '--id', 'answer', '--prompt', answer]);
    await project.ok([
      'add',
      'Report',
      '--id',
      'report',
      '--blocked-by',
      'answer',
      '--prompt',
      script([{ print: 'reporting' }]),
    ]);
    await project.ok([
      'add',
      'Doomed',
      '--id',
      'doomed',
      '--max-retries',
      '1',
      '--prompt',
      script([{ print: '::summary Nearly there.' }, { exit: 1 }]),
    ]);
    const result = await project.wg(['run']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(1);

    expect(await project!.show('answer')).toMatchObject({
      status: 'done',
      attempts: 2,
      summary: 'Wrote 42 to answer.txt.',
    });
    expect(await project!.show('doomed')).toMatchObject({ status: 'failed' });
    expect((await project!.show('doomed')).summary).toBeUndefined();
    // A plain dependency: its latest three entries, all of them from the attempt that succeeded.
    const prompt = promptOf('report', 1);
    const fromUpstream = prompt.slice(prompt.indexOf('## Context from upstream'), prompt.indexOf('## Context files'));
    expect(fromUpstream).toContain(
      "### `answer`: Answer (done)\n\nIts agent's summary of the work:\n\n```\nWrote 42 to answer.txt.\n```",
    );
    expect(fromUpstream).toMatch(/Latest log entries:\n\n- \S+ \S+: done\n\n$/);
    expectNoStaleFailure(fromUpstream, 'flaky on the first try');

    // The task's page in wg serve shows the summary, in a real browser.
    const served = await serve(project.dir);
    try {
      expect(await textsOnPage(`${served.url}#/task/answer`, ['#task-summary'])).toEqual(['Wrote 42 to answer.txt.']);
    } finally {
      await served.stop();
    }
  });
});

describe('a summary', () => {
  it('masks secrets in the summary as in all other agent output', async () => {
    project = await fakeProject();
    const secret = 'sk-handoff-secret-0123456789';
    await project.ok([
      'add',
      'Leaky',
      '--id',
      'leaky',
      '--env-pass',
      'DEPLOY_API_KEY',
      '--prompt',
      // The agent reads the key from its environment: a secret in the prompt itself is masked before it gets there.
      script([{ printEnv: '::summary Deployed with key ${DEPLOY_API_KEY}.' }]),
    ]);
    const result = await project.wg(['run'], { env: { DEPLOY_API_KEY: secret } });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect((await project!.show('leaky')).summary).toBe('Deployed with key ***.');
  });
});
