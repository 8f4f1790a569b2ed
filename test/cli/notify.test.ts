/**
 * Notifications (issue 21 §4), through the built `wg` and real processes: a loopback webhook
 * receives one JSON object per event of a run with a pending review and a failed task, at
 * most once per task and kind per debounce; a notifier that fails or hangs is logged and
 * changes nothing else about the run. Budget warnings are sent once per budget (and shown in
 * the live view), and a failure as it happens.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { initRepo } from '../support/git.js';
import { cleanEnv, tempProject, WG_BIN, type Project } from '../support/wg.js';

interface Sent {
  kind: string;
  task?: string;
  budget?: string;
  text: string;
  command?: string;
}

async function withWebhook<T>(
  use: (url: string, received: Sent[]) => Promise<T>,
  onReceive: (sent: Sent) => void = () => undefined,
): Promise<T> {
  const received: Sent[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push(JSON.parse(body) as Sent);
      onReceive(received.at(-1)!);
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received);
  } finally {
    server.close();
  }
}

/** The config wg init wrote, with these settings in its [notify] table (and its [run] table, and `tables` at its end). */
async function projectWith(notify: string, run = '', tables = ''): Promise<Project> {
  const project = await tempProject();
  await initRepo(project.dir);
  const configPath = join(project.dir, '.workgraph', 'config.toml');
  writeFileSync(
    configPath,
    readFileSync(configPath, 'utf8')
      .replace(/^\[notify\]$/m, `[notify]\n${notify}`)
      .replace(/^\[run\]$/m, `[run]\n${run}`) + tables,
  );
  await project.ok(['add', 'Review me', '--id', 'review-me', '--exec', 'echo ok > r.txt', '--validation', 'external']);
  await project.ok(['add', 'Break', '--id', 'break', '--exec', 'exit 1', '--max-retries', '0']);
  return project;
}

describe('[notify]', () => {
  it('a webhook receives one JSON per event: the pending review, the failure and the end of the run', async () => {
    await withWebhook(async (url, received) => {
      const project = await projectWith(`webhook = "${url}"`);
      const run = await project.wg(['run', '--no-wait']);
      expect(run.exitCode, run.stdout + run.stderr).toBe(1);
      // wg waits for its messages before it exits: all are in.
      expect(received.map((event) => [event.kind, event.task, event.command])).toEqual(
        expect.arrayContaining([
          [
            'pending-validation',
            'review-me',
            'wg diff review-me, then wg approve review-me or wg reject review-me --reason TEXT',
          ],
          ['failed', 'break', 'wg retry break'],
          ['run-finished', undefined, 'wg inbox'],
        ]),
      );
      expect(received).toHaveLength(3);
      for (const event of received) expect(event.text).not.toContain('\n');

      // Another run sees the same failure within the debounce: only its end is news.
      const again = await project.wg(['run', '--no-wait']);
      expect(again.exitCode).toBe(1);
      expect(received.slice(3).map((event) => event.kind)).toEqual(['run-finished']);
    });
  });

  it('a notifier that fails or hangs is logged, and the run ends as it would have', async () => {
    for (const command of ['["node", "-e", "process.exit(1)"]', '["node", "-e", "setInterval(() => {}, 1000)"]']) {
      const project = await projectWith(`command = ${command}`);
      const run = await project.wg(['run', '--no-wait']);
      expect(run.exitCode, run.stdout + run.stderr).toBe(1);
      expect(run.stdout).toMatch(/warning notify command failed: node (exited 1|did not finish within 10s; killed)/);
      expect((await project.show('review-me')).status).toBe('pending-validation');
      expect((await project.show('break')).status).toBe('failed');
    }
  }, 60_000);

  it('budget warnings, once per budget, reach the webhook and the live view; a failure is sent when it happens', async () => {
    let project: Project | undefined;
    await withWebhook(
      async (url, received) => {
        project = await projectWith(
          `webhook = "${url}"`,
          // A command agent that reports the cost its prompt names: no Node process per attempt.
          'budget_usd_per_day = 10',
          '\n[backends.pay]\ntype = "command"\nargv = ["grep", "^::usage ", "{prompt_file}"]\n',
        );
        const pay = (usd: number) => `::usage {"cost_usd": ${usd}}`;
        const add = (id: string, ...flags: string[]) => project!.ok(['add', id, '--id', id, ...flags]);
        await add('dear', '--backend', 'pay', '--cost', '1', '--prompt', pay(8.5));
        await add('cheap', '--backend', 'pay', '--cost', '0.1', '--prompt', pay(0.1), '--blocked-by', 'dear');
        await add(
          'capped',
          '--backend',
          'pay',
          '--cost',
          '0.1',
          '--max-cost',
          '1',
          '--prompt',
          pay(0.9),
          '--blocked-by',
          'dear',
        );
        // projectWith added `break` (fails) and `review-me` (held for a review).
        // Runs until the webhook has heard of break's failure (in a worktree: the file is looked for in the project
        // folder): were it told only at the run's end, this would time out.
        await add(
          'wait',
          '--exec',
          `while [ ! -e '${join(project.dir, 'told')}' ]; do sleep 0.05; done`,
          '--timeout',
          '60s',
          '--max-retries',
          '0',
        );
        // A terminal, so the run draws its live view.
        const run = await execa('script', ['-qfec', `node ${WG_BIN} run --no-wait --parallel 3`, '/dev/null'], {
          cwd: project.dir,
          env: cleanEnv(),
          stdin: 'ignore',
          reject: false,
        });
        const screen = stripVTControlCharacters(String(run.stdout)).replace(/\r/g, '');
        expect(run.exitCode, screen).toBe(1);
        expect((await project.show('wait')).status, screen + JSON.stringify(received)).toBe('done');

        const day = "budget: $8.50 spent of the day's budget of $10.00 (85%, warning at 80%)";
        const cap = 'capped: budget: the task has spent 80% or more of its $1.00 cap (max_cost_usd)';
        expect(screen).toContain(`warning ${day}`);
        expect(screen).toContain(`warning ${cap}`);
        const warnings = received.filter((event) => event.kind === 'budget-warning');
        expect(warnings.map(({ task, budget, text, command }) => ({ task, budget, text, command }))).toEqual(
          expect.arrayContaining([
            { task: undefined, budget: 'day', text: day, command: 'wg cost' },
            { task: 'capped', budget: 'task', text: cap, command: 'wg edit capped --max-cost <usd> (a larger cap)' },
          ]),
        );
        expect(warnings).toHaveLength(2);
        // Told as it failed, and not again at the end of the run.
        expect(received.filter((event) => event.kind === 'failed').map((event) => event.task)).toEqual(['break']);
      },
      (sent) => {
        if (sent.kind === 'failed') writeFileSync(join(project!.dir, 'told'), '');
      },
    );
  }, 60_000);
});
