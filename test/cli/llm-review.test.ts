/**
 * The `llm` reviewer (issue 21 §1), through the built `wg`, real git, the fake agent as the
 * coder and a scripted reviewer on a `command` backend: its verdicts take the same paths as a
 * person's `wg reject` / `wg approve`, are recorded on the task, and its cost is counted; a
 * reviewer that gives no usable verdict twice leaves the result to a person.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeProject, script } from '../support/fake.js';
import { git, initRepo } from '../support/git.js';
import { tempProject } from '../support/wg.js';

/** A reviewer program: the n-th time it runs it prints the n-th answer (the last one after that), and what it spent. */
function reviewer(dir: string, answers: string[]): string {
  const path = join(dir, 'reviewer.mjs');
  writeFileSync(
    path,
    `import { existsSync, readFileSync, writeFileSync } from 'node:fs';
const answers = ${JSON.stringify(answers)};
const counter = ${JSON.stringify(join(dir, 'reviewer-count'))};
const n = existsSync(counter) ? Number(readFileSync(counter, 'utf8')) : 0;
writeFileSync(counter, String(n + 1));
console.log('reading the diff');
console.log('::usage {"input_tokens": 1000, "output_tokens": 100, "cost_usd": 0.25}');
console.log(answers[Math.min(n, answers.length - 1)]);
`,
  );
  return path;
}

const reviewerTable = (path: string) =>
  `\n[backends.reviewer]\ntype = "command"\nargv = ["node", ${JSON.stringify(path)}, "{prompt_file}"]\n`;

describe('llm review', () => {
  it('a scripted reviewer rejects once, then approves: both verdicts recorded, the retry saw the rejection, the result lands once', async () => {
    const project = await fakeProject('retry_backoff = "50ms"\ngrace = "300ms"\nmax_steps = 1\nvalidation = "llm"');
    await initRepo(project.dir);
    const path = reviewer(project.dir, [
      JSON.stringify({
        verdict: 'reject',
        reason: 'add subtracts',
        comments: [{ path: 'calc.js', line: 1, text: 'this should be a + b' }],
      }),
      JSON.stringify({ verdict: 'approve', comment: 'fine now' }),
    ]);
    const config = join(project.dir, '.workgraph', 'config.toml');
    writeFileSync(config, `${readFileSync(config, 'utf8')}\n[review]\nbackend = "reviewer"\n${reviewerTable(path)}`);
    const steps = [
      { write: { path: 'calc.js', content: 'const add = (a, b) => a - b;\nmodule.exports = { add };\n' } },
    ];
    await project.ok(['add', 'Write add', '--id', 'calc', '--prompt', script(steps)]);
    const start = await git(project.dir, 'rev-parse', 'main');

    const run = await project.wg(['run', '--no-wait']);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);

    // The reviewer read the task and the diff.
    const reviewPrompt = readFileSync(
      join(project.dir, '.workgraph', 'runs', 'calc', '1', 'review-1', 'prompt.md'),
      'utf8',
    );
    expect(reviewPrompt).toContain('Write add');
    expect(reviewPrompt).toContain('+const add = (a, b) => a - b;');
    expect(reviewPrompt).toContain('"verdict": "reject"');
    // The coder's retry saw the rejection, its comment and the diff line it points at.
    const retryPrompt = readFileSync(join(project.dir, '.workgraph', 'runs', 'calc', '2', 'prompt.md'), 'utf8');
    expect(retryPrompt).toContain("rejected attempt 1's result: add subtracts");
    expect(retryPrompt).toContain('`calc.js` line 1: this should be a + b');
    expect(retryPrompt).toContain('+const add = (a, b) => a - b;');

    const task = await project.show('calc');
    expect(task).toMatchObject({
      status: 'done',
      rejection_count: 1,
      review: { verdict: 'approve', reviewer: 'llm', by: 'llm-reviewer', attempt: 2, comment: 'fine now' },
    });
    const log = task.log.map((entry) => entry.message);
    expect(log.some((line) => line.startsWith('rejected attempt 1: add subtracts (1 line comment)'))).toBe(true);
    expect(log.some((line) => line.startsWith('approved attempt 2: fine now; landed'))).toBe(true);
    // The reviewer's cost, per reviewed attempt, marked as the review's, and in the task's total.
    const costs = (task as unknown as { costs: Array<{ attempt: number; review?: boolean; cost_usd: number }> }).costs;
    expect(costs.filter((cost) => cost.review)).toEqual([
      expect.objectContaining({ attempt: 1, review: true, cost_usd: 0.25, backend: 'reviewer' }),
      expect.objectContaining({ attempt: 2, review: true, cost_usd: 0.25, backend: 'reviewer' }),
    ]);
    expect((task as unknown as { token_usage: { cost_usd: number } }).token_usage.cost_usd).toBeGreaterThanOrEqual(0.5);
    // Landed once.
    expect((await git(project.dir, 'log', '--format=%s', `${start}..main`)).split('\n')).toEqual(['Write add']);
    expect(await git(project.dir, 'show', 'main:calc.js')).toContain('a - b');
  }, 180_000);

  it('with the config wg init writes, a reviewer that gives no usable verdict twice leaves the result to a person', async () => {
    const project = await tempProject();
    await initRepo(project.dir);
    const path = reviewer(project.dir, ['Looks good to me!']);
    const config = join(project.dir, '.workgraph', 'config.toml');
    const written = readFileSync(config, 'utf8');
    expect(written).toContain('[review]');
    expect(written).toContain('# backend = "claude"\n\n# The reviewer');
    writeFileSync(
      config,
      written.replace('# backend = "claude"\n\n# The reviewer', 'backend = "reviewer"\n\n# The reviewer') +
        reviewerTable(path),
    );
    await project.ok(['add', 'Note', '--id', 'note', '--exec', 'echo hi > note.txt', '--validation', 'llm']);
    const start = await git(project.dir, 'rev-parse', 'main');

    const run = await project.wg(['run', '--no-wait']);
    expect(run.exitCode, run.stdout + run.stderr).toBe(3);
    expect(readFileSync(join(project.dir, 'reviewer-count'), 'utf8')).toBe('2');
    const task = await project.show('note');
    expect(task.status).toBe('pending-validation');
    const log = task.log.map((entry) => entry.message);
    expect(log.some((line) => line.includes('(asked again: the reviewer gave no JSON verdict)'))).toBe(true);
    expect(
      log.some(
        (line) => line.startsWith('the llm reviewer gave no usable verdict') && line.includes('wg approve note'),
      ),
    ).toBe(true);
    expect(await git(project.dir, 'rev-parse', 'main')).toBe(start);

    // A person's verdict then applies.
    await project.ok(['approve', 'note']);
    expect(await project.show('note')).toMatchObject({ status: 'done', review: { reviewer: 'person' } });
    expect(await git(project.dir, 'show', 'main:note.txt')).toBe('hi');
  }, 180_000);
});
