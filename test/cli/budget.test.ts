/** Budgets: a run budget with reservations, a per-task cap, prices for token-only usage, and `wg cost`. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ShownTask } from '../support/wg.js';
import { fakeProject, script } from '../support/fake.js';
import type { Project } from '../support/wg.js';

let project: Project;
const usage = (record: object) => ({ print: `::usage ${JSON.stringify(record)}` });

function appendConfig(text: string): void {
  const path = join(project.dir, '.workgraph', 'config.toml');
  writeFileSync(path, `${text}\n${readFileSync(path, 'utf8')}`);
}

describe('budgets', () => {
  it("a run budget reserves each task's expected cost: no task starts that does not fit, and the rest stay open", async () => {
    project = await fakeProject();
    for (const id of ['a', 'b', 'c', 'd'])
      await project.ok([
        'add',
        id,
        '--id',
        id,
        '--cost',
        '0.5',
        '--prompt',
        script([usage({ cost_usd: 0.4 }), { sleep: 200 }]),
      ]);
    const result = await project.wg(['run', '--parallel', '4', '--budget-usd', '1.2']);
    expect(result.exitCode).toBe(1);
    const statuses = await Promise.all(['a', 'b', 'c', 'd'].map(async (id) => (await project.show(id)).status));
    // Two reservations of $0.50 fit in $1.20, a third would not; after they spent $0.80, a third ($0.50) still would not.
    expect(statuses).toEqual(['done', 'done', 'open', 'open']);
    expect(result.stdout).toMatch(
      /budget: \$0\.80 of \$1\.20 spent, \$0\.40 left; the budget stopped the run: 2 tasks not started stay open \(c, d\)/,
    );
    expect(result.stdout).toContain(
      'spent: $0.80 (by backend: fake $0.80; by model: (default) $0.80); wg cost shows it by task',
    );
    const cost = await project.json<{ total_usd: number; by_backend: Array<{ key: string; costUsd: number }> }>([
      'cost',
    ]);
    expect(cost.total_usd).toBe(0.8);
    expect(cost.by_backend).toEqual([expect.objectContaining({ key: 'fake', costUsd: 0.8 })]);
    // A later run with more money finishes the rest.
    const later = await project.wg(['run', '--budget-usd', '5']);
    expect(later.exitCode, later.stdout + later.stderr).toBe(0);
  });

  it('a task whose spend reaches its cap is stopped as budget-exhausted and not retried', async () => {
    project = await fakeProject();
    await project.ok([
      'add',
      'Spender',
      '--id',
      'spender',
      '--max-cost',
      '0.5',
      '--max-retries',
      '3',
      '--prompt',
      script([usage({ cost_usd: 0.3 }), usage({ cost_usd: 0.3 }), { sleep: 600000 }]),
    ]);
    const result = await project.wg(['run']);
    expect(result.exitCode).toBe(1);
    const task = await project.show('spender');
    expect(task).toMatchObject({
      status: 'failed',
      attempts: 1,
      failure_reason: 'budget exhausted: the task has spent $0.60 of its $0.50 cap',
    });
    expect(task.token_usage?.cost_usd).toBe(0.6);
    // Already over its cap: a new run does not start it again.
    await project.ok(['retry', 'spender']);
    const again = await project.wg(['run']);
    expect(again.exitCode).toBe(1);
    expect(await project.show('spender')).toMatchObject({
      status: 'failed',
      attempts: 2,
      failure_reason: 'budget exhausted: the task has spent $0.60 of its $0.50 cap',
    });
  });

  it('prices token-only usage from [prices], and wg cost shows it by task, backend and model', async () => {
    project = await fakeProject();
    appendConfig('[prices.m1]\ninput = 3\noutput = 15\n');
    await project.ok([
      'add',
      'Tokens',
      '--id',
      'tokens',
      '--model',
      'm1',
      '--prompt',
      script([usage({ input_tokens: 1_000_000, output_tokens: 100_000 })]),
    ]);
    await project.ok([
      'add',
      'Unpriced',
      '--id',
      'unpriced',
      '--model',
      'm2',
      '--prompt',
      script([usage({ input_tokens: 500 })]),
    ]);
    const result = await project.wg(['run']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect((await project.show('tokens')).costs).toEqual([
      {
        attempt: 1,
        backend: 'fake',
        model: 'm1',
        cost_usd: 4.5,
        input_tokens: 1_000_000,
        output_tokens: 100_000,
        at: expect.any(String),
      },
    ]);
    const cost = await project.json<{
      total_usd: number;
      by_model: Array<{ key: string; costUsd: number }>;
      unpriced_attempts: string[];
    }>(['cost']);
    expect(cost.total_usd).toBe(4.5);
    expect(cost.by_model.map((line) => [line.key, line.costUsd])).toEqual([
      ['m1', 4.5],
      ['m2', 0],
    ]);
    expect(cost.unpriced_attempts).toEqual(['unpriced#1']);
    const text = await project.ok(['cost']);
    expect(text).toMatch(/^TASK\s+COST/);
    expect(text).toContain('total: $4.50');
  });
});

describe('rate limits', () => {
  it('::rate-limit pauses the backend until the reset, reopens the task without counting an attempt, and the run resumes by itself', async () => {
    project = await fakeProject();
    // Attempt 1 hits a limit that lifts in 1 s; attempt 2 succeeds. With max_retries 0, only an uncounted attempt can get there.
    await project.ok([
      'add',
      'Limited',
      '--id',
      'limited',
      '--max-retries',
      '0',
      '--prompt',
      script([{ failOnAttempts: [2], code: 0 }, { print: '::rate-limit 1' }, { sleep: 600000 }]),
    ]);
    await project.ok(['add', 'After', '--id', 'after', '--blocked-by', 'limited', '--exec', 'true']);
    const result = await project.wg(['run']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /paused backend fake until \S+ \(rate limited until \S+: the agent reported a rate limit\)/,
    );
    const task = await project.json<ShownTask & { retry_count?: number; log: Array<{ message: string }> }>([
      'show',
      'limited',
    ]);
    expect(task).toMatchObject({ status: 'done', attempts: 2 });
    expect(task.retry_count ?? 0).toBe(0);
    expect(task.log.map((entry) => entry.message).join('\n')).toMatch(
      /rate limited until .*: the agent reported a rate limit; reopened/,
    );
    expect((await project.show('after')).status).toBe('done');
  });
});
