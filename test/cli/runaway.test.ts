/** Runaway agents stop: one repeating a tool call ends `looping` at once; its retry is told which call it was. */
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAKE_AGENT, script } from '../support/fake.js';
import { tempProject, type Project } from '../support/wg.js';

/** The settings `wg init` wrote, plus a command backend running the fake agent. */
async function initProject(): Promise<Project> {
  const project = await tempProject();
  appendFileSync(
    join(project.dir, '.workgraph', 'config.toml'),
    `\n[backends.fake]\ntype = "command"\nargv = ["node", ${JSON.stringify(FAKE_AGENT)}, "{prompt_file}"]\n`,
  );
  return project;
}

const promptOf = (project: Project, id: string, attempt: number) =>
  readFileSync(join(project.dir, '.workgraph', 'runs', id, String(attempt), 'prompt.md'), 'utf8');

describe('a looping agent', () => {
  it('is stopped right after the fifth same call, not at its timeout, and its retry is told the call', async () => {
    const project = await initProject();
    const repeat = { print: '::tool bash cat README.md' };
    await project.ok([
      'add',
      'Circle',
      '--id',
      'circle',
      '--backend',
      'fake',
      '--timeout',
      '10m',
      '--max-retries',
      '2',
      '--prompt',
      script([
        { print: '::tool bash ls' },
        ...Array.from({ length: 5 }, () => repeat),
        // The agent would think for 10 minutes, then call on: the runner stops it on the fifth repeat.
        { sleep: 600_000 },
        { print: '::tool bash echo sixth' },
      ]),
    ]);
    const started = Date.now();
    const result = await project.wg(['run', '--grace', '1s', '--retry-backoff', '10ms']);
    // Far below the 10-minute timeout (and the agent's own 10-minute sleep).
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(result.exitCode).toBe(1);
    const task = await project.show('circle');
    expect(task.status).toBe('failed');
    expect(task.failure_reason).toContain(
      'looping: the agent made the same call 5 times in a row and was stopped: bash cat README.md',
    );
    const logged = task.log.map((entry) => entry.message).join('\n');
    expect(logged).toContain('stopping the agent: looping');
    expect(logged).not.toContain('echo sixth');
    // Retried (a loop is worth another try), and the retry's prompt names the call.
    expect(promptOf(project, 'circle', 2)).toContain(
      'the same call 5 times in a row and was stopped: bash cat README.md',
    );
  }, 90_000);

  it('`loop_limit = 0` lets an agent repeat itself', async () => {
    const project = await initProject();
    await project.ok([
      'add',
      'Repeat',
      '--id',
      'repeat',
      '--backend',
      'fake',
      '--prompt',
      script(Array.from({ length: 8 }, () => ({ print: '::tool bash ls' }))),
    ]);
    const result = await project.wg(['run', '--loop-limit', '0']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect((await project.show('repeat')).status).toBe('done');
  }, 60_000);
});
