/**
 * Agents may ask; people answer (issue 21, part 2), through the built `wg` and real agent
 * processes: `wg ask` ends the attempt and the task waits, `wg answer` reopens it, and the
 * next attempt's prompt carries both; neither counts against max_retries. A task only a
 * human actor may do is never spawned: it waits until that person runs `wg done`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeProject, script } from '../support/fake.js';
import { tempProject } from '../support/wg.js';

const QUESTION = 'Which colour should the banner be?';

/** Asks on the attempt whose prompt carries no answer yet; once answered, writes what it was told. */
const ASKING_AGENT = script([
  {
    unlessPrompt: 'answered:',
    steps: [{ wg: ['ask', '$TASK', QUESTION] }, { exit: 0 }],
  },
  { expectPrompt: QUESTION },
  { expectPrompt: 'Dark blue, please.' },
  { write: { path: 'banner.txt', content: 'dark blue\n' } },
]);

describe('wg ask and wg answer, with a command agent', () => {
  it('the question ends the attempt, the task waits, and the answered retry sees both and finishes', async () => {
    const project = await fakeProject();
    await project.ok([
      'add',
      'Paint banner',
      '--prompt',
      ASKING_AGENT,
      '--deliverable',
      'banner.txt',
      '--max-retries',
      '0',
    ]);

    const first = await project.wg(['run']);
    // Not done yet: wg run says what waits on whom and exits 1, as for any task not done.
    expect(first.exitCode, first.stderr).toBe(1);
    expect(first.stdout).toContain(`waiting  paint-banner: asked: ${QUESTION} (next: wg answer paint-banner "...")`);
    const waiting = await project.show('paint-banner');
    expect(waiting.status).toBe('waiting');
    expect(waiting.question).toMatchObject({ kind: 'question', text: QUESTION, attempt: 1 });
    expect(waiting.question?.answer).toBeUndefined();
    // No failure: nothing counted against max_retries 0.
    expect(waiting.retry_count ?? 0).toBe(0);
    expect(waiting.failure_reason).toBeUndefined();
    expect(waiting.log.map((entry) => entry.message)).toContain(
      `asked: ${QUESTION}\n(waits for \`wg answer paint-banner "..."\`)`,
    );

    // A waiting task is not run again until someone answers.
    const idle = await project.wg(['run']);
    expect(idle.exitCode).toBe(1);
    expect((await project.show('paint-banner')).attempts).toBe(1);

    await project.ok(['answer', 'paint-banner', 'Dark blue, please.', '--actor', 'alice']);
    const reopened = await project.show('paint-banner');
    expect(reopened.status).toBe('open');
    expect(reopened.question?.answer).toMatchObject({ text: 'Dark blue, please.', by: 'alice' });

    const second = await project.wg(['run']);
    expect(second.exitCode, second.stdout + second.stderr).toBe(0);
    const done = await project.show('paint-banner');
    expect(done.status).toBe('done');
    expect(done.attempts).toBe(2);
    expect(readFileSync(join(project.dir, 'banner.txt'), 'utf8')).toBe('dark blue\n');
    const prompt = readFileSync(join(project.dir, '.workgraph', 'runs', 'paint-banner', '2', 'prompt.md'), 'utf8');
    expect(prompt).toContain(`**You asked a person in attempt 1 (\`wg ask\`):**\n\n> ${QUESTION}`);
    expect(prompt).toContain('**alice answered:**\n\n> Dark blue, please.');
  });

  it('refuses what makes no sense, in one line with a non-zero exit', async () => {
    const project = await tempProject();
    await project.ok(['add', 'Idle']);
    const notAsked = await project.wg(['answer', 'idle', 'yes']);
    expect(notAsked.exitCode).not.toBe(0);
    expect(notAsked.stderr.trim()).toBe('error: idle has no open question (status open)');
    const notRunning = await project.wg(['ask', 'idle', 'may I?']);
    expect(notRunning.exitCode).not.toBe(0);
    expect(notRunning.stderr.split('\n')[0]).toBe('error: idle is open: only a task being worked on can ask');
    const empty = await project.wg(['ask', 'idle', '  ']);
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr.split('\n')[0]).toBe('error: the question is empty');
    // An agent (a process holding a lease) does not answer: it asks.
    const agent = await project.wg(['answer', 'idle', 'yes'], { env: { WG_TASK_ID: 'idle', WG_TOKEN: 'x' } });
    expect(agent.exitCode).toBe(2);
    expect(agent.stderr.split('\n')[0]).toBe(
      'error: wg answer is for a person, and this process holds an agent lease ($WG_TOKEN)',
    );
  });
});

describe('tasks for people', () => {
  it('a task only a human actor may do is never spawned, waits for them, and `wg done` lets the graph go on', async () => {
    const project = await fakeProject();
    await project.ok(['actor', 'add', 'alice', '--type', 'human', '--cap', 'design']);
    await project.ok(['actor', 'add', 'bot', '--cap', 'code']);
    await project.ok([
      'add',
      'Design',
      '--skill',
      'design',
      '--prompt',
      script([{ write: { path: 'spawned.txt', content: 'x' } }]),
    ]);
    await project.ok([
      'add',
      'Build',
      '--skill',
      'code',
      '--blocked-by',
      'design',
      '--prompt',
      script([{ write: { path: 'built.txt', content: 'built\n' } }]),
    ]);

    const first = await project.wg(['run']);
    expect(first.exitCode).toBe(1);
    expect(first.stdout).toContain('waiting  design: alice to do it (next: wg done design)');
    const design = await project.show('design');
    expect(design.status).toBe('waiting');
    expect(design.assigned).toBe('alice');
    expect(design.attempts ?? 0).toBe(0);
    // Nothing ran for it: no agent, no run folder.
    expect(existsSync(join(project.dir, 'spawned.txt'))).toBe(false);
    expect(existsSync(join(project.dir, '.workgraph', 'runs', 'design'))).toBe(false);
    expect((await project.show('build')).status).toBe('open');

    await project.ok(['done', 'design', '--actor', 'alice']);
    const second = await project.wg(['run']);
    expect(second.exitCode, second.stdout + second.stderr).toBe(0);
    expect((await project.show('build')).status).toBe('done');
    expect(readFileSync(join(project.dir, 'built.txt'), 'utf8')).toBe('built\n');
  });

  it('an agent that may do the task does it, even when a person could too', async () => {
    const project = await fakeProject();
    await project.ok(['actor', 'add', 'alice', '--type', 'human', '--cap', 'docs', '--trust', 'verified']);
    await project.ok(['actor', 'add', 'bot', '--cap', 'docs']);
    await project.ok([
      'add',
      'Write',
      '--skill',
      'docs',
      '--prompt',
      script([{ write: { path: 'w.txt', content: 'w' } }]),
    ]);
    const run = await project.wg(['run']);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const task = await project.show('write');
    expect([task.status, task.assigned]).toEqual(['done', 'bot']);
  });
});
