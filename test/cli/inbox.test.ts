/**
 * `wg inbox` (issue 21 §3), through the built `wg`, real git and the fake agent: after one run,
 * a result pending review, an agent's question and a task failed for good are each listed,
 * oldest first, with the command that resolves it.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAKE_AGENT, script } from '../support/fake.js';
import { initRepo } from '../support/git.js';
import { tempProject } from '../support/wg.js';

interface Item {
  kind: string;
  task?: string;
  text: string;
  command: string;
  since: string;
}

describe('wg inbox', () => {
  it('lists a pending result, a question and a failed task with their commands, oldest first', async () => {
    const project = await tempProject();
    await initRepo(project.dir);
    // The config wg init wrote, plus the fake agent as a backend.
    appendFileSync(
      join(project.dir, '.workgraph', 'config.toml'),
      `\n[backends.fake]\ntype = "command"\nargv = ["node", ${JSON.stringify(FAKE_AGENT)}, "{prompt_file}"]\n`,
    );
    expect(await project.json<Item[]>(['inbox'])).toEqual([]);
    expect((await project.ok(['inbox'])).trim()).toBe('nothing waits on a person');

    await project.ok([
      'add',
      'Review me',
      '--id',
      'review-me',
      '--exec',
      'echo ok > r.txt',
      '--validation',
      'external',
    ]);
    await project.ok([
      'add',
      'Ask me',
      '--id',
      'ask-me',
      '--backend',
      'fake',
      '--prompt',
      script([{ wg: ['ask', '$TASK', 'Which colour?'] }, { exit: 0 }]),
    ]);
    await project.ok(['add', 'Break', '--id', 'break', '--exec', 'exit 1', '--max-retries', '0']);
    const run = await project.wg(['run', '--no-wait', '--parallel', '1', '--order', 'listed']);
    expect(run.exitCode, run.stdout + run.stderr).toBe(1);

    const items = await project.json<Item[]>(['inbox']);
    expect(items.map((item) => [item.kind, item.task, item.command])).toEqual([
      [
        'pending-validation',
        'review-me',
        'wg diff review-me, then wg approve review-me or wg reject review-me --reason TEXT',
      ],
      ['input-required', 'ask-me', 'wg answer ask-me "..."'],
      ['failed', 'break', 'wg retry break'],
    ]);
    expect(items[1]!.text).toBe('ask-me asks: Which colour?');
    expect(items[2]!.text).toMatch(/^break failed: /);
    const since = items.map((item) => item.since);
    expect([...since].sort()).toEqual(since);

    const human = await project.ok(['inbox']);
    expect(human).toContain('wg answer ask-me "..."');
    expect(human).toContain('wg retry break');

    // Resolved, an item leaves the inbox.
    await project.ok(['answer', 'ask-me', 'Blue.']);
    await project.ok(['approve', 'review-me']);
    expect((await project.json<Item[]>(['inbox'])).map((item) => item.task)).toEqual(['break']);
  });
});
